"""The settings of one training run: :class:`TrainConfig`, frozen and validated at construction.

Every field is checked when the config is built (a ValueError or TypeError naming the field and the bad
value), so :func:`symile_min.train` never fails late on a setting; the trainer's docstring says what each
group of settings does.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ._checks import (
    METHODS,
    NEGATIVES,
    as_int,
    as_real,
    check_choice,
    check_log_scale,
    check_seed,
    check_weight_size,
)
from ._streamed import DEFAULT_CHUNK_ELEMENTS
from .model import ENCODERS

__all__ = ["TrainConfig", "PRECISIONS", "SCHEDULES", "MAX_THREADS"]

PRECISIONS = ("32", "bf16", "16")
SCHEDULES = ("constant", "cosine")
_DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
#: largest integer setting: what torch's int64 arguments hold (above it torch raises raw overflow errors)
_MAX_INT = 2**63 - 1
#: most torch threads: torch.set_num_threads(10**6) kills the process trying to start them
MAX_THREADS = 1024


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run (defaults: the paper's binary-XOR settings).

    Numbers may be python or numpy scalars (stored as python ``int`` / ``float``); a bad value is a
    ValueError naming the field and the value.

    Parameters
    ----------
    method : {"symile", "clip"}
        Objective.
    negatives : {"n", "n_squared"}
        Symile's negative scheme (ignored by CLIP).
    rep_dim : int
        Representation width of the built-in encoders.
    encoder : {"linear", "mlp"}
        Built-in encoder architecture; ``hidden_dim`` is the MLP's hidden width (both unused with
        ``train(..., model=...)``).
    lr, weight_decay : float
        AdamW settings (paper: 0.1 and 0.01); ``lr`` is the peak rate of a schedule.
    batch_size : int
        Rows per step (paper: 1000); the last, smaller batch of an epoch is kept if it has >= 2 rows.
    epochs : int
        Number of passes over the training data (paper: 100).
    logit_scale_init : float
        Initial *log* logit-scale (paper and reference code: -0.3, a multiplier of exp(-0.3) = 0.74),
        learned from there.
    logit_scale_min, logit_scale_max : float or None
        Clamp the *log* logit-scale to [min, max] after every optimiser step (same log units as
        ``logit_scale_init``; None: that side unbounded). Default None and None: never clamped, as in
        the paper's reference code. CLIP clamps ``logit_scale_max = ln 100``
        (:data:`symile_min.model.LOG_SCALE_MAX`); this trainer before issue 9 also clamped
        ``logit_scale_min = 0``, which overrode the -0.3 init after the first step.
    seed : int
        Seeds the initial weights of the built-in encoders, the batch order, the negative permutations
        and torch's RNG during the run (dropout, a DataLoader's shuffling); an int, python or numpy, in
        [0, 2**63) (float, string or bool: TypeError).
    patience : int or None
        Stop after this many epochs without a lower validation loss (None: never stop early).
    progress : bool
        Show a tqdm progress bar over epochs.
    grouped : bool or None
        Use the grouped (distinct-rows) losses; None = automatically when every modality has at most
        ``batch_size // 2`` distinct input rows (built-in encoders on in-memory data only).
    num_threads : int or None
        torch's thread count during the call, restored afterwards. Default 1: the models are tiny and
        extra OpenMP threads only add synchronisation (20x slower on a busy 2-core machine).
        None leaves the global setting alone.
    chunk_elements : int
        Memory knob of the ``"n_squared"`` loss.
    device : str
        ``"cpu"`` (default: the paper's tiny models are fastest there, and results are the same on every
        machine), ``"auto"`` (cuda, else mps, else cpu), ``"cuda"``, ``"cuda:<i>"`` or ``"mps"``.
    precision : {"32", "bf16", "16"}
        Float32, or mixed precision: the encoders run under ``torch.autocast`` in bfloat16 / float16
        (float16 with a gradient scaler); the loss is computed in float32.
    grad_clip : float or None
        Clip the global gradient norm to this value before every step (None: no clipping).
    schedule : {"constant", "cosine"}
        Learning rate after the warm-up: constant ``lr``, or a cosine decay from ``lr`` to ``min_lr``
        over the remaining optimiser steps of the run.
    warmup_steps : int
        Linear warm-up of the learning rate over the first steps (0: none).
    min_lr : float
        Final learning rate of the cosine schedule (0 <= min_lr <= lr).
    local_loss : bool
        Data-parallel runs only (under ``torchrun``; ignored in one process): each rank computes the
        loss of its own rows against the global batch's candidates instead of the whole global loss
        (open_clip's ``local_loss``); the same gradient after DDP's averaging, up to rounding, with W
        times smaller score matrices per rank (see ``docs/distributed.md``).

    Notes
    -----
    Under ``torchrun`` (a process group of W > 1 ranks) ``batch_size`` is the number of rows *per rank*:
    each step trains on a global batch of W * ``batch_size`` rows, the batch one process would train on
    with ``batch_size=W * batch_size`` (same loss, gradients and weights up to rounding).

    Values that no run could use are refused here, naming the field: a log scale (``logit_scale_*``)
    whose exp is not a positive finite float32 (|value| above about 87), ``lr * weight_decay >= 1``
    (AdamW multiplies every weight by ``1 - lr * weight_decay`` each step), more than
    :data:`MAX_THREADS` threads, integers above 2**63 - 1, and built-in encoder weights larger than
    ``symile_min._checks.MAX_WEIGHT_ELEMENTS`` (from ``rep_dim`` and ``hidden_dim``). A learning rate
    or scale that is valid but too large can still make training diverge; :func:`train` then stops with
    a ValueError naming the epoch, the step and these settings.
    """

    method: str = "symile"
    negatives: str = "n"
    rep_dim: int = 16
    encoder: str = "linear"
    hidden_dim: int = 64
    lr: float = 0.1
    weight_decay: float = 0.01
    batch_size: int = 1000
    epochs: int = 100
    logit_scale_init: float = -0.3
    logit_scale_min: float | None = None
    logit_scale_max: float | None = None
    seed: int = 0
    patience: int | None = None
    progress: bool = False
    grouped: bool | None = None
    num_threads: int | None = 1
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS
    device: str = "cpu"
    precision: str = "32"
    grad_clip: float | None = None
    schedule: str = "constant"
    warmup_steps: int = 0
    min_lr: float = 0.0
    local_loss: bool = False

    def __post_init__(self):
        def put(name, value):  # frozen: normalised values (numpy scalars -> python) set once here
            object.__setattr__(self, name, value)

        check_choice("method", self.method, METHODS)
        check_choice("negatives", self.negatives, NEGATIVES)
        check_choice("encoder", self.encoder, ENCODERS)
        for name in ("rep_dim", "hidden_dim", "batch_size", "epochs", "chunk_elements"):
            put(name, _as_count(getattr(self, name), name))
        if self.batch_size < 2:
            raise ValueError(
                f"batch_size must be >= 2 (a contrastive batch needs negatives), got {self.batch_size}"
            )
        for name in ("lr", "weight_decay", "logit_scale_init", "min_lr"):
            put(name, as_real(getattr(self, name), name))
        if self.lr <= 0 or self.weight_decay < 0:
            raise ValueError(
                f"need lr > 0 and weight_decay >= 0, got lr={self.lr!r}, weight_decay={self.weight_decay!r}"
            )
        if self.lr * self.weight_decay >= 1:
            raise ValueError(
                f"need lr * weight_decay < 1 (AdamW multiplies every weight by 1 - lr * weight_decay per "
                f"step), got lr={self.lr!r}, weight_decay={self.weight_decay!r}"
            )
        put("logit_scale_init", check_log_scale(self.logit_scale_init, "logit_scale_init"))
        put("seed", check_seed(self.seed))  # numpy ints become python ints (JSON)
        for name in ("logit_scale_min", "logit_scale_max"):
            value = as_real(getattr(self, name), name, optional=True, what="a finite number (a log scale)")
            put(name, check_log_scale(value, name) if value is not None else None)
        low, high = self.logit_scale_min, self.logit_scale_max
        if low is not None and high is not None and low > high:
            raise ValueError(f"need logit_scale_min <= logit_scale_max, got {low!r} > {high!r}")
        for name in ("patience", "num_threads"):
            put(name, _as_count(getattr(self, name), name, optional=True))
        if self.num_threads is not None and self.num_threads > MAX_THREADS:
            raise ValueError(
                f"num_threads must be None or an int in [1, {MAX_THREADS}], got {self.num_threads!r}"
            )
        check_weight_size(1, self.rep_dim, what=f"rep_dim={self.rep_dim}")
        if self.encoder == "mlp":
            check_weight_size(self.hidden_dim, self.rep_dim, what=f"hidden_dim={self.hidden_dim}, rep_dim")
        if self.grouped not in (None, True, False):
            raise ValueError(f"grouped must be None, True or False, got {self.grouped!r}")
        if not isinstance(self.progress, bool):
            raise ValueError(f"progress must be True or False, got {self.progress!r}")
        if not (isinstance(self.device, str) and _DEVICE.match(self.device)):
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got {self.device!r}"
            )
        precision = str(self.precision) if isinstance(self.precision, int | str) else self.precision
        put("precision", check_choice("precision", precision, PRECISIONS))
        clip = as_real(self.grad_clip, "grad_clip", optional=True, what="a number > 0")
        if clip is not None and clip <= 0:
            raise ValueError(f"grad_clip must be None or a number > 0, got {self.grad_clip!r}")
        put("grad_clip", clip)
        check_choice("schedule", self.schedule, SCHEDULES)
        put("warmup_steps", _as_count(self.warmup_steps, "warmup_steps", minimum=0))
        if not 0 <= self.min_lr <= self.lr:
            raise ValueError(f"min_lr must lie in [0, lr = {self.lr!r}], got {self.min_lr!r}")
        if not isinstance(self.local_loss, bool):
            raise ValueError(f"local_loss must be True or False, got {self.local_loss!r}")

    def to_dict(self) -> dict:
        """The config as a JSON-able dict (``TrainConfig(**cfg.to_dict()) == cfg``)."""
        return dataclasses.asdict(self)


def _as_count(value, name: str, *, minimum: int = 1, optional: bool = False) -> int | None:
    """:func:`as_int` with the upper limit every integer setting shares (2**63 - 1, torch's int64)."""
    value = as_int(value, name, minimum=minimum, optional=optional)
    if value is not None and value > _MAX_INT:
        shown = repr(value) if value < 10**30 else f"an int of {len(str(value))} digits"
        raise ValueError(f"{name} must be an int in [{minimum}, 2**63 - 1], got {shown}")
    return value
