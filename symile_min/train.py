"""The training loop: one readable function (nanoGPT-style), a frozen config, a DataFrame history.

Models: by default one built-in encoder per modality (linear, as in the paper, or an MLP) is built from the
data; ``train(..., model=...)`` takes your own instead: a list of ``nn.Module`` encoders, one per modality,
of any input shape, a module with ``encode(batch) -> list of (N, d)``, or a :class:`SymileModel` (e.g. a
previous result's, to warm-start). The learned logit scale is the objective's: the trainer adds it around
your encoders (``model.log_scale``), never inside them.

Data: anything :mod:`symile_min.data` reads (a list or dict of arrays, a ``Dataset``, a ``DataLoader``).
In-memory data and Datasets are batched in the seeded order of ``TrainConfig.seed``; a ``DataLoader`` is
iterated as you built it.

Device and precision: ``TrainConfig(device="auto" | "cpu" | "cuda" | "cuda:1" | "mps")``; in-memory data
are moved to the device once, loader batches as they come. There is no host sync in the per-step path: the
epoch's losses are summed on the device and read back once per epoch (the losses' own input checks read
values back only for CPU tensors). ``precision="bf16"`` or ``"16"`` encodes under ``torch.autocast`` (the
loss itself runs in float32), with a gradient scaler for float16; ``grad_clip`` clips the global norm.

Schedule: constant learning rate by default; ``warmup_steps`` ramps it up linearly, ``schedule="cosine"``
then decays it to ``min_lr`` over the remaining optimiser steps of the run.

Callbacks and logging: ``callbacks`` are called after every epoch with an :class:`EpochInfo` (return True
to stop); ``log_dir`` gets ``history.csv`` (rewritten each epoch) and TensorBoard event files when the
``tensorboard`` package is installed.

Checkpoints: ``checkpoint=path`` writes the run's state after every epoch (:mod:`symile_min.checkpoint`,
readable with ``torch.load(weights_only=True)``); ``resume=path`` continues a killed run from its last
epoch to the same final weights, history and best epoch as an uninterrupted run (the seeded generators,
torch's RNG, the optimiser and the grad scaler are restored). :meth:`TrainResult.save` /
:meth:`TrainResult.load` store and rebuild a result.

Data parallel: under ``torchrun`` (or in a process group of W > 1 ranks you initialised) the same call
trains data-parallel (``docs/distributed.md``): every rank passes the same data and takes its contiguous
block of each global batch of W * ``batch_size`` rows, the encoders run under ``DistributedDataParallel``,
the representations are gathered (:func:`symile_min.distributed.gather_features`) so that every positive
is scored against the global batch, validation and the kept epoch use the global validation set, only
rank 0 writes files, and the result equals one process's with ``batch_size=W * batch_size`` up to
rounding (``TrainConfig.local_loss`` picks the cheaper per-rank layout).

Threads: :func:`train` sets torch's thread count to ``TrainConfig.num_threads`` (default 1) for the
duration of the call and restores the previous value afterwards; ``num_threads=None`` leaves it alone.

Speed: with discrete inputs (few distinct rows per modality, e.g. the XOR data) the loop runs the
*grouped* losses (:func:`symile_min.grouped.symile_loss_grouped`), which encode only the distinct
input rows and compute the exact same loss from counts; ``grouped=None`` picks this automatically for the
built-in encoders on in-memory data.
The optimiser is AdamW, fused into one kernel where this torch has one for the device (CPU: torch >= 2.4,
found by a feature probe), else torch's default implementation (same update up to rounding).

Logit scale: learned from ``logit_scale_init`` (the log of the multiplier) and, by default, never
clamped, as in the paper's reference code (rajesh-lab/symile). ``logit_scale_min`` / ``logit_scale_max``
opt in to clamping the log scale after every step (CLIP's choice: ``logit_scale_max = ln 100``).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from . import _ddp
from . import checkpoint as ckpt
from ._local import clip_rows_loss, symile_rows_loss
from .config import _DEVICE, TrainConfig
from .data import Modalities, modalities
from .distributed import gather_features
from .grouped import clip_loss_grouped, symile_loss_grouped
from .losses import clip_loss, symile_loss
from .model import SymileModel, _check_outputs

__all__ = [
    "TrainResult",
    "EpochInfo",
    "train",
    "resolve_device",
    "check_resumable",
    "lr_at",
    "HISTORY_COLUMNS",
]

#: columns of ``TrainResult.history``
HISTORY_COLUMNS = ["epoch", "train_loss", "val_loss", "logit_scale", "best"]

#: config fields that may differ between a run and its resumption (they do not change the numbers)
_RESUMABLE_CHANGES = ("progress", "num_threads")


@dataclass
class EpochInfo:
    """What a callback receives after every epoch (return True from the callback to stop training).

    Attributes
    ----------
    epoch : int
        1-based epoch just finished.
    row : dict
        That epoch's history row (``HISTORY_COLUMNS``; losses in nats).
    model : SymileModel
        The model being trained (its weights are the current epoch's, not the best).
    optimizer : torch.optim.Optimizer
    best_epoch : int
        Epoch with the lowest validation loss so far.
    """

    epoch: int
    row: dict
    model: SymileModel
    optimizer: torch.optim.Optimizer
    best_epoch: int


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
    train_state : dict or None
        What ``train(..., resume=...)`` needs to continue the run (the last epoch's weights, optimiser
        and grad-scaler state, generator and RNG states, counters), on the CPU; saved by :meth:`save`.
    """

    model: SymileModel
    history: pd.DataFrame
    best_epoch: int
    config: TrainConfig
    seconds: float
    grouped: bool
    train_state: dict | None = field(default=None, repr=False)

    def save(self, path) -> Path:
        """Write the result as a checkpoint file (:mod:`symile_min.checkpoint`); returns the path.

        It holds the kept (best) weights, the objective, the config, the history and the training state,
        and loads with ``torch.load(path, weights_only=True)``.
        """
        payload = _make_payload(
            self.model, self.model.state_dict(), _history_rows(self.history), self.best_epoch, self.config,
            self.seconds, self.grouped, self.train_state, (self.train_state or {}).get("data"),
        )
        return ckpt.save_payload(path, payload)

    @classmethod
    def load(cls, path, *, model=None, map_location="cpu") -> TrainResult:
        """Rebuild a result from a checkpoint file (or a ``symile-lab train`` folder).

        Parameters
        ----------
        path : str or path-like
            The file written by :meth:`save` or ``train(..., checkpoint=path)``, or a folder holding
            ``checkpoint.pt``.
        model : SymileModel, list of nn.Module or nn.Module, optional
            A fresh instance of your own architecture (built-in encoders are rebuilt from the file).
        map_location : str or torch.device
            Where the tensors are loaded (default: the CPU).

        Returns
        -------
        TrainResult
            The model in eval mode with the kept weights; ``train_state`` as saved.
        """
        payload = ckpt.load_payload(path, map_location=map_location)
        net = ckpt.build_model(payload["model"], model)
        _load_weights(net, payload["state_dict"], path)
        net.eval()
        history = pd.DataFrame(payload["history"]["rows"], columns=payload["history"]["columns"])
        return cls(
            net,
            history,
            int(payload["best_epoch"]),
            TrainConfig(**payload["config"]),
            float(payload["seconds"]),
            bool(payload["grouped"]),
            train_state=payload["train_state"],
        )


def _history_rows(history: pd.DataFrame) -> list[list]:
    return [
        [int(r.epoch), float(r.train_loss), float(r.val_loss), float(r.logit_scale), bool(r.best)]
        for r in history.itertuples(index=False)
    ]


def _make_payload(
    model, state_dict, rows, best_epoch, config, seconds, grouped, train_state, data
) -> dict:
    """The checkpoint dict (plain values and tensors only; layout in :mod:`symile_min.checkpoint`)."""
    return {
        "format": ckpt.FORMAT,
        "version": ckpt.VERSION,
        "model": ckpt.model_spec(model),
        "state_dict": state_dict,
        "config": config.to_dict(),
        "history": {"columns": list(HISTORY_COLUMNS), "rows": [list(r) for r in rows]},
        "best_epoch": int(best_epoch),
        "grouped": bool(grouped),
        "seconds": float(seconds),
        "data": data,
        "train_state": train_state,
    }


def _load_weights(model: SymileModel, state: dict, path) -> None:
    try:
        model.load_state_dict(state)
    except RuntimeError as err:  # an architecture that does not match the saved weights
        first = str(err).strip().splitlines()[0]
        raise ValueError(f"the model does not match the weights in {str(path)!r}: {first}") from None


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The torch device for ``device``: ``"auto"`` picks cuda, then mps, then cpu; others must be present.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        return device
    if not (isinstance(device, str) and _DEVICE.match(device)):
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got {device!r}")
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r}, but this torch sees no CUDA device (use 'cpu' or 'auto')")
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r}, but only {torch.cuda.device_count()} CUDA device(s) exist")
    if device == "mps" and not has_mps:
        raise ValueError("device='mps', but MPS is not available here (use 'cpu' or 'auto')")
    return torch.device(device)


