"""experiments/missing.py: Symile vs CLIP trained with missing modalities (quick form by default)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from experiments import missing

COLUMNS = [
    "completeness", "method", "acc_mean", "acc_se", "acc_se_test", "acc_se_seed", "n_seeds",
    "n_test_sets", "bayes", "chance", "complete_train_fraction", "best_epoch_mean",
]  # fmt: skip


def _run(*argv):
    parser = argparse.ArgumentParser()
    missing.add_arguments(parser)
    return missing.run(parser.parse_args(["--jobs", "1", "--no-progress", *argv]))


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("missing")
    return out, _run("--quick", "--out", str(out))


def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in ["missing.png", "missing.pdf", "missing.csv", "missing_config.json"]:
        assert (out / name).stat().st_size > 0, name
    assert list(pd.read_csv(out / "missing.csv").columns) == COLUMNS
    config = json.loads((out / "missing_config.json").read_text())
    assert (config["d"], config["p"], config["quick"]) == (5, 1.0, True)


def test_quick_run_symile_beats_clip_at_every_completeness(quick):
    out, result = quick
    table = pd.read_csv(out / "missing.csv").set_index(["method", "completeness"])
    for comp in (1.0, 0.5):
        assert table.loc[("symile", comp), "acc_mean"] > table.loc[("clip", comp), "acc_mean"] + 0.3
        assert table.loc[("clip", comp), "acc_mean"] == pytest.approx(2**-5, abs=0.05)
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]


def test_missingness_rate_matches_the_completeness(quick):
    # rows with all three modalities observed: completeness^3 of the training set (binomial noise)
    out, _ = quick
    table = pd.read_csv(out / "missing.csv")
    np.testing.assert_allclose(table["complete_train_fraction"], table["completeness"] ** 3, atol=0.05)


@pytest.mark.slow
def test_full_missing_run_symile_above_clip(tmp_path):
    result = _run("--out", str(tmp_path), "--jobs", "2")
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]
