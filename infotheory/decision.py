"""Exact decision theory on a (query, candidate) table: argmax rules, their accuracy and information.

A zero-shot rule sees a *query* (e.g. the modalities ``a`` and ``c``) and picks the *candidate* (a value of
``b``) with the highest score. Everything here is exact, computed from the joint pmf: no sampling.

* ``P`` is a ``(Q, B)`` array, the joint pmf of (query, candidate) with the query flattened into rows;
  :func:`query_table` builds it from a joint pmf with one axis per variable.
* ``scores`` is a ``(Q, B)`` array of scores (``-inf`` allowed, NaN refused); higher is better.
* **Tie rule**: candidates whose score is within ``tie_atol`` (absolute, in the unit of the scores; default
  :data:`TIE_ATOL` = 1e-9) of the row's best score tie, and a tie is broken uniformly at random. Every
  accuracy and information below is the exact expectation over that coin.

Information is in bits by default (``base=`` keyword-only); accuracies are fractions in [0, 1].
The optimal scores of the two contrastive objectives are :func:`symile_optimal_scores` (pointwise total
correlation plus the log prior, i.e. the Bayes rule) and :func:`pairwise_optimal_scores` (the sum of the
pairwise PMIs plus the log prior, the best a CLIP-style additive score can do with pairwise critics).
:func:`sufficiency_summary` measures a *learned* rule from its precomputed statistic and scores: the share
of :math:`I(B; Q)` its statistic keeps, its argmax keeps, and its predictive softmax turns into log-loss.
"""

from __future__ import annotations

import itertools
import math
import numbers

import numpy as np

from infotheory._validation import check_base, check_tolerance, normalize_axes, normalize_groups, validate_pmf
from infotheory.measures import conditional, marginal, mutual_information
from infotheory.pointwise import pointwise_mutual_information, pointwise_total_correlation

__all__ = [
    "TIE_ATOL",
    "query_table",
    "bayes_accuracy",
    "choice_probabilities",
    "rule_accuracy",
    "statistic_information",
    "decision_information",
    "expected_kl",
    "symile_optimal_scores",
    "pairwise_optimal_scores",
    "partition_rows",
    "score_partition",
    "minimal_sufficient_partition",
    "same_partition",
    "sufficiency_summary",
]

#: Scores within this absolute distance of the best one tie; ties are broken uniformly at random.
TIE_ATOL = 1e-9


# --------------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------------


def _check_table(P, name: str = "P") -> np.ndarray:
    P = validate_pmf(P, name=name)
    if P.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (query, candidate) pmf, got shape {P.shape}")
    return P


def _check_scores(scores, name: str = "scores", shape=None) -> np.ndarray:
    arr = np.asarray(scores)
    real = np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    if arr.dtype == np.bool_ or not real:
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(
            f"{name} must be a 2-D (query, candidate) array with >= 1 candidate, got shape {arr.shape}"
        )
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have the shape of P {shape}, got shape {arr.shape}")
    if np.isnan(arr).any():
        row = int(np.argwhere(np.isnan(arr))[0, 0])
        raise ValueError(f"{name} contains NaN (first in row {row}); scores must be numbers or -inf")
    return arr


def _check_tol(value, name: str) -> float:
    return check_tolerance(value, name)  # the one tolerance rule: finite, >= 0


def _variables(spec, n_vars: int, name: str) -> tuple[tuple[int, ...], ...]:
    """A query or candidate spec as a tuple of variables (axis tuples): an int is one variable."""
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        return (normalize_axes(spec, n_vars, name=name, allow_empty=False),)
    return normalize_groups(spec, n_vars, name=name)


def _query_and_candidate(p, query, candidate):
    p = validate_pmf(p)
    qs = _variables(query, p.ndim, "query")
    b = normalize_axes(candidate, p.ndim, name="candidate", allow_empty=False)
    axes = list(itertools.chain(*qs, b))
    if len(set(axes)) != len(axes):
        dup = next(a for a in axes if axes.count(a) > 1)
        raise ValueError(f"axis {dup} appears twice in query={query!r} and candidate={candidate!r}")
    return p, qs, b


# --------------------------------------------------------------------------------------------------
# the (query, candidate) table and the argmax rule
# --------------------------------------------------------------------------------------------------


