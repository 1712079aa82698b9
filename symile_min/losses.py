r"""Symile and pairwise-CLIP contrastive objectives as pure functions of representation tensors.

Conventions used throughout (all losses are in **nats**, natural log):

* ``reps`` is a list of M tensors of shape (N, d), row i of every modality belonging to sample i,
  L2-normalised by the caller; ``logit_scale`` is the positive multiplier (``exp`` of the learned log scale).
* The score of a tuple is ``logit_scale * mip(...)`` where ``mip`` is the multilinear inner product.
* Symmetric InfoNCE of a pair (a, b) is the **mean** of the two directions,
  ``(CE_rows + CE_cols) / 2``; Symile is the **mean** over the M anchors. With these definitions
  ``symile_loss(M = 2) == clip_loss`` exactly, for both negative schemes.

Negative schemes (``negatives=``):

``"n"`` (O(N) negatives per positive, the paper's default)
    For anchor modality m let the non-anchor modalities be o_1 < o_2 < ... (index order). Column j of
    the (N, N) logit matrix is the candidate tuple ``(r_{o_1}[j], r_{o_2}[pi_2(j)], r_{o_3}[pi_3(j)], ...)``
    where pi_2, pi_3, ... are independent uniform random row permutations drawn from ``generator``
    (one per further non-anchor modality and anchor); the diagonal j = i is replaced by the positive
    ``mip(r_1[i], ..., r_M[i])``, and the loss of anchor m is the cross-entropy with target i.
    Difference from the paper's reference code, which also permutes o_1: permuting *every* non-anchor
    modality equals ours up to a relabelling of the columns, except for which column the diagonal
    overwrites — the reference can keep ``r_{o_1}[i]`` (the positive's own row) among row i's
    negatives and drop a random one, ours never does. Keeping o_1 in place makes the negatives of a
    single non-anchor modality exactly "all other samples", so that for M = 2 the loss *is* CLIP.
``"n_squared"`` (all combinations)
    Row i is contrasted against every one of the N^(M-1) combinations of non-anchor rows
    (the positive (i, ..., i) included once), as in the reference's ``n_squared`` scheme.
    The log-sum-exp over the combinations is streamed in chunks (:mod:`symile_min._streamed`), so at
    most ``chunk_elements`` scores exist at once, forward and backward (never N x N^(M-1)).

The layout of the ``"n"`` candidates (which modality keeps its rows, which permutations are drawn, in
which order) lives in one function, :func:`_n_candidates`, shared by :func:`symile_loss`, the grouped form
(:mod:`symile_min.grouped`) and the exact-critic bound (:mod:`symile_min.bounds`), so that for the same
generator state all three contrast the same tuples.

Related modules: :mod:`symile_min.grouped` (the same losses on distinct rows), :mod:`symile_min.scores`
(the loss core on precomputed scores), :mod:`symile_min.bounds` (``log K - loss`` bounds in bits).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import (
    NEGATIVES,
    check_choice,
    check_generator,
    check_reduction,
    check_reps,
    check_score_range,
    loss_scale,
)
from ._streamed import DEFAULT_CHUNK_ELEMENTS, _lse_every_anchor

__all__ = ["mip", "symile_loss", "clip_loss", "DEFAULT_CHUNK_ELEMENTS"]


def mip(*reps: torch.Tensor) -> torch.Tensor:
    r"""Multilinear inner product of M aligned representation matrices, row by row.

    .. math::

        \operatorname{MIP}(r_1, \dots, r_M)_i = \sum_{k=1}^{d} \prod_{m=1}^{M} r_{m,ik}

    For M = 2 it is the row-wise dot product.

    Parameters
    ----------
    *reps : torch.Tensor
        M >= 2 tensors of identical shape (N, d).

    Returns
    -------
    torch.Tensor
        Shape (N,), unitless (a score, not an information quantity).

    Examples
    --------
    >>> a = torch.tensor([[1.0, 2.0]]); b = torch.tensor([[3.0, 4.0]]); c = torch.tensor([[1.0, -1.0]])
    >>> mip(a, b).tolist(), mip(a, b, c).tolist()
    ([11.0], [-5.0])
    """
    reps = check_reps(list(reps), name="mip(*reps)")
    check_score_range(reps, 1.0, terms=1, name="mip(*reps)")  # ValueError if the products could overflow
    return _mip(reps)


def _mip(reps: Sequence[torch.Tensor]) -> torch.Tensor:
    prod = reps[0]
    for r in reps[1:]:
        prod = prod * r
    return prod.sum(dim=-1)  # (N,)


def _n_others(m_count: int) -> list[list[int]]:
    """Per anchor m, its non-anchor modalities in index order: the column groups of the ``"n"`` layout."""
    return [[k for k in range(m_count) if k != m] for m in range(m_count)]


def _n_permutations(
    m_count: int, n: int, generator: torch.Generator | None, *, out: torch.Tensor | None = None
) -> torch.Tensor:
    """The (M, M - 2, n) int64 permutations of the ``"n"`` layout, drawn from ``generator`` anchor by anchor
    on the generator's device (the one source of the draw order); ``out``: a tensor to draw them into."""
    where = generator.device if generator is not None else torch.device("cpu")
    if out is None:
        out = torch.empty(m_count, max(m_count - 2, 0), n, dtype=torch.long, device=where)
    for m in range(m_count):
        for t in range(m_count - 2):
            torch.randperm(n, generator=generator, out=out[m, t])
    return out


