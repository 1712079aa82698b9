r"""Streamed log-sum-exp over all combinations of non-anchor rows: the ``"n_squared"`` negatives.

Row u of the anchor is contrasted against every combination c = (c_1, ..., c_K) of one row from each of
the K = M - 1 non-anchor modalities, optionally weighted (the grouped losses weight each distinct value by
its count):

.. math::

    \mathrm{lse}_u = \log \sum_{c} w(c)\, e^{s \operatorname{MIP}(a_u, o_1[c_1], \dots, o_K[c_K])},
    \qquad w(c) = \prod_k e^{\ell_k[c_k]}

There are :math:`\prod_k U_k` combinations (N^(M-1) for a plain batch), far too many to materialise at
once, so a custom autograd function builds ``chunk_elements`` scores at a time in forward and *recomputes*
each chunk in backward (softmax weights from the saved lse): memory O(chunk_elements) both ways.
Values in **nats**. :func:`symile_loss_materialised` is the all-at-once reference it is tested against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import check_reps, scale_like

__all__ = ["DEFAULT_CHUNK_ELEMENTS", "symile_loss_materialised"]

#: most scores alive at once in the streamed all-combinations log-sum-exp (2**21: 8 MiB in float32)
DEFAULT_CHUNK_ELEMENTS = 2**21


def _chunk_scores(start: int, stop: int, sizes: tuple[int, ...], anchor, scale, others, logws):
    """Weighted scores of every anchor row against the flattened combinations [start, stop) -> (Ua, L)."""
    rem = torch.arange(start, stop, device=anchor.device)  # (L,) flat combination index, row-major
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
        scale = torch.tensor(float(scale), dtype=anchor.dtype, device=anchor.device)
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
    scale = scale_like(logit_scale, reps[0])
    n, m_count = reps[0].shape[0], len(reps)
    losses = []
    for m in range(m_count):
        others = [r for k, r in enumerate(reps) if k != m]
        prod = others[0]  # (N, d) -> (N^(K), d) all combinations, row-major
        for r in others[1:]:
            prod = (prod[:, None, :] * r[None, :, :]).reshape(-1, prod.shape[1])
        logits = scale * (reps[m] @ prod.T)  # (N, N^(M-1))
        stride = sum(n**k for k in range(m_count - 1))
        flat_pos = torch.arange(n, device=logits.device) * stride  # (N,) flat index of (i, i, ..., i)
        losses.append(F.cross_entropy(logits, flat_pos))
    return torch.stack(losses).mean()
