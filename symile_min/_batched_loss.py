r"""The loss of K models of one batch as one computation, for :func:`symile_min.multi.train_many`.

Each model's loss is :func:`symile_min.symile_loss_grouped` / :func:`symile_min.clip_loss_grouped` of its own
batch (the same values and gradients, to float rounding), computed for all K models at once from their
distinct-value tables and the batch's counts; :func:`_batch_loss` is the one autograd node of a step.

The batched Symile loss: one score tensor for every anchor
----------------------------------------------------------
With distinct-value tables :math:`r_m[u]` (U_m rows per modality) every score the loss needs is an entry of
the tensor :math:`T[u_1, \dots, u_M] = s\,\mathrm{MIP}(r_1[u_1], \dots, r_M[u_M])`, and each anchor's
log-sum-exp is a count-weighted reduction of :math:`e^{T}` along the *other* axes:

.. math::

    Z_m[u] = \sum_{c} W_m[c]\, e^{T[u \text{ at axis } m,\; c \text{ at the others}]}, \qquad
    \ell_{m,i} = \log\bigl(Z_m[u_{m,i}] - e^{T[\mathrm{own}_{m,i}]} + e^{T[\mathrm{pos}_i]}\bigr)

where :math:`W_m[c]` counts the candidate columns of anchor m whose non-anchor values are c (``"n"``: the
columns :math:`(r_{o_1}[j], r_{o_2}[\pi(j)], \dots)`; its own column j = i is removed and the positive added,
as in :func:`symile_min.symile_loss`), and for ``"n_squared"`` :math:`W_m` is the product of the other
modalities' value counts (every combination; the positive is one of them) and
:math:`\ell_{m,i} = \log Z_m[u_{m,i}]`. The loss is the mean over anchors and rows of
:math:`\ell_{m,i} - T[\mathrm{pos}_i]`, in **nats**. One tensor of :math:`\prod_m U_m` scores (32^3 for the
paper's XOR data) serves all M anchors instead of M tables of :math:`U \times N` scores. CLIP is computed
from the value and pair counts of the batch alone. The backward pass of a whole step (normalisation,
scores, log-sum-exps) is written out: one autograd node per step, no pass spent on autograd bookkeeping.

Numerics: scores are float32, kept in bits and shifted by the model's largest score before ``exp2`` (about
2x faster than ``exp``; torch's exp2 can differ in the last bit between its vector and scalar code, and
every model's block is a whole number of 16-float vectors, see below, so always vectorised); a row whose
own column carries more than half of its sum is recomputed exactly without it (no cancellation, as in the
grouped loss); a model whose sums fall below 1e-30 after the shift (scores spanning > 69 nats) is
recomputed in float64.

Batch independence: every operation is per model, and every model's block of the score tensor is a
whole number of 16 floats (64 bytes): where the product of the U_m is not, the last modality's table is
padded with the fewest zero representations that make it one (:func:`_aligned_sizes`; no row takes them
and no count weighs them, so the losses and gradients are unchanged). MKL's matrix products follow the
operands' memory alignment, so without the padding a model's last bits moved with its place in the batch
(33^3 scores, 32 values and a missing-value placeholder as in ``symile-lab missing``: weights apart after
two epochs, two best-validation epochs of that figure moved). With it a model's numbers do not depend on
which other models share its batch (checked bit for bit on CPU with one thread, aligned and padded
sizes), so sweeps give the same numbers whatever their batching or ``--jobs``.
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

import torch

from .losses import _n_others, _n_permutations

#: a row sum below this (after the shift by the model's largest score) is recomputed in float64
_UNDERFLOW = 1e-30

#: integer type of the batch structures' index arithmetic: every flat index of a score tensor fits (at most
#: 2**18 entries per model on the batched path), and int32 arithmetic runs about 4x faster than int64 (no
#: packed 64-bit multiply in AVX2); what indexes a gather or scatter is widened to int64 once
_INDEX = torch.int32


def _draw_layout(m_count: int, n: int, gens) -> tuple[tuple[tuple[int, ...], ...], list]:
    """Every model's ``"n"`` candidate layout, drawn as the loss draws it (:func:`_n_permutations`, the
    layout of :func:`_n_candidates`).

    Returns ``(modalities, perms)``: ``modalities[t][m]`` is the modality of anchor m's t-th non-anchor column
    group, ``perms[t]`` the (K, M, n) row permutations it takes (None for t = 0, which keeps its rows).
    """
    drawn = torch.empty(len(gens), m_count, max(m_count - 2, 0), n, dtype=torch.long)  # (K, M, M - 2, n)
    for g, out in zip(gens, drawn, strict=True):
        _n_permutations(m_count, n, g, out=out)  # what each model's loss would draw, in order
    others = _n_others(m_count)
    modalities = tuple(tuple(others[m][t] for m in range(m_count)) for t in range(m_count - 1))
    return modalities, [None] + [drawn[:, :, t - 1] for t in range(1, m_count - 1)]


# --------------------------------------------------------------------------------------------------
# the batched losses on distinct rows


class _BatchLoss(torch.autograd.Function):
    """The (K,) losses of a batch of models, with the backward written out (one autograd node per step).

    Inputs: the encoders' raw outputs M x (K, U_m, d) (normalised here, as :meth:`SymileModel.encode`
    does, when ``normalize``) and the scales (K,); ``blocks`` lists ``(start, stop, method, struct)`` per
    objective (contiguous blocks of models).
    """

    @staticmethod
    def forward(ctx, blocks, normalize, scale, *raw):
        if normalize:
            norms = [torch.linalg.vector_norm(h, dim=-1, keepdim=True).clamp_min(_NORM_EPS) for h in raw]
            reps = [h / nrm for h, nrm in zip(raw, norms, strict=True)]
        else:
            norms, reps = None, list(raw)
        losses, states = [], []
        for start, stop, method, struct in blocks:
            forward = _clip_forward if method == "clip" else _symile_forward
            loss, state = forward(struct, scale[start:stop], [r[start:stop] for r in reps])
            losses.append(loss)
            states.append(state)
        ctx.blocks, ctx.states, ctx.norms, ctx.reps = blocks, states, norms, reps
        return losses[0] if len(losses) == 1 else torch.cat(losses)

    @staticmethod
    def backward(ctx, grad):
        d_scale = grad.new_empty(grad.shape[0])
        d_reps = [torch.empty_like(r) for r in ctx.reps]
        for (start, stop, method, _), state in zip(ctx.blocks, ctx.states, strict=True):
            backward = _clip_backward if method == "clip" else _symile_backward
            d_scale[start:stop], *parts = backward(state, grad[start:stop])
            for d, part in zip(d_reps, parts, strict=True):
                d[start:stop] = part
        if ctx.norms is not None:  # through r = h / max(|h|, eps)
            for d, r, nrm in zip(d_reps, ctx.reps, ctx.norms, strict=True):
                radial = (d * r).sum(dim=-1, keepdim=True) * (nrm > _NORM_EPS)  # 0 where the eps clamp acts
                d.sub_(r * radial).div_(nrm)
        return None, None, d_scale, *d_reps


_NORM_EPS = 1e-12  # torch.nn.functional.normalize's default


def _batch_loss(blocks, scale, raw, *, normalize: bool = True):
    """(K,) losses of the objective blocks ``(start, stop, method, struct)`` from raw encoder outputs."""
    return _BatchLoss.apply(blocks, normalize, scale, *raw)


def _symile_loss_stacked(reps, scale, struct: _Struct):
    """:func:`symile_min.symile_loss_grouped` of K models: reps M x (K, U_m, d) (normalised) -> (K,)."""
    return _batch_loss([(0, scale.shape[0], "symile", struct)], scale, reps, normalize=False)


def _clip_loss_stacked(reps, scale, struct: _ClipStruct):
    """:func:`symile_min.clip_loss_grouped` of K models from counts (see :func:`_clip_forward`) -> (K,)."""
    return _batch_loss([(0, scale.shape[0], "clip", struct)], scale, reps, normalize=False)


class _ClipStruct(NamedTuple):
    """Value and pair counts of a batch, all that the CLIP loss needs of it besides the representations.

    The modality pairs a < b are grouped by the shape (U_a, U_b) of their score tables, each group
    computed as one batched product; per group: the pairs' modalities, the value counts of a and b
    (K, P_g, U_a), (K, P_g, U_b) and the pair counts (K, P_g, U_a, U_b).
    """

    groups: list[tuple[list[int], list[int], torch.Tensor, torch.Tensor, torch.Tensor]]
    n: int  # rows in the batch


def _clip_struct(ids, sizes: tuple[int, ...]) -> _ClipStruct:
    k_count, m_count, n = ids.shape
    device = ids.device
    ids = ids.to(_INDEX)  # (K, M, N), any integer type in
    counts = []  # M x (K, U_m) value counts
    for m, size in enumerate(sizes):
        blocks = torch.arange(k_count, dtype=_INDEX, device=device)[:, None] * size
        count = torch.bincount((ids[:, m] + blocks).view(-1), minlength=k_count * size)
        counts.append(count.view(k_count, size))
    shapes: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a in range(m_count):
        for b in range(a + 1, m_count):
            shapes.setdefault((sizes[a], sizes[b]), []).append((a, b))
    groups = []
    for (size_a, size_b), pairs in shapes.items():
        first, second = [a for a, _ in pairs], [b for _, b in pairs]
        span = k_count * len(pairs) * size_a * size_b
        blocks = torch.arange(0, span, size_a * size_b, dtype=_INDEX, device=device).view(k_count, -1, 1)
        pick = lambda ms: ids.index_select(1, torch.tensor(ms, device=device))  # noqa: E731
        codes = pick(first) * size_b + pick(second) + blocks  # (K, P_g, N) index of row i's value pair
        joint = torch.bincount(codes.view(-1), minlength=span)
        count_a = torch.stack([counts[a] for a in first], dim=1).float()  # (K, P_g, U_a)
        count_b = torch.stack([counts[b] for b in second], dim=1).float()
        joint = joint.view(k_count, len(pairs), size_a, size_b).float()
        groups.append((first, second, count_a, count_b, joint))
    return _ClipStruct(groups, n)


def _clip_forward(struct: _ClipStruct, scale, reps):
    """:func:`symile_min.clip_loss_grouped` of K models from counts: reps M x (K, U_m, d), scale (K,) -> (K,).

    Per pair (a, b), with value counts n_a, n_b and pair counts C of the batch (N rows) and scores
    S = s r_a r_b^T on the distinct values, the symmetric InfoNCE is
    ``(sum_u n_a[u] lse_rows[u] + sum_v n_b[v] lse_cols[v]) / 2N - sum_uv C[u, v] S[u, v] / N``, where
    lse_rows[u] = log sum_v n_b[v] exp S[u, v] (and lse_cols likewise): the mean over rows, grouped by value.
    The loss is the sum over pairs. Returns the losses and what :func:`_clip_backward` needs.
    """
    k_count, n = scale.shape[0], struct.n
    total, states = 0, []
    for first, second, count_a, count_b, joint in struct.groups:
        pairs = len(first)
        left = torch.stack([reps[a] for a in first], dim=1).flatten(0, 1)  # (K*P_g, U_a, d)
        right = torch.stack([reps[b] for b in second], dim=1).flatten(0, 1)  # (K*P_g, U_b, d)
        scales = scale.repeat_interleave(pairs)  # (K*P_g,)
        count_a = count_a.flatten(0, 1).to(left.dtype)  # (K*P_g, U_a)
        count_b = count_b.flatten(0, 1).to(left.dtype)
        joint = joint.flatten(0, 1).to(left.dtype)  # (K*P_g, U_a, U_b)
        X = torch.bmm(left, right.transpose(1, 2))  # (K*P_g, U_a, U_b) inner products
        S = X * scales[:, None, None]  # scores
        lse_rows = torch.logsumexp(S + count_b.log()[:, None, :], dim=2)  # (K*P_g, U_a) per value of a
        lse_cols = torch.logsumexp(S + count_a.log()[:, :, None], dim=1)  # (K*P_g, U_b) per value of b
        rows_and_cols = ((count_a * lse_rows).sum(1) + (count_b * lse_cols).sum(1)) / (2 * n)
        loss = rows_and_cols - (joint * S).sum(dim=(1, 2)) / n
        total = total + loss.view(k_count, pairs).sum(dim=1)  # the sum over the group's pairs
        states.append((first, second, left, right, scales, X, S, lse_rows, lse_cols, count_a, count_b, joint))
    return total, (struct.n, [r.shape[1] for r in reps], states)


def _clip_backward(state, grad):
    """d loss / d scale and d loss / d reps of :func:`_clip_forward`."""
    n, sizes, groups = state
    k_count = grad.shape[0]
    d_scale = grad.new_zeros(k_count)
    d_reps = None
    for first, second, left, right, scales, X, S, lse_rows, lse_cols, count_a, count_b, joint in groups:
        pairs = len(first)
        if d_reps is None:
            d_reps = [left.new_zeros(k_count, size, left.shape[2]) for size in sizes]
        # d loss / d S = (n_a[u] n_b[v] (softmax_rows + softmax_cols) / 2 - C[u, v]) / N
        outer = count_a[:, :, None] * count_b[:, None, :]  # (K*P_g, U_a, U_b)
        soft = torch.exp(S - lse_rows[:, :, None]) + torch.exp(S - lse_cols[:, None, :])
        dS = (outer * soft * 0.5 - joint) * (grad.repeat_interleave(pairs) / n)[:, None, None]
        d_scale += (dS * X).sum(dim=(1, 2)).view(k_count, pairs).sum(dim=1)  # S = scale * X
        dS.mul_(scales[:, None, None])  # d loss / d (left right^T)
        d_left = torch.bmm(dS, right).view(k_count, pairs, *left.shape[1:])  # (K, P_g, U_a, d)
        d_right = torch.bmm(dS.transpose(1, 2), left).view(k_count, pairs, *right.shape[1:])
        for p, (a, b) in enumerate(zip(first, second, strict=True)):
            d_reps[a] += d_left[:, p]
            d_reps[b] += d_right[:, p]
    return [d_scale, *d_reps]


class _Struct(NamedTuple):
    """Where the rows of a batch sit in the score tensor (all (K, ...) integer or count tensors)."""

    sizes: tuple[int, ...]  # U_m, the last one padded (see _aligned_sizes)
    negatives: str
    rows: torch.Tensor  # (K, M, N) anchor value of row i for anchor m (int64)
    pos: torch.Tensor  # (K, N) flat tensor index of row i's positive tuple
    weights: list[torch.Tensor]  # M x (K, prod of the other U): candidate counts W_m, float
    own: torch.Tensor | None  # (K, M, N) flat tensor index of row i's own column ("n")
    own_code: torch.Tensor | None  # (K, M, N) that column's index among the other axes ("n"; int32)
    work: tuple | None = None  # (buffers, block id): where the step's big tensors are reused (_buffer)

    def select(self, index: torch.Tensor) -> _Struct:
        pick = lambda t: None if t is None else t.index_select(0, index)  # noqa: E731
        return _Struct(
            self.sizes, self.negatives, pick(self.rows), pick(self.pos), [pick(w) for w in self.weights],
            pick(self.own), pick(self.own_code),
        )  # fmt: skip


_LOG2E, _LN2 = 1.0 / math.log(2.0), math.log(2.0)


def _imax(dtype: torch.dtype) -> int:
    return torch.iinfo(dtype).max


def _buffer(work, name: str, shape, like: torch.Tensor) -> torch.Tensor:
    """An uninitialised tensor of ``shape`` (``like``'s dtype and device), reused across the steps of a loop.

    ``work`` is ``(buffers, block)`` from the training loop (None: a fresh tensor). A multi-megabyte tensor
    allocated afresh every step is paged in (and zeroed by the OS) every step, which cost more than the
    arithmetic filling it (e.g. 1.1 ms against 0.2 ms for a (28, 32^3) float tensor). A buffer is valid
    until the next forward of the same block: the loop runs every step's backward before the next forward.
    """
    if work is None:
        return like.new_empty(shape)
    buffers, block = work
    key = (block, name, tuple(shape), like.dtype, like.device)
    buf = buffers.get(key)
    if buf is None:
        buf = buffers[key] = like.new_empty(shape)
    return buf


class _Plan(NamedTuple):
    """Index arithmetic of the score tensor that depends only on the sizes and the layout (built once)."""

    sizes: tuple[int, ...]
    stride: torch.Tensor  # (1, M, 1) row-major strides of the tensor, per modality
    spans: list[int]  # combinations of the non-anchor values, per anchor
    offsets: torch.Tensor  # (K, M, 1) where each (model, anchor) block starts in one bincount
    columns: list  # per column group t: (modality (M,), stride among the others (1, M, 1), tensor stride)
    others: list[list[int]]


def _plan(sizes: tuple[int, ...], k_count: int, modalities, device) -> _Plan:
    sizes = _aligned_sizes(sizes)
    m_count = len(sizes)
    strides = [math.prod(sizes[m + 1 :]) for m in range(m_count)]
    others = [[k for k in range(m_count) if k != m] for m in range(m_count)]
    spans = [math.prod(sizes[k] for k in others[m]) for m in range(m_count)]

    def ints(values):  # the index arithmetic's integer type (see _INDEX)
        return torch.tensor(values, dtype=_INDEX, device=device)

    starts = ints([0, *itertools.accumulate(spans)][:-1])
    blocks = torch.arange(k_count, dtype=_INDEX, device=device)[:, None, None]
    offsets = starts[None, :, None] + sum(spans) * blocks
    columns = []
    for group in modalities or ():
        ostride = [math.prod(sizes[j] for j in others[m] if j > k) for m, k in enumerate(group)]
        columns.append(
            (
                torch.tensor(group, device=device),
                ints(ostride).view(1, m_count, 1),
                ints([strides[k] for k in group]).view(1, m_count, 1),
            )
        )
    stride = ints(strides).view(1, m_count, 1)
    return _Plan(tuple(sizes), stride, spans, offsets, columns, others)


def _aligned_sizes(sizes: tuple[int, ...]) -> tuple[int, ...]:
    """``sizes`` with the last axis padded to the fewest values that make the tensor a whole number of 16
    floats per model (module docstring: a block that is not starts off a 64-byte boundary in a batch, and
    MKL's products then round by where the block sits): a multiple of 16 / gcd(16, product of the others).
    Padded values are zero representations that no row takes and no count weighs."""
    step = 16 // math.gcd(16, math.prod(sizes[:-1]))
    return (*sizes[:-1], -(-sizes[-1] // step) * step)


def _symile_struct(ids, perms, plan: _Plan, negatives: str, *, work=None) -> _Struct:
    """Where the rows of a batch (ids (K, M, N), any integer type) sit in the score tensor; perms as from
    _draw_layout.

    ``work``: the training loop's reused buffers for this objective block (see :func:`_buffer`).
    """
    k_count, m_count, _ = ids.shape
    sizes = plan.sizes
    ids = ids.to(_INDEX)
    anchor = ids * plan.stride  # (K, M, N) each row's value at its own axis
    pos = anchor.sum(dim=1)  # (K, N) int64 (torch sums integers in int64): flat index of row i's positive
    rows = ids.long()  # (K, M, N) the anchor values, as the gathers index with them
    if negatives == "n_squared":  # every combination: the product of the other modalities' value counts
        weights = []
        for m in range(m_count):
            w = None
            for k in plan.others[m]:
                span_k = sizes[k] * torch.arange(k_count, dtype=_INDEX, device=ids.device)[:, None]
                c = torch.bincount((ids[:, k] + span_k).reshape(-1), minlength=k_count * sizes[k])
                c = c.reshape(k_count, sizes[k]).float()
                w = c if w is None else (w[:, :, None] * c[:, None, :]).reshape(k_count, -1)
            weights.append(w)
        return _Struct(sizes, negatives, rows, pos, weights, None, None, work)
    # "n": column j of anchor m takes rows (j, perm_2(j), ...) of its non-anchor modalities
    code, full = None, anchor  # (K, M, N): the column's index among the other axes, and in the tensor
    for t, (modality, ostride, tstride) in enumerate(plan.columns):
        v = ids.index_select(1, modality)  # (K, M, N) column group t's modality, per anchor
        if t > 0:  # the first non-anchor modality keeps its rows; the further ones are permuted
            v = torch.gather(v, 2, perms[t])
        code = v * ostride if code is None else code.add_(v * ostride)
        full = full + v * tstride
    counts = torch.bincount((code + plan.offsets).view(-1), minlength=k_count * sum(plan.spans))
    weights = [w.contiguous() for w in counts.reshape(k_count, -1).float().split(plan.spans, dim=1)]
    return _Struct(sizes, negatives, rows, pos, weights, full.long(), code, work)


def _symile_forward(struct: _Struct, scale, reps):
    """The (K,) Symile losses from the score tensor (module docstring); the state for the backward.

    T = factor @ last^T with ``factor`` the outer product of every modality's representations but the last
    (K, U_0 ... U_{M-2}, d) and ``last`` the last one's times the scale; both products are undone by hand in
    backward (autograd's broadcast-multiply backward costs 3x more).
    """
    factors, last = _factors(reps, scale, struct.sizes, struct.work)
    loss, saved = _tensor_forward(factors[-1], last, struct)
    redo = None
    if bool(saved["bad"].any()):  # sums below 1e-30 after the shift: recompute those models in float64
        index = torch.nonzero(saved["bad"]).view(-1)
        sub = struct.select(index)
        reps64 = [r.index_select(0, index).double() for r in reps]
        scale64 = scale.index_select(0, index).double()
        factors64, last64 = _factors(reps64, scale64, sub.sizes)
        loss64, saved64 = _tensor_forward(factors64[-1], last64, sub)
        loss = loss.index_copy(0, index, loss64.to(loss.dtype))
        redo = (index, sub, reps64, scale64, factors64, saved64)
    return loss, (struct, reps, scale, factors, saved, redo)


def _symile_backward(state, grad):
    """d loss / d scale and d loss / d reps of :func:`_symile_forward`."""
    struct, reps, scale, factors, saved, redo = state
    grads = _reps_backward(saved, struct, reps, scale, factors, grad)
    if redo is not None:
        index, sub, reps64, scale64, factors64, saved64 = redo
        grad64 = grad.index_select(0, index).double()
        grads64 = _reps_backward(saved64, sub, reps64, scale64, factors64, grad64)
        grads = [g.index_copy(0, index, g64.to(g.dtype)) for g, g64 in zip(grads, grads64, strict=True)]
    return grads


def _factors(reps, scale, sizes, work=None):
    """The outer products r_0, r_0 x r_1, ... (K, U_0 ... U_j, d) and the last modality's scaled reps."""
    k_count = scale.shape[0]
    factors = [reps[0]]
    for j, r in enumerate(reps[1:-1], start=1):
        prev = factors[-1]
        out = _buffer(work, f"factor{j}", (k_count, prev.shape[1], r.shape[1], r.shape[2]), r)
        torch.mul(prev[:, :, None, :], r[:, None, :, :], out=out)
        factors.append(out.view(k_count, -1, r.shape[2]))
    last = reps[-1] * (scale * _LOG2E)[:, None, None]  # (K, U_{M-1}, d): T = factor @ last^T, in bits
    if last.shape[1] < sizes[-1]:  # padded values (see _aligned_sizes): zero rows
        last = torch.cat([last, last.new_zeros(k_count, sizes[-1] - last.shape[1], last.shape[2])], dim=1)
    return factors, last


def _reps_backward(saved, struct, reps, scale, factors, grad):
    """d loss / d scale and d loss / d reps, from d loss / d (factor, last)."""
    d_factor, d_last = _tensor_backward(saved, struct, grad)
    d_last = d_last[:, : reps[-1].shape[1]]  # without the padded values
    d_scale = (d_last * reps[-1]).sum(dim=(1, 2)) * _LOG2E
    d_reps = [None] * len(reps)
    d_reps[-1] = d_last * (scale * _LOG2E)[:, None, None]
    k_count, d = scale.shape[0], reps[0].shape[2]
    for j in range(len(reps) - 2, 0, -1):  # factors[j] = factors[j - 1] (x) reps[j]
        g = d_factor.view(k_count, -1, reps[j].shape[1], d)  # (K, U_0...U_{j-1}, U_j, d)
        tmp = _buffer(struct.work, "g", g.shape, g)
        d_reps[j] = torch.mul(g, factors[j - 1][:, :, None, :], out=tmp).sum(dim=1)
        d_factor = torch.mul(g, reps[j][:, None, :, :], out=tmp).sum(dim=2)
    d_reps[0] = d_factor
    return [d_scale, *d_reps]


def _axis_view(sizes, m: int):
    """(pre, U_m, post): the tensor's axes before m, at m, after m, flattened."""
    return math.prod(sizes[:m]), sizes[m], math.prod(sizes[m + 1 :])


def _reduce(E: torch.Tensor, sizes, m: int, weights: torch.Tensor) -> torch.Tensor:
    """Z_m[u] = sum over the other axes of E * W_m: E (K, prod U), weights (K, pre * post) -> (K, U_m)."""
    k_count = E.shape[0]
    pre, size, post = _axis_view(sizes, m)
    weights = weights.to(E.dtype)
    if post == 1:
        return torch.bmm(weights.view(k_count, 1, pre), E.view(k_count, pre, size)).view(k_count, size)
    if pre == 1:
        return torch.bmm(weights.view(k_count, 1, post), E.view(k_count, size, post).transpose(1, 2)).view(
            k_count, size
        )
    z = torch.bmm(weights.view(k_count * pre, 1, post), E.view(k_count * pre, size, post).transpose(1, 2))
    return z.view(k_count, pre, size).sum(dim=1)


def _tensor_forward(factor, last, struct: _Struct):
    k_count = factor.shape[0]
    sizes, m_count = struct.sizes, len(struct.sizes)
    n = struct.rows.shape[2]
    unit = _LN2  # nats per unit of T (bits)
    T = _buffer(struct.work, "T", (k_count, factor.shape[1], last.shape[1]), factor)
    torch.bmm(factor, last.transpose(1, 2), out=T)  # (K, U_0...U_{M-2}, U_{M-1}) the scores s * MIP (bits)
    flat = T.view(k_count, -1)
    pos = flat.gather(1, struct.pos)  # (K, N) score of row i's positive tuple
    shift = flat.amax(dim=1)  # (K,) the model's largest score (>= 0 where padded): exp(T - shift) <= 1
    flat.sub_(shift[:, None])
    E = flat.exp2_()  # (K, prod U), in place of T
    Z = [_reduce(E, sizes, m, struct.weights[m]) for m in range(m_count)]  # M x (K, U_m)
    Zr = torch.stack([Z[m].gather(1, struct.rows[:, m]) for m in range(m_count)], 1)  # (K, M, N)
    ep = torch.exp((pos - shift[:, None]) * unit)  # (K, N) (exp: this (K, N) block is not vector-aligned)
    if struct.negatives == "n":
        own = E.gather(1, struct.own.view(k_count, -1)).view(k_count, m_count, n)  # (K, M, N) column j = i
        rest = Zr - own
        dominant = own > 0.5 * Zr  # the subtraction could cancel: drop the column exactly instead
        if bool(dominant.any()):
            rest = rest.masked_scatter(dominant, _exact_rest(E, struct, dominant))
        D = rest.clamp_min(0) + ep[:, None, :]  # (K, M, N): the own column replaced by the positive
    else:
        D = Zr  # every combination, the positive among them
    bad = (D < _UNDERFLOW).flatten(1).any(dim=1)  # float32 sums that lost their precision
    if D.dtype != torch.float32:
        bad = torch.zeros_like(bad)
    D = D.clamp_min(torch.finfo(D.dtype).tiny)
    lse = D.log() + (shift * unit)[:, None, None]  # (K, M, N), nats
    loss = (lse - (pos * unit)[:, None, :]).mean(dim=(1, 2))  # mean over anchors and rows
    saved = {"factor": factor, "last": last, "E": E, "D": D, "ep": ep, "bad": bad}
    return loss, saved


def _exact_rest(E, struct: _Struct, dominant: torch.Tensor) -> torch.Tensor:
    """Row sums without the own column, summed over the remaining columns directly (rows in ``dominant``)."""
    k_count, m_count, _ = dominant.shape
    where = torch.nonzero(dominant)  # (R, 3): model, anchor, row, in the order masked_scatter fills
    out = torch.empty(where.shape[0], dtype=E.dtype, device=E.device)
    for m in range(m_count):
        sel = where[:, 1] == m
        if not bool(sel.any()):
            continue
        k, i = where[sel, 0], where[sel, 2]
        pre, size, post = _axis_view(struct.sizes, m)
        u = struct.rows[k, m, i]  # (R_m,) anchor value of each row
        slices = E.view(k_count, pre, size, post)[k, :, u, :].reshape(k.shape[0], -1)  # (R_m, pre * post)
        w = struct.weights[m][k].clone()  # (R_m, pre * post) candidate counts
        own = struct.own_code[k, m, i].long()[:, None]
        w.scatter_add_(1, own, -torch.ones_like(w[:, :1]))  # minus the own column
        out[sel] = (slices.double() * w.double()).sum(dim=1).to(E.dtype)
    return out


def _tensor_backward(saved, struct: _Struct, grad):
    factor, last, E, D, ep = (saved[k] for k in ("factor", "last", "E", "D", "ep"))
    k_count, m_count, n = D.shape
    sizes = struct.sizes
    unit = _LN2  # every term below is d loss / d T, T in bits (units of ln 2 nats)
    c = (grad.to(D.dtype) * (unit / (m_count * n)))[:, None, None]  # (K, 1, 1) d loss / d lse
    inv = c / D  # (K, M, N) d loss / d Z at row i's anchor value (and minus that for its own column)
    dE = _buffer(struct.work, "dE", E.shape, E)  # (K, prod U)
    for m in range(m_count):
        pre, size, post = _axis_view(sizes, m)
        gz = D.new_zeros(k_count, size).scatter_add_(1, struct.rows[:, m], inv[:, m])  # d loss / d Z_m
        view = dE.view(k_count, pre, size, post)
        w = struct.weights[m].view(k_count, pre, 1, post)
        if m == 0:
            torch.mul(gz.view(k_count, 1, size, 1), w, out=view)
        else:
            view.addcmul_(gz.view(k_count, 1, size, 1), w)
    if struct.negatives == "n":
        dE.scatter_add_(1, struct.own.view(k_count, -1), -inv.view(k_count, -1))
        g_pos = (inv * ep[:, None, :]).sum(dim=1) - m_count * c[:, 0]  # (K, N): via the positive and -pos
    else:
        g_pos = (-m_count * c[:, 0]).expand(k_count, n)  # the positive's combination gets its share via dE
    dT = dE.mul_(E)  # d loss / d T
    dT.scatter_add_(1, struct.pos, g_pos)
    dT = dT.view(k_count, -1, sizes[-1])  # (K, U_0...U_{M-2}, U_{M-1})
    d_factor = torch.bmm(dT, last, out=_buffer(struct.work, "d_factor", factor.shape, factor))
    return d_factor, torch.bmm(dT.transpose(1, 2), factor)  # T = factor @ last^T