def _n_candidates(
    m_count: int, n: int, generator: torch.Generator | None, device: torch.device | None = None
) -> list[list[tuple[int, torch.Tensor | None]]]:
    """The ``"n"`` candidates: for each anchor m, how column j of its (N, N) logit matrix is built.

    Returns, per anchor m, the non-anchor modalities k in index order, each with the rows it contributes
    to the columns: ``None`` for the first (column j takes its row j) and a (N,) permutation ``perm`` for
    every further one (column j takes row ``perm[j]``). The M * (M - 2) permutations are drawn from
    ``generator`` anchor by anchor (:func:`_n_permutations`), on the generator's device (a CPU generator,
    or None for torch's global CPU generator, gives the same numbers on every device), then moved to
    ``device``; a generator on the representations' device avoids a host-to-device copy per call.
    The one source of this layout for :func:`symile_loss`, the grouped loss, the batched trainer and the
    exact-critic bound.
    """
    perms = _n_permutations(m_count, n, generator)
    layout = []
    for m, others in enumerate(_n_others(m_count)):
        further = [(k, perms[m, t].to(device)) for t, k in enumerate(others[1:])]
        layout.append([(others[0], None), *further])
    return layout


def symile_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    *,
    negatives: str = "n",
    generator: torch.Generator | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Symile loss: mean over anchor modalities of the cross-entropy of the positive tuple.

    .. math::

        \mathcal{L} = \frac{1}{M} \sum_{m=1}^{M} \frac{1}{N} \sum_{i=1}^{N}
        \Bigl[\log \sum_{c \in \mathcal{C}_m(i)} e^{s \operatorname{MIP}(r_m[i], c)}
        - s \operatorname{MIP}(r_1[i], \dots, r_M[i])\Bigr]

    with :math:`s` = ``logit_scale`` and :math:`\mathcal{C}_m(i)` the candidate non-anchor tuples of
    row i (the positive included): N of them for ``"n"``, N^(M-1) for ``"n_squared"`` (module docstring).

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d) of one dtype and device, N >= 2 (a contrastive batch needs negatives),
        L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores (a 0-dim or (1,) real tensor to learn it). On the CPU, a scale
        whose scores could overflow the representations' dtype (1e39 in float32) is a ValueError.
    negatives : {"n", "n_squared"}
        Negative scheme (module docstring).
    generator : torch.Generator, optional
        Source of the row permutations of ``"n"`` (M * (M - 2) permutations are drawn per call, none for
        M = 2; default: torch's global CPU RNG); pass a seeded one for determinism. A CPU generator gives
        the same permutations on every device; one on the reps' device avoids a copy per call. Unused by
        ``"n_squared"``. Anything but a ``torch.Generator`` or None is a TypeError.
    chunk_elements : int
        Largest number of scores materialised at once by ``"n_squared"`` (memory knob).
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses, row i's cross-entropy averaged over the M anchor
        modalities (their mean is the ``"mean"`` loss); ``"sum"``: their sum.

    Returns
    -------
    torch.Tensor
        Loss in nats on the device of ``reps``: a scalar, or (N,) for ``reduction="none"``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> reps = [F.normalize(torch.randn(8, 4, generator=g), dim=1) for _ in range(2)]
    >>> bool(torch.isclose(symile_loss(reps, 2.0), clip_loss(reps, 2.0)))
    True
    >>> symile_loss(reps, 2.0, reduction="none").shape  # per-sample losses, their mean is the loss
    torch.Size([8])
    """
    reps = check_reps(reps, min_rows=2)
    check_choice("negatives", negatives, NEGATIVES)
    check_generator(generator)
    per_row = check_reduction(reduction) != "mean"
    n, m_count = reps[0].shape[0], len(reps)
    scale = loss_scale(logit_scale, reps, terms=n * m_count)  # ValueError if the scores could overflow
    pos = scale * _mip(reps)  # (N,) score of the positive tuple, shared by every anchor
    losses = []  # per anchor: a scalar, or (N,) per row
    if negatives == "n":
        labels = torch.arange(n, device=pos.device)
        for m, columns in enumerate(_n_candidates(m_count, n, generator, pos.device)):
            cols = None
            for k, perm in columns:
                rows = reps[k] if perm is None else reps[k][perm]  # (N, d) row j (first) or perm[j]
                cols = rows if cols is None else cols * rows  # (N, d) candidate products, column j
            logits = scale * (reps[m] @ cols.T)  # (N, N)
            logits = torch.diagonal_scatter(logits, pos)  # positives on the diagonal
            losses.append(F.cross_entropy(logits, labels, reduction="none" if per_row else "mean"))
    else:
        for lse in _lse_every_anchor(reps, None, scale, chunk_elements):  # M x (N,), one streamed pass
            losses.append(lse - pos if per_row else (lse - pos).mean())
    if not per_row:
        return torch.stack(losses).mean()
    per_sample = torch.stack(losses).mean(dim=0)  # (N,) mean over the M anchors
    return per_sample if reduction == "none" else per_sample.sum()


def clip_loss(reps: Sequence[torch.Tensor], logit_scale, *, reduction: str = "mean") -> torch.Tensor:
    r"""Pairwise CLIP baseline: sum over all modality pairs of the symmetric InfoNCE loss.

    .. math::

        \mathcal{L}_{\mathrm{CLIP}} = \sum_{a < b} \tfrac12 \bigl(\mathrm{CE}_{\mathrm{rows}}(S_{ab})
        + \mathrm{CE}_{\mathrm{cols}}(S_{ab})\bigr), \qquad S_{ab} = s\, r_a r_b^{\top}

    Symmetric InfoNCE is the *mean* of the two directions, so for M = 2 this equals
    :func:`symile_loss` (either negative scheme).

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d) of one dtype and device, N >= 2, L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores (as in :func:`symile_loss`).
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses, row i's sum over pairs of the mean of its two directions'
        cross-entropies (their mean is the ``"mean"`` loss); ``"sum"``: their sum.

    Returns
    -------
    torch.Tensor
        Loss in nats (a sum of M(M-1)/2 pair terms): a scalar, or (N,) for ``reduction="none"``.

    Examples
    --------
    >>> import math
    >>> reps = [torch.eye(3), torch.eye(3)]
    >>> float(round(clip_loss(reps, 1.0).item(), 6)) == round(math.log(1 + 2 / math.e), 6)
    True
    """
    reps = check_reps(reps, min_rows=2)
    per_row = check_reduction(reduction) != "mean"
    pairs = len(reps) * (len(reps) - 1) // 2
    scale = loss_scale(logit_scale, reps, terms=reps[0].shape[0] * pairs)  # ValueError if it could overflow
    labels = torch.arange(reps[0].shape[0], device=reps[0].device)
    how = "none" if per_row else "mean"
    total = reps[0].new_zeros(())  # () or, once broadcast, (N,) per row
    for a in range(len(reps)):
        for b in range(a + 1, len(reps)):
            logits = scale * (reps[a] @ reps[b].T)  # (N, N)
            rows = F.cross_entropy(logits, labels, reduction=how)  # anchor a[i] against every b
            cols = F.cross_entropy(logits.T, labels, reduction=how)  # anchor b[i] against every a
            total = total + (rows + cols) / 2
    return total.sum() if reduction == "sum" else total
