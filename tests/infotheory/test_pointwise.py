"""Pointwise MI and TC: known values, mean = exact measure (hypothesis), relabeling, zero cells, sparse."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory.examples import giant_bit, parity, xor
from infotheory.strategies import pmfs, sparse_pmfs

SETTINGS = settings(max_examples=40, deadline=None, database=None)
TOL = 1e-9

#: the default DiseaseTemperature table, axes (y, t), written out as an independent reference
DISEASE = np.array([[0.27, 0.27, 0.15, 0.03], [0.03, 0.03, 0.10, 0.12]])


def _weighted_mean(p, values):
    """sum_x p(x) v(x) with 0 * (-inf) = 0 (the convention of the module docstring)."""
    support = p > 0
    return float((p[support] * values[support]).sum())


# --------------------------------------------------------------------------------------------------
# known values


def test_xor_pointwise_total_correlation_is_one_bit_on_the_support_and_minus_inf_off_it():
    tc = it.pointwise_total_correlation(xor())
    support = xor() > 0
    np.testing.assert_array_equal(tc[support], 1.0)
    assert np.isneginf(tc[~support]).all()


def test_xor_pointwise_mutual_information_of_the_independent_pair_is_exactly_zero():
    np.testing.assert_array_equal(it.pointwise_mutual_information(xor(), 0, 1), np.zeros((2, 2)))


def test_xor_pointwise_conditional_mutual_information_is_one_bit_on_the_support():
    i = it.pointwise_mutual_information(xor(), 0, 1, given=2)  # axes (X, Y, Z), as named
    support = xor() > 0
    np.testing.assert_array_equal(i[support], 1.0)
    assert np.isneginf(i[~support]).all()


@pytest.mark.parametrize("n", [2, 3, 5])
def test_giant_bit_pointwise_total_correlation_is_n_minus_one_bits_on_the_support(n):
    p = giant_bit(n)
    tc = it.pointwise_total_correlation(p)
    assert tc[(0,) * n] == pytest.approx(n - 1, abs=1e-12)
    assert tc[(1,) * n] == pytest.approx(n - 1, abs=1e-12)


@pytest.mark.parametrize("n", [3, 4])
def test_parity_pointwise_total_correlation_is_one_bit_on_the_support(n):
    tc = it.pointwise_total_correlation(parity(n))
    np.testing.assert_allclose(tc[parity(n) > 0], 1.0, atol=1e-12)


def test_disease_pmi_matches_its_definition_cell_by_cell():
    p_y, p_t = DISEASE.sum(axis=1), DISEASE.sum(axis=0)
    expected = np.log2(DISEASE / np.outer(p_y, p_t))  # every cell is positive
    np.testing.assert_allclose(it.pointwise_mutual_information(DISEASE, 0, 1), expected, rtol=1e-12)
    # PMI(a, 99) = log2(0.27 / (0.72 * 0.30)) by hand
    assert it.pointwise_mutual_information(DISEASE, 0, 1)[0, 0] == pytest.approx(
        math.log2(0.27 / (0.72 * 0.30)), rel=1e-12
    )


@pytest.mark.parametrize(("base", "factor"), [(math.e, math.log(2)), (10, math.log10(2)), (4, 0.5)])
def test_base_rescales_the_pointwise_values(base, factor):
    tc = it.pointwise_total_correlation(xor(), base=base)
    np.testing.assert_allclose(tc[xor() > 0], factor, rtol=1e-12)


def test_axes_follow_the_order_in_which_the_variables_are_named():
    rng = np.random.default_rng(0)
    p = rng.random((2, 3, 4))
    p /= p.sum()
    forward = it.pointwise_mutual_information(p, 0, 2)  # axes (X0, X2)
    backward = it.pointwise_mutual_information(p, 2, 0)  # axes (X2, X0)
    assert forward.shape == (2, 4) and backward.shape == (4, 2)
    np.testing.assert_allclose(backward, forward.T, rtol=1e-12)
    conditioned = it.pointwise_mutual_information(p, 2, 0, given=1)
    assert conditioned.shape == (4, 2, 3)
    tc = it.pointwise_total_correlation(p, [2, (0, 1)])
    assert tc.shape == (4, 2, 3)


def test_two_groups_pointwise_total_correlation_is_the_pmi():
    np.testing.assert_allclose(
        it.pointwise_total_correlation(DISEASE), it.pointwise_mutual_information(DISEASE, 0, 1), rtol=1e-12
    )


def test_zero_marginal_gives_minus_inf_never_nan():
    # the second row of X and the third column of Y have probability 0: their cells are 0/0 ratios
    p = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
    pmi = it.pointwise_mutual_information(p, 0, 1)
    assert not np.isnan(pmi).any()
    np.testing.assert_array_equal(pmi, [[0.0, 0.0, -np.inf], [-np.inf, -np.inf, -np.inf]])


def test_sparse_pmf_gives_one_value_per_stored_outcome():
    sp = it.SparsePMF.from_dense(xor())
    tc = it.pointwise_total_correlation(sp)
    assert tc.shape == (sp.nnz,)
    np.testing.assert_array_equal(tc, 1.0)


# --------------------------------------------------------------------------------------------------
# properties


@SETTINGS
@given(pmfs(n_vars=3, max_alphabet=3))
def test_mean_of_pointwise_measures_is_the_exact_measure(p):
    pmi = it.pointwise_mutual_information(p, 0, 1)  # axes (0, 1)
    expected = it.mutual_information(p, 0, 1)
    assert _weighted_mean(it.marginal(p, (0, 1)), pmi) == pytest.approx(expected, abs=TOL)
    cmi = it.pointwise_mutual_information(p, 0, (1,), given=2)  # axes (0, 1, 2): same layout as p
    expected = it.conditional_mutual_information(p, 0, 1, given=2)
    assert _weighted_mean(p, cmi) == pytest.approx(expected, abs=TOL)
    assert _weighted_mean(p, it.pointwise_total_correlation(p)) == pytest.approx(
        it.total_correlation(p), abs=TOL
    )
    tc_given = it.pointwise_total_correlation(p, [0, 1], given=2)
    assert _weighted_mean(p, tc_given) == pytest.approx(it.total_correlation(p, [0, 1], given=2), abs=TOL)


@SETTINGS
@given(pmfs(n_vars=(2, 4), max_alphabet=3))
def test_pointwise_values_are_finite_exactly_on_the_support(p):
    tc = it.pointwise_total_correlation(p)
    assert not np.isnan(tc).any()
    np.testing.assert_array_equal(np.isfinite(tc), p > 0)


@SETTINGS
@given(pmfs(n_vars=3, max_alphabet=3), st.data())
def test_relabeling_outcomes_relabels_the_pointwise_table(p, data):
    perms = [data.draw(st.permutations(range(size))) for size in p.shape]
    relabeled = p
    for axis, perm in enumerate(perms):
        relabeled = np.take(relabeled, perm, axis=axis)
    for f in (
        lambda q: it.pointwise_total_correlation(q),
        lambda q: it.pointwise_mutual_information(q, 0, 1, given=2),
    ):
        expected = f(p)
        for axis, perm in enumerate(perms):
            expected = np.take(expected, perm, axis=axis)
        np.testing.assert_allclose(f(relabeled), expected, atol=1e-12)


@SETTINGS
@given(sparse_pmfs(n_vars=(2, 4), max_alphabet=3))
def test_sparse_values_equal_the_dense_table_at_the_stored_outcomes(pair):
    sparse, dense = pair
    cells = tuple(sparse.outcomes.T)
    np.testing.assert_allclose(
        it.pointwise_total_correlation(sparse), it.pointwise_total_correlation(dense)[cells], atol=1e-12
    )
    if dense.ndim >= 3:
        pmi = it.pointwise_mutual_information(dense, 0, 1, given=2)  # axes (0, 1, 2); others summed out
        np.testing.assert_allclose(
            it.pointwise_mutual_information(sparse, 0, 1, given=2), pmi[cells[:3]], atol=1e-12
        )


@SETTINGS
@given(pmfs(n_vars=2, max_alphabet=4))
def test_pmi_is_symmetric(p):
    np.testing.assert_allclose(
        it.pointwise_mutual_information(p, 0, 1), it.pointwise_mutual_information(p, 1, 0).T, atol=1e-12
    )


# --------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: it.pointwise_mutual_information(xor(), 0, 0), ValueError, r"axis 0 appears in both x and y"),
        (lambda: it.pointwise_mutual_information(xor(), 0, 3), ValueError, r"axis 3 in y is out of range"),
        (lambda: it.pointwise_total_correlation(xor(), [0, 1], given=1), ValueError, r"axis 1 appears in"),
        (lambda: it.pointwise_total_correlation(xor(), base=0.5), ValueError, r"got 0\.5"),
        (lambda: it.pointwise_total_correlation(np.array([0.5, 0.6])), ValueError, r"sums to 1\.1"),
        (lambda: it.pointwise_mutual_information(xor(), 0, 1, base="2"), TypeError, r"got '2'"),
    ],
)
def test_bad_arguments_are_rejected_with_the_bad_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
