"""Objectives beyond Symile/CLIP (symile_min.objectives, .gated, .objective_modules, .objective_train): every
loss and score against a brute-force reimplementation from its formula (values and gradients, float64),
reduction=, their zero-shot scores, bounds, registry, the training loop and errors."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from symile_min import bound_estimate, clip_loss, symile_loss
from symile_min.gated import SymileGate, gated_symile_loss, gated_symile_scores
from symile_min.objective_modules import OBJECTIVES, make_objective
from symile_min.objective_train import (
    objective_bound,
    objective_retrieval_accuracy,
    objective_zero_shot_accuracy,
    train_objective,
)
from symile_min.objectives import (
    anchor_clip_loss,
    anchor_clip_scores,
    gram_loss,
    gram_scores,
    gram_volume,
    triangle_area,
    triangle_loss,
    triangle_scores,
)

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _reps(m, n=5, d=4, seed=0, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    return [
        F.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=1).to(device).requires_grad_()
        for _ in range(m)
    ]


def _grads(loss, tensors):
    return torch.autograd.grad(loss, tensors)


def _assert_same(fast, slow, tensors, atol=1e-10):
    torch.testing.assert_close(fast, slow, rtol=0, atol=atol)
    for a, b in zip(_grads(fast, tensors), _grads(slow, tensors), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=atol)


def _ce_rows(score, n):
    """mean_i [log sum_j exp(score(i, j)) - score(i, i)], one scalar score(i, j) at a time."""
    rows = []
    for i in range(n):
        row = torch.stack([score(i, j) for j in range(n)])
        rows.append(torch.logsumexp(row, 0) - row[i])
    return torch.stack(rows).mean()


def _symmetric(score, n):
    return (_ce_rows(score, n) + _ce_rows(lambda i, j: score(j, i), n)) / 2


# ------------------------------------------------------------------------------------------------
# brute-force references, written from the formulas in the docstrings


def _volume_brute(vectors, eps=1e-8):
    A = torch.stack(vectors)  # (M, d): one row per vector
    return torch.linalg.det(A @ A.T).clamp_min(eps).sqrt()


def _heron_area(p, q, r):
    """Area of the triangle p, q, r from its side lengths (Heron), independent of the dot-product form."""
    a, b, c = ((x - y).norm() for x, y in ((q, r), (p, r), (p, q)))
    return torch.sqrt((a + b + c) * (-a + b + c) * (a - b + c) * (a + b - c)) / 4


def _gram_brute(reps, scale, anchor=None):
    n, m = reps[0].shape[0], len(reps)
    anchors = range(m) if anchor is None else [anchor]
    losses = []
    for a in anchors:
        others = [k for k in range(m) if k != a]

        def score(i, j, a=a, others=others):
            return -scale * _volume_brute([reps[a][i]] + [reps[k][j] for k in others])

        losses.append(_symmetric(score, n))
    return torch.stack(losses).mean()


def _triangle_brute(reps, scale, anchor=None, squared=True):
    n = reps[0].shape[0]
    anchors = range(3) if anchor is None else [anchor]
    losses = []
    for a in anchors:
        b, c = (k for k in range(3) if k != a)

        def score(i, j, a=a, b=b, c=c):
            area = _heron_area(reps[a][i], reps[b][j], reps[c][j])
            return -scale * (2 * area**2 if squared else area)

        losses.append(_symmetric(score, n))
    return torch.stack(losses).mean()


def _anchor_clip_brute(reps, scale, anchor):
    n = reps[0].shape[0]
    return sum(
        _symmetric(lambda i, j, k=k: scale * (reps[anchor][i] @ reps[k][j]), n)
        for k in range(len(reps))
        if k != anchor
    )


def _gated_embeddings(gate, t, cand, query_rows):
    """{m: g_m} for one candidate (d,) and one query {m: (d,)}, from the SymileGate docstring formulas."""
    temp = F.softplus(gate.log_temp) + 0.1
    alpha = torch.sigmoid(gate.logit_gate_strength)
    q = F.normalize(gate.q_proj[t](cand), dim=0)
    keep = 1 - torch.sigmoid((gate.null_head(cand[None])[0, 0] + gate.null_logit[t]) / temp)
    out = {}
    for m, e in query_rows.items():
        k = F.normalize(gate.k_proj[m](e), dim=0)
        w = torch.sigmoid(q @ k / temp) * keep
        n_m = F.normalize(gate.neutral[m], dim=0)
        out[m] = F.normalize((1 - alpha) * e + alpha * (w * e + (1 - w) * n_m), dim=0)
    return out


def _gated_score_brute(gate, t, cand, query_rows):
    g = _gated_embeddings(gate, t, cand, query_rows)
    prod = F.normalize(cand, dim=0)
    for v in g.values():
        prod = prod * v
    return prod.sum()


def _gated_brute(reps, scale, gate, distill_weight):
    n, m = reps[0].shape[0], len(reps)
    losses = []
    for t in range(m):
        others = [k for k in range(m) if k != t]

        def score(i, j, t=t, others=others):
            return scale * _gated_score_brute(gate, t, reps[t][j], {k: reps[k][i] for k in others})

        loss = _ce_rows(score, n)
        if distill_weight:
            positives = [
                _gated_embeddings(gate, t, reps[t][i], {k: reps[k][i] for k in others}) for i in range(n)
            ]
            mse = [((reps[t] - F.normalize(reps[t], dim=1).detach()) ** 2).mean()]
            for k in others:
                g_k = torch.stack([p[k] for p in positives]).detach()
                mse.append(((reps[k] - g_k) ** 2).mean())
            loss = loss + distill_weight * torch.stack(mse).mean()
        losses.append(loss)
    return torch.stack(losses).mean()


def _gate(m, d, seed=3):
    torch.manual_seed(seed)
    gate = SymileGate(m, d, d_k=6).double()
    with torch.no_grad():  # move away from the near-identity init so that every term matters
        gate.logit_gate_strength.fill_(0.4)
        gate.null_logit.normal_()
    return gate


# ------------------------------------------------------------------------------------------------
# losses = brute force, forward and backward


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("anchor", [None, 0, 1])
def test_gram_loss_agrees_with_brute_force_in_value_and_gradient(m, anchor):
    reps = _reps(m, n=4)
    scale = torch.tensor(2.5, dtype=torch.float64, requires_grad=True)
    _assert_same(gram_loss(reps, scale, anchor=anchor), _gram_brute(reps, scale, anchor), [*reps, scale])


def test_gram_volume_is_the_product_of_singular_values():
    a, b, c, e = _reps(4, n=6, d=5, seed=7)
    fast = gram_volume(a, [b, c, e])  # (N, N)
    for i, j in itertools.product(range(6), repeat=2):
        sv = torch.linalg.svdvals(torch.stack([a[i], b[j], c[j], e[j]]))
        torch.testing.assert_close(fast[i, j], sv.prod(), rtol=0, atol=1e-12)


def test_gram_volume_is_one_for_orthonormal_and_floored_for_dependent_vectors():
    e = torch.eye(4, dtype=torch.float64)
    assert gram_volume(e[:1], [e[1:2], e[2:3], e[3:4]]).item() == pytest.approx(1.0, abs=1e-15)
    assert gram_volume(e[:1], [e[:1], e[2:3]], eps=1e-8).item() == pytest.approx(1e-4, rel=1e-12)


@pytest.mark.parametrize("anchor", [None, 2])
@pytest.mark.parametrize("squared", [True, False])
def test_triangle_loss_agrees_with_heron_brute_force_in_value_and_gradient(anchor, squared):
    reps = _reps(3, n=4)
    scale = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    fast = triangle_loss(reps, scale, anchor=anchor, squared=squared)
    _assert_same(fast, _triangle_brute(reps, scale, anchor, squared), [*reps, scale], atol=1e-9)


def test_triangle_area_is_symmetric_in_its_vertices():
    a, b, c = (r.detach() for r in _reps(3, n=5, seed=2))
    ref = triangle_area(a, b, c, squared=False).diagonal()
    for p, q, r in itertools.permutations([a, b, c]):
        torch.testing.assert_close(triangle_area(p, q, r, squared=False).diagonal(), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("m", [2, 3, 4])
def test_anchor_clip_loss_agrees_with_brute_force_and_is_clip_for_two_modalities(m):
    reps = _reps(m)
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    anchor = m - 1
    _assert_same(anchor_clip_loss(reps, scale, anchor=anchor), _anchor_clip_brute(reps, scale, anchor),
                 [*reps, scale])
    if m == 2:
        torch.testing.assert_close(anchor_clip_loss(reps, 3.0), clip_loss(reps, 3.0), rtol=0, atol=0)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("distill_weight", [0.0, 0.1])
def test_gated_symile_loss_agrees_with_brute_force_in_value_and_gradient(m, distill_weight):
    reps = _reps(m, n=4, d=3)
    gate = _gate(m, 3)
    scale = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    params = [*reps, scale, *gate.parameters()]
    fast = gated_symile_loss(reps, scale, gate=gate, distill_weight=distill_weight)
    slow = _gated_brute(reps, scale, gate, distill_weight)
    torch.testing.assert_close(fast, slow, rtol=0, atol=1e-10)
    fast_grads = torch.autograd.grad(fast, params, allow_unused=True)
    slow_grads = torch.autograd.grad(slow, params, allow_unused=True)
    for a, b in zip(fast_grads, slow_grads, strict=True):
        if a is None or b is None:
            assert a is None and b is None  # e.g. the NULL logit of a target never used
            continue
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


def test_an_open_gate_is_plain_symile_scoring():
    # alpha = 0 switches the gate off: the gated MIP is the plain MIP of (candidate, queries)
    reps = [r.detach() for r in _reps(3, n=5)]
    gate = _gate(3, 4)
    with torch.no_grad():
        gate.logit_gate_strength.fill_(-1e4)
    s = gated_symile_scores(reps[1:], reps[0], 1.0, gate=gate, query_modalities=[1, 2], target=0)
    torch.testing.assert_close(s, (reps[1] * reps[2]) @ reps[0].T, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------------
# zero-shot scores


def test_gram_and_triangle_scores_are_minus_the_scaled_volume_and_area_of_query_and_candidate():
    q1, q2, cand = (r.detach() for r in _reps(3, n=4, seed=5))
    g = gram_scores([q1, q2], cand, 2.0)
    t = triangle_scores([q1, q2], cand, 2.0, squared=False)
    for n, c in itertools.product(range(4), repeat=2):
        volume, area = _volume_brute([q1[n], q2[n], cand[c]]), _heron_area(q1[n], q2[n], cand[c])
        assert g[n, c].item() == pytest.approx(-2.0 * volume.item(), abs=1e-12)
        assert t[n, c].item() == pytest.approx(-2.0 * area.item(), abs=1e-10)
    torch.testing.assert_close(gram_scores([q2, q1], cand, 2.0), g, rtol=0, atol=1e-12)  # order-free


def test_anchor_clip_scores_use_only_the_trained_pairs():
    q1, q2, cand = (r.detach() for r in _reps(3, n=4, seed=6))
    as_target = anchor_clip_scores([q1, q2], cand, query_modalities=[1, 2], target=0, anchor=0)
    torch.testing.assert_close(as_target, (q1 + q2) @ cand.T, rtol=0, atol=1e-12)
    as_query = anchor_clip_scores([q1, q2], cand, query_modalities=[0, 2], target=1, anchor=0)
    torch.testing.assert_close(as_query, q1 @ cand.T, rtol=0, atol=1e-12)


def test_gated_scores_are_the_logits_of_the_gated_loss():
    reps = [r.detach() for r in _reps(3, n=5)]
    gate = _gate(3, 4)
    ces = []
    for t in range(3):
        others = [k for k in range(3) if k != t]
        s = gated_symile_scores([reps[k] for k in others], reps[t], 2.0, gate=gate, query_modalities=others,
                                target=t)
        ces.append(F.cross_entropy(s, torch.arange(5)))
    loss = gated_symile_loss(reps, 2.0, gate=gate, distill_weight=0.0)
    torch.testing.assert_close(loss, torch.stack(ces).mean(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_every_objective_adds_the_scaled_log_prior(name):
    m = 3
    obj = make_objective(name, m=m, rep_dim=4, seed=0).double()
    reps = [r.detach() for r in _reps(m, n=4)]
    prior = torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4], dtype=torch.float64))
    plain = obj.scores(reps[1:], reps[0], target=0)
    torch.testing.assert_close(obj.scores(reps[1:], reps[0], target=0, log_prior=prior), plain + prior)
    assert plain.shape == (4, 4) and plain.dtype == torch.float64


# ------------------------------------------------------------------------------------------------
# objective modules, registry, bounds


@pytest.mark.parametrize(
    ("name", "function", "options"),
    [
        ("symile", lambda r, s: symile_loss(r, s, generator=torch.Generator().manual_seed(4)), {}),
        ("symile_n_squared", lambda r, s: symile_loss(r, s, negatives="n_squared"), {}),
        ("clip", clip_loss, {}),
        ("anchor_clip", lambda r, s: anchor_clip_loss(r, s, anchor=1), {"anchor": 1}),
        ("gram", gram_loss, {}),
        ("triangle", triangle_loss, {}),
    ],
)
def test_objective_module_is_its_loss_function_at_the_learned_scale(name, function, options):
    obj = make_objective(name, m=3, init_logit_scale=math.log(2.0), **options).double()
    reps = [r.detach() for r in _reps(3)]
    torch.testing.assert_close(
        obj(reps, generator=torch.Generator().manual_seed(4)), function(reps, torch.tensor(2.0).double())
    )
    assert obj.log_scale.requires_grad and obj.name == name and obj.paper


def test_make_objective_seeds_the_gate_and_leaves_the_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = (make_objective("gated_symile", m=3, rep_dim=4, d_k=8, seed=1) for _ in range(2))
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)
    c = make_objective("gated_symile", m=3, rep_dim=4, d_k=8, seed=2)
    assert not torch.equal(a.gate.neutral, c.gate.neutral)


class _Constant(torch.nn.Module):
    """An encoder model whose representations ignore the input: every score ties (a chance-level critic)."""

    def __init__(self, m, d=4):
        super().__init__()
        self.m, self.d = m, d

    def encode(self, data):
        n = len(data[0])
        return [F.normalize(torch.ones(n, self.d, dtype=torch.float64), dim=1) for _ in range(self.m)]


@pytest.mark.parametrize(
    ("name", "multiple"),
    [("symile", 1), ("symile_n_squared", 2), ("clip", 3), ("anchor_clip", 2), ("gram", 1), ("triangle", 1),
     ("gated_symile", 1)],
)
def test_a_chance_level_critic_bounds_zero_below_the_cap(name, multiple):
    obj = make_objective(name, m=3, rep_dim=4, seed=0).double()
    data = [np.zeros((40, 1))] * 3
    est = objective_bound(obj, _Constant(3), data, batch_size=20)
    assert est["bound"] == 0.0 and est["se"] == 0.0 and est["n_batches"] == 2
    assert est["cap"] == pytest.approx(multiple * math.log2(20))
    assert est["target"] == obj.bound_target and est["unit"] == "bits"


@pytest.mark.parametrize("method", ["symile", "clip"])
def test_objective_bound_matches_bound_estimate_for_symile_and_clip(method, xor_bits, xor_critic_model):
    model = xor_critic_model(method)
    data = xor_bits(400, seed=0)
    obj = make_objective(method, m=3, init_logit_scale=float(model.log_scale.detach()))
    ours = objective_bound(obj, model, data, batch_size=100, seed=3)
    ref = bound_estimate(model, data, batch_size=100, seed=3)
    for key in ("bound", "se", "cap", "loss"):
        assert ours[key] == pytest.approx(ref[key], abs=1e-6), key


def test_zero_shot_accuracy_of_the_hand_made_xor_critic(xor_bits, xor_critic_model):
    model = xor_critic_model("symile")
    data = xor_bits(200, seed=1)
    for name, expected in (("symile", 1.0), ("clip", None)):
        obj = make_objective(name, m=3, init_logit_scale=float(model.log_scale.detach()))
        acc = objective_zero_shot_accuracy(obj, model, data, target=1, candidates=np.array([[0], [1]]))
        if expected is not None:
            assert acc == expected
        else:  # CLIP's additive score r_a + r_c is 0 whenever a != c: ties go to candidate 0
            assert 0.0 < acc < 1.0


# ------------------------------------------------------------------------------------------------
# devices and errors


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(OBJECTIVES))
def test_losses_live_on_the_inputs_device(device, name):
    obj = make_objective(name, m=3, rep_dim=4, seed=0).double().to(device)
    reps = _reps(3, device=device)
    loss = obj(reps)
    assert loss.device.type == device and loss.ndim == 0
    loss.backward()
    assert all(r.grad.device.type == device for r in reps)


def test_triangle_refuses_anything_but_three_modalities():
    with pytest.raises(ValueError, match="exactly M = 3 modalities, got M = 4"):
        triangle_loss(_reps(4), 1.0)
    with pytest.raises(ValueError, match="'triangle' needs exactly 3 modalities, got M = 2"):
        make_objective("triangle", m=2)
    with pytest.raises(ValueError, match="exactly 2 query modalities"):
        q = [r.detach() for r in _reps(4)]
        triangle_scores(q[1:], q[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gram_loss(_reps(3), 1.0, anchor=3), "anchor must be None or a modality index in"),
        (lambda: gram_loss(_reps(3), 1.0, eps=0), "eps must be a finite number > 0"),
        (lambda: anchor_clip_loss(_reps(3), 1.0, anchor=-1), "anchor must be a modality index"),
        (lambda: gram_loss(_reps(3), -1.0), "logit_scale must be finite and > 0"),
        (lambda: gated_symile_loss(_reps(3), 1.0, gate=SymileGate(4, 4, d_k=2)), "gate was built for M = 4"),
        (lambda: gated_symile_loss(_reps(3), 1.0, gate=SymileGate(3, 4, d_k=2), distill_weight=-1),
         "distill_weight must be"),
        (lambda: make_objective("vicreg", m=3), "objective must be one of"),
        (lambda: make_objective("gated_symile", m=3), "gated_symile needs rep_dim"),
        (lambda: make_objective("gram", m=3, d_k=8), r"takes the options .*, not \['d_k'\]"),
        (lambda: make_objective("clip", m=3)(_reps(2)), "built for M = 3, got 2"),
        (lambda: anchor_clip_scores([torch.eye(2)], torch.eye(2), query_modalities=[0], target=0),
         "query_modalities must name"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_gated_loss_needs_a_gate_object():
    with pytest.raises(TypeError, match="gate must be a SymileGate"):
        gated_symile_loss(_reps(3), 1.0, gate=None)


def test_in_batch_retrieval_of_a_chance_level_critic_is_one_over_the_batch():
    obj = make_objective("gram", m=3).double()
    acc = objective_retrieval_accuracy(obj, _Constant(3), [np.zeros((50, 1))] * 3, target=2, batch_size=10)
    assert acc == pytest.approx(0.1)  # every score ties: row i of each batch is right only for i = 0


def test_in_batch_retrieval_of_copies_is_perfect_for_the_pairwise_objectives():
    class Copies(torch.nn.Module):  # every modality is the same unit vector: each positive is a perfect match
        def encode(self, data):
            return [F.normalize(torch.as_tensor(x, dtype=torch.float64), dim=1) for x in data]

    g = torch.Generator().manual_seed(0)
    x = F.normalize(torch.randn(40, 4, generator=g, dtype=torch.float64), dim=1).numpy()
    for name in ("clip", "anchor_clip"):
        obj = make_objective(name, m=3).double()
        assert objective_retrieval_accuracy(obj, Copies(), [x] * 3, target=0, batch_size=20) == 1.0, name


# ------------------------------------------------------------------------------------------------
# reduction=, as symile_loss / clip_loss


def _brute_rows_gram(reps, scale):
    """Per-sample GRAM losses (N,): row i's and column i's cross-entropy, averaged over the anchors."""
    n, m = reps[0].shape[0], len(reps)
    per_anchor = []
    for a in range(m):
        others = [k for k in range(m) if k != a]
        s = torch.stack([
            torch.stack([-scale * _volume_brute([reps[a][i]] + [reps[k][j] for k in others])
                         for j in range(n)])
            for i in range(n)
        ])  # (N, N): anchor row i, candidate tuple j
        rows = torch.logsumexp(s, 1) - s.diagonal()
        cols = torch.logsumexp(s, 0) - s.diagonal()
        per_anchor.append((rows + cols) / 2)
    return torch.stack(per_anchor).mean(0)


def test_gram_per_sample_losses_agree_with_brute_force():
    reps = _reps(3, n=3)
    scale = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    _assert_same(gram_loss(reps, scale, reduction="none").sum(), _brute_rows_gram(reps, scale).sum(),
                 [*reps, scale])
    torch.testing.assert_close(gram_loss(reps, scale, reduction="none"), _brute_rows_gram(reps, scale))


@pytest.mark.parametrize(
    "loss",
    [
        lambda r, **kw: anchor_clip_loss(r, 2.0, anchor=1, **kw),
        lambda r, **kw: gram_loss(r, 2.0, **kw),
        lambda r, **kw: triangle_loss(r, 2.0, squared=False, **kw),
        lambda r, **kw: gated_symile_loss(r, 2.0, gate=_gate(3, 4), **kw),
    ],
    ids=["anchor_clip", "gram", "triangle", "gated_symile"],
)
def test_reduction_none_gives_per_sample_losses_whose_mean_and_sum_are_the_loss(loss):
    reps = [r.detach() for r in _reps(3, n=6)]
    per_sample = loss(reps, reduction="none")
    assert per_sample.shape == (6,)
    torch.testing.assert_close(per_sample.mean(), loss(reps), rtol=0, atol=1e-12)
    torch.testing.assert_close(per_sample.sum(), loss(reps, reduction="sum"), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="reduction must be one of"):
        loss(reps, reduction="avg")


@pytest.mark.parametrize("loss", [anchor_clip_loss, gram_loss, triangle_loss])
def test_a_single_row_batch_is_a_clear_error(loss):
    with pytest.raises(ValueError, match="a contrastive batch needs negatives"):
        loss(_reps(3, n=1), 1.0)


# ------------------------------------------------------------------------------------------------
# train_objective


def _xor_data(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 1))
    return [a, b, a ^ b]


def test_train_objective_is_seeded_keeps_the_global_rng_and_the_best_validation_weights():
    data, val = _xor_data(200, 0), _xor_data(100, 1)
    state = torch.random.get_rng_state()
    fits = [
        train_objective(data, val, make_objective("gram", m=3), epochs=4, batch_size=50, lr=0.05, seed=3)
        for _ in range(2)
    ]
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(fits[0].model.state_dict().values(), fits[1].model.state_dict().values(), strict=True):
        assert torch.equal(p, q)
    pd_hist = fits[0].history
    assert list(pd_hist["epoch"]) == [1, 2, 3, 4]
    best = int(pd_hist["val_loss"].idxmin()) + 1
    assert fits[0].best_epoch == best
    # the returned weights are the best epoch's: their validation loss is the recorded minimum
    fit = fits[0]
    with torch.no_grad():
        reps = fit.model.encode(val)
        again = torch.stack([fit.objective.bound_loss([r[s : s + 50] for r in reps]) for s in (0, 50)]).mean()
    assert float(again) == pytest.approx(float(pd_hist["val_loss"].min()), abs=1e-6)


def test_train_objective_learns_three_bit_xor_with_symile_but_not_with_clip():
    data, val, test = _xor_data(600, 0), _xor_data(200, 1), _xor_data(400, 2)
    accs = {}
    for name in ("symile", "clip"):
        objective = make_objective(name, m=3)
        fit = train_objective(data, val, objective, rep_dim=4, epochs=10, batch_size=100, seed=0)
        accs[name] = objective_zero_shot_accuracy(fit.objective, fit.model, test, target=2,
                                                  candidates=np.array([[0], [1]]))
    assert accs["symile"] == 1.0
    assert abs(accs["clip"] - 0.5) < 0.1  # pairwise scores carry no information about a XOR b


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: train_objective(_xor_data(20, 0), _xor_data(20, 1), "symile"), TypeError,
         "objective must be an Objective"),
        (lambda: train_objective(_xor_data(20, 0)[:2], _xor_data(20, 1)[:2], make_objective("clip", m=3)),
         ValueError, "built for M = 3, got 2 training"),
        (lambda: train_objective(_xor_data(20, 0), _xor_data(20, 1), make_objective("clip", m=3), lr=0),
         ValueError, "need lr > 0"),
        (lambda: train_objective(_xor_data(20, 0), _xor_data(20, 1), make_objective("clip", m=3),
                                 batch_size=1), ValueError, "batch_size must be an int >= 2"),
    ],
)
def test_train_objective_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
