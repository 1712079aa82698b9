"""Known values: fair coin, XOR, parity, giant bit, dyadic and triadic distributions, units."""

import math

import numpy as np
import pytest

import infotheory as it
from infotheory.examples import dyadic, giant_bit, parity, triadic, xor


def test_fair_coin_has_one_bit():
    assert it.entropy(np.array([0.5, 0.5])) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("measure", "args", "kwargs", "expected"),
    [
        (it.entropy, (), {}, 2.0),
        (it.entropy, (2,), {}, 1.0),
        (it.entropy, (2,), {"given": (0, 1)}, 0.0),
        (it.mutual_information, (0, 1), {}, 0.0),
        (it.mutual_information, (0, 2), {}, 0.0),
        (it.mutual_information, (0, 1), {"given": 2}, 1.0),
        (it.mutual_information, ((0, 1), 2), {}, 1.0),
        (it.conditional_mutual_information, (0, 1, 2), {}, 1.0),
        (it.total_correlation, (), {}, 1.0),
        (it.total_correlation, ([0, 1],), {}, 0.0),
        (it.total_correlation, ([0, 1],), {"given": 2}, 1.0),
        (it.dual_total_correlation, (), {}, 2.0),
        (it.o_information, (), {}, -1.0),
        (it.s_information, (), {}, 3.0),
        (it.co_information, (), {}, -1.0),
        (it.interaction_information, (), {}, 1.0),
    ],
)
def test_xor_values_in_bits(measure, args, kwargs, expected):
    assert measure(xor(), *args, **kwargs) == pytest.approx(expected, abs=1e-12)


