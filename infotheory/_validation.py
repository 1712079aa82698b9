"""Input checks shared by ``infotheory`` and ``generators``: pmfs, axes, bases, seeds, tolerances, shapes.

Every check raises ``ValueError`` (or ``TypeError`` for a wrong kind of object) whose
message names the offending value, so that no numpy ``IndexError`` ever escapes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

__all__ = [
    "validate_pmf",
    "check_probabilities",
    "normalize_axes",
    "normalize_groups",
    "check_disjoint",
    "check_base",
    "as_rng",
    "check_tolerance",
    "check_shape",
]

#: default absolute tolerance on ``|sum(p) - 1|``
DEFAULT_ATOL = 1e-9
_EPS = float(np.finfo(np.float64).eps)  # looked up once: np.finfo costs microseconds per call


def _sum_tolerance(atol: float, n_terms: int) -> float:
    # Summing n float64 numbers can be off by about n * eps (pairwise summation does far better),
    # so large arrays get a proportionally looser check on top of ``atol``.
    return atol + n_terms * _EPS


def _tolerance(atol) -> float:
    """:func:`check_tolerance` of ``atol``, with a fast path for a plain float already in range."""
    return atol if type(atol) is float and 0 <= atol < math.inf else check_tolerance(atol)


def check_tolerance(value, name: str = "atol", *, positive: bool = False) -> float:
    """A tolerance as a float: a finite real number >= 0 (> 0 with ``positive=True``).

    NaN would silently disable every comparison made with it (``x <= nan`` is always False) and a negative
    or infinite tolerance makes a check fail or pass always, so all three are a ValueError naming the value;
    a non-number (a string, a bool, a complex number) is a TypeError.

    Examples
    --------
    >>> check_tolerance(1e-9)
    1e-09
    >>> check_tolerance(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: atol must be a finite real number >= 0, got nan
    """
    bound = "> 0" if positive else ">= 0"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a finite real number {bound}, got {value!r}")
    tol = float(value)
    if not (math.isfinite(tol) and (tol > 0 if positive else tol >= 0)):
        raise ValueError(f"{name} must be a finite real number {bound}, got {value!r}")
    return tol


def check_shape(shape, n_vars: int | None = None, *, name: str = "shape") -> tuple[int, ...]:
    """A shape as a tuple of python ints >= 1 (one per variable when ``n_vars`` is given).

    Every entry must be an integer (python or numpy, not a bool): a float such as ``2.5`` is a TypeError
    rather than being truncated to 2.

    Examples
    --------
    >>> check_shape((2, np.int64(3)))
    (2, 3)
    >>> check_shape((2.5, 2))
    Traceback (most recent call last):
    ...
    TypeError: shape[0] must be an int >= 1, got 2.5
    """
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool | np.bool_):
        shape = (shape,)
    if isinstance(shape, str | bytes) or not isinstance(shape, Iterable):
        raise TypeError(f"{name} must be a tuple of ints, got {shape!r}")
    out = []
    for j, size in enumerate(tuple(shape)):
        if isinstance(size, bool | np.bool_) or not isinstance(size, numbers.Integral):
            raise TypeError(f"{name}[{j}] must be an int >= 1, got {size!r}")
        if size < 1:
            raise ValueError(f"{name}[{j}] must be an int >= 1, got {size!r}")
        out.append(int(size))
    if n_vars is not None and len(out) != n_vars:
        raise ValueError(f"{name} {tuple(out)} has {len(out)} entries for {n_vars} variables")
    return tuple(out)


def check_probabilities(values, *, name: str = "p", atol: float = DEFAULT_ATOL) -> np.ndarray:
    """Float64 copy-free view of ``values`` after checking it is a finite, non-negative, normalised array."""
    atol = _tolerance(atol)
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":  # signed / unsigned integers and floats; bool, complex, objects refused
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = np.asarray(arr, dtype=np.float64)
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); a pmf needs at least one cell")
    total = float(arr.sum())
    if math.isfinite(total) and arr.min() >= 0:  # fast path: finite sum, no negative entry (NaN fails >=)
        finite = None
    else:
        finite = np.isfinite(arr)
    if finite is not None and not finite.all():
        bad = float(arr[~finite].flat[0])
        raise ValueError(f"{name} contains a non-finite probability ({bad}); every entry must be finite")
    if finite is not None and (arr < 0).any():
        bad = float(arr[arr < 0].flat[0])
        raise ValueError(f"{name} contains a negative probability ({bad!r}); every entry must be >= 0")
    if abs(total - 1.0) > _sum_tolerance(atol, arr.size):
        raise ValueError(
            f"{name} sums to {total!r}, not 1 (tolerance atol + size * eps = "
            f"{_sum_tolerance(atol, arr.size):.3g}); normalise it first"
        )
    return arr


def positive_entries(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index, value) of the positive entries of a 1-d array (index + take beats a boolean mask)."""
    cells = (flat > 0).nonzero()[0]
    return cells, flat.take(cells)


def validate_pmf_cells(p, *, atol: float = DEFAULT_ATOL, name: str = "p"):
    """:func:`validate_pmf` that also returns the positive cells: ``(arr, cells, probs)``.

    ``cells`` is the flat C-order index of every positive entry and ``probs = arr.ravel()[cells]``. The
    same checks as :func:`validate_pmf` in fewer passes over a large array: one ``min`` (no negative
    entry, no NaN: every other cell is then exactly 0), the positive cells, and the sum over those
    alone; any failure is re-checked by :func:`check_probabilities` for its error message.
    """
    atol = _tolerance(atol)
    arr = np.asarray(p)
    if arr.ndim == 0 or arr.dtype != np.float64 or arr.size == 0:
        arr = validate_pmf(arr, atol=atol, name=name)  # the error, or a checked float64 copy
        return (arr, *positive_entries(arr.reshape(-1)))
    flat = arr.reshape(-1)
    # the ufuncs' reduce is what ndarray.min / .sum run, without their Python-level wrapper
    if not np.minimum.reduce(flat) >= 0:  # a negative entry or a NaN: check_probabilities names it
        check_probabilities(arr, name=name, atol=atol)
    cells, probs = positive_entries(flat)
    if not abs(float(np.add.reduce(probs)) - 1.0) <= _sum_tolerance(atol, arr.size):  # an inf entry fails too
        check_probabilities(arr, name=name, atol=atol)
    return arr, cells, probs


def validate_pmf(p, *, atol: float = DEFAULT_ATOL, name: str = "p") -> np.ndarray:
    """Check a dense joint pmf and return it as a float64 array.

    A joint pmf is an array with one axis per variable and non-negative entries summing to one.
    The sum may differ from one by at most ``atol + p.size * eps`` (``eps`` = float64 machine
    epsilon, about 2.2e-16), which allows for rounding when the pmf was computed.

    Parameters
    ----------
    p : array_like
        Joint pmf, at least one-dimensional, integer or floating dtype.
    atol : float
        Absolute tolerance on ``|sum(p) - 1|``.
    name : str
        How error messages call the argument.

    Returns
    -------
    numpy.ndarray
        ``p`` as float64 (no copy when it already is).

    Raises
    ------
    TypeError
        If ``p`` is not numeric.
    ValueError
        If ``p`` is 0-dimensional or empty, has a NaN, infinite or negative entry, or does not sum to one.

    Examples
    --------
    >>> validate_pmf([0.5, 0.5]).dtype
    dtype('float64')
    >>> validate_pmf([0.5, 0.6])
    Traceback (most recent call last):
    ...
    ValueError: p sums to 1.1, not 1 (tolerance atol + size * eps = 1e-09); normalise it first
    """
    arr = np.asarray(p)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have one axis per variable, got a 0-dimensional value {arr!r}")
    return check_probabilities(arr, name=name, atol=atol)


def _as_axis(axis, n_vars: int, *, name: str) -> int:
    exotic = type(axis) is not int  # fast path for plain ints; bools are rejected although they are ints
    if exotic and (isinstance(axis, bool | np.bool_) or not isinstance(axis, numbers.Integral)):
        raise TypeError(f"{name} must be an int or a tuple of ints, got {axis!r}")
    ax = int(axis)
    if not -n_vars <= ax < n_vars:
        raise ValueError(f"axis {ax} in {name} is out of range for a pmf with {n_vars} variables")
    return ax % n_vars


def normalize_axes(axes, n_vars: int, *, name: str, allow_empty: bool = True) -> tuple[int, ...]:
    """``axes`` (an int or iterable of ints, negatives allowed) as a tuple of distinct axes in [0, n_vars)."""
    if type(axes) is int and -n_vars <= axes < n_vars:  # fast path: one plain int axis in range
        return (axes % n_vars,)
    if type(axes) is int or (isinstance(axes, numbers.Integral) and not isinstance(axes, bool | np.bool_)):
        items: Iterable = (axes,)
    elif isinstance(axes, Iterable) and not isinstance(axes, str | bytes):
        items = tuple(axes)
    else:
        raise TypeError(f"{name} must be an int or a tuple of ints, got {axes!r}")
    out = tuple(_as_axis(a, n_vars, name=name) for a in items)
    if len(set(out)) != len(out):
        dup = next(a for a in out if out.count(a) > 1)
        raise ValueError(f"axis {dup} is repeated in {name}={axes!r}")
    if not out and not allow_empty:
        raise ValueError(f"{name} must name at least one axis, got {axes!r}")
    return out


def normalize_groups(groups, n_vars: int, *, exclude: tuple[int, ...] = (), name: str = "groups"):
    """``groups`` as a tuple of axis tuples; ``None`` means every axis not in ``exclude`` on its own."""
    if groups is None:
        return tuple((a,) for a in range(n_vars) if a not in exclude)
    if isinstance(groups, numbers.Integral) or not isinstance(groups, Iterable):
        raise TypeError(f"{name} must be a sequence of axes or tuples of axes, got {groups!r}")
    out = tuple(normalize_axes(g, n_vars, name=name, allow_empty=False) for g in groups)
    if not out:
        raise ValueError(f"{name} must hold at least one group, got {groups!r}")
    return out


def check_disjoint(**named: tuple[int, ...]) -> None:
    """Raise ``ValueError`` naming the first axis that appears in two of the named axis tuples."""
    seen: dict[int, str] = {}
    for label, axes in named.items():
        for a in axes:
            if a in seen:
                raise ValueError(f"axis {a} appears in both {seen[a]} and {label}; they must be disjoint")
            seen[a] = label


#: ints below this convert to a finite float (a module constant: Python computes ``2**1023`` on every use)
_INT_BASE_LIMIT = 2**1023


def check_base(base) -> float:
    """Validate a logarithm base and return it as a float: a finite real number greater than 1.

    A base in (0, 1) is rejected although its logarithm exists: it would flip the sign of every
    information quantity (``entropy([.25] * 4, base=0.5)`` would be -2). Use 2 for bits, ``e`` for nats.

    Raises
    ------
    TypeError
        If ``base`` is not a real number (a bool, a complex number, a string, ...).
    ValueError
        If ``base`` is NaN, infinite or at most 1.

    Examples
    --------
    >>> check_base(2), check_base(np.e) == np.e
    (2.0, True)
    >>> check_base(0.5)
    Traceback (most recent call last):
    ...
    ValueError: base must be a finite real number > 1 (2 for bits, e for nats), got 0.5
    """
    if type(base) is float and 1 < base < math.inf:  # fast path for the common 2.0, math.e (NaN fails)
        return base
    if type(base) is int and 1 < base < _INT_BASE_LIMIT:  # fast path for 2, 10
        return float(base)
    if isinstance(base, bool | np.bool_) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a finite real number > 1 (2 for bits, e for nats), got {base!r}")
    try:
        value = float(base)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        value = math.inf
    if not (math.isfinite(value) and value > 1):  # NaN fails both comparisons
        raise ValueError(f"base must be a finite real number > 1 (2 for bits, e for nats), got {base!r}")
    return value


#: seeds must be below this bound (they fit in a signed 64-bit integer)
_SEED_LIMIT = 2**63


def as_rng(seed, *, name: str = "seed") -> np.random.Generator:
    """The one seed rule of ``infotheory`` and ``generators``: a Generator, or a new one from an int seed.

    A ``numpy.random.Generator`` is returned as it is (and advanced by whoever draws from it, so
    successive calls draw fresh numbers); a non-negative int seed (a Python int or a numpy integer,
    not a bool) below 2**63 gives ``numpy.random.default_rng(seed)``, so the same seed always gives
    the same numbers. ``None`` is refused: every random result must be reproducible.

    Parameters
    ----------
    seed : numpy.random.Generator or int
        The randomness to use.
    name : str
        How error messages call the argument (``"rng"`` in the generators).

    Raises
    ------
    TypeError
        If ``seed`` is neither a Generator nor an integer (``None``, a float, a string, a bool).
    ValueError
        If the integer seed is negative or at least 2**63.

    Examples
    --------
    >>> int(as_rng(0).integers(10**6)) == int(as_rng(0).integers(10**6))
    True
    >>> as_rng(1.0)
    Traceback (most recent call last):
    ...
    TypeError: seed must be a numpy.random.Generator or a non-negative int below 2**63, got 1.0
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool | np.bool_) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be a numpy.random.Generator or a non-negative int below 2**63, got {seed!r}"
        )
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"{name} must be a non-negative int below 2**63, got {seed!r}")
    return np.random.default_rng(int(seed))
