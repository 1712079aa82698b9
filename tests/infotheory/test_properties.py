"""Properties on random pmfs (hypothesis): non-negativity, chain rules, symmetry, invariances, bounds."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory.strategies import markov_chains, pmfs, sparse_pmfs

SETTINGS = settings(max_examples=40, deadline=None, database=None)
TOL = 1e-9

three_vars = pmfs(n_vars=3, max_alphabet=3)


@SETTINGS
@given(three_vars)
def test_nonnegative_measures_are_nonnegative(p):
    values = {
        "H": it.entropy(p),
        "H(X|YZ)": it.entropy(p, 0, given=(1, 2)),
        "I": it.mutual_information(p, 0, 1),
        "I(X;Y|Z)": it.conditional_mutual_information(p, 0, 1, 2),
        "TC": it.total_correlation(p),
        "DTC": it.dual_total_correlation(p),
        "S": it.s_information(p),
    }
    assert all(v >= 0.0 for v in values.values()), values


@SETTINGS
@given(pmfs(n_vars=2, max_alphabet=4))
def test_entropy_chain_rule(p):
    assert it.entropy(p) == pytest.approx(it.entropy(p, 0) + it.entropy(p, 1, given=0), abs=TOL)


@SETTINGS
@given(three_vars)
def test_mutual_information_chain_rule(p):
    lhs = it.mutual_information(p, 0, (1, 2))
    rhs = it.mutual_information(p, 0, 1) + it.conditional_mutual_information(p, 0, 2, 1)
    assert lhs == pytest.approx(rhs, abs=TOL)


@SETTINGS
@given(pmfs(n_vars=(2, 4), max_alphabet=3))
def test_total_correlation_is_sum_of_marginal_entropies_minus_joint(p):
    expected = sum(it.entropy(p, i) for i in range(p.ndim)) - it.entropy(p)
    assert it.total_correlation(p) == pytest.approx(expected, abs=TOL)


@SETTINGS
@given(pmfs(n_vars=2, max_alphabet=4))
def test_total_correlation_of_two_variables_is_mutual_information(p):
    assert it.total_correlation(p) == pytest.approx(it.mutual_information(p, 0, 1), abs=TOL)
    assert it.dual_total_correlation(p) == pytest.approx(it.mutual_information(p, 0, 1), abs=TOL)
    assert it.co_information(p) == pytest.approx(it.mutual_information(p, 0, 1), abs=TOL)


@SETTINGS
@given(pmfs(n_vars=2, max_alphabet=4))
def test_mutual_information_is_kl_divergence_from_product_of_marginals(p):
    product = np.outer(it.marginal(p, 0), it.marginal(p, 1))
    assert it.mutual_information(p, 0, 1) == pytest.approx(it.kl_divergence(p, product), abs=TOL)


@SETTINGS
@given(three_vars)
def test_mutual_information_is_symmetric(p):
    assert it.mutual_information(p, 0, 1) == pytest.approx(it.mutual_information(p, 1, 0), abs=TOL)
    assert it.conditional_mutual_information(p, 0, 1, 2) == pytest.approx(
        it.conditional_mutual_information(p, 1, 0, 2), abs=TOL
    )


@SETTINGS
@given(three_vars)
def test_three_variable_identities(p):
    """co-information = I(X;Y) - I(X;Y|Z); interaction information = -co-information; O = TC - DTC."""
    co = it.mutual_information(p, 0, 1) - it.conditional_mutual_information(p, 0, 1, 2)
    assert it.co_information(p) == pytest.approx(co, abs=TOL)
    assert it.interaction_information(p) == pytest.approx(-co, abs=TOL)
    tc, dtc = it.total_correlation(p), it.dual_total_correlation(p)
    assert it.o_information(p) == pytest.approx(tc - dtc, abs=TOL)
    assert it.s_information(p) == pytest.approx(tc + dtc, abs=TOL)


@SETTINGS
@given(pmfs(n_vars=(2, 4), max_alphabet=3))
def test_dual_total_correlation_is_bounded_by_total_correlation(p):
    n = p.ndim
    tc, dtc = it.total_correlation(p), it.dual_total_correlation(p)
    assert tc / (n - 1) <= dtc + TOL
    assert dtc <= (n - 1) * tc + TOL


@SETTINGS
@given(pmfs(n_vars=(1, 3), max_alphabet=5))
def test_entropy_is_at_most_log_of_alphabet_size(p):
    for axis in range(p.ndim):
        assert it.entropy(p, axis) <= math.log2(p.shape[axis]) + TOL


@SETTINGS
@given(three_vars, st.data())
def test_measures_are_invariant_under_relabeling_outcomes(p, data):
    relabeled = p
    for axis, size in enumerate(p.shape):
        perm = data.draw(st.permutations(range(size)))
        relabeled = np.take(relabeled, perm, axis=axis)
    for measure in (it.entropy, it.total_correlation, it.dual_total_correlation, it.co_information):
        assert measure(relabeled) == pytest.approx(measure(p), abs=TOL)
    assert it.conditional_mutual_information(relabeled, 0, 1, 2) == pytest.approx(
        it.conditional_mutual_information(p, 0, 1, 2), abs=TOL
    )


@SETTINGS
@given(three_vars, st.permutations(range(3)))
def test_measures_are_invariant_under_permuting_axes(p, order):
    permuted = np.transpose(p, order)
    for measure in (it.entropy, it.total_correlation, it.dual_total_correlation, it.co_information):
        assert measure(permuted) == pytest.approx(measure(p), abs=TOL)
    # axis order[i] of p is axis i of permuted
    where = {a: i for i, a in enumerate(order)}
    assert it.conditional_mutual_information(permuted, where[0], where[1], where[2]) == pytest.approx(
        it.conditional_mutual_information(p, 0, 1, 2), abs=TOL
    )


@SETTINGS
@given(markov_chains(max_alphabet=4))
def test_data_processing_inequality_on_markov_chains(p):
    i_xz = it.mutual_information(p, 0, 2)
    assert i_xz <= it.mutual_information(p, 0, 1) + TOL
    assert i_xz <= it.mutual_information(p, 1, 2) + TOL
    assert it.conditional_mutual_information(p, 0, 2, 1) == pytest.approx(0.0, abs=TOL)


@SETTINGS
@given(pmfs(n_vars=2, max_alphabet=4), pmfs(n_vars=2, max_alphabet=4))
def test_kl_divergence_is_nonnegative_and_zero_on_itself(p, q):
    assert it.kl_divergence(p, p) == 0.0
    if p.shape == q.shape:
        assert it.kl_divergence(p, q) >= 0.0


@SETTINGS
@given(three_vars)
def test_conditional_times_marginal_is_the_joint(p):
    c = it.conditional(p, (1, 2), 0)  # axes (X0, X1, X2)
    np.testing.assert_allclose(c * it.marginal(p, 0)[:, None, None], p, atol=1e-15)


@SETTINGS
@given(sparse_pmfs(n_vars=(1, 4), max_alphabet=3))
def test_sparse_and_dense_give_the_same_measures(pair):
    sparse, dense = pair
    for measure in (
        it.entropy,
        it.total_correlation,
        it.dual_total_correlation,
        it.o_information,
        it.s_information,
        it.co_information,
        it.interaction_information,
    ):
        assert measure(sparse) == pytest.approx(measure(dense), abs=TOL)
    if dense.ndim >= 3:
        assert it.conditional_mutual_information(sparse, 0, (1,), 2) == pytest.approx(
            it.conditional_mutual_information(dense, 0, (1,), 2), abs=TOL
        )
    np.testing.assert_allclose(it.marginal(sparse, 0).to_dense(), it.marginal(dense, 0), atol=1e-15)
    assert it.kl_divergence(sparse, dense) == pytest.approx(0.0, abs=TOL)
