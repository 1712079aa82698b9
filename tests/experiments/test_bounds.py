"""``symile-lab bounds`` (XOR, exact critic) and the parts it shares with ``bounds-gaussian``
(``experiments._bounds``): the truth columns, the bound checks, and the command in quick form."""

from __future__ import annotations

import argparse
import math

import pandas as pd
import pytest

from experiments import _bounds, bounds
from generators import BinaryXOR, GaussianTC

# --------------------------------------------------------------------------------------------------
# experiments._bounds: truth from the generators, the table's check columns, the checks


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
@pytest.mark.parametrize(
    ("method", "negatives", "target"), [("symile", "n_squared", "TC"), ("clip", "n", "pairwise_sum")]
)
def test_truth_columns_are_the_generators_closed_forms(p, method, negatives, target):
    # regression: issue 9 (a second copy of the generators' truth used to live in the script)
    gen = BinaryXOR(d=5, p=p)
    row = _bounds.truth_columns({"method": method, "negatives": negatives, "encoder": "linear"}, gen)
    assert (
        row["TC"] == gen.total_correlation() and row["pairwise_sum"] == gen.pairwise_mutual_information_sum()
    )
    assert row["target"] == target and row["truth"] == row[target]
    assert row["method"] == ("clip" if method == "clip" else "symile-n_squared")


def test_truth_columns_take_any_generator_with_the_two_truth_methods():
    gen = GaussianTC.from_total_correlation((2, 2, 2), 1.0)
    row = _bounds.truth_columns({"method": "symile", "negatives": "n", "encoder": "mlp"}, gen)
    assert row["truth"] == pytest.approx(1.0, abs=1e-12) and row["pairwise_sum"] > row["TC"]


def test_bound_checks_flag_a_bound_above_its_truth_and_leave_zero_truth_ratios_undefined():
    frame = pd.DataFrame(
        {"bound": [0.9, 1.5, 0.01, 1.0], "se": [0.05, 0.1, 0.02, 0.0], "truth": [1.0, 1.0, 0.0, 0.5]}
    )
    checked = _bounds.bound_checks(frame)
    assert checked["within_tolerance"].tolist() == [True, False, True, False]
    assert checked["excess_in_se"].iloc[1] == pytest.approx(5.0)
    assert checked["tightness"].iloc[0] == pytest.approx(0.9)
    assert math.isnan(checked["tightness"].iloc[2])


def test_overshoot_and_tightness_checks_name_the_offending_cell():
    frame = _bounds.bound_checks(
        pd.DataFrame(
            {
                "p": [0.0, 0.5],
                "method": ["symile-n", "clip"],
                "bound": [4.0, 2.0],
                "se": [0.1, 0.1],
                "truth": [5.0, 1.6],
            }
        )
    )
    over = _bounds.overshoot_check(frame, 3.0, "p")
    assert not over.passed and over.detail == "p=0.5 clip: +4.0 se"
    tight = _bounds.tightness_check(frame[frame["method"] == "symile-n"], 0.9, "somewhere", "p")
    assert not tight.passed and tight.detail == "lowest 0.800 (p=0 symile-n)"


