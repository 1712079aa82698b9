"""Bad input: ValueError or TypeError whose message names the bad value, and nothing else escapes."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory import SparsePMF
from infotheory._entropies import BatchEntropyTable, EntropyTable
from infotheory._validation import as_rng, check_base
from infotheory.examples import xor
from infotheory.measures import _measure_on_table

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
        ([np.array([0, 1]), np.array([0, 1, 1])], ValueError, r"lengths .*2.*3"),
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
            lambda: it.plugin_estimate(it.entropy, ROWS, correction="bias_free"),
            ValueError,
            r"correction must be .*got 'bias_free'",
        ),
        (
            lambda: it.plugin_estimate(it.mutual_information, ROWS, 0, 2),
            ValueError,
            r"axis 2 in y is out of range",
        ),
        (
            lambda: it.bootstrap_ci(it.entropy, ROWS, level=1.5),
            ValueError,
            r"level must be .*\(0, 1\), got 1\.5",
        ),
        (
            lambda: it.bootstrap_ci(it.entropy, ROWS, n_boot=0),
            ValueError,
            r"n_boot must be .*, got 0",
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


# --------------------------------------------------------------------------------------------------
# the shared validators: logarithm base and seeds


# regression: issue 9 (a base in (0, 1) flipped the sign: entropy(np.ones(4) / 4, base=0.5) was -2.0)
def test_base_below_one_is_rejected_instead_of_flipping_the_sign():
    with pytest.raises(ValueError, match=r"base must be a finite real number > 1 .*got 0\.5"):
        it.entropy(np.ones(4) / 4, base=0.5)


@pytest.mark.parametrize(
    ("base", "error", "match"),
    [
        (0.5, ValueError, r"got 0\.5"),
        (1, ValueError, r"got 1$"),
        (1.0, ValueError, r"got 1\.0"),
        (0, ValueError, r"got 0$"),
        (-2, ValueError, r"got -2"),
        (float("nan"), ValueError, r"got nan"),
        (float("inf"), ValueError, r"got inf"),
        (True, TypeError, r"got True"),
        (np.bool_(True), TypeError, r"got (np\.)?True"),
        (2 + 0j, TypeError, r"got \(2\+0j\)"),
        ("2", TypeError, r"got '2'"),
        (None, TypeError, r"got None"),
    ],
)
def test_check_base_rejects_every_bad_base_naming_it(base, error, match):
    with pytest.raises(error, match=match):
        check_base(base)
    for measure in (it.entropy, it.total_correlation, it.co_information):  # every measure shares it
        with pytest.raises(error, match=match):
            measure(XOR, base=base)
    with pytest.raises(error, match=match):
        it.kl_divergence(XOR, XOR, base=base)
    with pytest.raises(error, match=match):
        it.pointwise_total_correlation(XOR, base=base)


@pytest.mark.parametrize("base", [2, 2.0, np.e, 10, np.float32(2.0), np.int64(3), 1.0000001])
def test_check_base_accepts_real_numbers_above_one(base):
    assert check_base(base) == float(base)


@pytest.mark.parametrize("measure", [it.entropy, it.total_correlation, it.mutual_information])
def test_base_is_keyword_only(measure):
    args = (0, 1) if measure is it.mutual_information else ()
    with pytest.raises(TypeError):
        measure(XOR, *args, (), 2)  # a positional base is not accepted


@pytest.mark.parametrize("seed", [0, 7, np.int64(7), np.uint8(3), 2**63 - 1])
def test_as_rng_accepts_non_negative_int_seeds_and_repeats_them(seed):
    a, b = as_rng(seed).random(3), as_rng(seed).random(3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.random.default_rng(int(seed)).random(3))


def test_as_rng_passes_a_generator_through_and_advances_it():
    gen = np.random.default_rng(1)
    assert as_rng(gen) is gen
    first, second = as_rng(gen).random(), as_rng(gen).random()
    assert first != second


@pytest.mark.parametrize(
    ("seed", "error", "match"),
    [
        (-1, ValueError, r"seed must be a non-negative int below 2\*\*63, got -1"),
        (2**63, ValueError, r"got 9223372036854775808"),
        (1.0, TypeError, r"got 1\.0"),
        ("0", TypeError, r"got '0'"),
        (None, TypeError, r"got None"),
        (True, TypeError, r"got True"),
        (np.random.RandomState(0), TypeError, r"got RandomState"),
    ],
)
def test_as_rng_rejects_bad_seeds_naming_them(seed, error, match):
    with pytest.raises(error, match=match):
        as_rng(seed)
    with pytest.raises(error, match=match):  # the estimators use the same rule
        it.bootstrap_ci(it.entropy, ROWS, seed=seed)


def test_as_rng_names_the_argument_it_checks():
    with pytest.raises(TypeError, match=r"^rng must be"):
        as_rng(0.5, name="rng")


# --------------------------------------------------------------------------------------------------
# the private entropy-table path (issue 9: a table passed as p made `-> float` measures return arrays)


def _batch_table():
    outcomes = np.array([[0, 0], [0, 1], [1, 1]])
    counts = np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 2.0], [4.0, 0.0, 0.0]])  # 3 replicates of n = 4
    return BatchEntropyTable(outcomes, (2, 2), counts, 4, miller_madow=False)


MEASURES = [
    (it.entropy, ()),
    (it.mutual_information, (0, 1)),
    (it.conditional_mutual_information, (0, 1, ())),
    (it.total_correlation, ()),
    (it.dual_total_correlation, ()),
    (it.o_information, ()),
    (it.s_information, ()),
    (it.co_information, ()),
    (it.interaction_information, ()),
]


# regression: issue 9
@pytest.mark.parametrize(("measure", "args"), MEASURES, ids=[m.__name__ for m, _ in MEASURES])
def test_public_measures_refuse_an_entropy_table_as_p(measure, args):
    for table in (EntropyTable(np.full((2, 2), 0.25)), _batch_table()):
        with pytest.raises(TypeError, match=rf"got a private {type(table).__name__}"):
            measure(table, *args)


@pytest.mark.parametrize(("measure", "args"), MEASURES, ids=[m.__name__ for m, _ in MEASURES])
def test_measure_on_table_gives_a_float_for_a_table_and_one_value_per_replicate_for_a_batch(measure, args):
    p = np.array([[0.5, 0.25], [0.0, 0.25]])  # the empirical pmf of replicate 0 of _batch_table
    on_table = _measure_on_table(measure, EntropyTable(p), *args)
    assert type(on_table) is float and on_table == pytest.approx(measure(p, *args), abs=1e-12)
    batch = _measure_on_table(measure.__name__, _batch_table(), *args)
    assert isinstance(batch, np.ndarray) and batch.shape == (3,)
    assert batch[0] == pytest.approx(measure(p, *args), abs=1e-12)
    assert batch[2] == 0.0 or measure is it.o_information  # replicate 2 is a point mass


def test_measure_on_table_refuses_other_measures_and_objects():
    with pytest.raises(ValueError, match=r"'kl_divergence' is not a sum of entropies"):
        _measure_on_table(it.kl_divergence, EntropyTable(XOR))
    with pytest.raises(ValueError, match=r"unknown measure 'entropies'"):
        _measure_on_table("entropies", EntropyTable(XOR))
    with pytest.raises(TypeError, match=r"table must be an EntropyTable, got ndarray"):
        _measure_on_table(it.entropy, XOR)


# --------------------------------------------------------------------------------------------------
# one conditioning keyword: given=, with z as a documented alias of conditional_mutual_information


def test_conditional_mutual_information_takes_given_and_its_alias_z():
    expected = it.mutual_information(XOR, 0, 1, given=2)
    assert expected == pytest.approx(1.0, abs=1e-12)
    assert it.conditional_mutual_information(XOR, 0, 1, given=2) == expected
    assert it.conditional_mutual_information(XOR, 0, 1, 2) == expected
    assert it.conditional_mutual_information(XOR, 0, 1, z=2) == expected
    assert it.conditional_mutual_information(XOR, 0, 1, given=()) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({}, r"needs the conditioning axes: pass given="), ({"z": 2, "given": 2}, r"given=2 and its alias z=2")],
)
def test_conditional_mutual_information_needs_exactly_one_of_given_and_z(kwargs, match):
    with pytest.raises(TypeError, match=match):
        it.conditional_mutual_information(XOR, 0, 1, **kwargs)


@pytest.mark.parametrize(
    ("atol", "error"),
    [(float("nan"), ValueError), (-1.0, ValueError), (float("inf"), ValueError), ("x", TypeError),
     (True, TypeError)],
)
def test_a_tolerance_must_be_finite_and_non_negative_everywhere(atol, error):
    # regression: issue 10 -- atol = nan silently disabled the sum check (|s - 1| > nan is always False)
    from infotheory import decision

    calls = [
        lambda: it.validate_pmf([0.5, 0.6], atol=atol),
        lambda: SparsePMF([[0], [1]], [0.5, 0.5], atol=atol),
        lambda: decision.partition_rows(np.eye(2), tol=atol),
        lambda: decision.choice_probabilities(np.eye(2), tie_atol=atol),
    ]
    for call in calls:
        with pytest.raises(error, match="must be a finite real number >= 0"):
            call()


def test_a_float_shape_is_refused_not_truncated():
    # regression: issue 10 -- shape=(2.5, 2) was truncated to (2, 2)
    from infotheory._validation import check_shape

    with pytest.raises(TypeError, match=r"shape\[0\] must be an int >= 1, got 2.5"):
        SparsePMF([[0, 0], [1, 1]], [0.5, 0.5], shape=(2.5, 2))
    with pytest.raises(ValueError, match=r"has 1 entries for 2 variables"):
        SparsePMF([[0, 0], [1, 1]], [0.5, 0.5], shape=(2,))
    assert check_shape((np.int64(2), 3)) == (2, 3)
    assert SparsePMF([[0, 0], [1, 1]], [0.5, 0.5], shape=(np.int64(3), 2)).shape == (3, 2)


@pytest.mark.parametrize("values", [np.full(4, 0.25) + 0j, np.array(["a", "b"])])
def test_complex_or_string_tables_are_refused_not_truncated(values):
    # regression: issue 10 -- no imaginary part is ever dropped silently
    with pytest.raises(TypeError, match="must hold real numbers"):
        it.validate_pmf(values)


_ENTRY = st.sampled_from([0.0, 0.0, 0.125, 0.25, 0.5, 1.0, -0.25, np.nan, np.inf, 1e-300])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_ENTRY, min_size=1, max_size=9))
def test_validate_pmf_cells_accepts_and_rejects_exactly_as_validate_pmf(entries):
    # validate_pmf_cells (the measures' dense path: one min, the positive cells, their sum) must make the
    # same decision as validate_pmf with the same message, and return exactly the positive entries
    from infotheory._validation import validate_pmf_cells

    arr = np.array(entries, dtype=np.float64)
    try:
        expected = it.validate_pmf(arr)
    except (ValueError, TypeError) as err:
        with pytest.raises(type(err), match=re.escape(str(err))):
            validate_pmf_cells(arr)
        return
    out, cells, probs = validate_pmf_cells(arr)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(cells, np.flatnonzero(arr > 0))
    np.testing.assert_array_equal(probs, arr[arr > 0])


def test_base_beyond_the_float_range_is_a_value_error():  # regression: issue 10 (was OverflowError)
    with pytest.raises(ValueError, match="base must be a finite real number > 1"):
        check_base(10**400)
    with pytest.raises(ValueError, match="base must be a finite real number > 1"):
        it.entropy(XOR, base=10**400)
