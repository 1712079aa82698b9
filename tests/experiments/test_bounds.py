"""``symile-lab bounds``: exact targets, the bound checks, and the command in quick form."""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd
import pytest

from experiments import bounds
from generators import GaussianTC, xor_info_table

# --------------------------------------------------------------------------------------------------
# exact truth: agreement with the generators' closed forms


@pytest.mark.parametrize("dims", [(2, 2, 2), (1, 3, 2)])
def test_gaussian_truth_is_the_generators_closed_form(dims):
    # regression: issue 9 (a second copy of the Gaussian truth used to live here)
    gen = GaussianTC.from_total_correlation(dims, 1.5)
    truth = bounds.gaussian_truth(gen)
    assert truth["TC"] == pytest.approx(1.5, abs=1e-12)
    R = gen.correlation_matrix
    edges = np.cumsum([0, *dims])
    pairs = 0.0
    for i in range(3):
        for j in range(i + 1, 3):
            a, b = np.arange(edges[i], edges[i + 1]), np.arange(edges[j], edges[j + 1])
            both = np.r_[a, b]
            logdet = [np.linalg.slogdet(R[np.ix_(x, x)])[1] for x in (a, b, both)]
            pairs += 0.5 * (logdet[0] + logdet[1] - logdet[2]) / math.log(2)
    assert truth["pairwise_sum"] == pytest.approx(pairs, abs=1e-10)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_xor_truth_matches_the_closed_form_table(p):
    table = xor_info_table(5, p)
    truth = bounds.xor_truth(5, p)
    assert truth["TC"] == pytest.approx(float(table["TC"]), abs=1e-12)
    assert truth["pairwise_sum"] == pytest.approx(float(table["I(a;c)"]), abs=1e-12)  # I(a;b) = I(b;c) = 0


# --------------------------------------------------------------------------------------------------
# the checks


def test_bound_checks_flag_a_bound_above_its_truth_and_leave_zero_truth_ratios_undefined():
    frame = pd.DataFrame(
        {"bound": [0.9, 1.5, 0.01, 1.0], "se": [0.05, 0.1, 0.02, 0.0], "truth": [1.0, 1.0, 0.0, 0.5]}
    )
    checked = bounds.bound_checks(frame)
    assert checked["within_tolerance"].tolist() == [True, False, True, False]
    assert checked["excess_in_se"].iloc[1] == pytest.approx(5.0)
    assert checked["tightness"].iloc[0] == pytest.approx(0.9)
    assert math.isnan(checked["tightness"].iloc[2])


