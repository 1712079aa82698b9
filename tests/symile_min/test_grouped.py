"""Grouped (distinct-rows) losses equal the plain losses of the expanded batch, in value and gradient."""

import pytest
import torch
import torch.nn.functional as F

from symile_min import clip_loss, clip_loss_grouped, symile_loss, symile_loss_grouped

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _grouped_batch(m, seed, n=9, u=3, d=4):
    g = torch.Generator().manual_seed(seed)
    uniq = [
        F.normalize(torch.randn(u, d, generator=g, dtype=torch.float64), dim=1).requires_grad_()
        for _ in range(m)
    ]
    ids = [torch.randint(0, u, (n,), generator=g) for _ in range(m)]
    return uniq, ids


def _grouped_loss(objective, uniq, ids, scale):
    if objective == "clip":
        return clip_loss_grouped(uniq, ids, scale)
    gen = torch.Generator().manual_seed(0)
    return symile_loss_grouped(uniq, ids, scale, negatives=objective, generator=gen)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_grouped_losses_equal_plain_losses_on_repeated_rows(m, objective):
    uniq, ids = _grouped_batch(m, seed=m)
    plain_reps = [u[i] for u, i in zip(uniq, ids, strict=True)]
    if objective == "clip":
        a, b = clip_loss(plain_reps, 9.0), clip_loss_grouped(uniq, ids, 9.0)
    else:
        kw = dict(negatives=objective)
        a = symile_loss(plain_reps, 9.0, generator=torch.Generator().manual_seed(3), **kw)
        b = symile_loss_grouped(uniq, ids, 9.0, generator=torch.Generator().manual_seed(3), **kw)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
    for x, y in zip(torch.autograd.grad(a, uniq), torch.autograd.grad(b, uniq), strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=1e-10)


def test_grouped_n_loss_stays_finite_when_one_column_dominates():
    # regression: issue 4 -- dropping the row's own column must not cancel catastrophically
    uniq = [torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)] * 2
    ids = [torch.tensor([0, 1, 1, 1]), torch.tensor([0, 1, 1, 1])]
    plain = [u[i] for u, i in zip(uniq, ids, strict=True)]
    torch.testing.assert_close(
        symile_loss_grouped(uniq, ids, 100.0), symile_loss(plain, 100.0), rtol=0, atol=1e-9
    )


def test_values_absent_from_the_batch_do_not_change_the_grouped_loss():
    uniq, ids = _grouped_batch(3, seed=5, u=3)
    extra = [torch.cat([u, torch.ones(2, u.shape[1], dtype=u.dtype)]) for u in uniq]  # rows nobody uses
    for objective in ("n", "n_squared", "clip"):
        a, b = _grouped_loss(objective, uniq, ids, 4.0), _grouped_loss(objective, extra, ids, 4.0)
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_grouped_losses_live_on_the_inputs_device(device, objective):
    uniq, ids = _grouped_batch(3, seed=1)
    uniq = [u.detach() for u in uniq]
    got = _grouped_loss(objective, [u.to(device) for u in uniq], [i.to(device) for i in ids], 2.0)
    assert got.device.type == device
    torch.testing.assert_close(got.cpu(), _grouped_loss(objective, uniq, ids, 2.0), rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("uniq", "ids", "match"),
    [
        ([torch.ones(2, 3)], [torch.tensor([0])], "at least 2 modalities"),
        ([torch.ones(2, 3)] * 2, [torch.tensor([0])], "list of 2 index tensors"),
        ([torch.ones(2, 3)] * 2, [torch.tensor([0, 2]), torch.tensor([0, 1])], r"outside \[0, 2\)"),
        ([torch.ones(2, 3)] * 2, [torch.tensor([0, 1]), torch.tensor([0.0, 1.0])], "int64"),
        ([torch.ones(2, 3)] * 2, [torch.tensor([0, 1]), torch.tensor([0])], "ragged"),
        ([torch.ones(2, 3), torch.ones(2, 4)], [torch.tensor([0, 1])] * 2, "same representation width d"),
        ([torch.ones(2, 3)] * 2, [torch.tensor([0])] * 2, "N = 1 rows: a contrastive batch needs negatives"),
        (
            [torch.ones(2, 3), torch.ones(2, 3, dtype=torch.float64)],
            [torch.tensor([0, 1])] * 2,
            "share one dtype",
        ),
    ],
)
def test_bad_grouped_inputs_are_named(uniq, ids, match):
    with pytest.raises(ValueError, match=match):
        symile_loss_grouped(uniq, ids, 1.0)


