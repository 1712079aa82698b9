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


# ------------------------------------------------------------------------------------------------
# issue 11: own models and data forms, numpy scalars, device, precision, schedule, callbacks, logging

from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, Dataset  # noqa: E402

from symile_min import EpochInfo, SymileModel, TrainResult  # noqa: E402
from symile_min.train import batch_loss, lr_at, optimizer_step, resolve_device  # noqa: E402


def _xor_images(n, seed):
    """Image (n, 1, 4, 4) showing bit a as its brightness, b a float column, c = a xor b a token id."""
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n))
    img = (rng.normal(0, 0.2, (n, 1, 4, 4)) + a[:, None, None, None]).astype(np.float32)
    return {"img": img, "b": b[:, None].astype(np.float32), "c": a ^ b}


def _encoders(d=4, dropout=0.0):
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(dropout), nn.Linear(8, d))
    return [conv, nn.Linear(1, d), nn.Embedding(2, d)]


def test_numpy_scalars_are_accepted_everywhere_and_stored_as_python_numbers():
    # regression: issue 11 -- batch_size=np.int64(500) and lr=np.float32(0.1) were rejected
    cfg = TrainConfig(batch_size=np.int64(500), lr=np.float32(0.1), epochs=np.int32(3),
                      grad_clip=np.float64(1), warmup_steps=np.int64(2), patience=np.int8(4))
    assert (cfg.batch_size, cfg.epochs, cfg.warmup_steps, cfg.patience) == (500, 3, 2, 4)
    assert type(cfg.batch_size) is int and type(cfg.lr) is float and cfg.lr == pytest.approx(0.1)
    assert TrainConfig(**json.loads(json.dumps(cfg.to_dict()))) == cfg


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("device", "gpu", "device must be 'auto', 'cpu', 'cuda', 'cuda:<index>' or 'mps', got 'gpu'"),
        ("precision", "fp8", r"precision must be one of \['32', 'bf16', '16'\], got 'fp8'"),
        ("grad_clip", 0.0, "grad_clip must be None or a number > 0, got 0.0"),
        ("schedule", "step", "schedule must be one of"),
        ("warmup_steps", -1, "warmup_steps must be an int >= 0, got -1"),
        ("min_lr", 1.0, r"min_lr must lie in \[0, lr = 0.1\], got 1.0"),
        ("lr", np.float32("nan"), "lr must be a finite number"),
    ],
)
def test_bad_new_config_values_are_named(field, value, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**{field: value})


def test_devices_resolve_and_a_missing_one_is_named():
    assert resolve_device("cpu") == torch.device("cpu")
    if torch.cuda.is_available():
        assert resolve_device("auto").type == "cuda"
    assert TrainConfig(precision=16).precision == "16"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda:1', but this torch sees no CUDA device"):
            resolve_device("cuda:1")
        with pytest.raises(ValueError, match="sees no CUDA device"):
            train(*[_xor_images(8, 0)] * 2, TrainConfig(device="cuda", epochs=1, batch_size=4),
                  model=_encoders())


def test_own_conv_encoders_learn_xor_from_an_image_a_float_and_a_token_id():
    data, val = _xor_images(400, 1), _xor_images(200, 2)
    res = train(data, val, TrainConfig(epochs=15, batch_size=100, lr=0.1), model=_encoders())
    assert res.model.names == ("img", "b", "c") and not res.model.builtin and not res.grouped
    assert res.history.val_loss.iloc[-1] < res.history.val_loss.iloc[0] - 0.3
    test = _xor_images(300, 3)
    assert zero_shot_accuracy(res.model, test, target="c", candidates=np.arange(2)) >= 0.95


