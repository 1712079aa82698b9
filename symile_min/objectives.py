r"""Contrastive losses for M >= 2 modalities beyond Symile and CLIP, each with its zero-shot score.

Every loss is a pure function with the signature of :func:`symile_min.symile_loss` /
:func:`symile_min.clip_loss`: ``reps`` is a list of M L2-normalised (N, d) tensors, row i of each belonging
to sample i; ``logit_scale`` the positive multiplier; options as keywords (``reduction=`` as there); the
result a loss in **nats**. Each has a zero-shot score that predicts one *target* modality from the others
(``queries``: the other modalities' (N, d) representations, ``candidates``: the target's (C, d)), so that
retrieval and bounds work the same way for all of them:

* :func:`anchor_clip_loss` / :func:`anchor_clip_scores` (ImageBind; Girdhar et al., CVPR 2023): logit
  :math:`s\, r_a \cdot r_k` for the pairs with one anchor modality a only;
* :func:`gram_loss` / :func:`gram_scores` (GRAM; Cicchetti et al., ICLR 2025): logit
  :math:`-s\sqrt{\det G}`, G the Gram matrix of the M vectors (:func:`gram_volume`, the parallelotope's
  volume);
* :func:`triangle_loss` / :func:`triangle_scores` (TRIANGLE; Cicchetti et al., NeurIPS 2025): logit
  :math:`-s` times the area of the triangle of the 3 vectors (:func:`triangle_area`); M = 3 only.

Symile and pairwise CLIP are :func:`symile_min.symile_loss` and :func:`symile_min.clip_loss` (reused, not
copied); gated Symile (Rheude et al., 2026) is in :mod:`symile_min.gated`; the objectives as modules that
own their learned scale, with a registry, are in :mod:`symile_min.objective_modules`, and training and
evaluation under any of them in :mod:`symile_min.objective_train`.

GRAM and TRIANGLE contrast anchor row i with the *aligned* non-anchor rows j (the tuple
:math:`(r_a[i], r_{-a}[j])`), so ``log N - loss`` bounds :math:`I(x_a; x_{-a})`, not the total correlation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import check_reduction, check_reps, scale_like
from .losses import clip_loss

__all__ = [
    "anchor_clip_loss",
    "gram_volume",
    "gram_loss",
    "triangle_area",
    "triangle_loss",
    "anchor_clip_scores",
    "gram_scores",
    "triangle_scores",
    "SQRT_EPS",
]

#: floor under the Gram determinant / squared triangle area before the square root: the root's gradient is
#: infinite at 0 (a perfectly aligned, degenerate tuple), so values below it are held at it (gradient 0)
SQRT_EPS = 1e-8


def _labels(n: int, like: torch.Tensor) -> torch.Tensor:
    return torch.arange(n, device=like.device)  # on the inputs' device


def _symmetric_infonce(logits: torch.Tensor, per_row: bool = False) -> torch.Tensor:
    """(CE_rows + CE_cols) / 2 of a square logit matrix whose positive of row i is column i (nats).

    ``per_row``: the (N,) terms of sample i (its row's and its column's cross-entropy), else their mean.
    """
    labels = _labels(logits.shape[0], logits)
    how = "none" if per_row else "mean"
    rows = F.cross_entropy(logits, labels, reduction=how)  # anchor row i against every candidate j
    cols = F.cross_entropy(logits.T, labels, reduction=how)  # candidate j against every anchor row i
    return (rows + cols) / 2


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    """(N,) per-sample losses -> the ``reduction`` of :func:`symile_min.symile_loss`."""
    if reduction == "none":
        return per_sample
    return per_sample.sum() if reduction == "sum" else per_sample.mean()


def _check_index(name: str, value, m_count: int, *, allow_none: bool = False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < m_count:
        what = "None or a modality index" if allow_none else "a modality index"
        raise ValueError(f"{name} must be {what} in [0, {m_count}), got {value!r}")
    return value


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, int | float) or not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
    return float(eps)


def _anchors(anchor, m_count: int) -> list[int]:
    """The anchors a loss averages over: all M (``anchor=None``) or the given one."""
    anchor = _check_index("anchor", anchor, m_count, allow_none=True)
    return list(range(m_count)) if anchor is None else [anchor]


# --------------------------------------------------------------------------------------------------
# anchor-pairwise (ImageBind)


def anchor_clip_loss(
    reps: Sequence[torch.Tensor], logit_scale, *, anchor: int = 0, reduction: str = "mean"
) -> torch.Tensor:
    r"""Anchor-pairwise loss (ImageBind): every modality contrasted only with one anchor modality.

    .. math::

        \mathcal{L} = \sum_{k \ne a} \tfrac12 \bigl(\mathrm{CE}_{\mathrm{rows}}(S_{ak})
        + \mathrm{CE}_{\mathrm{cols}}(S_{ak})\bigr), \qquad S_{ak} = s\, r_a r_k^{\top}

    with :math:`a` = ``anchor``; each term is the symmetric InfoNCE of :func:`symile_min.clip_loss` on the
    pair (a, k). Girdhar et al., "ImageBind: One Embedding Space To Bind Them All", CVPR 2023 (the image is
    the anchor there). ``log N - term`` bounds :math:`I(x_a; x_k)`; pairs without the anchor are never
    trained, so their dot products carry no learned information.

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d), L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores.
    anchor : int
        Index of the anchor modality.
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses (their mean is the ``"mean"`` loss), ``"sum"`` their sum,
        as in :func:`symile_min.symile_loss`.

    Returns
    -------
    torch.Tensor
        Loss in nats (a sum of M - 1 pair terms) on the device of ``reps``: a scalar, or (N,).

    Examples
    --------
    >>> reps = [torch.eye(3)] * 3
    >>> bool(torch.isclose(anchor_clip_loss(reps, 1.0), 2 * clip_loss(reps[:2], 1.0)))
    True
    """
    reps = check_reps(reps, min_rows=2)
    anchor = _check_index("anchor", anchor, len(reps))
    check_reduction(reduction)
    terms = [
        clip_loss([reps[anchor], reps[k]], logit_scale, reduction=reduction)
        for k in range(len(reps))
        if k != anchor
    ]  # M - 1 pair terms, each a scalar or (N,)
    return torch.stack(terms).sum(dim=0)


# --------------------------------------------------------------------------------------------------
# GRAM


def _det(g: list[list[torch.Tensor]]) -> torch.Tensor:
    """Determinant of the M x M matrix whose entries are the broadcastable tensors ``g[i][j]``.

    Leibniz's sum over permutations, built row by row over the sets S of columns already used:
    ``minor[S]`` is the determinant of rows ``0..|S|-1`` and columns S, and placing column c in row |S|
    adds ``(-1)^{#(s in S, s > c)} g[|S|][c] minor[S]`` to ``minor[S + c]`` (M 2^(M-1) products). Exact
    and differentiable everywhere (singular matrices included, unlike an LU with pivoting), and no
    (..., M, M) tensor is built.
    """
    m = len(g)
    minors = {0: None}  # bitmask of used columns -> minor (None: the empty minor, 1)
    for r in range(m):
        nxt: dict[int, torch.Tensor] = {}
        for used, minor in minors.items():
            for c in range(m):
                if used >> c & 1:
                    continue
                flips = bin(used >> (c + 1)).count("1")  # used columns right of c: inversions
                term = g[r][c] if minor is None else g[r][c] * minor
                term = -term if flips % 2 else term
                key = used | (1 << c)
                nxt[key] = term if key not in nxt else nxt[key] + term
        minors = nxt
    return minors[(1 << m) - 1]


def gram_volume(
    anchor: torch.Tensor, others: Sequence[torch.Tensor], *, eps: float = SQRT_EPS
) -> torch.Tensor:
    r"""Volume of the parallelotope spanned by ``anchor[i]`` and the aligned row j of every other modality.

    .. math::

        V_{ij} = \sqrt{\max\bigl(\det G_{ij},\ \varepsilon\bigr)}, \qquad
        G_{ij} = A_{ij}^{\top} A_{ij}, \quad A_{ij} = [\,a_i,\ o_{1,j},\ \dots,\ o_{K,j}\,] \in \mathbb{R}^{d
        \times (K+1)}

    (the Gram matrix of the K + 1 vectors: every pairwise dot product). For unit vectors
    :math:`0 \le V \le 1`: 0 when they are linearly dependent (aligned), 1 when orthogonal. The floor
    :math:`\varepsilon` (``eps``) keeps the square root's gradient finite; the official GRAM code takes
    :math:`\sqrt{|\det G|}` instead (the same value wherever :math:`\det G \ge \varepsilon`).

    Parameters
    ----------
    anchor : torch.Tensor
        (N, d).
    others : list of torch.Tensor
        K >= 1 tensors (C, d); row j of all of them is one candidate tuple.
    eps : float
        Floor under the determinant.

    Returns
    -------
    torch.Tensor
        (N, C) volumes (unitless), on the device of ``anchor``.

    Examples
    --------
    >>> e = torch.eye(3)
    >>> gram_volume(e[:1], [e[1:2], e[2:3]]).item(), round(gram_volume(e[:1], [e[:1], e[2:3]]).item(), 6)
    (1.0, 0.0001)
    """
    (anchor,) = check_reps([anchor], min_modalities=1, name="anchor")
    others = check_reps(others, min_modalities=1, name="others")
    if anchor.shape[1] != others[0].shape[1]:
        raise ValueError(f"anchor has dim {anchor.shape[1]} but others have dim {others[0].shape[1]}")
    return _gram_volume(anchor, others, _check_eps(eps))


def _gram_volume(anchor: torch.Tensor, others: Sequence[torch.Tensor], eps: float) -> torch.Tensor:
    aa = (anchor * anchor).sum(dim=1)[:, None]  # (N, 1)
    ao = [anchor @ o.T for o in others]  # K x (N, C)
    oo = [[(o * p).sum(dim=1)[None, :] for p in others] for o in others]  # K x K x (1, C): aligned rows
    if len(others) == 2:  # M = 3: the 3 x 3 determinant expanded, with its (1, C) part computed once
        (ab, ac), ((bb, bc), (_, cc)) = ao, oo
        det = aa * (bb * cc - bc * bc) - cc * ab * ab - bb * ac * ac + 2 * bc * ab * ac  # (N, C)
        return det.clamp_min(eps).sqrt()
    g = [[aa, *ao]] + [[ao[k], *oo[k]] for k in range(len(others))]  # the Gram matrix, entry by entry
    return _det(g).clamp_min(eps).sqrt()  # (N, C)


def gram_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    *,
    anchor: int | None = None,
    eps: float = SQRT_EPS,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""GRAM contrastive loss: the logit of a tuple is minus the volume spanned by its M vectors.

    .. math::

        \mathcal{L} = \frac{1}{|\mathcal{A}|} \sum_{a \in \mathcal{A}} \tfrac12
        \bigl(\mathrm{CE}_{\mathrm{rows}}(-s V^{(a)}) + \mathrm{CE}_{\mathrm{cols}}(-s V^{(a)})\bigr), \qquad
        V^{(a)}_{ij} = \operatorname{Vol}\bigl(r_a[i],\ r_{-a}[j]\bigr)

    (:func:`gram_volume`: anchor row i against the *aligned* non-anchor rows j). Rows are the paper's
    anchor-to-data term, columns its data-to-anchor term. Cicchetti, Grassucci, Sigillo, Comminiello,
    "Gramian Multimodal Representation Learning and Alignment", ICLR 2025: the text is the anchor
    (``anchor=a``); ``anchor=None`` (default) averages over every anchor
    (:math:`\mathcal{A} = \{1..M\}`), treating the modalities symmetrically as Symile does. Not included:
    the paper's auxiliary data-anchor matching loss (a binary classifier on fused features, not a
    contrastive term).

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d), L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier (the paper's 1 / temperature).
    anchor : int, optional
        Anchor modality; None: mean over all anchors.
    eps : float
        Floor under the Gram determinant (:func:`gram_volume`).
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses (their mean is the ``"mean"`` loss), ``"sum"`` their sum,
        as in :func:`symile_min.symile_loss`.

    Returns
    -------
    torch.Tensor
        Loss in nats on the device of ``reps``: a scalar, or (N,) for ``reduction="none"`` (row i's
        symmetric cross-entropy terms averaged over the anchors).

    Examples
    --------
    >>> import math
    >>> reps = [torch.eye(2), torch.eye(2)[[1, 0]], torch.eye(2)]  # every tuple spans the same volume 0
    >>> round(gram_loss(reps, 5.0).item(), 6) == round(math.log(2), 6)
    True
    """
    reps = check_reps(reps, min_rows=2)
    eps = _check_eps(eps)
    check_reduction(reduction)
    scale = scale_like(logit_scale, reps[0])
    losses = []
    for a in _anchors(anchor, len(reps)):
        others = [r for k, r in enumerate(reps) if k != a]
        logits = -scale * _gram_volume(reps[a], others, eps)  # (N, N)
        losses.append(_symmetric_infonce(logits, per_row=True))  # (N,)
    return _reduce(torch.stack(losses).mean(dim=0), reduction)  # mean over anchors, then rows


# --------------------------------------------------------------------------------------------------
# TRIANGLE


def triangle_area(
    a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, *, squared: bool = True, eps: float = SQRT_EPS
) -> torch.Tensor:
    r"""Area of the triangle with vertices ``a[i]``, ``b[j]``, ``c[j]`` (or the official squared surrogate).

    With :math:`u = a_i - b_j`, :math:`v = a_i - c_j`, the area is
    :math:`\tfrac12 \sqrt{\|u\|^2 \|v\|^2 - (u \cdot v)^2}`; it is symmetric in the three vertices.

    .. math::

        T_{ij} = \begin{cases} \tfrac12 \bigl(\|u\|^2 \|v\|^2 - (u \cdot v)^2\bigr) & \texttt{squared}
        \ (\text{official code: } 2 \cdot \text{area}^2) \\
        \tfrac12 \sqrt{\max(\|u\|^2 \|v\|^2 - (u \cdot v)^2,\ \varepsilon)} & \text{otherwise (the area)}
        \end{cases}

    Parameters
    ----------
    a : torch.Tensor
        (N, d) first vertices.
    b, c : torch.Tensor
        (C, d) the other two vertices, aligned by row.
    squared : bool
        True (default): the official TRIANGLE code's surrogate without the square root.
    eps : float
        Floor under the radicand when ``squared=False``.

    Returns
    -------
    torch.Tensor
        (N, C), unitless, on the device of ``a``.

    Examples
    --------
    >>> e = torch.eye(3)
    >>> round(triangle_area(e[:1], e[1:2], e[2:3], squared=False).item(), 6)  # sides sqrt(2): sqrt(3)/2
    0.866025
    >>> round(triangle_area(e[:1], e[1:2], e[2:3]).item(), 6)  # the surrogate: 2 area^2
    1.5
    """
    a, b, c = check_reps([a], min_modalities=1, name="a") + check_reps([b, c], name="(b, c)")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"a has dim {a.shape[1]} but b, c have dim {b.shape[1]}")
    return _triangle_area(a, b, c, squared=bool(squared), eps=_check_eps(eps))


