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


@pytest.mark.parametrize("tc_bits", [0.5, 1.0, 2.0])
def test_gaussian_block_truth_matches_the_generator(tc_bits):
    gen = GaussianTC.from_total_correlation((2, 2, 2), tc_bits)
    truth = bounds.gaussian_block_truth(gen.correlation_matrix, [2, 2, 2])
    assert truth["TC"] == pytest.approx(tc_bits, abs=1e-12)
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        assert truth[f"I({i};{j})"] == pytest.approx(gen.mutual_information(i, j), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gaussian_block_truth_on_a_random_correlation_matrix(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(5, 5))
    cov = A @ A.T + 0.5 * np.eye(5)
    sd = np.sqrt(np.diag(cov))
    R = cov / np.outer(sd, sd)
    gen = GaussianTC(dims=(2, 1, 2), correlation=R)
    truth = bounds.gaussian_block_truth(R, [2, 1, 2])
    assert truth["TC"] == pytest.approx(gen.total_correlation(), abs=1e-10)
    pairs = sum(gen.mutual_information(i, j) for i, j in [(0, 1), (0, 2), (1, 2)])
    assert truth["pairwise_sum"] == pytest.approx(pairs, abs=1e-10)


def test_independent_gaussian_pair_has_zero_information_in_nats_and_bits():
    rho = 0.8
    R = np.array([[1.0, rho, 0.0], [rho, 1.0, 0.0], [0.0, 0.0, 1.0]])
    nats = bounds.gaussian_block_truth(R, [1, 1, 1], base=math.e)
    assert nats["I(0;1)"] == pytest.approx(-0.5 * math.log(1 - rho**2), abs=1e-12)
    assert nats["I(0;2)"] == 0.0 and nats["I(1;2)"] == 0.0
    assert nats["TC"] == pytest.approx(nats["I(0;1)"], abs=1e-12)


def test_gaussian_block_truth_rejects_mismatched_dims():
    with pytest.raises(ValueError, match="sum"):
        bounds.gaussian_block_truth(np.eye(4), [2, 1])


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
    frame = bounds.run(parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    return out, frame


def test_quick_run_writes_figure_csv_and_config(quick_run):
    out, _ = quick_run
    for name in ["bounds.png", "bounds.pdf", "bounds.csv", "bounds_config.json"]:
        assert (out / name).stat().st_size > 0, name
    written = pd.read_csv(out / "bounds.csv")
    assert {"bound", "se", "cap", "truth", "tightness", "excess_in_se"} <= set(written.columns)


def test_quick_run_no_bound_exceeds_its_truth_beyond_three_standard_errors(quick_run):
    _, frame = quick_run
    assert frame["within_tolerance"].all(), frame.loc[~frame["within_tolerance"]].to_string()
    assert (frame["bound"] <= frame["cap"] + 1e-9).all()


def test_quick_run_caps_are_log_batch_size_multiples(quick_run):
    _, frame = quick_run
    xor = frame[frame["dataset"] == "xor"].set_index("method")
    log_n = math.log2(250)  # quick batch size
    assert xor.loc["symile-n", "cap"].iloc[0] == pytest.approx(log_n)
    assert xor.loc["symile-n_squared", "cap"].iloc[0] == pytest.approx(2 * log_n)
    assert xor.loc["clip", "cap"].iloc[0] == pytest.approx(3 * log_n)


def test_quick_run_symile_bound_is_tight_where_c_copies_a_or_b(quick_run):
    # p = 0 (c = a) and p = 1 (c = a XOR b): TC = d = 5 bits, learnt within ~10% even in quick form
    _, frame = quick_run
    sym = frame[(frame["dataset"] == "xor") & frame["method"].str.startswith("symile")]
    ends = sym[sym["param"].isin([0.0, 1.0])]
    assert (ends["tightness"] > 0.85).all(), ends.to_string()


def test_quick_run_clip_ratio_is_nan_where_pairwise_information_vanishes(quick_run):
    _, frame = quick_run
    row = frame[(frame["dataset"] == "xor") & (frame["method"] == "clip") & (frame["param"] == 1.0)]
    assert row["truth"].iloc[0] == 0.0 and row["tightness"].isna().all()


@pytest.mark.parametrize("bad", [["--ps", "-0.1"], ["--tcs", "0"], ["--d", "0"]])
def test_bad_options_raise_value_error_naming_the_value(bad, tmp_path):
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    with pytest.raises(ValueError, match=bad[1]):
        bounds.run(parser.parse_args(["--quick", "--out", str(tmp_path), *bad]))


@pytest.mark.slow
def test_fresh_quick_runs_are_byte_identical_with_one_or_two_jobs(tmp_path):
    parser = argparse.ArgumentParser()
    bounds.add_arguments(parser)
    for name, jobs in (("one", "1"), ("two", "2")):
        bounds.run(parser.parse_args(["--quick", "--fresh", "--jobs", jobs, "--out", str(tmp_path / name)]))
    assert (tmp_path / "one" / "bounds.csv").read_bytes() == (tmp_path / "two" / "bounds.csv").read_bytes()
