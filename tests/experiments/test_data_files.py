"""``experiments._data_files``: the one reader of ``--data``, ``--val`` and ``--model`` (train, evaluate)."""

import numpy as np
import pytest
from torch import nn

from experiments import evaluate_cmd, train_cmd
from experiments._data_files import as_vectors, build_model, load_arrays, load_model_factory
from experiments._options import UsageError


def test_train_and_evaluate_share_the_reader():
    # one copy serves both commands (evaluate used to import it from the train script; issue 9)
    for name in ("load_arrays", "as_vectors", "build_model"):
        assert getattr(train_cmd, name) is getattr(evaluate_cmd, name)


def test_npz_keeps_the_file_order_and_a_folder_the_name_order(tmp_path):
    np.savez(tmp_path / "d.npz", zeta=np.arange(3.0), alpha=np.ones((3, 2), dtype=np.int64))
    arrays = load_arrays(tmp_path / "d.npz")
    assert list(arrays) == ["zeta", "alpha"]
    np.testing.assert_array_equal(arrays["zeta"], np.arange(3.0))
    assert arrays["alpha"].dtype == np.int64  # integers stay integers (an embedding takes them)
    folder = tmp_path / "f"
    folder.mkdir()
    for name in ("b", "a", "c"):
        np.save(folder / f"{name}.npy", np.zeros((4, 1)))
    assert list(load_arrays(folder)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: d / "missing.npz", "no such file or folder"),
        (lambda d: (d / "x.txt").write_text("1") and d / "x.txt", r"expected an \.npz file or a folder"),
        (lambda d: np.savez(d / "one.npz", a=np.zeros(3)) or d / "one.npz", r"holds 1 array\(s\)"),
        (lambda d: np.savez(d / "s.npz", a=np.zeros(3), b=np.array(["x"] * 3)) or d / "s.npz", "non-numeric"),
        (lambda d: np.savez(d / "z.npz", a=np.zeros(3), b=np.float64(1)) or d / "z.npz", "is a scalar"),
        (lambda d: (d / "bad.npz").write_bytes(b"not a zip") and d / "bad.npz", "cannot read it"),
    ],
)
def test_bad_files_are_usage_errors_naming_the_option_and_path(tmp_path, make, match):
    path = make(tmp_path)
    with pytest.raises(UsageError, match=match) as info:
        load_arrays(path, option="--val")
    assert str(info.value).startswith(f"--val {str(path)!r}")


def test_pickled_objects_are_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros(3))
    np.save(tmp_path / "b.npy", np.array([{"x": 1}] * 3, dtype=object), allow_pickle=True)
    with pytest.raises(UsageError, match="cannot read it"):
        load_arrays(tmp_path)


def test_as_vectors_makes_every_array_a_matrix(capsys):
    arrays = {"y": np.arange(5.0), "x": np.zeros((5, 3)), "img": np.arange(5 * 2 * 2.0).reshape(5, 1, 2, 2)}
    out = as_vectors(arrays)
    assert {k: v.shape for k, v in out.items()} == {"y": (5, 1), "x": (5, 3), "img": (5, 4)}
    np.testing.assert_array_equal(out["img"][1], [4.0, 5.0, 6.0, 7.0])  # row-major flattening, per row
    assert "modality 'img' of shape (5, 1, 2, 2) flattened to (5, 4)" in capsys.readouterr().out
    as_vectors(arrays, quiet=True)
    assert capsys.readouterr().out == ""


ENCODERS_PY = """
from torch import nn


def make():
    return [nn.Linear(2, 4), nn.Linear(3, 4)]


def one():
    return nn.Linear(2, 4)


VALUE = 3
"""


def test_model_specs_from_a_file_or_a_module(tmp_path):
    (tmp_path / "enc.py").write_text(ENCODERS_PY)
    built = build_model(f"{tmp_path / 'enc.py'}:make")
    assert [type(m) for m in built] == [nn.Linear, nn.Linear]
    assert load_model_factory("os.path:join") is __import__("os").path.join


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("no_colon", "expected FILE.py:FUNCTION or MODULE:FUNCTION"),
        ("nope.py:make", "no such file 'nope.py'"),
        ("no_such_module_xyz:make", "cannot import 'no_such_module_xyz'"),
        ("{dir}/enc.py:VALUE", "has no callable 'VALUE'"),
        ("{dir}/enc.py:one", "returned Linear: expected a list of nn.Module"),
    ],
)
def test_bad_model_specs_are_usage_errors(tmp_path, spec, match):
    (tmp_path / "enc.py").write_text(ENCODERS_PY)
    with pytest.raises(UsageError, match=match):
        build_model(spec.format(dir=tmp_path))
