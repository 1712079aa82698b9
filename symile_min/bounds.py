r"""Contrastive lower bounds ``log K - loss`` in **bits** (``base=``): caps, held-out estimates, exact critic.

Every anchor's cross-entropy with K candidates gives :math:`\log K - \mathrm{CE}`, an InfoNCE estimate of
a lower bound on the information the objective targets: the total correlation TC(x_1, ..., x_M) for
Symile, the sum of the pairwise mutual informations for CLIP (:func:`bound_from_loss`).

* :func:`bound_cap`, :func:`bound_from_loss`: the cap log K and one loss turned into a bound.
* :func:`bound_estimate`: a trained :class:`~symile_min.SymileModel` on held-out data, mean ± standard
  error over disjoint batches (its objective defaults to the one the model was trained with).
* :func:`exact_critic_bound`: the same estimator with the *optimal* critic of a known joint pmf instead of
  a model (pointwise TC for Symile, pointwise MI for CLIP), on the same batches and, for ``"n"``, the
  same candidates as :func:`~symile_min.symile_loss` draws for the same seed (both use the loss's own
  candidate layout). The gap between the two is what the learned critic loses; the gap between the exact
  critic and the truth is the estimator's own.
* :func:`batch_count`, :func:`summarise_bounds`: the batching and the summary both estimators share.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._checks import METHODS, NEGATIVES, as_int, as_real, check_base, check_choice, check_seed
from .grouped import clip_loss_grouped, symile_loss_grouped
from .losses import _n_candidates, clip_loss, symile_loss
from .model import SymileModel, resolve_objective
from .scores import infonce_from_scores, symile_loss_from_scores

__all__ = [
    "bound_cap",
    "bound_from_loss",
    "bound_estimate",
    "exact_critic_bound",
    "batch_count",
    "summarise_bounds",
]

#: Zero-probability tuples (exact critic score -inf) are scored this many nats below the lowest finite
#: score of their matrix: exp(-1000) underflows to exactly 0 in float64 (below e^-745), so the loss is
#: the one with -inf, without the NaN/inf checks of the score-level losses tripping.
_ZERO_PROB_MARGIN = 1000.0



def bound_cap(n: int, m: int, *, method: str = "symile", negatives: str = "n", base: float = 2) -> float:
    r"""Largest value the contrastive bound can take: log of the number of candidates per positive.

    .. math::

        \text{cap} = \begin{cases} \log N & \text{Symile, "n"} \\ (M-1)\log N & \text{Symile, "n\_squared"}
        \\ \binom{M}{2} \log N & \text{CLIP} \end{cases}

    Parameters
    ----------
    n : int
        Batch size N (>= 1).
    m : int
        Number of modalities M (>= 2).
    method : {"symile", "clip"}
    negatives : {"n", "n_squared"}
        Ignored for CLIP.
    base : float
        Logarithm base, a finite number > 1 (2: bits, e: nats).

    Returns
    -------
    float
        The cap in units of ``base`` (bits by default).

    Examples
    --------
    >>> bound_cap(1024, 3, negatives="n_squared")
    20.0
    """
    check_choice("method", method, METHODS)
    check_choice("negatives", negatives, NEGATIVES)
    n = as_int(n, "n", minimum=1)
    m = as_int(m, "m", minimum=2)
    base = check_base(base)  # finite, > 1
    if method == "clip":
        multiple = m * (m - 1) // 2
    else:
        multiple = m - 1 if negatives == "n_squared" else 1
    return multiple * math.log(n) / math.log(base)


def bound_from_loss(
    loss: float, n: int, m: int, *, method: str = "symile", negatives: str = "n", base: float = 2
) -> float:
    r"""Contrastive lower bound ``cap - loss`` on the information the objective targets.

    .. math::

        \hat I = \log K - \mathcal{L}

    * Symile, ``"n"``: K = N. Each anchor m's cross-entropy contrasts the positive against N-1 tuples
      whose non-anchor part is drawn (up to O(1/N) collisions) from :math:`\prod_{m' \ne m} p(x_{m'})`;
      the InfoNCE argument gives :math:`\log N - \mathrm{CE}_m \le I(x_m; x_{-m}) +
      \mathrm{KL}(p(x_{-m}) \| \prod_{m' \ne m} p(x_{m'})) = \mathrm{TC}(x_1, \dots, x_M)`, so their mean
      (Symile's loss) gives an estimate of a lower bound on TC, capped at log N.
    * Symile, ``"n_squared"``: K = N^(M-1) candidates, the empirical product of the non-anchor marginals;
      :math:`(M-1)\log N - \mathcal{L} \to \mathrm{TC}` for the optimal critic as N grows. The candidates
      are not independent draws, so finite-N validity as a strict bound is not guaranteed (the bias is
      O(e^TC / N)); the cap is (M-1) log N.
    * CLIP: the sum over the M(M-1)/2 pairs of :math:`\log N - \mathrm{symmetric\ InfoNCE}` is a lower
      bound on :math:`\sum_{a<b} I(x_a; x_b)`, capped at M(M-1)/2 log N.

    Parameters
    ----------
    loss : float
        Loss in nats, as returned by :func:`symile_loss` / :func:`clip_loss`.
    n, m, method, negatives, base
        As in :func:`bound_cap`.

    Returns
    -------
    float
        The bound in units of ``base`` (bits by default); never above :func:`bound_cap`.

    Examples
    --------
    >>> bound_from_loss(math.log(1000), 1000, 3)  # chance-level loss -> 0 bits
    0.0
    """
    cap = bound_cap(n, m, method=method, negatives=negatives, base=math.e)
    base = check_base(base)
    loss = _as_loss(loss)
    if loss < 0:
        raise ValueError(f"loss must be a finite cross-entropy >= 0 (nats), got {loss!r}")
    return (cap - loss) / math.log(base)


def _as_loss(loss) -> float:
    """A loss as a float: a real number or a one-element real tensor, finite (ValueError / TypeError)."""
    if isinstance(loss, torch.Tensor):
        if loss.numel() != 1 or not loss.is_floating_point():
            raise TypeError(f"loss must be a float or a one-element floating tensor, got {loss!r:.60}")
        loss = loss.detach().item()
    return as_real(loss, "loss", what="a finite cross-entropy >= 0 (nats)")


# --------------------------------------------------------------------------------------------------
# held-out estimate of a trained model


def bound_estimate(
    model: SymileModel,
    data,
    *,
    method: str | None = None,
    negatives: str | None = None,
    batch_size: int = 1000,
    n_batches: int | None = None,
    base: float = 2,
    seed: int = 0,
    grouped: bool = False,
) -> dict:
    r"""Held-out contrastive lower bound ``log K - loss``, mean and standard error over disjoint batches.

    .. math::

        \hat I = \frac{1}{B}\sum_{b=1}^{B} \bigl(\log K - \mathcal{L}_b\bigr), \qquad
        \mathrm{se} = \frac{\operatorname{sd}_b(\log K - \mathcal{L}_b)}{\sqrt{B}}

    Symile: K = N (``"n"``) or N^(M-1) (``"n_squared"``), an estimate of a lower bound on the total
    correlation TC(x_1, ..., x_M). CLIP: the sum over pairs of log N - symmetric InfoNCE, a lower bound
    on the sum of the pairwise mutual informations (see :func:`bound_from_loss`).

    Parameters
    ----------
    model : SymileModel
        Trained model (its ``method`` / ``negatives`` are the defaults below).
    data : list or dict of array-like
        M held-out inputs (N, ...); cut into consecutive batches of ``batch_size`` rows (the remainder
        is dropped so that every batch has the same K). Moved to the model's device.
    method : {"symile", "clip"}, optional
        Default: the method the model was trained with. Passing one that contradicts it is a ValueError;
        a bare model (none recorded) needs it.
    negatives : {"n", "n_squared"}, optional
        Symile's negative scheme (ignored for CLIP). Default: the model's training negatives (``"n"``
        for a bare model); an explicit value chooses another estimator on purpose.
    batch_size : int
        N per batch (the bound's cap grows with log N).
    n_batches : int, optional
        Use only the first ``n_batches`` batches (default: all full batches).
    base : float
        Log base of the result (2: bits, e: nats).
    seed : int
        Seeds the permutations of the ``"n"`` negatives (an int in [0, 2**63)).
    grouped : bool
        Evaluate each batch's loss on the distinct input rows only (:func:`symile_loss_grouped`,
        :func:`clip_loss_grouped`): the same value up to rounding, and far cheaper when every modality
        takes few distinct values (discrete data), e.g. ``"n_squared"`` at N = 1000 on XOR data costs
        O(U^M) instead of O(N^M) scores.

    Returns
    -------
    dict
        ``bound`` (mean over batches, in units of ``base``: bits by default), ``se`` (standard error;
        nan with one batch), ``cap`` (the largest possible bound), ``unit`` ("bits", "nats" or
        "log base b"), ``loss`` (mean loss, nats), ``n_batches``, ``batch_size``.
    """
    method, negatives = resolve_objective(model, method, negatives, caller="bound_estimate")
    seed, base = check_seed(seed), check_base(base)  # before any work
    if not isinstance(grouped, bool | np.bool_):
        raise TypeError(f"grouped must be a bool, got {grouped!r}")
    xs = model.inputs(data)  # M x (N, ...) on the model's device (a dict is read in the model's names order)
    n_batches = batch_count(xs[0].shape[0], batch_size, n_batches, name="data")
    m_count = len(xs)
    gen = torch.Generator().manual_seed(seed)  # CPU: the same permutations on every device
    losses = []
    with torch.no_grad():
        scale = model.logit_scale
        if grouped:
            uniq, ids = zip(*(torch.unique(x, dim=0, return_inverse=True) for x in xs))
            reps = model.encode(list(uniq))  # M x (U_m, d): one row per distinct input
        else:
            ids, reps = None, model.encode(xs)  # M x (N, d)
        for b in range(n_batches):
            rows = slice(b * batch_size, (b + 1) * batch_size)
            if grouped:
                batch_ids = [i[rows] for i in ids]  # M x (B,) indices into reps
                if method == "clip":
                    loss = clip_loss_grouped(reps, batch_ids, scale)
                else:
                    loss = symile_loss_grouped(reps, batch_ids, scale, negatives=negatives, generator=gen)
            else:
                batch = [r[rows] for r in reps]  # M x (B, d)
                if method == "clip":
                    loss = clip_loss(batch, scale)
                else:
                    loss = symile_loss(batch, scale, negatives=negatives, generator=gen)
            losses.append(loss)
    losses = torch.stack(losses).tolist()  # one host transfer for all batches
    return summarise_bounds(losses, batch_size, m_count, method=method, negatives=negatives, base=base)


# --------------------------------------------------------------------------------------------------
# the exact (optimal) critic of a known joint pmf


def exact_critic_bound(
    pmf,
    codes,
    *,
    method: str,
    negatives: str = "n",
    batch_size: int = 1000,
    n_batches: int | None = None,
    base: float = 2,
    seed: int = 0,
) -> dict:
    r"""Held-out bound ``log K - loss`` of the **exact** critic of ``pmf``, batched as :func:`bound_estimate`.

    The optimal critics (Poole et al. 2019) are the pointwise total correlation for Symile and the
    pointwise mutual information of each pair for CLIP, in nats (-inf where the probability is 0):

    .. math::

        s(x_1, \dots, x_M) = \log \frac{P(x_1, \dots, x_M)}{\prod_m P(x_m)}, \qquad
        s_{ab}(x_a, x_b) = \log \frac{P(x_a, x_b)}{P(x_a) P(x_b)}

    and the estimate is the mean over batches of :math:`\log K - \mathcal{L}_b` with its standard error,
    exactly as :func:`bound_estimate` does for a model: same batching (consecutive batches of
    ``batch_size`` rows, remainder dropped), same K and cap, and for Symile ``"n"`` the same candidate
    tuples (the permutations are drawn, per batch, from a generator seeded with ``seed``, by the very
    function :func:`symile_min.symile_loss` uses). Losses: :func:`symile_min.scores.symile_loss_from_scores`
    (``"n"``), :func:`symile_min.scores.infonce_from_scores` (CLIP, symmetric, summed over pairs) and an
    exact grouped computation for ``"n_squared"`` (the log-sum-exp over all :math:`N^{M-1}` combinations
    only depends on the values, so it costs :math:`O(U^M)`, not :math:`O(N^M)`).

    Parameters
    ----------
    pmf : array-like
        Joint pmf with one axis per modality, shape (U_1, ..., U_M), M >= 2; non-negative, sums to 1.
    codes : list of array-like of int
        M arrays (n,) of value codes (indices into the pmf's axes), row i of each = sample i; every
        sampled tuple must have positive probability.
    method : {"symile", "clip"}
        Objective whose estimator is evaluated.
    negatives : {"n", "n_squared"}
        Symile's negative scheme (ignored for CLIP).
    batch_size, n_batches, base, seed
        As in :func:`bound_estimate`.

    Returns
    -------
    dict
        ``bound`` (mean over batches), ``se`` (nan with one batch), ``cap``, in units of ``base`` (bits by
        default); ``unit``, ``loss`` (mean loss, nats), ``n_batches``, ``batch_size``.

    Examples
    --------
    Three bits with c = a XOR b (TC = 1 bit): the exact critic's bound is close to 1 bit, below its cap.

    >>> p = np.zeros((2, 2, 2))
    >>> for a in range(2):
    ...     for b in range(2):
    ...         p[a, b, a ^ b] = 0.25
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 1000))
    >>> est = exact_critic_bound(p, [a, b, a ^ b], method="symile", batch_size=500)
    >>> bool(0.95 < est["bound"] <= 1.0), est["n_batches"], est["unit"]
    (True, 2, 'bits')
    >>> exact_critic_bound(p, [a, b, a ^ b], method="clip", batch_size=500)["bound"]  # pairs independent
    0.0
    """
    check_choice("method", method, METHODS)
    check_choice("negatives", negatives, NEGATIVES)
    seed, base = check_seed(seed), check_base(base)  # before any work
    pmf = _check_pmf(pmf)
    codes = _check_codes(codes, pmf.shape)
    m_count, n_rows = len(codes), len(codes[0])
    n_batches = batch_count(n_rows, batch_size, n_batches, name="codes")
    joint, pairs = _exact_critics(pmf, pairs=method == "clip")
    gen = torch.Generator().manual_seed(seed)
    losses = []
    for b in range(n_batches):
        batch = [c[b * batch_size : (b + 1) * batch_size] for c in codes]  # M x (N,)
        if method == "clip":
            loss = 0.0
            for (i, j), pmi in sorted(pairs.items()):
                s = pmi[batch[i][:, None], batch[j][None, :]]  # (N, N) row: x_i, column: x_j
                loss += float(infonce_from_scores(_finite_scores(s, np.diagonal(s)), symmetric=True))
        elif negatives == "n":
            layout = _n_candidates(m_count, batch_size, gen)  # the draws symile_loss makes with `gen`
            loss = float(symile_loss_from_scores(_n_scores(joint, batch, layout), negatives="n"))
        else:
            loss = _n_squared_loss_grouped(joint, batch)
        losses.append(loss)
    # same summary (mean, se, cap; rounding noise of an all-zero critic snapped to 0) as bound_estimate
    return summarise_bounds(losses, batch_size, m_count, method=method, negatives=negatives, base=base)


def _check_pmf(pmf) -> np.ndarray:
    """float64 copy of a joint pmf (M >= 2 axes, finite, >= 0, sums to 1), else ValueError."""
    arr = np.asarray(pmf)
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"pmf must be a numeric array, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim < 2 or min(arr.shape) < 1:
        raise ValueError(f"pmf needs one non-empty axis per modality (M >= 2), got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ValueError("pmf must be finite and non-negative")
    total = float(arr.sum())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"pmf must sum to 1, got {total!r}")
    return arr


def _check_codes(codes, shape: tuple[int, ...]) -> list[np.ndarray]:
    """M int64 arrays (n,) of valid value codes for a pmf of ``shape``, else ValueError naming the bad one."""
    if isinstance(codes, np.ndarray | torch.Tensor) or not isinstance(codes, Sequence):
        raise ValueError(f"codes must be a list of {len(shape)} code arrays, one per modality")
    if len(codes) != len(shape):
        raise ValueError(f"codes has {len(codes)} modalities, the pmf has {len(shape)} axes")
    out = []
    for m, c in enumerate(codes):
        arr = np.asarray(c)
        if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise ValueError(f"codes[{m}] must be a 1-D integer array, got {arr.dtype} {arr.shape}")
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= shape[m]):
            raise ValueError(f"codes[{m}] has values outside [0, {shape[m]})")
        out.append(arr)
    lengths = [len(c) for c in out]
    if len(set(lengths)) != 1:
        raise ValueError(f"codes must all have the same length (ragged?), got {lengths}")
    return out


def _exact_critics(pmf: np.ndarray, *, pairs: bool) -> tuple[np.ndarray, dict]:
    """Pointwise TC (U_1, ..., U_M) and, if ``pairs``, each pairwise PMI (U_a, U_b); nats, -inf at P = 0."""
    m_count = pmf.ndim
    marg = [pmf.sum(axis=tuple(k for k in range(m_count) if k != m)) for m in range(m_count)]  # (U_m,)
    indep = marg[0]
    for p_m in marg[1:]:
        indep = np.multiply.outer(indep, p_m)  # (U_1, ..., U_m) product of the marginals
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0: a zero-probability tuple, masked below
        joint = np.where(pmf > 0, np.log(pmf) - np.log(indep), -np.inf)
        pmis = {}
        for a in range(m_count if pairs else 0):
            for b in range(a + 1, m_count):
                p_ab = pmf.sum(axis=tuple(k for k in range(m_count) if k not in (a, b)))  # (U_a, U_b)
                pmis[(a, b)] = np.where(p_ab > 0, np.log(p_ab) - np.log(np.outer(marg[a], marg[b])), -np.inf)
    return joint, pmis


def _finite_scores(scores: np.ndarray, positives: np.ndarray) -> torch.Tensor:
    """float64 tensor of ``scores`` with -inf (zero-probability tuples) replaced by a score whose exp is 0.

    The replacement is ``_ZERO_PROB_MARGIN`` nats below the lowest finite score; every row's largest
    score is at least its (finite) positive, so ``exp(replacement - row max)`` underflows to exactly 0.
    """
    if not np.isfinite(positives).all():
        raise ValueError("a sampled positive tuple has probability 0 under the pmf (exact critic score -inf)")
    finite = np.isfinite(scores)
    if not finite.all():
        scores = np.where(finite, scores, scores[finite].min() - _ZERO_PROB_MARGIN)
    return torch.from_numpy(np.ascontiguousarray(scores, dtype=np.float64))


def _n_scores(joint: np.ndarray, codes: list[np.ndarray], layout) -> list[torch.Tensor]:
    """Per-anchor (N, N) exact-critic scores of the ``"n"`` negatives, columns as ``layout`` builds them.

    ``layout`` is :func:`symile_min.losses._n_candidates`'s: for anchor m, row i holds the anchor's own
    value and column j the value that every non-anchor modality contributes to candidate j (its row j,
    or row ``perm[j]``); the diagonal is the positive tuple (i, ..., i). Nats.
    """
    m_count = len(codes)
    pos = joint[tuple(codes)]  # (N,) score of the positive tuples
    out = []
    for m, columns in enumerate(layout):
        index = [None] * m_count
        index[m] = codes[m][:, None]  # (N, 1) anchor rows
        for k, perm in columns:
            index[k] = (codes[k] if perm is None else codes[k][perm.numpy()])[None, :]  # (1, N) column j
        s = joint[tuple(index)].copy()  # (N, N)
        np.fill_diagonal(s, pos)  # positives on the diagonal
        out.append(_finite_scores(s, pos))
    return out


def _n_squared_loss_grouped(joint: np.ndarray, codes: list[np.ndarray]) -> float:
    r"""Exact-critic ``"n_squared"`` Symile loss (nats) of one batch, on the distinct values.

    For anchor m and a row whose anchor value is u, the log-sum-exp over all :math:`N^{M-1}` combinations
    of non-anchor rows only depends on the values in the combination, so (for anchor a of three)

    .. math:: \log \sum_{j, k} e^{s(u, b_j, c_k)} = \log \sum_{v, w} n_b(v)\, n_c(w)\, e^{s(u, v, w)}

    with :math:`n(\cdot)` the counts of each value in the batch. O(U^M) instead of O(N^M);
    zero-probability tuples (-inf) and absent values (log count -inf) add exactly 0 to the sum (the
    anchor's own positive is finite, so no row is all -inf).
    """
    m_count = len(codes)
    pos = joint[tuple(codes)]  # (N,)
    if not np.isfinite(pos).all():
        raise ValueError("a sampled positive tuple has probability 0 under the pmf (exact critic score -inf)")
    with np.errstate(divide="ignore"):  # log 0 = -inf: value absent from the batch
        log_counts = [np.log(np.bincount(c, minlength=joint.shape[k])) for k, c in enumerate(codes)]
    losses = []
    for m in range(m_count):
        weighted = torch.from_numpy(joint.astype(np.float64))  # (U,)*M, -inf stays -inf: never NaN
        others = tuple(k for k in range(m_count) if k != m)
        for k in others:
            shape = [1] * m_count
            shape[k] = -1
            weighted = weighted + torch.from_numpy(log_counts[k]).reshape(shape)
        lse = torch.logsumexp(weighted, dim=others).numpy()  # (U_m,) per anchor value
        losses.append(float(np.mean(lse[codes[m]] - pos)))
    return float(np.mean(losses))


# --------------------------------------------------------------------------------------------------
# batching and summary shared by both estimators


def batch_count(n_rows: int, batch_size: int, n_batches: int | None = None, *, name: str = "data") -> int:
    """Number of consecutive held-out batches of ``batch_size`` rows (the remainder is dropped).

    ``n_batches=None`` takes every full batch; otherwise it must lie in [1, available]. Raises
    ValueError naming the bad value (``name`` is the data's name in the message).

    Examples
    --------
    >>> batch_count(2500, 1000), batch_count(2500, 1000, 1)
    (2, 1)
    """
    batch_size = as_int(batch_size, "batch_size", minimum=2)
    available = n_rows // batch_size
    if available < 1:
        raise ValueError(f"{name} has {n_rows} rows, fewer than batch_size={batch_size}")
    if n_batches is None:
        return available
    if as_int(n_batches, "n_batches", minimum=1) > available:
        raise ValueError(f"n_batches must be an int in [1, {available}], got {n_batches!r}")
    return int(n_batches)


def summarise_bounds(
    losses: Sequence[float], batch_size: int, m: int, *, method: str, negatives: str = "n", base: float = 2
) -> dict:
    """Turn per-batch losses (nats) into the bound estimate of :func:`bound_estimate`.

    Each batch gives ``log K - loss`` (:func:`bound_from_loss`, in units of ``base``: bits by default);
    returns their mean ``bound``, standard error ``se`` (nan with one batch), the ``cap``, ``unit``,
    the mean ``loss`` (nats), ``n_batches`` and ``batch_size``. Per-batch bounds within 1e-12 of 0 are
    the rounding noise of a loss equal to ``log K`` (an all-constant critic) and are snapped to 0, so
    that such a bound reads 0 ± 0 rather than a spurious 1e-14 ± 0.

    Examples
    --------
    >>> est = summarise_bounds([math.log(10)] * 3, 10, 3, method="symile")  # chance-level losses
    >>> est["bound"], est["se"], round(est["cap"], 4), est["unit"]
    (0.0, 0.0, 3.3219, 'bits')
    """
    if isinstance(losses, str | bytes | torch.Tensor | np.ndarray) or not isinstance(losses, Sequence):
        raise TypeError(f"losses must be a list of per-batch losses (nats), got {type(losses).__name__}")
    if len(losses) == 0:
        raise ValueError("losses is empty: a bound estimate needs at least one batch")
    base = check_base(base)
    losses = [_as_loss(x) for x in losses]
    bounds = np.array(
        [bound_from_loss(x, batch_size, m, method=method, negatives=negatives, base=base) for x in losses]
    )
    bounds[np.abs(bounds) < 1e-12] = 0.0
    se = float(bounds.std(ddof=1) / math.sqrt(len(bounds))) if len(bounds) > 1 else math.nan
    unit = "bits" if base == 2 else "nats" if base == math.e else f"log base {base}"
    return {
        "bound": float(bounds.mean()),
        "se": se,
        "cap": bound_cap(batch_size, m, method=method, negatives=negatives, base=base),
        "unit": unit,
        "loss": float(np.mean(losses)),
        "n_batches": len(bounds),
        "batch_size": batch_size,
    }