def query_table(p, query, candidate) -> np.ndarray:
    """The joint pmf of (query, candidate) as a ``(Q, B)`` table, the query flattened into rows.

    .. math:: P(q, b) = p(x_{q_1}, \\dots, x_{q_k}, x_b), \\qquad q = \\text{ravel}(x_{q_1}, \\dots, x_{q_k})

    Rows enumerate the query values in C order (the first query axis most significant: for
    ``query=(0, 2)`` on a pmf of shape ``(A, B, C)`` the row of ``(a, c)`` is ``a * C + c``), columns
    the candidate values likewise. Axes in neither are summed out.

    Parameters
    ----------
    p : array_like
        Dense joint pmf, one axis per variable.
    query : int or sequence of (int or tuple of int)
        The query variables (each an axis or a tuple of axes).
    candidate : int or tuple of int
        Axes of the candidate variable (disjoint from the query).

    Returns
    -------
    numpy.ndarray
        ``(Q, B)`` probabilities (unitless) summing to 1.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> query_table(xor, (0, 2), 1).tolist()  # rows (x, z) = 00, 01, 10, 11; columns y
    [[0.25, 0.0], [0.0, 0.25], [0.0, 0.25], [0.25, 0.0]]
    """
    p, qs, b = _query_and_candidate(p, query, candidate)
    q_axes = tuple(itertools.chain(*qs))
    J = marginal(p, q_axes + b)
    n_rows = math.prod(p.shape[a] for a in q_axes)
    return np.ascontiguousarray(J).reshape(n_rows, -1)


def bayes_accuracy(P) -> float:
    """Exact accuracy of the Bayes rule (the most probable candidate of each query).

    .. math:: \\mathrm{acc}_\\text{Bayes} = \\sum_q \\max_b P(q, b)

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).

    Returns
    -------
    float
        The accuracy, a fraction in [0, 1].

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> bayes_accuracy(query_table(xor, (0, 2), 1)), bayes_accuracy(query_table(xor, 0, 1))
    (1.0, 0.5)
    """
    P = _check_table(P)
    return float(P.max(axis=1).sum())


def choice_probabilities(scores, *, tie_atol=TIE_ATOL) -> np.ndarray:
    """Probabilities of each candidate under the argmax rule with uniform tie-breaking.

    .. math:: \\pi(j \\mid q) = \\frac{[s_{qj} \\ge \\max_k s_{qk} - \\text{tie\\_atol}]}
              {\\#\\{k : s_{qk} \\ge \\max_{k'} s_{qk'} - \\text{tie\\_atol}\\}}

    A row that is entirely ``-inf`` ties everywhere.

    Parameters
    ----------
    scores : array_like, shape (Q, B)
        Scores of ``B`` candidates for ``Q`` queries (``-inf`` allowed, NaN refused).
    tie_atol : float
        Absolute tie tolerance, in the unit of the scores.

    Returns
    -------
    numpy.ndarray
        ``(Q, B)`` probabilities (unitless); each row sums to 1.

    Examples
    --------
    >>> choice_probabilities(np.array([[0.0, 1.0, 1.0], [2.0, 0.0, -np.inf]])).tolist()
    [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
    """
    S = _check_scores(scores)
    tie_atol = _check_tol(tie_atol, "tie_atol")
    best = S.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):  # -inf - -inf in all -inf rows: those rows tie everywhere
        tied = (S >= best - tie_atol) | np.isneginf(best)
    return tied / tied.sum(axis=1, keepdims=True)


def rule_accuracy(P, scores, *, tie_atol=TIE_ATOL) -> float:
    """Exact accuracy of the argmax rule on ``scores`` (uniform tie-breaking).

    .. math:: \\mathrm{acc} = \\sum_q \\sum_b P(q, b)\\, \\pi(b \\mid q)

    with :math:`\\pi` the :func:`choice_probabilities` of the scores.

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).
    scores : array_like, shape (Q, B)
        The rule's scores.
    tie_atol : float
        Absolute tie tolerance, in the unit of the scores.

    Returns
    -------
    float
        The accuracy, a fraction in [0, 1].

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> P = query_table(xor, (0, 2), 1)
    >>> rule_accuracy(P, symile_optimal_scores(xor, (0, 2), 1)), rule_accuracy(P, np.zeros((4, 2)))
    (1.0, 0.5)
    """
    P = _check_table(P)
    pi = choice_probabilities(_check_scores(scores, shape=P.shape), tie_atol=tie_atol)
    return float((P * pi).sum())


