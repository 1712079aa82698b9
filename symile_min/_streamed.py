r"""Streamed log-sum-exps over all combinations of rows: the ``"n_squared"`` negatives.

For factor matrices :math:`F_0, \dots, F_{M-1}` (:math:`U_m \times d`) the all-combinations scores form
one tensor with an axis per modality,

.. math::

    T[i_0, \dots, i_{M-1}] = s \operatorname{MIP}(F_0[i_0], \dots, F_{M-1}[i_{M-1}])
    + \sum_k \ell_k[i_k],

and the log-sum-exp of anchor m's row x is a reduction of that same tensor over every axis but m:

.. math::

    \mathrm{lse}_m[x] = \log \sum_{i \,:\, i_m = x} e^{T[i] - \ell_m[x]}
    \qquad (\text{the anchor's own log-weight } \ell_m \text{ left out}).

Weights :math:`e^{\ell_k}` count the distinct values of the grouped loss (:math:`\ell = 0` for a plain
batch). There are :math:`\prod_m U_m` scores (N^M for a plain batch), far too many to materialise, so a
custom autograd function builds the tensor one box-shaped chunk at a time with a single matmul (the
products of the leading axes' rows, ``(R, d)``, times the last factor) and reduces it along *every*
wanted axis: the M anchors of ``symile_loss(negatives="n_squared")`` share one pass, forward and backward. The
backward recomputes each chunk, turns its exponentials into the gradient of the scores in place
(softmax weights of all M anchors at once, from the saved log-sum-exps) and needs two more matmuls.
Memory O(``chunk_elements``) both ways; cost per score: one matmul entry and one exponential forward,
the same plus two matmul entries backward. Values in **nats**.

Numeric care. All axes share one shift, an upper bound of every score (``s * prod_m max_i |F_m[i]|``
plus the largest log-weights, Hölder), folded into the matmul: each score is exponentiated once, with
no pass for a maximum and no rescaling of partial sums (as ``exp2`` of base-2 scores, ``log2 e`` folded
into the last factor: a third cheaper than ``exp`` on CPU). That is exact as long as every row's
log-sum-exp is within about 57 nats (float32; about 680 in float64) of the bound -- for unit vectors
always true when ``2 s`` is below that, i.e. ``s <= 28`` in float32. A check after the forward pass
bounds the mass lost to underflow for every row (one host read-back per call) and, when it is not below
the dtype's epsilon, recomputes each anchor alone with a per-row shift (exact at any scale, M times the
exponentials).

:func:`symile_loss_materialised` is the all-at-once reference the streamed loss is tested against.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from itertools import product

import torch
import torch.nn.functional as F

from ._checks import check_reps, loss_scale

__all__ = [
    "DEFAULT_CHUNK_ELEMENTS",
    "COST_WARNING_SCORES",
    "symile_loss_materialised",
]

#: most scores alive at once in the streamed log-sum-exp (2**19: 2 MiB in float32; 2**21 ran up to 1.6x
#: slower on a shared 2-core machine); at least one full row of the last modality is always built
DEFAULT_CHUNK_ELEMENTS = 2**19

#: a call over more scores than this (prod of the U_m, N^M for a plain batch) warns first with its estimated
#: time: 2**32 is about 4.3e9 scores, N = 1625 at M = 3, N = 256 at M = 4
COST_WARNING_SCORES = 2**32

_LOG2E, _LN2 = 1.0 / math.log(2.0), math.log(2.0)

#: rough forward + backward cost per score (seconds, float32, 2 CPU cores), used only for the warning
SECONDS_PER_SCORE = 4e-9


def _layout(sizes: tuple[int, ...], chunk_elements: int) -> tuple[int, int]:
    """Chunk shape ``(p, block)``: axes < p fixed, ``block`` rows of axis p, every later axis whole."""
    last = len(sizes) - 1
    for p in range(last):
        tail = math.prod(sizes[p + 1 :])  # scores per row of axis p
        if tail <= chunk_elements or p == last - 1:
            return p, max(1, min(sizes[p], chunk_elements // tail))
    raise AssertionError("unreachable: at least two modalities")


def _chunks(sizes: tuple[int, ...], p: int, block: int):
    """Every chunk as ``(prefix, lo, hi)``: fixed indices of axes < p and the rows [lo, hi) of axis p."""
    for prefix in product(*(range(u) for u in sizes[:p])):
        for lo in range(0, sizes[p], block):
            yield prefix, lo, min(sizes[p], lo + block)


def _rows(lead, logws, p, prefix, lo, hi, shifted: bool = False):
    """The chunk's rows: products of the leading factors (R, d'), row-major over (x_p, ..., x_{M-2}).

    ``lead`` are the M - 1 leading factors, ``logws`` their log-weights (all tensors) or None; with
    weights the rows carry two more columns, [summed log-weight, 1], without them but ``shifted`` one
    more, [1]: the 1 meets the column of ``_columns`` that holds the last log-weight minus the shift.
    """
    prod = lead[p][lo:hi]  # (b, d)
    for k, i in enumerate(prefix):
        prod = prod * lead[k][i]  # fixed rows of the axes before p
    for k in range(p + 1, len(lead)):
        prod = (prod[:, None, :] * lead[k][None, :, :]).reshape(-1, prod.shape[1])  # (R, d)
    if logws is None:
        return torch.cat([prod, prod.new_ones(prod.shape[0], 1)], dim=1) if shifted else prod
    logw = logws[p][lo:hi]  # (b,)
    for k, i in enumerate(prefix):
        logw = logw + logws[k][i]
    for k in range(p + 1, len(lead)):
        logw = (logw[:, None] + logws[k][None, :]).reshape(-1)  # (R,)
    return torch.cat([prod, logw[:, None], torch.ones_like(logw)[:, None]], dim=1)  # (R, d + 2)


def _rows_grad(lead, logws, p, prefix, lo, hi, d_rows, d_lead, d_logws) -> None:
    """Add the gradient of ``_rows(lead, logws, p, prefix, lo, hi)`` given ``d_rows`` (R, d') into the
    accumulators ``d_lead`` / ``d_logws`` (full-size tensors, or None where no gradient is wanted)."""
    d = lead[0].shape[1]
    grid = (hi - lo, *(f.shape[0] for f in lead[p + 1 :]))  # rows as a grid over the axes p..M-2
    pieces = [lead[p][lo:hi], *lead[p + 1 :]]  # (b, d), (U_{p+1}, d), ...
    n_grid = len(pieces)

    def along(t, j):  # piece j (n, ...) broadcast against the grid
        return t.view(*([1] * j), t.shape[0], *([1] * (n_grid - 1 - j)), *t.shape[1:])

    d_prod = d_rows[:, :d].reshape(*grid, d)
    pre = None
    for k, i in enumerate(prefix):
        pre = lead[k][i] if pre is None else pre * lead[k][i]  # (d,) fixed rows of the axes before p
    if pre is not None and any(d_lead[k] is not None for k in range(p)):
        inner = along(pieces[0], 0)
        for j in range(1, n_grid):
            inner = inner * along(pieces[j], j)
        d_pre = (d_prod * inner).reshape(-1, d).sum(dim=0)  # (d,)
        for k, i in enumerate(prefix):
            if d_lead[k] is not None:
                others = [lead[j][prefix[j]] for j in range(p) if j != k]
                d_lead[k][i] += d_pre * math.prod(others) if others else d_pre
    scaled = d_prod if pre is None else d_prod * pre
    for k in range(n_grid):
        acc = d_lead[p + k]
        if acc is None:
            continue
        t = scaled
        for j in range(n_grid):
            if j != k:
                t = t * along(pieces[j], j)
        g = t.sum(dim=tuple(j for j in range(n_grid) if j != k)) if n_grid > 1 else t  # (n_k, d)
        (acc[lo:hi] if k == 0 else acc).add_(g)
    if logws is None:
        return
    d_w = d_rows[:, d].reshape(grid)  # d loss / d (summed log-weight of the row)
    for k, i in enumerate(prefix):
        if d_logws[k] is not None:
            d_logws[k][i] += d_w.sum()
    for k in range(n_grid):
        acc = d_logws[p + k]
        if acc is not None:
            g = d_w.sum(dim=tuple(j for j in range(n_grid) if j != k)) if n_grid > 1 else d_w
            (acc[lo:hi] if k == 0 else acc).add_(g)


def _columns(last, scale, logw_last, shift=None):
    """The last factor scaled, (U_last, d'): ``rows @ columns.T`` is the chunk's scores T (minus ``shift``,
    a constant, when given; see ``_rows`` for the matching layout)."""
    cols = scale * last  # (U, d)
    if logw_last is None:
        return cols if shift is None else torch.cat([cols, (-shift).expand(cols.shape[0], 1)], dim=1)
    last_col = logw_last if shift is None else logw_last - shift
    return torch.cat([cols, torch.ones_like(logw_last)[:, None], last_col[:, None]], dim=1)  # (U, d + 2)


def _score_bound(factors, logws, scale) -> torch.Tensor:
    """An upper bound (nats, 0-dim, no gradient) of every score T: ``|MIP| <= prod_m max_i |F_m[i]|``
    (Hölder), plus the largest log-weight of each modality."""
    bound = scale * torch.stack([f.norm(dim=1).max() for f in factors]).prod()
    for w in logws or ():
        bound = bound + w.max()
    return bound.detach()


def _leading_shape(sizes, p, lo, hi):
    """Shape of the chunk's rows as a grid over the axes p..M-2."""
    return (hi - lo, *sizes[p + 1 : -1])


class _AxesLSE(torch.autograd.Function):
    """``R_m[x] = log sum_{i: i_m = x} exp(T[i])`` for the wanted axes m, one chunk of T alive at a time.

    ``shared=True``: every wanted axis from one exponential per score (one bound shift), and an extra
    bool output that is True when the underflow check passed. ``shared=False``: axis 0 only, shifted by
    each row's own maximum (exact at any scale).
    """

    @staticmethod
    def forward(ctx, meta, scale, *tensors):
        sizes, axes, shared, chunk_elements = meta
        m_count = len(sizes)
        factors, logws = list(tensors[:m_count]), list(tensors[m_count:])
        weighted = logws[0] is not None
        lead, last = factors[:-1], factors[-1]
        # Shared: every score is shifted by one upper bound of them all, folded into the matmul (no
        # pass for a maximum, no rescaling of the sums); single: each row of axis 0 by its own maximum.
        shift = _score_bound(factors, logws if weighted else None, scale) if shared else None
        # scores in base 2 (log2 e folded into the columns): exp2 is a third cheaper than exp on CPU
        cols2 = _columns(last, scale, logws[-1] if weighted else None, shift) * _LOG2E  # (U_last, d')
        p, block = _layout(sizes, chunk_elements)
        acc_dtype = torch.promote_types(last.dtype, torch.float32)  # sums of up to prod(U) terms
        dev = last.device
        buf = torch.empty(block * math.prod(sizes[p + 1 :]), dtype=last.dtype, device=dev)
        n_chunks = math.prod(sizes[:p]) * math.ceil(sizes[p] / block)
        if shared:
            acc = {m: torch.zeros(sizes[m], dtype=acc_dtype, device=dev) for m in axes}  # sums * e^-shift
        else:
            ref = torch.full((sizes[0],), -math.inf, dtype=acc_dtype, device=dev)  # each row's own max
            acc = torch.zeros(sizes[0], dtype=acc_dtype, device=dev)
        for prefix, lo, hi in _chunks(sizes, p, block):
            rows = _rows(lead, logws[:-1] if weighted else None, p, prefix, lo, hi, shared)  # (R, d')
            scores = torch.mm(rows, cols2.T, out=buf[: rows.shape[0] * sizes[-1]].view(-1, sizes[-1]))
            if shared:
                e = scores.exp2_()  # (R, U_last): exp(T - shift) <= 1
                grid = e.sum(dim=1).view(_leading_shape(sizes, p, lo, hi)).to(acc_dtype)  # row sums
                for m in axes:
                    if m == m_count - 1:
                        acc[m].add_(e.sum(dim=0).to(acc_dtype))  # column sums
                    elif m < p:
                        acc[m][prefix[m]] += grid.sum()
                    else:
                        other = tuple(a for a in range(grid.ndim) if a != m - p)
                        part = grid.sum(dim=other) if other else grid
                        (acc[m][lo:hi] if m == p else acc[m]).add_(part)  # a view: updated in place
            else:
                sl = slice(lo, hi) if p == 0 else slice(prefix[0], prefix[0] + 1)
                view = scores.view(sl.stop - sl.start, -1)  # (n0, rest): one view row per row of axis 0
                top = view.amax(dim=1)  # (n0,)
                sums = view.sub_(top[:, None]).exp2_().sum(dim=1).to(acc_dtype)
                new_ref = torch.maximum(ref[sl], top.to(acc_dtype))
                acc[sl] = acc[sl] * torch.exp2(ref[sl] - new_ref) + sums * torch.exp2(top - new_ref)
                ref[sl] = new_ref
        if shared:
            out = [(shift + acc[m].log()).to(last.dtype) for m in axes]
            # A score v underflows only when v < shift - SAFE, and each chunk's partial sum loses at most
            # as much again. Row x of axis m (n_x scores) is exact to the dtype's epsilon when all of that
            # is below eps * exp(lse): check it for every row (the one host read-back of the call).
            info = torch.finfo(last.dtype)
            safe, log_eps = -math.log(info.tiny), math.log(info.eps)
            ok = torch.stack(
                [
                    (lse - shift >= math.log(math.prod(sizes) / sizes[m] + n_chunks) - safe - log_eps).all()
                    for m, lse in zip(axes, out, strict=True)
                ]
            ).all()
            ctx.mark_non_differentiable(ok)
        else:
            out = [(ref * _LN2 + acc.log()).to(last.dtype)]
        ctx.meta, ctx.weighted = meta, weighted
        ctx.save_for_backward(scale, *factors, *(logws if weighted else ()), *out, shift)
        return (*out, ok) if shared else out[0]

    @staticmethod
    def backward(ctx, *grads):
        sizes, axes, shared, chunk_elements = ctx.meta
        m_count = len(sizes)
        saved = list(ctx.saved_tensors)
        scale, factors = saved[0], saved[1 : 1 + m_count]
        weighted = ctx.weighted
        logws = saved[1 + m_count : 1 + 2 * m_count] if weighted else [None] * m_count
        lses = saved[-1 - len(axes) : -1]
        shift = saved[-1]
        grads = grads[: len(axes)]  # d loss / d R_m (the bool output has none)
        need = ctx.needs_input_grad[1:]  # (scale, *factors, *logws)
        lead, lead_w = factors[:-1], (logws[:-1] if weighted else None)
        d_lead = [torch.zeros_like(f) if n else None for f, n in zip(lead, need[1:m_count], strict=True)]
        d_logws = None
        if weighted:
            d_logws = [
                torch.zeros_like(w) if n else None
                for w, n in zip(lead_w, need[1 + m_count : 2 * m_count], strict=True)
            ]
        wants_lead = any(g is not None for g in d_lead + (d_logws or []))
        # the columns' small graph (scale, last factor, its log-weight) goes through autograd once, at the end
        last_in = [scale, factors[-1], logws[-1] if weighted else None]
        last_need = [need[0], need[m_count], weighted and need[-1]]
        last_l = [
            t.detach().requires_grad_(bool(n)) if t is not None else None
            for t, n in zip(last_in, last_need, strict=True)
        ]
        with torch.enable_grad():
            cols = _columns(last_l[1], last_l[0], last_l[2], shift)  # (U_last, d')
        cols2 = cols.detach() * _LOG2E  # the forward's base-2 scores
        # Without weights the shift's column (a constant) needs no gradient: the two gradient matmuls use
        # d columns, not d + 1 (an odd width also slows the matmul down).
        width = cols.shape[1] - (1 if shared and not weighted else 0)
        cols_d = cols.detach()[:, :width].contiguous()
        d_cols = torch.zeros_like(cols_d)  # sum over chunks of (d loss / d T)^T @ rows
        p, block = _layout(sizes, chunk_elements)
        buf = torch.empty(block * math.prod(sizes[p + 1 :]), dtype=cols.dtype, device=cols.device)
        buf2 = torch.empty_like(buf) if shared and axes[-1] == m_count - 1 else None
        if shared:  # softmax weight of a score in row x of axis m: e * f_m[x], finite by the forward check
            weights_f = {m: g * torch.exp(shift - lse) for m, lse, g in zip(axes, lses, grads, strict=True)}
        for prefix, lo, hi in _chunks(sizes, p, block):
            rows_d = _rows(lead, lead_w, p, prefix, lo, hi, shared)  # (R, d')
            n_rows = rows_d.shape[0]
            e = torch.mm(rows_d, cols2.T, out=buf[: n_rows * sizes[-1]].view(-1, sizes[-1]))  # (R, U)
            # d loss / d T = e * (f_rows[:, None] + f_last[None, :]) with e = exp(T - shift)
            f_last = None
            if shared:
                e.exp2_()
                f_grid = torch.zeros(_leading_shape(sizes, p, lo, hi), dtype=e.dtype, device=e.device)
                for m, f in weights_f.items():
                    if m == m_count - 1:
                        f_last = f
                    elif m < p:
                        f_grid += f[prefix[m]]
                    else:
                        piece = f[lo:hi] if m == p else f
                        shape = [1] * f_grid.ndim
                        shape[m - p] = -1
                        f_grid += piece.view(shape)
                f_rows = f_grid.reshape(-1)  # (R,)
            else:
                sl = slice(lo, hi) if p == 0 else slice(prefix[0], prefix[0] + 1)
                view = e.view(sl.stop - sl.start, -1)
                view.sub_(lses[0][sl, None] * _LOG2E).exp2_()  # softmax weights of axis 0's rows
                f_rows = grads[0][sl].repeat_interleave(n_rows // (sl.stop - sl.start))  # (R,)
            # materialise d loss / d T in place of e, then its two matmuls (rows.T @ g beats g.T @ rows)
            if f_last is None:
                g_t = e.mul_(f_rows[:, None])
            else:
                g_t = e.mul_(torch.add(f_rows[:, None], f_last[None, :], out=buf2[: e.numel()].view_as(e)))
            rows_w = rows_d if width == rows_d.shape[1] else rows_d[:, :width]
            d_rows = g_t @ cols_d  # (R, d')
            d_cols += (rows_w.T @ g_t).T  # (U_last, d')
            if wants_lead:
                _rows_grad(lead, lead_w, p, prefix, lo, hi, d_rows, d_lead, d_logws)
        wanted = [t for t in last_l if t is not None and t.requires_grad]
        if width < cols.shape[1]:
            d_cols = torch.cat([d_cols, d_cols.new_zeros(d_cols.shape[0], cols.shape[1] - width)], dim=1)
        got = iter(torch.autograd.grad(cols, wanted, d_cols) if wanted else ())
        d_scale, d_last, d_logw_last = (
            next(got) if t is not None and t.requires_grad else None for t in last_l
        )
        d_logws_all = [*d_logws, d_logw_last] if weighted else [None] * m_count
        return (None, d_scale, *d_lead, d_last, *d_logws_all)


def _check_chunk_elements(chunk_elements) -> None:
    if isinstance(chunk_elements, bool) or not (isinstance(chunk_elements, int) and chunk_elements >= 1):
        raise ValueError(f"chunk_elements must be a positive int, got {chunk_elements!r}")


def _warn_if_huge(sizes: tuple[int, ...]) -> None:
    scores = math.prod(sizes)
    if scores > COST_WARNING_SCORES:
        warnings.warn(
            f"the all-combinations Symile loss builds {scores:.3g} scores (sizes {list(sizes)}): "
            f"about {scores * SECONDS_PER_SCORE:.0f} s per forward + backward on a 2-core CPU "
            f"(warned above COST_WARNING_SCORES = {COST_WARNING_SCORES:.3g})",
            RuntimeWarning,
            stacklevel=3,
        )


def _lse_small(factors, logws, scale, axes):
    """All scores at once (they fit in one chunk): plain autograd, torch's own safe log-sum-exp."""
    sizes = [int(f.shape[0]) for f in factors]
    t = _rows(factors[:-1], logws[:-1] if logws else None, 0, (), 0, sizes[0]) @ _columns(
        factors[-1], scale, logws[-1] if logws else None
    ).T
    t = t.reshape(sizes)  # (U_0, ..., U_{M-1})
    return [torch.logsumexp(t, dim=[a for a in range(len(sizes)) if a != m]) for m in axes]


def _as_scale(scale, like: torch.Tensor) -> torch.Tensor:
    if isinstance(scale, torch.Tensor):
        return scale.to(dtype=like.dtype, device=like.device).reshape(())
    return torch.tensor(float(scale), dtype=like.dtype, device=like.device)


def _weights(factors, log_weights):
    """Log-weights as a list of M tensors (zeros where None), or None when no modality is weighted."""
    if log_weights is None or all(w is None for w in log_weights):
        return None
    return [f.new_zeros(f.shape[0]) if w is None else w for f, w in zip(factors, log_weights, strict=True)]


def _lse_every_anchor(reps, log_weights, scale, chunk_elements: int) -> list[torch.Tensor]:
    r"""Every anchor's ``lse_m[x]`` (module docstring) from one pass over the all-combinations tensor.

    ``reps`` are M factors (U_m, d), ``log_weights`` None or a list of M (U_m,) tensors (or None
    entries); anchor m's own weight is left out of its log-sum-exp. Returns M tensors (U_m,), nats.
    Falls back to one exactly-shifted pass per anchor when the shared shift would lose precision.
    """
    _check_chunk_elements(chunk_elements)
    factors = list(reps)
    sizes = tuple(int(f.shape[0]) for f in factors)
    _warn_if_huge(sizes)
    scale = _as_scale(scale, factors[0])
    logws = _weights(factors, log_weights)
    axes = tuple(range(len(factors)))
    if math.prod(sizes) <= max(chunk_elements, sizes[-1]):
        lses = _lse_small(factors, logws, scale, axes)
    else:
        *lses, ok = _AxesLSE.apply(
            (sizes, axes, True, chunk_elements), scale, *factors, *(logws or [None] * len(factors))
        )
        if not bool(ok):  # the shared shift lost precision somewhere: each anchor alone, exactly
            lses = [
                _lse_all_combinations(
                    factors[m],
                    [f for k, f in enumerate(factors) if k != m],
                    None if logws is None else [w for k, w in enumerate(logws) if k != m],
                    scale,
                    chunk_elements,
                    _warn=False,
                )
                for m in axes
            ]
            return lses
    if logws is not None:
        lses = [lse - w for lse, w in zip(lses, logws, strict=True)]  # the anchor's own weight out
    return lses


def _lse_all_combinations(
    anchor, others, log_weights, scale, chunk_elements: int, *, _warn: bool = True
) -> torch.Tensor:
    r"""``lse[u] = log sum_c w(c) exp(scale * MIP(anchor[u], others[0][c_1], ..., others[K-1][c_K]))``.

    The sum runs over all combinations c of non-anchor rows, weighted by ``exp(sum_k log_weights[k][c_k])``
    (weights 1 when ``log_weights`` is None). One anchor only, each row shifted by its own largest score
    (exact at any scale); :func:`_lse_every_anchor` serves all M anchors from one pass. Scores are built
    ``chunk_elements`` at a time by a custom autograd function whose backward recomputes each chunk, so
    memory stays O(chunk_elements) in forward and backward. Values in nats.
    """
    _check_chunk_elements(chunk_elements)
    factors = [anchor, *others]
    sizes = tuple(int(f.shape[0]) for f in factors)
    if _warn:
        _warn_if_huge(sizes)
    scale = _as_scale(scale, anchor)
    logws = _weights(factors, None if log_weights is None else [None, *log_weights])
    if math.prod(sizes) <= max(chunk_elements, sizes[-1]):
        return _lse_small(factors, logws, scale, (0,))[0]
    return _AxesLSE.apply(
        (sizes, (0,), False, chunk_elements), scale, *factors, *(logws or [None] * len(factors))
    )


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
    n, m_count = reps[0].shape[0], len(reps)
    scale = loss_scale(logit_scale, reps, terms=n * m_count)
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