def _adamw(model: SymileModel, *, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW over the model's parameters, fused where this torch supports it on the model's device."""
    fused = _fused_adamw_supported(model.log_scale.device.type)
    # fused: one kernel for all parameters (deterministic on CPU, ~8x less per-step overhead)
    kwargs = {"fused": True} if fused else {}
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, **kwargs)


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


def _autocast(device: torch.device, precision: str):
    """The encoders' autocast context for ``precision`` (a no-op context for float32)."""
    if precision == "32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16 if precision == "bf16" else torch.float16)


def batch_loss(model, config, reps_in, scale_dtype_cast: bool, generator, ids=None):
    """Encode one batch (or the distinct rows, with ``ids``) and return the configured loss (nats).

    ``reps_in`` are the M input tensors; under mixed precision (``scale_dtype_cast``) the encoders ran
    in autocast and the representations are cast to float32 here, so the loss runs in float32.
    """
    with _autocast(model.log_scale.device, config.precision):
        reps = model._encode(reps_in)  # M x (B, d), or M x (U_m, d) distinct rows
    if scale_dtype_cast:
        reps = [r.float() for r in reps]
    return _loss(config, reps, model.logit_scale, generator, ids)


def optimizer_step(loss, opt, scaler, params, config: TrainConfig) -> None:
    """Backward, optional (unscaled) gradient clipping and the optimiser step; no host sync."""
    opt.zero_grad(set_to_none=True)
    if scaler is None:
        loss.backward()
        if config.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
        opt.step()
        return
    scaler.scale(loss).backward()
    if config.grad_clip is not None:
        scaler.unscale_(opt)  # clip the true gradients, not the scaled ones
        torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
    scaler.step(opt)  # skipped when the scaled gradients overflowed
    scaler.update()


def lr_at(config: TrainConfig, step: int, total_steps: int) -> float:
    r"""Learning rate of optimiser step ``step`` (0-based) of ``total_steps``: warm-up, then the schedule.

    .. math::

        \eta_t = \begin{cases} \eta\,(t + 1) / W & t < W \\ \eta & \text{constant} \\
        \eta_{\min} + \tfrac12 (\eta - \eta_{\min})
        \bigl(1 + \cos \pi \tfrac{t - W}{T - W}\bigr) & \text{cosine}
        \end{cases}

    Examples
    --------
    >>> cfg = TrainConfig(lr=1.0, warmup_steps=2, schedule="cosine")
    >>> [round(lr_at(cfg, t, 6), 3) for t in range(6)]
    [0.5, 1.0, 1.0, 0.854, 0.5, 0.146]
    """
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule == "constant":
        return config.lr
    progress = min(1.0, (step - config.warmup_steps) / max(1, total_steps - config.warmup_steps))
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * progress))