def test_a_dataset_gives_the_same_run_as_the_in_memory_data_and_a_loader_trains():
    data = _xor_images(120, 4)
    names = list(data)

    class Items(Dataset):
        def __len__(self):
            return 120

        def __getitem__(self, i):
            return tuple(data[k][i] for k in names)

    cfg = TrainConfig(epochs=2, batch_size=40, lr=0.01)
    memory = train(data, data, cfg, model=_encoders())
    indexed = train(Items(), Items(), cfg, model=_encoders())  # same seeded batch order, same rows
    pd.testing.assert_frame_equal(memory.history, indexed.history)
    loader = train(DataLoader(Items(), batch_size=40, shuffle=True), DataLoader(Items(), batch_size=50), cfg,
                   model=_encoders())
    assert len(loader.history) == 2 and np.isfinite(loader.history.val_loss).all()


@pytest.mark.parametrize("precision", ["bf16", "16"])
def test_mixed_precision_trains_close_to_float32(precision):
    data = _xor_images(200, 5)
    cfg = dict(epochs=2, batch_size=100, lr=0.01)
    full = train(data, data, TrainConfig(**cfg), model=_encoders())
    mixed = train(data, data, TrainConfig(precision=precision, **cfg), model=_encoders())
    assert np.isfinite(mixed.history.val_loss).all()
    np.testing.assert_allclose(mixed.history.val_loss, full.history.val_loss, atol=0.05)
    assert all(p.dtype == torch.float32 for p in mixed.model.parameters())  # master weights stay float32


def test_optimizer_step_clips_the_global_gradient_norm_before_stepping():
    w = nn.Parameter(torch.tensor([3.0, 4.0]))  # loss = w . w: gradient 2w, norm 10
    opt = torch.optim.SGD([w], lr=1.0)
    optimizer_step((w * w).sum(), opt, None, [w], TrainConfig(grad_clip=0.5))
    torch.testing.assert_close(w.detach(), torch.tensor([3.0, 4.0]) - 0.5 * torch.tensor([0.6, 0.8]))


def test_the_learning_rate_follows_warmup_then_cosine_step_by_step():
    data = _xor_images(100, 6)
    cfg = TrainConfig(epochs=3, batch_size=50, lr=0.02, warmup_steps=2, schedule="cosine", min_lr=0.002)
    seen = []
    train(data, data, cfg, model=_encoders(),
          callbacks=lambda info: seen.append(info.optimizer.param_groups[0]["lr"]))
    # 2 steps per epoch: the rate of each epoch's last step (steps 1, 3, 5 of 6)
    assert seen == pytest.approx([lr_at(cfg, t, 6) for t in (1, 3, 5)])
    assert lr_at(cfg, 0, 6) == pytest.approx(0.01) and lr_at(cfg, 5, 6) > cfg.min_lr


def test_callbacks_see_every_epoch_and_can_stop_training(tmp_path):
    data = _xor_images(100, 7)
    infos = []

    def stop_at_two(info):
        infos.append(info)
        return info.epoch == 2

    res = train(data, data, TrainConfig(epochs=5, batch_size=50), model=_encoders(), callbacks=[stop_at_two],
                log_dir=tmp_path, tensorboard=False)
    assert len(res.history) == 2 and [i.epoch for i in infos] == [1, 2]
    assert isinstance(infos[0], EpochInfo) and infos[1].row == res.history.iloc[1].to_dict()
    logged = pd.read_csv(tmp_path / "history.csv")
    np.testing.assert_allclose(logged.val_loss, res.history.val_loss, rtol=1e-9)


def test_tensorboard_is_optional():
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        data = _xor_images(20, 8)
        with pytest.raises(ImportError, match="tensorboard=True needs the tensorboard package"):
            train(data, data, TrainConfig(epochs=1, batch_size=10), model=_encoders(), log_dir="unused",
                  tensorboard=True)
    else:
        pytest.skip("tensorboard is installed: events are written (not checked here)")


