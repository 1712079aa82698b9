"""Exact Shannon measures of a joint pmf: entropies, mutual informations and their multivariate kin.

The joint pmf ``p`` is a dense array with one axis per variable, or a :class:`~infotheory.SparsePMF`.
Variables are chosen by axis: an int, or a tuple of ints for a vector-valued (joint) variable.
Every measure returns a plain ``float`` in bits by default; ``base=`` changes the unit
(``base=np.e`` gives nats, ``base=10`` bans/hartleys).

Each measure is a signed sum of marginal entropies ``H(X_S)``; these are computed once per call
(see :class:`infotheory._entropies.EntropyTable`) and local names follow the formula.

Conventions shared by every measure: ``p`` first; variables by axis (``x``, ``y``, ``groups``);
the conditioning set is always ``given=`` (``conditional_mutual_information`` also takes it as a
fourth positional argument ``z``, a documented alias); ``base=`` is keyword-only.

Each public entropy-sum measure is a thin wrapper that builds an entropy table from ``p`` and calls
its private ``_on_table`` twin; the estimators call those twins on their own tables through
:func:`_measure_on_table` (the only way to get one value per bootstrap replicate).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from infotheory._entropies import EntropyTable, as_table
from infotheory._validation import check_base, check_disjoint, normalize_axes, normalize_groups, validate_pmf
from infotheory.sparse import SparsePMF, group_sum, mixed_radix_key

__all__ = [
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "total_correlation",
    "dual_total_correlation",
    "o_information",
    "s_information",
    "co_information",
    "interaction_information",
    "kl_divergence",
    "marginal",
    "conditional",
]

#: relative tolerance under which a result is snapped to exactly 0 (see ``_snap``)
_SNAP_RTOL = 1e-12


def _log_base(base) -> float:
    """``ln(base)`` of a validated base (a finite real > 1, see :func:`infotheory._validation.check_base`)."""
    return math.log(check_base(base))


def _snap(value_nats, scale_nats, log_base: float):
    # Entropies of different marginals carry rounding errors of a few ulps of the largest one, so a
    # combination that is exactly 0 in theory (I(X;Y) on XOR) comes out as +-1e-16. Snap |x| below
    # 1e-12 * max(1, largest entropy term) to 0.0. The snap is symmetric and tiny, so it never turns
    # a real negative value (a co-information, a Miller–Madow corrected estimate) into 0 or positive.
    if type(value_nats) is float or np.ndim(value_nats) == 0:  # a float: skip np.ndim's dispatch
        if abs(value_nats) <= _SNAP_RTOL * max(1.0, abs(float(scale_nats))):
            return 0.0
        return float(value_nats) / log_base
    # arrays arise only from the private batched table of bootstrap replicates (one value per replicate)
    tol = _SNAP_RTOL * np.maximum(1.0, np.abs(scale_nats))
    return np.where(np.abs(value_nats) <= tol, 0.0, value_nats / log_base)


def _conditioned(H: EntropyTable, z: tuple[int, ...]):
    """``S -> H(X_S | X_z) = H(X_S, X_z) - H(X_z)`` in nats."""
    if not z:
        return H  # H(X_S | nothing) = H(X_S)
    H_z = H(z)
    return lambda axes: H(tuple(axes) + z) - H_z


def _groups_and_given(H: EntropyTable, groups, given):
    if groups is None and type(given) is tuple and not given:  # the default: disjoint single axes
        return normalize_groups(None, H.n_vars), ()
    z = normalize_axes(given, H.n_vars, name="given")
    gs = normalize_groups(groups, H.n_vars, exclude=z)
    check_disjoint(**{f"groups[{i}]": g for i, g in enumerate(gs)}, given=z)
    return gs, z


# --------------------------------------------------------------------------------------------------
# entropies and mutual informations
# --------------------------------------------------------------------------------------------------


def entropy(p, x=None, *, given=(), base=2) -> float:
    """Shannon entropy of the variables ``x``, optionally conditioned on ``given``.

    .. math::

        H(X \\mid Z) = -\\sum_{x, z} p(x, z) \\log p(x \\mid z) = H(X, Z) - H(Z)

    with :math:`X` the axes ``x`` and :math:`Z` the axes ``given``; :math:`0 \\log 0 = 0`.

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    x : int or tuple of int, optional
        Axes of :math:`X`; ``None`` means every axis not in ``given``.
    given : int or tuple of int
        Axes of :math:`Z` (disjoint from ``x``).
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        :math:`H(X \\mid Z)` in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> entropy(xor), entropy(xor, 0), entropy(xor, 2, given=(0, 1))
    (2.0, 1.0, 0.0)
    """
    return _entropy_on_table(as_table(p), x, given=given, base=base)


def _entropy_on_table(H: EntropyTable, x=None, *, given=(), base=2):
    z = normalize_axes(given, H.n_vars, name="given")
    if x is None:
        x = tuple(a for a in range(H.n_vars) if a not in z)
    else:
        x = normalize_axes(x, H.n_vars, name="x")
    check_disjoint(x=x, given=z)
    log_base = _log_base(base)
    H_xz, H_z = H(x + z), H(z)
    return _snap(H_xz - H_z, H_xz, log_base)


def mutual_information(p, x, y, *, given=(), base=2) -> float:
    """Mutual information between ``x`` and ``y``, optionally conditioned on ``given``.

    .. math::

        I(X; Y \\mid Z) = H(X, Z) + H(Y, Z) - H(Z) - H(X, Y, Z)

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    x, y : int or tuple of int
        Axes of :math:`X` and :math:`Y`.
    given : int or tuple of int
        Axes of :math:`Z`; ``x``, ``y`` and ``given`` must be disjoint.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        :math:`I(X; Y \\mid Z)` in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> mutual_information(xor, 0, 1), mutual_information(xor, 0, 1, given=2)
    (0.0, 1.0)
    """
    return _mutual_information_on_table(as_table(p), x, y, given=given, base=base)


def _mutual_information_on_table(H: EntropyTable, x, y, *, given=(), base=2):
    x = normalize_axes(x, H.n_vars, name="x", allow_empty=False)
    y = normalize_axes(y, H.n_vars, name="y", allow_empty=False)
    z = normalize_axes(given, H.n_vars, name="given")
    check_disjoint(x=x, y=y, given=z)
    log_base = _log_base(base)
    H_xz, H_yz, H_z, H_xyz = H(x + z), H(y + z), H(z), H(x + y + z)
    return _snap(H_xz + H_yz - H_z - H_xyz, H_xyz, log_base)


def conditional_mutual_information(p, x, y, z=None, *, given=None, base=2) -> float:
    """Conditional mutual information of ``x`` and ``y`` given ``given``.

    .. math::

        I(X; Y \\mid Z) = H(X, Z) + H(Y, Z) - H(Z) - H(X, Y, Z)

    Same as ``mutual_information(p, x, y, given=given)``. The conditioning axes are ``given=``, as
    in every other measure; the fourth positional argument ``z`` (also ``z=``) is an alias of
    ``given`` kept for older code. Pass exactly one of the two.

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    x, y : int or tuple of int
        Axes of :math:`X` and :math:`Y`.
    z : int or tuple of int, optional
        Alias of ``given`` (positional or keyword).
    given : int or tuple of int
        Axes of :math:`Z`; ``x``, ``y`` and ``given`` must be disjoint (``()`` gives :math:`I(X; Y)`).
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        :math:`I(X; Y \\mid Z)` in bits (units of ``log base``), >= 0.

    Raises
    ------
    TypeError
        If neither or both of ``given`` and ``z`` are passed.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> conditional_mutual_information(xor, 0, 1, given=2), conditional_mutual_information(xor, 0, 1, 2)
    (1.0, 1.0)
    """
    return _conditional_mutual_information_on_table(as_table(p), x, y, z, given=given, base=base)


def _conditional_mutual_information_on_table(H: EntropyTable, x, y, z=None, *, given=None, base=2):
    if z is not None and given is not None:
        raise TypeError(
            f"conditional_mutual_information takes the conditioning axes once: given={given!r} and "
            f"its alias z={z!r} were both passed"
        )
    if z is None and given is None:
        raise TypeError("conditional_mutual_information needs the conditioning axes: pass given=...")
    return _mutual_information_on_table(H, x, y, given=given if given is not None else z, base=base)


# --------------------------------------------------------------------------------------------------
# multivariate measures over groups of axes
# --------------------------------------------------------------------------------------------------


def _tc_nats(H_given, gs) -> float:
    """Σ_i H(X_i | Z) - H(X_1..X_n | Z)."""
    x = tuple(itertools.chain.from_iterable(gs))
    return sum(H_given(g) for g in gs) - H_given(x)


def _dtc_nats(H_given, gs) -> float:
    """H(X | Z) - Σ_i H(X_i | X_-i, Z) = Σ_i H(X_-i | Z) - (n - 1) H(X | Z)."""
    x = tuple(itertools.chain.from_iterable(gs))
    H_x = H_given(x)
    H_rest = [H_given(tuple(itertools.chain.from_iterable(gs[:i] + gs[i + 1 :]))) for i in range(len(gs))]
    return sum(H_rest) - (len(gs) - 1) * H_x


def total_correlation(p, groups=None, *, given=(), base=2) -> float:
    """Total correlation (multi-information) of the groups, optionally conditioned on ``given``.

    .. math::

        TC(X_1; \\dots; X_n \\mid Z) = \\sum_{i=1}^n H(X_i \\mid Z) - H(X_1, \\dots, X_n \\mid Z)

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
    float
        The total correlation in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> total_correlation(xor), total_correlation(xor, [0, 1]), total_correlation(xor, [0, (1, 2)])
    (1.0, 0.0, 1.0)
    """
    return _total_correlation_on_table(as_table(p), groups, given=given, base=base)


def _total_correlation_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    return _snap(_tc_nats(H_given, gs), H(tuple(itertools.chain(*gs, z))), log_base)


def dual_total_correlation(p, groups=None, *, given=(), base=2) -> float:
    """Dual total correlation (binding information) of the groups, optionally conditioned on ``given``.

    .. math::

        DTC(X_1; \\dots; X_n \\mid Z) = H(X_1, \\dots, X_n \\mid Z)
            - \\sum_{i=1}^n H(X_i \\mid X_{-i}, Z)

    where :math:`X_{-i}` is every group but the i-th.

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
    float
        The dual total correlation in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> dual_total_correlation(xor)
    2.0
    """
    return _dual_total_correlation_on_table(as_table(p), groups, given=given, base=base)


def _dual_total_correlation_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    return _snap(_dtc_nats(H_given, gs), H(tuple(itertools.chain(*gs, z))), log_base)


def o_information(p, groups=None, *, given=(), base=2) -> float:
    """O-information: total minus dual total correlation (negative = synergy-dominated).

    .. math::

        \\Omega(X_1; \\dots; X_n \\mid Z) = TC(X_1; \\dots; X_n \\mid Z) - DTC(X_1; \\dots; X_n \\mid Z)

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
    float
        The O-information in bits (units of ``log base``); any sign.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> o_information(xor)
    -1.0
    """
    return _o_information_on_table(as_table(p), groups, given=given, base=base)


def _o_information_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    TC, DTC = _tc_nats(H_given, gs), _dtc_nats(H_given, gs)
    return _snap(TC - DTC, H(tuple(itertools.chain(*gs, z))), log_base)


def s_information(p, groups=None, *, given=(), base=2) -> float:
    """S-information: total plus dual total correlation.

    .. math::

        \\Sigma(X_1; \\dots; X_n \\mid Z) = TC(X_1; \\dots; X_n \\mid Z) + DTC(X_1; \\dots; X_n \\mid Z)

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
    float
        The S-information in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> s_information(xor)
    3.0
    """
    return _s_information_on_table(as_table(p), groups, given=given, base=base)


def _s_information_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    TC, DTC = _tc_nats(H_given, gs), _dtc_nats(H_given, gs)
    return _snap(TC + DTC, H(tuple(itertools.chain(*gs, z))), log_base)


def _co_information_nats(H_given, gs) -> float:
    # inclusion–exclusion over the 2^n - 1 non-empty subsets S of the groups
    total = 0.0
    for k in range(1, len(gs) + 1):
        for subset in itertools.combinations(gs, k):
            total -= (-1) ** k * H_given(tuple(itertools.chain.from_iterable(subset)))
    return total


def co_information(p, groups=None, *, given=(), base=2) -> float:
    """Co-information (McGill's multivariate mutual information, Bell's sign): -1 bit on XOR.

    .. math::

        I(X_1; \\dots; X_n \\mid Z) = -\\sum_{\\emptyset \\ne S \\subseteq \\{1..n\\}}
            (-1)^{|S|} H(X_S \\mid Z)

    For two groups this is the mutual information, for one the entropy. Synergy makes it negative
    (XOR: -1 bit); the opposite sign is :func:`interaction_information`.

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
    float
        The co-information in bits (units of ``log base``); any sign.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> co_information(xor), co_information(xor, [0, 1])
    (-1.0, 0.0)
    """
    return _co_information_on_table(as_table(p), groups, given=given, base=base)


def _co_information_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    # a negative co-information is real (synergy): only rounding noise is snapped, never the sign
    return _snap(_co_information_nats(H_given, gs), H(tuple(itertools.chain(*gs, z))), log_base)


def interaction_information(p, groups=None, *, given=(), base=2) -> float:
    """Interaction information (dit's sign): +1 bit on XOR.

    .. math::

        II(X_1; \\dots; X_n \\mid Z) = (-1)^n \\, I(X_1; \\dots; X_n \\mid Z)

    where :math:`I(X_1; \\dots; X_n \\mid Z)` is the :func:`co_information`. For three variables
    this is :math:`I(X; Y \\mid Z) - I(X; Y)`.

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
    float
        The interaction information in bits (units of ``log base``); any sign.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> interaction_information(xor)
    1.0
    """
    return _interaction_information_on_table(as_table(p), groups, given=given, base=base)


def _interaction_information_on_table(H: EntropyTable, groups=None, *, given=(), base=2):
    gs, z = _groups_and_given(H, groups, given)
    log_base = _log_base(base)
    H_given = _conditioned(H, z)
    II = (-1) ** len(gs) * _co_information_nats(H_given, gs)
    return _snap(II, H(tuple(itertools.chain(*gs, z))), log_base)


# --------------------------------------------------------------------------------------------------
# the private path of the estimators: a measure evaluated on a prepared entropy table
# --------------------------------------------------------------------------------------------------

#: public entropy-sum measure -> its twin that takes an entropy table instead of a pmf
_ON_TABLE = {
    entropy: _entropy_on_table,
    mutual_information: _mutual_information_on_table,
    conditional_mutual_information: _conditional_mutual_information_on_table,
    total_correlation: _total_correlation_on_table,
    dual_total_correlation: _dual_total_correlation_on_table,
    o_information: _o_information_on_table,
    s_information: _s_information_on_table,
    co_information: _co_information_on_table,
    interaction_information: _interaction_information_on_table,
}
_ON_TABLE_BY_NAME = {f.__name__: g for f, g in _ON_TABLE.items()}


def _measure_on_table(measure, table: EntropyTable, *args, base=2, **kwargs):
    """Evaluate an entropy-sum measure on a prepared entropy table (private: for the estimators).

    Parameters
    ----------
    measure : callable or str
        One of the public entropy-sum measures (``entropy`` ... ``interaction_information``), or its name.
    table : EntropyTable
        The entropies to combine, e.g. a Miller–Madow corrected :class:`EntropyTable` or a
        :class:`~infotheory._entropies.BatchEntropyTable` of bootstrap replicates.
    *args, **kwargs
        The measure's other arguments (axes, ``groups``, ``given``).
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.

    Returns
    -------
    float or numpy.ndarray
        A float (bits, units of ``log base``) for an :class:`EntropyTable`; for a
        :class:`BatchEntropyTable` an array with one value per replicate (or a float when the measure
        does not depend on the counts, e.g. the entropy of no variable).
    """
    if isinstance(measure, str):
        if measure not in _ON_TABLE_BY_NAME:
            raise ValueError(f"unknown measure {measure!r}; choose one of {sorted(_ON_TABLE_BY_NAME)}")
        on_table = _ON_TABLE_BY_NAME[measure]
    else:
        try:
            on_table = _ON_TABLE[measure]
        except (KeyError, TypeError):  # TypeError: an unhashable object
            raise ValueError(
                f"measure {getattr(measure, '__name__', measure)!r} is not a sum of entropies; "
                f"choose one of {sorted(_ON_TABLE_BY_NAME)}"
            ) from None
    if not isinstance(table, EntropyTable):
        raise TypeError(f"table must be an EntropyTable, got {type(table).__name__}")
    return on_table(table, *args, base=base, **kwargs)


# --------------------------------------------------------------------------------------------------
# divergence, marginals, conditionals
# --------------------------------------------------------------------------------------------------


def _as_pmf(p, name: str):
    if isinstance(p, SparsePMF):
        return p
    if isinstance(p, EntropyTable):
        raise TypeError(f"{name} must be a joint pmf (array or SparsePMF), got an entropy table")
    return validate_pmf(p, name=name)


def kl_divergence(p, q, *, base=2) -> float:
    """Kullback–Leibler divergence of ``p`` from ``q`` (two pmfs of the same shape).

    .. math::

        D(p \\,\\|\\, q) = \\sum_{x:\\, p(x) > 0} p(x) \\log \\frac{p(x)}{q(x)}

    Cells with :math:`p(x) = 0` contribute 0; a cell with :math:`p(x) > 0` and :math:`q(x) = 0`
    makes the divergence ``inf``.

    Parameters
    ----------
    p, q : array_like or SparsePMF
        Joint pmfs of the same shape (dense and sparse may be mixed).
    base : float
        Logarithm base: 2 gives bits.

    Returns
    -------
    float
        :math:`D(p \\| q)` in bits (units of ``log base``), >= 0, possibly ``inf``.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> kl_divergence(xor, np.full((2, 2, 2), 1 / 8))  # 3 - H(XOR) bits
    1.0
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    p, q = _as_pmf(p, "p"), _as_pmf(q, "q")
    shape_p, shape_q = tuple(p.shape), tuple(q.shape)
    if shape_p != shape_q:
        raise ValueError(f"p and q must have the same shape, got p.shape={shape_p} and q.shape={shape_q}")
    log_base = _log_base(base)
    if isinstance(p, np.ndarray) and isinstance(q, np.ndarray):
        p_x, q_x = p.ravel(), q.ravel()
    else:
        p_x, q_x = _aligned_sparse(p, q)
    support = p_x > 0
    p_x, q_x = p_x[support], q_x[support]
    if (q_x == 0).any():
        return math.inf  # p(x) > 0 = q(x): p is not absolutely continuous with respect to q
    # log p - log q rather than log(p / q): the ratio of two tiny probabilities can overflow
    D = float(np.einsum("i,i->", p_x, np.log(p_x) - np.log(q_x)))
    return _snap(D, 1.0, log_base)


def _aligned_sparse(p, q):
    """Probabilities of p and q on the union of their non-zero cells (same order)."""
    p = p if isinstance(p, SparsePMF) else SparsePMF.from_dense(p)
    q = q if isinstance(q, SparsePMF) else SparsePMF.from_dense(q)
    rows = np.concatenate([p.outcomes, q.outcomes])
    weights_p = np.concatenate([p.probs, np.zeros(q.nnz)])
    weights_q = np.concatenate([np.zeros(p.nnz), q.probs])
    key = mixed_radix_key(rows, p.shape)
    if key is None:
        _, inverse = np.unique(rows, axis=0, return_inverse=True)
    else:
        _, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.ravel()
    return np.bincount(inverse, weights=weights_p), np.bincount(inverse, weights=weights_q)


def marginal(p, axes):
    """Marginal pmf of the variables ``axes``, with its axes in the order given.

    .. math::

        p(x_{a_1}, \\dots, x_{a_k}) = \\sum_{\\text{other axes}} p(x_0, \\dots, x_{n-1})

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    axes : int or tuple of int
        Axes to keep, in the order wanted.

    Returns
    -------
    numpy.ndarray or SparsePMF
        The marginal pmf (unitless probabilities), of the same kind as ``p``.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> marginal(xor, (2, 0)).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """
    p = _as_pmf(p, "p")
    keep = normalize_axes(axes, p.ndim, name="axes", allow_empty=False)
    if isinstance(p, SparsePMF):
        probs, outcomes = group_sum(
            p.outcomes[:, list(keep)], [p.shape[a] for a in keep], p.probs, return_outcomes=True
        )
        return SparsePMF(outcomes, probs, shape=[p.shape[a] for a in keep])
    drop = tuple(a for a in range(p.ndim) if a not in keep)
    summed = p.sum(axis=drop)  # remaining axes in increasing order
    order = sorted(keep)
    return np.transpose(summed, [order.index(a) for a in keep])


#: largest number of cells :func:`conditional` will make dense from a sparse pmf
_MAX_DENSE_CELLS = 2**26


def conditional(p, x, given):
    """Conditional pmf ``p(x | given)`` as a dense array with axes ``(given..., x...)``.

    .. math::

        p(x \\mid z) = \\frac{p(x, z)}{p(z)}, \\qquad p(x \\mid z) = 0 \\text{ where } p(z) = 0

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable. A sparse pmf is made dense over ``given + x`` only
        (at most 2^26 cells, else ValueError).
    x : int or tuple of int
        Axes of the conditioned variables.
    given : int or tuple of int
        Axes of the conditioning variables (disjoint from ``x``; may be empty).

    Returns
    -------
    numpy.ndarray
        Array of shape ``[|Z_1|, ..., |X_1|, ...]``; each slice ``[z]`` with ``p(z) > 0`` sums to 1
        over the trailing axes, slices with ``p(z) = 0`` are all zero (unitless probabilities).

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> conditional(xor, 2, (0, 1)).tolist()  # Z is a function of (X, Y)
    [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]
    """
    p = _as_pmf(p, "p")
    xs = normalize_axes(x, p.ndim, name="x", allow_empty=False)
    zs = normalize_axes(given, p.ndim, name="given")
    check_disjoint(x=xs, given=zs)
    joint = marginal(p, zs + xs)
    if isinstance(joint, SparsePMF):
        n_cells = int(np.prod(joint.shape, dtype=object))
        if n_cells > _MAX_DENSE_CELLS:
            raise ValueError(
                f"conditional of a SparsePMF over axes {zs + xs} needs {n_cells} dense cells "
                f"(limit {_MAX_DENSE_CELLS}); use marginal() and work on the sparse rows instead"
            )
        joint = joint.to_dense()
    p_z = joint.sum(axis=tuple(range(len(zs), joint.ndim)), keepdims=True)
    # p(x | z) = 0 where p(z) = 0 (no 0/0 NaN): divide only where the denominator is positive
    return np.divide(joint, p_z, out=np.zeros_like(joint), where=p_z > 0)
