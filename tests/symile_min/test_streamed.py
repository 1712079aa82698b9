"""The streamed all-combinations log-sum-exps ("n_squared") against the materialised logits."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F

import symile_min._streamed as streamed
from symile_min import symile_loss
from symile_min._streamed import (
    _AxesLSE,
    _lse_all_combinations,
    _lse_every_anchor,
    symile_loss_materialised,
)


def n_squared_loss(reps, scale, **kwargs):
    """The all-combinations Symile loss under test: ``symile_loss(negatives="n_squared")``."""
    return symile_loss(reps, scale, negatives="n_squared", **kwargs)


# chunk sizes that exercise every chunk layout at N = 6: one row of the last axis per chunk (1), blocks of
# the last leading axis (13), fixed first axes + blocks (72 at M = 4), and everything at once (10**9)
CHUNKS = [1, 13, 72, 10**9]


def _reps(m, n, d=3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    return [
        F.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1).requires_grad_() for _ in range(m)
    ]


def _brute_lse(factors, log_weights, scale):
    """Every anchor's lse from the full score tensor (einsum), the anchor's own log-weight left out."""
    m_count = len(factors)
    letters = "abcdefgh"[:m_count]
    t = scale * torch.einsum(",".join(f"{c}z" for c in letters) + "->" + letters, *factors)
    for k, w in enumerate(log_weights):
        t = t + w.view(*([1] * k), -1, *([1] * (m_count - 1 - k)))
    return [
        torch.logsumexp(t, dim=[a for a in range(m_count) if a != m]) - log_weights[m] for m in range(m_count)
    ]


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("chunk_elements", CHUNKS)
def test_streamed_all_combinations_matches_materialised_logits(m, chunk_elements):
    reps = _reps(m, n=6)
    scale = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    fast = n_squared_loss(reps, scale, chunk_elements=chunk_elements)
    ref = symile_loss_materialised(reps, scale)
    torch.testing.assert_close(fast, ref, rtol=0, atol=1e-10)
    for a, b in zip(
        torch.autograd.grad(fast, [*reps, scale]), torch.autograd.grad(ref, [*reps, scale]), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("chunk_elements", [1, 7, 16, 30, 61, 10**9])
def test_every_anchor_and_single_anchor_lse_match_brute_force_with_weights_and_unequal_sizes(chunk_elements):
    # sizes 2, 3, 4, 5 so that a mixed-up axis cannot go unnoticed; random weights, a random cotangent
    g = torch.Generator().manual_seed(1)
    sizes = [2, 3, 4, 5]
    factors = [torch.randn(u, 3, generator=g, dtype=torch.float64).requires_grad_() for u in sizes]
    logws = [torch.rand(u, generator=g, dtype=torch.float64).requires_grad_() for u in sizes]
    scale = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    cotangent = [torch.randn(u, generator=g, dtype=torch.float64) for u in sizes]
    inputs = [*factors, *logws, scale]

    def grads(lses, anchors):
        total = sum((lse * cotangent[m]).sum() for m, lse in zip(anchors, lses, strict=True))
        return torch.autograd.grad(total, inputs, allow_unused=True)

    def assert_match(got, want):
        for a, b in zip(got, want, strict=True):  # None: no path to that input (the anchor's own weight)
            if a is None or b is None:
                assert float((b if a is None else a).abs().max()) < 1e-12
            else:
                torch.testing.assert_close(a, b, rtol=0, atol=1e-12)

    every = _lse_every_anchor(factors, logws, scale, chunk_elements)
    ref = _brute_lse(factors, logws, scale)
    assert_match(every, ref)
    assert_match(grads(every, range(4)), grads(_brute_lse(factors, logws, scale), range(4)))
    for m in range(4):
        single = _lse_all_combinations(
            factors[m],
            [f for k, f in enumerate(factors) if k != m],
            [w for k, w in enumerate(logws) if k != m],
            scale,
            chunk_elements,
        )
        assert_match([single], [ref[m]])
        assert_match(grads([single], [m]), grads([_brute_lse(factors, logws, scale)[m]], [m]))


def test_weighted_lse_counts_each_combination_by_the_product_of_its_weights():
    # two non-anchor modalities with 2 and 3 values: weights exp(log_w) multiply, as counts would
    anchor = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    others = [
        torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64),
        torch.tensor([[1.0, 1.0], [2.0, 0.0], [0.0, 3.0]], dtype=torch.float64),
    ]
    counts = [torch.tensor([2.0, 1.0]).double(), torch.tensor([1.0, 4.0, 1.0]).double()]
    terms = [
        counts[0][v] * counts[1][w] * torch.exp(0.5 * (anchor[0] * others[0][v] * others[1][w]).sum())
        for v in range(2)
        for w in range(3)
    ]
    expected = torch.log(sum(terms))
    for chunk in (1, 4, 100):
        got = _lse_all_combinations(anchor, others, [c.log() for c in counts], 0.5, chunk)
        torch.testing.assert_close(got, expected.reshape(1), rtol=0, atol=1e-12)


def _shared_check_passes(reps, scale, chunk_elements):
    sizes = tuple(int(r.shape[0]) for r in reps)
    meta = (sizes, tuple(range(len(reps))), True, chunk_elements)
    with torch.no_grad():
        *_, ok = _AxesLSE.apply(meta, torch.tensor(scale, dtype=reps[0].dtype), *reps, *[None] * len(reps))
    return bool(ok)


@pytest.mark.parametrize("dtype, scale", [(torch.float32, 400.0), (torch.float64, 4000.0)])
def test_large_logit_scale_falls_back_to_exact_per_anchor_shifts(dtype, scale):
    # at this scale the scores span far more than the dtype's exponent range: the shared shift would lose
    # whole rows to underflow, the check must see it, and the per-anchor fallback must stay accurate
    reps = _reps(3, n=12, d=2, seed=3, dtype=dtype)
    assert not _shared_check_passes([r.detach() for r in reps], scale, 20)
    fast = n_squared_loss(reps, scale, chunk_elements=20)
    ref64 = [r.detach().double().requires_grad_() for r in reps]
    ref = symile_loss_materialised(ref64, scale)
    assert math.isfinite(float(fast.detach()))
    torch.testing.assert_close(fast.double(), ref, rtol=1e-5, atol=0)
    for a, b in zip(torch.autograd.grad(fast, reps), torch.autograd.grad(ref, ref64), strict=True):
        torch.testing.assert_close(a.double(), b, rtol=1e-4, atol=1e-4 * float(b.abs().max()))


def test_moderate_scale_keeps_the_shared_single_exponential_path():
    # unit vectors at s = 10: 2 s max|MIP| <= 20 nats, well inside float32's range -- no fallback needed
    reps = [r.detach().float() for r in _reps(3, n=12)]
    assert _shared_check_passes(reps, 10.0, 20)
    torch.testing.assert_close(
        n_squared_loss(reps, 10.0, chunk_elements=20).double(),
        symile_loss_materialised([r.double() for r in reps], 10.0),
        rtol=1e-6,
        atol=0,
    )


def test_single_anchor_lse_is_exact_at_any_scale_in_float32():
    reps = [r.detach() for r in _reps(3, n=10, d=2, seed=5, dtype=torch.float32)]
    got = _lse_all_combinations(reps[0], reps[1:], None, 5000.0, 7)  # streamed, per-row shifts
    r64 = [r.double() for r in reps]
    want = _lse_all_combinations(r64[0], r64[1:], None, 5000.0, 10**9)  # torch.logsumexp on all scores
    torch.testing.assert_close(got.double(), want, rtol=1e-6, atol=0)


def test_outputs_keep_the_input_dtype():
    reps = [r.detach().float() for r in _reps(3, n=5)]
    assert n_squared_loss(reps, 2.0, chunk_elements=4).dtype == torch.float32
    assert _lse_all_combinations(reps[0], reps[1:], None, 2.0, 4).dtype == torch.float32


def test_huge_call_warns_with_its_estimated_time(monkeypatch):
    reps = _reps(3, n=6)
    monkeypatch.setattr(streamed, "COST_WARNING_SCORES", 6**3 - 1)
    with pytest.warns(RuntimeWarning, match=r"builds 216 scores .* about \d+ s per forward \+ backward"):
        n_squared_loss(reps, 1.0)
    monkeypatch.setattr(streamed, "COST_WARNING_SCORES", 6**3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        n_squared_loss(reps, 1.0)


def test_cost_warning_threshold_is_below_the_slow_case_of_the_issue():
    # regression: issue 13 (M = 4, N = 500 ran > 40 s without a warning; N = 1024, M = 3 must not warn)
    assert 1024**3 <= streamed.COST_WARNING_SCORES < 500**4


@pytest.mark.parametrize("chunk_elements", [0, -3, 2.5, True])
def test_chunk_elements_must_be_a_positive_int(chunk_elements):
    with pytest.raises(ValueError, match=f"chunk_elements must be a positive int, got {chunk_elements!r}"):
        n_squared_loss(_reps(3, n=4), 1.0, chunk_elements=chunk_elements)
