"""The training loop: one readable function (nanoGPT-style), a frozen config, a DataFrame history.

Threads: :func:`train` sets torch's thread count to ``TrainConfig.num_threads`` (default 1) for the
duration of the call and restores the previous value afterwards; ``num_threads=None`` leaves it alone.

Speed: with discrete inputs (few distinct rows per modality, e.g. the XOR data) the loop runs the
*grouped* losses (:func:`symile_min.grouped.symile_loss_grouped`), which encode only the distinct
input rows and compute the exact same loss from counts; ``grouped=None`` picks this automatically.
The optimiser is AdamW, fused into one kernel where this torch has one for the device (CPU: torch >= 2.4,
found by a feature probe), else torch's default implementation (same update up to rounding).

Logit scale: learned from ``logit_scale_init`` (the log of the multiplier) and, by default, never
clamped, as in the paper's reference code (rajesh-lab/symile). ``logit_scale_min`` / ``logit_scale_max``
opt in to clamping the log scale after every step (CLIP's choice: ``logit_scale_max = ln 100``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
import time
from dataclasses import dataclass

import pandas as pd
import torch

from ._checks import METHODS, NEGATIVES, check_choice, check_seed
from ._streamed import DEFAULT_CHUNK_ELEMENTS
from .grouped import clip_loss_grouped, symile_loss_grouped
from .losses import clip_loss, symile_loss
from .model import ENCODERS, SymileModel, to_tensor_list

__all__ = ["TrainConfig", "TrainResult", "train", "HISTORY_COLUMNS"]

#: columns of ``TrainResult.history``
HISTORY_COLUMNS = ["epoch", "train_loss", "val_loss", "logit_scale", "best"]


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run (defaults: the paper's binary-XOR settings).

    Parameters
    ----------
    method : {"symile", "clip"}
        Objective.
    negatives : {"n", "n_squared"}
        Symile's negative scheme (ignored by CLIP).
    rep_dim : int
        Representation width.
    encoder : {"linear", "mlp"}
        Encoder architecture; ``hidden_dim`` is the MLP's hidden width.
    lr, weight_decay : float
        AdamW settings (paper: 0.1 and 0.01).
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
        Seeds the initial weights, the batch order and the negative permutations (an int, python or
        numpy, in [0, 2**63); float, string or bool: TypeError).
    patience : int or None
        Stop after this many epochs without a lower validation loss (None: never stop early).
    progress : bool
        Show a tqdm progress bar over epochs.
    grouped : bool or None
        Use the grouped (distinct-rows) losses; None = automatically when every modality has at most
        ``batch_size // 2`` distinct input rows.
    num_threads : int or None
        torch's thread count during the call, restored afterwards. Default 1: the models are tiny and
        extra OpenMP threads only add synchronisation (20x slower on a busy 2-core machine).
        None leaves the global setting alone.
    chunk_elements : int
        Memory knob of the ``"n_squared"`` loss.
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

    def __post_init__(self):
        check_choice("method", self.method, METHODS)
        check_choice("negatives", self.negatives, NEGATIVES)
        check_choice("encoder", self.encoder, ENCODERS)
        for name in ("rep_dim", "hidden_dim", "batch_size", "epochs", "chunk_elements"):
            value = getattr(self, name)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        if self.batch_size < 2:
            raise ValueError(
                f"batch_size must be >= 2 (a contrastive batch needs negatives), got {self.batch_size}"
            )
        for name in ("lr", "weight_decay", "logit_scale_init"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
        if self.lr <= 0 or self.weight_decay < 0:
            raise ValueError(
                f"need lr > 0 and weight_decay >= 0, got lr={self.lr!r}, weight_decay={self.weight_decay!r}"
            )
        object.__setattr__(self, "seed", check_seed(self.seed))  # numpy ints become python ints (JSON)
        for name in ("logit_scale_min", "logit_scale_max"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            ):
                raise ValueError(f"{name} must be None or a finite number (a log scale), got {value!r}")
        low, high = self.logit_scale_min, self.logit_scale_max
        if low is not None and high is not None and low > high:
            raise ValueError(f"need logit_scale_min <= logit_scale_max, got {low!r} > {high!r}")
        for name in ("patience", "num_threads"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int) and not isinstance(value, bool) and value >= 1
            ):
                raise ValueError(f"{name} must be None or an int >= 1, got {value!r}")
        if self.grouped not in (None, True, False):
            raise ValueError(f"grouped must be None, True or False, got {self.grouped!r}")

    def to_dict(self) -> dict:
        """The config as a JSON-able dict (``TrainConfig(**cfg.to_dict()) == cfg``)."""
        return dataclasses.asdict(self)


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes
    ----------
    model : SymileModel
        Weights of the epoch with the lowest validation loss, in eval mode; records the objective
        (``model.method``, ``model.negatives``) that evaluation then defaults to.
    history : pandas.DataFrame
        One row per epoch: ``epoch`` (1-based), ``train_loss`` (mean over the epoch's batches, nats),
        ``val_loss`` (nats, fixed negatives across epochs), ``logit_scale``, ``best`` (bool).
    best_epoch : int
        Epoch whose weights were kept.
    config : TrainConfig
    seconds : float
        Wall-clock time of the call (not in the history, which is deterministic).
    grouped : bool
        Whether the grouped losses were used.
    """

    model: SymileModel
    history: pd.DataFrame
    best_epoch: int
    config: TrainConfig
    seconds: float
    grouped: bool


