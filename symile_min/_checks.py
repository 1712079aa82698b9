"""Input validation shared by losses, scorer, bounds and trainer (errors name the bad value)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

NEGATIVES = ("n", "n_squared")
METHODS = ("symile", "clip")

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


def check_reps(reps, *, min_modalities: int = 2, name: str = "reps") -> list[torch.Tensor]:
    """Validate a list of M >= ``min_modalities`` finite floating tensors of equal shape (N, d), N >= 1."""
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
    shapes = [tuple(r.shape) for r in out]
    if len(set(shapes)) != 1:
        raise ValueError(f"{name} must all have the same shape (N, d) (ragged batch?), got shapes {shapes}")
    if shapes[0][0] < 1 or shapes[0][1] < 1:
        raise ValueError(f"{name} must be non-empty, got shape {shapes[0]}")
    for m, r in enumerate(out):
        if not bool(torch.isfinite(r).all()):
            raise ValueError(f"{name}[{m}] contains non-finite values (nan or inf)")
    return out


def check_scale(logit_scale) -> None:
    """Raise ValueError unless ``logit_scale`` (float or 0-dim/1-element tensor) is finite and > 0."""
    if isinstance(logit_scale, torch.Tensor):
        if logit_scale.numel() != 1:
            raise ValueError(f"logit_scale must be a scalar, got shape {tuple(logit_scale.shape)}")
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
