"""Core losses: brute force (value, gradient), Symile(M=2) = CLIP, the shared "n" layout, devices, errors."""

import itertools
import math

import pytest
import torch
import torch.nn.functional as F

from symile_min import clip_loss, infonce_from_scores, mip, symile_loss
from symile_min.losses import _n_candidates

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _reps(m, n=5, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        F.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=1).requires_grad_()
        for _ in range(m)
    ]


def _brute_force(reps, scale, negatives, generator=None):
    """Loop-over-tuples reference written from the definitions in the losses module docstring."""
    n, m_count = reps[0].shape[0], len(reps)
    perms = [[torch.randperm(n, generator=generator) for _ in range(m_count - 2)] for _ in range(m_count)]
    per_anchor = []
    for m in range(m_count):
        others = [k for k in range(m_count) if k != m]
        rows = []
        for i in range(n):
            if negatives == "n":
                cands = []
                for j in range(n):
                    tup = [i] * m_count if j == i else [None] * m_count
                    if j != i:
                        tup[m], tup[others[0]] = i, j
                        for k, p in zip(others[1:], perms[m]):
                            tup[k] = int(p[j])
                    cands.append(tup)
            else:
                cands = []
                for combo in itertools.product(range(n), repeat=m_count - 1):
                    tup = [None] * m_count
                    tup[m] = i
                    for k, c in zip(others, combo):
                        tup[k] = c
                    cands.append(tup)
            scores = torch.stack(
                [
                    scale
                    * sum(
                        math.prod(reps[k][t[k], c] for k in range(m_count)) for c in range(reps[0].shape[1])
                    )
                    for t in cands
                ]
            )
            pos = scale * sum(
                math.prod(reps[k][i, c] for k in range(m_count)) for c in range(reps[0].shape[1])
            )
            rows.append(torch.logsumexp(scores, 0) - pos)
        per_anchor.append(torch.stack(rows).mean())
    return torch.stack(per_anchor).mean()


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_symile_loss_agrees_with_brute_force_in_value_and_gradient(m, negatives):
    reps = _reps(m, n=4 if m == 4 else 5)
    fast = symile_loss(
        reps, 3.0, negatives=negatives, generator=torch.Generator().manual_seed(1), chunk_elements=7
    )
    slow = _brute_force(reps, 3.0, negatives, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(fast, slow, rtol=0, atol=1e-5)
    for a, b in zip(torch.autograd.grad(fast, reps), torch.autograd.grad(slow, reps), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_symile_with_two_modalities_equals_symmetric_clip(negatives):
    reps = _reps(2, n=7)
    torch.testing.assert_close(
        symile_loss(reps, 2.5, negatives=negatives), clip_loss(reps, 2.5), rtol=0, atol=1e-12
    )


def test_clip_is_the_sum_over_pairs_of_mean_of_both_directions():
    reps = _reps(3, n=6)
    expected = sum(
        infonce_from_scores(2.0 * reps[a] @ reps[b].T, symmetric=True) for a, b in [(0, 1), (0, 2), (1, 2)]
    )
    torch.testing.assert_close(clip_loss(reps, 2.0), expected)


def test_clip_of_identical_one_hot_batches_is_log_of_one_plus_two_over_e():
    # each row: positive score 1, two negatives 0 -> CE = log(e + 2) - 1 = log(1 + 2/e), both directions
    reps = [torch.eye(3, dtype=torch.float64)] * 2
    assert clip_loss(reps, 1.0).item() == pytest.approx(math.log(1 + 2 / math.e), abs=1e-12)


def test_mip_is_the_dot_product_for_two_modalities_and_the_trilinear_sum_for_three():
    a, b, c = _reps(3)
    torch.testing.assert_close(mip(a, b), (a * b).sum(1))
    torch.testing.assert_close(mip(a, b, c), torch.einsum("nk,nk,nk->n", a, b, c))


def test_n_candidates_keep_the_first_non_anchor_and_permute_the_others_in_draw_order():
    layout = _n_candidates(4, 6, torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    expected = [[torch.randperm(6, generator=g) for _ in range(2)] for _ in range(4)]  # anchor by anchor
    for m, columns in enumerate(layout):
        assert [k for k, _ in columns] == [k for k in range(4) if k != m]
        assert columns[0][1] is None  # first non-anchor modality: column j is its row j
        for (_, perm), ref in zip(columns[1:], expected[m], strict=True):
            assert torch.equal(perm, ref)


def test_n_negatives_are_reproducible_from_the_generator_and_change_with_its_seed():
    reps = [r.detach() for r in _reps(3, n=8)]
    losses = [float(symile_loss(reps, 5.0, generator=torch.Generator().manual_seed(s))) for s in (0, 0, 1)]
    assert losses[0] == losses[1] != losses[2]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_losses_live_on_the_inputs_device_and_match_the_cpu_value(device, objective):
    cpu = [r.detach() for r in _reps(3, n=6)]
    on = [r.to(device) for r in cpu]
    scale = torch.tensor(2.0, dtype=torch.float64, device=device)

    def loss(reps, s):
        if objective == "clip":
            return clip_loss(reps, s)
        return symile_loss(reps, s, negatives=objective, generator=torch.Generator().manual_seed(0))

    got = loss(on, scale)
    assert got.device.type == device
    torch.testing.assert_close(got.cpu(), loss(cpu, 2.0), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "reps,kwargs,error,match",
    [
        ([torch.ones(3, 2), torch.ones(4, 2)], {}, ValueError, "ragged"),
        ([torch.ones(3, 2)], {}, ValueError, "M = 1"),
        ([torch.ones(3, 2), torch.ones(3)], {}, ValueError, "shape"),
        ([torch.ones(3, 2), torch.full((3, 2), math.inf)], {}, ValueError, "non-finite"),
        ([torch.ones(3, 2), torch.ones(3, 2)], {"negatives": "all"}, ValueError, "'all'"),
        ([torch.ones(3, 2), torch.ones(3, 2, dtype=torch.int64)], {}, TypeError, "floating"),
        (torch.ones(3, 2), {}, TypeError, "list"),
    ],
)
def test_bad_loss_inputs_raise_with_the_bad_value(reps, kwargs, error, match):
    with pytest.raises(error, match=match):
        symile_loss(reps, 1.0, **kwargs)


@pytest.mark.parametrize("loss", [symile_loss, clip_loss])
def test_nonpositive_logit_scale_is_rejected(loss):
    with pytest.raises(ValueError, match="logit_scale must be finite and > 0"):
        loss([torch.ones(3, 2), torch.ones(3, 2)], -1.0)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_per_sample_losses_average_to_the_loss_and_match_brute_force_rows(m, objective):
    reps = [r.detach() for r in _reps(m, n=5)]

    def loss(reduction):
        if objective == "clip":
            return clip_loss(reps, 3.0, reduction=reduction)
        gen = torch.Generator().manual_seed(1)
        return symile_loss(reps, 3.0, negatives=objective, generator=gen, reduction=reduction)

    rows = loss("none")
    assert rows.shape == (5,)
    torch.testing.assert_close(rows.mean(), loss("mean"), rtol=0, atol=1e-12)
    torch.testing.assert_close(loss("sum"), rows.sum(), rtol=0, atol=1e-12)
    if objective == "clip":  # row i of pair (a, b): CE of a[i] against every b and of b[i] against every a
        expected = sum(
            (F.cross_entropy(3.0 * reps[a] @ reps[b].T, torch.arange(5), reduction="none")
             + F.cross_entropy(3.0 * reps[b] @ reps[a].T, torch.arange(5), reduction="none")) / 2
            for a in range(m) for b in range(a + 1, m)
        )
        torch.testing.assert_close(rows, expected, rtol=0, atol=1e-12)


def test_symile_per_sample_loss_of_one_row_is_its_brute_force_cross_entropy_averaged_over_anchors():
    reps = [r.detach() for r in _reps(3, n=4)]
    rows = symile_loss(reps, 2.0, negatives="n_squared", reduction="none")
    s = 2.0 * torch.einsum("ik,jk,lk->ijl", *reps)  # (N, N, N) scores of every (i, j, l)
    pos = 2.0 * (reps[0] * reps[1] * reps[2]).sum(1)  # (N,)
    lse = [
        torch.logsumexp(s.reshape(4, 16), 1),  # anchor 0: all (j, l)
        torch.logsumexp(s.permute(1, 0, 2).reshape(4, 16), 1),  # anchor 1
        torch.logsumexp(s.permute(2, 0, 1).reshape(4, 16), 1),  # anchor 2
    ]
    torch.testing.assert_close(rows, sum(x - pos for x in lse) / 3, rtol=0, atol=1e-12)


@pytest.mark.parametrize("loss", [symile_loss, clip_loss])
def test_a_batch_of_one_row_is_an_error_not_a_zero_loss(loss):
    # regression: issue 11 -- N = 1 returned 0 (no negatives to contrast with)
    with pytest.raises(ValueError, match="N = 1 rows: a contrastive batch needs negatives, N >= 2"):
        loss([torch.ones(1, 2), torch.ones(1, 2)], 1.0)


def test_width_mismatch_has_its_own_message_not_ragged_batch():
    # regression: issue 11 -- a (3, 2) and a (3, 4) batch were reported as "ragged batch?"
    with pytest.raises(ValueError, match=r"same representation width d .* got widths \[2, 4\]"):
        symile_loss([torch.ones(3, 2), torch.ones(3, 4)], 1.0)


@pytest.mark.parametrize("loss", [symile_loss, clip_loss])
def test_mixed_dtypes_are_a_value_error_naming_them(loss):
    reps = [torch.ones(3, 2), torch.ones(3, 2, dtype=torch.float64)]
    with pytest.raises(ValueError, match=r"share one dtype, got \['torch.float32', 'torch.float64'\]"):
        loss(reps, 1.0)


@pytest.mark.parametrize("generator", [0, torch.manual_seed, "seed"])
def test_a_generator_that_is_not_a_torch_generator_is_a_type_error(generator):
    import numpy as np

    for bad in (generator, np.random.default_rng(0)):
        with pytest.raises(TypeError, match="generator must be a torch.Generator or None"):
            symile_loss([torch.ones(3, 2)] * 3, 1.0, generator=bad)


def test_bad_reduction_is_named():
    with pytest.raises(ValueError, match=r"reduction must be one of \['mean', 'sum', 'none'\], got 'avg'"):
        clip_loss([torch.ones(3, 2)] * 2, 1.0, reduction="avg")


@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_losses_run_on_the_meta_device_with_no_host_sync_and_no_cpu_tensors(objective, reduction):
    # regression: issue 11 -- labels were built on the CPU and validation read values back on every call;
    # the meta device holds no values, so either would raise here
    reps = [torch.randn(6, 4, device="meta").requires_grad_() for _ in range(3)]
    log_scale = torch.zeros((), device="meta", requires_grad=True)
    if objective == "clip":
        loss = clip_loss(reps, log_scale.exp(), reduction=reduction)
    else:
        loss = symile_loss(reps, log_scale.exp(), negatives=objective, reduction=reduction)
    assert loss.device.type == "meta"
    loss.sum().backward()
    assert log_scale.grad is not None and log_scale.grad.device.type == "meta"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_losses_take_a_generator_on_the_cuda_device():
    reps = [F.normalize(torch.randn(8, 4, device="cuda"), dim=1) for _ in range(4)]
    g = torch.Generator(device="cuda").manual_seed(0)
    assert symile_loss(reps, 2.0, generator=g).device.type == "cuda"


def _n_squared(reps, scale):
    return symile_loss(reps, scale, negatives="n_squared")


@pytest.mark.parametrize("loss", [symile_loss, clip_loss, _n_squared])
def test_a_finite_scale_that_overflows_float32_is_an_error_not_a_nan_loss(loss):
    # regression: issue 10 -- logit_scale = 1e39 is inf in float32 and the loss read nan
    g = torch.Generator().manual_seed(0)
    reps = [F.normalize(torch.randn(4, 3, generator=g), dim=1) for _ in range(3)]
    with pytest.raises(ValueError, match="overflows the representations' dtype torch.float32"):
        loss(reps, 1e39)
    assert torch.isfinite(loss([r.double() for r in reps], 1e39))  # representable in float64: a finite loss


@pytest.mark.parametrize("loss", [symile_loss, clip_loss])
def test_representations_whose_scaled_scores_overflow_are_refused(loss):
    # regression: issue 10 -- finite but huge representations gave an inf / nan loss
    with pytest.raises(ValueError, match="can reach .* overflows torch.float32"):
        loss([torch.eye(3) * 1e20] * 3, 1.0)
    with pytest.raises(ValueError, match="mip.*can reach"):
        mip(*[torch.eye(3) * 1e20] * 3)


@pytest.mark.parametrize(
    ("scale", "error", "match"),
    [
        (torch.ones(1, 1), ValueError, r"got shape \(1, 1\)"),
        (torch.ones(2), ValueError, r"got shape \(2,\)"),
        (torch.tensor(2 + 0j), TypeError, "complex64"),
        (torch.tensor(True), TypeError, "torch.bool"),
        (2 + 0j, TypeError, r"\(2\+0j\)"),
    ],
)
def test_logit_scale_of_a_wrong_shape_or_dtype_is_named(scale, error, match):
    # regression: issue 10 -- a (1, 1) scale was a raw RuntimeError, a complex one lost its imaginary part
    reps = [torch.eye(3)] * 3
    for loss in (symile_loss, clip_loss):
        with pytest.raises(error, match=match):
            loss(reps, scale)
    assert torch.isclose(symile_loss(reps, torch.tensor([2.0])), symile_loss(reps, 2.0))  # (1,) is a scalar
