"""Bad input: ValueError or TypeError whose message names the bad value, and nothing else escapes."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory import SparsePMF
from infotheory.examples import xor

XOR = xor()


@pytest.mark.parametrize(
    ("p", "error", "match"),
    [
        (np.array([1.5, -0.5]), ValueError, r"negative probability \(-0\.5\)"),
        (np.array([0.5, np.nan, 0.5]), ValueError, r"non-finite probability \(nan\)"),
        (np.array([0.5, np.inf]), ValueError, r"non-finite probability \(inf\)"),
        (np.array([0.5, 0.6]), ValueError, r"sums to 1\.1"),
        (np.array([0.5, 0.5 + 2e-9]), ValueError, r"sums to 1\.000000002"),
        (np.zeros((0, 2)), ValueError, r"empty \(shape \(0, 2\)\)"),
        (np.float64(1.0), ValueError, r"0-dimensional value"),
        (np.array([0.5 + 0j, 0.5]), TypeError, r"dtype complex128"),
        (np.array(["a", "b"]), TypeError, r"dtype <U1"),
        (np.array([True, False]), TypeError, r"dtype bool"),
    ],
    ids=[
        "negative",
        "nan",
        "inf",
        "unnormalised",
        "just-beyond-tolerance",
        "empty",
        "scalar",
        "complex",
        "strings",
        "bool",
    ],
)
def test_bad_pmf_is_rejected_with_the_bad_value_named(p, error, match):
    with pytest.raises(error, match=match):
        it.entropy(p)
    with pytest.raises(error, match=match):
        it.validate_pmf(p)


def test_sum_within_tolerance_is_accepted():
    assert it.entropy(np.array([0.5, 0.5 + 5e-10])) == pytest.approx(1.0, abs=1e-8)


def test_integer_pmf_is_accepted():
    assert it.entropy(np.array([0, 1])) == 0.0


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: it.mutual_information(XOR, 0, 3), ValueError, r"axis 3 in y is out of range"),
        (lambda: it.mutual_information(XOR, -4, 1), ValueError, r"axis -4 in x is out of range"),
        (lambda: it.mutual_information(XOR, 0, 0), ValueError, r"axis 0 appears in both x and y"),
        (
            lambda: it.mutual_information(XOR, 0, 1, given=(1, 2)),
            ValueError,
            r"axis 1 appears in both y and given",
        ),
        (lambda: it.mutual_information(XOR, 0, ()), ValueError, r"y must name at least one axis"),
        (lambda: it.entropy(XOR, 0, given=0), ValueError, r"axis 0 appears in both x and given"),
        (lambda: it.entropy(XOR, (1, 1)), ValueError, r"axis 1 is repeated in x=\(1, 1\)"),
        (lambda: it.entropy(XOR, 1.5), TypeError, r"1\.5"),
        (lambda: it.entropy(XOR, "0"), TypeError, r"'0'"),
        (lambda: it.entropy(XOR, True), TypeError, r"True"),
        (
            lambda: it.conditional_mutual_information(XOR, 0, 1, 1),
            ValueError,
            r"axis 1 appears in both y and given",
        ),
        (lambda: it.total_correlation(XOR, [0, (0, 1)]), ValueError, r"axis 0 appears in both groups\[0\]"),
        (lambda: it.total_correlation(XOR, [0, 7]), ValueError, r"axis 7 in groups is out of range"),
        (lambda: it.total_correlation(XOR, []), ValueError, r"at least one group"),
        (lambda: it.total_correlation(XOR, 3), TypeError, r"groups must be a sequence"),
        (lambda: it.co_information(XOR, [0, 1], given=1), ValueError, r"axis 1 appears in both groups\[1\]"),
        (lambda: it.dual_total_correlation(XOR, [0, ()]), ValueError, r"groups must name at least one axis"),
        (lambda: it.marginal(XOR, 5), ValueError, r"axis 5 in axes is out of range"),
        (lambda: it.marginal(XOR, ()), ValueError, r"axes must name at least one axis"),
        (lambda: it.conditional(XOR, 0, (0, 1)), ValueError, r"axis 0 appears in both x and given"),
        (
            lambda: it.kl_divergence(np.ones(2) / 2, np.ones(3) / 3),
            ValueError,
            r"p.shape=\(2,\) and q.shape=\(3,\)",
        ),
        (lambda: it.kl_divergence(np.ones(2) / 2, np.array([0.5, 0.7])), ValueError, r"q sums to 1\.2"),
        (lambda: it.entropy(XOR, base=1), ValueError, r"base .* got 1"),
        (lambda: it.entropy(XOR, base=-2), ValueError, r"got -2"),
        (lambda: it.entropy(XOR, base=0), ValueError, r"got 0"),
        (lambda: it.entropy(XOR, base=float("nan")), ValueError, r"got nan"),
        (lambda: it.entropy(XOR, base="e"), TypeError, r"got 'e'"),
    ],
)
def test_bad_arguments_are_rejected_with_the_bad_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("outcomes", "probs", "kwargs", "error", "match"),
    [
        ([[0, -1]], [1.0], {}, ValueError, r"non-negative codes, found -1"),
        ([[0.5, 1.0]], [1.0], {}, TypeError, r"dtype float64"),
        ([0, 1], [0.5, 0.5], {}, ValueError, r"2-D \(K, n_vars\), got shape \(2,\)"),
        ([[0], [1]], [1.0], {}, ValueError, r"shape \(2,\) to match outcomes, got shape \(1,\)"),
        ([[0], [1]], [0.5, 0.6], {}, ValueError, r"probs sums to 1\.1"),
        ([[0], [1]], [1.5, -0.5], {}, ValueError, r"negative probability \(-0\.5\)"),
        (
            [[0], [3]],
            [0.5, 0.5],
            {"shape": (2,)},
            ValueError,
            r"shape\[0\]=2 is too small: outcomes hold code 3",
        ),
        (
            [[0], [1]],
            [0.5, 0.5],
            {"shape": (2, 2)},
            ValueError,
            r"shape \(2, 2\) has 2 entries for 1 variables",
        ),
        (np.zeros((2, 0), dtype=int), [0.5, 0.5], {}, ValueError, r"at least one column"),
    ],
)
def test_bad_sparse_pmf_is_rejected_with_the_bad_value_named(outcomes, probs, kwargs, error, match):
    with pytest.raises(error, match=match):
        SparsePMF(outcomes, probs, **kwargs)


@pytest.mark.parametrize(
    ("samples", "error", "match"),
    [
        (np.zeros((0, 3), dtype=int), ValueError, r"empty \(0 rows\)"),
        ([], ValueError, r"no variables"),
        ([np.array([], dtype=int)], ValueError, r"empty \(0 rows\)"),
        (np.array([[0.5, 1.0]]), TypeError, r"variable 0 have dtype float64"),
        ([np.array([0, 1]), np.array([0.0, 1.0])], TypeError, r"variable 1 have dtype float64"),
        ([np.array([0, 1]), np.array([0, 1, 1])], ValueError, r"lengths \[2, 3\]"),
        (np.zeros((2, 2, 2), dtype=int), ValueError, r"got shape \(2, 2, 2\)"),
        ([np.zeros((2, 0), dtype=int)], ValueError, r"variable 0 have shape \(2, 0\)"),
        ("0101", TypeError, r"got str"),
        ([np.array(["a", "b"])], TypeError, r"dtype <U1"),
    ],
)
def test_bad_samples_are_rejected_with_the_bad_value_named(samples, error, match):
    with pytest.raises(error, match=match):
        it.empirical_pmf(samples)
    with pytest.raises(error, match=match):
        it.plugin_estimate(it.entropy, samples)


ROWS = np.array([[0, 0], [0, 1], [1, 1]])


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: it.plugin_estimate(it.kl_divergence, ROWS),
            ValueError,
            r"'kl_divergence' is not a sum of entropies",
        ),
        (lambda: it.plugin_estimate("entropies", ROWS), ValueError, r"unknown measure 'entropies'"),
        (
            lambda: it.plugin_estimate(it.entropy, ROWS, correction="jackknife"),
            ValueError,
            r"got 'jackknife'",
        ),
        (
            lambda: it.plugin_estimate(it.mutual_information, ROWS, 0, 2),
            ValueError,
            r"axis 2 in y is out of range",
        ),
        (
            lambda: it.bootstrap_ci(it.entropy, ROWS, level=1.5),
            ValueError,
            r"level must be in \(0, 1\), got 1\.5",
        ),
        (
            lambda: it.bootstrap_ci(it.entropy, ROWS, n_boot=0),
            ValueError,
            r"n_boot must be a positive int, got 0",
        ),
        (lambda: it.bootstrap_ci(it.entropy, ROWS, seed="x"), TypeError, r"got 'x'"),
    ],
)
def test_bad_estimator_arguments_are_rejected_with_the_bad_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


junk = st.one_of(
    st.integers(-6, 6),
    st.tuples(st.integers(-6, 6), st.integers(-6, 6)),
    st.floats(allow_nan=True),
    st.text(max_size=2),
    st.none(),
    st.booleans(),
    st.lists(st.integers(-6, 6), max_size=3),
)


# regression: issue 2 (no numpy IndexError may escape for malformed axes)
@settings(max_examples=60, deadline=None, database=None)
@given(x=junk, y=junk, given_=junk)
def test_no_exception_other_than_value_or_type_error_escapes(x, y, given_):
    for call in (
        lambda: it.mutual_information(XOR, x, y, given=given_),
        lambda: it.entropy(XOR, x, given=given_),
        lambda: it.total_correlation(XOR, [x, y]),
        lambda: it.marginal(XOR, x),
        lambda: it.conditional(XOR, x, given_),
    ):
        try:
            call()
        except (ValueError, TypeError) as err:
            assert str(err)
        # any other exception type fails the test


def test_error_messages_name_the_argument_for_kl_divergence():
    with pytest.raises(ValueError, match=re.escape("p contains a negative probability (-1.0)")):
        it.kl_divergence(np.array([2.0, -1.0]), np.array([0.5, 0.5]))
