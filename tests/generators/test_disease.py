"""DiseaseTemperature: minimal sufficient statistic, PMI vs Bayes, table, validation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import infotheory as it
from generators import DiseaseTemperature


def _coarsenings(groups: list[int]) -> list[dict[int, int]]:
    """All groupings obtained by merging at least two of the given groups (as group -> new label)."""
    out = []
    for a, b in itertools.combinations(groups, 2):
        out.append({g: (a if g == b else g) for g in groups})
    out.append({g: 0 for g in groups})  # everything merged
    return out


def test_default_minimal_sufficient_statistic_groups_no_fever():
    dt = DiseaseTemperature()
    T = dt.minimal_sufficient_statistic()
    assert T == {99: 0, 100: 0, 101: 1, 102: 2}
    assert dt.grouped_mutual_information(T) == pytest.approx(dt.mutual_information(), abs=1e-12)


def test_every_coarser_grouping_loses_information():
    dt = DiseaseTemperature()
    T = dt.minimal_sufficient_statistic()
    full = dt.mutual_information()
    for merge in _coarsenings(sorted(set(T.values()))):
        coarser = {t: merge[g] for t, g in T.items()}
        assert dt.grouped_mutual_information(coarser) < full - 1e-6, coarser


def test_pmi_prediction_differs_from_bayes_until_the_prior_is_added():
    dt = DiseaseTemperature()
    differs = [t for t in dt.temperatures if dt.pmi_prediction(t) != dt.bayes_prediction(t)]
    assert differs == [101]
    pmi, log_prior = dt.pmi(), np.log2(dt.p_y())
    for t in dt.temperatures:
        with_prior = pmi[t].to_numpy() + log_prior
        assert dt.diseases[int(np.argmax(with_prior))] == dt.bayes_prediction(t)


def test_prior_is_not_uniform():
    assert not np.allclose(DiseaseTemperature().p_y(), 0.5)


def test_information_agrees_with_infotheory():
    dt = DiseaseTemperature()
    P = dt.joint_pmf()
    assert dt.mutual_information() == pytest.approx(it.mutual_information(P, 0, 1), abs=1e-12)
    assert dt.mutual_information(base=math.e) == pytest.approx(it.mutual_information(P, 0, 1, base=math.e))
    assert dt.entropy_y() == pytest.approx(it.entropy(P, 0), abs=1e-12)


def test_pmi_table_matches_its_definition():
    dt = DiseaseTemperature()
    P = dt.joint_pmf()
    expected = np.log2(P / np.outer(P.sum(1), P.sum(0)))
    np.testing.assert_allclose(dt.pmi().to_numpy(), expected)
    # the p-weighted average of the PMI is the mutual information
    assert float((P * dt.pmi().to_numpy()).sum()) == pytest.approx(dt.mutual_information())


def test_table1_holds_joint_marginals_and_conditionals():
    dt = DiseaseTemperature()
    tab = dt.table1()
    assert list(tab.columns) == ["t=99", "t=100", "t=101", "t=102", "p(y)"]
    assert list(tab.index) == ["p(y=a, t)", "p(y=b, t)", "p(t)", "p(y=a | t)", "p(y=b | t)"]
    temps = tab.columns[:4]
    np.testing.assert_allclose(tab.loc[["p(y=a, t)", "p(y=b, t)"], temps].to_numpy(), dt.joint_pmf())
    np.testing.assert_allclose(tab.loc["p(t)", temps].to_numpy(), dt.joint_pmf().sum(0))
    np.testing.assert_allclose(tab.loc[["p(y=a | t)", "p(y=b | t)"], temps].sum(axis=0), 1.0)
    assert tab.loc["p(t)", "p(y)"] == pytest.approx(1.0)
    assert tab.loc["p(y=a, t)", "p(y)"] == pytest.approx(0.72)


def test_user_dataframe_keeps_its_labels():
    table = pd.DataFrame(
        [[0.1, 0.2, 0.1, 0.1], [0.1, 0.1, 0.2, 0.1]], index=["flu", "cold"], columns=[36, 37, 38, 39]
    )
    dt = DiseaseTemperature(table=table)
    assert dt.diseases == ("flu", "cold") and dt.temperatures == (36, 37, 38, 39)
    assert dt.bayes_prediction(37) == "flu"
    assert dt.minimal_sufficient_statistic() == {36: 0, 37: 1, 38: 2, 39: 0}


def test_sample_frequencies_match_the_table():
    dt = DiseaseTemperature()
    n = 20_000
    s = dt.sample(n, rng=2024)
    assert s["y"].dtype == np.int64 and s["t"].dtype == np.int64
    counts = np.bincount(4 * s["y"] + s["t"], minlength=8)
    assert stats.chisquare(counts, n * dt.joint_pmf().ravel()).pvalue > 1e-3
    np.testing.assert_array_equal(dt.sample(30, rng=1)["t"], dt.sample(30, rng=1)["t"])


@pytest.mark.parametrize(
    ("table", "match"),
    [
        (np.full((3, 4), 1 / 12), r"shape \(2, 4\) .*got shape \(3, 4\)"),
        (np.full((2, 3), 1 / 6), r"got shape \(2, 3\)"),
        ([[0.5, -0.1, 0.3, 0.3], [0.0, 0.0, 0.0, 0.0]], r"non-negative, got \[\[0\.5, -0\.1"),
        ([[np.nan, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1]], r"finite, got \[\[nan"),
        (np.full((2, 4), 0.1), r"sum to 1, got sum 0\.8"),
        ([[0.5, 0.0, 0.25, 0.0], [0.25, 0.0, 0.0, 0.0]], r"positive probability .*p\(t\) = \[0\.75, 0\.0"),
        ([["a", "b", "c", "d"], ["a", "b", "c", "d"]], r"numeric, got \[\['a'"),
    ],
)
def test_bad_tables_raise_value_error(table, match):
    with pytest.raises(ValueError, match=match):
        DiseaseTemperature(table=table)


def test_unknown_temperature_raises():
    with pytest.raises(ValueError, match="unknown temperature 98"):
        DiseaseTemperature().bayes_prediction(98)


def test_grouping_must_cover_every_temperature():
    with pytest.raises(ValueError, match=r"missing \[101, 102\]"):
        DiseaseTemperature().grouped_mutual_information({99: 0, 100: 0})


def test_decision_tools_on_the_default_table_give_the_known_accuracies():
    # Bayes: 0.27 + 0.27 + 0.15 + 0.12; plain PMI picks b at t = 101: 0.27 + 0.27 + 0.10 + 0.12
    from infotheory.decision import bayes_accuracy, rule_accuracy, symile_optimal_scores

    dt = DiseaseTemperature()
    P_ty = dt.joint_pmf().T  # queries t, candidates y
    pmi_ty = dt.pmi().to_numpy().T
    assert bayes_accuracy(P_ty) == pytest.approx(0.81, abs=1e-12)
    assert rule_accuracy(P_ty, pmi_ty) == pytest.approx(0.76, abs=1e-12)
    assert rule_accuracy(P_ty, pmi_ty + np.log2(dt.p_y())[None, :]) == pytest.approx(0.81, abs=1e-12)
    assert rule_accuracy(P_ty, symile_optimal_scores(dt.joint_pmf(), 1, 0)) == pytest.approx(0.81, abs=1e-12)


def test_minimal_sufficient_statistic_is_infotheory_partition_of_the_posteriors():
    from infotheory.decision import minimal_sufficient_partition

    table = [[0.1, 0.2, 0.1, 0.1], [0.1, 0.1, 0.2, 0.1]]  # t = 0 and t = 3 share p(y | t) = (1/2, 1/2)
    dt = DiseaseTemperature(table=table)
    labels = minimal_sufficient_partition(np.asarray(table).T)
    assert list(dt.minimal_sufficient_statistic().values()) == labels.tolist() == [0, 1, 2, 0]
