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
    reps, *, min_modalities: int = 2, min_rows: int = 1, name: str = "reps", same_rows: bool = True
) -> list[torch.Tensor]:
    """Validate a list of M >= ``min_modalities`` floating tensors of equal shape (N, d), N >= ``min_rows``.

    Every error names the bad modality and value: a row-count mismatch ("ragged batch?"), a width mismatch
    (every encoder must map to the same d), mixed dtypes or devices, too few rows, a complex dtype. With
    ``same_rows=False`` (the distinct values of the grouped losses) the row counts may differ. Finiteness is
    checked only for CPU tensors: on an accelerator (or the ``meta`` device) reading a value back would be a
    host sync on every call, so there a nan or inf flows into the loss (which then reads nan) instead.
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
    if same_rows and len(set(rows)) != 1:
        shapes = [tuple(r.shape) for r in out]
        raise ValueError(
            f"{name} must all have the same number of rows N (ragged batch?), got shapes {shapes}"
        )
    if len(set(widths)) != 1:
        raise ValueError(
            f"{name} must all have the same representation width d (every encoder must map to the same d), "
            f"got widths {widths}"
        )
    if min(rows) < 1 or widths[0] < 1:
        empty = next(m for m, r in enumerate(out) if r.numel() == 0)
        raise ValueError(f"{name}[{empty}] must be non-empty, got shape {tuple(out[empty].shape)}")
    if min(rows) < min_rows:
        raise ValueError(
            f"{name} has N = {min(rows)} rows: a contrastive batch needs negatives, N >= {min_rows}"
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


def check_scale(logit_scale, dtype: torch.dtype | None = None) -> None:
    """Raise unless ``logit_scale`` is a finite real number > 0: a python / numpy number or a real tensor of
    shape () or (1,).

    A complex or bool value (or tensor dtype) is a TypeError, another shape a ValueError. With ``dtype`` (the
    scores' floating dtype) the value must also be representable there: 1e39 is finite as a python float
    but ``inf`` in float32, which would turn the loss into nan. The value of a tensor scale is checked on
    the CPU only (elsewhere it would be a host sync per call).
    """
    if isinstance(logit_scale, torch.Tensor):
        if logit_scale.dtype.is_complex or logit_scale.dtype == torch.bool:
            raise TypeError(f"logit_scale must be a real tensor, got dtype {logit_scale.dtype}")
        if logit_scale.ndim > 1 or logit_scale.numel() != 1:
            raise ValueError(
                f"logit_scale must be a scalar (shape () or (1,)), got shape {tuple(logit_scale.shape)}"
            )
        if logit_scale.device.type != "cpu":  # reading it back would be a host sync on every call
            return
        value = float(logit_scale.detach())
    elif isinstance(logit_scale, numbers.Real) and not isinstance(logit_scale, bool | np.bool_):
        value = float(logit_scale)  # python or numpy number
    else:
        raise TypeError(f"logit_scale must be a positive float or scalar tensor, got {logit_scale!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"logit_scale must be finite and > 0 (the multiplier, not its log), got {value}")
    if dtype is not None and dtype.is_floating_point and value > torch.finfo(dtype).max:
        raise ValueError(
            f"logit_scale = {value:.4g} overflows the representations' dtype {dtype} "
            f"(largest finite value {torch.finfo(dtype).max:.4g})"
        )


def scale_like(logit_scale, like: torch.Tensor):
    """Validated ``logit_scale`` to multiply ``like``'s scores: a 0-dim tensor in its dtype, or a float."""
    check_scale(logit_scale, like.dtype)
    if isinstance(logit_scale, torch.Tensor):
        return logit_scale.to(dtype=like.dtype, device=like.device).reshape(())
    return float(logit_scale)


def check_score_range(factors, scale, *, terms: int, name: str = "reps", extra: float = 0.0) -> None:
    """Raise ValueError when ``scale * MIP`` of ``factors`` could overflow their dtype (checked on the CPU).

    Every score is at most ``B = scale * prod_m max_i ||F_m[i]||`` in absolute value (Hölder), plus
    ``extra`` (e.g. a log prior). A loss adds and subtracts such scores and sums about ``terms`` of them
    (rows times anchors or pairs), so it is finite when ``4 * terms * B`` is: the check refuses inputs where
    it is not, instead of returning nan or inf. Unit-norm representations pass for any scale the dtype holds
    (up to about 1e36 in float32). Skipped off the CPU (the read-back would be a host sync per call).
    """
    first = factors[0]
    if first.device.type != "cpu":
        return
    top = torch.finfo(first.dtype).max
    with torch.no_grad():
        # in float64: the squares of a float32 row with entries near 1e20 would overflow to inf
        norms = [float(f.detach().to(torch.float64).norm(dim=1).max()) if f.numel() else 0.0 for f in factors]
        value = float(scale.detach()) if isinstance(scale, torch.Tensor) else float(scale)
    bound = value
    for norm in norms:
        bound *= norm  # python floats: no overflow to inf before the comparison below matters
    bound = abs(bound) + abs(float(extra))
    if not math.isfinite(bound) or 4 * max(int(terms), 1) * bound > top:
        raise ValueError(
            f"logit_scale * scores of {name} can reach {bound:.4g} (scale {value:.4g} times the product of "
            f"the largest row norms {[float(f'{x:.4g}') for x in norms]}), which overflows {first.dtype} "
            f"(largest finite value {top:.4g}) in the loss: normalise the representations or lower the scale"
        )


def loss_scale(logit_scale, factors: Sequence[torch.Tensor], *, terms: int, name: str = "reps", extra=0.0):
    """:func:`scale_like` for ``factors[0]`` after :func:`check_score_range` (scaled scores fit the dtype)."""
    scale = scale_like(logit_scale, factors[0])
    check_score_range(factors, scale, terms=terms, name=name, extra=extra)
    return scale


def check_score_tensors(scores, *, name: str = "scores", min_count: int = 1) -> list[torch.Tensor]:
    """A list of >= ``min_count`` real floating score tensors of one dtype and device, each with the same
    N >= 2 rows on its first axis (a contrastive batch needs negatives), finite (checked on the CPU only).

    A single tensor is accepted where ``min_count`` is 1 and returned as a one-element list.
    """
    single = isinstance(scores, torch.Tensor)
    items = [scores] if single else scores
    if not single and (not isinstance(items, Sequence) or isinstance(items, str | bytes)):
        raise TypeError(f"{name} must be a tensor or a list of tensors, got {type(scores).__name__}")
    if len(items) < min_count:
        raise ValueError(f"{name} needs at least {min_count} per-anchor score tensors, got {len(items)}")
    for m, s in enumerate(items):
        label = name if single else f"{name}[{m}]"
        if not isinstance(s, torch.Tensor):
            raise TypeError(f"{label} must be a torch.Tensor, got {type(s).__name__}")
        if not s.is_floating_point():
            raise TypeError(f"{label} must be a real floating tensor, got dtype {s.dtype}")
        if s.ndim < 1 or s.shape[0] < 2:
            raise ValueError(
                f"{label} has shape {tuple(s.shape)}: a contrastive batch needs N >= 2 rows (negatives)"
            )
    if len({s.dtype for s in items}) > 1:
        dtypes = [str(s.dtype) for s in items]
        raise ValueError(f"{name} must share one dtype, got {dtypes} (cast them first)")
    if len({s.device for s in items}) > 1:
        raise ValueError(f"{name} must live on one device, got {[str(s.device) for s in items]}")
    if len({int(s.shape[0]) for s in items}) > 1:
        shapes = [tuple(s.shape) for s in items]
        raise ValueError(f"{name} must all have the same N rows, got shapes {shapes}")
    for m, s in enumerate(items):
        if s.device.type == "cpu" and not bool(torch.isfinite(s).all()):
            raise ValueError(f"{name if single else f'{name}[{m}]'} contains non-finite values (nan or inf)")
    return list(items)


def check_log_scale(value, name: str = "logit_scale_init", dtype: torch.dtype = torch.float32) -> float:
    """``value`` as a float if it is a finite log logit-scale whose ``exp`` is a positive finite ``dtype``.

    The learned scale is ``exp(log_scale)``: in float32 a log scale above ln(3.4e38) ~ 88.7 makes it inf and
    one below ln(1.2e-38) ~ -87.3 makes it 0 (or subnormal), and either makes every loss nan or an error.
    """
    value = as_real(value, name, what="a finite number (the log of the scale)")
    low, high = math.log(torch.finfo(dtype).tiny), math.log(torch.finfo(dtype).max)
    if not low <= value <= high:
        raise ValueError(
            f"{name} must lie in [{low:.2f}, {high:.2f}] so that the scale exp({name}) is a positive "
            f"finite {dtype}, got {value!r} (it is the log of the multiplier)"
        )
    return value


def check_base(base) -> float:
    """The logarithm base of a bound, as a float: a finite real number > 1 (2 for bits, e for nats).

    The rule of ``infotheory.check_base`` (``symile_min`` stands alone, so it is restated here): base 1
    divides by zero and a base in (0, 1) flips the sign of every bound.
    """
    if isinstance(base, bool | np.bool_) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a finite real number > 1 (2 for bits, e for nats), got {base!r}")
    value = float(base)
    if not (math.isfinite(value) and value > 1):  # NaN fails both comparisons
        raise ValueError(f"base must be a finite real number > 1 (2 for bits, e for nats), got {base!r}")
    return value


#: most elements one built-in weight matrix may hold (2**28 float32 = 1 GiB, with as much again for Adam)
MAX_WEIGHT_ELEMENTS = 2**28


def check_weight_size(rows: int, cols: int, *, what: str) -> None:
    """Raise ValueError when a (rows, cols) weight would exceed :data:`MAX_WEIGHT_ELEMENTS`, saying why."""
    count = rows * cols  # exact: python ints (a float could overflow)
    if count > MAX_WEIGHT_ELEMENTS:
        size = f"{count} parameters" if count < 2**50 else f"about 2**{count.bit_length() - 1} parameters"
        raise ValueError(
            f"{what} would need a weight of {size} ({rows} x {cols}), more than the {MAX_WEIGHT_ELEMENTS} "
            f"(2**28, 1 GiB in float32) elements a built-in encoder may hold: it could not be allocated"
        )


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