def train(
    train_data,
    val_data,
    config: TrainConfig | None = None,
    *,
    model=None,
    callbacks: Callable | Sequence[Callable] = (),
    log_dir=None,
    tensorboard: bool | None = None,
    checkpoint=None,
    resume=None,
) -> TrainResult:
    """Train one encoder per modality with the Symile or CLIP objective; keep the best-validation weights.

    Parameters
    ----------
    train_data, val_data : list, dict, Dataset or DataLoader
        The M aligned modalities (any form of :mod:`symile_min.data`); for the built-in encoders M
        (N, d_m) arrays or tensors (converted to float32 once).
    config : TrainConfig, optional
        Defaults to ``TrainConfig()`` (the paper's XOR settings).
    model : list of nn.Module, nn.Module with ``encode``, or SymileModel, optional
        Your own encoders (any input shapes; each maps to (N, d) with one d), or a model to continue
        training from (warm start). Default: the built-in encoders of ``config``, built from the data.
    callbacks : callable or sequence of callables
        Called after every epoch with an :class:`EpochInfo`; a callback returning True stops training.
    log_dir : str or path-like, optional
        Folder for ``history.csv`` (rewritten each epoch) and TensorBoard event files.
    tensorboard : bool, optional
        Write TensorBoard events into ``log_dir``: None (default) when the ``tensorboard`` package is
        installed, True to require it, False never.
    checkpoint : str or path-like, optional
        File to write the resumable state to after every epoch and at the end.
    resume : str or path-like, optional
        Checkpoint of an interrupted run of the same config and data (and, for your own encoders, a
        fresh ``model`` of the same architecture) to continue; a finished run is returned as it is.

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
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables, got {type(cb).__name__}")
    device = resolve_device(config.device)
    group = None
    if _ddp.requested():  # under torchrun: data-parallel (docs/distributed.md)
        device = _rank_device(config, device)
        group = _ddp.join(device)
    finished = False
    try:
        result = _train_checked(
            train_data, val_data, config, device, group, model=model, callbacks=callbacks, log_dir=log_dir,
            tensorboard=tensorboard, checkpoint=checkpoint, resume=resume,
        )
        finished = True
        return result
    finally:
        if group is not None:
            _ddp.leave(group, synchronise=finished)


def _train_checked(
    train_data, val_data, config, device, group, *, model, callbacks, log_dir, tensorboard, checkpoint, resume
) -> TrainResult:
    payload = ckpt.load_payload(resume) if resume is not None else None
    if payload is not None:
        check_resumable(payload, config, resume)
        with torch.random.fork_rng(devices=[]):  # a rebuilt built-in model: weights come from the file
            model = ckpt.build_model(payload["model"], model)
    elif model is not None:
        model = _as_model(model, config)
    builtin = model is None or model.builtin
    names = model.names if model is not None else None
    dtype = _input_dtype(model)

    common = dict(flat=builtin, device=device, dtype=dtype)
    train_src = modalities(train_data, name="train_data", names=names, **common)
    val_src = modalities(val_data, name="val_data", names=train_src.names, **common)
    data_info = _check_splits(train_src, val_src, model)
    if payload is not None and payload.get("data") not in (None, data_info):
        raise ValueError(
            f"resume={str(resume)!r} was trained on other data ({payload['data']}), not {data_info}"
        )
    if group is not None:
        _check_ranks(group, config, train_src, val_src, payload)

    old_threads = torch.get_num_threads()
    if config.num_threads is not None:
        torch.set_num_threads(config.num_threads)
    try:
        return _train_loop(
            train_src, val_src, config, model, device, callbacks=callbacks, log_dir=log_dir,
            tensorboard=tensorboard, checkpoint=checkpoint, payload=payload, data_info=data_info, group=group,
        )
    finally:
        torch.set_num_threads(old_threads)


def _input_dtype(model) -> torch.dtype:
    """The dtype of floating inputs: the model's (built-in encoders: float32; a double model: float64)."""
    if model is None or not model.log_scale.dtype.is_floating_point:
        return torch.float32
    return model.log_scale.dtype