def _triangle_area(a, b, c, *, squared: bool, eps: float) -> torch.Tensor:
    a2 = (a * a).sum(dim=1)[:, None]  # (N, 1)
    b2, c2 = (b * b).sum(dim=1)[None, :], (c * c).sum(dim=1)[None, :]  # (1, C)
    bc = (b * c).sum(dim=1)[None, :]  # (1, C): aligned rows
    ab, ac = a @ b.T, a @ c.T  # (N, C)
    uu = a2 + b2 - 2 * ab  # |a_i - b_j|^2
    vv = a2 + c2 - 2 * ac  # |a_i - c_j|^2
    uv = a2 - ab - ac + bc  # (a_i - b_j) . (a_i - c_j)
    radicand = uu * vv - uv * uv  # (N, C), >= 0 up to rounding (Cauchy-Schwarz)
    if squared:
        return radicand / 2
    return radicand.clamp_min(eps).sqrt() / 2


def triangle_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    *,
    anchor: int | None = None,
    squared: bool = True,
    eps: float = SQRT_EPS,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""TRIANGLE contrastive loss (three modalities): the logit of a tuple is minus its triangle area.

    .. math::

        \mathcal{L} = \frac{1}{|\mathcal{A}|} \sum_{a \in \mathcal{A}} \tfrac12
        \bigl(\mathrm{CE}_{\mathrm{rows}}(-s T^{(a)}) + \mathrm{CE}_{\mathrm{cols}}(-s T^{(a)})\bigr), \qquad
        T^{(a)}_{ij} = \operatorname{Area}\bigl(r_a[i],\ r_{b}[j],\ r_{c}[j]\bigr)

    with (b, c) the two non-anchor modalities in index order and :func:`triangle_area` (the official
    code's squared surrogate by default). Cicchetti, Grassucci, Comminiello, "A TRIANGLE Enables Multimodal
    Alignment Beyond Cosine Similarity", NeurIPS 2025: text anchor (``anchor=a``), label smoothing 0.1
    and an auxiliary matching loss, both left out here; ``anchor=None`` (default) averages over the three
    anchors.

    Parameters
    ----------
    reps : list of torch.Tensor
        Exactly 3 tensors (N, d), L2-normalised by the caller (any other M is a ValueError).
    logit_scale : float or torch.Tensor
        Positive multiplier (1 / temperature).
    anchor : int, optional
        Anchor modality; None: mean over the three anchors.
    squared, eps
        See :func:`triangle_area`.
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses (their mean is the ``"mean"`` loss), ``"sum"`` their sum,
        as in :func:`symile_min.symile_loss`.

    Returns
    -------
    torch.Tensor
        Loss in nats on the device of ``reps``: a scalar, or (N,) for ``reduction="none"``.

    Examples
    --------
    >>> import math
    >>> e = torch.eye(3)
    >>> reps = [e, e, e[[1, 2, 0]]]  # positives have two equal vertices (area 0), negatives do not
    >>> bool(triangle_loss(reps, 10.0) < math.log(3))
    True
    """
    reps = check_reps(reps, min_rows=2)
    if len(reps) != 3:
        raise ValueError(f"TRIANGLE is defined for exactly M = 3 modalities, got M = {len(reps)}")
    eps = _check_eps(eps)
    check_reduction(reduction)
    scale = scale_like(logit_scale, reps[0])
    losses = []
    for a in _anchors(anchor, 3):
        b, c = (r for k, r in enumerate(reps) if k != a)
        area = _triangle_area(reps[a], b, c, squared=bool(squared), eps=eps)  # (N, N)
        losses.append(_symmetric_infonce(-scale * area, per_row=True))  # (N,)
    return _reduce(torch.stack(losses).mean(dim=0), reduction)  # mean over anchors, then rows


# --------------------------------------------------------------------------------------------------
# zero-shot scores: predict the target modality's value among candidates from the other modalities


def _check_queries(queries, candidates, *, min_queries: int = 1):
    queries = check_reps(queries, min_modalities=min_queries, name="queries")
    (candidates,) = check_reps([candidates], min_modalities=1, name="candidates")
    if candidates.shape[1] != queries[0].shape[1]:
        raise ValueError(
            f"candidates have dim {candidates.shape[1]} but queries have dim {queries[0].shape[1]}"
        )
    return queries, candidates


def _add_prior(scores: torch.Tensor, log_prior) -> torch.Tensor:
    if log_prior is None:
        return scores
    log_prior = torch.as_tensor(log_prior, dtype=scores.dtype, device=scores.device)
    if log_prior.shape != (scores.shape[1],):
        raise ValueError(f"log_prior must have shape ({scores.shape[1]},), got {tuple(log_prior.shape)}")
    if bool(torch.isnan(log_prior).any()) or bool((log_prior == math.inf).any()):
        raise ValueError("log_prior must not contain nan or +inf")
    return scores + log_prior


def _query_modalities(query_modalities, target: int, k_count: int) -> list[int]:
    mods = list(query_modalities)
    if len(mods) != k_count or len(set(mods)) != k_count or target in mods:
        raise ValueError(
            f"query_modalities must name the {k_count} query modalities (distinct, not the target "
            f"{target}), got {query_modalities!r}"
        )
    return mods


def anchor_clip_scores(
    queries, candidates, logit_scale=1.0, *, query_modalities, target: int, anchor: int = 0, log_prior=None
) -> torch.Tensor:
    r"""Zero-shot scores of the anchor-pairwise objective: the sum over the *trained* pairs only.

    .. math::

        S_{nc} = s \sum_{k \in Q,\ \{k, t\} \ni a} q_{k,n} \cdot c_c + \log \pi_c

    where t = ``target``, a = ``anchor`` and Q the query modalities: every query if the target is the
    anchor, else only the anchor's own query (pairs without the anchor were never trained).

    Parameters
    ----------
    queries : list of torch.Tensor
        K tensors (N, d), the query modalities' representations, in the order of ``query_modalities``.
    candidates : torch.Tensor
        (C, d) candidate representations of the target.
    logit_scale : float or torch.Tensor
        Positive multiplier, applied before the prior.
    query_modalities : sequence of int
        Modality index of each query.
    target, anchor : int
        The predicted modality and the objective's anchor.
    log_prior : torch.Tensor, optional
        (C,) natural-log prior of the candidates.

    Returns
    -------
    torch.Tensor
        (N, C) scores; argmax over C is the prediction.
    """
    queries, candidates = _check_queries(queries, candidates)
    mods = _query_modalities(query_modalities, target, len(queries))
    if anchor not in (target, *mods):
        raise ValueError(f"anchor {anchor!r} is neither the target {target} nor a query modality {mods}")
    used = [q for q, k in zip(queries, mods, strict=True) if anchor in (k, target)]
    scale = scale_like(logit_scale, candidates)
    return _add_prior(scale * (torch.stack(used).sum(dim=0) @ candidates.T), log_prior)


def gram_scores(queries, candidates, logit_scale=1.0, *, eps: float = SQRT_EPS, log_prior=None):
    r"""Zero-shot scores of GRAM: minus the scaled volume of (queries, candidate).

    .. math:: S_{nc} = -s \operatorname{Vol}(q_{1,n}, \dots, q_{K,n}, c_c) + \log \pi_c

    The volume is symmetric in its vectors, so the target needs no special place. Arguments as in
    :func:`anchor_clip_scores`; returns (N, C).
    """
    queries, candidates = _check_queries(queries, candidates)
    scale = scale_like(logit_scale, candidates)
    volume = _gram_volume(candidates, queries, _check_eps(eps)).T  # (N, C)
    return _add_prior(-scale * volume, log_prior)


def triangle_scores(
    queries, candidates, logit_scale=1.0, *, squared: bool = True, eps: float = SQRT_EPS, log_prior=None
):
    r"""Zero-shot scores of TRIANGLE: minus the scaled area of the triangle (q_1, q_2, candidate).

    .. math:: S_{nc} = -s \operatorname{Area}(q_{1,n}, q_{2,n}, c_c) + \log \pi_c

    Exactly two queries (M = 3). Arguments as in :func:`anchor_clip_scores` and :func:`triangle_area`.
    """
    queries, candidates = _check_queries(queries, candidates, min_queries=2)
    if len(queries) != 2:
        raise ValueError(f"TRIANGLE scores need exactly 2 query modalities (M = 3), got {len(queries)}")
    scale = scale_like(logit_scale, candidates)
    area = _triangle_area(candidates, *queries, squared=bool(squared), eps=_check_eps(eps)).T  # (N, C)
    return _add_prior(-scale * area, log_prior)


