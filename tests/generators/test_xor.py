"""BinaryXOR: the paper's closed forms, exact enumeration through infotheory, sampling, validation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import infotheory as it
from generators import BinaryXOR, decode_bits, encode_bits, xor_bayes_accuracy, xor_info_table
from generators.xor import INFO_KEYS, MAX_DENSE_D

P_GRID = [0.0, 0.1, 0.5, 0.9, 1.0]


def _enumerated_info(P, base=2) -> dict[str, float]:
    """The info_table quantities computed from a joint pmf with axes (a, b, c) by infotheory."""
    return {
        "I(a;b)": it.mutual_information(P, 0, 1, base=base),
        "I(b;c)": it.mutual_information(P, 1, 2, base=base),
        "I(a;c)": it.mutual_information(P, 0, 2, base=base),
        "I(a;b|c)": it.conditional_mutual_information(P, 0, 1, 2, base=base),
        "I(b;c|a)": it.conditional_mutual_information(P, 1, 2, 0, base=base),
        "I(a;c|b)": it.conditional_mutual_information(P, 0, 2, 1, base=base),
        "H(c|a)": it.entropy(P, 2, given=0, base=base),
        "TC": it.total_correlation(P, base=base),
    }


# ----------------------------------------------------------------------------------------- known values
def test_check_values_d5_p05_in_nats_match_the_paper():
    t = BinaryXOR(d=5, p=0.5).info_table(base=math.e)
    assert t["I(a;c)"] == pytest.approx(1.1097, abs=1e-4)
    assert t["I(a;b|c)"] == pytest.approx(1.6845, abs=1e-4)
    assert t["TC"] == pytest.approx(2.7942, abs=1e-4)
    assert t["I(a;b)"] == 0.0 and t["I(b;c)"] == 0.0


def test_d1_p1_is_plain_xor_with_one_bit_of_synergy():
    t = BinaryXOR(d=1, p=1.0).info_table()
    assert t == pytest.approx(
        {
            "I(a;b)": 0,
            "I(b;c)": 0,
            "I(a;c)": 0,
            "I(a;b|c)": 1,
            "I(b;c|a)": 1,
            "I(a;c|b)": 1,
            "H(c|a)": 1,
            "TC": 1,
        }
    )


def test_p0_makes_c_a_copy_of_a():
    t = BinaryXOR(d=4, p=0.0).info_table()
    assert t["I(a;c)"] == pytest.approx(4.0)
    assert t["H(c|a)"] == 0.0 and t["I(a;b|c)"] == 0.0 and t["TC"] == pytest.approx(4.0)


@pytest.mark.parametrize(("d", "p"), [(5, 0.5), (1, 0.0), (3, 1.0), (10, 0.3)])
def test_bayes_and_chance_accuracy_closed_forms(d, p):
    xor = BinaryXOR(d=d, p=p)
    q = 2.0**-d
    assert xor.chance_accuracy() == q
    assert xor.bayes_accuracy() == pytest.approx(q + p * (1 - q))


@pytest.mark.parametrize(
    ("d", "p", "expected"), [(5, 0.0, 5.0), (1, 1.0, 0.0), (3, 1.0, 0.0), (5, 0.5, 1.601)]
)
def test_pairwise_mutual_information_sum_known_values(d, p, expected):
    # p = 0: c copies a (I(a;c) = d bits); p = 1: plain XOR, no pairwise dependence; (5, 0.5): 1.601 bits
    value = BinaryXOR(d=d, p=p).pairwise_mutual_information_sum()
    assert type(value) is float and value == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_pairwise_mutual_information_sum_is_i_a_c_of_the_closed_form_table(p):
    # regression: issue 9 (experiments/bounds.py summed the table's three pairs itself)
    table = xor_info_table(5, p)
    expected = float(table["I(a;b)"] + table["I(b;c)"] + table["I(a;c)"])
    assert BinaryXOR(d=5, p=p).pairwise_mutual_information_sum() == expected  # the same float, not close
    assert expected == float(table["I(a;c)"])


def test_info_table_has_the_documented_keys_and_float_values():
    t = BinaryXOR().info_table()
    assert tuple(t) == INFO_KEYS
    assert all(type(v) is float for v in t.values())


# ----------------------------------------------------------------------------- closed form = enumeration
@pytest.mark.parametrize("p", P_GRID)
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 6])
def test_closed_forms_equal_exact_enumeration_of_the_joint_pmf(d, p):
    xor = BinaryXOR(d=d, p=p)
    P = xor.joint_pmf()
    assert P.shape == (2**d,) * 3
    assert P.sum() == pytest.approx(1.0, abs=1e-12)
    expected = _enumerated_info(P)
    closed = xor.info_table()
    for key in INFO_KEYS:
        assert closed[key] == pytest.approx(expected[key], abs=1e-10), key


@pytest.mark.parametrize("p", P_GRID)
@pytest.mark.parametrize("d", [1, 2, 4])
@pytest.mark.parametrize("base", [2, math.e])
def test_pairwise_mutual_information_sum_equals_enumeration_of_the_joint_pmf(d, p, base):
    P = BinaryXOR(d=d, p=p).joint_pmf()
    pairs = sum(it.mutual_information(P, i, j, base=base) for i, j in [(0, 1), (1, 2), (0, 2)])
    assert BinaryXOR(d=d, p=p).pairwise_mutual_information_sum(base=base) == pytest.approx(pairs, abs=1e-10)


@pytest.mark.parametrize("base", [2, math.e, 10])
def test_closed_forms_equal_enumeration_in_other_bases(base):
    xor = BinaryXOR(d=3, p=0.3)
    expected = _enumerated_info(xor.joint_pmf(), base=base)
    assert xor.info_table(base=base) == pytest.approx(expected, abs=1e-10)
    assert xor.total_correlation(base=base) == pytest.approx(expected["TC"], abs=1e-10)


@pytest.mark.parametrize("p", P_GRID)
@pytest.mark.parametrize("d", [1, 2, 3, 4])
def test_bayes_accuracy_equals_enumeration_of_the_map_rule(d, p):
    P = BinaryXOR(d=d, p=p).joint_pmf()
    # accuracy of the MAP rule b*(a, c) = sum over (a, c) of max_b P(a, b, c)
    assert P.max(axis=1).sum() == pytest.approx(BinaryXOR(d=d, p=p).bayes_accuracy(), abs=1e-12)


@pytest.mark.parametrize("d", [1, 3])
def test_joint_pmf_matches_the_generative_definition_cell_by_cell(d):
    p = 0.3
    P = BinaryXOR(d=d, p=p).joint_pmf()
    N = 2**d
    for a in range(N):
        for b in range(N):
            expected = np.zeros(N)
            expected[a] += (1 - p) / N**2
            expected[a ^ b] += p / N**2
            np.testing.assert_allclose(P[a, b], expected, atol=1e-15)


@pytest.mark.parametrize("p", [0.0, 0.37, 1.0])
@pytest.mark.parametrize("d", [1, 3])
def test_sparse_joint_pmf_agrees_with_the_dense_one(d, p):
    xor = BinaryXOR(d=d, p=p)
    sparse = xor.sparse_joint_pmf()
    assert _enumerated_info(sparse) == pytest.approx(_enumerated_info(xor.joint_pmf()), abs=1e-10)


def test_sparse_joint_pmf_keeps_only_nonzero_outcomes():
    d = 4
    N = 2**d
    assert len(BinaryXOR(d=d, p=0.5).sparse_joint_pmf().probs) == N * N + N * (N - 1)
    assert len(BinaryXOR(d=d, p=1.0).sparse_joint_pmf().probs) == N * N
    assert np.all(BinaryXOR(d=d, p=1.0).sparse_joint_pmf().probs > 0)


@pytest.mark.slow
def test_sparse_joint_pmf_for_d10_gives_the_closed_form_total_correlation():
    xor = BinaryXOR(d=10, p=0.5)
    assert it.total_correlation(xor.sparse_joint_pmf()) == pytest.approx(xor.total_correlation(), abs=1e-9)


def test_xor_info_table_is_vectorised_over_p():
    ps = np.linspace(0, 1, 11)
    table = xor_info_table(5, ps, base=math.e)
    for key in INFO_KEYS:
        assert table[key].shape == ps.shape
        scalar = [float(xor_info_table(5, p, base=math.e)[key]) for p in ps]
        np.testing.assert_allclose(table[key], scalar, atol=1e-15)
    np.testing.assert_allclose(xor_bayes_accuracy(5, ps), [BinaryXOR(d=5, p=p).bayes_accuracy() for p in ps])


@settings(max_examples=50, deadline=None)
@given(d=st.integers(1, 30), p=st.floats(0, 1))
def test_chain_rule_and_unit_conversion_hold_for_the_closed_forms(d, p):
    bits = BinaryXOR(d=d, p=p).info_table()
    nats = BinaryXOR(d=d, p=p).info_table(base=math.e)
    # TC = I(a;c) + I(b;c) + I(a;b|c) (chain rule), and I(a;c|b) = TC because I(a;b) = 0
    assert bits["TC"] == pytest.approx(bits["I(a;c)"] + bits["I(b;c)"] + bits["I(a;b|c)"], abs=1e-9)
    assert bits["I(a;c|b)"] == pytest.approx(bits["TC"], abs=1e-12)
    assert all(v >= -1e-12 for v in bits.values())
    assert bits["TC"] <= d + 1e-9
    for key in INFO_KEYS:
        assert nats[key] == pytest.approx(bits[key] * math.log(2), abs=1e-12)


# ----------------------------------------------------------------------------------------- sampling
def test_sample_has_documented_keys_shapes_and_dtypes():
    s = BinaryXOR(d=4, p=0.5).sample(100, rng=0)
    assert sorted(s) == ["a", "b", "c"]
    for x in s.values():
        assert x.shape == (100, 4) and x.dtype == np.uint8 and set(np.unique(x)) <= {0, 1}


def test_switch_is_shared_by_all_coordinates():
    s = BinaryXOR(d=6, p=0.5).sample(2000, rng=1)
    xor_rows = np.all(s["c"] == s["a"] ^ s["b"], axis=1)
    copy_rows = np.all(s["c"] == s["a"], axis=1)
    assert np.all(xor_rows | copy_rows)  # never a mix of XOR and copy coordinates within a row
    assert 0.4 < xor_rows.mean() < 0.6


def test_sample_frequencies_match_the_joint_pmf_chi_square_d2():
    xor = BinaryXOR(d=2, p=0.3)
    n = 40_000
    s = xor.sample(n, rng=12345)
    N = 4
    flat = (xor.encode(s["a"]) * N + xor.encode(s["b"])) * N + xor.encode(s["c"])
    counts = np.bincount(flat, minlength=N**3)
    P = xor.joint_pmf().ravel()
    assert counts[P == 0].sum() == 0  # impossible outcomes never drawn
    result = stats.chisquare(counts[P > 0], n * P[P > 0])
    assert result.pvalue > 1e-3


def test_same_seed_gives_identical_samples_and_a_generator_advances():
    xor = BinaryXOR(d=3, p=0.5, p_missing=0.2)
    s1, s2 = xor.sample(50, rng=7), xor.sample(50, rng=7)
    for key in s1:
        np.testing.assert_array_equal(s1[key], s2[key])
    gen = np.random.default_rng(7)
    first, second = xor.sample(50, gen), xor.sample(50, gen)
    assert not np.array_equal(first["a"], second["a"])
    np.testing.assert_array_equal(first["a"], s1["a"])  # a Generator seeded 7 draws the same as the int 7


def test_sample_of_zero_rows_is_empty():
    s = BinaryXOR(d=3).sample(0, rng=0)
    assert s["a"].shape == (0, 3)


# ----------------------------------------------------------------------------------------- missing modalities
def test_missing_modalities_get_masks_placeholders_and_keep_observed_rows():
    n = 20_000
    full = BinaryXOR(d=3, p=0.5).sample(n, rng=3)
    miss = BinaryXOR(d=3, p=0.5, p_missing=0.25, placeholder=2).sample(n, rng=3)
    assert sorted(miss) == ["a", "b", "c", "mask_a", "mask_b", "mask_c"]
    for name in "abc":
        mask = miss[f"mask_{name}"]
        assert mask.shape == (n,) and mask.dtype == bool
        assert abs((~mask).mean() - 0.25) < 0.015
        np.testing.assert_array_equal(miss[name][mask], full[name][mask])
        assert np.all(miss[name][~mask] == 2)
    # the three masks are independent of each other
    both_missing = (~miss["mask_a"] & ~miss["mask_b"]).mean()
    assert abs(both_missing - 0.25**2) < 0.01


def test_no_masks_without_missingness():
    assert "mask_a" not in BinaryXOR(d=2).sample(5, rng=0)


# ----------------------------------------------------------------------------------------- encodings
@settings(max_examples=50, deadline=None)
@given(d=st.integers(1, 20), data=st.data())
def test_encode_decode_roundtrip(d, data):
    ints = np.array(data.draw(st.lists(st.integers(0, 2**d - 1), min_size=1, max_size=20)))
    np.testing.assert_array_equal(encode_bits(decode_bits(ints, d)), ints)


def test_bit_order_is_coordinate_j_equals_bit_j():
    assert encode_bits([0, 0, 1]) == 4
    np.testing.assert_array_equal(decode_bits(6, 3), [0, 1, 1])
    np.testing.assert_array_equal(BinaryXOR(d=3).decode(BinaryXOR(d=3).encode([[1, 0, 1]])), [[1, 0, 1]])


@pytest.mark.parametrize("bad", [[0, 2], [[0.5, 1]], [-1, 0]])
def test_encode_rejects_non_binary_values(bad):
    with pytest.raises(ValueError, match="0 and 1"):
        encode_bits(bad)


def test_decode_rejects_out_of_range_integers():
    with pytest.raises(ValueError, match=r"\[0, 2\*\*3\)"):
        decode_bits([8], 3)


# ----------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"d": 0}, r"d must be in \[1, \d+\], got 0"),
        ({"d": -1}, r"d must be in \[1, \d+\], got -1"),
        ({"d": 2.5}, r"d must be an int, got 2\.5"),
        ({"d": True}, r"d must be an int, got True"),
        ({"p": -0.1}, r"p must be in \[0, 1\], got -0\.1"),
        ({"p": 1.1}, r"p must be in \[0, 1\], got 1\.1"),
        ({"p": float("nan")}, r"p must be in \[0, 1\], got nan"),
        ({"p_missing": 1.0}, r"p_missing must be in \[0, 1\), got 1\.0"),
        ({"p_missing": -0.2}, r"p_missing must be in \[0, 1\), got -0\.2"),
        ({"placeholder": 256}, r"placeholder must be in \[0, 255\], got 256"),
    ],
)
def test_invalid_parameters_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BinaryXOR(**kwargs)


@pytest.mark.parametrize("n", [-1, 2.5, "10"])
def test_invalid_sample_size_raises(n):
    with pytest.raises(ValueError, match=rf"n must be a non-negative int, got {re.escape(repr(n))}"):
        BinaryXOR().sample(n, rng=0)


def test_invalid_rng_raises_type_error():
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator .*got 'seed'"):
        BinaryXOR().sample(3, rng="seed")


def test_dense_pmf_refuses_large_d_and_points_to_the_sparse_form():
    with pytest.raises(ValueError, match=rf"d={MAX_DENSE_D + 1} is too large .*use sparse_joint_pmf"):
        BinaryXOR(d=MAX_DENSE_D + 1).joint_pmf()


def test_xor_info_table_rejects_p_outside_unit_interval():
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got array\(\[0\.5, 1\.5\]\)"):
        xor_info_table(3, [0.5, 1.5])


# regression: issue 9 (the docstring said the guess b = 0 is right with probability q when c = a)
@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("d", [1, 2, 3])
def test_bayes_guess_when_c_equals_a_is_right_with_probability_q_over_one_minus_p_plus_pq(d, p):
    P = BinaryXOR(d=d, p=p).joint_pmf()  # axes (a, b, c)
    N, q = 2**d, 2.0**-d
    copies = np.stack([P[a, :, a] for a in range(N)])  # (a, b): p(a, b, c = a)
    p_c_is_a = copies.sum()
    assert p_c_is_a == pytest.approx(1 - p + p * q, abs=1e-12)
    assert copies[:, 0].sum() / p_c_is_a == pytest.approx(q / (1 - p + p * q), abs=1e-12)  # P(b = 0 | c = a)
    assert copies.max(axis=1).sum() == pytest.approx(copies[:, 0].sum(), abs=1e-15)  # b = 0 is a best guess
    # and the two cases add up to the documented Bayes accuracy
    assert copies[:, 0].sum() + (1 - p_c_is_a) == pytest.approx(float(xor_bayes_accuracy(d, p)), abs=1e-12)


@pytest.mark.parametrize(
    "call", [lambda d: xor_info_table(d, 0.5), lambda d: xor_bayes_accuracy(d, 0.5), lambda d: BinaryXOR(d=d)]
)
def test_a_d_that_no_sample_could_hold_is_a_value_error_saying_why(call):
    # regression: issue 10 -- d = 10**400 was an OverflowError (d * log 2 is no float)
    with pytest.raises(ValueError, match=r"d must be in \[1, 268435456\], got .* \(one sample of d coord"):
        call(10**400)


def test_a_sample_too_large_to_allocate_is_a_value_error():
    # regression: issue 10 -- BinaryXOR(d=5).sample(10**9) was a MemoryError
    with pytest.raises(ValueError, match=r"sample\(n=1000000000\) with 15 entries per sample .* could not"):
        BinaryXOR(d=5).sample(10**9, 0)


def test_complex_bits_are_refused():
    # regression: issue 10 -- 1 + 0j passed as a bit
    with pytest.raises(TypeError, match="bits must hold real 0/1 values, got dtype complex128"):
        encode_bits(np.array([[1, 0]]) + 0j)
