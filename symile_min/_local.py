r"""The losses of one slice of anchor rows against the whole batch: open_clip's ``local_loss`` layout.

Under data parallelism every rank holds the *global* (N, d) representations (gathered, rows ordered by
rank) but owns only the rows ``start : start + n`` of them. With ``local_loss`` each rank computes the
per-row losses of its own rows only, each row still contrasted against every candidate of the global
batch, so the sum over ranks of these per-row losses is the per-row sum of the global loss:

.. math::

    \sum_r \sum_{i \in \mathrm{rows}_r} \ell_i = \sum_{i=1}^{N} \ell_i = N \mathcal{L}

with :math:`\ell_i` exactly the ``reduction="none"`` per-sample losses of :func:`symile_min.symile_loss`
and :func:`symile_min.clip_loss` on the global batch (tested against them, forward and backward). The
score matrices shrink from (N, N) to (n, N) per anchor (``"n"``, CLIP) and from N x N^(M-1) to
n x N^(M-1) scores (``"n_squared"``).

Pure functions of tensors, no ``torch.distributed`` here: the gathering lives in
:mod:`symile_min.distributed`. The ``"n"`` candidates come from the losses' own layout function
(:func:`symile_min.losses._n_candidates`), drawn for the *global* N, so that with the same generator state
the local rows see exactly the negatives the global loss gives them. Values in **nats**.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import check_reps, scale_like
from ._streamed import DEFAULT_CHUNK_ELEMENTS, _lse_all_combinations
from .losses import _mip, _n_candidates


def _rows(reps: Sequence[torch.Tensor], start: int, n: int) -> tuple[list[torch.Tensor], int]:
    reps = check_reps(reps, min_rows=2)
    total = int(reps[0].shape[0])
    if not (isinstance(start, int) and isinstance(n, int) and n >= 1 and 0 <= start and start + n <= total):
        raise ValueError(f"rows start={start!r}, n={n!r} must lie inside the N = {total} gathered rows")
    return reps, total


def symile_rows_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    start: int,
    n: int,
    *,
    negatives: str = "n",
    generator: torch.Generator | None = None,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> torch.Tensor:
    r"""Per-row Symile losses (nats) of anchor rows ``start : start + n`` against the whole batch.

    .. math::

        \ell_i = \frac{1}{M} \sum_{m=1}^{M} \Bigl[\log \sum_{c \in \mathcal{C}_m(i)}
        e^{s \operatorname{MIP}(r_m[i], c)} - s \operatorname{MIP}(r_1[i], \dots, r_M[i])\Bigr],
        \qquad i = \mathrm{start}, \dots, \mathrm{start} + n - 1

    Row i of ``symile_loss(reps, logit_scale, reduction="none", ...)`` for the same generator state.

    Parameters
    ----------
    reps : list of torch.Tensor
        M global (N, d) representations (N >= 2), L2-normalised.
    logit_scale : float or torch.Tensor
        Positive multiplier of the scores.
    start, n : int
        The anchor rows (n >= 1).
    negatives, generator, chunk_elements
        As in :func:`symile_min.symile_loss` (the ``"n"`` permutations are drawn for the global N).

    Returns
    -------
    torch.Tensor
        (n,) per-row losses in nats.
    """
    reps, total = _rows(reps, start, n)
    stop = start + n
    m_count = len(reps)
    scale = scale_like(logit_scale, reps[0])
    pos = scale * _mip([r[start:stop] for r in reps])  # (n,) positive scores of the local rows
    losses = []  # per anchor: (n,)
    if negatives == "n":
        labels = torch.arange(start, stop, device=pos.device)  # column of row i's positive
        for m, columns in enumerate(_n_candidates(m_count, total, generator, pos.device)):
            cols = None
            for k, perm in columns:
                rows = reps[k] if perm is None else reps[k][perm]  # (N, d)
                cols = rows if cols is None else cols * rows  # (N, d) candidate products, column j
            logits = scale * (reps[m][start:stop] @ cols.T)  # (n, N)
            logits = torch.diagonal_scatter(logits, pos, offset=start)  # positives at (i, start + i)
            losses.append(F.cross_entropy(logits, labels, reduction="none"))
    else:
        for m in range(m_count):
            others = [r for k, r in enumerate(reps) if k != m]
            lse = _lse_all_combinations(reps[m][start:stop], others, None, scale, chunk_elements)  # (n,)
            losses.append(lse - pos)
    return torch.stack(losses).mean(dim=0)  # (n,) mean over the M anchors


def clip_rows_loss(reps: Sequence[torch.Tensor], logit_scale, start: int, n: int) -> torch.Tensor:
    r"""Per-row pairwise-CLIP losses (nats) of rows ``start : start + n`` against the whole batch.

    .. math::

        \ell_i = \sum_{a < b} \tfrac12 \bigl(\mathrm{CE}(s\, r_a[i] R_b^{\top}, i)
        + \mathrm{CE}(s\, r_b[i] R_a^{\top}, i)\bigr)

    Row i of ``clip_loss(reps, logit_scale, reduction="none")``.

    Returns
    -------
    torch.Tensor
        (n,) per-row losses in nats.
    """
    reps, _ = _rows(reps, start, n)
    stop = start + n
    scale = scale_like(logit_scale, reps[0])
    labels = torch.arange(start, stop, device=reps[0].device)
    total = reps[0].new_zeros(n)
    for a in range(len(reps)):
        for b in range(a + 1, len(reps)):
            rows = F.cross_entropy(scale * (reps[a][start:stop] @ reps[b].T), labels, reduction="none")
            cols = F.cross_entropy(scale * (reps[b][start:stop] @ reps[a].T), labels, reduction="none")
            total = total + (rows + cols) / 2  # (n,)
    return total
