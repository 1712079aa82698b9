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


def test_disease_exact_identities_hold_on_the_generators_table():
    # the identities that used to be printed as checks (they hold by mathematics): unit tests now
    from infotheory.decision import minimal_sufficient_partition, rule_accuracy

    dt = DiseaseTemperature()
    disease, summary = sufficiency._disease_tables(dt.pmi(base=np.e).to_numpy().T, tol=1e-6)
    value = summary.set_index("quantity")["value"]
    assert value["exact PMI + log prior accuracy"] == pytest.approx(value["Bayes accuracy"], abs=1e-12)
    assert value["exact PMI accuracy"] < value["Bayes accuracy"] - 0.01  # the log prior matters
    assert value["I(y; T_min) [bits]"] == pytest.approx(dt.mutual_information(), abs=1e-12)
    P = dt.joint_pmf().T
    minimal = minimal_sufficient_partition(P)
    assert minimal.tolist() == list(dt.minimal_sufficient_statistic().values())
    assert disease["minimal_group"].tolist() == minimal.tolist()
    assert rule_accuracy(P, np.log(P)) == pytest.approx(value["Bayes accuracy"], abs=1e-12)
    # the optimal critic (PMI, any per-t offset) recovers the minimal partition and reaches Bayes
    assert bool(value["learned partition == minimal"])
    assert value["learned score + log prior accuracy"] == pytest.approx(value["Bayes accuracy"], abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_disease_tables_ignore_per_temperature_offsets_of_the_scores(seed):
    # the contrastive optimum is PMI(y, t) + g(t); any g must give the minimal sufficient partition
    dt = DiseaseTemperature()
    pmi = dt.pmi(base=np.e).to_numpy().T  # (t, y)
    offsets = np.random.default_rng(seed).normal(scale=5.0, size=(pmi.shape[0], 1))
    disease, _ = sufficiency._disease_tables(pmi + offsets, tol=1e-6)
    assert disease["learned_group"].tolist() == list(dt.minimal_sufficient_statistic().values())


def test_learned_statistics_of_the_optimal_parity_code_keep_all_the_information():
    # representations r(x) = (+-1)^bits: the Symile score of (a, c, b) is prod over bits, exact Bayes at p = 1
    from generators import decode_bits

    d = 2
    codes = 1.0 - 2.0 * decode_bits(np.arange(2**d), d)  # (4, 2) in {+1, -1}
    joint = BinaryXOR(d=d, p=1.0).joint_pmf()
    from infotheory.decision import query_table

    P = query_table(joint, (0, 2), 1)
    stats = sufficiency.learned_statistics(P, [codes] * 3, 50.0, "symile", np.log(joint.sum(axis=(0, 2))))
    assert stats["accuracy"] == pytest.approx(1.0)
    assert stats["argmax_ratio"] == pytest.approx(1.0)
    clip = sufficiency.learned_statistics(P, [codes] * 3, 50.0, "clip", np.log(joint.sum(axis=(0, 2))))
    assert clip["argmax_ratio"] < 0.5


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


def test_quick_run_every_check_passes_and_none_is_an_identity(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_checks.csv")
    assert len(checks) == 4 and checks["passed"].all(), checks.to_string()
    assert not checks["name"].str.startswith("exact").any()  # identities are unit tests, not checks


def test_checks_fail_for_an_untrained_model(quick_run):
    _, res = quick_run
    tables = dict(res["tables"])
    untrained = tables["sufficiency_learned"].copy()
    untrained["argmax_ratio"] = 0.0
    flat = np.zeros((DiseaseTemperature().joint_pmf().shape[1], DiseaseTemperature().joint_pmf().shape[0]))
    disease, summary = sufficiency._disease_tables(flat, tol=0.5)  # constant scores: one group
    tables.update(
        sufficiency_learned=untrained, sufficiency_disease=disease, sufficiency_disease_summary=summary
    )
    checks = sufficiency._checks(res["config"], tables)
    assert not any(c.passed for c in checks), checks


def test_quick_run_learned_symile_beats_clip_where_b_is_predictable(quick_run):
    _, res = quick_run
    learned = res["tables"]["sufficiency_learned"]
    at_one = learned[learned["p"] == 1.0].set_index("method")
    assert at_one.loc["symile", "accuracy"] > 0.9
    assert at_one.loc["clip", "accuracy"] < 0.3
    # the (almost) injective query statistic keeps all the information for both methods
    assert (learned.loc[learned["p"] > 0, "grouping_ratio"] > 0.99).all()
    assert learned.loc[learned["p"] == 0, "argmax_ratio"].isna().all()  # I(b; a, c) = 0: undefined


def test_quick_run_learned_disease_partition_is_minimal(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_checks.csv").set_index("name")
    assert checks.loc["disease: learned partition of t == minimal sufficient partition", "passed"]


def test_quick_run_is_reproducible_from_its_cache(quick_run, tmp_path):
    # rerunning into the same folder reads every cell from the cache and rewrites identical CSVs
    out, _ = quick_run
    before = (out / "sufficiency_learned.csv").read_bytes()
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    sufficiency.run(parser.parse_args(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    assert (out / "sufficiency_learned.csv").read_bytes() == before


@pytest.mark.parametrize("bad", [["--ps", "1.5"], ["--partition-tol", "0"], ["--ds", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        sufficiency.main(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}:" in err and repr(bad[1]) in err


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
