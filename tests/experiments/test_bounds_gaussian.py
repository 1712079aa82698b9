"""``symile-lab bounds-gaussian``: cells and batching, the checks, and the command in quick form."""

from __future__ import annotations

import argparse
import math

import pandas as pd
import pytest

from experiments import _bounds, bounds_gaussian


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    bounds_gaussian.add_arguments(parser)
    return parser


# --------------------------------------------------------------------------------------------------
# config and cells


def test_n_squared_cells_get_their_own_batch_size_epochs_and_one_batched_call():
    cfg = bounds_gaussian._config(_parser().parse_args(["--tcs", "0.5", "2", "--epochs", "7"]))
    cells = bounds_gaussian._cells(cfg, 0)
    assert [(c["tc_bits"], c["method"], c["negatives"]) for c in cells][:3] == [
        (0.5, "symile", "n"),
        (0.5, "symile", "n_squared"),
        (0.5, "clip", "n"),
    ]
    squared = [c for c in cells if c["negatives"] == "n_squared"]
    assert len(cells) == 6 and all(c["batch_size"] == 64 and c["epochs"] == 20 for c in squared)
    assert all(c["batch_size"] == 1000 and c["epochs"] == 7 for c in cells if c["negatives"] == "n")
    assert {bounds_gaussian._batch_key(c) for c in squared} == {"n_squared"}
    assert {bounds_gaussian._batch_key(c) for c in cells if c["negatives"] == "n"} == {None}
    assert len({c["seed"] for c in cells}) == 6


def test_generator_of_a_cell_has_the_configured_total_correlation():
    cell = {"dims": [2, 2, 2], "tc_bits": 2.0}
    gen = bounds_gaussian._generator(cell)
    assert gen.names == ("x0", "x1", "x2") and gen.total_correlation() == pytest.approx(2.0, abs=1e-12)


# --------------------------------------------------------------------------------------------------
# the command in quick form


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bounds_gaussian")
    args = _parser().parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"])
    result = bounds_gaussian.run(args)
    return out, result["tables"]["bounds_gaussian"], result["checks"]


def test_quick_run_writes_figure_csv_checks_and_config(quick_run):
    out, _, _ = quick_run
    stem = "bounds_gaussian"
    for suffix in [".png", ".pdf", ".csv", "_config.json", "_checks.csv"]:
        assert (out / f"{stem}{suffix}").stat().st_size > 0, suffix
    written = pd.read_csv(out / f"{stem}.csv")
    assert {"tc_bits", "target", "bound", "se", "cap", "truth", "tightness"} <= set(written.columns)
    assert len(written) == 3 and not (out / "bounds.csv").exists()


def test_quick_run_bounds_stay_below_truth_and_cap(quick_run):
    _, frame, _ = quick_run
    assert frame["within_tolerance"].all(), frame.to_string()
    assert (frame["bound"] <= frame["cap"] + 1e-9).all()


def test_quick_run_targets_and_caps(quick_run):
    # Symile bounds TC (= the configured 1 bit), CLIP the pairwise sum (> TC for equicorrelated blocks)
    _, frame, _ = quick_run
    by = frame.set_index("method")
    assert by.loc["symile-n", "truth"] == pytest.approx(1.0, abs=1e-12)
    assert by.loc["clip", "target"] == "pairwise_sum" and by.loc["clip", "truth"] > 1.0
    assert by.loc["symile-n", "cap"] == pytest.approx(math.log2(250))
    assert by.loc["symile-n_squared", "cap"] == pytest.approx(2 * math.log2(32))  # its own batch of 32
    assert by.loc["clip", "cap"] == pytest.approx(3 * math.log2(250))


def test_quick_run_every_check_passes_and_an_untrained_model_fails(quick_run):
    _, frame, checks = quick_run
    assert len(checks) == 2 and all(c.passed for c in checks), checks
    cfg = {"se_tolerance": _bounds.SE_TOLERANCE, "min_tightness": 0.5}
    untrained = _bounds.bound_checks(frame.assign(bound=0.0))
    failed = [c.name for c in bounds_gaussian._checks(cfg, {"bounds_gaussian": untrained}) if not c.passed]
    assert failed == ["learned Symile bound >= 0.5 x TC at every TC"]
    over = _bounds.bound_checks(frame.assign(bound=frame["truth"] + 1.0))
    failed = [c.name for c in bounds_gaussian._checks(cfg, {"bounds_gaussian": over}) if not c.passed]
    assert failed == ["no bound exceeds its truth by more than 3 se"]


@pytest.mark.parametrize("bad", [["--tcs", "0"], ["--tcs", "-1"], ["--epochs", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["--quick", *bad])
    assert exc.value.code == 2
    assert f"argument {bad[0]}:" in capsys.readouterr().err
