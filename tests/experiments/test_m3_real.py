"""experiments/m3_real.py: Symile vs CLIP on Symile-M3 with real modalities (quick form by default)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from experiments import m3_real
from generators import SyntheticM3
from generators.m3_media import MediaM3

COLUMNS = [
    "w", "method", "acc_mean", "acc_se", "acc_se_test", "acc_se_seed", "n_seeds", "n_test_sets",
    "bayes", "clip_ceiling", "chance_term", "chance", "clip_ceiling_drawn", "audio_probe_acc",
    "learned_lid_acc", "complete_train_fraction", "train_seconds_mean", "best_epoch_mean",
]  # fmt: skip
MISSING_COLUMNS = [
    "completeness", "method", "acc_mean", "acc_se", "acc_se_test", "acc_se_seed", "n_seeds", "n_test_sets",
    "w", "bayes", "clip_ceiling", "chance_term", "chance", "clip_ceiling_drawn", "learned_lid_acc",
    "complete_train_fraction", "train_seconds_mean", "best_epoch_mean",
]  # fmt: skip


def _run(*argv):
    parser = argparse.ArgumentParser()
    m3_real.add_arguments(parser)
    return m3_real.run(parser.parse_args(["--jobs", "1", "--no-progress", *argv]))


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("m3_real")
    return out, _run("--quick", "--out", str(out))


def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in ["m3_real.png", "m3_real.pdf", "m3_real.csv", "m3_real_missing.csv", "m3_real_config.json"]:
        assert (out / name).stat().st_size > 0, name
    assert list(pd.read_csv(out / "m3_real.csv").columns) == COLUMNS
    assert list(pd.read_csv(out / "m3_real_missing.csv").columns) == MISSING_COLUMNS
    config = json.loads((out / "m3_real_config.json").read_text())
    assert config["quick"] is True and config["w_values"] == [2] and config["completeness"] == [1.0, 0.5]
    assert len(pd.read_csv(out / "m3_real_checks.csv")) == 4


def test_quick_run_reference_columns_are_the_generators_exact_values(quick):
    out, _ = quick
    table = pd.read_csv(out / "m3_real.csv").set_index(["method", "w"])
    row = table.loc[("symile", 2)]
    assert row["bayes"] == 1.0 and row["chance"] == pytest.approx(0.1)
    assert row["clip_ceiling"] == pytest.approx(SyntheticM3(w=2, n_classes=10).pairwise_accuracy())
    assert row["clip_ceiling"] == pytest.approx(1 / 2 + (1 / 2) * row["chance_term"])
    assert 0.5 < row["audio_probe_acc"] <= 1.0  # the feature probe on held-out clips (0.95)
    # the ceiling on the test sets drawn: the exact M_i / w average over the cells' own test sets
    config = json.loads((out / "m3_real_config.json").read_text())
    cells = m3_real._cells(config, 0)
    gen = MediaM3(w=2, split="test")
    drawn = [
        gen.drawn_pairwise_accuracy(gen.sample(config["n_test"], np.random.default_rng(s), exemplars=True))
        for s in cells[0]["test_seeds"]
    ]
    assert row["clip_ceiling_drawn"] == pytest.approx(np.mean(drawn))
    assert row["clip_ceiling_drawn"] != row["clip_ceiling"]  # a finite test set's own value
    missing = pd.read_csv(out / "m3_real_missing.csv").set_index(["method", "completeness"])
    # a completeness-1 cell is a w = 2 cell of panel (a): the same numbers
    assert missing.loc[("symile", 1.0), "acc_mean"] == table.loc[("symile", 2), "acc_mean"]
    # each modality observed with probability 1/2: an eighth of the rows are complete
    assert missing.loc[("clip", 0.5), "complete_train_fraction"] == pytest.approx(1 / 8, abs=0.04)
    assert missing.loc[("clip", 1.0), "complete_train_fraction"] == 1.0


def test_quick_run_accuracies_are_fractions_on_two_test_sets(quick):
    _, result = quick
    table = result["tables"]["m3_real"]
    assert ((table["acc_mean"] >= 0) & (table["acc_mean"] <= 1)).all()
    assert (table["n_test_sets"] == 2).all() and (table["n_seeds"] == 1).all()


def test_the_test_rows_show_their_classs_exemplar_so_the_task_is_the_images_class():
    # what the cells score: the target modality's rows are exactly the candidates of their class
    s = MediaM3(w=5, split="test").sample(100, np.random.default_rng(0), exemplars=True)
    inputs = m3_real._inputs(s)
    assert [x.shape[1] for x in inputs] == [s["text"].shape[1] + 1, 2049, 65]
    np.testing.assert_array_equal(inputs[2][:, :64], s["candidates"][s["label"]])
    assert (inputs[2][:, 64] == 1).all()


@pytest.mark.slow
def test_full_m3_real_run_passes_its_checks(tmp_path):
    result = _run("--out", str(tmp_path), "--jobs", "2")
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]
