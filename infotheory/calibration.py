r"""How an estimator does against a known truth over repeated samples: error summary and interval coverage.

:func:`estimate_errors` summarises the estimates of one measure on ``R`` independent samples (mean, sd,
bias, RMSE) and :func:`interval_coverage` the confidence intervals computed on them (the fraction that
contain the truth, and their mean width). Both are in the unit of the estimates (bits wherever the
estimates come from this package with its default ``base=2``); they take no logarithm themselves.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["estimate_errors", "interval_coverage"]


def _check_values(values, name: str, *, ndim: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype == np.bool_ or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != ndim or arr.shape[0] == 0 or (ndim == 2 and arr.shape[1] != 2):
        want = "a non-empty 1-D array" if ndim == 1 else "a non-empty (R, 2) array of (low, high) rows"
        raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} must be finite, got {arr[index]!r} at index {index}")
    return arr


def _check_truth(truth) -> float:
    if isinstance(truth, bool | np.bool_) or not isinstance(truth, numbers.Real) or not math.isfinite(truth):
        raise ValueError(f"truth must be a finite real number, got {truth!r}")
    return float(truth)


def estimate_errors(estimates, truth) -> dict:
    r"""Mean, standard deviation, bias and RMSE of ``R`` estimates of a quantity whose value is ``truth``.

    .. math::
        \bar I = \frac1R \sum_r \hat I_r, \qquad
        \mathrm{sd} = \sqrt{\tfrac{1}{R-1} \sum_r (\hat I_r - \bar I)^2} \ (0 \text{ for } R = 1), \qquad
        \mathrm{bias} = \bar I - I, \qquad \mathrm{rmse} = \sqrt{\tfrac1R \sum_r (\hat I_r - I)^2}.

    Parameters
    ----------
    estimates : array_like, shape (R,)
        One estimate per independent sample (finite).
    truth : float
        The exact value :math:`I`, in the unit of the estimates.

    Returns
    -------
    dict
        ``"mean"``, ``"sd"``, ``"bias"``, ``"rmse"``: floats in the unit of the estimates (bits for this
        package's estimators at their default ``base=2``).

    Examples
    --------
    >>> estimate_errors([1.25, 0.75, 1.5, 1.0], truth=1.0)  # e.g. TC of XOR, 1 bit
    {'mean': 1.125, 'sd': 0.3227486121839514, 'bias': 0.125, 'rmse': 0.30618621784789724}
    """
    values = _check_values(estimates, "estimates", ndim=1)
    truth = _check_truth(truth)
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return {
        "mean": mean,
        "sd": sd,
        "bias": mean - truth,
        "rmse": float(np.sqrt(np.mean((values - truth) ** 2))),
    }


def interval_coverage(intervals, truth) -> dict:
    r"""Coverage and mean width of ``R`` confidence intervals :math:`[l_r, h_r]` for the value ``truth``.

    .. math::
        \mathrm{coverage} = \frac1R \sum_r [\, l_r \le I \le h_r \,], \qquad
        \mathrm{width} = \frac1R \sum_r (h_r - l_r).

    A calibrated interval at level :math:`1 - \alpha` covers with probability :math:`1 - \alpha`; over
    ``R`` repetitions the coverage has binomial standard deviation :math:`\sqrt{\alpha(1-\alpha)/R}`.

    Parameters
    ----------
    intervals : array_like, shape (R, 2)
        One ``(low, high)`` row per repetition (finite, ``low <= high``), e.g. from
        :func:`infotheory.bootstrap_ci`.
    truth : float
        The exact value :math:`I`, in the unit of the intervals.

    Returns
    -------
    dict
        ``"coverage"`` (a fraction in [0, 1]) and ``"width"`` (in the unit of the intervals: bits for this
        package's estimators at their default ``base=2``).

    Examples
    --------
    >>> interval_coverage([[0.5, 1.5], [1.25, 1.75], [0.5, 1.0]], truth=1.0)  # TC of XOR, 1 bit
    {'coverage': 0.6666666666666666, 'width': 0.6666666666666666}
    """
    bounds = _check_values(intervals, "intervals", ndim=2)
    truth = _check_truth(truth)
    if (bounds[:, 0] > bounds[:, 1]).any():
        r = int(np.argmax(bounds[:, 0] > bounds[:, 1]))
        raise ValueError(f"intervals must have low <= high, got row {r}: {bounds[r].tolist()}")
    covered = (bounds[:, 0] <= truth) & (truth <= bounds[:, 1])
    return {"coverage": float(np.mean(covered)), "width": float(np.mean(bounds[:, 1] - bounds[:, 0]))}