def statistic_information(P, labels, *, base=2) -> float:
    """Exact information :math:`I(B; T)` that a deterministic statistic ``T`` of the query keeps.

    .. math:: p(b, T = g) = \\sum_{q : \\text{labels}[q] = g} P(q, b), \\qquad
              I(B; T) = \\sum_{b, g} p(b, g) \\log \\frac{p(b, g)}{p(b)\\, p(g)}

    ``labels = np.arange(Q)`` (the query itself) gives :math:`I(B; Q)`, and :math:`I(B; T) \\le I(B; Q)`
    with equality iff ``T`` is sufficient.

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).
    labels : array_like, shape (Q,)
        The group (any sortable label) of each query.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        :math:`I(B; T)` in bits (units of ``log base``), >= 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> P = query_table(xor, (0, 2), 1)  # rows (x, z) = 00, 01, 10, 11
    >>> statistic_information(P, [0, 1, 1, 0]), statistic_information(P, [0, 0, 1, 1])  # x xor z; x
    (1.0, 0.0)
    """
    P = _check_table(P)
    labels = np.asarray(labels)
    if labels.shape != (P.shape[0],):
        raise ValueError(f"labels must have shape ({P.shape[0]},), one per query, got shape {labels.shape}")
    _, inverse = np.unique(labels, return_inverse=True)
    G = np.zeros((int(inverse.max()) + 1, P.shape[1]))  # (groups, B)
    np.add.at(G, inverse.ravel(), P)
    return mutual_information(G, 0, 1, base=base)


def decision_information(P, scores, *, tie_atol=TIE_ATOL, base=2) -> float:
    """Exact information :math:`I(B; \\hat B)` between the candidate and the argmax rule's choice.

    .. math:: p(b, \\hat b = j) = \\sum_q P(q, b)\\, \\pi(j \\mid q)

    with :math:`\\pi` the :func:`choice_probabilities` of the scores (the tie coin counts as noise).

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).
    scores : array_like, shape (Q, B)
        The rule's scores.
    tie_atol : float
        Absolute tie tolerance, in the unit of the scores.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        :math:`I(B; \\hat B)` in bits (units of ``log base``), >= 0, at most :math:`I(B; Q)`.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> P = query_table(xor, (0, 2), 1)
    >>> decision_information(P, symile_optimal_scores(xor, (0, 2), 1))
    1.0
    >>> decision_information(P, pairwise_optimal_scores(xor, (0, 2), 1))  # every candidate ties
    0.0
    """
    P = _check_table(P)
    pi = choice_probabilities(_check_scores(scores, shape=P.shape), tie_atol=tie_atol)
    return mutual_information(P.T @ pi, 0, 1, base=base)


def expected_kl(P, logits, *, base=2) -> float:
    """Exact expected KL divergence from the true posterior to a model's softmax posterior.

    .. math::

        \\mathbb{E}_q\\, \\mathrm{KL}\\big(p(b \\mid q) \\,\\|\\, \\mathrm{softmax}_b(\\ell_{q\\cdot})\\big)
            = \\sum_{q, b:\\, P(q, b) > 0} P(q, b)
              \\log \\frac{p(b \\mid q)}{\\mathrm{softmax}_b(\\ell_{q\\cdot})}

    Queries of probability 0 do not count. The logits are natural-log scores (the softmax's input:
    ``softmax(l)_b = e^{l_b} / sum_k e^{l_k}``); only the result is converted to ``base``.

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).
    logits : array_like, shape (Q, B)
        The model's logits (``-inf`` allowed: probability 0).
    base : float
        Logarithm base of the result, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    float
        The expected KL divergence in bits (units of ``log base``), >= 0; ``inf`` when the model gives
        probability 0 to a candidate of positive probability.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> P = query_table(xor, (0, 2), 1)
    >>> expected_kl(P, np.zeros((4, 2)))  # a uniform model loses the whole bit I(Y; X, Z)
    1.0
    """
    P = _check_table(P)
    L = _check_scores(logits, name="logits", shape=P.shape)
    log_base = math.log(check_base(base))
    if np.isposinf(L).any():
        raise ValueError("logits must be finite or -inf, got +inf")
    top = L.max(axis=1, keepdims=True)
    finite_top = np.where(np.isneginf(top), 0.0, top)  # all -inf rows: the model has no posterior there
    log_norm = finite_top + np.log(np.exp(L - finite_top).sum(axis=1, keepdims=True))  # log-sum-exp
    support = P > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_model = (L - log_norm)[support]  # log softmax on the support (-inf where the model says 0)
    if not np.isfinite(log_model).all():
        return math.inf  # the model gives probability 0 to an outcome of positive probability
    p_q = np.broadcast_to(P.sum(axis=1, keepdims=True), P.shape)[support]
    p_qb = P[support]
    # log p(b | q) - log model(b | q), on the support only: 0 log 0 = 0 and no log 0 is taken
    kl = float(np.einsum("i,i->", p_qb, np.log(p_qb) - np.log(p_q) - log_model))
    return 0.0 if abs(kl) <= 1e-12 else kl / log_base  # rounding noise of a perfect model