def _rank_device(config: TrainConfig, device: torch.device) -> torch.device:
    """Under torchrun: "cuda" / "auto" mean this rank's GPU (``LOCAL_RANK``); MPS has no backend."""
    if device.type == "mps":
        raise ValueError("device='mps' cannot run data-parallel (torch.distributed has no MPS backend)")
    if device.type != "cuda":
        return device
    if config.device in ("auto", "cuda"):
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local % torch.cuda.device_count())
    torch.cuda.set_device(device)
    return device


def _check_ranks(group, config: TrainConfig, train_src: Modalities, val_src: Modalities, payload) -> None:
    """Every rank passed the same config, data and checkpoint (train() shards the rows itself)."""
    def rows(src):  # a loader is sharded by its own DistributedSampler: only its sampler is checked
        return src.n if src.kind != "loader" else None

    for src in (train_src, val_src):
        if src.kind == "loader":
            _check_sharded_loader(src, group)
    tensors = [src.tensors for src in (train_src, val_src) if src.kind == "tensors"]
    state = payload["train_state"] if payload is not None else None
    settings = {k: v for k, v in config.to_dict().items() if k not in _RESUMABLE_CHANGES}
    _ddp.check_same(group, {
        "train rows": rows(train_src),
        "validation rows": rows(val_src),
        "config": settings,
        "data checksum": _ddp.data_fingerprint([x for xs in tensors for x in xs]) if tensors else None,
        "checkpoint epoch": int(state["epoch"]) if state is not None else None,
        "checkpoint step": int(state["step"]) if state is not None else None,
    })


def _check_sharded_loader(src: Modalities, group) -> None:
    from torch.utils.data import DistributedSampler, IterableDataset

    if isinstance(src.loader.dataset, IterableDataset):
        return  # an iterable dataset shards itself (the trainer checks the batch counts per step)
    if not isinstance(_ddp.loader_sampler(src.loader), DistributedSampler):
        raise ValueError(
            f"{src.name} is a DataLoader without a DistributedSampler: under {group.world} ranks every rank "
            f"would read every row. Build it with sampler=torch.utils.data.DistributedSampler(dataset, "
            f"seed=...) (train() calls its set_epoch), or pass the in-memory data or the Dataset itself, "
            f"which train() shards"
        )


def _as_model(model, config: TrainConfig) -> SymileModel:
    """The user's ``model=`` as a SymileModel with ``config``'s objective (a warm start keeps its scale)."""
    if not isinstance(model, SymileModel):
        model = SymileModel(encoders=model, logit_scale_init=config.logit_scale_init)
    if model.method is not None and model.method != config.method:
        raise ValueError(
            f"model was trained with method={model.method!r}, the config says method={config.method!r}"
        )
    return model


def _check_splits(train_src: Modalities, val_src: Modalities, model) -> dict:
    """Train and validation agree (modalities, widths / shapes, >= 2 rows); returns a data fingerprint."""
    if train_src.kind == "tensors" and val_src.kind == "tensors":
        train_x, val_x = train_src.tensors, val_src.tensors
        if len(train_x) != len(val_x):
            raise ValueError(f"train_data has {len(train_x)} modalities, val_data has {len(val_x)}")
        shapes = [list(x.shape[1:]) for x in train_x]
        if shapes != [list(x.shape[1:]) for x in val_x]:
            what = "widths" if all(len(s) == 1 for s in shapes) else "shapes"
            pick = (lambda s: s[0]) if what == "widths" else (lambda s: tuple(s))
            raise ValueError(
                f"val_data {what} {[pick(list(x.shape[1:])) for x in val_x]} differ from train_data "
                f"{what} {[pick(s) for s in shapes]}"
            )
        if model is not None and model.builtin and [s[0] for s in shapes] != model.input_dims:
            widths = [s[0] for s in shapes]
            raise ValueError(f"model expects input widths {model.input_dims}, data has {widths}")
        if model is not None and model.n_modalities is not None and len(train_x) != model.n_modalities:
            raise ValueError(f"model has {model.n_modalities} modalities, train_data has {len(train_x)}")
    n_train, n_val = train_src.n, val_src.n
    if (n_train is not None and n_train < 2) or (n_val is not None and n_val < 2):
        raise ValueError(f"need at least 2 training and 2 validation rows, got {n_train} and {n_val}")
    info = {"n_train": n_train, "n_val": n_val, "kind": train_src.kind}
    if train_src.kind == "tensors":
        info["shapes"] = [list(x.shape[1:]) for x in train_src.tensors]
    return info


def check_resumable(payload: dict, config: TrainConfig, path="checkpoint") -> None:
    """Raise ValueError unless the checkpoint dict ``payload`` can be resumed with ``config``.

    It must hold a training state, and every config field except ``progress`` and ``num_threads`` (which
    do not change the numbers) must equal the saved one; the message names each differing field.
    """
    if payload.get("train_state") is None:
        raise ValueError(f"{str(path)!r} holds no training state to resume")
    saved = TrainConfig(**payload["config"])
    differ = [
        f.name
        for f in dataclasses.fields(TrainConfig)
        if f.name not in _RESUMABLE_CHANGES and getattr(saved, f.name) != getattr(config, f.name)
    ]
    if differ:
        pairs = ", ".join(f"{k}: {getattr(saved, k)!r} -> {getattr(config, k)!r}" for k in differ)
        raise ValueError(f"cannot resume {str(path)!r} with another config ({pairs})")


