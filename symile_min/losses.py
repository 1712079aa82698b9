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
    The log-sum-exp over the combinations is streamed in chunks by a custom autograd function that
    recomputes each chunk in backward, so at most ``chunk_elements`` scores exist at once, forward and
    backward (never N x N^(M-1)).

Bounds: every anchor's cross-entropy with K candidates gives ``log K - CE``, an InfoNCE estimate of
the total correlation (see :func:`bound_from_loss`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import METHODS, NEGATIVES, check_choice, check_reps, check_scale

__all__ = [
    "mip",
    "symile_loss",
    "clip_loss",
    "symile_loss_grouped",
    "clip_loss_grouped",
    "symile_loss_materialised",
    "infonce_from_scores",
    "symile_loss_from_scores",
    "bound_cap",
    "bound_from_loss",
    "DEFAULT_CHUNK_ELEMENTS",
]

#: most scores alive at once in the streamed all-combinations log-sum-exp (2**21: 8 MiB in float32)
DEFAULT_CHUNK_ELEMENTS = 2**21


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
    return _mip(reps)


def _mip(reps: Sequence[torch.Tensor]) -> torch.Tensor:
    prod = reps[0]
    for r in reps[1:]:
        prod = prod * r
    return prod.sum(dim=-1)  # (N,)


def _n_permutations(m_count: int, n: int, generator: torch.Generator | None) -> list[list[torch.Tensor]]:
    """For each anchor, one permutation per non-anchor modality after the first (drawn in a fixed order)."""
    return [[torch.randperm(n, generator=generator) for _ in range(m_count - 2)] for _ in range(m_count)]


def _scale_like(logit_scale, like: torch.Tensor):
    return logit_scale.to(like.dtype) if isinstance(logit_scale, torch.Tensor) else float(logit_scale)


def symile_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    *,
    negatives: str = "n",
    generator: torch.Generator | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
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
        M >= 2 tensors (N, d), L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores (a 0-dim tensor to learn it).
    negatives : {"n", "n_squared"}
        Negative scheme (module docstring).
    generator : torch.Generator, optional
        Source of the row permutations of ``"n"`` (M * (M - 2) permutations are drawn per call, none
        for M = 2); pass a seeded generator for determinism. Unused by ``"n_squared"``.
    chunk_elements : int
        Largest number of scores materialised at once by ``"n_squared"`` (memory knob).

    Returns
    -------
    torch.Tensor
        Scalar loss in nats.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> reps = [F.normalize(torch.randn(8, 4, generator=g), dim=1) for _ in range(2)]
    >>> bool(torch.isclose(symile_loss(reps, 2.0), clip_loss(reps, 2.0)))
    True
    """
    reps = check_reps(reps)
    check_scale(logit_scale)
    check_choice("negatives", negatives, NEGATIVES)
    n, m_count = reps[0].shape[0], len(reps)
    scale = _scale_like(logit_scale, reps[0])
    pos = scale * _mip(reps)  # (N,) score of the positive tuple, shared by every anchor
    losses = []
    if negatives == "n":
        labels = torch.arange(n)
        perms = _n_permutations(m_count, n, generator)
        for m in range(m_count):
            others = [r for k, r in enumerate(reps) if k != m]
            cols = others[0]  # (N, d) first non-anchor modality keeps its row order
            for r, perm in zip(others[1:], perms[m], strict=True):
                cols = cols * r[perm]  # (N, d) further modalities are row-permuted
            logits = scale * (reps[m] @ cols.T)  # (N, N)
            logits = torch.diagonal_scatter(logits, pos)  # positives on the diagonal
            losses.append(F.cross_entropy(logits, labels))
    else:
        for m in range(m_count):
            others = [r for k, r in enumerate(reps) if k != m]
            lse = _lse_all_combinations(reps[m], others, None, scale, chunk_elements)  # (N,)
            losses.append((lse - pos).mean())
    return torch.stack(losses).mean()


def clip_loss(reps: Sequence[torch.Tensor], logit_scale) -> torch.Tensor:
    r"""Pairwise CLIP baseline: sum over all modality pairs of the symmetric InfoNCE loss.

    .. math::

        \mathcal{L}_{\mathrm{CLIP}} = \sum_{a < b} \tfrac12 \bigl(\mathrm{CE}_{\mathrm{rows}}(S_{ab})
        + \mathrm{CE}_{\mathrm{cols}}(S_{ab})\bigr), \qquad S_{ab} = s\, r_a r_b^{\top}

    Symmetric InfoNCE is the *mean* of the two directions, so for M = 2 this equals
    :func:`symile_loss` (either negative scheme).

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d), L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores.

    Returns
    -------
    torch.Tensor
        Scalar loss in nats (a sum of M(M-1)/2 pair terms).

    Examples
    --------
    >>> reps = [torch.eye(3), torch.eye(3)]
    >>> float(round(clip_loss(reps, 1.0).item(), 6)) == round(math.log(1 + 2 / math.e), 6)
    True
    """
    reps = check_reps(reps)
    check_scale(logit_scale)
    scale = _scale_like(logit_scale, reps[0])
    labels = torch.arange(reps[0].shape[0])
    total = reps[0].new_zeros(())
    for a in range(len(reps)):
        for b in range(a + 1, len(reps)):
            logits = scale * (reps[a] @ reps[b].T)  # (N, N)
            total = total + (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    return total


# --------------------------------------------------------------------------------------------------
# streamed log-sum-exp over all combinations of non-anchor rows (the "n_squared" scheme)


def _chunk_scores(start: int, stop: int, sizes: tuple[int, ...], anchor, scale, others, logws):
    """Weighted scores of every anchor row against the flattened combinations [start, stop) -> (Ua, L)."""
    rem = torch.arange(start, stop)  # (L,) flat combination index, row-major over `sizes`
    prod, logw = None, None
    for k in reversed(range(len(sizes))):
        idx = rem % sizes[k]  # (L,) row of non-anchor modality k
        rem = rem // sizes[k]
        prod = others[k][idx] if prod is None else prod * others[k][idx]  # (L, d)
        if logws:
            logw = logws[k][idx] if logw is None else logw + logws[k][idx]  # (L,)
    scores = scale * (anchor @ prod.T)  # (Ua, L)
    return scores if logw is None else scores + logw


class _StreamedLSE(torch.autograd.Function):
    """log-sum-exp over all combinations, one chunk of scores alive at a time in forward *and* backward."""

    @staticmethod
    def forward(ctx, per_chunk, sizes, n_others, anchor, scale, *others_and_logw):
        others, logws = others_and_logw[:n_others], others_and_logw[n_others:]
        total = math.prod(sizes)
        lse = None
        for start in range(0, total, per_chunk):  # running log-sum-exp over chunks
            part = torch.logsumexp(
                _chunk_scores(start, min(total, start + per_chunk), sizes, anchor, scale, others, logws),
                dim=1,
            )  # (Ua,)
            lse = part if lse is None else torch.logaddexp(lse, part)
        ctx.per_chunk, ctx.sizes, ctx.n_others = per_chunk, sizes, n_others
        ctx.save_for_backward(anchor, scale, *others_and_logw, lse)
        return lse

    @staticmethod
    def backward(ctx, grad_lse):
        anchor, scale, *rest = ctx.saved_tensors
        lse = rest.pop()
        inputs = [
            t.detach().requires_grad_(need)
            for t, need in zip([anchor, scale, *rest], ctx.needs_input_grad[3:])
        ]
        wanted = [t for t in inputs if t.requires_grad]
        grads = [torch.zeros_like(t) for t in wanted]
        others, logws = inputs[2 : 2 + ctx.n_others], inputs[2 + ctx.n_others :]
        total = math.prod(ctx.sizes)
        for start in range(0, total, ctx.per_chunk):  # recompute each chunk; d lse / d score = softmax
            with torch.enable_grad():
                scores = _chunk_scores(
                    start, min(total, start + ctx.per_chunk), ctx.sizes, inputs[0], inputs[1], others, logws
                )  # (Ua, L)
            weight = torch.exp(scores.detach() - lse[:, None]) * grad_lse[:, None]  # (Ua, L)
            if wanted:
                for acc, g in zip(
                    grads, torch.autograd.grad(scores, wanted, weight, allow_unused=True), strict=True
                ):
                    if g is not None:
                        acc += g
        it = iter(grads)
        return (None, None, None, *[next(it) if t.requires_grad else None for t in inputs])


def _lse_all_combinations(anchor, others, log_weights, scale, chunk_elements: int) -> torch.Tensor:
    r"""``lse[u] = log sum_c w(c) exp(scale * MIP(anchor[u], others[0][c_1], ..., others[K-1][c_K]))``.

    The sum runs over all combinations c of non-anchor rows, weighted by ``exp(sum_k log_weights[k][c_k])``
    (weights 1 when ``log_weights`` is None). Scores are built ``chunk_elements`` at a time by a custom
    autograd function whose backward recomputes each chunk (softmax weights from the saved lse), so
    memory stays O(chunk_elements) in forward and backward.
    """
    if not (isinstance(chunk_elements, int) and chunk_elements >= 1):
        raise ValueError(f"chunk_elements must be a positive int, got {chunk_elements!r}")
    sizes = tuple(int(o.shape[0]) for o in others)
    per_chunk = max(1, chunk_elements // max(1, int(anchor.shape[0])))  # combinations per chunk
    if not isinstance(scale, torch.Tensor):
        scale = torch.tensor(float(scale), dtype=anchor.dtype)
    if math.prod(sizes) <= per_chunk:  # small problem: one plain autograd pass
        return torch.logsumexp(
            _chunk_scores(0, math.prod(sizes), sizes, anchor, scale, others, log_weights or ()), dim=1
        )
    return _StreamedLSE.apply(per_chunk, sizes, len(others), anchor, scale, *others, *(log_weights or ()))


def symile_loss_materialised(reps: Sequence[torch.Tensor], logit_scale) -> torch.Tensor:
    """Reference ``"n_squared"`` Symile loss that materialises all N x N^(M-1) logits (tests, benchmark).

    Same value as ``symile_loss(reps, logit_scale, negatives="n_squared")`` in nats; memory O(N^M),
    so only for small N.

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d).
    logit_scale : float or torch.Tensor
        Positive multiplier.

    Returns
    -------
    torch.Tensor
        Scalar loss in nats.
    """
    reps = check_reps(reps)
    check_scale(logit_scale)
    scale = _scale_like(logit_scale, reps[0])
    n, m_count = reps[0].shape[0], len(reps)
    losses = []
    for m in range(m_count):
        others = [r for k, r in enumerate(reps) if k != m]
        prod = others[0]  # (N, d) -> (N^(K), d) all combinations, row-major
        for r in others[1:]:
            prod = (prod[:, None, :] * r[None, :, :]).reshape(-1, prod.shape[1])
        logits = scale * (reps[m] @ prod.T)  # (N, N^(M-1))
        flat_pos = torch.arange(n) * sum(n**k for k in range(m_count - 1))  # index of (i, i, ..., i)
        losses.append(F.cross_entropy(logits, flat_pos))
    return torch.stack(losses).mean()


# --------------------------------------------------------------------------------------------------
# grouped form: the same losses when many rows share a value (discrete inputs), at O(unique) cost


def _check_grouped(unique_reps, ids):
    unique_reps = list(unique_reps)
    if len(unique_reps) < 2:
        raise ValueError(f"unique_reps needs at least 2 modalities, got M = {len(unique_reps)}")
    if not isinstance(ids, Sequence) or len(ids) != len(unique_reps):
        raise ValueError(f"ids must be a list of {len(unique_reps)} index tensors, got {type(ids).__name__}")
    dims = set()
    for m, (u, i) in enumerate(zip(unique_reps, ids, strict=True)):
        if not isinstance(u, torch.Tensor) or u.ndim != 2 or not u.is_floating_point():
            raise ValueError(f"unique_reps[{m}] must be a floating tensor (U, d), got {u!r:.60}")
        if not isinstance(i, torch.Tensor) or i.ndim != 1 or i.dtype != torch.long:
            raise ValueError(f"ids[{m}] must be a 1-D int64 tensor, got {i!r:.60}")
        if i.numel() and (int(i.min()) < 0 or int(i.max()) >= u.shape[0]):
            raise ValueError(f"ids[{m}] has indices outside [0, {u.shape[0]})")
        dims.add(u.shape[1])
    lengths = [int(i.shape[0]) for i in ids]
    if len(set(lengths)) != 1 or lengths[0] < 1:
        raise ValueError(f"ids must all have the same length N >= 1 (ragged batch?), got lengths {lengths}")
    if len(dims) != 1:
        raise ValueError(f"unique_reps must share the representation dim d, got {sorted(dims)}")
    return unique_reps


def _compress(unique_reps, ids):
    """Keep only the values present in the batch: (values (U', d), inverse (N,), counts (U',)) each."""
    out = []
    for u, i in zip(unique_reps, ids, strict=True):
        present, inverse, counts = torch.unique(i, return_inverse=True, return_counts=True)
        out.append((u[present], inverse, counts))
    return out


def symile_loss_grouped(
    unique_reps: Sequence[torch.Tensor],
    ids: Sequence[torch.Tensor],
    logit_scale,
    *,
    negatives: str = "n",
    generator: torch.Generator | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> torch.Tensor:
    """:func:`symile_loss` of ``[u[i] for u, i in zip(unique_reps, ids)]``, computed on the distinct rows.

    When a modality takes few distinct values (discrete inputs through a deterministic encoder), a
    log-sum-exp only depends on the anchor's distinct value, so scores are built per distinct anchor
    value: O(U_anchor x N) for ``"n"`` and O(U_anchor x prod of the other U) for ``"n_squared"`` (candidates
    weighted by their counts) instead of O(N^2) and O(N^M). Exact: same value and gradient up to
    rounding, and the same permutations are drawn from ``generator``. For ``"n"``, the one column that
    row i excludes (its own j = i) is removed from the row sum without catastrophic cancellation: when
    it is the row's largest column it is dropped exactly, otherwise it is at most half the sum.

    Parameters
    ----------
    unique_reps : list of torch.Tensor
        M tensors (U_m, d): the representation of each distinct value of modality m.
    ids : list of torch.Tensor
        M int64 tensors (N,): row i of modality m is ``unique_reps[m][ids[m][i]]``.
    logit_scale, negatives, generator, chunk_elements
        As in :func:`symile_loss`.

    Returns
    -------
    torch.Tensor
        Scalar loss in nats.
    """
    unique_reps = _check_grouped(unique_reps, ids)
    check_scale(logit_scale)
    check_choice("negatives", negatives, NEGATIVES)
    n, m_count = int(ids[0].shape[0]), len(unique_reps)
    scale = _scale_like(logit_scale, unique_reps[0])
    pos = scale * _mip([u.index_select(0, i) for u, i in zip(unique_reps, ids, strict=True)])  # (N,)
    losses = []
    if negatives == "n_squared":
        groups = _compress(unique_reps, ids)  # only values present: every weight is >= 1
        for m in range(m_count):
            others = [groups[k] for k in range(m_count) if k != m]
            lse = _lse_all_combinations(
                groups[m][0],
                [vals for vals, _, _ in others],
                [cnt.to(pos.dtype).log() for _, _, cnt in others],
                scale,
                chunk_elements,
            )  # (U_m,)
            losses.append((lse[groups[m][1]] - pos).mean())
        return torch.stack(losses).mean()
    # "n": all M anchors at once on a padded table of distinct values (few large ops, not 3M small ones)
    perms = _n_permutations(m_count, n, generator)
    table, rows_idx, umax = _padded_table(unique_reps, ids)  # (M*Umax, d), (M, N) flat row of sample i
    col_idx = []  # (M, M-1, N): flat rows forming column j of anchor m, modality by modality
    for m in range(m_count):
        others = [k for k in range(m_count) if k != m]
        col_idx.append(
            torch.stack([rows_idx[others[0]]] + [rows_idx[k][p] for k, p in zip(others[1:], perms[m])])
        )
    gathered = table.index_select(0, torch.stack(col_idx).reshape(-1)).reshape(m_count, m_count - 1, n, -1)
    cols = gathered[:, 0]
    for t in range(1, m_count - 1):
        cols = cols * gathered[:, t]  # (M, N, d) candidate products, column j
    row_reps = table.index_select(0, rows_idx.reshape(-1)).reshape(m_count, n, -1)  # (M, N, d)
    anchors = table.reshape(m_count, umax, -1)  # (M, Umax, d) distinct anchor values (zero padding)
    scores = scale * torch.bmm(anchors, cols.transpose(1, 2))  # (M, Umax, N)
    top = scores.detach().max(dim=2)  # (M, Umax) largest column per anchor value
    e = torch.exp(scores - top.values[..., None])  # (M, Umax, N), <= 1
    total = e.sum(dim=2).reshape(-1)  # (M*Umax,) sum over the N columns
    minus_top = e.scatter(2, top.indices[..., None], 0.0).sum(dim=2).reshape(-1)  # top column dropped exactly
    flat = rows_idx.reshape(-1)  # (M*N,) anchor value of row i, per anchor
    top_i = top.values.reshape(-1).index_select(0, flat)  # (M*N,)
    s_ii = scale * (row_reps * cols).sum(dim=2).reshape(-1)  # (M*N,) score of column j = i (to drop)
    e_ii = torch.exp(s_ii - top_i)
    is_top = top.indices.reshape(-1).index_select(0, flat) == torch.arange(n).repeat(m_count)
    # drop column j = i: exactly when it is the row's largest column, else by subtraction (<= half the sum)
    rest = torch.where(is_top, minus_top.index_select(0, flat), total.index_select(0, flat) - e_ii)
    pos_all = pos.repeat(m_count)  # (M*N,)
    lse = torch.logaddexp(top_i + rest.clamp_min(torch.finfo(pos.dtype).tiny).log(), pos_all)
    return (lse - pos_all).mean()  # mean over anchors of the per-anchor means (same N each)


def _padded_table(unique_reps, ids):
    """Distinct values of all modalities zero-padded to Umax rows -> (M*Umax, d); row ids (M, N)."""
    umax = max(int(u.shape[0]) for u in unique_reps)
    table = torch.cat([F.pad(u, (0, 0, 0, umax - u.shape[0])) for u in unique_reps])  # (M*Umax, d)
    rows_idx = torch.stack([i + m * umax for m, i in enumerate(ids)])  # (M, N)
    return table, rows_idx, umax


def clip_loss_grouped(unique_reps: Sequence[torch.Tensor], ids: Sequence[torch.Tensor], logit_scale):
    """:func:`clip_loss` of ``[u[i] for u, i in zip(unique_reps, ids)]``, computed on the distinct rows.

    Each pair costs O(U_a x U_b) instead of O(N^2) (log-sum-exp over distinct values weighted by
    their counts). Exact up to rounding.

    Parameters
    ----------
    unique_reps : list of torch.Tensor
        M tensors (U_m, d).
    ids : list of torch.Tensor
        M int64 tensors (N,).
    logit_scale : float or torch.Tensor
        Positive multiplier.

    Returns
    -------
    torch.Tensor
        Scalar loss in nats.
    """
    unique_reps = _check_grouped(unique_reps, ids)
    check_scale(logit_scale)
    scale = _scale_like(logit_scale, unique_reps[0])
    m_count, n = len(unique_reps), int(ids[0].shape[0])
    table, rows_idx, umax = _padded_table(unique_reps, ids)  # (M*Umax, d), (M, N)
    # log count of every distinct value in the batch (-inf for absent or padding values: weight 0)
    log_counts = torch.bincount(rows_idx.reshape(-1), minlength=m_count * umax).to(table.dtype).log()
    log_counts = log_counts.reshape(m_count, umax)
    pair_a, pair_b = zip(*[(a, b) for a in range(m_count) for b in range(a + 1, m_count)], strict=True)
    pair_a, pair_b = torch.tensor(pair_a), torch.tensor(pair_b)  # (P,)
    values = table.reshape(m_count, umax, -1)  # (M, Umax, d)
    va, vb = values.index_select(0, pair_a), values.index_select(0, pair_b)  # (P, Umax, d) each
    scores = scale * torch.bmm(va, vb.transpose(1, 2))  # (P, Umax, Umax)
    lse_rows = torch.logsumexp(scores + log_counts[pair_b][:, None, :], dim=2)  # (P, Umax) per value of a
    lse_cols = torch.logsumexp(scores + log_counts[pair_a][:, :, None], dim=1)  # (P, Umax) per value of b
    pairs = torch.arange(len(pair_a))[:, None] * umax  # (P, 1) offsets into the flattened (P*Umax,)
    rows = lse_rows.reshape(-1).index_select(0, (pairs + _ids_stack(ids, pair_a)).reshape(-1))  # (P*N,)
    cols = lse_cols.reshape(-1).index_select(0, (pairs + _ids_stack(ids, pair_b)).reshape(-1))  # (P*N,)
    row_reps = table.index_select(0, rows_idx.reshape(-1)).reshape(m_count, n, -1)  # (M, N, d)
    pos = scale * (row_reps.index_select(0, pair_a) * row_reps.index_select(0, pair_b)).sum(dim=2).reshape(-1)
    # sum over pairs of (CE_rows + CE_cols) / 2
    return len(pair_a) * ((rows - pos).mean() + (cols - pos).mean()) / 2


def _ids_stack(ids, which: torch.Tensor) -> torch.Tensor:
    """(len(which), N) stack of ``ids[k]`` for k in ``which``."""
    return torch.stack([ids[int(k)] for k in which])


# --------------------------------------------------------------------------------------------------
# the loss core on raw scores (plug in an exact critic)


def infonce_from_scores(scores: torch.Tensor, *, symmetric: bool = False) -> torch.Tensor:
    r"""InfoNCE cross-entropy from a score matrix whose positive for row i is column i.

    .. math::

        \mathrm{CE}_{\mathrm{rows}} = \frac1N \sum_i \Bigl[\log \sum_j e^{S_{ij}} - S_{ii}\Bigr]

    Parameters
    ----------
    scores : torch.Tensor
        (N, K) with K >= N; scores already include any scale (e.g. an exact critic's log density ratio).
    symmetric : bool
        If True (square ``scores`` only), return ``(CE_rows + CE_cols) / 2``.

    Returns
    -------
    torch.Tensor
        Scalar, nats.

    Examples
    --------
    >>> float(round(infonce_from_scores(torch.zeros(4, 4)).item(), 6)) == round(math.log(4), 6)
    True
    """
    if not isinstance(scores, torch.Tensor) or scores.ndim != 2 or not scores.is_floating_point():
        raise ValueError(f"scores must be a floating (N, K) tensor, got {scores!r:.60}")
    n, k = scores.shape
    if n < 1 or k < n:
        raise ValueError(f"scores must have shape (N, K) with K >= N >= 1, got {tuple(scores.shape)}")
    if not bool(torch.isfinite(scores).all()):
        raise ValueError("scores contains non-finite values (nan or inf)")
    labels = torch.arange(n)
    rows = F.cross_entropy(scores, labels)
    if not symmetric:
        return rows
    if k != n:
        raise ValueError(f"symmetric=True needs a square score matrix, got shape {tuple(scores.shape)}")
    return (rows + F.cross_entropy(scores.T, labels)) / 2


def symile_loss_from_scores(scores: Sequence[torch.Tensor], *, negatives: str = "n") -> torch.Tensor:
    r"""Symile loss (mean over anchors of InfoNCE) from precomputed per-anchor score tensors.

    Parameters
    ----------
    scores : list of torch.Tensor
        One tensor per anchor modality m, scores already scaled (e.g. the exact critic
        :math:`\log p(x_1..x_M) / \prod_m p(x_m)`). For ``"n"``: shape (N, N), row i = anchor sample i,
        column j = its j-th candidate, the positive at j = i. For ``"n_squared"``: shape (N,) * M with the
        anchor axis first and then one axis per non-anchor modality in index order; the positive of row i
        is at (i, i, ..., i) and every other entry is a negative.
    negatives : {"n", "n_squared"}
        Layout of ``scores`` (above).

    Returns
    -------
    torch.Tensor
        Scalar, nats.

    Examples
    --------
    >>> s = [torch.zeros(4, 4, 4) for _ in range(3)]  # uninformative critic: loss = log N^2
    >>> float(round(symile_loss_from_scores(s, negatives="n_squared").item(), 6)) == round(math.log(16), 6)
    True
    """
    check_choice("negatives", negatives, NEGATIVES)
    if isinstance(scores, torch.Tensor) or not isinstance(scores, Sequence) or len(scores) < 2:
        raise ValueError("scores must be a list of at least 2 per-anchor score tensors")
    losses = []
    for m, s in enumerate(scores):
        if negatives == "n":
            if not isinstance(s, torch.Tensor) or s.ndim != 2 or s.shape[0] != s.shape[1]:
                raise ValueError(f"scores[{m}] must be a square (N, N) tensor for negatives='n'")
            losses.append(infonce_from_scores(s))
            continue
        if not isinstance(s, torch.Tensor) or s.ndim != len(scores) or len(set(s.shape)) != 1:
            raise ValueError(
                f"scores[{m}] must have shape (N,) * {len(scores)} for negatives='n_squared', "
                f"got {tuple(getattr(s, 'shape', ()))}"
            )
        n = s.shape[0]
        flat = s.reshape(n, -1)  # (N, N^(M-1))
        diag = torch.arange(n) * sum(n**k for k in range(len(scores) - 1))  # flat index of (i, ..., i)
        losses.append(_ce_at(flat, diag))
    return torch.stack(losses).mean()


def _ce_at(flat: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if not bool(torch.isfinite(flat).all()):
        raise ValueError("scores contains non-finite values (nan or inf)")
    return F.cross_entropy(flat, target)


# --------------------------------------------------------------------------------------------------
# bounds


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
        Logarithm base (2: bits, e: nats).

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
    if not (isinstance(n, int) and n >= 1):
        raise ValueError(f"n must be an int >= 1, got {n!r}")
    if not (isinstance(m, int) and m >= 2):
        raise ValueError(f"m must be an int >= 2, got {m!r}")
    if not base > 1:
        raise ValueError(f"base must be > 1, got {base!r}")
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
    loss = float(loss)
    if not math.isfinite(loss) or loss < 0:
        raise ValueError(f"loss must be a finite cross-entropy >= 0 (nats), got {loss!r}")
    return (cap - loss) / math.log(base)
