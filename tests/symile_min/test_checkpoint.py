"""Checkpoints: weights_only files, rebuild and reload, resume to the uninterrupted run's final weights."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from symile_min import TrainConfig, TrainResult, retrieval_metrics, train
from symile_min.checkpoint import FORMAT, load_payload


class _Killed(Exception):
    """What a callback raises to simulate a run killed after an epoch (its checkpoint already written)."""


def _kill_after(epoch):
    def callback(info):
        if info.epoch == epoch:
            raise _Killed

    return callback


def _images(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n))
    img = (rng.normal(0, 0.2, (n, 1, 4, 4)) + a[:, None, None, None]).astype(np.float32)
    return {"img": img, "b": b[:, None].astype(np.float32), "c": a ^ b}


def _encoders():
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(0.3), nn.Linear(8, 4))
    return [conv, nn.Linear(1, 4), nn.Embedding(2, 4)]


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for k in sa:
        assert torch.equal(sa[k].cpu(), sb[k].cpu()), k


def _assert_same_run(full, resumed):
    _same_weights(full.model, resumed.model)
    pd.testing.assert_frame_equal(full.history, resumed.history)
    assert full.best_epoch == resumed.best_epoch
    _same_weights_of_states(full.train_state["model"], resumed.train_state["model"])  # the last epoch too


def _same_weights_of_states(a, b):
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.mark.parametrize("grouped", [True, False])
def test_resume_of_a_killed_built_in_run_reaches_the_uninterrupted_final_weights(tmp_path, xor_bits, grouped):
    data, val = xor_bits(300, 0), xor_bits(200, 1)
    cfg = TrainConfig(epochs=5, batch_size=100, grouped=grouped, patience=4)
    full = train(data, val, cfg)
    path = tmp_path / "run.pt"
    with pytest.raises(_Killed):
        train(data, val, cfg, checkpoint=path, callbacks=_kill_after(2))
    assert len(load_payload(path)["history"]["rows"]) == 2
    _assert_same_run(full, train(data, val, cfg, checkpoint=path, resume=path))
    # resuming the finished run returns it as it is
    _assert_same_run(full, train(data, val, cfg, resume=path))


def test_resume_of_own_conv_encoders_with_dropout_schedule_and_fp16_is_exact(tmp_path):
    data, val = _images(120, 2), _images(60, 3)
    cfg = TrainConfig(epochs=4, batch_size=40, lr=0.05, warmup_steps=3, schedule="cosine", grad_clip=1.0,
                      precision="16")
    full = train(data, val, cfg, model=_encoders())
    path = tmp_path / "run.pt"
    with pytest.raises(_Killed):
        train(data, val, cfg, model=_encoders(), checkpoint=path, callbacks=_kill_after(1))
    fresh = _encoders()  # the architecture again (weights come from the checkpoint)
    _assert_same_run(full, train(data, val, cfg, model=fresh, resume=path))


def test_resume_with_a_shuffling_dataloader_is_exact(tmp_path):
    # a DataLoader with shuffle=True draws each epoch's order from torch's RNG, which the run seeds and saves
    data = _images(90, 4)
    names = list(data)

    class Items(Dataset):
        def __len__(self):
            return 90

        def __getitem__(self, i):
            return {k: data[k][i] for k in names}

    def loaders():
        return DataLoader(Items(), batch_size=30, shuffle=True), DataLoader(Items(), batch_size=45)

    cfg = TrainConfig(epochs=3, batch_size=30, lr=0.05)
    full = train(*loaders(), cfg, model=_encoders())
    path = tmp_path / "run.pt"
    with pytest.raises(_Killed):
        train(*loaders(), cfg, model=_encoders(), checkpoint=path, callbacks=_kill_after(1))
    _assert_same_run(full, train(*loaders(), cfg, model=_encoders(), resume=path))


def test_the_checkpoint_loads_with_weights_only_and_rebuilds_the_model(tmp_path, xor_bits):
    data = xor_bits(200, 5)
    path = tmp_path / "run.pt"
    res = train(data, data, TrainConfig(epochs=2, batch_size=100, method="clip"), checkpoint=path)
    raw = torch.load(path, weights_only=True)  # the safe loader: plain values and tensors only
    assert raw["format"] == FORMAT and raw["model"]["kind"] == "builtin" and raw["config"]["method"] == "clip"
    assert set(raw["train_state"]) >= {"optimizer", "generator", "rng", "model", "epoch", "step"}
    back = TrainResult.load(path)
    _same_weights(res.model, back.model)
    assert back.model.method == "clip" and back.config == res.config
    pd.testing.assert_frame_equal(back.history, res.history)


def test_own_encoders_reload_into_a_fresh_instance_and_evaluate(tmp_path):
    data = _images(80, 6)
    res = train(data, data, TrainConfig(epochs=2, batch_size=40), model=_encoders())
    path = res.save(tmp_path / "own.pt")
    with pytest.raises(ValueError, match="holds your own encoders .* pass a fresh instance"):
        TrainResult.load(path)
    back = TrainResult.load(path, model=_encoders())
    _same_weights(res.model, back.model)
    assert back.model.names == ("img", "b", "c")
    a, b = (retrieval_metrics(m, data, target="c", candidates="distinct") for m in (res.model, back.model))
    assert a == b
    wrong = [nn.Linear(16, 4), nn.Linear(1, 4), nn.Embedding(2, 4)]
    with pytest.raises(ValueError, match="the model does not match the weights in"):
        TrainResult.load(path, model=wrong)


def test_resume_refuses_another_config_or_other_data_naming_them(tmp_path, xor_bits):
    data = xor_bits(200, 7)
    path = tmp_path / "run.pt"
    cfg = TrainConfig(epochs=2, batch_size=100)
    train(data, data, cfg, checkpoint=path)
    with pytest.raises(ValueError, match=r"cannot resume .* another config \(lr: 0.1 -> 0.2\)"):
        train(data, data, TrainConfig(epochs=2, batch_size=100, lr=0.2), resume=path)
    train(data, data, TrainConfig(epochs=2, batch_size=100, progress=False, num_threads=None), resume=path)
    with pytest.raises(ValueError, match="was trained on other data"):
        train(xor_bits(300, 7), data, cfg, resume=path)


def test_a_file_that_is_not_a_checkpoint_is_named(tmp_path):
    path = tmp_path / "x.pt"
    torch.save({"weights": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="is not a symile_min checkpoint"):
        load_payload(path)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_payload(tmp_path / "missing.pt")