def _adamw(model: SymileModel, *, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW over the model's parameters, fused where this torch supports it on the model's device."""
    fused = _fused_adamw_supported(model.log_scale.device.type)
    # fused: one kernel for all parameters (deterministic on CPU, ~8x less per-step overhead)
    kwargs = {"fused": True} if fused else {}
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, **kwargs)


@functools.cache
def _fused_adamw_supported(device_type: str) -> bool:
    """Whether ``torch.optim.AdamW(fused=True)`` accepts parameters on ``device_type`` (probed once).

    A feature check rather than a version compare: torch raises RuntimeError at construction when it has
    no fused kernel for the device (CPU before torch 2.4), TypeError if it has no ``fused`` at all.
    """
    probe = torch.zeros(1, device=device_type, requires_grad=True)
    try:
        torch.optim.AdamW([probe], fused=True)
    except (RuntimeError, TypeError):
        return False
    return True


def _loss(config: TrainConfig, reps, scale, generator, ids=None):
    """The configured objective on plain reps (ids None) or on distinct-row reps + ids (grouped)."""
    if config.method == "clip":
        return clip_loss(reps, scale) if ids is None else clip_loss_grouped(reps, ids, scale)
    kwargs = dict(negatives=config.negatives, generator=generator, chunk_elements=config.chunk_elements)
    return (
        symile_loss(reps, scale, **kwargs) if ids is None else symile_loss_grouped(reps, ids, scale, **kwargs)
    )


def _distinct_rows(train_x, val_x):
    """Per modality: distinct rows over train+val (U, d_m) and the row ids of train (N,) and val (N_val,)."""
    uniq, train_ids, val_ids = [], [], []
    for xt, xv in zip(train_x, val_x, strict=True):
        values, inverse = torch.unique(torch.cat([xt, xv]), dim=0, return_inverse=True)
        uniq.append(values)
        train_ids.append(inverse[: xt.shape[0]])
        val_ids.append(inverse[xt.shape[0] :])
    return uniq, train_ids, val_ids


def train(train_data, val_data, config: TrainConfig | None = None) -> TrainResult:
    """Train one encoder per modality with the Symile or CLIP objective; keep the best-validation weights.

    Parameters
    ----------
    train_data, val_data : list of array-like
        M inputs (N, d_m), one per modality (numpy arrays or tensors; converted to float32 once).
    config : TrainConfig, optional
        Defaults to ``TrainConfig()`` (the paper's XOR settings).

    Returns
    -------
    TrainResult
        Same seed and data -> identical weights and history (on CPU).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 200, 1))
    >>> data = [a, b, a ^ b]
    >>> res = train(data, data, TrainConfig(epochs=2, batch_size=100))
    >>> list(res.history.columns)
    ['epoch', 'train_loss', 'val_loss', 'logit_scale', 'best']
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    train_x = to_tensor_list(train_data, name="train_data")  # M x (N, d_m)
    val_x = to_tensor_list(val_data, name="val_data")  # M x (N_val, d_m)
    if [x.shape[1] for x in train_x] != [x.shape[1] for x in val_x]:
        raise ValueError(
            f"val_data widths {[x.shape[1] for x in val_x]} differ from train_data widths "
            f"{[x.shape[1] for x in train_x]}"
        )
    n_train, n_val = train_x[0].shape[0], val_x[0].shape[0]
    if n_train < 2 or n_val < 2:
        raise ValueError(f"need at least 2 training and 2 validation rows, got {n_train} and {n_val}")

    old_threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    try:
        return _train_loop(train_x, val_x, config)
    finally:
        torch.set_num_threads(old_threads)