@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_grouped_per_sample_losses_equal_the_plain_ones(m, objective, reduction):
    uniq, ids = _grouped_batch(m, seed=10 + m)
    plain_reps = [u[i] for u, i in zip(uniq, ids, strict=True)]
    if objective == "clip":
        a = clip_loss(plain_reps, 3.0, reduction=reduction)
        b = clip_loss_grouped(uniq, ids, 3.0, reduction=reduction)
    else:
        kw = dict(negatives=objective, reduction=reduction)
        a = symile_loss(plain_reps, 3.0, generator=torch.Generator().manual_seed(2), **kw)
        b = symile_loss_grouped(uniq, ids, 3.0, generator=torch.Generator().manual_seed(2), **kw)
    assert a.shape == ((9,) if reduction == "none" else ())
    torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("objective", ["n", "clip"])
def test_grouped_losses_run_on_the_meta_device_without_host_sync(objective):
    # the meta device has no values: any read-back (.item(), bool(tensor)) or a CPU tensor mixed into the
    # computation raises there (regression: issue 11, labels and checks on the CPU / host syncs per call)
    uniq = [torch.randn(3, 4, device="meta") for _ in range(3)]
    ids = [torch.zeros(8, dtype=torch.long, device="meta") for _ in range(3)]
    scale = torch.tensor(2.0, device="meta")
    loss = _grouped_loss(objective, uniq, ids, scale)
    assert loss.device.type == "meta" and loss.shape == ()


@pytest.mark.parametrize(
    ("uniq", "match"),
    [
        ([torch.full((3, 4), float("nan"), dtype=torch.float64)] * 3, "non-finite"),
        ([torch.zeros(3, 0, dtype=torch.float64)] * 3, "non-empty"),
        ([torch.eye(3, dtype=torch.float64), torch.eye(3), torch.eye(3, dtype=torch.float64)], "one dtype"),
        ([torch.eye(3, dtype=torch.float64)] * 2 + [torch.eye(3, dtype=torch.float64) * 1e200], "can reach"),
    ],
)
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_grouped_losses_make_the_checks_symile_loss_makes(uniq, match, objective):
    # regression: issue 10 -- nan or zero-width distinct values gave a nan / silent loss
    ids = [torch.tensor([0, 1, 2, 0])] * 3
    with pytest.raises(ValueError, match=match):
        _grouped_loss(objective, uniq, ids, 2.0)


@pytest.mark.parametrize("m", [2, 3])
def test_grouped_n_squared_streams_every_anchor_in_one_chunked_pass_like_the_reference(m):
    # regression: issue 13 -- the grouped "n_squared" loss uses the one-pass all-anchors log-sum-exp;
    # chunk_elements=5 forces the chunked (weighted) path, checked against the materialised plain loss
    from symile_min._streamed import symile_loss_materialised

    uniq, ids = _grouped_batch(m, seed=11 + m, n=10, u=4)
    plain = [u[i] for u, i in zip(uniq, ids, strict=True)]
    a = symile_loss_grouped(uniq, ids, 5.0, negatives="n_squared", chunk_elements=5)
    b = symile_loss_materialised(plain, 5.0)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
    for x, y in zip(torch.autograd.grad(a, uniq), torch.autograd.grad(b, uniq), strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=1e-10)
