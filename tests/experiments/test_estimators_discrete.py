"""``symile-lab estimators-discrete``: exact truths, seeds, checks a wrong estimator fails, tiny runs."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

import infotheory as it
from experiments import estimators_discrete
from experiments._cells import cell_seed
from generators import BinaryXOR, Parity


def _args(tmp_path, *extra):
    parser = argparse.ArgumentParser()
    estimators_discrete.add_arguments(parser)
    return parser.parse_args(["--out", str(tmp_path), "--no-progress", "--jobs", "1", *extra])


def test_discrete_truths_are_the_measures_of_the_generators_joint_pmfs():
    assert estimators_discrete._truth("xor3") == (
        "total_correlation",
        pytest.approx(BinaryXOR(d=3, p=0.5).total_correlation()),
    )
    measure, truth = estimators_discrete._truth("parity4")
    assert measure == "o_information" and truth == pytest.approx(Parity(m=4).o_information())
    assert truth == pytest.approx(it.o_information(Parity(m=4).joint_pmf()))


def test_cell_seeds_keep_the_identity_they_had_before_the_split():
    # regression: issue 9 (``estimators`` was split in two; each sample must be the one drawn before)
    cells = estimators_discrete._cells(estimators_discrete.default_config(), 0)
    assert len(cells) == 2 * 5 * 40 and len({c["seed"] for c in cells}) == len(cells)
    for cell in cells:
        assert cell["seed"] == cell_seed(0, "estimators", cell["case"], cell["n"], cell["rep"])
    # the seed of the last cell as the unsplit script cached it (figures/.cache/estimators, seed 0)
    last = cells[-1]
    assert (last["case"], last["n"], last["rep"]) == ("parity4", 10000, 39)
    assert last["seed"] == 5830889559702892606


def _frame(jackknife_bias=-0.01, coverage=0.95):
    """A results table as ``_tables`` builds it, for the quick case, with chosen biases and coverages."""
    rows = []
    for n in (200, 1000):
        for estimator, bias in (("plugin", 0.4 / n * 200), ("jackknife", jackknife_bias)):
            row = {"kind": "discrete", "case": "xor3", "n": n, "truth": 2.125, "reps": 20}
            row.update(estimator=estimator, mean=2.125 + bias, bias=bias, sd=0.01)
            row.update(coverage_basic=coverage, coverage_percentile=0.0)
            rows.append(row)
    return {"estimators_discrete": pd.DataFrame(rows)}


CFG = {"discrete_cases": ["xor3"], "level": 0.95, "reps": 20}


def test_the_checks_pass_on_a_table_that_meets_the_claims():
    checks = estimators_discrete._checks(CFG, _frame())
    assert len(checks) == 2 and all(passed for _, passed, _ in checks)


@pytest.mark.parametrize(
    ("tables", "failing"),
    [
        (_frame(jackknife_bias=0.1), "jackknife has a smaller |bias|"),  # worse than plug-in at n = 1000
        (_frame(jackknife_bias=-0.5), "jackknife has a smaller |bias|"),  # overshoots at every n
        (_frame(coverage=0.6), "basic interval of the plug-in estimate covers"),
    ],
)
def test_a_wrong_estimator_fails_its_check(tables, failing):
    failed = [name for name, passed, _ in estimators_discrete._checks(CFG, tables) if not passed]
    assert any(name.startswith(failing) for name in failed), failed


TINY = {"discrete_ns": [150], "reps": 2}


def test_cells_of_a_tiny_config_give_a_table_with_the_exact_truths_and_a_markdown_summary():
    cfg = dict(estimators_discrete.default_config(quick=True), **TINY)
    cells = estimators_discrete._cells(cfg, 0)
    assert len(cells) == 2  # xor3 x 1 size x 2 repetitions
    tables = estimators_discrete._tables(cfg, cells, [estimators_discrete._cell(c) for c in cells])
    frame = tables["estimators_discrete"]
    assert set(frame["estimator"]) == set(estimators_discrete.CORRECTIONS)
    assert frame["truth"].unique() == pytest.approx([estimators_discrete._truth("xor3")[1]])
    assert np.allclose(frame["bias"], frame["mean"] - frame["truth"])
    nsb = frame[frame["estimator"] == "nsb"]
    assert nsb["coverage_basic"].isna().all()  # NSB gets no interval
    plugin = frame[frame["estimator"] == "plugin"]
    assert plugin["coverage_percentile"].notna().all()
    markdown = estimators_discrete._markdown(frame, ["xor3"])
    assert "**xor3: BinaryXOR(d=3, p=0.5), total_correlation**" in markdown


@pytest.mark.slow  # about 5 s in a fresh process (matplotlib)
def test_a_tiny_run_writes_every_output_with_the_exact_truths(tmp_path, monkeypatch):
    tiny = dict(estimators_discrete.default_config(quick=True), **TINY)
    monkeypatch.setattr(estimators_discrete, "default_config", lambda quick=False: dict(tiny))
    result = estimators_discrete.run(_args(tmp_path, "--quick"))
    stem = "estimators_discrete"
    for suffix in (".png", ".pdf", ".csv", "_checks.csv", "_config.json", "_bias.md"):
        assert (tmp_path / f"{stem}{suffix}").is_file(), suffix
    frame = pd.read_csv(tmp_path / f"{stem}.csv")
    assert set(frame["case"]) == {"xor3"} and (frame["reps"] == 2).all()
    config = json.loads((tmp_path / f"{stem}_config.json").read_text())
    assert config["experiment"] == stem and config["reps"] == 2 and "gaussian_cases" not in config
    assert "**xor3:" in (tmp_path / f"{stem}_bias.md").read_text()
    assert len(result["checks"]) == len(pd.read_csv(tmp_path / f"{stem}_checks.csv")) == 2


def test_bad_reps_exit_with_status_2(capsys):
    parser = argparse.ArgumentParser()
    estimators_discrete.add_arguments(parser)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--reps", "-1"])
    assert exc.value.code == 2
    assert "-1" in capsys.readouterr().err
