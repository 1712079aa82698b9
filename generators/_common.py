"""Small helpers shared by the generators: seeds, argument checks and logarithms in a chosen base.

The seed rule and the logarithm-base check are infotheory's (one rule for the whole project):
``as_rng(rng, name="rng")`` accepts a ``numpy.random.Generator`` or an int seed in ``[0, 2**63)``;
``check_base(base)`` accepts a finite real base > 1. Sizes: :func:`check_n` and :func:`check_cells` refuse
an array a generator could never allocate (more than :data:`MAX_CELLS` entries) with a ValueError saying so,
instead of a MemoryError or OverflowError from numpy.
"""

from __future__ import annotations

import numbers

import numpy as np

from infotheory._validation import as_rng, check_base

__all__ = [
    "as_rng",
    "check_base",
    "check_n",
    "check_cells",
    "MAX_CELLS",
    "check_int",
    "check_probability",
    "xlogx",
    "binary_entropy",
]


#: most entries of one array a generator allocates (2**28: 256 MiB of uint8, 2 GiB of float64)
MAX_CELLS = 2**28


def check_cells(what: str, count: int, *, limit: int = MAX_CELLS) -> None:
    """Raise ``ValueError`` saying why if an array of ``count`` entries (a python int) exceeds ``limit``."""
    if count > limit:
        size = str(count) if count < 2**50 else f"about 2**{count.bit_length() - 1}"  # no float: may overflow
        raise ValueError(
            f"{what} would hold {size} entries, more than the {limit} (2**{limit.bit_length() - 1}) "
            f"one array may hold: it could not be allocated"
        )


def check_n(n, *, row_cells: int = 1) -> int:
    """Validate a sample size: a non-negative int (``ValueError`` naming the bad value).

    ``row_cells`` is the number of entries one sample occupies: ``n * row_cells`` above :data:`MAX_CELLS`
    is a ``ValueError`` (the samples could not be allocated), not a ``MemoryError``.
    """
    if isinstance(n, bool | np.bool_) or not isinstance(n, numbers.Integral):
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    check_cells(f"sample(n={int(n)}) with {row_cells} entries per sample", int(n) * int(row_cells))
    return int(n)


def check_int(name: str, value, *, low: int, high: int | None = None, why: str = "") -> int:
    """Validate an int parameter in ``[low, high]`` (``ValueError`` naming the bad value, and ``why``)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {bound}, got {value!r}" + (f" ({why})" if why else ""))
    return int(value)


def check_probability(name: str, value, *, include_one: bool = True) -> float:
    """Validate a probability in ``[0, 1]`` (or ``[0, 1)`` with ``include_one=False``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number in [0, 1{']' if include_one else ')'}, got {value!r}")
    value = float(value)
    ok = 0.0 <= value <= 1.0 if include_one else 0.0 <= value < 1.0
    if not ok:  # also catches nan
        raise ValueError(f"{name} must be in [0, 1{']' if include_one else ')'}, got {value!r}")
    return value


def xlogx(x) -> np.ndarray:
    """Elementwise ``x * ln(x)`` in nats with the convention ``0 * log 0 = 0``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = x[pos] * np.log(x[pos])
    return out


def binary_entropy(p) -> np.ndarray:
    """Binary entropy ``h(p) = -p ln p - (1-p) ln(1-p)`` in **nats**, elementwise, ``h(0) = h(1) = 0``."""
    p = np.asarray(p, dtype=np.float64)
    return -(xlogx(p) + xlogx(1.0 - p))
