r"""k-nearest-neighbour estimators (Kozachenko–Leonenko, KSG, Frenzel–Pompe) for real-valued samples.

All distances are max-norm (Chebyshev) distances, within a variable and across variables, found with
:class:`scipy.spatial.cKDTree`. For each sample :math:`t`, :math:`\varepsilon_t` is the distance to its
k-th nearest neighbour in the joint space of all the variables involved, and :math:`n_V(t)` is the number
of other samples strictly within :math:`\varepsilon_t` of it in the subspace of the variables ``V``:

.. math::

    \widehat{TC}(X_1; \dots; X_m) &= \psi(k) + (m - 1)\,\psi(n) - \Big\langle \sum_{i=1}^m
        \psi\big(n_{X_i}(t) + 1\big) \Big\rangle_t
        \qquad \text{(KSG, algorithm 1; } m = 2 \text{ is } I(X;Y)\text{)} \\
    \widehat{TC}(X_1; \dots; X_m \mid Z) &= \psi(k) - \Big\langle \sum_{i=1}^m \psi\big(n_{X_i Z}(t) + 1\big)
        - (m - 1)\, \psi\big(n_Z(t) + 1\big) \Big\rangle_t
        \qquad \text{(Frenzel–Pompe; } m = 2 \text{ is } I(X;Y \mid Z)\text{)} \\
    \hat H(X) &= \psi(n) - \psi(k) + d_X \big\langle \log 2\varepsilon^X_t \big\rangle_t
        \qquad \text{(Kozachenko–Leonenko, } \varepsilon^X_t \text{ the k-th neighbour distance in } X\text{)}

in nats (Kraskov, Stögbauer & Grassberger 2004; Frenzel & Pompe 2007). The estimators are consistent
for any continuous distribution; their bias shrinks with n and grows with the dimension and the
strength of the dependence (KSG underestimates large MI). Repeated rows (zero distances) break them, so
they are refused. By default each column is first scaled to unit standard deviation (the measures are
invariant to this; the neighbour search is not).
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from infotheory import gaussian, measures
from infotheory._samples import check_positive_int, continuous_variables, resolve_names
from infotheory._validation import check_base, check_disjoint, normalize_axes, normalize_groups

__all__ = ["ksg_estimate", "KNN_MEASURES"]

#: the measures :func:`ksg_estimate` accepts (by function or by name)
KNN_MEASURES = {
    f.__name__: f
    for f in (
        measures.entropy,
        measures.mutual_information,
        measures.conditional_mutual_information,
        measures.total_correlation,
    )
}


def _resolve(measure):
    name = measure if isinstance(measure, str) else getattr(measure, "__name__", None)
    if name not in KNN_MEASURES or (not isinstance(measure, str) and measure is not KNN_MEASURES[name]):
        raise ValueError(
            f"ksg_estimate has no kNN form of {name or measure!r}; choose one of {sorted(KNN_MEASURES)} "
            f"(copula_estimate covers the other measures)"
        )
    return KNN_MEASURES[name]


def _count_within(points: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """Number of *other* points strictly within ``radius[t]`` (max-norm) of each point ``t``."""
    if points.shape[1] == 1:
        return _count_within_1d(points[:, 0], radius)
    from scipy.spatial import cKDTree  # lazy: ~0.2 s of import

    tree = cKDTree(points)
    # strictly less than eps: the largest float below it. The tree computes the same |a - b| maxima as the
    # joint query did, so the k-th neighbour, at exactly eps in one subspace, is excluded as it must be.
    inside = tree.query_ball_point(points, np.nextafter(radius, 0.0), p=np.inf, return_length=True)
    return inside - 1  # minus the point itself


def _count_within_1d(v: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """:func:`_count_within` for scalars by binary search in the sorted values (10x faster than a tree).

    The count is ``#{s != t : |v_s - v_t| < radius_t}`` with the difference rounded exactly as the tree
    rounds it; for fixed ``t`` the rounded difference is monotone in ``v_s``, so the set is a run of the
    sorted values. A first guess from ``searchsorted(v_t +- radius)`` is moved by single steps until the
    rounded test holds at both ends (a step or two at most, more only on repeated values).
    """
    s = np.sort(v)
    n = s.size
    hi = np.searchsorted(s, v + radius, side="left")  # guess of #{s : s - v_t < radius}
    lo = np.searchsorted(s, v - radius, side="right")  # guess of #{s : v_t - s >= radius}
    for _ in range(n):
        grow = (hi < n) & (s[np.minimum(hi, n - 1)] - v < radius)
        shrink = (hi > 0) & (s[np.maximum(hi - 1, 0)] - v >= radius)
        if not (grow.any() or shrink.any()):
            break
        hi = hi + grow - shrink
    for _ in range(n):
        grow = (lo < n) & (v - s[np.minimum(lo, n - 1)] >= radius)
        shrink = (lo > 0) & (v - s[np.maximum(lo - 1, 0)] < radius)
        if not (grow.any() or shrink.any()):
            break
        lo = lo + grow - shrink
    return hi - lo - 1  # minus the point itself (|v_t - v_t| = 0 < radius)


def _kth_distance(points: np.ndarray, k: int) -> np.ndarray:
    from scipy.spatial import cKDTree  # lazy: ~0.2 s of import

    distances, _ = cKDTree(points).query(points, k=k + 1, p=np.inf)  # column 0 is the point itself
    eps = distances[:, -1]
    if not (eps > 0).all():
        t = int(np.flatnonzero(eps <= 0)[0])
        raise ValueError(
            f"sample row {t} has {k} or more exact duplicates (k-th neighbour distance 0); kNN estimators "
            f"need continuous data without repeated rows (use a discrete estimator, or add tiny noise)"
        )
    return eps


def _tc_nats(groups: list[np.ndarray], z: np.ndarray | None, k: int) -> float:
    """KSG (no ``z``) or Frenzel–Pompe (given ``z``) total correlation of ``groups`` in nats."""
    from scipy.special import digamma  # lazy: ~0.3 s of import

    n = groups[0].shape[0]
    m = len(groups)
    joint = np.concatenate(groups + ([z] if z is not None else []), axis=1)
    eps = _kth_distance(joint, k)
    if z is None:
        marginal = sum(digamma(_count_within(g, eps) + 1.0) for g in groups)
        return float(digamma(k) + (m - 1) * digamma(n) - np.mean(marginal))
    with_z = sum(digamma(_count_within(np.concatenate([g, z], axis=1), eps) + 1.0) for g in groups)
    only_z = digamma(_count_within(z, eps) + 1.0)
    return float(digamma(k) - np.mean(with_z - (m - 1) * only_z))


def _entropy_nats(x: np.ndarray, k: int) -> float:
    """Kozachenko–Leonenko entropy of ``x`` (n, d) in nats (max-norm balls of volume (2 eps)^d)."""
    from scipy.special import digamma  # lazy: ~0.3 s of import

    n, d = x.shape
    eps = _kth_distance(x, k)
    return float(digamma(n) - digamma(k) + d * np.mean(np.log(2.0 * eps)))


def ksg_estimate(
    measure, samples, *args, k=3, standardize=True, normal_scores=False, base=2, **kwargs
) -> float:
    r"""k-nearest-neighbour estimate (KSG / Frenzel–Pompe / Kozachenko–Leonenko) from real-valued samples.

    ``mutual_information`` and ``total_correlation`` use KSG's first algorithm, their conditional forms
    (``given=``, and ``conditional_mutual_information``) the Frenzel–Pompe estimator, and ``entropy`` the
    Kozachenko–Leonenko estimator (a conditional entropy as the difference of two); see the module
    docstring for the formulas, e.g.

    .. math::

        \hat I(X; Y) = \psi(k) + \psi(n) - \big\langle \psi(n_X(t) + 1) + \psi(n_Y(t) + 1) \big\rangle_t

    Parameters
    ----------
    measure : callable or str
        One of :data:`KNN_MEASURES`: ``entropy``, ``mutual_information``,
        ``conditional_mutual_information``, ``total_correlation``.
    samples : array, sequence of arrays or dict of str to array
        Real-valued samples, ``(n,)`` or ``(n, d)`` per variable; with a dict the axes may be given by name.
    *args, **kwargs
        Passed as to the measure (axes, ``groups``, ``given``).
    k : int
        Number of neighbours, ``1 <= k < n`` (3 by default; larger k: less variance, more bias).
    standardize : bool
        Scale every column to unit standard deviation first (default; an entropy is corrected back by
        :math:`\sum \log \mathrm{sd}`).
    normal_scores : bool
        Replace every column by its normal scores :math:`\Phi^{-1}(\mathrm{rank}/(n+1))` first
        (:func:`infotheory.gaussian.normal_scores`). The measures (not ``entropy``) are invariant under
        monotone maps of a column, and so is the estimate then; heavy-tailed or skewed marginals otherwise
        add finite-sample bias (``docs/estimators.md`` shows it on exp / cube transforms).
    base : float
        Logarithm base: 2 gives bits.

    Returns
    -------
    float
        The estimate in bits (units of ``log base``); estimates of non-negative measures can be slightly
        negative, differential entropies can be negative.

    Raises
    ------
    ValueError
        For ``k < 1``, fewer than ``k + 1`` samples, repeated rows, NaN or infinite samples, variables of
        different lengths, a constant column (with ``standardize``), or a measure without a kNN form.
    TypeError
        For non-numeric samples or arguments the measure does not take.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((2, 5000))
    >>> xor_like = {"x": x, "y": y, "z": x * y}  # z depends on (x, y) jointly, uncorrelated with each
    >>> round(ksg_estimate("mutual_information", xor_like, "x", "z"), 1)  # pairwise: x tells about |z|
    0.6
    >>> round(ksg_estimate("mutual_information", xor_like, "x", "y", given="z"), 1)  # synergy: I(x; y | z)
    3.3
    >>> y = 0.8 * x + 0.6 * rng.standard_normal(5000)  # correlation 0.8: I(x; y) = 0.737 bits
    >>> round(ksg_estimate("mutual_information", {"x": x, "y": np.exp(y)}, "x", "y"), 2)
    0.73
    """
    f = _resolve(measure)
    k = check_positive_int("k", k)
    log_base = math.log(check_base(base))
    variables, names = continuous_variables(samples)
    args, kwargs = resolve_names(args, kwargs, names)
    n = variables[0].shape[0]
    if n < k + 1:
        raise ValueError(f"k={k} neighbours need at least k + 1 = {k + 1} samples, got n={n}")
    if normal_scores:
        if f is measures.entropy:
            raise ValueError("normal_scores=True would change the entropy (it depends on the marginals)")
        variables = [gaussian.normal_scores(v) for v in variables]
    log_scale = np.zeros(len(variables))  # sum of log sd per variable: H(X) = H(X / sd) + sum log sd
    if standardize:
        sds = [v.std(axis=0) for v in variables]
        variables = [_standardized(v, j, names) for j, v in enumerate(variables)]  # refuses sd = 0
        log_scale = np.array([np.log(sd).sum() for sd in sds])
    try:
        bound = inspect.signature(f).bind(None, *args, **kwargs)
    except TypeError as err:
        raise TypeError(f"{f.__name__}: {err}") from None
    bound.apply_defaults()
    a = dict(bound.arguments)
    n_vars = len(variables)

    def columns(axes) -> np.ndarray:
        return np.concatenate([variables[i] for i in axes], axis=1)

    if f is measures.entropy:
        z = normalize_axes(a["given"], n_vars, name="given")
        if a["x"] is None:
            x = tuple(i for i in range(n_vars) if i not in z)
        else:
            x = normalize_axes(a["x"], n_vars, name="x")
        check_disjoint(x=x, given=z)
        value = _entropy_nats(columns(x + z), k) - (_entropy_nats(columns(z), k) if z else 0.0)
        return (value + log_scale[list(x)].sum()) / log_base  # undo the scaling (the z terms cancel)
    if f is measures.total_correlation:
        z = normalize_axes(a["given"], n_vars, name="given")
        gs = normalize_groups(a["groups"], n_vars, exclude=z)
        check_disjoint(**{f"groups[{i}]": g for i, g in enumerate(gs)}, given=z)
    else:
        given = a["given"]
        if f is measures.conditional_mutual_information and a.get("z") is not None:
            if given is not None:
                raise TypeError(f"give the conditioning axes once: z={a['z']!r} and given={given!r}")
            given = a["z"]
        z = normalize_axes(() if given is None else given, n_vars, name="given")
        gs = (
            normalize_axes(a["x"], n_vars, name="x", allow_empty=False),
            normalize_axes(a["y"], n_vars, name="y", allow_empty=False),
        )
        check_disjoint(x=gs[0], y=gs[1], given=z)
    value = _tc_nats([columns(g) for g in gs], columns(z) if z else None, k)
    return value / log_base


def _standardized(v: np.ndarray, j: int, names) -> np.ndarray:
    sd = v.std(axis=0)
    if not (sd > 0).all():
        label = f"variable {names[j]!r}" if names is not None else f"variable {j}"
        raise ValueError(f"{label} has a constant column; kNN estimators need continuous data")
    return (v - v.mean(axis=0)) / sd
