"""``symile-lab estimators``: exact truths, checks that a wrong estimator fails, the command on tiny data."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

import infotheory as it
from experiments import estimators
from generators import BinaryXOR, GaussianTC, Parity


def _args(tmp_path, *extra):
    parser = argparse.ArgumentParser()
    estimators.add_arguments(parser)
    return parser.parse_args(["--out", str(tmp_path), "--no-progress", "--jobs", "1", *extra])


@pytest.mark.parametrize("case", list(estimators.GAUSSIAN_CASES))
def test_gaussian_truth_is_the_generator_closed_form(case):
    dims, tc, transforms = estimators.GAUSSIAN_CASES[case]
    measure, truth = estimators._truth(case)
    assert measure == "total_correlation"
    assert truth == pytest.approx(
        GaussianTC.from_total_correlation(dims, tc, transforms=transforms).total_correlation()
    )
    assert truth == pytest.approx(tc, abs=1e-9)


def test_discrete_truths_are_the_measures_of_the_generators_joint_pmfs():
    assert estimators._truth("xor3") == (
        "total_correlation",
        pytest.approx(BinaryXOR(d=3, p=0.5).total_correlation()),
    )
    assert estimators._truth("parity4") == ("o_information", pytest.approx(Parity(m=4).o_information()))
    assert estimators._truth("parity4")[1] == pytest.approx(it.o_information(Parity(m=4).joint_pmf()))


def _frame(gaussian_bias=0.0, copula_bias=0.0, coverage=0.95):
    """A results table as ``_tables`` builds it, for the quick cases, with chosen biases and coverages."""
    rows = []
    for case in ("g2", "g2t"):
        for n in (250, 1000):
            for estimator, bias in (
                ("gaussian", gaussian_bias if case == "g2" else -0.5),
                ("copula", copula_bias),
                ("ksg", -0.1),
                ("ksg_ranks", -0.05),
            ):
                row = {
                    "kind": "gaussian",
                    "case": case,
                    "n": n,
                    "truth": 1.0,
                    "reps": 20,
                    "estimator": estimator,
                }
                row.update(mean=1.0 + bias, bias=bias, sd=0.05)
                if estimator in ("gaussian", "copula"):
                    row["coverage_basic"] = coverage
                rows.append(row)
    for n in (200, 1000):
        for estimator, bias in (("plugin", 0.4 / n * 200), ("jackknife", -0.01)):
            row = {
                "kind": "discrete",
                "case": "xor3",
                "n": n,
                "truth": 2.125,
                "reps": 20,
                "estimator": estimator,
            }
            row.update(mean=2.125 + bias, bias=bias, sd=0.01, coverage_basic=0.95, coverage_percentile=0.0)
            rows.append(row)
    return {"estimators": pd.DataFrame(rows)}


CFG = {"gaussian_cases": ["g2", "g2t"], "discrete_cases": ["xor3"], "level": 0.95, "reps": 20}


def test_the_checks_pass_on_a_table_that_meets_the_claims():
    assert all(passed for _, passed, _ in estimators._checks(CFG, _frame()))


@pytest.mark.parametrize(
    ("frame", "failing"),
    [
        (_frame(gaussian_bias=0.2), "gaussian estimate of g2 unbiased"),
        (_frame(copula_bias=-0.3), "copula estimate of g2t unbiased"),
        (_frame(coverage=0.6), "copula basic intervals cover"),
    ],
)
def test_a_wrong_estimator_fails_its_check(frame, failing):
    failed = [name for name, passed, _ in estimators._checks(CFG, frame) if not passed]
    assert any(name.startswith(failing) for name in failed), failed


TINY = {"gaussian_ns": [200], "discrete_ns": [150], "reps": 2, "symile": None}


def test_cells_of_a_tiny_config_give_a_table_with_the_exact_truths_and_a_markdown_summary():
    cfg = dict(estimators.default_config(quick=True), **TINY)
    cells = estimators._cells(cfg, 0)
    assert len(cells) == (2 + 1) * 2  # (g2, g2t, xor3) x 1 size x 2 repetitions, no Symile cells
    assert len({c["seed"] for c in cells}) == len(cells)  # every sample has its own seed
    frame = estimators._tables(cfg, cells, [estimators._cell(c) for c in cells])["estimators"]
    assert set(frame.loc[frame["kind"] == "gaussian", "estimator"]) == {
        "gaussian",
        "copula",
        "ksg",
        "ksg_ranks",
    }
    assert set(frame.loc[frame["kind"] == "discrete", "estimator"]) == set(estimators.CORRECTIONS)
    for case, truth in frame.groupby("case")["truth"].first().items():
        assert truth == pytest.approx(estimators._truth(case)[1])
    assert np.allclose(frame["bias"], frame["mean"] - frame["truth"])
    markdown = estimators._markdown(frame, ["g2", "g2t", "xor3"])
    for case in ("g2", "g2t", "xor3"):
        assert f"**{case}:" in markdown


@pytest.mark.slow
def test_a_tiny_run_writes_every_output_with_the_exact_truths(tmp_path, monkeypatch):
    tiny = dict(estimators.default_config(quick=True), **TINY)
    monkeypatch.setattr(estimators, "default_config", lambda quick=False: dict(tiny))
    result = estimators.run(_args(tmp_path, "--quick"))
    for name in ("estimators.png", "estimators.pdf", "estimators.csv", "estimators_checks.csv"):
        assert (tmp_path / name).is_file(), name
    frame = pd.read_csv(tmp_path / "estimators.csv")
    assert set(frame["case"]) == {"g2", "g2t", "xor3"}
    for case, truth in frame.groupby("case")["truth"].first().items():
        assert truth == pytest.approx(estimators._truth(case)[1])
    assert (frame["reps"] == 2).all()
    covered = frame["coverage_basic"].dropna()
    assert not covered.empty and covered.between(0, 1).all()
    config = json.loads((tmp_path / "estimators_config.json").read_text())
    assert config["reps"] == 2 and config["symile"] is None
    markdown = (tmp_path / "estimators_bias.md").read_text()
    for case in ("g2", "g2t", "xor3"):
        assert f"**{case}:" in markdown
    assert len(result["checks"]) == len(pd.read_csv(tmp_path / "estimators_checks.csv"))


@pytest.mark.slow
def test_quick_run_with_the_symile_bound_passes_every_check(tmp_path):
    result = estimators.run(_args(tmp_path, "--quick"))
    frame = result["tables"]["estimators"]
    bound = frame[frame["estimator"] == "symile_bound"]
    assert not bound.empty and (bound["mean"] < bound["truth"]).all()
    assert all(passed for _, passed, _ in result["checks"]), result["checks"]


def test_bad_reps_exit_with_status_2(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    estimators.add_arguments(parser)
    with pytest.raises(SystemExit) as exc:
        parser.parse_args(["--reps", "0"])
    assert exc.value.code == 2
    assert "0" in capsys.readouterr().err


@pytest.mark.slow  # imports torch and trains
def test_symile_cell_trains_and_returns_a_bound_below_its_cap():
    cell = {
        "job": "symile",
        "case": "g1",
        "n": 400,
        "seed": 3,
        "symile": dict(estimators.default_config()["symile"]),
    }
    cell["symile"]["epochs"] = 2
    out = estimators._symile_cell(cell)
    assert np.isfinite(out["se"]) and out["bound"] <= out["cap"]
    assert out["batch"] == 20  # 20 % of 400 held out, in 4 batches