def _train_loop(train_x, val_x, config: TrainConfig) -> TrainResult:
    t0 = time.perf_counter()
    n_train, n_val = train_x[0].shape[0], val_x[0].shape[0]
    bs = config.batch_size

    uniq, train_ids, val_ids = _distinct_rows(train_x, val_x)
    grouped = config.grouped
    if grouped is None:
        grouped = max(u.shape[0] for u in uniq) <= bs // 2

    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(config.seed)
        model = SymileModel(
            [x.shape[1] for x in train_x],
            config.rep_dim,
            config.encoder,
            hidden_dim=config.hidden_dim,
            logit_scale_init=config.logit_scale_init,
            method=config.method,
            negatives=config.negatives,
        )
    gen = torch.Generator().manual_seed(config.seed)  # batch order and negative permutations
    opt = _adamw(model, lr=config.lr, weight_decay=config.weight_decay)

    def batch_loss(ids_source, x_source, idx, generator):
        # idx: (B,) row indices into the split
        if grouped:
            reps = model._encode(uniq)  # M x (U_m, d): encode each distinct input row once
            return _loss(config, reps, model.logit_scale, generator, [ids[idx] for ids in ids_source])
        reps = model._encode([x[idx] for x in x_source])  # M x (B, d)
        return _loss(config, reps, model.logit_scale, generator)

    starts = [s for s in range(0, n_train, bs) if min(bs, n_train - s) >= 2]
    val_starts = [s for s in range(0, n_val, bs) if min(bs, n_val - s) >= 2]
    rows, best_val, best_epoch, best_state, since_best = [], math.inf, 0, None, 0
    epochs = range(1, config.epochs + 1)
    if config.progress:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc=f"{config.method} training", unit="epoch")
    for epoch in epochs:
        model.train()
        perm = torch.randperm(n_train, generator=gen)  # (N,) this epoch's batch order
        train_sum = 0.0
        for s in starts:
            idx = perm[s : s + bs]  # (B,)
            loss = batch_loss(train_ids, train_x, idx, gen)  # scalar, nats
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            model.clamp_logit_scale(config.logit_scale_min, config.logit_scale_max)  # no-op by default
            train_sum += loss.item()

        # validation: the same negatives every epoch (fixed generator), so epochs are comparable
        model.eval()
        val_gen = torch.Generator().manual_seed(config.seed + 1)
        with torch.no_grad():
            val_sum = 0.0
            for s in val_starts:
                idx = torch.arange(s, min(n_val, s + bs))  # (B_val,)
                val_sum += batch_loss(val_ids, val_x, idx, val_gen).item() * idx.numel()
            val_loss = val_sum / sum(min(bs, n_val - s) for s in val_starts)
        improved = val_loss < best_val
        if improved:
            best_val, best_epoch, since_best = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        rows.append((epoch, train_sum / len(starts), val_loss, float(model.logit_scale.detach()), improved))
        if config.patience is not None and since_best >= config.patience:
            break

    if best_state is not None:  # None only if every val loss was nan
        model.load_state_dict(best_state)
    model.eval()
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return TrainResult(model, history, best_epoch, config, time.perf_counter() - t0, bool(grouped))
