"""Trainer: 3-bit XOR (Symile learns it, CLIP cannot), determinism, logit scale, optimiser, config errors."""

import importlib
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from symile_min import TrainConfig, bound_estimate, train, zero_shot_accuracy

train_module = importlib.import_module("symile_min.train")  # the module; symile_min.train is the function


@pytest.fixture(scope="module")
def xor_runs():
    rng = np.random.default_rng(0)

    def bits(n):
        a, b = rng.integers(0, 2, (2, n, 1))
        return [a, b, a ^ b]

    train_data, val_data, test_data = bits(2000), bits(500), bits(3000)
    runs = {}
    for method in ("symile", "clip"):
        cfg = TrainConfig(method=method, epochs=30, batch_size=200, seed=0)  # 300 steps
        runs[method] = train(train_data, val_data, cfg)
    return runs, test_data


def test_symile_learns_three_bit_xor_bound_and_zero_shot(xor_runs):
    runs, test = xor_runs
    est = bound_estimate(runs["symile"].model, test, batch_size=1000, base=math.e)  # method from the model
    assert est["bound"] >= 0.8 * math.log(2)  # TC = 1 bit = log 2 nats
    assert est["bound"] <= est["cap"]
    acc = zero_shot_accuracy(runs["symile"].model, test, target=2, candidates=[[0], [1]])
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


def test_history_columns_best_epoch_and_the_kept_weights(xor_runs):
    res = xor_runs[0]["symile"]
    assert list(res.history.columns) == ["epoch", "train_loss", "val_loss", "logit_scale", "best"]
    assert res.best_epoch == int(res.history.loc[res.history.val_loss.idxmin(), "epoch"])
    # the returned model is the best epoch's (its logit scale, not the last epoch's)
    kept = res.history.loc[res.history.epoch == res.best_epoch, "logit_scale"].item()
    assert float(res.model.logit_scale.detach()) == pytest.approx(kept, rel=1e-6)
    assert res.grouped and not res.model.training


def test_trained_model_records_its_objective(xor_bits):
    data = xor_bits(200, 1)
    res = train(data, data, TrainConfig(method="symile", negatives="n_squared", epochs=1, batch_size=100))
    assert (res.model.method, res.model.negatives) == ("symile", "n_squared")
    assert bound_estimate(res.model, data, batch_size=100, grouped=True)["cap"] == pytest.approx(
        2 * math.log2(100)
    )


def test_logit_scale_starts_from_its_configured_init(xor_bits):
    # regression: issue 9 -- the log scale was clamped to [0, ln 100] after every step, so the paper's
    # init -0.3 lasted one step; now one AdamW step moves it by about lr (0.1) from -0.3, not to 0
    data = xor_bits(100, 8)
    res = train(data, data, TrainConfig(epochs=1, batch_size=100))  # exactly one step
    log_scale = math.log(res.history.logit_scale.iloc[0])
    assert -0.3 - 0.11 < log_scale < -0.3 + 0.11
    assert log_scale < -0.15


def test_logit_scale_clamps_are_opt_in_and_applied_after_every_step(xor_bits):
    data = xor_bits(100, 8)
    old = train(data, data, TrainConfig(epochs=1, batch_size=100, logit_scale_min=0.0))  # pre-issue-9 rule
    assert old.history.logit_scale.iloc[0] == 1.0
    capped = train(data, data, TrainConfig(epochs=3, batch_size=50, logit_scale_max=-0.35))
    assert (capped.history.logit_scale <= math.exp(-0.35) * (1 + 1e-6)).all()


@pytest.mark.parametrize("grouped", [True, False])
def test_same_seed_gives_identical_weights_and_history(xor_bits, grouped):
    data = xor_bits(300, 3)
    cfg = TrainConfig(epochs=3, batch_size=100, seed=5, grouped=grouped)
    r1, r2 = train(data, data, cfg), train(data, data, cfg)
    pd.testing.assert_frame_equal(r1.history, r2.history)
    for (k, v1), v2 in zip(r1.model.state_dict().items(), r2.model.state_dict().values(), strict=True):
        assert torch.equal(v1, v2), k