def _device_generator(device: torch.device, seed: int) -> torch.Generator:
    """A generator on ``device`` (no per-step copies of the permutations); the CPU's if none exists there."""
    if device.type == "cpu":
        return torch.Generator().manual_seed(seed)
    try:
        return torch.Generator(device=device).manual_seed(seed)
    except (RuntimeError, TypeError):
        return torch.Generator().manual_seed(seed)


def _train_loop(
    train_src, val_src, config, model, device, *, callbacks, log_dir, tensorboard, checkpoint, payload,
    data_info, group=None,
) -> TrainResult:
    t0 = time.perf_counter()
    bs = config.batch_size
    in_memory = train_src.kind == "tensors" and val_src.kind == "tensors"
    builtin = model is None or model.builtin
    train_x, val_x = train_src.tensors, val_src.tensors  # M x (N, ...) and M x (N_val, ...), or None
    grouped = config.grouped
    if grouped and not (in_memory and builtin):
        raise ValueError("grouped=True needs the built-in encoders on in-memory data (a list or dict)")
    if group is not None:  # the grouped losses encode every distinct row on every rank: nothing to shard
        if grouped:
            raise ValueError(f"grouped=True runs in one process only, not under {group.world} ranks")
        grouped = False
    if builtin and in_memory and grouped is not False:
        uniq, train_ids, val_ids = _distinct_rows(train_x, val_x)
        if grouped is None:
            grouped = max(u.shape[0] for u in uniq) <= bs // 2
    grouped = bool(grouped)

    cuda = []  # the CUDA device whose RNG the run seeds and restores (dropout on the GPU)
    if device.type == "cuda":
        cuda = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=cuda):  # the run's own seeded RNG; the caller's is left untouched
        torch.random.default_generator.manual_seed(config.seed)
        if cuda:
            torch.cuda.manual_seed(config.seed)
        if model is None:
            # the same weights on every rank (DDP also broadcasts rank 0's)
            model = model_from_config(config, _input_widths(train_src, val_src), names=train_src.names)
        model.method, model.negatives = config.method, config.negatives
        if model.names is None:
            model.names = train_src.names
        model.to(device)
        if not builtin:
            _preflight(model, val_src)
        if group is not None:  # each rank its own stream from here (dropout masks differ across shards)
            rank_seed = (config.seed + group.rank) % 2**63
            torch.random.default_generator.manual_seed(rank_seed)
            if cuda:
                torch.cuda.manual_seed(rank_seed)
        return _epochs(
            model, train_src, val_src, config, device, grouped,
            (uniq, train_ids, val_ids) if grouped else None,
            callbacks=callbacks, log_dir=log_dir, tensorboard=tensorboard, checkpoint=checkpoint,
            payload=payload, data_info=data_info, t0=t0, group=group,
        )


def model_from_config(config: TrainConfig, input_dims, names=None) -> SymileModel:
    """The built-in-encoder model that ``config`` describes, at the current torch RNG state (callers seed)."""
    return SymileModel(
        list(input_dims),
        config.rep_dim,
        config.encoder,
        hidden_dim=config.hidden_dim,
        logit_scale_init=config.logit_scale_init,
        method=config.method,
        negatives=config.negatives,
        names=names,
    )


def _input_widths(train_src: Modalities, val_src: Modalities) -> list[int]:
    """The built-in encoders' input widths d_m: from the tensors, a Dataset's first row or the first
    validation batch of a DataLoader (read once more in training; validation loaders are rarely shuffled)."""
    if train_src.kind == "tensors":
        return [int(x.shape[1]) for x in train_src.tensors]
    if train_src.kind == "dataset":
        return [int(x.shape[1]) for x in train_src.batch(torch.arange(1))]
    source = val_src if val_src.kind == "loader" else train_src
    for xs in source.batches():
        return [int(x.shape[1]) for x in xs]
    raise ValueError(f"{source.name} yielded no batch")


def _preflight(model: SymileModel, val_src: Modalities) -> None:
    """Encode two validation rows in eval mode: shape errors of your encoders, named, before training."""
    if val_src.kind == "loader":
        return
    was_training = model.training
    model.eval()
    with torch.no_grad():
        xs = val_src.batch(torch.arange(2))
        xs = [x.to(model.log_scale.device) for x in xs]
        _check_outputs(model._raw(xs), 2, names=model.names or range(len(xs)))
    model.train(was_training)


