"""Sample layouts shared by every estimator: an array, a list of arrays, or a dict of named variables.

``samples`` is one of

* a 2-D array ``(n, n_vars)``: one column per scalar variable (a 1-D array is one variable);
* a list or tuple with one array per variable, ``(n,)`` for a scalar and ``(n, d)`` for a vector;
* a dict ``name -> array`` (what ``generators``' ``sample()`` returns), variables in insertion order.

Variable ``j`` becomes axis ``j`` of the measure. With a dict, the measure's axes may also be given by
name (``"x0"``, ``("x0", "x1")``, ``given="x2"``): :func:`resolve_names` maps names to axes. A *list*
is always one entry per variable: pass a list of sample rows through ``np.asarray`` first.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["layout", "discrete_variables", "continuous_variables", "resolve_names", "check_positive_int"]

#: keywords of the measures that name variables (and may therefore be given by name)
_AXIS_KEYWORDS = ("x", "y", "z", "given", "groups")


def layout(samples) -> tuple[list[np.ndarray], tuple[str, ...] | None]:
    """The per-variable arrays of ``samples`` (unchecked dtype) and their names (``None`` unless a dict)."""
    names = None
    if isinstance(samples, dict):
        names = tuple(samples)
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"the keys of a samples dict must be str variable names, got {name!r}")
        variables = [np.asarray(samples[name]) for name in names]
    elif isinstance(samples, np.ndarray):
        if samples.ndim == 1:
            variables = [samples]
        elif samples.ndim == 2:
            variables = [samples[:, j] for j in range(samples.shape[1])]
        else:
            raise ValueError(f"samples must be 1-D or 2-D (n, n_vars), got shape {samples.shape}")
    elif isinstance(samples, list | tuple):
        variables = [np.asarray(v) for v in samples]
    else:
        raise TypeError(
            f"samples must be an array, a sequence of arrays or a dict of named arrays, "
            f"got {type(samples).__name__}"
        )
    if not variables:
        raise ValueError("samples are empty: no variables given")
    labels = [_label(j, names) for j in range(len(variables))]
    for label, v in zip(labels, variables):
        if v.ndim not in (1, 2):
            raise ValueError(f"samples of {label} must be (n,) or (n, d), got shape {v.shape}")
        if v.ndim == 2 and v.shape[1] == 0:
            raise ValueError(f"samples of {label} have shape {v.shape}: a vector needs >= 1 component")
    lengths = [v.shape[0] for v in variables]
    if len(set(lengths)) > 1:
        named = ", ".join(f"{label}: {length}" for label, length in zip(labels, lengths))
        raise ValueError(f"every variable needs the same number of samples, got lengths ({named})")
    if lengths[0] == 0:
        raise ValueError("samples are empty (0 rows); need at least one sample")
    return variables, names


def _label(j: int, names) -> str:
    return f"variable {names[j]!r}" if names is not None else f"variable {j}"


def _first_non_finite(values: np.ndarray) -> tuple[int, float]:
    """Row index and value of the first NaN or infinite entry of ``values`` (n, ...)."""
    flat = values.reshape(values.shape[0], -1)
    row = int(np.flatnonzero(~np.isfinite(flat).all(axis=1))[0])
    return row, float(flat[row][~np.isfinite(flat[row])][0])


def discrete_variables(samples) -> tuple[list[np.ndarray], tuple[str, ...] | None]:
    """Integer-coded variables (bool becomes int64); floats, NaN and other dtypes are refused by name."""
    variables, names = layout(samples)
    out = []
    for j, v in enumerate(variables):
        if v.dtype == np.bool_:
            out.append(v.astype(np.int64))
            continue
        if np.issubdtype(v.dtype, np.floating) and not np.isfinite(v).all():
            row, bad = _first_non_finite(v)
            raise ValueError(
                f"samples of {_label(j, names)} contain {bad} at row {row}; codes must be integers"
            )
        if not np.issubdtype(v.dtype, np.integer):
            raise TypeError(
                f"samples of {_label(j, names)} have dtype {v.dtype}; expected integer codes "
                f"(convert with .astype(int) if the values are whole numbers, or use a continuous "
                f"estimator: gaussian_estimate, copula_estimate, ksg_estimate)"
            )
        out.append(v)
    return out, names


def continuous_variables(samples) -> tuple[list[np.ndarray], tuple[str, ...] | None]:
    """Real-valued variables as float64 ``(n, d)`` arrays; NaN/inf, bools and non-numbers are refused."""
    variables, names = layout(samples)
    out = []
    for j, v in enumerate(variables):
        real = np.issubdtype(v.dtype, np.integer) or np.issubdtype(v.dtype, np.floating)
        if v.dtype == np.bool_ or not real:
            raise TypeError(f"samples of {_label(j, names)} have dtype {v.dtype}; expected real numbers")
        v = np.asarray(v, dtype=np.float64)
        if not np.isfinite(v).all():
            row, bad = _first_non_finite(v)
            raise ValueError(
                f"samples of {_label(j, names)} contain {bad} at row {row}; every value must be finite"
            )
        out.append(v.reshape(v.shape[0], -1))
    return out, names


def _to_axes(value, names: tuple[str, ...]):
    if isinstance(value, str):
        if value not in names:
            raise ValueError(f"unknown variable {value!r}; the samples have {list(names)}")
        return names.index(value)
    if isinstance(value, list | tuple):
        return type(value)(_to_axes(v, names) for v in value)
    return value  # ints (and anything else) are left for the measure's own axis checks


def resolve_names(args: tuple, kwargs: dict, names: tuple[str, ...] | None) -> tuple[tuple, dict]:
    """Replace variable names in a measure's axis arguments by their axes (no-op unless ``names``)."""
    if names is None:
        return args, kwargs
    args = tuple(_to_axes(a, names) for a in args)
    kwargs = {k: (_to_axes(v, names) if k in _AXIS_KEYWORDS else v) for k, v in kwargs.items()}
    return args, kwargs


def check_positive_int(name: str, value, *, low: int = 1) -> int:
    """``value`` as an int ``>= low`` (bools refused); ``ValueError`` naming ``name`` and the value."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)
