"""``symile-lab sufficiency``: exact claims to 1e-12, learned claims in quick form, outputs."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from experiments import sufficiency
from generators import BinaryXOR, DiseaseTemperature, xor_info_table

P_GRID = [round(0.1 * i, 1) for i in range(11)]


# --------------------------------------------------------------------------------------------------
# known values: the exact claims on XOR, every p


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_symile_optimal_score_reaches_bayes_accuracy_exactly(d):
    table = sufficiency.exact_xor_table([d], P_GRID)
    q = 2.0**-d
    expected = q + np.asarray(P_GRID) * (1 - q)
    np.testing.assert_allclose(table["symile_optimal_accuracy"], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["bayes_enumerated"], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_pairwise_optimal_score_is_exactly_chance_for_every_p(d):
    table = sufficiency.exact_xor_table([d], P_GRID)
    np.testing.assert_allclose(table["pairwise_optimal_accuracy"], 2.0**-d, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["I_b_pairwise_argmax"], 0.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_bayes_argmax_is_a_sufficient_statistic_on_xor(d):
    # the posterior of b depends on (a, c) only through a XOR c, which is what the optimal rule outputs
    table = sufficiency.exact_xor_table([d], P_GRID)
    np.testing.assert_allclose(table["I_b_symile_argmax"], table["I_b_ac"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_information_of_the_full_query_matches_the_closed_form(p):
    # reference: I(b; a, c) = I(b; c) + I(a; b | c) from generators' closed forms
    table = sufficiency.exact_xor_table([3], [p])
    closed = xor_info_table(3, p)
    assert table["I_b_ac"].iloc[0] == pytest.approx(float(closed["I(b;c)"] + closed["I(a;b|c)"]), abs=1e-12)


def test_tie_rule_splits_probability_uniformly_and_handles_all_minus_inf_rows():
    S = np.array([[1.0, 1.0 + 1e-12, 0.0], [-np.inf, -np.inf, -np.inf]])
    np.testing.assert_array_equal(
        sufficiency.choice_probabilities(S), [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]]
    )


def test_choice_probabilities_rejects_nan_scores():
    with pytest.raises(ValueError, match="NaN"):
        sufficiency.choice_probabilities(np.array([[0.0, np.nan]]))


def test_statistic_information_of_a_constant_statistic_is_zero():
    P = sufficiency._as_query_table(BinaryXOR(d=2, p=0.7).joint_pmf())
    assert sufficiency.statistic_information(P, np.zeros(P.shape[0], dtype=int)) == pytest.approx(
        0, abs=1e-12
    )


def test_expected_kl_is_zero_for_the_true_posterior_and_positive_otherwise():
    P = sufficiency._as_query_table(BinaryXOR(d=2, p=0.6).joint_pmf())
    with np.errstate(divide="ignore"):
        logits = np.log(P / P.sum(axis=1, keepdims=True) + 1e-300)
    assert sufficiency.expected_kl(P, logits) == pytest.approx(0.0, abs=1e-9)
    assert sufficiency.expected_kl(P, np.zeros_like(P)) > 0.1


# --------------------------------------------------------------------------------------------------
# disease / temperature, exact


def test_disease_exact_claims_match_the_generator():
    dt = DiseaseTemperature()
    ex = sufficiency.disease_exact(dt.joint_pmf())
    assert ex["minimal_partition"].tolist() == list(dt.minimal_sufficient_statistic().values())
    assert ex["I_y_t"] == pytest.approx(dt.mutual_information(), abs=1e-12)
    assert ex["I_y_Tmin"] == pytest.approx(ex["I_y_t"], abs=1e-12)
    assert ex["pmi_prior_accuracy"] == pytest.approx(ex["bayes_accuracy"], abs=1e-12)
    assert ex["pmi_accuracy"] < ex["bayes_accuracy"] - 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_score_partition_ignores_per_temperature_offsets(seed):
    # the contrastive optimum is PMI(y, t) + g(t); any g must give the minimal sufficient partition
    dt = DiseaseTemperature()
    pmi = dt.pmi(base=np.e).to_numpy().T  # (t, y)
    offsets = np.random.default_rng(seed).normal(scale=5.0, size=(pmi.shape[0], 1))
    labels = sufficiency.score_partition(pmi + offsets, tol=1e-6)
    assert labels.tolist() == list(dt.minimal_sufficient_statistic().values())


# --------------------------------------------------------------------------------------------------
# the command in quick form


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sufficiency")
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    args = parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"])
    return out, sufficiency.run(args)


def test_quick_run_writes_every_output(quick_run):
    out, _ = quick_run
    for name in [
        "sufficiency.png",
        "sufficiency.pdf",
        "sufficiency.md",
        "sufficiency_config.json",
        "sufficiency_exact.csv",
        "sufficiency_learned.csv",
        "sufficiency_disease.csv",
        "sufficiency_disease_summary.csv",
        "sufficiency_checks.csv",
    ]:
        assert (out / name).stat().st_size > 0, name


def test_quick_run_exact_checks_pass(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_checks.csv")
    exact = checks[checks["claim"].str.contains("exact")]
    assert len(exact) >= 3 and exact["pass"].all()


def test_quick_run_learned_symile_beats_clip_where_b_is_predictable(quick_run):
    _, res = quick_run
    learned = res["learned"]
    at_one = learned[learned["p"] == 1.0].set_index("method")
    assert at_one.loc["symile", "accuracy"] > 0.9
    assert at_one.loc["clip", "accuracy"] < 0.3
    # the (almost) injective query statistic keeps all the information for both methods
    assert (learned.loc[learned["p"] > 0, "grouping_ratio"] > 0.99).all()
    assert learned.loc[learned["p"] == 0, "argmax_ratio"].isna().all()  # I(b; a, c) = 0: undefined


def test_quick_run_learned_disease_partition_is_minimal(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_checks.csv").set_index("claim")
    assert checks.loc["disease: learned partition of t == minimal sufficient partition", "pass"]


def test_quick_run_is_reproducible_from_its_cache(quick_run, tmp_path):
    # rerunning into the same folder reads every cell from the cache and rewrites identical CSVs
    out, _ = quick_run
    before = (out / "sufficiency_learned.csv").read_bytes()
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    sufficiency.run(parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    assert (out / "sufficiency_learned.csv").read_bytes() == before


@pytest.mark.parametrize("bad", [["--ps", "1.5"], ["--partition-tol", "0"]])
def test_bad_options_raise_value_error_naming_the_value(bad, tmp_path):
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    with pytest.raises(ValueError, match="1.5|0"):
        sufficiency.run(parser.parse_args(["--quick", "--out", str(tmp_path), *bad]))


@pytest.mark.slow
def test_fresh_quick_runs_are_byte_identical(tmp_path):
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    for name in ("one", "two"):
        sufficiency.run(
            parser.parse_args(["--quick", "--fresh", "--jobs", "2", "--out", str(tmp_path / name)])
        )
    for csv in ("sufficiency_learned.csv", "sufficiency_disease.csv"):
        assert (tmp_path / "one" / csv).read_bytes() == (tmp_path / "two" / csv).read_bytes()