def _epochs(
    model, train_src, val_src, config, device, grouped, distinct, *, callbacks, log_dir, tensorboard,
    checkpoint, payload, data_info, t0, group=None,
) -> TrainResult:
    bs = config.batch_size
    kind = train_src.kind
    n_train, n_val = train_src.n, val_src.n
    ddp = group is not None
    world, lead = (group.world, group.lead) if ddp else (1, True)
    gen = torch.Generator().manual_seed(config.seed)  # batch order (and, on the CPU, negative permutations)
    neg_gen = gen if device.type == "cpu" else _device_generator(device, config.seed)
    opt = _adamw(model, lr=config.lr, weight_decay=config.weight_decay)
    params = [p for p in model.parameters() if p.requires_grad]
    scaler = torch.amp.GradScaler(device.type) if config.precision == "16" else None
    mixed = config.precision != "32"
    acc = torch.float64 if device.type != "mps" else torch.float32  # loss sums on the device (no sync)
    uniq, train_ids, val_ids = distinct if grouped else (None, None, None)

    # batch plan: global batches of world * bs rows, kept when every rank gets >= 1 row and there are >= 2
    gbs, keep = bs * world, max(2, world)
    starts = None
    if kind != "loader":
        starts = [s for s in range(0, n_train, gbs) if min(gbs, n_train - s) >= keep]
    val_starts = None
    if val_src.kind != "loader":
        val_starts = [s for s in range(0, n_val, gbs) if min(gbs, n_val - s) >= keep]
    per_epoch = len(starts) if starts is not None else _loader_len(train_src)
    scheduled = config.schedule != "constant" or config.warmup_steps > 0
    if scheduled and per_epoch is None and config.schedule == "cosine":
        raise ValueError("schedule='cosine' needs the number of batches per epoch: give the DataLoader a len")
    total_steps = config.epochs * (per_epoch or 0)

    rows, best_val, best_epoch, best_state, since_best, step, first = [], math.inf, 0, None, 0, 0, 1
    done = False
    if payload is not None:  # resume: restore everything the remaining epochs depend on
        state = payload["train_state"]
        if int(state.get("world_size", 1)) != world:
            raise ValueError(
                f"the checkpoint was written by a run of {int(state.get('world_size', 1))} rank(s); resume "
                f"it with the same number, not {world} (the global batch is ranks x batch_size)"
            )
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        if scaler is not None and state["scaler"] is not None:
            scaler.load_state_dict(state["scaler"])
        gen.set_state(state["generator"])
        if neg_gen is not gen and state["negatives_generator"] is not None:
            neg_gen.set_state(state["negatives_generator"].to(neg_gen.get_state().device))
        torch.set_rng_state(state["rng"] if not ddp else state["rank_rng"][group.rank])
        cuda_rng = state.get("cuda_rng")
        if ddp:
            cuda_rng = (state.get("rank_cuda_rng") or [None] * world)[group.rank]
        if device.type == "cuda" and cuda_rng is not None:
            torch.cuda.set_rng_state(cuda_rng, device)
        rows = [tuple(r) for r in payload["history"]["rows"]]
        best_val, since_best, step = float(state["best_val"]), int(state["since_best"]), int(state["step"])
        best_epoch, best_state = int(payload["best_epoch"]), payload["state_dict"]
        first, done = int(state["epoch"]) + 1, bool(state["done"])

    net = None  # DDP's wrapper of the encoders' forward pass (rank 0's weights broadcast to every rank)
    if ddp:
        net = _ddp.wrap(model, device, functools.partial(_autocast, device, config.precision), mixed)
    logger = _Logger(log_dir if lead else None, tensorboard)
    checkpoint = checkpoint if lead else None  # only rank 0 writes files
    epochs = range(first, config.epochs + 1) if not done else range(0)
    if config.progress and lead:
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc=f"{config.method} training", unit="epoch", initial=first - 1,
                      total=config.epochs)

    def snapshot(epoch: int, finished: bool) -> dict:
        """The resumable state after ``epoch`` (tensors on the CPU); every rank's RNG under DDP."""
        state = {
            "epoch": epoch,
            "done": finished,
            "step": step,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "scaler": scaler.state_dict() if scaler is not None else None,
            "generator": gen.get_state(),
            "negatives_generator": neg_gen.get_state() if neg_gen is not gen else None,
            "rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state(device) if device.type == "cuda" else None,
            "best_val": best_val,
            "since_best": since_best,
            "data": data_info,
        }
        if ddp:  # a collective: every rank calls snapshot at the same points
            state["world_size"] = world
            state["rank_rng"] = group.gather_states(torch.get_rng_state())
            state["rank_cuda_rng"] = (
                group.gather_states(torch.cuda.get_rng_state(device)) if device.type == "cuda" else None
            )
        return _to_cpu(state)

    def payload_now(state: dict) -> dict:
        kept = best_state if best_state is not None else model.state_dict()
        return _make_payload(
            model, kept, rows, best_epoch, config, time.perf_counter() - t0, grouped, state, data_info
        )

    epoch = first - 1
    for epoch in epochs:
        model.train()
        train_sum, n_steps = torch.zeros((), dtype=acc, device=device), 0
        if ddp:
            batches = _rank_batches(train_src, starts, gbs, gen, device, group, epoch, "train_data")
        elif kind == "loader":
            batches = ((None, xs) for xs in train_src.batches(device))
        else:
            perm = torch.randperm(n_train, generator=gen)  # (N,) this epoch's batch order
            if kind == "tensors":
                perm = perm.to(device)
            batches = ((perm[s : s + bs], None) for s in starts)
        for idx, xs, *sizes in batches:
            if xs is not None and xs[0].shape[0] < 2 and not ddp:
                continue  # a loader's last batch of one row has no negatives
            if scheduled:
                for param_group in opt.param_groups:
                    param_group["lr"] = lr_at(config, step, total_steps)
            try:
                if ddp:  # this rank's block, encoded under DDP and gathered: scored against the global batch
                    reps, scale = net(xs)  # M x (B_rank, d)
                    reps = gather_features(reps, sizes=sizes[0])  # M x (B_global, d), rows by rank
                    loss = _rank_loss(config, reps, scale, neg_gen, sizes[0], group)
                elif grouped:
                    loss = batch_loss(model, config, uniq, mixed, neg_gen, [ids[idx] for ids in train_ids])
                else:
                    if xs is None:  # idx: (B,) row indices into the split
                        xs = train_src.batch(idx) if kind == "tensors" else _to(train_src.batch(idx), device)
                    loss = batch_loss(model, config, xs, mixed, neg_gen)  # scalar, nats
            except ValueError as err:
                _raise_if_diverged(err, model, config, epoch, step)
                raise
            optimizer_step(loss, opt, scaler, params, config)
            model.clamp_logit_scale(config.logit_scale_min, config.logit_scale_max)  # no-op by default
            train_sum += loss.detach().to(acc)
            n_steps += 1
            step += 1
        if n_steps == 0:
            raise ValueError(f"train_data yielded no batch of >= {keep} rows")
        if ddp and config.local_loss:  # each rank summed its own share of the global losses
            train_sum = group.all_sum(train_sum) / world

        # validation: the same negatives every epoch (fixed generator), so epochs are comparable
        model.eval()
        val_gen = torch.Generator().manual_seed(config.seed + 1)
        if device.type != "cpu":
            val_gen = _device_generator(device, config.seed + 1)
        with torch.no_grad():
            val_sum, val_rows = torch.zeros((), dtype=acc, device=device), 0
            if ddp:
                val_batches = _rank_batches(val_src, val_starts, gbs, None, device, group, epoch, "val_data")
            else:
                val_batches = _val_batches(val_src, val_starts, bs, device)
            for idx, xs, *sizes in val_batches:
                try:
                    if ddp:
                        reps, scale = net.module(xs)  # no gradient: DDP's bookkeeping not needed
                        reps = gather_features(reps, sizes=sizes[0])
                        loss = _rank_loss(config, reps, scale, val_gen, sizes[0], group)
                        b = sum(sizes[0])
                    elif grouped:
                        loss = batch_loss(model, config, uniq, mixed, val_gen, [ids[idx] for ids in val_ids])
                        b = int(idx.numel())
                    else:
                        loss = batch_loss(model, config, xs, mixed, val_gen)
                        b = int(idx.numel()) if idx is not None else int(xs[0].shape[0])
                except ValueError as err:
                    _raise_if_diverged(err, model, config, epoch, step)
                    raise
                val_sum += loss.to(acc) * b
                val_rows += b
            if val_rows == 0:
                raise ValueError(f"val_data yielded no batch of >= {keep} rows")
            if ddp and config.local_loss:
                val_sum = group.all_sum(val_sum) / world
            val_loss = float(val_sum) / val_rows  # one read-back per epoch
        improved = val_loss < best_val
        if improved:
            best_val, best_epoch, since_best = val_loss, epoch, 0
            best_state = copy.deepcopy(model.state_dict())
        else:
            since_best += 1
        row = (epoch, float(train_sum) / n_steps, val_loss, float(model.logit_scale.detach()), improved)
        rows.append(row)
        logger.epoch(rows)
        stop = config.patience is not None and since_best >= config.patience
        if ddp:
            state = snapshot(epoch, stop)  # every rank (a collective); rank 0 writes it
            if checkpoint is not None:
                ckpt.save_payload(checkpoint, payload_now(state))
            group.barrier()  # the file is complete before any rank goes on (or stops, or resumes)
        elif checkpoint is not None:
            ckpt.save_payload(checkpoint, payload_now(snapshot(epoch, stop)))
        info = EpochInfo(epoch, dict(zip(HISTORY_COLUMNS, row, strict=True)), model, opt, best_epoch)
        for cb in callbacks:
            stop = bool(cb(info)) or stop
        if ddp:
            stop = group.any(stop)  # a callback's stop on any rank stops every rank
        if config.progress and lead:
            epochs.set_postfix(train=f"{row[1]:.4f}", val=f"{val_loss:.4f}", best=best_epoch)
        if stop:
            break

    logger.close()
    state = snapshot(epoch, True) if not done else payload["train_state"]
    if checkpoint is not None:
        ckpt.save_payload(checkpoint, payload_now(state))
    if ddp:
        group.barrier()
    if best_state is not None:  # None only if every val loss was nan
        model.load_state_dict(best_state)
    model.eval()
    history = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    return TrainResult(model, history, best_epoch, config, time.perf_counter() - t0, grouped, state)


