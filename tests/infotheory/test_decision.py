"""Decision tools: known values on XOR and the disease table, identities as properties, ties, validation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory import decision as dn
from infotheory.examples import xor
from infotheory.strategies import pmfs

SETTINGS = settings(max_examples=40, deadline=None, database=None)
TOL = 1e-9

#: the default DiseaseTemperature table p(y, t), axes (y, t), written out as an independent reference
DISEASE = np.array([[0.27, 0.27, 0.15, 0.03], [0.03, 0.03, 0.10, 0.12]])
P_GRID = [0.0, 0.25, 0.5, 0.75, 1.0]


def switched_xor(d: int, p: float) -> np.ndarray:
    """The paper's switched XOR on d bits, axes (a, b, c), built cell by cell (reference for BinaryXOR)."""
    N = 2**d
    P = np.zeros((N, N, N))
    for a in range(N):
        for b in range(N):
            P[a, b, a] += (1 - p) / N**2
            P[a, b, a ^ b] += p / N**2
    return P


# --------------------------------------------------------------------------------------------------
# the (query, candidate) table


def test_query_table_rows_are_queries_in_c_order():
    rng = np.random.default_rng(0)
    p = rng.random((2, 3, 4))
    p /= p.sum()
    P = dn.query_table(p, (0, 2), 1)
    assert P.shape == (8, 3)
    for a in range(2):
        for c in range(4):
            np.testing.assert_allclose(P[a * 4 + c], p[a, :, c])


def test_query_table_sums_out_unused_axes():
    P = dn.query_table(xor(), 0, 1)  # Z summed out
    np.testing.assert_allclose(P, np.full((2, 2), 0.25))


