r"""The Symile and CLIP losses computed on distinct rows: O(unique values) instead of O(N^2) / O(N^M).

With discrete inputs through a deterministic encoder, many rows of a batch share a representation.
Pass each modality's distinct representations ``unique_reps[m]`` (U_m, d) and the row ids ``ids[m]``
(N,), row i being ``unique_reps[m][ids[m][i]]``: :func:`symile_loss_grouped` and
:func:`clip_loss_grouped` return :func:`symile_min.symile_loss` / :func:`symile_min.clip_loss` of the
expanded batch (same value and gradient up to rounding, same ``"n"`` permutations for the same
generator) from log-sum-exps over distinct values weighted by their counts. Losses in **nats**.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import NEGATIVES, check_choice, check_generator, check_reduction, check_reps, loss_scale
from ._streamed import DEFAULT_CHUNK_ELEMENTS, _lse_every_anchor
from .losses import _mip, _n_candidates

__all__ = ["symile_loss_grouped", "clip_loss_grouped"]


def _check_grouped(unique_reps, ids):
    """The checks of :func:`symile_loss` (``check_reps``: one dtype and device, one width, finite, non-empty)
    on the distinct values, whose row counts U_m may differ, and the row ids: M int64 (N,) tensors, N >= 2.
    """
    unique_reps = check_reps(unique_reps, name="unique_reps", same_rows=False)
    if isinstance(ids, torch.Tensor) or not isinstance(ids, Sequence) or len(ids) != len(unique_reps):
        raise ValueError(f"ids must be a list of {len(unique_reps)} index tensors, got {type(ids).__name__}")
    for m, (u, i) in enumerate(zip(unique_reps, ids, strict=True)):
        if not isinstance(i, torch.Tensor) or i.ndim != 1 or i.dtype != torch.long:
            raise ValueError(f"ids[{m}] must be a 1-D int64 tensor, got {i!r:.60}")
        # index range read back on the CPU only (elsewhere a host sync per call)
        if i.device.type == "cpu" and i.numel() and (int(i.min()) < 0 or int(i.max()) >= u.shape[0]):
            raise ValueError(f"ids[{m}] has indices outside [0, {u.shape[0]})")
    lengths = [int(i.shape[0]) for i in ids]
    if len(set(lengths)) != 1:
        raise ValueError(f"ids must all have the same length N (ragged batch?), got lengths {lengths}")
    if lengths[0] < 2:
        raise ValueError(f"ids have N = {lengths[0]} rows: a contrastive batch needs negatives, N >= 2")
    if len({i.device for i in ids} | {unique_reps[0].device}) != 1:
        raise ValueError(f"ids must live on the device of unique_reps ({unique_reps[0].device})")
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
    reduction: str = "mean",
) -> torch.Tensor:
    """:func:`symile_loss` of ``[u[i] for u, i in zip(unique_reps, ids)]``, computed on the distinct rows.

    When a modality takes few distinct values (discrete inputs through a deterministic encoder), a
    log-sum-exp only depends on the anchor's distinct value, so scores are built per distinct anchor
    value: O(U_anchor x N) for ``"n"`` and O(U_anchor x prod of the other U) for ``"n_squared"`` (candidates
    weighted by their counts) instead of O(N^2) and O(N^M). Exact: same value and gradient up to
    rounding, and the same permutations are drawn from ``generator``. ``"n"`` runs without a host sync
    on any device; ``"n_squared"`` first finds the values present in the batch (``torch.unique``, a host
    sync on accelerators). For ``"n"``, the one column that
    row i excludes (its own j = i) is removed from the row sum without catastrophic cancellation: when
    it is the row's largest column it is dropped exactly, otherwise it is at most half the sum.

    Parameters
    ----------
    unique_reps : list of torch.Tensor
        M tensors (U_m, d): the representation of each distinct value of modality m.
    ids : list of torch.Tensor
        M int64 tensors (N,): row i of modality m is ``unique_reps[m][ids[m][i]]``.
    logit_scale, negatives, generator, chunk_elements, reduction
        As in :func:`symile_loss`.

    Returns
    -------
    torch.Tensor
        Loss in nats: a scalar, or (N,) per-sample losses for ``reduction="none"``.
    """
    unique_reps = _check_grouped(unique_reps, ids)
    check_choice("negatives", negatives, NEGATIVES)
    check_generator(generator)
    per_row = check_reduction(reduction) != "mean"
    n, m_count = int(ids[0].shape[0]), len(unique_reps)
    scale = loss_scale(logit_scale, unique_reps, terms=n * m_count, name="unique_reps")
    pos = scale * _mip([u.index_select(0, i) for u, i in zip(unique_reps, ids, strict=True)])  # (N,)
    losses = []
    if negatives == "n_squared":
        groups = _compress(unique_reps, ids)  # only values present: every weight is >= 1
        lses = _lse_every_anchor(  # M x (U_m,), one streamed pass, each anchor's own weight left out
            [vals for vals, _, _ in groups],
            [cnt.to(pos.dtype).log() for _, _, cnt in groups],
            scale,
            chunk_elements,
        )
        for lse, (_, inverse, _) in zip(lses, groups, strict=True):
            per_sample = lse[inverse] - pos  # (N,)
            losses.append(per_sample if per_row else per_sample.mean())
        if per_row:
            return _reduce(torch.stack(losses).mean(dim=0), reduction)  # (N,) mean over the anchors
        return torch.stack(losses).mean()
    # "n": all M anchors at once on a padded table of distinct values (few large ops, not 3M small ones)
    table, rows_idx, umax = _padded_table(unique_reps, ids)  # (M*Umax, d), (M, N) flat row of sample i
    col_idx = []  # (M, M-1, N): flat rows forming column j of anchor m, modality by modality
    for columns in _n_candidates(m_count, n, generator, table.device):
        col_idx.append(torch.stack([rows_idx[k] if p is None else rows_idx[k][p] for k, p in columns]))
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
    own_column = torch.arange(n, device=flat.device).repeat(m_count)  # (M*N,) column j = i of each row
    is_top = top.indices.reshape(-1).index_select(0, flat) == own_column
    # drop column j = i: exactly when it is the row's largest column, else by subtraction (<= half the sum)
    rest = torch.where(is_top, minus_top.index_select(0, flat), total.index_select(0, flat) - e_ii)
    pos_all = pos.repeat(m_count)  # (M*N,)
    lse = torch.logaddexp(top_i + rest.clamp_min(torch.finfo(pos.dtype).tiny).log(), pos_all)
    if per_row:
        return _reduce((lse - pos_all).reshape(m_count, n).mean(dim=0), reduction)  # (N,)
    return (lse - pos_all).mean()  # mean over anchors of the per-anchor means (same N each)


def _reduce(per_sample: torch.Tensor, reduction: str) -> torch.Tensor:
    return per_sample if reduction == "none" else per_sample.sum()


def _padded_table(unique_reps, ids):
    """Distinct values of all modalities zero-padded to Umax rows -> (M*Umax, d); row ids (M, N)."""
    umax = max(int(u.shape[0]) for u in unique_reps)
    table = torch.cat([F.pad(u, (0, 0, 0, umax - u.shape[0])) for u in unique_reps])  # (M*Umax, d)
    rows_idx = torch.stack([i + m * umax for m, i in enumerate(ids)])  # (M, N)
    return table, rows_idx, umax


def clip_loss_grouped(
    unique_reps: Sequence[torch.Tensor], ids: Sequence[torch.Tensor], logit_scale, *, reduction: str = "mean"
) -> torch.Tensor:
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
    reduction : {"mean", "sum", "none"}
        As in :func:`clip_loss`.

    Returns
    -------
    torch.Tensor
        Loss in nats: a scalar, or (N,) per-sample losses for ``reduction="none"``.
    """
    unique_reps = _check_grouped(unique_reps, ids)
    per_row = check_reduction(reduction) != "mean"
    m_count, n = len(unique_reps), int(ids[0].shape[0])
    scale = loss_scale(logit_scale, unique_reps, terms=n * m_count * (m_count - 1) // 2, name="unique_reps")
    table, rows_idx, umax = _padded_table(unique_reps, ids)  # (M*Umax, d), (M, N)
    # log count of every distinct value in the batch (-inf for absent or padding values: weight 0)
    flat_rows = rows_idx.reshape(-1)  # (M*N,) counted by index_add (bincount's size would need a host sync)
    counts = table.new_zeros(m_count * umax).index_add_(0, flat_rows, table.new_ones(flat_rows.shape[0]))
    log_counts = counts.log()
    log_counts = log_counts.reshape(m_count, umax)
    pair_a, pair_b = torch.triu_indices(m_count, m_count, 1, device=table.device)  # (P,) each, a < b
    first, second = zip(*[(a, b) for a in range(m_count) for b in range(a + 1, m_count)], strict=True)
    values = table.reshape(m_count, umax, -1)  # (M, Umax, d)
    va, vb = values.index_select(0, pair_a), values.index_select(0, pair_b)  # (P, Umax, d) each
    scores = scale * torch.bmm(va, vb.transpose(1, 2))  # (P, Umax, Umax)
    lse_rows = torch.logsumexp(scores + log_counts[pair_b][:, None, :], dim=2)  # (P, Umax) per value of a
    lse_cols = torch.logsumexp(scores + log_counts[pair_a][:, :, None], dim=1)  # (P, Umax) per value of b
    pairs = torch.arange(len(pair_a), device=table.device)[:, None] * umax  # (P, 1) offsets into (P*Umax,)
    ids_a, ids_b = torch.stack([ids[a] for a in first]), torch.stack([ids[b] for b in second])  # (P, N)
    rows = lse_rows.reshape(-1).index_select(0, (pairs + ids_a).reshape(-1))  # (P*N,)
    cols = lse_cols.reshape(-1).index_select(0, (pairs + ids_b).reshape(-1))  # (P*N,)
    row_reps = table.index_select(0, rows_idx.reshape(-1)).reshape(m_count, n, -1)  # (M, N, d)
    pos = scale * (row_reps.index_select(0, pair_a) * row_reps.index_select(0, pair_b)).sum(dim=2).reshape(-1)
    if per_row:  # row i: sum over pairs of (CE_rows[i] + CE_cols[i]) / 2
        return _reduce(((rows - pos) + (cols - pos)).reshape(len(first), n).sum(dim=0) / 2, reduction)
    # sum over pairs of (CE_rows + CE_cols) / 2
    return len(pair_a) * ((rows - pos).mean() + (cols - pos).mean()) / 2

