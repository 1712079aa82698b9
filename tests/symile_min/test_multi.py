"""symile_min.multi: K models trained as one batched computation equal K separate trainings."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

from symile_min import SymileModel, TrainConfig, train, zero_shot_accuracy
from symile_min.multi import _AdamW, _distinct_rows, _prepare, train_many, zero_shot_accuracy_many

train_module = importlib.import_module("symile_min.train")  # the module (symile_min.train is the function)


def _xor(n: int, d: int, seed: int, p_missing: float = 0.0) -> list[np.ndarray]:
    """Switched-XOR-like inputs (n, d) per modality: a, b random bits, c = a xor b; some rows set to 2."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, d))
    data = [a, b, a ^ b]
    if p_missing:
        data = [np.where(rng.random((n, 1)) < p_missing, 2, x) for x in data]  # a placeholder value
    return [x.astype(np.float32) for x in data]


def _pair(seed: int, d: int = 2, p_missing: float = 0.0):
    return _xor(400, d, seed, p_missing), _xor(200, d, seed + 1000, p_missing)


SMALL = dict(epochs=3, batch_size=100)


def _assert_same_run(many, one, *, rtol: float = 1e-4, atol: float = 1e-4, grouped: bool = True):
    assert many.best_epoch == one.best_epoch
    assert many.grouped == one.grouped == grouped
    assert (many.model.method, many.model.negatives) == (one.model.method, one.model.negatives)
    for column in ("train_loss", "val_loss", "logit_scale"):
        np.testing.assert_allclose(many.history[column], one.history[column], rtol=rtol, atol=atol)
    assert list(many.history["best"]) == list(one.history["best"])
    for (name, a), (_, b) in zip(many.model.named_parameters(), one.model.named_parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=rtol, atol=atol, msg=name)


# --------------------------------------------------------------------------------------------------
# agreement with the one-model trainer


@pytest.mark.parametrize(
    ("method", "negatives"), [("symile", "n"), ("clip", "n"), ("symile", "n_squared")]
)  # fmt: skip
def test_train_many_matches_train_on_each_model(method, negatives):
    datasets = [_pair(seed) for seed in (1, 2)]
    configs = [TrainConfig(method=method, negatives=negatives, seed=s, **SMALL) for s in (5, 6)]
    for many, data, config in zip(train_many(datasets, configs), datasets, configs, strict=True):
        _assert_same_run(many, train(*data, config))


def test_train_many_matches_train_with_mlp_encoders_a_missing_value_and_a_clamped_scale():
    # 5 distinct rows per modality (4 bit pairs, placeholder 2): 5^3 scores, not a multiple of 16 (exp path)
    data = _pair(3, p_missing=0.3)
    config = TrainConfig(
        encoder="mlp", hidden_dim=8, rep_dim=4, seed=2, logit_scale_min=-0.5, logit_scale_max=0.5, **SMALL
    )
    (many,) = train_many([data], [config])
    assert many.history["logit_scale"].max() <= np.exp(0.5) + 1e-6
    _assert_same_run(many, train(*data, config))


def test_train_many_matches_train_with_patience():
    datasets = [_pair(seed) for seed in (7, 8)]
    configs = [TrainConfig(seed=s, epochs=12, batch_size=100, patience=1, lr=0.3) for s in (7, 8)]
    runs = train_many(datasets, configs)
    lengths = []
    for many, data, config in zip(runs, datasets, configs, strict=True):
        one = train(*data, config)
        _assert_same_run(many, one)
        lengths.append(len(many.history))
    assert lengths[0] != lengths[1] and max(lengths) < 12  # each model stopped early, on its own


@pytest.mark.parametrize(("method", "negatives"), [("symile", "n"), ("clip", "n"), ("symile", "n_squared")])
def test_train_many_matches_the_ungrouped_losses_with_a_continuous_modality(method, negatives):
    # train() uses the plain losses here (one modality has ~all rows distinct); the batched loop computes the
    # same losses on the other modalities' distinct rows and on the continuous one's batch rows
    rng = np.random.default_rng(1)
    datasets = []
    for seed in (1, 2):
        train_x, val_x = _pair(seed)
        train_x[0] = train_x[0] + rng.normal(scale=0.1, size=train_x[0].shape).astype(np.float32)
        val_x[0] = val_x[0] + rng.normal(scale=0.1, size=val_x[0].shape).astype(np.float32)
        datasets.append((train_x, val_x))
    configs = [TrainConfig(method=method, negatives=negatives, seed=s, **SMALL) for s in (3, 4)]
    assert _prepare(*datasets[0], configs[0]).rows == (True, False, False)  # batched, modality 0 by rows
    for many, data, config in zip(train_many(datasets, configs), datasets, configs, strict=True):
        one = train(*data, config)
        assert not many.grouped and not one.grouped
        _assert_same_run(many, one, grouped=False)


