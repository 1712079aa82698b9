"""``symile-lab sufficiency-disease``: the exact identities of the table, the checks, the quick command."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from experiments import sufficiency_disease as disease
from generators import DiseaseTemperature


def _parse(argv):
    parser = argparse.ArgumentParser()
    disease.add_arguments(parser)
    return parser.parse_args(argv)


def _pmi() -> np.ndarray:
    return DiseaseTemperature().pmi(base=np.e).to_numpy().T  # (t, y), nats: the optimal critic


def _checks(scores, tol=1e-6):
    per_t, summary = disease.disease_tables(scores, tol=tol)
    return disease._checks({}, {"sufficiency_disease": per_t, "sufficiency_disease_summary": summary})


# --------------------------------------------------------------------------------------------------
# known values: the exact identities (they used to be printed as checks)


def test_disease_exact_identities_hold_on_the_generators_table():
    from infotheory.decision import minimal_sufficient_partition, rule_accuracy

    dt = DiseaseTemperature()
    per_t, summary = disease.disease_tables(_pmi(), tol=1e-6)
    value = summary.set_index("quantity")["value"]
    assert value["exact PMI + log prior accuracy"] == pytest.approx(value["Bayes accuracy"], abs=1e-12)
    assert value["exact PMI accuracy"] < value["Bayes accuracy"] - 0.01  # the log prior matters
    assert value["I(y; T_min) [bits]"] == pytest.approx(dt.mutual_information(), abs=1e-12)
    P = dt.joint_pmf().T
    minimal = minimal_sufficient_partition(P)
    assert minimal.tolist() == list(dt.minimal_sufficient_statistic().values())
    assert per_t["minimal_group"].tolist() == minimal.tolist()
    assert rule_accuracy(P, np.log(P)) == pytest.approx(value["Bayes accuracy"], abs=1e-12)
    # the optimal critic (PMI, any per-t offset) recovers the minimal partition and reaches Bayes
    assert bool(value["learned partition == minimal"])
    assert value["learned score + log prior accuracy"] == pytest.approx(value["Bayes accuracy"], abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_disease_tables_ignore_per_temperature_offsets_of_the_scores(seed):
    # the contrastive optimum is PMI(y, t) + g(t); any g must give the minimal sufficient partition
    offsets = np.random.default_rng(seed).normal(scale=5.0, size=(_pmi().shape[0], 1))
    per_t, _ = disease.disease_tables(_pmi() + offsets, tol=1e-6)
    assert per_t["learned_group"].tolist() == list(
        DiseaseTemperature().minimal_sufficient_statistic().values()
    )


# --------------------------------------------------------------------------------------------------
# the printed checks: passed by the optimal critic, failed by wrong ones


def test_checks_pass_for_the_optimal_critic():
    checks = _checks(_pmi())
    assert len(checks) == 3 and all(c.passed for c in checks), checks


def test_checks_fail_for_an_untrained_model():
    checks = _checks(np.zeros_like(_pmi()), tol=0.5)  # constant scores: one group, no information
    assert not any(c.passed for c in checks), checks


def test_checks_fail_for_a_critic_with_shuffled_temperatures():
    # the PMI rows of t = 0 and t = 3 swapped: a partition of the same shape, grouping the wrong temperatures
    checks = _checks(_pmi()[[3, 1, 2, 0]])
    assert [c.passed for c in checks] == [False, False, False], checks


# --------------------------------------------------------------------------------------------------
# the command in quick form (trains one small model)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sufficiency_disease")
    return out, disease.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))


def test_quick_run_writes_every_output(quick_run):
    out, _ = quick_run
    for name in [
        "sufficiency_disease.png",
        "sufficiency_disease.pdf",
        "sufficiency_disease.csv",
        "sufficiency_disease_summary.csv",
        "sufficiency_disease_checks.csv",
        "sufficiency_disease_config.json",
    ]:
        assert (out / name).stat().st_size > 0, name


def test_quick_run_every_check_passes(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_disease_checks.csv")
    assert len(checks) == 3 and checks["passed"].all(), checks.to_string()


def test_quick_run_is_reproducible_from_its_cache(quick_run):
    out, _ = quick_run
    before = (out / "sufficiency_disease.csv").read_bytes()
    disease.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    assert (out / "sufficiency_disease.csv").read_bytes() == before


@pytest.mark.parametrize("bad", [["--partition-tol", "0"], ["--partition-tol", "-1"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        _parse(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}:" in err and repr(bad[1]) in err