def test_warm_start_continues_from_the_given_model_and_refuses_another_objective(xor_bits):
    data = xor_bits(200, 11)
    first = train(data, data, TrainConfig(epochs=3, batch_size=100))
    again = train(data, data, TrainConfig(epochs=1, batch_size=100), model=first.model)
    assert again.history.val_loss.iloc[0] < first.history.val_loss.iloc[0]
    with pytest.raises(ValueError, match="trained with method='symile', the config says method='clip'"):
        train(data, data, TrainConfig(method="clip", epochs=1, batch_size=100), model=first.model)
    with pytest.raises(ValueError, match="grouped=True needs the built-in encoders"):
        train(*[_xor_images(20, 0)] * 2, TrainConfig(grouped=True, epochs=1, batch_size=10),
              model=_encoders())


def test_training_with_dropout_is_seeded_and_leaves_the_global_rng_alone():
    data = _xor_images(100, 9)
    models = [_encoders(dropout=0.5) for _ in range(3)]  # same initial weights (seeded inside)
    before = torch.random.get_rng_state()
    runs = [train(data, data, TrainConfig(epochs=2, batch_size=50, seed=s), model=m)
            for s, m in zip((0, 0, 1), models, strict=True)]
    assert torch.equal(before, torch.random.get_rng_state())  # dropout drew from the run's own RNG
    pd.testing.assert_frame_equal(runs[0].history, runs[1].history)  # same seed: same dropout masks
    assert not runs[0].history.train_loss.equals(runs[2].history.train_loss)


@pytest.mark.parametrize("own", [False, True])
def test_the_per_step_path_runs_on_the_meta_device_without_host_sync(own):
    # regression: issue 11 -- every step read values back (.item(), checks); on the meta device, which
    # holds no values, any read-back or a CPU tensor mixed into the step raises
    if own:
        model = SymileModel(encoders=_encoders(), method="symile", negatives="n").to("meta")
        xs = [torch.randn(8, 1, 4, 4), torch.randn(8, 1), torch.zeros(8, dtype=torch.long)]
    else:
        model = SymileModel([3, 3, 3], rep_dim=4, method="symile", negatives="n").to("meta")
        xs = [torch.randn(8, 3)] * 3
    xs = [x.to("meta") for x in xs]
    cfg = TrainConfig(grad_clip=1.0)
    opt = torch.optim.AdamW(model.parameters(), lr=0.1)  # foreach: no kernel reads values back
    for _ in range(2):  # two steps: the optimiser's state exists from the second on
        loss = batch_loss(model, cfg, xs, False, torch.Generator().manual_seed(0))
        optimizer_step(loss, opt, None, list(model.parameters()), cfg)
        model.clamp_logit_scale(None, 4.6)
    assert loss.device.type == "meta" and model.log_scale.device.type == "meta"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("precision", ["32", "bf16", "16"])
def test_training_on_cuda_matches_the_cpu_up_to_rounding(precision):
    data = _xor_images(200, 10)
    cfg = dict(epochs=2, batch_size=100, lr=0.01, precision=precision)
    cpu = train(data, data, TrainConfig(**cfg), model=_encoders())
    gpu = train(data, data, TrainConfig(device="cuda", **cfg), model=_encoders())
    assert next(gpu.model.parameters()).device.type == "cuda"
    np.testing.assert_allclose(gpu.history.val_loss, cpu.history.val_loss, atol=0.05)
    torch.cuda.set_sync_debug_mode("error")  # a host sync in the per-step path raises from here on
    try:
        model = gpu.model.train()
        xs = [torch.as_tensor(v[:50]).cuda() for v in data.values()]
        opt = torch.optim.AdamW(model.parameters(), lr=0.01, fused=True)
        for _ in range(2):
            gen = torch.Generator("cuda").manual_seed(0)
            loss = batch_loss(model, TrainConfig(**cfg), xs, precision != "32", gen)
            optimizer_step(loss, opt, None, list(model.parameters()), TrainConfig(**cfg))
    finally:
        torch.cuda.set_sync_debug_mode("default")


