"""Trainer and evaluation: 3-bit XOR (Symile learns it, CLIP cannot), determinism, validation errors."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from symile_min import (
    SymileModel,
    TrainConfig,
    batch_count,
    bound_estimate,
    summarise_bounds,
    symile_loss,
    train,
    with_missingness,
    zero_shot_accuracy,
    zero_shot_scores,
)


def _xor_bits(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 1))
    return [a, b, a ^ b]


@pytest.fixture(scope="module")
def xor_runs():
    train_data, val_data, test_data = _xor_bits(2000, 0), _xor_bits(500, 1), _xor_bits(3000, 2)
    runs = {}
    for method in ("symile", "clip"):
        cfg = TrainConfig(method=method, epochs=30, batch_size=200, seed=0)  # 300 steps
        runs[method] = train(train_data, val_data, cfg)
    return runs, test_data


def test_symile_learns_three_bit_xor_bound_and_zero_shot(xor_runs):
    runs, test = xor_runs
    est = bound_estimate(runs["symile"].model, test, method="symile", batch_size=1000, base=math.e)
    assert est["bound"] >= 0.8 * math.log(2)  # TC = 1 bit = log 2 nats
    assert est["bound"] <= est["cap"]
    acc = zero_shot_accuracy(runs["symile"].model, test, target=2, candidates=[[0], [1]], method="symile")
    assert acc == 1.0


def test_clip_cannot_learn_three_bit_xor(xor_runs):
    runs, test = xor_runs
    est = bound_estimate(runs["clip"].model, test, method="clip", batch_size=1000, base=math.e)
    assert est["bound"] <= 0.05  # every pairwise MI is 0
    acc = zero_shot_accuracy(runs["clip"].model, test, target=2, candidates=[[0], [1]], method="clip")
    assert 0.4 <= acc <= 0.6


@pytest.mark.parametrize(
    ("method", "negatives"), [("symile", "n"), ("symile", "n_squared"), ("clip", "n")]
)
def test_grouped_bound_estimate_equals_the_plain_one(xor_runs, method, negatives):
    runs, test = xor_runs
    kwargs = dict(method=method, negatives=negatives, batch_size=100, n_batches=3, base=math.e, seed=4)
    plain = bound_estimate(runs[method].model, test, **kwargs)
    grouped = bound_estimate(runs[method].model, test, grouped=True, **kwargs)
    assert grouped["bound"] == pytest.approx(plain["bound"], abs=1e-5)
    assert grouped["se"] == pytest.approx(plain["se"], abs=1e-5)
    assert grouped["cap"] == plain["cap"]


def test_history_columns_and_best_epoch(xor_runs):
    res = xor_runs[0]["symile"]
    assert list(res.history.columns) == ["epoch", "train_loss", "val_loss", "logit_scale", "best"]
    assert res.best_epoch == int(res.history.loc[res.history.val_loss.idxmin(), "epoch"])
    assert res.history.logit_scale.between(1.0, 100.0 + 1e-4).all()
    assert res.grouped


@pytest.mark.parametrize("grouped", [True, False])
def test_same_seed_gives_identical_weights_and_history(grouped):
    data = _xor_bits(300, 3)
    cfg = TrainConfig(epochs=3, batch_size=100, seed=5, grouped=grouped)
    r1, r2 = train(data, data, cfg), train(data, data, cfg)
    pd.testing.assert_frame_equal(r1.history, r2.history)
    for (k, v1), v2 in zip(r1.model.state_dict().items(), r2.model.state_dict().values(), strict=True):
        assert torch.equal(v1, v2), k


def test_grouped_and_plain_training_agree():
    data = _xor_bits(300, 4)
    runs = [train(data, data, TrainConfig(epochs=2, batch_size=100, grouped=g)) for g in (True, False)]
    np.testing.assert_allclose(runs[0].history.val_loss, runs[1].history.val_loss, atol=1e-4)


def test_config_round_trips_through_json():
    cfg = TrainConfig(method="clip", patience=3)
    assert TrainConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_early_stopping_stops_after_patience():
    data = _xor_bits(200, 5)
    res = train(data, _xor_bits(200, 6), TrainConfig(method="clip", epochs=50, batch_size=100, patience=2))
    assert len(res.history) < 50


def test_train_does_not_change_global_thread_count_or_rng():
    before_threads, before_rng = torch.get_num_threads(), torch.random.get_rng_state()
    data = _xor_bits(100, 7)
    train(data, data, TrainConfig(epochs=1, batch_size=50, num_threads=1))
    assert torch.get_num_threads() == before_threads
    assert torch.equal(torch.random.get_rng_state(), before_rng)


@pytest.mark.parametrize(
    "field,value",
    [
        ("method", "simile"),
        ("negatives", "n3"),
        ("encoder", "cnn"),
        ("batch_size", 1),
        ("lr", -1.0),
        ("epochs", 0),
        ("seed", -1),
        ("patience", 0),
        ("rep_dim", 2.5),
    ],
)
def test_bad_config_value_is_named_in_the_error(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


@pytest.mark.parametrize(
    "data,match",
    [
        ([np.zeros((4, 2)), np.zeros((5, 2))], "ragged"),
        ([np.zeros((4, 2))], "at least 2"),
        ([np.zeros((4, 2)), np.zeros(4)], "shape"),
        ([np.zeros((4, 2)), np.full((4, 2), np.nan)], "non-finite"),
    ],
)
def test_bad_training_data_raises_value_error(data, match):
    with pytest.raises(ValueError, match=match):
        train(data, data, TrainConfig(epochs=1, batch_size=2))


@pytest.mark.parametrize(
    "reps,kwargs,error,match",
    [
        ([torch.ones(3, 2), torch.ones(4, 2)], {}, ValueError, "ragged"),
        ([torch.ones(3, 2)], {}, ValueError, "M = 1"),
        ([torch.ones(3, 2), torch.ones(3)], {}, ValueError, "shape"),
        ([torch.ones(3, 2), torch.full((3, 2), math.inf)], {}, ValueError, "non-finite"),
        ([torch.ones(3, 2), torch.ones(3, 2)], {"negatives": "all"}, ValueError, "'all'"),
        (torch.ones(3, 2), {}, TypeError, "list"),
    ],
)
def test_bad_loss_inputs_raise_with_the_bad_value(reps, kwargs, error, match):
    with pytest.raises(error, match=match):
        symile_loss(reps, 1.0, **kwargs)


def test_nonpositive_logit_scale_is_rejected():
    with pytest.raises(ValueError, match="logit_scale"):
        symile_loss([torch.ones(3, 2), torch.ones(3, 2)], -1.0)


def test_zero_shot_scores_add_the_log_prior_after_scaling():
    q, c = [torch.tensor([[1.0, 0.0]])], torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    prior = torch.log(torch.tensor([0.25, 0.75]))
    got = zero_shot_scores(q, c, "symile", prior, logit_scale=3.0)
    torch.testing.assert_close(got, torch.tensor([[3.0, 0.0]]) + prior)


def test_with_missingness_appends_indicator_and_fills_placeholder():
    x = torch.tensor([[1.0, 2.0], [np.nan, np.nan]])
    out = with_missingness(x, torch.tensor([True, False]), placeholder=-1.0)
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0, 1.0], [-1.0, -1.0, 0.0]]))


def test_model_encodes_to_unit_norm_and_rejects_wrong_width():
    torch.manual_seed(0)
    model = SymileModel([2, 3])
    reps = model.encode([np.ones((4, 2)), np.ones((4, 3))])
    torch.testing.assert_close(reps[0].norm(dim=1), torch.ones(4))
    with pytest.raises(ValueError, match="expects 3 input columns"):
        model.encode([np.ones((4, 2)), np.ones((4, 2))])


def test_summarise_bounds_of_losses_equal_to_log_n_is_exactly_zero():
    # regression: rounding noise of an all-constant critic used to read 1e-14 +- 0 (3 batches of N = 10)
    est = summarise_bounds([math.log(10)] * 3, 10, 3, method="symile", negatives="n", base=2)
    assert est["bound"] == 0.0 and est["se"] == 0.0
    assert est["cap"] == pytest.approx(math.log2(10)) and est["unit"] == "bits" and est["n_batches"] == 3


@pytest.mark.parametrize(
    ("args", "match"),
    [((100, 1, None), "batch_size must be an int >= 2, got 1"), ((5, 10, None), "5 rows, fewer than"),
     ((100, 10, 11), r"n_batches must be an int in \[1, 10\], got 11")],
)
def test_batch_count_rejects_bad_batching_naming_the_value(args, match):
    with pytest.raises(ValueError, match=match):
        batch_count(*args)
