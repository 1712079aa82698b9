"""Partial information decomposition (PID): how much of what sources tell about a target is redundant,
unique to one source, or synergistic.

Williams & Beer (2010) split the mutual information :math:`I(S_1, \\dots, S_n; T)` over the
**redundancy lattice** of the sources: its nodes are antichains :math:`\\alpha` (collections of sets of
sources, none containing another; 4 nodes for 2 sources, 18 for 3), ordered by
:math:`\\alpha \\preceq \\beta \\iff \\forall B \\in \\beta\\, \\exists A \\in \\alpha: A \\subseteq B`. A
**redundancy measure** :math:`I_\\cap(\\alpha)` says how much information about :math:`T` all the sets
:math:`A \\in \\alpha` share (each :math:`A` read as one joint variable); every measure here has
:math:`I_\\cap(\\{A\\}) = I(A; T)`. The atoms follow by Möbius inversion,

.. math::

    \\pi(\\alpha) = I_\\cap(\\alpha) - \\sum_{\\beta \\prec \\alpha} \\pi(\\beta),

so that :math:`I(A; T) = \\sum_{\\beta \\preceq \\{A\\}} \\pi(\\beta)` for every set of sources :math:`A`.
For two sources the four atoms are the redundancy :math:`\\pi(\\{1\\}\\{2\\})`, the unique informations
:math:`\\pi(\\{1\\})`, :math:`\\pi(\\{2\\})` and the synergy :math:`\\pi(\\{12\\})`:

.. math::

    I(S_1; T) = R + U_1, \\qquad I(S_2; T) = R + U_2, \\qquad I(S_1, S_2; T) = R + U_1 + U_2 + S.

Redundancy measures (``measure=``, see :data:`PID_MEASURES`): ``"imin"`` (Williams & Beer's
:math:`I_{\\min}`, :func:`i_min`), ``"mmi"`` (minimum mutual information, :func:`i_mmi`),
``"broja"`` (Bertschinger, Rauh, Olbrich, Jost & Ay 2014, 2 sources only, :func:`i_broja`) and
``"ccs"`` (Ince's pointwise common change in surprisal, :func:`i_ccs`). All are exact on a dense
joint pmf or a :class:`~infotheory.SparsePMF`; BROJA and :math:`I_{ccs}` solve an optimisation to a
stated tolerance. Values are in **bits** by default (``base=`` changes the unit).

Axes: ``sources`` is a sequence of sources, each an axis or a tuple of axes (a joint variable);
``target`` an axis or a tuple of axes, disjoint from the sources; other axes are summed out.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import warnings
from collections.abc import Iterable

import numpy as np

from infotheory._broja import MAX_BROJA_UNKNOWNS, broja_minimum
from infotheory._entropies import entropy_nats
from infotheory._lattice import antichains, mobius_inversion, node_kind, node_label
from infotheory._maxent import fit_marginals
from infotheory._validation import check_base, check_disjoint, check_tolerance, normalize_axes, validate_pmf
from infotheory.sparse import SparsePMF, group_sum, mixed_radix_key

__all__ = ["PID_MEASURES", "pid", "i_min", "i_mmi", "i_broja", "i_ccs"]

#: the redundancy measures of :func:`pid`, by name
PID_MEASURES = ("imin", "mmi", "broja", "ccs")

#: default tolerance of the iterative measures (BROJA: optimality gap in units of ``base``;
#: I_ccs: relative error of the fitted marginals)
DEFAULT_TOL = 1e-10
#: pointwise values within this many nats of 0 count as 0 in I_ccs's sign test (dit: 1e-8 bits)
_SIGN_ATOL = 1e-8 * math.log(2)
#: largest number of cells the dense tables of I_ccs and BROJA may have
_MAX_CELLS = 2**24
#: relative tolerance under which an exact atom is snapped to 0 (float noise, not a real negative)
_SNAP_RTOL = 1e-12


# --------------------------------------------------------------------------------------------------
# the joint of sources and target as compressed rows
# --------------------------------------------------------------------------------------------------


def _compress(columns, sizes) -> tuple[np.ndarray, int]:
    """Codes ``0..n-1`` of the distinct rows of ``columns`` (a list of int arrays), and ``n``."""
    if len(columns) == 1:
        key = columns[0]
    else:
        key = mixed_radix_key(np.stack(columns, axis=1), sizes)
        if key is None:  # alphabet product beyond int64: sort the rows themselves
            _, inverse = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
            inverse = inverse.ravel()
            return inverse, int(inverse.max()) + 1 if inverse.size else 0
    key_range = math.prod(int(s) for s in sizes)
    if key_range <= 4 * key.size + 1024:  # small range: a lookup table, no sort
        present = np.zeros(key_range, dtype=bool)
        present[key] = True
        code_of = np.cumsum(present) - 1
        return code_of[key], int(code_of[-1]) + 1
    values, inverse = np.unique(key, return_inverse=True)
    return inverse.ravel(), int(values.size)


class _Joint:
    """The rows ``(source codes..., target code, probability)`` of the joint of the sources and the target.

    Codes are compressed to the values that occur, so sizes never exceed the number of rows.
    """

    def __init__(self, pmf, sources: tuple[tuple[int, ...], ...], target: tuple[int, ...]):
        used = sorted(set(itertools.chain(target, *sources)))
        if isinstance(pmf, SparsePMF):
            columns = pmf.outcomes[:, used]
            probs = pmf.probs
            shape = [pmf.shape[a] for a in used]
            if len(used) < pmf.n_vars:  # merge the rows that differ only on summed-out axes
                probs, columns = group_sum(columns, shape, probs, return_outcomes=True)
            by_axis = {a: columns[:, i] for i, a in enumerate(used)}
        else:
            others = tuple(a for a in range(pmf.ndim) if a not in used)
            marg = pmf.sum(axis=others) if others else pmf  # axes in increasing order = ``used``
            shape = list(marg.shape)
            cells = np.flatnonzero(marg)
            probs = marg.ravel()[cells]
            by_axis = dict(zip(used, np.unravel_index(cells, marg.shape)))
        size = dict(zip(used, shape))
        self.probs = probs
        self.sources = []  # (codes, n) per source
        for axes in sources:
            self.sources.append(_compress([by_axis[a] for a in axes], [size[a] for a in axes]))
        self.t, self.m_t = _compress([by_axis[a] for a in target], [size[a] for a in target])
        self.p_t = np.bincount(self.t, weights=probs, minlength=self.m_t)
        self.H_t = entropy_nats(self.p_t)
        self._elements: dict[tuple[int, ...], tuple[np.ndarray, int]] = {}
        self._mutual_information: dict[tuple[int, ...], float] = {}

    def element(self, members: tuple[int, ...]) -> tuple[np.ndarray, int]:
        """Codes of the joint variable of the sources ``members`` (positions in ``sources``)."""
        if len(members) == 1:
            return self.sources[members[0]]
        if members not in self._elements:
            parts = [self.sources[i] for i in members]
            self._elements[members] = _compress([c for c, _ in parts], [n for _, n in parts])
        return self._elements[members]

    def entropy(self, codes: np.ndarray, n: int) -> float:
        """``H`` in nats of a variable given by its codes."""
        return entropy_nats(np.bincount(codes, weights=self.probs, minlength=n))

    def with_target(self, element: tuple[np.ndarray, int]) -> tuple[np.ndarray, int]:
        codes, n = element
        return _compress([codes, self.t], [n, self.m_t])

    def mutual_information(self, members: tuple[int, ...]) -> float:
        """``I(A; T) = H(A) + H(T) - H(A, T)`` in nats, ``A`` the joint of the sources ``members``."""
        if members not in self._mutual_information:
            element = self.element(members)
            self._mutual_information[members] = (
                self.entropy(*element) + self.H_t - self.entropy(*self.with_target(element))
            )
        return self._mutual_information[members]

    def dense(self, element) -> np.ndarray:
        """``p(a, t)`` as a dense (n_a, m_t) array."""
        codes, n = element
        if n * self.m_t > _MAX_CELLS:
            raise ValueError(
                f"a source with {n} values and a target with {self.m_t} values need a dense table of "
                f"{n * self.m_t} cells (limit {_MAX_CELLS}) for this measure"
            )
        return np.bincount(codes * self.m_t + self.t, weights=self.probs, minlength=n * self.m_t).reshape(
            n, self.m_t
        )


# --------------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------------


def _as_pmf(p):
    if isinstance(p, SparsePMF):
        return p
    return validate_pmf(p)


def _check_sources(pmf, sources, target, *, max_sources=None, disjoint=True):
    n_vars = pmf.ndim
    if isinstance(sources, numbers.Number | str | bytes) or not isinstance(sources, Iterable):
        raise ValueError(
            f"sources must be a sequence of at least 2 sources (axes or tuples of axes), got {sources!r}"
        )
    sources = list(sources)
    if len(sources) < 2:
        raise ValueError(f"a decomposition needs at least 2 sources, got {len(sources)}: {sources!r}")
    if max_sources == 2 and len(sources) > 2:
        raise ValueError(f"BROJA is defined for exactly 2 sources, got {len(sources)}: {sources!r}")
    if max_sources is not None and len(sources) > max_sources:
        raise ValueError(
            f"the redundancy lattice is implemented for 2 or 3 sources (4 sources have 166 antichains), "
            f"got {len(sources)}: {sources!r}"
        )
    groups = tuple(
        normalize_axes(s, n_vars, name=f"sources[{i}]", allow_empty=False) for i, s in enumerate(sources)
    )
    t = normalize_axes(target, n_vars, name="target", allow_empty=False)
    for i, g in enumerate(groups):
        shared = sorted(set(g) & set(t))
        if shared:
            raise ValueError(
                f"target axis {shared[0]} is also in sources[{i}]={sources[i]!r}; "
                "the target must not be a source"
            )
    if disjoint:
        check_disjoint(**{f"sources[{i}]": g for i, g in enumerate(groups)})
    return groups, t


def _check_tol(tol) -> float:
    return check_tolerance(tol, "tol", positive=True)  # the one tolerance rule (here > 0: an iteration stops)


def _check_labels(labels, n: int) -> tuple[str, ...]:
    if labels is None:
        return tuple(str(i + 1) for i in range(n))
    if isinstance(labels, str) or not isinstance(labels, Iterable):
        raise ValueError(f"labels must be {n} distinct non-empty strings, got {labels!r}")
    labels = tuple(labels)
    if len(labels) != n or not all(isinstance(s, str) and s for s in labels) or len(set(labels)) != n:
        raise ValueError(f"labels must be {n} distinct non-empty strings, got {labels!r}")
    return labels


# --------------------------------------------------------------------------------------------------
# redundancy measures in nats on prepared rows; each returns (value, error bound)
# --------------------------------------------------------------------------------------------------


def _imin_nats(J: _Joint, node) -> tuple[float, float]:
    # p(t) I(T=t; A) = sum_a p(a, t) log[p(a, t) / (p(a) p(t))], summed row by row (rows sharing (a, t)
    # carry the same log term, so the row sum is the cell sum)
    log_p_t = np.log(J.p_t, out=np.full(J.m_t, -np.inf), where=J.p_t > 0)
    smallest = None
    for element in map(J.element, node):
        codes, n = element
        p_a = np.bincount(codes, weights=J.probs, minlength=n)
        at, n_at = J.with_target(element)
        p_at = np.bincount(at, weights=J.probs, minlength=n_at)
        w = J.probs * (np.log(p_at[at]) - np.log(p_a[codes]) - log_p_t[J.t])
        specific = np.bincount(J.t, weights=w, minlength=J.m_t)  # p(t) I(T=t; A) per t
        smallest = specific if smallest is None else np.minimum(smallest, specific)
    return float(smallest.sum()), 0.0


def _mmi_nats(J: _Joint, node) -> tuple[float, float]:
    return min(J.mutual_information(A) for A in node), 0.0


def _broja_nats(J: _Joint, node, tol_nats: float) -> tuple[float, float]:
    elements = [J.element(A) for A in node]
    (a1, n1), (a2, n2) = elements
    if n1 * n2 * J.m_t > _MAX_CELLS or (n1 - 1) * (n2 - 1) * J.m_t * n1 * n2 > MAX_BROJA_UNKNOWNS:
        raise ValueError(
            f"BROJA on sources with {n1} and {n2} values and a target with {J.m_t} values is too large "
            f"for the dense solver (limits: {_MAX_CELLS} cells, {MAX_BROJA_UNKNOWNS} unknowns x pairs)"
        )
    P1, P2 = J.dense(elements[0]), J.dense(elements[1])
    f, gap, _ = broja_minimum(P1, P2, tol=tol_nats)
    if gap > tol_nats:
        warnings.warn(
            f"BROJA stopped with a certified optimality gap of {gap:.3g} nats, "
            f"above tol = {tol_nats:.3g} nats",
            RuntimeWarning,
            stacklevel=4,
        )
    # SI = I(S1; T) - UI(S1 \\ S2), UI(S1 \\ S2) = min_Q I_Q(S1; T | S2) = H(T | S2) + f*
    H_t_given_2 = J.entropy(*J.with_target(elements[1])) - J.entropy(a2, n2)
    return J.mutual_information(node[0]) - H_t_given_2 - f, gap


def _ccs_nats(J: _Joint, node, tol: float) -> tuple[float, float]:
    elements = [J.element(A) for A in node]
    k = len(elements)
    m_t = J.m_t
    # the source cells u = joint outcome of all elements, and each element's code at every u
    u, n_u = _compress([c for c, _ in elements], [n for _, n in elements])
    p_u = np.bincount(u, weights=J.probs, minlength=n_u)
    code_at_u = []
    for codes, _ in elements:
        at_u = np.empty(n_u, dtype=np.int64)
        at_u[u] = codes
        code_at_u.append(at_u)
    tables = [J.dense(e) for e in elements]  # p(a_j, t)
    if n_u * m_t > _MAX_CELLS:
        raise ValueError(
            f"I_ccs needs the maximum-entropy joint on up to {n_u * m_t} cells (limit {_MAX_CELLS})"
        )
    # candidate cells (u, t): every p(a_j, t) > 0 there (the maximum-entropy joint vanishes elsewhere)
    candidate = np.ones((n_u, m_t), dtype=bool)
    for at_u, table in zip(code_at_u, tables):
        candidate &= table[at_u] > 0
    cu, ct = np.nonzero(candidate)
    constraints = [(cu, n_u, p_u)]
    for at_u, table, (_, n) in zip(code_at_u, tables, elements):
        constraints.append((at_u[cu] * m_t + ct, n * m_t, table.ravel()))
    q, deviation, _ = fit_marginals(constraints, cu.size, tol=tol)
    if deviation > tol:
        warnings.warn(
            f"I_ccs: iterative proportional fitting stopped with a marginal error of {deviation:.3g} "
            f"(relative), above tol = {tol:.3g}",
            RuntimeWarning,
            stacklevel=4,
        )
    positive = q > 0  # the cells forced to 0 by the marginals are dropped (0 log 0 = 0)
    cu, ct, q = cu[positive], ct[positive], q[positive]
    # pointwise co-information of (a_1, ..., a_k, t) under q: the sum over the non-empty subsets S of
    # (-1)^|S| log q(x_S)
    variables = [(at_u[cu], n) for at_u, (_, n) in zip(code_at_u, elements)] + [(ct, m_t)]
    log_marginal = {}
    for r in range(1, k + 2):
        for S in itertools.combinations(range(k + 1), r):
            key, n_key = _compress([variables[i][0] for i in S], [variables[i][1] for i in S])
            log_marginal[S] = np.log(np.bincount(key, weights=q, minlength=n_key))[key]
    coinfo = sum((-1) ** len(S) * log_S for S, log_S in log_marginal.items())
    target = (k,)

    def snapped_sign(v):
        return np.sign(np.where(np.abs(v) <= _SIGN_ATOL, 0.0, v))

    sign_c = snapped_sign(coinfo)
    joint_pmi = log_marginal[tuple(range(k + 1))] - log_marginal[tuple(range(k))] - log_marginal[target]
    agree = sign_c == snapped_sign(joint_pmi)
    for j in range(k):
        pmi_j = log_marginal[(j, k)] - log_marginal[(j,)] - log_marginal[target]
        agree &= sign_c == snapped_sign(pmi_j)
    # the fit is exact to a relative error tol per marginal: about that much per log term
    return float(np.dot(q[agree], coinfo[agree])), 2 ** (k + 1) * max(deviation, 1e-16)


# --------------------------------------------------------------------------------------------------
# public redundancy functions
# --------------------------------------------------------------------------------------------------


def _redundancy(p, sources, target, base, measure_nats, *, max_sources=None):
    pmf = _as_pmf(p)
    groups, t = _check_sources(pmf, sources, target, max_sources=max_sources, disjoint=False)
    log_base = math.log(check_base(base))
    J = _Joint(pmf, groups, t)
    value, error = measure_nats(J, tuple((i,) for i in range(len(groups))))
    scale = max(1.0, J.H_t)
    if abs(value) <= _SNAP_RTOL * scale + error:
        return 0.0
    return value / log_base


def i_min(p, sources, target, *, base=2) -> float:
    """Williams–Beer redundancy :math:`I_{\\min}`: the expected least specific information about the target.

    .. math::

        I_{\\min}(T; A_1, \\dots, A_k) = \\sum_t p(t) \\min_i I(T = t; A_i), \\qquad
        I(T = t; A) = \\sum_a p(a \\mid t) \\log \\frac{p(t \\mid a)}{p(t)}

    The specific information :math:`I(T = t; A) = D(p(a \\mid t) \\,\\|\\, p(a)) \\ge 0`, so
    :math:`I_{\\min} \\ge 0`, and its PID atoms are non-negative for 2 and 3 sources (Williams & Beer
    2010). Known flaw: it counts the same *amount* of information as redundant even when the sources
    carry different information (COPY below: 1 bit "redundant" although the two bits are independent).

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    sources : sequence of int or tuple of int
        At least 2 sources :math:`A_i`, each an axis or a tuple of axes (they may overlap, as the
        sets of an antichain do).
    target : int or tuple of int
        Axes of :math:`T`, disjoint from every source.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.

    Returns
    -------
    float
        :math:`I_{\\min}` in bits (units of ``log base``), >= 0.

    Examples
    --------
    Two fair independent bits and T = XOR, AND, a copy of S1 (UNQ) or of both (COPY); RDN: S1 = S2 = T.

    >>> from infotheory.examples import xor
    >>> def gate(table):  # S1, S2 fair independent bits, T = table[S1][S2]
    ...     p = np.zeros((2, 2, 1 + max(map(max, table))))
    ...     for s1, s2 in np.ndindex(2, 2):
    ...         p[s1, s2, table[s1][s2]] = 0.25
    ...     return p
    >>> AND, UNQ, COPY = gate([[0, 0], [0, 1]]), gate([[0, 0], [1, 1]]), gate([[0, 1], [2, 3]])
    >>> RDN = np.zeros((2, 2, 2)); RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5
    >>> [round(i_min(p, [0, 1], 2), 3) for p in (xor(), AND, RDN, UNQ, COPY)]
    [0.0, 0.311, 1.0, 0.0, 1.0]
    """
    return _redundancy(p, sources, target, base, _imin_nats)


def i_mmi(p, sources, target, *, base=2) -> float:
    """Minimum-mutual-information redundancy: the least any one source tells about the target.

    .. math::

        I_{\\mathrm{mmi}}(T; A_1, \\dots, A_k) = \\min_i I(A_i; T)

    With 2 sources its atoms are non-negative: :math:`R = \\min(I_1, I_2)`, one unique atom is 0 and
    :math:`S = I(A_1, A_2; T) - \\max(I_1, I_2) \\ge 0`. With 3 sources they are non-negative too (Williams &
    Beer's argument for :math:`I_{\\min}` applies, as :math:`I(A; T)` grows with :math:`A`). On jointly
    Gaussian variables with a univariate target the BROJA and :math:`I_{\\min}` redundancies reduce to it
    (Barrett 2015).

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    sources : sequence of int or tuple of int
        At least 2 sources, each an axis or a tuple of axes.
    target : int or tuple of int
        Axes of :math:`T`, disjoint from every source.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.

    Returns
    -------
    float
        :math:`I_{\\mathrm{mmi}}` in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> from infotheory.examples import xor
    >>> def gate(table):  # S1, S2 fair independent bits, T = table[S1][S2]
    ...     p = np.zeros((2, 2, 1 + max(map(max, table))))
    ...     for s1, s2 in np.ndindex(2, 2):
    ...         p[s1, s2, table[s1][s2]] = 0.25
    ...     return p
    >>> AND, UNQ, COPY = gate([[0, 0], [0, 1]]), gate([[0, 0], [1, 1]]), gate([[0, 1], [2, 3]])
    >>> RDN = np.zeros((2, 2, 2)); RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5
    >>> [round(i_mmi(p, [0, 1], 2), 3) for p in (xor(), AND, RDN, UNQ, COPY)]
    [0.0, 0.311, 1.0, 0.0, 1.0]
    """
    return _redundancy(p, sources, target, base, _mmi_nats)


def i_broja(p, sources, target, *, base=2, tol=DEFAULT_TOL) -> float:
    """BROJA shared information of two sources: the co-information of the least synergistic joint.

    .. math::

        SI(T; A_1, A_2) = \\max_{Q \\in \\Delta_P} CoI_Q(T; A_1; A_2)
                        = I(A_1; T) - \\min_{Q \\in \\Delta_P} I_Q(A_1; T \\mid A_2),

    :math:`\\Delta_P = \\{Q : Q(a_1, t) = p(a_1, t),\\ Q(a_2, t) = p(a_2, t)\\}` (Bertschinger, Rauh,
    Olbrich, Jost & Ay 2014). The unique information :math:`UI(A_1 \\setminus A_2) = \\min_Q
    I_Q(A_1; T \\mid A_2)` depends only on the two source–target marginals; all four atoms are
    non-negative. The convex problem (minimise :math:`-H_Q(T \\mid A_1, A_2)` over :math:`\\Delta_P`)
    is solved by a barrier method with a dual certificate (see ``infotheory._broja``): the returned
    value is within ``tol`` of the exact optimum, from below (a ``RuntimeWarning`` says so if the
    certificate cannot reach ``tol``).

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    sources : sequence of two int or tuple of int
        The sources :math:`A_1, A_2`, each an axis or a tuple of axes.
    target : int or tuple of int
        Axes of :math:`T`, disjoint from the sources.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.
    tol : float
        Certified bound on the optimisation error, in units of ``log base`` (bits by default).

    Returns
    -------
    float
        :math:`SI` in bits (units of ``log base``), >= 0 (up to ``tol``).

    Examples
    --------
    >>> from infotheory.examples import xor
    >>> def gate(table):  # S1, S2 fair independent bits, T = table[S1][S2]
    ...     p = np.zeros((2, 2, 1 + max(map(max, table))))
    ...     for s1, s2 in np.ndindex(2, 2):
    ...         p[s1, s2, table[s1][s2]] = 0.25
    ...     return p
    >>> AND, UNQ, COPY = gate([[0, 0], [0, 1]]), gate([[0, 0], [1, 1]]), gate([[0, 1], [2, 3]])
    >>> RDN = np.zeros((2, 2, 2)); RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5
    >>> [round(i_broja(p, [0, 1], 2), 3) for p in (xor(), AND, RDN, UNQ, COPY)]
    [0.0, 0.311, 1.0, 0.0, 0.0]
    """
    log_base = math.log(check_base(base))
    tol_nats = _check_tol(tol) * log_base
    measure = functools.partial(_broja_nats, tol_nats=tol_nats)
    return _redundancy(p, sources, target, base, measure, max_sources=2)


def i_ccs(p, sources, target, *, base=2, tol=DEFAULT_TOL) -> float:
    """Ince's :math:`I_{ccs}`: the expected pointwise co-information over the events where the sources agree.

    .. math::

        I_{ccs}(T; A_1, \\dots, A_k) = \\sum_{a_1, \\dots, a_k, t} \\hat p(a_1, \\dots, a_k, t)\\,
            c(a_1; \\dots; a_k; t)\\, [\\operatorname{sgn} c = \\operatorname{sgn} i(a_j; t)\\ \\forall j
            = \\operatorname{sgn} i(a_1 \\dots a_k; t)],

    with the pointwise co-information :math:`c = \\sum_{\\emptyset \\ne S} (-1)^{|S|} \\log \\hat p(x_S)`
    over the subsets :math:`S` of :math:`(a_1, \\dots, a_k, t)` (for one source
    :math:`c = i(a; t) = \\log \\frac{p(a, t)}{p(a) p(t)}`; for two,
    :math:`c = i(a_1; t) - i(a_1; t \\mid a_2)`, positive for redundancy) and :math:`\\hat p` the
    maximum-entropy joint with the marginals :math:`p(a_1, \\dots, a_k)` and :math:`p(a_j, t)` (Ince
    2017; as in dit). :math:`\\hat p` is fitted by iterative proportional fitting until every marginal
    is within a relative error ``tol``. Pointwise values within 1e-8 bits of 0 count as 0 in the sign test.

    Unlike the other measures, :math:`I_{ccs}` and its atoms **can be negative** (misinformation):
    the sign test keeps negative pointwise co-information where all pointwise terms are negative.

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    sources : sequence of int or tuple of int
        At least 2 sources, each an axis or a tuple of axes (they may overlap).
    target : int or tuple of int
        Axes of :math:`T`, disjoint from every source.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.
    tol : float
        Relative tolerance of the fitted marginals of :math:`\\hat p`.

    Returns
    -------
    float
        :math:`I_{ccs}` in bits (units of ``log base``); any sign.

    Examples
    --------
    >>> from infotheory.examples import xor
    >>> def gate(table):  # S1, S2 fair independent bits, T = table[S1][S2]
    ...     p = np.zeros((2, 2, 1 + max(map(max, table))))
    ...     for s1, s2 in np.ndindex(2, 2):
    ...         p[s1, s2, table[s1][s2]] = 0.25
    ...     return p
    >>> AND, UNQ, COPY = gate([[0, 0], [0, 1]]), gate([[0, 0], [1, 1]]), gate([[0, 1], [2, 3]])
    >>> RDN = np.zeros((2, 2, 2)); RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5
    >>> [round(i_ccs(p, [0, 1], 2), 3) for p in (xor(), AND, RDN, UNQ, COPY)]
    [0.0, 0.104, 1.0, 0.0, 0.0]
    """
    tol = _check_tol(tol)
    return _redundancy(p, sources, target, base, functools.partial(_ccs_nats, tol=tol))


# --------------------------------------------------------------------------------------------------
# the decomposition
# --------------------------------------------------------------------------------------------------


def pid(p, sources, target, *, measure="imin", labels=None, base=2, tol=DEFAULT_TOL) -> list[dict]:
    """Partial information decomposition of :math:`I(S_1, \\dots, S_n; T)` (2 or 3 sources) as a tidy table.

    .. math::

        \\pi(\\alpha) = I_\\cap(\\alpha) - \\sum_{\\beta \\prec \\alpha} \\pi(\\beta), \\qquad
        \\sum_\\alpha \\pi(\\alpha) = I(S_1, \\dots, S_n; T)

    over the antichains :math:`\\alpha` of the redundancy lattice (see the module docstring), with
    :math:`I_\\cap(\\{A\\}) = I(A; T)` for a single set of sources and the chosen redundancy measure
    for the others. Every partial sum of atoms below a node :math:`\\{A\\}` is :math:`I(A; T)`: for two
    sources :math:`I(S_1; T) = R + U_1`, :math:`I(S_2; T) = R + U_2`, :math:`I(S_1, S_2; T) = R + U_1
    + U_2 + S`, hence :math:`R - S = I(S_1; S_2; T)`, the co-information (-1 bit on XOR: a PID splits
    it into the redundancy and the synergy it nets out). Signs: the atoms of ``"imin"``, ``"mmi"`` and
    ``"broja"`` are >= 0; those of ``"ccs"`` can be negative.

    Parameters
    ----------
    p : array_like or SparsePMF
        Joint pmf, one axis per variable.
    sources : sequence of 2 or 3 int or tuple of int
        The sources, each an axis or a tuple of axes; disjoint from each other and from the target.
    target : int or tuple of int
        Axes of :math:`T`.
    measure : {"imin", "mmi", "broja", "ccs"}
        The redundancy measure (:func:`i_min`, :func:`i_mmi`, :func:`i_broja` (2 sources only),
        :func:`i_ccs`).
    labels : sequence of str, optional
        Names of the sources in the antichain labels; default ``"1"``, ``"2"``, ``"3"``.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits.
    tol : float
        Tolerance of the iterative measures (see :func:`i_broja` and :func:`i_ccs`); ignored by the
        exact ones. Atoms within the solver's accuracy of 0 are reported as 0.

    Returns
    -------
    list of dict
        One record per antichain, bottom (redundancy) first and top (synergy) last, every node after
        the nodes below it; ``pandas.DataFrame(records)`` makes it a table. Keys:

        * ``"antichain"``: label such as ``"{1}{2}"`` or ``"{12}"`` (``"{a}{c}"`` with ``labels``);
        * ``"kind"``: ``"redundancy"``, ``"unique"``, ``"synergy"`` or (3 sources) ``"mixed"``;
        * ``"value"``: the atom :math:`\\pi(\\alpha)` in bits (units of ``log base``);
        * ``"redundancy"``: :math:`I_\\cap(\\alpha)`, the sum of the atoms at and below the node;
        * ``"measure"``: the measure name;
        * ``"elements"``: the antichain as a tuple of tuples of 0-based source positions.

    Raises
    ------
    ValueError
        For fewer than 2 or more than 3 sources, a target axis among the sources, an unknown measure,
        BROJA with 3 sources, bad labels or tolerance.

    Examples
    --------
    >>> from infotheory.examples import xor
    >>> def show(records):
    ...     for r in records:
    ...         print(f"{r['antichain']:>6}  {r['kind']:<10} {r['value']:.3f}")
    >>> show(pid(xor(), [0, 1], 2))  # XOR: 1 bit of pure synergy
    {1}{2}  redundancy 0.000
       {1}  unique     0.000
       {2}  unique     0.000
      {12}  synergy    1.000
    >>> AND = np.zeros((2, 2, 2)); AND[0, 0, 0] = AND[0, 1, 0] = AND[1, 0, 0] = AND[1, 1, 1] = 0.25
    >>> show(pid(AND, [0, 1], 2))  # I_min on AND: 0.311 bits redundant, 0.5 synergistic
    {1}{2}  redundancy 0.311
       {1}  unique     0.000
       {2}  unique     0.000
      {12}  synergy    0.500
    >>> RDN = np.zeros((2, 2, 2)); RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5  # S1 = S2 = T
    >>> [round(r["value"], 3) for r in pid(RDN, [0, 1], 2, measure="broja")]
    [1.0, 0.0, 0.0, 0.0]
    >>> UNQ = np.zeros((2, 2, 2))  # T = S1, S2 an independent bit
    >>> UNQ[0, 0, 0] = UNQ[0, 1, 0] = UNQ[1, 0, 1] = UNQ[1, 1, 1] = 0.25
    >>> [round(r["value"], 3) for r in pid(UNQ, [0, 1], 2, measure="ccs", labels=("a", "b"))]
    [0.0, 1.0, 0.0, 0.0]
    >>> COPY = np.zeros((2, 2, 4))  # T = (S1, S2): I_min and MMI call 1 bit redundant, BROJA and I_ccs none
    >>> COPY[0, 0, 0] = COPY[0, 1, 1] = COPY[1, 0, 2] = COPY[1, 1, 3] = 0.25
    >>> {m: [round(r["value"], 3) for r in pid(COPY, [0, 1], 2, measure=m)] for m in PID_MEASURES}
    {'imin': [1.0, 0.0, 0.0, 1.0], 'mmi': [1.0, 0.0, 0.0, 1.0],
     'broja': [0.0, 1.0, 1.0, 0.0], 'ccs': [0.0, 1.0, 1.0, 0.0]}
    """
    if measure not in PID_MEASURES:
        raise ValueError(f"measure must be one of {PID_MEASURES}, got {measure!r}")
    pmf = _as_pmf(p)
    groups, t = _check_sources(pmf, sources, target, max_sources=3)
    n = len(groups)
    if measure == "broja" and n != 2:
        raise ValueError(f"measure 'broja' is defined for 2 sources, got {n}: {list(sources)!r}")
    labels = _check_labels(labels, n)
    log_base = math.log(check_base(base))
    tol = _check_tol(tol)
    measure_nats = {
        "imin": _imin_nats,
        "mmi": _mmi_nats,
        "broja": functools.partial(_broja_nats, tol_nats=tol * log_base),
        "ccs": functools.partial(_ccs_nats, tol=tol),
    }[measure]

    J = _Joint(pmf, groups, t)
    redundancy: dict = {}
    error = 0.0  # nats: the solver's accuracy, summed over the nodes it served
    for node in antichains(n):
        if len(node) == 1:
            redundancy[node] = J.mutual_information(node[0])
        else:
            redundancy[node], node_error = measure_nats(J, node)
            error += node_error
    atoms = mobius_inversion(redundancy, n)
    # snap float noise (and solver error) around 0 to exactly 0; a real negative atom is kept
    snap = _SNAP_RTOL * max(1.0, J.H_t) + error

    def unit(v):
        return 0.0 if abs(v) <= snap else v / log_base

    return [
        {
            "antichain": node_label(node, labels),
            "kind": node_kind(node, n),
            "value": unit(atoms[node]),
            "redundancy": unit(redundancy[node]),
            "measure": measure,
            "elements": node,
        }
        for node in antichains(n)
    ]
