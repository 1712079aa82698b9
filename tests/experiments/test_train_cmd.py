"""``symile-lab train`` on the user's own files: what it writes, resume, and one-line errors."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import torch

from experiments import cli, train_cmd
from experiments._data_files import as_vectors, build_model, load_arrays


def _xor(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 2))
    return {"a": a.astype(np.float32), "b": b.astype(np.float32), "c": (a ^ b).astype(np.float32)}


@pytest.fixture
def files(tmp_path):
    train, val = tmp_path / "train.npz", tmp_path / "val"
    np.savez(train, **_xor(400, 0))
    val.mkdir()
    for name, arr in _xor(200, 1).items():  # a folder of .npy, one per modality
        np.save(val / f"{name}.npy", arr)
    return train, val


ARGS = ["--epochs", "3", "--batch-size", "100", "--device", "cpu", "--no-progress"]


def test_train_writes_checkpoint_config_history_and_plot(files, tmp_path, capsys):
    train, val = files
    out = tmp_path / "run"
    assert cli.main(["train", "--data", str(train), "--val", str(val), "--out", str(out), *ARGS]) == 0
    for name in ("checkpoint.pt", "config.json", "history.csv", "loss.png", "loss.pdf"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["train"]["method"] == "symile" and config["train"]["epochs"] == 3
    assert config["data"]["modalities"] == {"a": 2, "b": 2, "c": 2} and config["data"]["n"] == 400
    history = pd.read_csv(out / "history.csv")
    assert list(history.epoch) == [1, 2, 3]
    raw = torch.load(out / "checkpoint.pt", weights_only=True)
    assert raw["model"]["names"] == ["a", "b", "c"] and raw["model"]["input_dims"] == [2, 2, 2]
    text = capsys.readouterr().out
    assert "s per epoch" in text and f"best epoch {int(history.val_loss.idxmin()) + 1}" in text


def test_resume_continues_a_killed_run_to_the_same_result(files, tmp_path):
    train, val = files
    full, part = tmp_path / "full", tmp_path / "part"
    base = ["--data", str(train), "--val", str(val), *ARGS]
    train_cmd.main([*base, "--out", str(full)])
    # the run killed after epoch 2: its checkpoint is what epoch 2 wrote (re-created with --epochs 2 would
    # be another config, so write it through the library with the same config and a stopping callback)
    from symile_min import train as fit

    args = cli.build_parser().parse_args(["train", *base, "--out", str(part)])
    config = train_cmd.config_from_args(args)
    arrays = [as_vectors(load_arrays(p)) for p in (train, val)]
    part.mkdir()

    class Killed(Exception):
        pass

    def kill(info):
        if info.epoch == 2:
            raise Killed

    with pytest.raises(Killed):
        fit(*arrays, config, checkpoint=part / "checkpoint.pt", callbacks=kill)
    train_cmd.main([*base, "--out", str(part), "--resume"])
    a = torch.load(full / "checkpoint.pt", weights_only=True)
    b = torch.load(part / "checkpoint.pt", weights_only=True)
    assert a["history"]["rows"] == b["history"]["rows"]
    for k in a["state_dict"]:
        assert torch.equal(a["state_dict"][k], b["state_dict"][k]), k


def _exit_message(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t, v: (t.parent / "missing.npz", v), "no such file or folder"),
        (lambda t, v: (t.parent / "empty", v), "holds no .npy files"),
        (lambda t, v: (t, t.parent / "bad.npz"), r"--val\['b'\] contains non-finite .*with_missingness"),
        (lambda t, v: (t, t.parent / "narrow.npz"), "--val widths"),
        (lambda t, v: (t, t.parent / "other.npz"), r"expected \['a', 'b', 'c'\]"),
    ],
)
def test_bad_files_are_one_line_errors_naming_the_problem(files, tmp_path, capsys, change, match):
    train, val = files
    (tmp_path / "empty").mkdir()
    np.savez(tmp_path / "bad.npz", a=np.zeros((5, 2)), b=np.full((5, 2), np.nan), c=np.zeros((5, 2)))
    np.savez(tmp_path / "narrow.npz", a=np.zeros((5, 2)), b=np.zeros((5, 1)), c=np.zeros((5, 2)))
    np.savez(tmp_path / "other.npz", a=np.zeros((5, 2)), b=np.zeros((5, 2)), x=np.zeros((5, 2)))
    data, val = change(train, val)
    argv = ["train", "--data", str(data), "--val", str(val), "--out", str(tmp_path / "o"), *ARGS]
    err = _exit_message(capsys, argv)
    assert len(err.strip().splitlines()) == 1
    assert re.search(match, err), err


def test_bad_options_are_one_line_errors(files, tmp_path, capsys):
    train, val = files
    base = ["train", "--data", str(train), "--val", str(val), "--out", str(tmp_path / "o")]
    assert "device must be 'auto'" in _exit_message(capsys, [*base, "--device", "tpu"])
    assert "--resume: no checkpoint.pt" in _exit_message(capsys, [*base, "--resume", "--no-progress"])
    if not torch.cuda.is_available():
        assert "sees no CUDA device" in _exit_message(capsys, [*base, "--device", "cuda"])


def test_images_are_flattened_for_the_built_in_encoders(tmp_path, capsys):
    rng = np.random.default_rng(0)
    data = {"img": rng.normal(size=(60, 1, 2, 2)), "y": rng.normal(size=60)}
    np.savez(tmp_path / "d.npz", **data)
    argv = ["train", "--data", str(tmp_path / "d.npz"), "--val", str(tmp_path / "d.npz"), "--out",
            str(tmp_path / "o"), "--epochs", "1", "--batch-size", "30", "--device", "cpu", "--no-progress"]
    assert cli.main(argv) == 0
    assert "modality 'img' of shape (60, 1, 2, 2) flattened to (60, 4)" in capsys.readouterr().out
    config = json.loads((tmp_path / "o" / "config.json").read_text())
    assert config["data"]["modalities"] == {"img": 4, "y": 1}


ENCODERS_PY = '''
import torch
from torch import nn


def make():
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 2 * 2, 8))
    return [conv, nn.Linear(1, 8), nn.Embedding(2, 8)]


def wrong():
    return [nn.Flatten(), nn.Linear(1, 8), nn.Embedding(2, 8)]
'''


def _images(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n))
    img = (rng.normal(0, 0.2, (n, 1, 4, 4)) + a[:, None, None, None]).astype(np.float32)
    return {"img": img, "b": b[:, None].astype(np.float32), "c": a ^ b}


def test_own_conv_encoders_train_resume_and_evaluate_through_the_cli(tmp_path, capsys):
    (tmp_path / "my_encoders.py").write_text(ENCODERS_PY)
    for name, seed, n in (("train", 0, 400), ("val", 1, 200), ("test", 2, 300)):
        np.savez(tmp_path / f"{name}.npz", **_images(n, seed))
    spec = f"{tmp_path / 'my_encoders.py'}:make"
    base = ["train", "--data", str(tmp_path / "train.npz"), "--val", str(tmp_path / "val.npz"),
            "--model", spec, "--epochs", "8", "--batch-size", "100", "--device", "cpu", "--no-progress"]
    assert cli.main([*base, "--out", str(tmp_path / "full")]) == 0
    # kill a second run after epoch 4 (its checkpoint written), then --resume it to the same weights
    args = cli.build_parser().parse_args([*base, "--out", str(tmp_path / "part")])
    from symile_min import train as fit

    class Killed(Exception):
        pass

    def kill(info):
        if info.epoch == 4:
            raise Killed

    (tmp_path / "part").mkdir()
    arrays = [load_arrays(tmp_path / f"{s}.npz") for s in ("train", "val")]
    with pytest.raises(Killed):
        fit(*arrays, train_cmd.config_from_args(args), model=build_model(spec),
            checkpoint=tmp_path / "part" / "checkpoint.pt", callbacks=kill)
    (tmp_path / "part" / "config.json").write_text(json.dumps({"model": spec}))
    assert cli.main([*base, "--out", str(tmp_path / "part"), "--resume"]) == 0
    a, b = (torch.load(tmp_path / d / "checkpoint.pt", weights_only=True) for d in ("full", "part"))
    assert a["history"]["rows"] == b["history"]["rows"] and a["model"]["kind"] == "encoders"
    for k in a["state_dict"]:
        assert torch.equal(a["state_dict"][k], b["state_dict"][k]), k
    # evaluate finds --model in the run's config.json; the conv model learned XOR of image and bit
    capsys.readouterr()
    assert cli.main(["evaluate", "--checkpoint", str(tmp_path / "part"), "--data", str(tmp_path / "test.npz"),
                     "--target", "c", "--candidates", "distinct"]) == 0
    written = json.loads((tmp_path / "part" / "evaluate_test_c.json").read_text())
    assert written["accuracy@1"] >= 0.95 and written["n_candidates"] == 2


def test_a_model_spec_that_does_not_fit_is_a_one_line_error(files, tmp_path, capsys):
    (tmp_path / "my_encoders.py").write_text(ENCODERS_PY)
    np.savez(tmp_path / "d.npz", **_images(20, 0))
    base = ["train", "--data", str(tmp_path / "d.npz"), "--val", str(tmp_path / "d.npz"), "--out",
            str(tmp_path / "o"), *ARGS]
    for spec, match in [
        ("nope.py:make", "no such file 'nope.py'"),
        (f"{tmp_path / 'my_encoders.py'}:missing", "has no callable 'missing'"),
        ("os:getcwd", "returned str"),
        (f"{tmp_path / 'my_encoders.py'}:wrong", r"same representation width d, got \{'img': 16, 'b': 8"),
    ]:
        err = _exit_message(capsys, [*base, "--model", spec])
        assert re.search(match, err), err