# --------------------------------------------------------------------------------------------------
# the command in quick form


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bounds")
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    result = bounds.run(parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    return out, result["tables"]["bounds"], result["checks"]


def test_quick_run_writes_figure_csv_and_config(quick_run):
    out, _, _ = quick_run
    for name in ["bounds.png", "bounds.pdf", "bounds.csv", "bounds_config.json", "bounds_checks.csv"]:
        assert (out / name).stat().st_size > 0, name
    written = pd.read_csv(out / "bounds.csv")
    assert {"bound", "se", "cap", "truth", "tightness", "excess_in_se"} <= set(written.columns)


def test_quick_run_no_bound_exceeds_its_truth_beyond_three_standard_errors(quick_run):
    _, frame, _ = quick_run
    assert frame["within_tolerance"].all(), frame.loc[~frame["within_tolerance"]].to_string()
    assert (frame["bound"] <= frame["cap"] + 1e-9).all()


def test_quick_run_caps_are_log_batch_size_multiples(quick_run):
    _, frame, _ = quick_run
    xor = frame[frame["dataset"] == "xor"].set_index("method")
    log_n = math.log2(250)  # quick batch size
    assert xor.loc["symile-n", "cap"].iloc[0] == pytest.approx(log_n)
    assert xor.loc["symile-n_squared", "cap"].iloc[0] == pytest.approx(2 * log_n)
    assert xor.loc["clip", "cap"].iloc[0] == pytest.approx(3 * log_n)


def test_quick_run_symile_bound_is_tight_where_c_copies_a_or_b(quick_run):
    # p = 0 (c = a) and p = 1 (c = a XOR b): TC = d = 5 bits, learnt within ~10% even in quick form
    _, frame, _ = quick_run
    sym = frame[(frame["dataset"] == "xor") & frame["method"].str.startswith("symile")]
    ends = sym[sym["param"].isin([0.0, 1.0])]
    assert (ends["tightness"] > 0.85).all(), ends.to_string()


def test_quick_run_has_an_exact_critic_row_on_the_same_batches_for_every_learned_xor_row(quick_run):
    _, frame, _ = quick_run
    xor = frame[frame["dataset"] == "xor"]
    learned = xor[xor["critic"] == "learned"].set_index(["param", "method"])
    exact = xor[xor["critic"] == "exact"].set_index(["param", "method"])
    assert sorted(exact.index) == sorted(learned.index)
    assert (exact["n_test_batches"] == learned.loc[exact.index, "n_test_batches"]).all()
    assert (exact["cap"] == learned.loc[exact.index, "cap"]).all()
    assert (frame[frame["dataset"] == "gaussian"]["critic"] == "learned").all()


def test_quick_run_exact_critic_is_tight_and_at_least_the_learned_critic_on_average(quick_run):
    # the optimal critic maximises the expected bound; quick form: N = 250, e^TC <= 32, 4 test batches
    _, frame, _ = quick_run
    xor = frame[frame["dataset"] == "xor"]
    exact = xor[xor["critic"] == "exact"].set_index(["param", "method"])
    learned = xor[xor["critic"] == "learned"].set_index(["param", "method"]).loc[exact.index]
    assert (exact["bound"] - learned["bound"]).mean() > 0, (exact["bound"] - learned["bound"]).to_string()
    symile = exact[exact.index.get_level_values("method").str.startswith("symile")]
    assert (symile["tightness"] > 0.9).all(), symile.to_string()


def test_quick_run_clip_ratio_is_nan_where_pairwise_information_vanishes(quick_run):
    _, frame, _ = quick_run
    row = frame[(frame["dataset"] == "xor") & (frame["method"] == "clip") & (frame["param"] == 1.0)]
    assert row["truth"].iloc[0] == 0.0 and row["tightness"].isna().all()


def test_quick_run_every_check_passes(quick_run):
    _, _, checks = quick_run
    assert len(checks) == 3 and all(c.passed for c in checks), checks


def test_checks_fail_for_an_untrained_model_and_a_bound_above_the_truth(quick_run):
    _, frame, _ = quick_run
    cfg = {"se_tolerance": bounds.SE_TOLERANCE, "min_tightness": 0.5}
    untrained = frame.copy()
    learned = untrained["critic"] == "learned"
    untrained.loc[learned, "bound"] = 0.0
    untrained = bounds.bound_checks(untrained)
    names = [c.name for c in bounds._checks(cfg, {"bounds": untrained}) if not c.passed]
    assert len(names) == 1 and names[0].startswith("learned Symile bound")
    over = frame.copy()
    over.loc[over.index[0], "bound"] = over["truth"].iloc[0] + 1.0
    failed = [c for c in bounds._checks(cfg, {"bounds": bounds.bound_checks(over)}) if not c.passed]
    assert failed[0].name.startswith("no bound exceeds its truth")


@pytest.mark.parametrize("bad", [["--ps", "-0.1"], ["--tcs", "0"], ["--d", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        bounds.main(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    assert f"argument {bad[0]}:" in capsys.readouterr().err


@pytest.mark.slow
def test_fresh_quick_runs_are_byte_identical_with_one_or_two_jobs(tmp_path):
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    for name, jobs in (("one", "1"), ("two", "2")):
        bounds.run(parser.parse_args(["--quick", "--fresh", "--jobs", jobs, "--out", str(tmp_path / name)]))
    assert (tmp_path / "one" / "bounds.csv").read_bytes() == (tmp_path / "two" / "bounds.csv").read_bytes()
