"""Input validation shared by losses, scorer and trainer (ValueError/TypeError naming the bad value)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

NEGATIVES = ("n", "n_squared")
METHODS = ("symile", "clip")


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
    elif isinstance(logit_scale, int | float) and not isinstance(logit_scale, bool):
        value = float(logit_scale)
    else:
        raise TypeError(f"logit_scale must be a positive float or scalar tensor, got {logit_scale!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"logit_scale must be finite and > 0 (the multiplier, not its log), got {value}")