def test_a_result_saves_and_loads_back(tmp_path, xor_bits):
    data = xor_bits(100, 12)
    res = train(data, data, TrainConfig(epochs=2, batch_size=50))
    path = res.save(tmp_path / "model.pt")
    back = TrainResult.load(path)
    pd.testing.assert_frame_equal(back.history, res.history)
    assert back.config == res.config and back.best_epoch == res.best_epoch and back.grouped == res.grouped
    for (k, a), b in zip(res.model.state_dict().items(), back.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    assert (back.model.method, back.model.negatives) == ("symile", "n") and not back.model.training


# ------------------------------------------------------------------------------------------------
# issue 10: settings no run could use fail at TrainConfig, naming the field; divergence is named too


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("logit_scale_init", 100.0, r"logit_scale_init must lie in \[-87.34, 88.72\]"),
        ("logit_scale_init", -1e4, r"logit_scale_init must lie in \[-87.34, 88.72\]"),
        ("logit_scale_min", 100.0, r"logit_scale_min must lie in \[-87.34, 88.72\]"),
        ("logit_scale_max", -1e6, r"logit_scale_max must lie in \[-87.34, 88.72\]"),
        ("lr", 150.0, r"need lr \* weight_decay < 1 .*got lr=150.0, weight_decay=0.01"),
        ("num_threads", 10**6, r"num_threads must be None or an int in \[1, 1024\], got 1000000"),
        ("patience", 2**63, r"patience must be an int in \[1, 2\*\*63 - 1\], got 9223372036854775808"),
        ("chunk_elements", 10**400, r"chunk_elements must be an int in \[1, 2\*\*63 - 1\], got an int of"),
        ("rep_dim", 2**40, "rep_dim=1099511627776 would need a weight"),
    ],
)
def test_settings_that_train_would_reject_fail_at_construction_naming_the_field(field, value, match):
    # regression: issue 10 -- each was accepted here, then train() failed with a non-finite logit scale,
    # an allocation error, an int64 overflow or (num_threads) killed the process starting threads
    with pytest.raises(ValueError, match=match):
        TrainConfig(**{field: value})


def test_an_mlp_too_large_to_allocate_fails_at_construction():
    with pytest.raises(ValueError, match="hidden_dim=100000, rep_dim would need a weight"):
        TrainConfig(encoder="mlp", hidden_dim=10**5, rep_dim=10**5)


def test_a_diverging_run_is_a_value_error_naming_the_step_and_the_settings():
    # lr=100 is a valid setting, but the logit scale overflows float32 within a few steps
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(40, 3)) for _ in range(3)]
    with pytest.raises(ValueError, match=r"training diverged at epoch 1, step \d+: .*lr=100.0"):
        train(data, data, TrainConfig(lr=100.0, weight_decay=0.0, epochs=5, batch_size=20))


def test_built_in_encoders_train_on_a_dataloader_and_a_float64_model_gets_float64_inputs():
    # regression: issue 10 -- the built-in encoders on a DataLoader raised a raw TypeError (no widths);
    # a float64 model got float32 inputs (a raw dtype error inside nn.Linear)
    rng = np.random.default_rng(0)
    tensors = [torch.from_numpy(rng.normal(size=(24, 3)).astype(np.float32)) for _ in range(3)]
    loader = DataLoader(torch.utils.data.TensorDataset(*tensors), batch_size=8)
    res = train(loader, loader, TrainConfig(epochs=2))
    assert res.model.input_dims == [3, 3, 3] and np.isfinite(res.history.val_loss).all()
    double = SymileModel([3, 3, 3], rep_dim=4).double()
    arrays = [t.numpy() for t in tensors]
    res = train(arrays, arrays, TrainConfig(epochs=1, batch_size=8), model=double)
    assert res.model.log_scale.dtype == torch.float64 and np.isfinite(res.history.val_loss).all()