# --------------------------------------------------------------------------------------------------
# the command in quick form


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bounds")
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    result = bounds.run(parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    return out, result["tables"]["bounds"], result["checks"]


def test_quick_run_writes_figure_csv_checks_and_config(quick_run):
    out, _, _ = quick_run
    for name in ["bounds.png", "bounds.pdf", "bounds.csv", "bounds_config.json", "bounds_checks.csv"]:
        assert (out / name).stat().st_size > 0, name
    written = pd.read_csv(out / "bounds.csv")
    assert {"p", "critic", "bound", "se", "cap", "truth", "tightness", "excess_in_se"} <= set(written.columns)
    assert not list(out.glob("bounds_gaussian*"))  # the Gaussian bounds are their own command


def test_quick_run_no_bound_exceeds_its_truth_beyond_three_standard_errors(quick_run):
    _, frame, _ = quick_run
    assert frame["within_tolerance"].all(), frame.loc[~frame["within_tolerance"]].to_string()
    assert (frame["bound"] <= frame["cap"] + 1e-9).all()


def test_quick_run_caps_are_log_batch_size_multiples(quick_run):
    _, frame, _ = quick_run
    caps = frame.groupby("method")["cap"].unique()
    log_n = math.log2(250)  # quick batch size
    assert caps["symile-n"].tolist() == [pytest.approx(log_n)]
    assert caps["symile-n_squared"].tolist() == [pytest.approx(2 * log_n)]
    assert caps["clip"].tolist() == [pytest.approx(3 * log_n)]


def test_quick_run_symile_bound_is_tight_where_c_copies_a_or_b(quick_run):
    # p = 0 (c = a) and p = 1 (c = a XOR b): TC = d = 5 bits, learnt within ~15% even in quick form
    _, frame, _ = quick_run
    sym = frame[frame["method"].str.startswith("symile") & (frame["critic"] == "learned")]
    ends = sym[sym["p"].isin([0.0, 1.0])]
    assert len(ends) == 4 and (ends["tightness"] > 0.85).all(), ends.to_string()


def test_quick_run_has_an_exact_critic_row_on_the_same_batches_for_every_learned_row(quick_run):
    _, frame, _ = quick_run
    learned = frame[frame["critic"] == "learned"].set_index(["p", "method"])
    exact = frame[frame["critic"] == "exact"].set_index(["p", "method"])
    assert sorted(exact.index) == sorted(learned.index) and len(exact) == 9
    assert (exact["n_test_batches"] == learned.loc[exact.index, "n_test_batches"]).all()
    assert (exact["cap"] == learned.loc[exact.index, "cap"]).all()
    assert (exact["encoder"] == "none").all() and exact["best_epoch"].isna().all()


def test_quick_run_exact_critic_is_tight_and_at_least_the_learned_critic_on_average(quick_run):
    # the optimal critic maximises the expected bound; quick form: N = 250, e^TC <= 32, 4 test batches
    _, frame, _ = quick_run
    exact = frame[frame["critic"] == "exact"].set_index(["p", "method"])
    learned = frame[frame["critic"] == "learned"].set_index(["p", "method"]).loc[exact.index]
    assert (exact["bound"] - learned["bound"]).mean() > 0, (exact["bound"] - learned["bound"]).to_string()
    symile = exact[exact.index.get_level_values("method").str.startswith("symile")]
    assert (symile["tightness"] > 0.9).all(), symile.to_string()


def test_quick_run_clip_ratio_is_nan_where_pairwise_information_vanishes(quick_run):
    _, frame, _ = quick_run
    row = frame[(frame["method"] == "clip") & (frame["p"] == 1.0)]
    assert len(row) == 2 and (row["truth"] == 0.0).all() and row["tightness"].isna().all()


def test_quick_run_every_check_passes(quick_run):
    _, _, checks = quick_run
    assert len(checks) == 3 and all(c.passed for c in checks), checks


def test_checks_fail_for_an_untrained_model_a_broken_exact_critic_and_a_bound_above_the_truth(quick_run):
    _, frame, _ = quick_run
    cfg = {
        "se_tolerance": _bounds.SE_TOLERANCE,
        "exact_tightness": bounds.EXACT_TIGHTNESS,
        "min_tightness": 0.5,
    }

    def failed(changed):
        return [
            c.name for c in bounds._checks(cfg, {"bounds": _bounds.bound_checks(changed)}) if not c.passed
        ]

    untrained = frame.copy()
    untrained.loc[untrained["critic"] == "learned", "bound"] = 0.0
    names = failed(untrained)
    assert len(names) == 1 and names[0].startswith("learned Symile bound"), names
    broken = frame.copy()
    broken.loc[broken["critic"] == "exact", "bound"] *= 0.5
    names = failed(broken)
    assert len(names) == 1 and names[0].startswith("exact-critic bound"), names
    over = frame.copy()
    over.loc[over.index[0], "bound"] = over["truth"].iloc[0] + 1.0
    assert failed(over)[0].startswith("no bound exceeds its truth")


@pytest.mark.parametrize("bad", [["--ps", "-0.1"], ["--d", "0"], ["--epochs", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        bounds.main(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert f"argument {bad[0]}:" in capsys.readouterr().err


def test_the_gaussian_options_moved_to_their_own_command(tmp_path, capsys):
    # regression: issue 9 (one script, one claim: `bounds-gaussian` has --tcs)
    with pytest.raises(SystemExit) as exc:
        bounds.main(["--quick", "--out", str(tmp_path), "--tcs", "1"])
    assert exc.value.code == 2 and "unrecognized arguments: --tcs" in capsys.readouterr().err


@pytest.mark.slow
def test_fresh_quick_runs_are_byte_identical_with_one_or_two_jobs(tmp_path):
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    for name, jobs in (("one", "1"), ("two", "2")):
        bounds.run(parser.parse_args(["--quick", "--fresh", "--jobs", jobs, "--out", str(tmp_path / name)]))
    assert (tmp_path / "one" / "bounds.csv").read_bytes() == (tmp_path / "two" / "bounds.csv").read_bytes()