# --------------------------------------------------------------------------------------------------
# the optimal scores of the two contrastive objectives
# --------------------------------------------------------------------------------------------------


def _log_prior(p, b: tuple[int, ...], log_base: float) -> np.ndarray:
    with np.errstate(divide="ignore"):  # log 0 = -inf: a candidate of probability 0
        return np.log(np.ravel(marginal(p, b))) / log_base


def symile_optimal_scores(p, query, candidate, *, base=2) -> np.ndarray:
    """Scores of the optimal Symile critic with the log prior: pointwise total correlation + log p(b).

    .. math:: s(q, b) = \\log \\frac{p(x_{q_1}, \\dots, x_{q_k}, b)}{p(x_{q_1}) \\cdots p(x_{q_k})\\, p(b)}
              + \\log p(b) = \\log p(b \\mid q) + \\text{const}(q)

    so its argmax is the Bayes rule.

    Parameters
    ----------
    p : array_like
        Dense joint pmf, one axis per variable.
    query : int or sequence of (int or tuple of int)
        The query variables (each an axis or a tuple of axes); each is one group of the total correlation.
    candidate : int or tuple of int
        Axes of the candidate variable.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    numpy.ndarray
        ``(Q, B)`` scores in bits (units of ``log base``), rows and columns as in :func:`query_table`;
        ``-inf`` where :math:`P(q, b) = 0`.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> symile_optimal_scores(xor, (0, 2), 1).tolist()  # tc = 1 bit, log2 p(y) = -1 bit
    [[0.0, -inf], [-inf, 0.0], [-inf, 0.0], [0.0, -inf]]
    """
    p, qs, b = _query_and_candidate(p, query, candidate)
    log_base = math.log(check_base(base))
    tc = pointwise_total_correlation(p, [*qs, b], base=base)  # axes: query axes, then candidate axes
    n_candidates = math.prod(p.shape[a] for a in b)
    return tc.reshape(-1, n_candidates) + _log_prior(p, b, log_base)[None, :]


def pairwise_optimal_scores(p, query, candidate, *, base=2) -> np.ndarray:
    """Scores of the optimal pairwise (CLIP-style) critics plus the log prior: sum of PMIs + log p(b).

    .. math:: s(q, b) = \\sum_{i < j} \\mathrm{PMI}(v_i, v_j) + \\log p(b)

    over every pair of the variables :math:`v = (x_{q_1}, \\dots, x_{q_k}, b)`. Pairs without ``b`` do
    not change the argmax; they are kept so that the score is the whole pairwise critic.

    Parameters
    ----------
    p : array_like
        Dense joint pmf, one axis per variable.
    query : int or sequence of (int or tuple of int)
        The query variables (each an axis or a tuple of axes).
    candidate : int or tuple of int
        Axes of the candidate variable.
    base : float
        Logarithm base, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    numpy.ndarray
        ``(Q, B)`` scores in bits (units of ``log base``), rows and columns as in :func:`query_table`;
        ``-inf`` where a pair of the outcome has probability 0.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> pairwise_optimal_scores(xor, (0, 2), 1).tolist()  # every PMI is 0 on XOR: only log2 p(y) = -1
    [[-1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0], [-1.0, -1.0]]
    """
    p, qs, b = _query_and_candidate(p, query, candidate)
    log_base = math.log(check_base(base))
    variables = [*qs, b]
    out_axes = tuple(itertools.chain(*variables))
    total = np.zeros(tuple(p.shape[a] for a in out_axes))
    for i, j in itertools.combinations(range(len(variables)), 2):
        pmi = pointwise_mutual_information(p, variables[i], variables[j], base=base)  # axes v_i, then v_j
        keep = set(variables[i]) | set(variables[j])
        # i < j, so the PMI's axes are in the order of out_axes: insert length-1 axes for the others
        total = total + pmi.reshape([p.shape[a] if a in keep else 1 for a in out_axes])
    n_candidates = math.prod(p.shape[a] for a in b)
    return total.reshape(-1, n_candidates) + _log_prior(p, b, log_base)[None, :]