def test_xor_independent_pairs_give_exact_zero_not_rounding_noise():
    assert it.mutual_information(xor(), 0, 1) == 0.0


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_parity_total_correlation_is_one_bit(n):
    assert it.total_correlation(parity(n)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_parity_dual_total_correlation_is_n_minus_one_bits(n):
    assert it.dual_total_correlation(parity(n)) == pytest.approx(n - 1, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_giant_bit_total_correlation_is_n_minus_one_bits(n):
    assert it.total_correlation(giant_bit(n)) == pytest.approx(n - 1, abs=1e-12)
    assert it.dual_total_correlation(giant_bit(n)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_giant_bit_co_information_is_one_bit(n):
    # every subset of copies has entropy 1 bit: -sum_k (-1)^k C(n, k) = 1
    assert it.co_information(giant_bit(n)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("dist", [dyadic, triadic], ids=["dyadic", "triadic"])
@pytest.mark.parametrize(
    ("measure", "expected"),
    [
        (it.entropy, 3.0),
        (it.total_correlation, 3.0),
        (it.dual_total_correlation, 3.0),
        (it.co_information, 0.0),
        (it.interaction_information, 0.0),
        (it.o_information, 0.0),
    ],
)
def test_dyadic_and_triadic_share_their_shannon_measures(dist, measure, expected):
    assert measure(dist()) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("dist", [dyadic, triadic], ids=["dyadic", "triadic"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_dyadic_and_triadic_variables_carry_two_bits(dist, axis):
    assert it.entropy(dist(), axis) == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize(
    ("base", "expected"),
    [(2, 1.0), (math.e, math.log(2)), (10, math.log10(2)), (4, 0.5)],
    ids=["bits", "nats", "base10", "base4"],
)
def test_base_changes_the_unit_of_the_fair_coin(base, expected):
    assert it.entropy(np.array([0.5, 0.5]), base=base) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("base", [math.e, 10])
@pytest.mark.parametrize(
    "measure", [it.total_correlation, it.dual_total_correlation, it.co_information, it.o_information]
)
def test_base_rescales_every_measure_by_log2_of_base(measure, base):
    bits = measure(xor())
    assert measure(xor(), base=base) == pytest.approx(bits * math.log(2) / math.log(base), rel=1e-12)


# regression: issue 2 (tiny probabilities must not produce NaN)
def test_probabilities_of_1e_300_give_finite_entropy():
    p = np.array([1.0 - 1e-300, 1e-300])  # 1 - 1e-300 == 1.0 in float64, within the sum tolerance
    h = it.entropy(p)
    assert math.isfinite(h)
    assert h == pytest.approx(1e-300 * math.log2(1e300), abs=1e-290)


def test_probabilities_of_1e_300_in_a_joint_give_finite_measures():
    p = np.array([[0.5, 1e-300], [1e-300, 0.5]])
    values = [it.mutual_information(p, 0, 1), it.total_correlation(p), it.co_information(p)]
    assert all(math.isfinite(v) for v in values)
    assert values[0] == pytest.approx(1.0, abs=1e-12)


# regression: issue 2 (tiny probabilities must not produce NaN)
def test_subnormal_probability_does_not_produce_nan():
    p = np.array([0.5, 0.5 - 5e-324, 5e-324])
    assert it.entropy(p) == pytest.approx(1.0, abs=1e-12)


def test_zero_probability_cells_contribute_nothing():
    assert it.entropy(np.array([0.5, 0.0, 0.5, 0.0])) == 1.0


def test_kl_divergence_of_xor_from_uniform_is_one_bit():
    assert it.kl_divergence(xor(), np.full((2, 2, 2), 1 / 8)) == pytest.approx(1.0, abs=1e-12)


def test_kl_divergence_is_infinite_where_q_vanishes_on_the_support_of_p():
    assert it.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == math.inf


def test_kl_divergence_ignores_cells_where_p_vanishes():
    assert it.kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == pytest.approx(1.0, abs=1e-12)


def test_marginal_keeps_axes_in_the_order_given():
    p = np.arange(24, dtype=float).reshape(2, 3, 4) / 276
    m = it.marginal(p, (2, 0))
    assert m.shape == (4, 2)
    np.testing.assert_allclose(m, p.sum(axis=1).T)


def test_conditional_of_xor_is_deterministic_given_both_inputs():
    c = it.conditional(xor(), 2, (0, 1))
    expected = np.zeros((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            expected[x, y, x ^ y] = 1.0
    np.testing.assert_array_equal(c, expected)


def test_conditional_is_zero_where_the_condition_has_zero_probability():
    p = np.array([[0.5, 0.5], [0.0, 0.0]])
    np.testing.assert_array_equal(it.conditional(p, 1, 0), [[0.5, 0.5], [0.0, 0.0]])


def test_conditional_with_empty_given_is_the_marginal():
    np.testing.assert_allclose(it.conditional(xor(), (1, 0), ()), it.marginal(xor(), (1, 0)))


FLOAT_MEASURES = [
    (it.entropy, ()),
    (it.mutual_information, (0, 1)),
    (it.conditional_mutual_information, (0, 1, 2)),
    (it.total_correlation, ()),
    (it.dual_total_correlation, ()),
    (it.o_information, ()),
    (it.s_information, ()),
    (it.co_information, ()),
    (it.interaction_information, ()),
    (it.kl_divergence, (np.full((2, 2, 2), 1 / 8),)),
]


# regression: issue 9 (no `-> float` measure may return an array or a numpy scalar)
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize(("measure", "args"), FLOAT_MEASURES, ids=[m.__name__ for m, _ in FLOAT_MEASURES])
def test_measures_return_plain_python_floats(measure, args, sparse):
    p = it.SparsePMF.from_dense(xor()) if sparse else xor()
    for base in (2, math.e):
        assert type(measure(p, *args, base=base)) is float


def test_logic_gates_have_their_textbook_information():
    from infotheory.examples import and_gate, copy_gate

    h_and = -(0.75 * np.log2(0.75) + 0.25 * np.log2(0.25))  # H(Z) of Z = X and Y: 0.811 bits
    assert it.mutual_information(and_gate(), 2, (0, 1)) == pytest.approx(h_and, abs=1e-12)
    assert it.mutual_information(and_gate(), 2, 0) == pytest.approx(h_and - 0.5, abs=1e-12)  # 0.311 bits
    assert it.mutual_information(copy_gate(), 2, 0) == pytest.approx(1.0, abs=1e-12)
    assert it.mutual_information(copy_gate(), 2, 1) == 0.0