def _rank_loss(config: TrainConfig, reps, scale, generator, sizes, group) -> torch.Tensor:
    """This rank's loss on the gathered M x (N, d) batch; DDP's mean over ranks is the global loss.

    Global layout: every rank computes the whole loss (the same number everywhere). ``local_loss``:
    the per-row losses of this rank's rows against every candidate, summed and weighted by W / N
    (:mod:`symile_min._local`), so the ranks' mean is the global mean even when blocks are uneven.
    """
    if not config.local_loss:
        return _loss(config, reps, scale, generator)
    start, n, total = sum(sizes[: group.rank]), sizes[group.rank], sum(sizes)
    if config.method == "clip":
        per_row = clip_rows_loss(reps, scale, start, n)  # (n,)
    else:
        per_row = symile_rows_loss(
            reps, scale, start, n, negatives=config.negatives, generator=generator,
            chunk_elements=config.chunk_elements,
        )
    return per_row.sum() * (group.world / total)


def _rank_batches(src: Modalities, starts, gbs: int, gen, device, group, epoch: int, name: str):
    """This rank's batches under DDP: (idx or None, M inputs (B_rank, ...), every rank's block size).

    In-memory data and Datasets follow the global batch plan: ``gen`` draws the same order on every rank
    (None: validation's fixed order), cut into global batches of ``gbs`` rows at ``starts``, of which
    this rank takes its contiguous block. A DataLoader yields its own batches (its DistributedSampler
    shards them; ``set_epoch`` is called) and the block sizes are exchanged every step; a rank that runs
    out of batches before the others is an error naming the ranks, raised on every rank.
    """
    if src.kind == "loader":
        sampler = _ddp.loader_sampler(src.loader)
        if callable(getattr(sampler, "set_epoch", None)):
            sampler.set_epoch(epoch)
        steps, it = 0, src.batches(device)
        while True:
            xs = next(it, None)
            sizes = [row[0] for row in group.gather_ints([-1 if xs is None else xs[0].shape[0]])]
            if all(n < 0 for n in sizes):
                return
            if any(n < 0 for n in sizes):
                short = [r for r, n in enumerate(sizes) if n < 0]
                rest = {r: n for r, n in enumerate(sizes) if n >= 0}
                raise ValueError(
                    f"{name}: rank(s) {short} ran out of batches after {steps} step(s) while rank(s) "
                    f"{list(rest)} still yield batches (of {list(rest.values())} rows): every rank needs the "
                    f"same number of batches per epoch (a DistributedSampler gives that)"
                )
            steps += 1
            if sum(sizes) >= 2:
                yield None, xs, sizes
        return
    n = src.n
    order = torch.randperm(n, generator=gen) if gen is not None else torch.arange(n)  # (N,) same on all
    if src.kind == "tensors":
        order = order.to(device)
    for s in starts:
        sizes, offset = _ddp.shard(min(gbs, n - s), group.world, group.rank)
        idx = order[s + offset : s + offset + sizes[group.rank]]  # (B_rank,) this rank's block
        xs = src.batch(idx) if src.kind == "tensors" else _to(src.batch(idx), device)
        yield idx, xs, sizes