def test_train_many_matches_train_with_grouped_false_and_small_batches():
    data = _pair(5)
    config = TrainConfig(grouped=False, epochs=2, batch_size=20, rep_dim=4)  # 20^3 scores: batched
    assert _prepare(*data, config).rows == (True, True, True)
    (many,) = train_many([data], [config])
    _assert_same_run(many, train(*data, config), grouped=False)


def test_mixed_objectives_in_one_call_come_back_in_order():
    datasets = [_pair(seed) for seed in range(4)]
    kinds = [("clip", "n"), ("symile", "n"), ("symile", "n_squared"), ("symile", "n")]
    configs = [TrainConfig(method=m, negatives=n, seed=k, **SMALL) for k, (m, n) in enumerate(kinds)]
    runs = train_many(datasets, configs)
    assert [(r.config.method, r.config.negatives) for r in runs] == kinds
    assert [r.config.seed for r in runs] == [0, 1, 2, 3]
    _assert_same_run(runs[0], train(*datasets[0], configs[0]))


@pytest.mark.parametrize("p_missing", [0.0, 0.3], ids=["aligned", "padded"])  # 4^3, 5^3 -> 5 x 5 x 16 scores
def test_a_models_numbers_do_not_depend_on_the_batch_it_is_in(p_missing):
    # the property that lets a sweep batch its cells any way (--jobs, cache resume) with identical numbers;
    # 10 Symile models put some in every vector lane (regression: issue 13, the unpadded (K,) log scales
    # were updated an ulp apart in batches of 11 and of 6 models)
    datasets = [_pair(seed, p_missing=p_missing) for seed in range(12)]
    methods = ["symile"] * 10 + ["clip"] * 2
    configs = [TrainConfig(method=m, seed=s, epochs=2, batch_size=100) for s, m in enumerate(methods)]
    together = train_many(datasets, configs)
    halves = train_many(datasets[:5], configs[:5]) + train_many(datasets[5:], configs[5:])
    alone = [train_many([d], [c])[0] for d, c in zip(datasets[:3], configs[:3], strict=True)]
    for a, b in zip(together, halves, strict=True):
        assert a.history.equals(b.history)
        assert all(torch.equal(x, y) for x, y in zip(a.model.parameters(), b.model.parameters(), strict=True))
    for a, b in zip(together[:3], alone, strict=True):
        assert a.history.equals(b.history)
        assert all(torch.equal(x, y) for x, y in zip(a.model.parameters(), b.model.parameters(), strict=True))


@pytest.mark.parametrize(
    "config",
    [TrainConfig(grouped=False, **SMALL), TrainConfig(encoder="linear", **SMALL)],
    ids=["ungrouped", "continuous-data"],
)  # 100^3 scores per step: more than MAX_TENSOR_ELEMENTS
def test_what_is_not_batched_falls_back_to_train(config):
    rng = np.random.default_rng(0)
    if config.grouped is False:
        data = _pair(0)
    else:  # continuous inputs: too many distinct rows for the grouped losses
        data = tuple([rng.normal(size=(n, 2)).astype(np.float32) for _ in range(3)] for n in (400, 200))
    assert _prepare(*data, config) is None
    (many,) = train_many([data], [config])
    one = train(*data, config)
    assert not many.grouped
    assert many.history.equals(one.history)  # the very same loop


def test_train_many_validates_its_arguments():
    data = _pair(0)
    with pytest.raises(ValueError, match="one config per dataset"):
        train_many([data, data], [TrainConfig()])
    with pytest.raises(TypeError, match=r"configs\[0\] must be a TrainConfig"):
        train_many([data], [{"seed": 0}])
    with pytest.raises(TypeError, match=r"datasets\[0\] must be a \(train_data, val_data\) pair"):
        train_many([data[0]], [TrainConfig()])
    assert train_many([], []) == []


# --------------------------------------------------------------------------------------------------
# helpers: distinct rows, the optimiser, batched zero-shot accuracy


def test_distinct_rows_are_the_trainers_exactly():
    rng = np.random.default_rng(0)
    train_x = [torch.from_numpy(rng.integers(-2, 3, (300, w)).astype(np.float32)) for w in (1, 4, 40)]
    val_x = [torch.from_numpy(rng.integers(-2, 3, (50, w)).astype(np.float32)) for w in (1, 4, 40)]
    train_x[1][:5] = -0.0  # -0.0 and 0.0 are one value
    fast, slow = _distinct_rows(train_x, val_x), train_module._distinct_rows(train_x, val_x)
    for ours, theirs in zip(fast, slow, strict=True):
        for a, b in zip(ours, theirs, strict=True):
            assert torch.equal(a, b)