def test_grouped_and_plain_training_agree(xor_bits):
    data = xor_bits(300, 4)
    runs = [train(data, data, TrainConfig(epochs=2, batch_size=100, grouped=g)) for g in (True, False)]
    np.testing.assert_allclose(runs[0].history.val_loss, runs[1].history.val_loss, atol=1e-4)


def test_training_uses_fused_adamw_where_torch_has_it_and_falls_back_otherwise(monkeypatch, xor_bits):
    real = torch.optim.AdamW
    made = []

    class Recording(real):
        refuse_fused = False

        def __init__(self, params, **kwargs):
            made.append(kwargs)
            if kwargs.get("fused") and self.refuse_fused:  # what torch < 2.4 does for CPU parameters
                raise RuntimeError("`fused=True` requires all the params to be floating point Tensors of "
                                   "supported devices: ['cuda', 'xpu', 'privateuseone'].")
            super().__init__(params, **kwargs)

    class OldTorch(Recording):
        refuse_fused = True

    data, cfg = xor_bits(200, 9), TrainConfig(epochs=2, batch_size=100)
    runs = {}
    try:
        for name, cls in (("new", Recording), ("old", OldTorch)):
            monkeypatch.setattr(torch.optim, "AdamW", cls)
            train_module._fused_adamw_supported.cache_clear()
            made.clear()
            runs[name] = train(data, data, cfg)
            assert made[0] == {"fused": True}  # the feature probe
            assert made[-1].get("fused") is (True if name == "new" else None)  # the trainer's optimiser
    finally:
        train_module._fused_adamw_supported.cache_clear()
    # the fallback is the same update up to rounding
    np.testing.assert_allclose(runs["old"].history.val_loss, runs["new"].history.val_loss, atol=1e-5)


def test_config_round_trips_through_json():
    cfg = TrainConfig(method="clip", patience=3, logit_scale_max=math.log(100), seed=np.int64(7))
    assert type(cfg.seed) is int
    assert TrainConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_early_stopping_stops_exactly_patience_epochs_after_the_best(xor_bits):
    res = train(xor_bits(200, 5), xor_bits(200, 6), TrainConfig(method="clip", epochs=50, batch_size=100,
                                                                patience=2))
    assert len(res.history) == res.best_epoch + 2 < 50
    assert not res.history.best.iloc[-2:].any()


def test_train_does_not_change_global_thread_count_or_rng(xor_bits):
    before_threads, before_rng = torch.get_num_threads(), torch.random.get_rng_state()
    data = xor_bits(100, 7)
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
        ("seed", 2**63),
        ("patience", 0),
        ("rep_dim", 2.5),
        ("logit_scale_min", math.nan),
        ("logit_scale_max", "4.6"),
    ],
)
def test_bad_config_value_is_named_in_the_error(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


@pytest.mark.parametrize("seed", [1.0, "0", True, None])
def test_seed_of_the_wrong_type_is_a_type_error_naming_it(seed):
    with pytest.raises(TypeError, match=f"seed must be an int in \\[0, 2\\*\\*63\\), got {seed!r}"):
        TrainConfig(seed=seed)


def test_logit_scale_clamp_bounds_must_be_ordered():
    with pytest.raises(ValueError, match="need logit_scale_min <= logit_scale_max, got 1.0 > 0.5"):
        TrainConfig(logit_scale_min=1.0, logit_scale_max=0.5)


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


def test_train_rejects_a_config_that_is_not_a_train_config(xor_bits):
    with pytest.raises(TypeError, match="config must be a TrainConfig, got dict"):
        train(xor_bits(10, 0), xor_bits(10, 1), {"epochs": 1})