def _raise_if_diverged(err: ValueError, model, config: TrainConfig, epoch: int, step: int) -> None:
    """A loss input check failed after some steps because training blew up: say so, naming the settings."""
    if step == 0:
        return
    with torch.no_grad():
        scale = float(model.logit_scale.detach().cpu())
        weights_ok = all(bool(torch.isfinite(p).all()) for p in model.parameters())
    if math.isfinite(scale) and scale > 0 and weights_ok:
        return
    what = f"the logit scale became {scale:.4g}" if weights_ok else "the weights became non-finite"
    raise ValueError(
        f"training diverged at epoch {epoch}, step {step}: {what} (lr={config.lr!r}, "
        f"logit_scale_init={config.logit_scale_init!r}, logit_scale_max={config.logit_scale_max!r}); lower "
        f"lr or logit_scale_init, clip gradients (grad_clip) or clamp the scale (logit_scale_max)"
    ) from err


def _val_batches(val_src: Modalities, val_starts, bs: int, device):
    """Validation batches in a fixed order: (idx (B,), inputs or None); a loader's as it yields them."""
    if val_src.kind == "loader":
        for xs in val_src.batches(device):
            if xs[0].shape[0] >= 2:
                yield None, xs
        return
    n_val = val_src.n
    for s in val_starts:
        if val_src.kind == "tensors":
            idx = torch.arange(s, min(n_val, s + bs), device=device)  # (B_val,)
            yield idx, val_src.batch(idx)
        else:
            idx = torch.arange(s, min(n_val, s + bs))
            yield idx, _to(val_src.batch(idx), device)


def _loader_len(src: Modalities) -> int | None:
    try:
        return len(src.loader)
    except TypeError:
        return None


def _to(xs, device):
    return [x.to(device, non_blocking=True) for x in xs]


def _to_cpu(obj):
    """A deep copy of ``obj`` with every tensor detached onto the CPU (checkpoint contents)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_to_cpu(v) for v in obj)
    return copy.deepcopy(obj)


class _Logger:
    """``history.csv`` (rewritten atomically each epoch) and, if available, TensorBoard scalars."""

    def __init__(self, log_dir, tensorboard: bool | None):
        self.dir = Path(log_dir) if log_dir is not None else None
        self.writer = None
        if self.dir is None or tensorboard is False:
            return
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:
            if tensorboard:
                raise ImportError(
                    "tensorboard=True needs the tensorboard package (pip install tensorboard)"
                ) from None
            return
        self.writer = SummaryWriter(str(self.dir))

    def epoch(self, rows) -> None:
        if self.dir is None:
            return
        frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        text = frame.to_csv(index=False, float_format="%.10g", lineterminator="\n")
        ckpt.atomic_write(self.dir / "history.csv", lambda tmp: tmp.write_text(text, encoding="utf-8"))
        if self.writer is not None:
            epoch, train_loss, val_loss, scale, _ = rows[-1]
            for tag, value in (("loss/train", train_loss), ("loss/val", val_loss), ("logit_scale", scale)):
                self.writer.add_scalar(tag, value, epoch)
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