# --------------------------------------------------------------------------------------------------
# known values: XOR


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("p", P_GRID)
def test_symile_optimal_rule_reaches_q_plus_p_one_minus_q_on_switched_xor(d, p):
    joint = switched_xor(d, p)
    P = dn.query_table(joint, (0, 2), 1)
    q = 2.0**-d
    acc = dn.rule_accuracy(P, dn.symile_optimal_scores(joint, (0, 2), 1))
    assert acc == pytest.approx(q + p * (1 - q), abs=1e-12)
    assert dn.bayes_accuracy(P) == pytest.approx(q + p * (1 - q), abs=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("p", P_GRID)
def test_pairwise_optimal_rule_is_chance_on_switched_xor_for_every_p(d, p):
    joint = switched_xor(d, p)
    P = dn.query_table(joint, (0, 2), 1)
    S = dn.pairwise_optimal_scores(joint, (0, 2), 1)
    assert dn.rule_accuracy(P, S) == pytest.approx(2.0**-d, abs=1e-12)
    assert dn.decision_information(P, S) == 0.0


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("p", [0.25, 0.5, 1.0])
def test_bayes_choice_on_switched_xor_is_sufficient(d, p):
    # the posterior of b depends on (a, c) only through a XOR c, which is what the optimal rule outputs
    joint = switched_xor(d, p)
    P = dn.query_table(joint, (0, 2), 1)
    I_b_ac = dn.statistic_information(P, np.arange(P.shape[0]))
    assert I_b_ac == pytest.approx(it.mutual_information(joint, 1, (0, 2)), abs=1e-12)
    assert dn.decision_information(P, dn.symile_optimal_scores(joint, (0, 2), 1)) == pytest.approx(
        I_b_ac, abs=1e-12
    )
    N = 2**d
    xor_label = np.array([a ^ c for a in range(N) for c in range(N)])
    assert dn.statistic_information(P, xor_label) == pytest.approx(I_b_ac, abs=1e-12)
    assert dn.same_partition(dn.minimal_sufficient_partition(P), xor_label)


def test_xor_optimal_scores_known_values_in_bits():
    S = dn.symile_optimal_scores(xor(), (0, 2), 1)
    P = dn.query_table(xor(), (0, 2), 1)
    np.testing.assert_array_equal(S[P > 0], 0.0)  # tc = 1 bit, log2 p(y) = -1 bit
    assert np.isneginf(S[P == 0]).all()
    np.testing.assert_array_equal(dn.pairwise_optimal_scores(xor(), (0, 2), 1), -1.0)
    nats = dn.pairwise_optimal_scores(xor(), (0, 2), 1, base=math.e)
    np.testing.assert_allclose(nats, -math.log(2), rtol=1e-12)


# --------------------------------------------------------------------------------------------------
# known values: the disease table (Bayes 0.81; plain PMI 0.76: it picks b at t = 101)


def test_disease_bayes_pmi_and_pmi_plus_prior_accuracies():
    P = DISEASE.T  # queries t, candidates y
    pmi = it.pointwise_mutual_information(DISEASE, 1, 0)  # axes (t, y)
    log_prior = np.log2(DISEASE.sum(axis=1))
    assert dn.bayes_accuracy(P) == pytest.approx(0.27 + 0.27 + 0.15 + 0.12, abs=1e-12)
    assert dn.rule_accuracy(P, pmi) == pytest.approx(0.27 + 0.27 + 0.10 + 0.12, abs=1e-12)
    assert dn.rule_accuracy(P, pmi + log_prior[None, :]) == pytest.approx(0.81, abs=1e-12)
    # the same through the general optimal scores (one query variable t, candidate y)
    assert dn.rule_accuracy(P, dn.symile_optimal_scores(DISEASE, 1, 0)) == pytest.approx(0.81, abs=1e-12)


def test_disease_minimal_sufficient_partition_groups_no_fever():
    P = DISEASE.T
    labels = dn.minimal_sufficient_partition(P)
    assert labels.tolist() == [0, 0, 1, 2]
    I_yt = it.mutual_information(DISEASE, 0, 1)
    assert dn.statistic_information(P, labels) == pytest.approx(I_yt, abs=1e-12)
    for merged in ([0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 1, 1], [0, 0, 0, 0]):
        assert dn.statistic_information(P, merged) < dn.statistic_information(P, labels) - 1e-3, merged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_score_partition_of_pmi_plus_any_per_query_offset_is_the_minimal_partition(seed):
    # the contrastive optimum is PMI(y, t) + g(t) for an arbitrary g: the partition must not see g
    pmi = it.pointwise_mutual_information(DISEASE, 1, 0, base=math.e)  # (t, y)
    offsets = np.random.default_rng(seed).normal(scale=5.0, size=(4, 1))
    assert dn.score_partition(pmi + offsets, tol=1e-6).tolist() == [0, 0, 1, 2]


def test_expected_kl_known_values_on_the_disease_table():
    P = DISEASE.T
    I_yt = it.mutual_information(DISEASE, 0, 1)
    log_prior = np.log(DISEASE.sum(axis=1))
    assert dn.expected_kl(P, np.log(P / P.sum(axis=1, keepdims=True))) == 0.0  # the true posterior
    assert dn.expected_kl(P, np.tile(log_prior, (4, 1))) == pytest.approx(I_yt, abs=1e-12)  # the prior
    H_y_given_t = it.entropy(DISEASE, 0, given=1)
    assert dn.expected_kl(P, np.zeros((4, 2))) == pytest.approx(1.0 - H_y_given_t, abs=1e-12)  # uniform


# --------------------------------------------------------------------------------------------------
# tie rule


def test_tie_rule_splits_probability_uniformly_and_handles_all_minus_inf_rows():
    S = np.array([[1.0, 1.0 + 1e-12, 0.0], [-np.inf, -np.inf, -np.inf], [0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(
        dn.choice_probabilities(S), [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]]
    )
    np.testing.assert_array_equal(dn.choice_probabilities(S[2:], tie_atol=0.6), [[0.0, 0.5, 0.5]])


def test_accuracy_with_ties_is_the_exact_expectation_over_the_coin():
    P = np.array([[0.3, 0.1], [0.2, 0.4]])
    S = np.array([[0.0, 0.0], [0.0, 1.0]])  # query 0: a coin between the two candidates
    assert dn.rule_accuracy(P, S) == pytest.approx(0.5 * 0.3 + 0.5 * 0.1 + 0.4, abs=1e-15)


# --------------------------------------------------------------------------------------------------
# properties: the identities that hold by construction are unit tests, not printed checks

tables = pmfs(n_vars=2, max_alphabet=4, min_alphabet=2)


@SETTINGS
@given(pmfs(n_vars=3, max_alphabet=3, min_alphabet=2))
def test_symile_optimal_rule_is_the_bayes_rule(p):
    P = dn.query_table(p, (0, 2), 1)
    acc = dn.rule_accuracy(P, dn.symile_optimal_scores(p, (0, 2), 1))
    assert acc == pytest.approx(dn.bayes_accuracy(P), abs=TOL)


@SETTINGS
@given(tables)
def test_pmi_plus_log_prior_is_the_bayes_rule(P):
    pmi = it.pointwise_mutual_information(P, 0, 1)
    with np.errstate(divide="ignore"):
        log_prior = np.log2(P.sum(axis=0))
    assert dn.rule_accuracy(P, pmi + log_prior[None, :]) == pytest.approx(dn.bayes_accuracy(P), abs=TOL)


@SETTINGS
@given(tables, st.data())
def test_information_of_a_statistic_or_a_decision_is_at_most_that_of_the_query(P, data):
    I_full = dn.statistic_information(P, np.arange(P.shape[0]))
    labels = np.asarray(data.draw(st.lists(st.integers(0, 2), min_size=P.shape[0], max_size=P.shape[0])))
    assert 0.0 <= dn.statistic_information(P, labels) <= I_full + TOL
    S = np.asarray(
        data.draw(st.lists(st.floats(-3, 3), min_size=P.size, max_size=P.size)), dtype=float
    ).reshape(P.shape)
    assert 0.0 <= dn.decision_information(P, S) <= I_full + TOL
    assert I_full == pytest.approx(it.mutual_information(P, 0, 1), abs=TOL)


@SETTINGS
@given(tables)
def test_minimal_sufficient_partition_keeps_all_the_information(P):
    labels = dn.minimal_sufficient_partition(P)
    assert dn.statistic_information(P, labels) == pytest.approx(it.mutual_information(P, 0, 1), abs=TOL)


@SETTINGS
@given(tables)
def test_expected_kl_of_the_uniform_model_is_log_b_minus_conditional_entropy(P):
    expected = math.log2(P.shape[1]) - it.entropy(P, 1, given=0)
    assert dn.expected_kl(P, np.zeros(P.shape)) == pytest.approx(expected, abs=TOL)


@SETTINGS
@given(tables, st.data())
def test_relabeling_candidates_and_queries_changes_no_accuracy_or_information(P, data):
    S = np.asarray(
        data.draw(st.lists(st.integers(-2, 2), min_size=P.size, max_size=P.size)), dtype=float
    ).reshape(P.shape)
    rows = data.draw(st.permutations(range(P.shape[0])))
    cols = data.draw(st.permutations(range(P.shape[1])))
    P2, S2 = P[np.ix_(rows, cols)], S[np.ix_(rows, cols)]
    assert dn.rule_accuracy(P2, S2) == pytest.approx(dn.rule_accuracy(P, S), abs=1e-12)
    assert dn.decision_information(P2, S2) == pytest.approx(dn.decision_information(P, S), abs=1e-12)
    assert dn.bayes_accuracy(P2) == pytest.approx(dn.bayes_accuracy(P), abs=1e-12)


@SETTINGS
@given(tables, st.data())
def test_score_partition_ignores_per_query_offsets(P, data):
    S = np.asarray(
        data.draw(st.lists(st.integers(-3, 3), min_size=P.size, max_size=P.size)), dtype=float
    ).reshape(P.shape)
    offsets = np.asarray(
        data.draw(st.lists(st.integers(-50, 50), min_size=P.shape[0], max_size=P.shape[0])), dtype=float
    )
    shifted = S + offsets[:, None]
    assert dn.same_partition(dn.score_partition(S, tol=1e-9), dn.score_partition(shifted, tol=1e-9))


def test_partition_rows_chains_by_single_linkage():
    X = np.array([[0.0], [0.09], [0.18], [1.0]])  # 0 ~ 1 ~ 2 although |X0 - X2| > tol
    assert dn.partition_rows(X, tol=0.1).tolist() == [0, 0, 0, 1]
    assert dn.partition_rows(X, tol=0.0).tolist() == [0, 1, 2, 3]


def test_same_partition_ignores_the_label_values():
    assert dn.same_partition([0, 0, 1, 2], [5, 5, 9, 1])
    assert not dn.same_partition([0, 0, 1, 2], [0, 1, 1, 2])


# --------------------------------------------------------------------------------------------------
# bad input

P2 = np.array([[0.5, 0.0], [0.0, 0.5]])
S2 = np.array([[1.0, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: dn.choice_probabilities(np.array([[0.0, np.nan]])), ValueError, r"NaN \(first in row 0\)"),
        (lambda: dn.choice_probabilities(np.zeros(3)), ValueError, r"got shape \(3,\)"),
        (lambda: dn.choice_probabilities(np.zeros((2, 2)), tie_atol=-1), ValueError, r"tie_atol .* got -1"),
        (lambda: dn.choice_probabilities(np.array([["a", "b"]])), TypeError, r"dtype <U1"),
        (lambda: dn.rule_accuracy(P2, np.zeros((3, 2))), ValueError, r"shape of P \(2, 2\), got shape \(3"),
        (lambda: dn.rule_accuracy(np.array([[0.5, 0.6]]), np.zeros((1, 2))), ValueError, r"P sums to 1\.1"),
        (lambda: dn.rule_accuracy(np.array([0.5, 0.5]), np.zeros((1, 2))), ValueError, r"2-D .* \(2,\)"),
        (lambda: dn.statistic_information(P2, [0, 1, 2]), ValueError, r"labels must have shape \(2,\)"),
        (lambda: dn.statistic_information(P2, [0, 1], base=0.5), ValueError, r"got 0\.5"),
        (lambda: dn.expected_kl(P2, np.array([[np.inf, 0.0], [0.0, 0.0]])), ValueError, r"\+inf"),
        (lambda: dn.score_partition(np.array([[0.0, -np.inf]]), tol=0.1), ValueError, r"finite"),
        (lambda: dn.partition_rows(np.zeros((2, 1)), tol=float("nan")), ValueError, r"tol .* got nan"),
        (lambda: dn.same_partition([0, 1], [0, 1, 2]), ValueError, r"shapes \(2,\) and \(3,\)"),
        (lambda: dn.query_table(xor(), (0, 1), 1), ValueError, r"axis 1 appears twice"),
        (lambda: dn.symile_optimal_scores(xor(), (0, 5), 1), ValueError, r"axis 5 in query is out of range"),
        (lambda: dn.pairwise_optimal_scores(xor(), 0, ()), ValueError, r"candidate must name at least one"),
        (
            lambda: dn.sufficiency_summary(P2, [[0.0]] * 3, S2),
            ValueError,
            r"statistic .* \(2, k\).* \(3, 1\)",
        ),
        (
            lambda: dn.sufficiency_summary(P2, [np.nan, 0.0], S2),
            ValueError,
            r"statistic must be finite, got nan",
        ),
        (lambda: dn.sufficiency_summary(P2, ["a", "b"], S2), TypeError, r"statistic .* dtype <U1"),
        (
            lambda: dn.sufficiency_summary(P2, [0, 1], S2[:1]),
            ValueError,
            r"shape of P \(2, 2\), got shape \(1",
        ),
        (
            lambda: dn.sufficiency_summary(P2, [0, 1], S2, logit_scale=0),
            ValueError,
            r"logit_scale .* > 0, got 0",
        ),
        (lambda: dn.sufficiency_summary(P2, [0, 1], S2, logit_scale=-2.0), ValueError, r"got -2\.0"),
        (
            lambda: dn.sufficiency_summary(P2, [0, 1], S2, log_prior=[0.0]),
            ValueError,
            r"log_prior .* \(2,\).* \(1,\)",
        ),
        (
            lambda: dn.sufficiency_summary(P2, [0, 1], S2, log_prior=[0.0, np.inf]),
            ValueError,
            r"log_prior .*\+inf",
        ),
        (
            lambda: dn.sufficiency_summary(P2, [0, 1], S2, log_prior=[0.0, np.nan]),
            ValueError,
            r"log_prior .*NaN",
        ),
        (lambda: dn.sufficiency_summary(P2, [0, 1], S2, decimals=-1), ValueError, r"decimals .* got -1"),
        (lambda: dn.sufficiency_summary(P2, [0, 1], S2, decimals=1.5), TypeError, r"decimals .* got 1\.5"),
        (lambda: dn.sufficiency_summary(P2, [0, 1], S2, base=0.5), ValueError, r"base .* got 0\.5"),
    ],
)
def test_bad_arguments_are_rejected_with_the_bad_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_expected_kl_is_infinite_where_the_model_excludes_a_possible_candidate():
    assert dn.expected_kl(P2, np.array([[-np.inf, 0.0], [0.0, 0.0]])) == math.inf
    assert dn.expected_kl(P2, np.array([[0.0, -np.inf], [-np.inf, 0.0]])) == 0.0  # excludes only impossible


# --------------------------------------------------------------------------------------------------
# sufficiency_summary: how much of I(B; Q) a learned statistic keeps and its rule uses


def _switched_xor_query(d: int, p: float):
    """(P, a xor c) of the switched XOR: the joint of ((a, c), b) and the Bayes statistic of each query."""
    A = 2**d
    a, c = np.divmod(np.arange(A * A), A)  # query row a * A + c
    return dn.query_table(switched_xor(d, p), (0, 2), 1), a ^ c


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("p", [0.25, 0.5, 1.0])
def test_the_exact_bayes_statistic_keeps_all_the_information(d, p):
    P, s = _switched_xor_query(d, p)
    scores = (s[:, None] == np.arange(2**d)[None, :]).astype(float)  # score 1 for the candidate a xor c
    out = dn.sufficiency_summary(P, s, scores)
    assert out["n_groups"] == 2**d
    assert out["grouping_ratio"] == pytest.approx(1.0, abs=1e-12)
    assert out["argmax_ratio"] == pytest.approx(1.0, abs=1e-12)
    assert out["accuracy"] == pytest.approx(dn.bayes_accuracy(P), abs=1e-12)
    assert out["I_query"] == pytest.approx(it.mutual_information(switched_xor(d, p), 1, (0, 2)), abs=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_a_statistic_that_ignores_the_triple_term_keeps_the_information_but_its_rule_uses_none(d):
    # CLIP-like: T = r(a) + r(c) with the parity code r(x) = (-1)^bits, score <T, r(b)>: pairwise only
    r = 1.0 - 2.0 * ((np.arange(2**d)[:, None] >> np.arange(d)[None, ::-1]) & 1)  # (2^d, d) in {+1, -1}
    T = (r[:, None, :] + r[None, :, :]).reshape(-1, d)
    P, _ = _switched_xor_query(d, 1.0)
    out = dn.sufficiency_summary(P, T, T @ r.T)
    assert out["grouping_ratio"] == pytest.approx(1.0, abs=1e-12)  # T is injective enough: nothing destroyed
    assert out["argmax_ratio"] == pytest.approx(0.0, abs=1e-12)  # ... and nothing used
    assert out["accuracy"] == pytest.approx(2.0**-d, abs=1e-12)


def test_constant_scores_use_nothing_and_their_softmax_is_the_prior():
    P, _ = _switched_xor_query(2, 1.0)
    A = 4
    a = np.arange(A * A) // A
    out = dn.sufficiency_summary(P, a, np.zeros(P.shape))  # T = a alone, every candidate ties
    assert out["grouping_ratio"] == pytest.approx(0.0, abs=1e-12)  # a alone says nothing about b
    assert out["argmax_ratio"] == pytest.approx(0.0, abs=1e-12)
    assert out["accuracy"] == pytest.approx(0.25, abs=1e-12)
    assert out["usable_ratio"] == pytest.approx(0.0, abs=1e-12)  # KL to the prior is all of I(b; a, c)


def test_a_shuffled_statistic_loses_the_information_its_argmax_kept():
    P, s = _switched_xor_query(2, 1.0)
    shuffled = np.random.default_rng(0).permutation(s)  # the statistic of another query
    scores = (shuffled[:, None] == np.arange(4)[None, :]).astype(float)
    out = dn.sufficiency_summary(P, shuffled, scores)
    assert out["argmax_ratio"] < 0.5 and out["accuracy"] < 0.5


def test_ratios_are_nan_where_the_query_carries_no_information():
    P, s = _switched_xor_query(2, 0.0)  # p = 0: b is independent of (a, c)
    out = dn.sufficiency_summary(P, s, np.zeros(P.shape))
    assert out["I_query"] == 0.0 and math.isnan(out["argmax_ratio"]) and math.isnan(out["usable_ratio"])


def test_default_log_prior_is_the_candidate_marginal_and_base_changes_only_the_unit():
    P, s = _switched_xor_query(2, 0.5)
    scores = (s[:, None] == np.arange(4)[None, :]).astype(float)
    default = dn.sufficiency_summary(P, s, scores, logit_scale=3.0)
    explicit = dn.sufficiency_summary(P, s, scores, logit_scale=3.0, log_prior=np.log(P.sum(axis=0)))
    assert default == explicit
    nats = dn.sufficiency_summary(P, s, scores, logit_scale=3.0, base=np.e)
    for key in ("I_query", "I_statistic", "I_decision", "expected_kl"):
        assert nats[key] == pytest.approx(default[key] * math.log(2), abs=1e-12)
    for key in ("accuracy", "grouping_ratio", "argmax_ratio", "usable_ratio"):
        assert nats[key] == pytest.approx(default[key], abs=1e-12)


def test_statistics_equal_to_the_rounding_decimals_are_one_group():
    P = np.full((3, 2), 1 / 6)
    out = dn.sufficiency_summary(P, [0.1, 0.1 + 1e-9, 0.2], np.zeros((3, 2)), decimals=6)
    assert out["n_groups"] == 2
    assert dn.sufficiency_summary(P, [0.1, 0.1 + 1e-9, 0.2], np.zeros((3, 2)), decimals=12)["n_groups"] == 3


@SETTINGS
@given(tables, st.data())
def test_a_rule_that_reads_only_the_statistic_keeps_at_most_what_the_statistic_keeps(P, data):
    # data processing: b-hat is a (randomised) function of T, and T one of the query
    n_q, n_b = P.shape
    labels = np.asarray(data.draw(st.lists(st.integers(0, 2), min_size=n_q, max_size=n_q)))
    table = np.asarray(
        data.draw(st.lists(st.integers(-2, 2), min_size=3 * n_b, max_size=3 * n_b)), dtype=float
    ).reshape(3, n_b)
    out = dn.sufficiency_summary(P, labels, table[labels], logit_scale=2.0)
    assert 0.0 <= out["I_decision"] <= out["I_statistic"] + TOL
    assert out["I_statistic"] <= out["I_query"] + TOL
    assert out["expected_kl"] >= 0.0
    if out["I_query"] > 1e-12:
        assert out["argmax_ratio"] <= out["grouping_ratio"] + 1e-6 and out["grouping_ratio"] <= 1 + 1e-6