# --------------------------------------------------------------------------------------------------
# partitions of the queries
# --------------------------------------------------------------------------------------------------


def partition_rows(X, *, tol) -> np.ndarray:
    """Single-linkage groups of the rows of ``X``: rows within ``tol`` (max-norm) are chained together.

    .. math:: i \\sim j \\iff \\max_k |X_{ik} - X_{jk}| \\le \\text{tol}

    and then the transitive closure of :math:`\\sim`.

    Parameters
    ----------
    X : array_like, shape (Q, k)
        Finite values, one row per item.
    tol : float
        Merge tolerance (>= 0), in the unit of ``X``.

    Returns
    -------
    numpy.ndarray of int, shape (Q,)
        Group labels 0, 1, ... in order of first appearance.

    Examples
    --------
    >>> partition_rows(np.array([[0.0], [1.0], [0.05], [2.0]]), tol=0.1).tolist()
    [0, 1, 0, 2]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or not np.isfinite(X).all():
        raise ValueError(f"X must be a finite 2-D array (one row per item), got shape {X.shape}")
    tol = _check_tol(tol, "tol")
    n = X.shape[0]
    labels = -np.ones(n, dtype=int)
    next_label = 0
    for i in range(n):  # connected components, depth first
        if labels[i] >= 0:
            continue
        labels[i] = next_label
        frontier = [i]
        while frontier:
            j = frontier.pop()
            close = np.flatnonzero((np.abs(X - X[j]).max(axis=1) <= tol) & (labels < 0))
            labels[close] = next_label
            frontier.extend(close.tolist())
        next_label += 1
    return labels


def score_partition(scores, *, tol) -> np.ndarray:
    """Partition of the queries induced by scores, up to a per-query constant.

    Two queries are merged when their score differences :math:`s(q, b) - s(q, b_0)` (every candidate
    ``b``, :math:`b_0` the first) agree within ``tol`` (max-norm), chained by single linkage
    (:func:`partition_rows`). The differences remove the per-query constant that a contrastive
    optimum leaves free (its optimal critic is the PMI plus any function of the query).

    Parameters
    ----------
    scores : array_like, shape (Q, B)
        Finite scores, rows queries, columns candidates.
    tol : float
        Merge tolerance (>= 0), in the unit of the scores.

    Returns
    -------
    numpy.ndarray of int, shape (Q,)
        Group labels 0, 1, ... in order of first appearance.

    Examples
    --------
    >>> score_partition(np.array([[0.0, 1.0], [5.0, 6.0], [0.0, -1.0]]), tol=1e-9).tolist()
    [0, 0, 1]
    """
    S = _check_scores(scores)
    if not np.isfinite(S).all():
        raise ValueError("scores must be finite to define score differences, got -inf or +inf")
    return partition_rows(S - S[:, :1], tol=tol)


def minimal_sufficient_partition(P, *, atol=1e-12) -> np.ndarray:
    """The minimal sufficient statistic of the query for the candidate: queries with equal posteriors.

    .. math:: T(q) = T(q') \\iff \\max_b |p(b \\mid q) - p(b \\mid q')| \\le \\text{atol}
              \\quad \\text{(single linkage)}

    It keeps all the information, :math:`I(B; T(Q)) = I(B; Q)`, and merging two of its groups loses
    some. Queries of probability 0 have the all-zero posterior (they form one group of their own).

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate).
    atol : float
        Tolerance (>= 0) on posterior probabilities.

    Returns
    -------
    numpy.ndarray of int, shape (Q,)
        Group labels 0, 1, ... in order of first appearance.

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> minimal_sufficient_partition(query_table(xor, (0, 2), 1)).tolist()  # the groups of x xor z
    [0, 1, 1, 0]
    """
    P = _check_table(P)
    return partition_rows(conditional(P, 1, 0), tol=atol)  # rows p(b | q)


def same_partition(u, v) -> bool:
    """Whether two labelings group the same items together (the labels themselves may differ).

    .. math:: u \\equiv v \\iff \\big(u_i = u_j \\Leftrightarrow v_i = v_j\\big) \\text{ for all } i, j

    Parameters
    ----------
    u, v : array_like, shape (Q,)
        Group labels of the same items.

    Returns
    -------
    bool

    Examples
    --------
    >>> same_partition([0, 0, 1], [7, 7, 3]), same_partition([0, 0, 1], [0, 1, 1])
    (True, False)
    """
    u, v = np.asarray(u), np.asarray(v)
    if u.ndim != 1 or u.shape != v.shape:
        raise ValueError(
            f"u and v must be 1-D labelings of the same items, got shapes {u.shape} and {v.shape}"
        )
    return bool(((u[:, None] == u[None, :]) == (v[:, None] == v[None, :])).all())


# --------------------------------------------------------------------------------------------------
# how much of the information a learned rule keeps and uses
# --------------------------------------------------------------------------------------------------


def _check_statistic(statistic, n_queries: int) -> np.ndarray:
    arr = np.asarray(statistic)
    real = np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    if arr.dtype == np.bool_ or not real:
        raise TypeError(f"statistic must hold real numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 1:
        arr = arr[:, None]  # a scalar statistic per query
    if arr.ndim != 2 or arr.shape[0] != n_queries:
        raise ValueError(
            f"statistic must have shape ({n_queries}, k), one row per query of P, got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        bad = float(arr[~np.isfinite(arr)][0])
        raise ValueError(f"statistic must be finite, got {bad}")
    return arr


def _check_log_prior(log_prior, n_candidates: int) -> np.ndarray:
    arr = _check_scores(np.asarray(log_prior)[None, ...], name="log_prior")[0]  # NaN refused, -inf allowed
    if arr.shape != (n_candidates,):
        raise ValueError(
            f"log_prior must have shape ({n_candidates},), one per candidate of P, got shape {arr.shape}"
        )
    if np.isposinf(arr).any():
        raise ValueError("log_prior must be finite or -inf, got +inf")
    return arr


def _check_decimals(decimals) -> int:
    if isinstance(decimals, bool | np.bool_) or not isinstance(decimals, numbers.Integral):
        raise TypeError(f"decimals must be an int >= 0, got {decimals!r}")
    if decimals < 0:
        raise ValueError(f"decimals must be an int >= 0, got {decimals!r}")
    return int(decimals)


def sufficiency_summary(
    P, statistic, scores, *, logit_scale=1.0, log_prior=None, decimals=6, tie_atol=TIE_ATOL, base=2
) -> dict:
    """How much of :math:`I(B; Q)` a learned query statistic keeps, and how much its rule uses.

    A learned zero-shot rule maps each query ``q`` to a statistic :math:`T(q)` (e.g. the product or the
    sum of the query's representations) and scores each candidate ``b`` by ``scores[q, b]`` (a function
    of :math:`T(q)` and ``b``). With :math:`\\hat B` the argmax rule's choice (tie rule of this module) and
    :math:`\\hat p(b \\mid q) = \\mathrm{softmax}_b(\\text{logit\\_scale} \\cdot s_{qb} + \\log \\pi_b)` the
    model's predictive distribution (:math:`\\pi` = ``log_prior``'s distribution), all exact under ``P``:

    .. math::

        \\text{grouping\\_ratio} = \\frac{I(B; T)}{I(B; Q)}, \\qquad
        \\text{argmax\\_ratio} = \\frac{I(B; \\hat B)}{I(B; Q)}, \\qquad
        \\text{usable\\_ratio} = \\frac{I(B; Q) - \\mathbb{E}_q\\,\\mathrm{KL}(p(b \\mid q) \\,\\|\\,
        \\hat p(b \\mid q))}{I(B; Q)}

    :math:`T` groups the queries whose statistics agree to ``decimals`` decimals. The grouping ratio is
    nearly always 1 for a linear encoder (its statistic is almost injective): it shows that no
    information was destroyed, not that it is usable. The argmax ratio is the decision-theoretic
    sufficiency: 1 when the rule's choice keeps all the information (on XOR the Bayes choice
    :math:`a \\oplus c` does), 0 for a rule blind to it. The usable ratio can be negative (a badly
    calibrated model). The ratios are NaN where :math:`I(B; Q) \\le 10^{-12}` (undefined).

    Parameters
    ----------
    P : array_like, shape (Q, B)
        Joint pmf of (query, candidate) (:func:`query_table`).
    statistic : array_like, shape (Q, k) or (Q,)
        The learned statistic of every query (finite).
    scores : array_like, shape (Q, B)
        The rule's score of every candidate for every query, natural-log units (the softmax's input
        before ``logit_scale``); ``-inf`` allowed, NaN refused.
    logit_scale : float
        The positive multiplier of the scores in the predictive softmax (does not change the argmax).
    log_prior : array_like, shape (B,), optional
        Natural log of the prior added in the predictive softmax (``-inf`` allowed); default: the log of
        the candidate marginal of ``P``.
    decimals : int
        Statistics are rounded to this many decimals (>= 0) before equal ones are grouped.
    tie_atol : float
        Absolute tie tolerance of the argmax rule, in the unit of the scores.
    base : float
        Logarithm base of the informations, a finite real > 1: 2 gives bits, ``np.e`` nats.

    Returns
    -------
    dict
        ``n_groups`` (int, the number of distinct statistics), ``I_query`` (:math:`I(B; Q)`),
        ``I_statistic`` (:math:`I(B; T)`), ``I_decision`` (:math:`I(B; \\hat B)`), ``expected_kl``, all
        in bits (units of ``log base``); ``accuracy`` of the argmax rule (a fraction); and the three
        ratios above (unitless).

    Examples
    --------
    >>> xor = np.array([[[.25, 0], [0, .25]], [[0, .25], [.25, 0]]])  # axes X, Y, Z = X xor Y
    >>> P = query_table(xor, (0, 2), 1)  # rows (x, z) = 00, 01, 10, 11
    >>> r = np.array([1.0, -1.0])  # the parity code of one bit: r(0) = +1, r(1) = -1
    >>> T = np.outer(r, r).reshape(4, 1)  # Symile-like statistic r(x) r(z)
    >>> out = sufficiency_summary(P, T, T * r[None, :], logit_scale=10.0)
    >>> out["n_groups"], out["accuracy"], out["grouping_ratio"], out["argmax_ratio"]
    (2, 1.0, 1.0, 1.0)
    >>> T = np.add.outer(r, r).reshape(4, 1)  # CLIP-like statistic r(x) + r(z): blind to the XOR
    >>> out = sufficiency_summary(P, T, T * r[None, :], logit_scale=10.0)
    >>> out["n_groups"], out["accuracy"], out["grouping_ratio"], out["argmax_ratio"]
    (3, 0.5, 1.0, 0.0)
    """
    P = _check_table(P)
    T = _check_statistic(statistic, P.shape[0])
    S = _check_scores(scores, shape=P.shape)
    scale = check_tolerance(logit_scale, "logit_scale", positive=True)
    if log_prior is None:
        with np.errstate(divide="ignore"):  # log 0 = -inf: a candidate of probability 0
            log_pi = np.log(P.sum(axis=0))
    else:
        log_pi = _check_log_prior(log_prior, P.shape[1])
    decimals = _check_decimals(decimals)
    check_base(base)
    _, labels = np.unique(np.round(T, decimals), axis=0, return_inverse=True)
    labels = labels.ravel()
    I_query = statistic_information(P, np.arange(P.shape[0]), base=base)
    kl = expected_kl(P, scale * S + log_pi[None, :], base=base)

    def ratio(x: float) -> float:
        return x / I_query if I_query > 1e-12 else math.nan  # undefined where I(B; Q) = 0

    out = {
        "n_groups": int(labels.max() + 1),
        "I_query": I_query,
        "I_statistic": statistic_information(P, labels, base=base),
        "I_decision": decision_information(P, S, tie_atol=tie_atol, base=base),
        "accuracy": rule_accuracy(P, S, tie_atol=tie_atol),
        "expected_kl": kl,
    }
    out["grouping_ratio"] = ratio(out["I_statistic"])
    out["argmax_ratio"] = ratio(out["I_decision"])
    out["usable_ratio"] = ratio(I_query - kl)
    return out
