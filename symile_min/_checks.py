"""Input validation shared by losses, scorer, bounds and trainer (errors name the bad value)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

NEGATIVES = ("n", "n_squared")
METHODS = ("symile", "clip")
REDUCTIONS = ("mean", "sum", "none")

#: seeds are ints in [0, SEED_LIMIT): what every torch / numpy generator accepts, and what JSON keeps exactly
SEED_LIMIT = 2**63


def check_seed(seed, name: str = "seed") -> int:
    """Return ``seed`` as a python int if it is an int (python or numpy, not bool) in [0, 2**63).

    The one seed rule of ``symile_min``: a float (even ``3.0``), a string or a bool is a TypeError, a
    negative or too large int a ValueError, each naming the value, before anything reaches torch.
    """
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int in [0, 2**63), got {seed!r} ({type(seed).__name__})")
    value = int(seed)
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(f"{name} must be an int in [0, 2**63), got {seed!r}")
    return value


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ValueError naming it."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_generator(generator, name: str = "generator") -> None:
    """Raise TypeError unless ``generator`` is None or a ``torch.Generator`` (naming what it got)."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"{name} must be a torch.Generator or None, got {type(generator).__name__} "
            f"(e.g. torch.Generator().manual_seed(0), not a seed or a numpy Generator)"
        )


def check_reduction(reduction) -> str:
    """Return ``reduction`` if it is ``"mean"``, ``"sum"`` or ``"none"``, else raise ValueError naming it."""
    return check_choice("reduction", reduction, REDUCTIONS)


def check_reps(
    reps, *, min_modalities: int = 2, min_rows: int = 1, name: str = "reps"
) -> list[torch.Tensor]:
    """Validate a list of M >= ``min_modalities`` floating tensors of equal shape (N, d), N >= ``min_rows``.

    Every error names the bad modality and value: a row-count mismatch ("ragged batch?"), a width mismatch
    (every encoder must map to the same d), mixed dtypes or devices, too few rows. Finiteness is checked
    only for CPU tensors: on an accelerator (or the ``meta`` device) reading a value back would be a host
    sync on every call, so there a nan or inf flows into the loss (which then reads nan) instead.
    """
    if isinstance(reps, torch.Tensor) or not isinstance(reps, Sequence):
        raise TypeError(f"{name} must be a list of tensors (one per modality), got {type(reps).__name__}")
    if len(reps) < min_modalities:
        raise ValueError(f"{name} needs at least {min_modalities} modalities, got M = {len(reps)}")
    out = []
    for m, r in enumerate(reps):
        if not isinstance(r, torch.Tensor):
            raise TypeError(f"{name}[{m}] must be a torch.Tensor, got {type(r).__name__}")
        if r.ndim != 2:
            raise ValueError(f"{name}[{m}] must have shape (N, d), got shape {tuple(r.shape)}")
        if not r.is_floating_point():
            raise TypeError(f"{name}[{m}] must be a floating tensor, got dtype {r.dtype}")
        out.append(r)
    rows = [int(r.shape[0]) for r in out]
    widths = [int(r.shape[1]) for r in out]
    if len(set(rows)) != 1:
        shapes = [tuple(r.shape) for r in out]
        raise ValueError(
            f"{name} must all have the same number of rows N (ragged batch?), got shapes {shapes}"
        )
    if len(set(widths)) != 1:
        raise ValueError(
            f"{name} must all have the same representation width d (every encoder must map to the same d), "
            f"got widths {widths}"
        )
    if rows[0] < 1 or widths[0] < 1:
        raise ValueError(f"{name} must be non-empty, got shape {tuple(out[0].shape)}")
    if rows[0] < min_rows:
        raise ValueError(
            f"{name} has N = {rows[0]} rows: a contrastive batch needs negatives, N >= {min_rows}"
        )
    dtypes = [r.dtype for r in out]
    if len(set(dtypes)) != 1:
        raise ValueError(f"{name} must share one dtype, got {[str(t) for t in dtypes]} (cast them first)")
    devices = [r.device for r in out]
    if len(set(devices)) != 1:
        raise ValueError(f"{name} must live on one device, got {[str(d) for d in devices]}")
    if devices[0].type == "cpu":  # elsewhere this read-back would be a host sync per call
        for m, r in enumerate(out):
            if not bool(torch.isfinite(r).all()):
                raise ValueError(f"{name}[{m}] contains non-finite values (nan or inf)")
    return out


def check_scale(logit_scale) -> None:
    """Raise ValueError unless ``logit_scale`` (float or 0-dim/1-element tensor) is finite and > 0.

    The value of a tensor scale is checked on the CPU only (elsewhere it would be a host sync per call).
    """
    if isinstance(logit_scale, torch.Tensor):
        if logit_scale.numel() != 1:
            raise ValueError(f"logit_scale must be a scalar, got shape {tuple(logit_scale.shape)}")
        if logit_scale.device.type != "cpu":  # reading it back would be a host sync on every call
            return
        value = float(logit_scale.detach())
    elif isinstance(logit_scale, numbers.Real) and not isinstance(logit_scale, bool | np.bool_):
        value = float(logit_scale)  # python or numpy number
    else:
        raise TypeError(f"logit_scale must be a positive float or scalar tensor, got {logit_scale!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"logit_scale must be finite and > 0 (the multiplier, not its log), got {value}")


def scale_like(logit_scale, like: torch.Tensor):
    """Validated ``logit_scale`` ready to multiply ``like``'s scores: a tensor in its dtype, else a float."""
    check_scale(logit_scale)
    if isinstance(logit_scale, torch.Tensor):
        return logit_scale.to(dtype=like.dtype, device=like.device)
    return float(logit_scale)


def as_int(value, name: str, *, minimum: int = 1, optional: bool = False) -> int | None:
    """``value`` as a python int if it is an int (python or numpy, not bool) >= ``minimum``.

    None passes when ``optional``. Anything else is a ValueError naming ``name`` and the value.
    """
    if value is None and optional:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < minimum:
        prefix = "None or " if optional else ""
        raise ValueError(f"{name} must be {prefix}an int >= {minimum}, got {value!r}")
    return int(value)


def as_real(value, name: str, *, optional: bool = False, what: str = "a finite number") -> float | None:
    """``value`` as a python float if it is a finite real number (python or numpy, not bool).

    None passes when ``optional``. Anything else is a ValueError naming ``name`` and the value.
    """
    if value is None and optional:
        return None
    if (
        isinstance(value, bool | np.bool_)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(float(value))
    ):
        prefix = "None or " if optional else ""
        raise ValueError(f"{name} must be {prefix}{what}, got {value!r}")
    return float(value)
