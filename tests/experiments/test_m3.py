"""experiments/m3.py: Symile vs CLIP on symbolic Symile-M3 data (quick form by default)."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from experiments import m3

COLUMNS = [
    "w", "method", "acc_mean", "acc_se", "acc_se_test", "acc_se_seed", "n_seeds", "n_test_sets",
    "bayes", "pairwise_critic_acc", "one_over_w", "chance", "best_epoch_mean",
]  # fmt: skip


def _run(*argv):
    parser = argparse.ArgumentParser()
    m3.add_arguments(parser)
    return m3.run(parser.parse_args(["--jobs", "1", "--no-progress", *argv]))


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("m3")
    return out, _run("--quick", "--out", str(out))


def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in ["m3.png", "m3.pdf", "m3.csv", "m3_config.json"]:
        assert (out / name).stat().st_size > 0, name
    assert list(pd.read_csv(out / "m3.csv").columns) == COLUMNS
    config = json.loads((out / "m3_config.json").read_text())
    assert config["quick"] is True and config["w_values"] == [2]


def test_quick_run_symile_beats_clip_and_clip_respects_the_pairwise_critic_acc(quick):
    out, result = quick
    table = pd.read_csv(out / "m3.csv").set_index(["method", "w"])
    symile, clip = table.loc[("symile", 2)], table.loc[("clip", 2)]
    assert symile["acc_mean"] > clip["acc_mean"] + 0.2
    assert clip["acc_mean"] <= clip["pairwise_critic_acc"] + 0.03
    assert clip["pairwise_critic_acc"] == pytest.approx((1 + 1 / 10) / 2)  # w = 2, 10 classes
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]


@pytest.mark.slow
def test_full_m3_run_symile_well_above_clip(tmp_path):
    result = _run("--out", str(tmp_path), "--jobs", "2")
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]
