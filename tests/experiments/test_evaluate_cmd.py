"""``symile-lab evaluate``: retrieval metrics of a trained checkpoint, printed and written; clean errors."""

import argparse
import json

import numpy as np
import pytest

from experiments import cli, evaluate_cmd


def _xor(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 1))
    return {"a": a, "b": b, "c": a ^ b}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    np.savez(root / "train.npz", **_xor(1000, 0))
    np.savez(root / "val.npz", **_xor(300, 1))
    np.savez(root / "test.npz", **_xor(400, 2))
    argv = ["train", "--data", str(root / "train.npz"), "--val", str(root / "val.npz"),
            "--out", str(root / "run"), "--epochs", "20", "--batch-size", "200", "--device", "cpu",
            "--no-progress"]
    assert cli.main(argv) == 0
    return root


def test_evaluate_prints_and_writes_the_retrieval_metrics_of_the_checkpoint(run_dir, capsys):
    capsys.readouterr()
    argv = ["evaluate", "--checkpoint", str(run_dir / "run"), "--data", str(run_dir / "test.npz"),
            "--target", "2", "--candidates", "distinct", "--ks", "1,2"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    written = json.loads((run_dir / "run" / "evaluate_test_c.json").read_text())
    # a Symile model of 3-bit XOR predicts c from (a, b) exactly; 2 candidates, chance 1/2
    assert written["accuracy@1"] == 1.0 and written["recall@2"] == 1.0 and written["chance@1"] == 0.5
    assert written["method"] == "symile" and written["n_queries"] == 400 and written["target"] == "c"
    assert 0.8 < written["bound_bits"] <= 1.0 + 1e-9  # TC = 1 bit
    assert "accuracy@1   1.0000" in out and "evaluate_test_c.json" in out


def test_default_candidates_are_the_test_rows_and_the_target_can_be_a_name(run_dir, tmp_path):
    argv = ["--checkpoint", str(run_dir / "run" / "checkpoint.pt"), "--data", str(run_dir / "test.npz"),
            "--target", "c", "--out", str(tmp_path)]
    assert evaluate_cmd.main(argv) == 0
    written = json.loads((tmp_path / "evaluate_test_c.json").read_text())
    assert written["n_candidates"] == 400 and written["chance@1"] == 1 / 400
    # the candidates are the 400 test rows of c, a bit: a model that knows c scores every row with the right
    # bit equally and above the others, and ties go to the earlier row, so row i ranks 1 + (number of earlier
    # rows with its bit) -- exactly, for a model that learned XOR; a wrong bit would rank below ~200 rows
    c = _xor(400, 2)["c"][:, 0]
    ranks = np.array([1 + np.sum(c[:i] == c[i]) for i in range(400)])
    assert written["mrr"] == pytest.approx(np.mean(1 / ranks))
    assert written["recall@10"] == pytest.approx(np.mean(ranks <= 10)) == pytest.approx(20 / 400)


def _error(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(["evaluate", *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    return err


def test_bad_evaluation_input_is_a_one_line_error(run_dir, tmp_path, capsys):
    ck, test = str(run_dir / "run"), str(run_dir / "test.npz")
    err = _error(capsys, ["--checkpoint", str(tmp_path), "--data", test, "--target", "1"])
    assert "no checkpoint at" in err
    assert "is not a modality" in _error(capsys, ["--checkpoint", ck, "--data", test, "--target", "z"])
    err = _error(capsys, ["--checkpoint", ck, "--data", test, "--target", "3"])
    assert "not a modality index in [0, 3)" in err
    np.savez(tmp_path / "other.npz", a=np.zeros((4, 1)), b=np.zeros((4, 1)), x=np.zeros((4, 1)))
    assert "the model was trained on ['a', 'b', 'c']" in _error(
        capsys, ["--checkpoint", ck, "--data", str(tmp_path / "other.npz"), "--target", "0"]
    )
    np.savez(tmp_path / "wide.npz", a=np.zeros((4, 2)), b=np.zeros((4, 1)), c=np.zeros((4, 1)))
    assert "modality 0 expects 1 input columns, got 2" in _error(
        capsys, ["--checkpoint", ck, "--data", str(tmp_path / "wide.npz"), "--target", "0"]
    )


@pytest.mark.parametrize("text", ["0", "1,x", ""])
def test_parse_ks_rejects_bad_lists(text):
    with pytest.raises(argparse.ArgumentTypeError, match="comma-separated integers >= 1"):
        evaluate_cmd.parse_ks(text)