def test_adamw_on_stacked_parameters_is_torchs_fused_adamw():
    g = torch.Generator().manual_seed(0)
    ours = [torch.randn(3, 4, 2, generator=g).requires_grad_(), torch.randn(3, generator=g).requires_grad_()]
    theirs = [p.detach().clone().requires_grad_() for p in ours]
    opt = _AdamW(ours, lr=0.1, weight_decay=0.01)
    reference = torch.optim.AdamW(theirs, lr=0.1, weight_decay=0.01, fused=opt.fallback is None)
    for _ in range(4):
        grads = [torch.randn(p.shape, generator=g) for p in ours]
        for p, q, grad in zip(ours, theirs, grads, strict=True):
            p.grad, q.grad = grad.clone(), grad.clone()
        opt.step()
        reference.step()
    for p, q in zip(ours, theirs, strict=True):
        assert torch.equal(p, q)


def test_zero_shot_accuracy_many_is_zero_shot_accuracy_for_each_model():
    data = _pair(0, d=3)
    methods = ("symile", "clip", "symile")
    runs = train_many([data] * 3, [TrainConfig(method=m, seed=s, **SMALL) for s, m in enumerate(methods)])
    odd = SymileModel([3, 3, 3], rep_dim=5, method="clip")  # another architecture: scored on its own
    models = [r.model for r in runs] + [odd]
    test = _xor(500, 3, seed=9)
    candidates = np.array([[int(c) for c in f"{v:03b}"] for v in range(8)], dtype=np.float32)
    accs = zero_shot_accuracy_many(models, test, target=1, candidates=candidates)
    assert accs == [zero_shot_accuracy(m, test, target=1, candidates=candidates) for m in models]
    assert accs[0] > 0.5  # a trained Symile model, not chance (1/8)


@pytest.mark.slow
def test_full_length_runs_at_the_papers_settings_agree_with_train():
    # 100 epochs of Figure 3's settings: float rounding differences stay small along the whole run
    from generators import BinaryXOR

    for p in (0.2, 0.5):
        xor = BinaryXOR(d=5, p=p)

        def draw(n, seed, xor=xor):
            sample = xor.sample(n, np.random.default_rng(seed))
            return [sample[k] for k in "abc"]

        data = [(draw(10_000, 1 + k), draw(1_000, 50 + k)) for k in range(2)]
        configs = [TrainConfig(method=m, seed=3 + k) for k, m in enumerate(("symile", "clip"))]
        test, candidates = draw(5_000, 99), xor.decode(np.arange(32))
        for many, pair, config in zip(train_many(data, configs), data, configs, strict=True):
            one = train(*pair, config)
            np.testing.assert_allclose(many.history["val_loss"], one.history["val_loss"], rtol=5e-3)
            accs = [zero_shot_accuracy(r.model, test, target=1, candidates=candidates) for r in (many, one)]
            assert accs[0] == pytest.approx(accs[1], abs=0.01)


@pytest.mark.parametrize("d", [5, 4], ids=["33^3-scores", "17^3-scores"])
def test_a_models_numbers_do_not_depend_on_the_batch_it_is_in_with_padded_score_blocks(d):
    # regression: issue 13. d bits and a placeholder value: 2^d + 1 distinct rows per modality, a score
    # block of (2^d + 1)^3 floats per model, not a whole number of 16 (the `missing` experiment's case, on
    # MKL's large-matrix kernels, which round by the operands' alignment): unpadded, a model's weights came
    # out different alone and in a batch after two epochs
    datasets = [(_xor(2000, d, s, 0.3), _xor(500, d, s + 1000, 0.3)) for s in range(4)]
    methods = ["clip", "symile", "clip", "symile"]
    configs = [TrainConfig(method=m, seed=s, epochs=2, batch_size=1000) for s, m in enumerate(methods)]
    together = train_many(datasets, configs)
    for k in (1, 3):
        alone = train_many(datasets[k : k + 1], configs[k : k + 1])[0]
        assert together[k].history.equals(alone.history)
        pairs = zip(together[k].model.parameters(), alone.model.parameters(), strict=True)
        assert all(torch.equal(x, y) for x, y in pairs)


def test_the_evaluation_scores_each_distinct_query_once_and_maps_every_row_back():
    # regression: issue 13. zero_shot_accuracy_many scores the distinct combinations of the observed
    # modalities' rows (first row of each) and reads every row's prediction through its combination
    from symile_min.multi import _distinct_queries

    rng = np.random.default_rng(4)
    xs = [torch.from_numpy(rng.integers(0, 2, (400, 3)).astype(np.float32)) for _ in range(2)]
    xs.append(torch.from_numpy(rng.normal(size=(400, 2)).astype(np.float32)))  # continuous: all distinct
    xs[2][:50] = xs[2][50:100]  # ... but for 50 repeated rows
    for target in range(3):
        first, combo = _distinct_queries(xs, target)
        observed = torch.cat([x for m, x in enumerate(xs) if m != target], dim=1)
        expected = torch.unique(observed, dim=0).shape[0]
        assert first.shape == (expected,) and combo.shape == (400,)
        assert torch.equal(observed[first][combo], observed)  # every row is its combination's first row
        assert bool((first[combo] <= torch.arange(400)).all())  # the first row of each combination
