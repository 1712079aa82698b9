"""symile_min._batched_loss: the losses of K models in one computation equal each model's grouped loss."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from symile_min import symile_loss_grouped
from symile_min._batched_loss import (
    _aligned_sizes,
    _clip_loss_stacked,
    _clip_struct,
    _draw_layout,
    _factors,
    _plan,
    _symile_loss_stacked,
    _symile_struct,
    _tensor_forward,
)
from symile_min.grouped import clip_loss_grouped

# --------------------------------------------------------------------------------------------------
# the batched losses against the grouped losses (float64, values and gradients)


def _tables(sizes, k_count, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    reps = [F.normalize(torch.randn(k_count, u, 4, generator=g, dtype=dtype), dim=-1) for u in sizes]
    return [r.requires_grad_() for r in reps]


def _ids(sizes, k_count, n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.stack([torch.randint(0, u, (k_count, n), generator=g) for u in sizes], dim=1)  # (K, M, N)


@pytest.mark.parametrize("sizes", [(3, 4), (4, 5, 3), (2, 3, 2, 3)], ids=["M2", "M3", "M4"])
@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_score_tensor_loss_equals_the_grouped_loss(sizes, negatives):
    k_count, n, m_count = 3, 9, len(sizes)
    reps = _tables(sizes, k_count, seed=1)
    scale = torch.tensor([0.7, 3.0, 11.0], dtype=torch.float64, requires_grad=True)
    ids = _ids(sizes, k_count, n, seed=2)
    seeds = (10, 11, 12)
    perms, modalities = None, None
    if negatives == "n":
        modalities, perms = _draw_layout(m_count, n, [torch.Generator().manual_seed(s) for s in seeds])
    struct = _symile_struct(ids, perms, _plan(sizes, k_count, modalities, ids.device), negatives)
    losses = _symile_loss_stacked(reps, scale, struct)
    for k in range(k_count):
        ref = symile_loss_grouped(
            [r[k] for r in reps], [ids[k, m] for m in range(m_count)], scale[k], negatives=negatives,
            generator=torch.Generator().manual_seed(seeds[k]),
        )  # fmt: skip
        torch.testing.assert_close(losses[k], ref, rtol=1e-12, atol=1e-12)
        mine = torch.autograd.grad(losses[k], [scale, *reps], retain_graph=True)
        theirs = torch.autograd.grad(ref, [scale, *reps], retain_graph=True)
        for a, b in zip(mine, theirs, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_clip_loss_from_counts_equals_the_grouped_clip_loss():
    sizes, k_count, n = (4, 3, 5), 2, 11
    reps = _tables(sizes, k_count, seed=3)
    scale = torch.tensor([0.5, 6.0], dtype=torch.float64, requires_grad=True)
    ids = _ids(sizes, k_count, n, seed=4)
    losses = _clip_loss_stacked(reps, scale, _clip_struct(ids, sizes))
    for k in range(k_count):
        ref = clip_loss_grouped([r[k] for r in reps], [ids[k, m] for m in range(3)], scale[k])
        torch.testing.assert_close(losses[k], ref, rtol=1e-12, atol=1e-12)
        mine = torch.autograd.grad(losses[k], [scale, *reps], retain_graph=True)
        theirs = torch.autograd.grad(ref, [scale, *reps], retain_graph=True)
        for a, b in zip(mine, theirs, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def _own_share(reps, scale, struct):
    """max over rows of (own column) / (row sum): > 1/2 means the row took the exact path."""
    factors, last = _factors([r.detach() for r in reps], scale.detach(), struct.sizes)
    _, saved = _tensor_forward(factors[-1], last, struct)
    E = saved["E"].view(scale.shape[0], -1)
    own = E.gather(1, struct.own.view(scale.shape[0], -1))
    total = own + (saved["D"] - saved["ep"][:, None, :]).reshape(own.shape)
    return float((own / total).max())


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_a_dominant_own_column_is_dropped_without_cancellation(dtype):
    # a large scale makes one candidate column carry nearly all of a row's sum; subtracting it would
    # cancel catastrophically (the grouped loss drops such a column exactly, and so must this one)
    sizes, k_count, n = (3, 3, 3), 1, 6
    reps = _tables(sizes, k_count, seed=5, dtype=dtype)
    scale = torch.tensor([40.0], dtype=dtype, requires_grad=True)
    ids = _ids(sizes, k_count, n, seed=6)
    modalities, perms = _draw_layout(3, n, [torch.Generator().manual_seed(0)])
    struct = _symile_struct(ids, perms, _plan(sizes, 1, modalities, ids.device), "n")
    assert _own_share(reps, scale, struct) > 0.999  # the case this test is about does occur
    loss = _symile_loss_stacked(reps, scale, struct)[0]
    ref = symile_loss_grouped(
        [r[0].double() for r in reps], [ids[0, m] for m in range(3)], scale[0].double(),
        generator=torch.Generator().manual_seed(0),
    )  # fmt: skip
    torch.testing.assert_close(loss.double(), ref, rtol=1e-6 if dtype == torch.float32 else 1e-12, atol=0)


def test_sums_that_underflow_in_float32_are_recomputed_in_float64():
    # scores spanning hundreds of nats: in float32 whole rows underflow after the shift by the largest score
    sizes, k_count, n = (4, 4, 4), 2, 8
    reps = _tables(sizes, k_count, seed=7, dtype=torch.float32)
    scale = torch.tensor([400.0, 1.0], requires_grad=True)
    ids = _ids(sizes, k_count, n, seed=8)
    modalities, perms = _draw_layout(3, n, [torch.Generator().manual_seed(s) for s in (1, 2)])
    struct = _symile_struct(ids, perms, _plan(sizes, 2, modalities, ids.device), "n")
    factors, last = _factors([r.detach() for r in reps], scale.detach(), sizes)
    assert _tensor_forward(factors[-1], last, struct)[1]["bad"].tolist() == [True, False]
    losses = _symile_loss_stacked(reps, scale, struct)
    assert bool(torch.isfinite(losses).all())
    for k, seed in enumerate((1, 2)):
        ref = symile_loss_grouped(
            [r[k].double() for r in reps], [ids[k, m] for m in range(3)], scale[k].double(),
            generator=torch.Generator().manual_seed(seed),
        )  # fmt: skip
        torch.testing.assert_close(losses[k].double(), ref, rtol=1e-5, atol=1e-5)
    grads = torch.autograd.grad(losses.sum(), [scale, *reps])
    assert all(bool(torch.isfinite(g).all()) for g in grads)


@pytest.mark.parametrize("negatives", ["n", "n_squared"])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.int16, torch.int32])
def test_structures_from_narrow_integer_ids_equal_those_from_int64_ids(dtype, negatives):
    # regression: issue 13 (the training loop hands the structures its one-byte row ids; the index
    # arithmetic runs in int32, and what a gather or scatter reads must still be the same int64 indices);
    # flat indices up to 20 * 17 * 3 overflow one byte, so arithmetic left in the input's type would fail
    sizes, k_count, n = (20, 17, 3), 3, 40
    ids = _ids(sizes, k_count, n, seed=9)
    modalities, perms = None, None
    if negatives == "n":
        modalities, perms = _draw_layout(3, n, [torch.Generator().manual_seed(s) for s in range(k_count)])
    plan = _plan(sizes, k_count, modalities, ids.device)
    wide = _symile_struct(ids, perms, plan, negatives)
    narrow = _symile_struct(ids.to(dtype), perms, plan, negatives)
    for name in ("rows", "pos", "own"):
        a, b = getattr(wide, name), getattr(narrow, name)
        if a is not None:
            assert b.dtype == torch.int64
            assert torch.equal(a, b), name
    for a, b in zip(wide.weights, narrow.weights, strict=True):
        assert torch.equal(a, b)
    clip_wide, clip_narrow = _clip_struct(ids, sizes), _clip_struct(ids.to(dtype), sizes)
    for group_a, group_b in zip(clip_wide.groups, clip_narrow.groups, strict=True):
        assert group_a[:2] == group_b[:2]
        for a, b in zip(group_a[2:], group_b[2:], strict=True):
            assert torch.equal(a, b)


def test_score_tensors_are_padded_to_whole_16_float_blocks():
    # regression: issue 13 (an unaligned block made a model's numbers depend on its place in the batch)
    assert _aligned_sizes((32, 32, 32)) == (32, 32, 32)  # the paper's: already aligned
    assert _aligned_sizes((33, 33, 33)) == (33, 33, 48)  # the last axis padded
    assert _aligned_sizes((3, 5)) == (3, 16)
    assert _aligned_sizes((4, 5, 3)) == (4, 5, 4)  # 20 x 4 = 80: the fewest padded values, not 16 of them
    assert _aligned_sizes((1000, 33, 3)) == (1000, 33, 4)
    for sizes in [(33, 33, 33), (3, 5), (4, 5, 3), (2, 3, 2, 3)]:
        assert math.prod(_aligned_sizes(sizes)) % 16 == 0
        assert _plan(sizes, 2, None, torch.device("cpu")).sizes == _aligned_sizes(sizes)
