"""``symile-lab estimators``: exact truths, seeds, checks a wrong estimator fails, tiny runs."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from experiments import _estimators, estimators
from experiments._cells import cell_seed
from generators import GaussianTC


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


def test_cell_seeds_keep_the_identity_they_had_before_the_split():
    # regression: issue 9 (one script became two; each sample must be the one drawn before the split)
    cfg = estimators.default_config()
    cells = estimators._cells(cfg, 7)
    for cell in cells:
        if cell["job"] == "estimate":
            assert cell["seed"] == cell_seed(7, "estimators", cell["case"], cell["n"], cell["rep"])
        else:
            assert cell["seed"] == cell_seed(7, "estimators", "symile", cell["case"], cell["n"])
    assert len({c["seed"] for c in cells}) == len(cells) == 4 * 4 * 40 + 4 * 3


def test_error_rows_give_bias_sd_and_coverage_of_hand_made_results():
    cells = [{"job": "estimate", "kind": "gaussian", "case": "g1", "n": 10, "rep": r} for r in range(2)]
    results = [
        {"estimates": {"copula": 0.4}, "intervals": {"copula/basic": [0.3, 0.6]}},  # covers 0.5
        {"estimates": {"copula": 0.8}, "intervals": {"copula/basic": [0.7, 0.9]}},  # misses 0.5
    ]
    (row,) = _estimators.error_rows(cells, results, lambda case: ("total_correlation", 0.5))
    assert row["mean"] == pytest.approx(0.6) and row["bias"] == pytest.approx(0.1)
    assert row["sd"] == pytest.approx(np.std([0.4, 0.8], ddof=1))
    assert row["coverage_basic"] == 0.5 and row["width_basic"] == pytest.approx(0.25)


def _frame(gaussian_bias=0.0, copula_bias=0.0, coverage=0.95, ranks_bias=-0.05, logdet_t_bias=-0.5):
    """A results table as ``_tables`` builds it, for the quick cases, with chosen biases and coverages."""
    rows = []
    for case in ("g2", "g2t"):
        for n in (250, 1000):
            for estimator, bias in (
                ("gaussian", gaussian_bias if case == "g2" else logdet_t_bias),
                ("copula", copula_bias),
                ("ksg", -0.1),
                ("ksg_ranks", ranks_bias),
            ):
                row = {"kind": "gaussian", "case": case, "n": n, "truth": 1.0, "reps": 20}
                row.update(estimator=estimator, mean=1.0 + bias, bias=bias, sd=0.05)
                if estimator in ("gaussian", "copula"):
                    row["coverage_basic"] = coverage
                rows.append(row)
    return {"estimators": pd.DataFrame(rows)}


def _with_symile(tables, bound, se=0.02):
    row = {"kind": "gaussian", "case": "g2", "n": 1000, "truth": 1.0, "reps": 1, "estimator": "symile_bound"}
    row.update(mean=bound, bias=bound - 1.0, sd=se)
    return {"estimators": pd.concat([tables["estimators"], pd.DataFrame([row])], ignore_index=True)}


CFG = {"gaussian_cases": ["g2", "g2t"], "level": 0.95, "reps": 20}


def test_the_checks_pass_on_a_table_that_meets_the_claims():
    checks = estimators._checks(CFG, _with_symile(_frame(), bound=0.9))
    assert len(checks) == 8 and all(passed for _, passed, _ in checks)


@pytest.mark.parametrize(
    ("tables", "failing"),
    [
        (_frame(gaussian_bias=0.2), "gaussian estimate of g2 unbiased"),
        (_frame(copula_bias=-0.3), "copula estimate of g2t unbiased"),
        (_frame(ranks_bias=-0.2), "KSG on normal scores within 0.1 bit"),
        (_frame(logdet_t_bias=0.0), "log-det estimate is biased on the transformed case"),
        (_frame(coverage=0.6), "gaussian basic intervals cover"),
        (_frame(coverage=0.6), "copula basic intervals cover"),
        (_with_symile(_frame(), bound=1.1), "Symile bound stays below"),
    ],
)
def test_a_wrong_estimator_fails_its_check(tables, failing):
    failed = [name for name, passed, _ in estimators._checks(CFG, tables) if not passed]
    assert any(name.startswith(failing) for name in failed), failed


TINY = {"gaussian_ns": [200], "reps": 2, "symile": None}


def test_cells_of_a_tiny_config_give_a_table_with_the_exact_truths_and_a_markdown_summary():
    cfg = dict(estimators.default_config(quick=True), **TINY)
    cells = estimators._cells(cfg, 0)
    assert len(cells) == 2 * 2  # (g2, g2t) x 1 size x 2 repetitions, no Symile cells
    assert len({c["seed"] for c in cells}) == len(cells)  # every sample has its own seed
    frame = estimators._tables(cfg, cells, [estimators._cell(c) for c in cells])["estimators"]
    assert set(frame["kind"]) == {"gaussian"}
    assert set(frame["estimator"]) == {"gaussian", "copula", "ksg", "ksg_ranks"}
    for case, truth in frame.groupby("case")["truth"].first().items():
        assert truth == pytest.approx(estimators._truth(case)[1])
    assert np.allclose(frame["bias"], frame["mean"] - frame["truth"])
    markdown = estimators._markdown(frame, ["g2", "g2t"])
    for case in ("g2", "g2t"):
        assert f"**{case}:" in markdown


@pytest.mark.slow
def test_a_tiny_run_writes_every_output_with_the_exact_truths(tmp_path, monkeypatch):
    tiny = dict(estimators.default_config(quick=True), **TINY)
    monkeypatch.setattr(estimators, "default_config", lambda quick=False: dict(tiny))
    result = estimators.run(_args(tmp_path, "--quick"))
    for name in ("estimators.png", "estimators.pdf", "estimators.csv", "estimators_checks.csv"):
        assert (tmp_path / name).is_file(), name
    frame = pd.read_csv(tmp_path / "estimators.csv")
    assert set(frame["case"]) == {"g2", "g2t"}
    for case, truth in frame.groupby("case")["truth"].first().items():
        assert truth == pytest.approx(estimators._truth(case)[1])
    assert (frame["reps"] == 2).all()
    covered = frame["coverage_basic"].dropna()
    assert not covered.empty and covered.between(0, 1).all()
    config = json.loads((tmp_path / "estimators_config.json").read_text())
    assert config["reps"] == 2 and config["symile"] is None and "discrete_cases" not in config
    markdown = (tmp_path / "estimators_bias.md").read_text()
    for case in ("g2", "g2t"):
        assert f"**{case}:" in markdown
    assert len(result["checks"]) == len(pd.read_csv(tmp_path / "estimators_checks.csv"))


@pytest.mark.slow
def test_quick_run_with_the_symile_bound_passes_every_check(tmp_path):
    result = estimators.run(_args(tmp_path, "--quick"))
    frame = result["tables"]["estimators"]
    bound = frame[frame["estimator"] == "symile_bound"]
    assert not bound.empty and (bound["mean"] < bound["truth"]).all()
    assert all(passed for _, passed, _ in result["checks"]), result["checks"]


def test_bad_reps_exit_with_status_2(capsys):
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
