"""Pointwise (local) information: the log-ratio of one outcome whose p-weighted mean is the measure.

``pointwise_mutual_information(p, x, y)`` is the PMI table :math:`\\log p(x, y) / (p(x) p(y))` and
``pointwise_total_correlation(p)`` the table :math:`\\log p(x_1, \\dots, x_n) / \\prod_i p(x_i)`; their
average under ``p`` is :func:`~infotheory.mutual_information` and :func:`~infotheory.total_correlation`.
The optimal critics of contrastive objectives are these tables (Symile: the pointwise total
correlation; CLIP: the pairwise PMIs), which is why scores, bounds and decision rules use them.

Conventions: bits by default, ``base=`` keyword-only; variables by axis as in the measures, the
conditioning set is ``given=``. A **dense** pmf gives a dense table whose axes are the variables'
axes in the order they are named (``x`` then ``y`` then ``given``; the groups then ``given``), like
:func:`~infotheory.marginal`. Cells with :math:`p = 0` (off the support) are ``-inf``: the numerator of
the log-ratio is 0 (where a marginal is 0 as well the ratio is 0/0, and it is ``-inf`` too), so an
argmax over such a score never picks an impossible outcome, and with :math:`0 \\cdot (-\\infty) = 0`
the p-weighted mean is still the exact measure. A :class:`~infotheory.SparsePMF` gives one value per
stored outcome (row of ``p.outcomes``, shape ``(p.nnz,)``); stored outcomes have :math:`p > 0`, so
every value is finite.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from infotheory._validation import check_base, check_disjoint, normalize_axes, normalize_groups, validate_pmf
from infotheory.measures import marginal
from infotheory.sparse import SparsePMF, mixed_radix_key

__all__ = ["pointwise_mutual_information", "pointwise_total_correlation"]

#: relative tolerance under which a pointwise value is snapped to exactly 0 (rounding of the log terms)
_SNAP_RTOL = 1e-12


def _as_pmf(p):
    if isinstance(p, SparsePMF):
        return p
    return validate_pmf(p)


def _row_marginal(p: SparsePMF, axes: tuple[int, ...]) -> np.ndarray:
    """``p(x_axes)`` at every stored outcome of the sparse pmf ``p``, shape (nnz,)."""
    if not axes:
        return np.ones(p.nnz)
    columns = p.outcomes[:, list(axes)]
    key = mixed_radix_key(columns, [p.shape[a] for a in axes])
    if key is None:  # alphabet product beyond int64: group the rows themselves
        _, inverse = np.unique(columns, axis=0, return_inverse=True)
    else:
        _, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.ravel()
    return np.bincount(inverse, weights=p.probs)[inverse]


def _pointwise(p, out_axes: tuple[int, ...], terms, base) -> np.ndarray:
    """``sum_k coef_k * log p(x_{S_k})`` in units of ``log base`` at every outcome (see the module docstring).

    ``terms`` is a list of ``(coef, S_k)`` with every ``S_k`` a subset of ``out_axes``; the coefficients
    sum to zero on each variable, so the value is a log-ratio of probabilities.
    """
    log_base = math.log(check_base(base))
    if isinstance(p, SparsePMF):
        factors = [(coef, _row_marginal(p, S)) for coef, S in terms]  # (nnz,) each, all > 0
        shape = (p.nnz,)
        support = None
    else:
        J = marginal(p, out_axes)  # axes in the order of out_axes
        support = J > 0
        factors = []
        for coef, S in terms:
            drop = tuple(i for i, a in enumerate(out_axes) if a not in S)
            m = J.sum(axis=drop, keepdims=True) if drop else J
            # only the support is evaluated: there every marginal is > 0, so no log 0 and no inf - inf
            factors.append((coef, np.broadcast_to(m, J.shape)[support]))
        shape = J.shape
    value = np.zeros(factors[0][1].shape)
    scale = np.ones(factors[0][1].shape)
    for coef, m in factors:
        log_m = np.log(m)
        value += coef * log_m
        scale = np.maximum(scale, np.abs(log_m))
    # The log terms carry rounding errors of a few ulps of the largest one, so a value that is exactly 0
    # in theory (independent outcomes) comes out as +-1e-16: snap |value| <= 1e-12 * max(1, largest term)
    # to 0.0. Symmetric and tiny, it never changes the sign of a real (negative or positive) value.
    value = np.where(np.abs(value) <= _SNAP_RTOL * scale, 0.0, value) / log_base
    if support is None:
        return value
    out = np.full(shape, -np.inf)  # off the support: log 0 in the numerator
    out[support] = value
    return out


def pointwise_mutual_information(p, x, y, *, given=(), base=2) -> np.ndarray:
    """Pointwise (conditional) mutual information of every outcome of ``x``, ``y`` (and ``given``).

    .. math::

        i(x; y \\mid z) = \\log \\frac{p(x, y \\mid z)}{p(x \\mid z)\\, p(y \\mid z)}
            = \\log \\frac{p(x, y, z)\\, p(z)}{p(x, z)\\, p(y, z)},
        \\qquad \\sum_{x, y, z} p(x, y, z)\\, i(x; y \\mid z) = I(X; Y \\mid Z)

    With ``given=()`` this is the PMI :math:`\\log p(x, y) / (p(x) p(y))`.

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    x, y : int or tuple of int
        Axes of :math:`X` and :math:`Y` (a tuple is a joint variable; its axes are kept).
    given : int or tuple of int
        Axes of :math:`Z`; ``x``, ``y`` and ``given`` must be disjoint.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    numpy.ndarray
        Values in bits (units of ``log base``), any sign. Dense ``p``: one axis per axis of ``x``, then
        ``y``, then ``given``, in that order; ``-inf`` where :math:`p(x, y, z) = 0`. Sparse ``p``: one
        finite value per stored outcome, shape ``(p.nnz,)``.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> pointwise_mutual_information(xor, 0, 1).tolist()  # X and Y are independent
    [[0.0, 0.0], [0.0, 0.0]]
    >>> pointwise_mutual_information(xor, 0, 1, given=2)[:, :, 0].tolist()  # axes (X, Y, Z); Z = 0
    [[1.0, -inf], [-inf, 1.0]]
    """
    p = _as_pmf(p)
    xs = normalize_axes(x, p.ndim, name="x", allow_empty=False)
    ys = normalize_axes(y, p.ndim, name="y", allow_empty=False)
    zs = normalize_axes(given, p.ndim, name="given")
    check_disjoint(x=xs, y=ys, given=zs)
    # i = log p(x,y,z) + log p(z) - log p(x,z) - log p(y,z)
    terms = [(1.0, xs + ys + zs), (-1.0, xs + zs), (-1.0, ys + zs)]
    if zs:
        terms.append((1.0, zs))
    return _pointwise(p, xs + ys + zs, terms, base)


def pointwise_total_correlation(p, groups=None, *, given=(), base=2) -> np.ndarray:
    """Pointwise (conditional) total correlation of every outcome of the groups (and ``given``).

    .. math::

        tc(x_1; \\dots; x_n \\mid z)
            = \\log \\frac{p(x_1, \\dots, x_n \\mid z)}{\\prod_{i=1}^n p(x_i \\mid z)},
        \\qquad \\sum p(x_1, \\dots, x_n, z)\\, tc(x_1; \\dots; x_n \\mid z) = TC(X_1; \\dots; X_n \\mid Z)

    This is the optimal Symile critic (for two groups it is the PMI).

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    groups : sequence of int or tuple of int, optional
        The variables :math:`X_1, \\dots, X_n`, each an axis or a tuple of axes (a joint variable);
        ``None`` means every axis not in ``given``, each on its own.
    given : int or tuple of int
        Axes of :math:`Z` to condition on (disjoint from the groups).
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    numpy.ndarray
        Values in bits (units of ``log base``), any sign. Dense ``p``: one axis per axis of the groups in
        the order given, then of ``given`` (with the defaults: the shape of ``p``); ``-inf`` where the
        outcome has probability 0. Sparse ``p``: one finite value per stored outcome, shape ``(p.nnz,)``.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> tc = pointwise_total_correlation(xor)  # log2(0.25 / 0.5**3) = 1 bit on the support
    >>> tc[0].tolist()
    [[1.0, -inf], [-inf, 1.0]]
    >>> float((xor[xor > 0] * tc[xor > 0]).sum())  # its mean is TC(X; Y; Z)
    1.0
    """
    p = _as_pmf(p)
    zs = normalize_axes(given, p.ndim, name="given")
    gs = normalize_groups(groups, p.ndim, exclude=zs)
    check_disjoint(**{f"groups[{i}]": g for i, g in enumerate(gs)}, given=zs)
    xs = tuple(itertools.chain.from_iterable(gs))
    # tc = log p(x, z) + (n - 1) log p(z) - sum_i log p(x_i, z)
    terms = [(1.0, xs + zs)] + [(-1.0, g + zs) for g in gs]
    if zs:
        terms.append((float(len(gs) - 1), zs))
    return _pointwise(p, xs + zs, terms, base)
