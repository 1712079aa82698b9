"""SparsePMF: construction, large alphabets without dense arrays, agreement with closed forms."""

import math

import numpy as np
import pytest

import infotheory as it
from infotheory import SparsePMF
from infotheory.examples import xor


def _binary_entropy(p):
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def _xor_style_sparse(d, p):
    """a, b uniform d-bit codes; c = a xor b with probability p, else c = a (only non-zero rows)."""
    n = 2**d
    a = np.repeat(np.arange(n), n)
    b = np.tile(np.arange(n), n)
    rows = np.concatenate([np.stack([a, b, a ^ b], axis=1), np.stack([a, b, a], axis=1)])
    probs = np.concatenate([np.full(n * n, p / n**2), np.full(n * n, (1 - p) / n**2)])
    return SparsePMF(rows, probs, shape=(n, n, n))


def _xor_style_closed_form(d, p):
    """TC = d - (1 - q) h(p) and I(a;b|c) = H(a|c) - (1 - q) h(p), q = 2^-d, in bits.

    Given (a, b), c takes two values unless b = 0 (probability q); b is independent of c;
    p(a | c) = p q + (1 - p) [a = c].
    """
    q = 2.0**-d
    h_c_given_ab = (1 - q) * _binary_entropy(p)
    same = p * q + (1 - p)
    h_a_given_c = -(same * math.log2(same) + (2**d - 1) * p * q * math.log2(p * q))
    return d - h_c_given_ab, h_a_given_c - h_c_given_ab


@pytest.mark.parametrize("d", [1, 3, 5])
def test_xor_style_sparse_matches_dense(d):
    sparse = _xor_style_sparse(d, 0.3)
    dense = sparse.to_dense()
    assert it.total_correlation(sparse) == pytest.approx(it.total_correlation(dense), abs=1e-10)
    assert it.conditional_mutual_information(sparse, 0, 1, 2) == pytest.approx(
        it.conditional_mutual_information(dense, 0, 1, 2), abs=1e-10
    )


# regression: issue 2 (the 10-bit joint must be handled without a dense array)
@pytest.mark.parametrize("d", [2, 5, 10])
def test_xor_style_sparse_matches_closed_form(d):
    """The 10-bit case has 2^30 dense cells: only the ~2^21 non-zero rows are ever stored."""
    sparse = _xor_style_sparse(d, 0.3)
    tc, cmi = _xor_style_closed_form(d, 0.3)
    assert it.total_correlation(sparse) == pytest.approx(tc, abs=1e-9)
    assert it.conditional_mutual_information(sparse, 0, 1, 2) == pytest.approx(cmi, abs=1e-9)


def test_repeated_rows_are_merged_and_zero_rows_dropped():
    sp = SparsePMF([[1, 1], [0, 0], [1, 1], [0, 1]], [0.25, 0.5, 0.25, 0.0])
    np.testing.assert_array_equal(sp.outcomes, [[0, 0], [1, 1]])
    np.testing.assert_array_equal(sp.probs, [0.5, 0.5])
    assert it.mutual_information(sp, 0, 1) == pytest.approx(1.0)


def test_shape_defaults_to_largest_code_plus_one_and_can_be_widened():
    assert SparsePMF([[0, 2]], [1.0]).shape == (1, 3)
    assert SparsePMF([[0, 2]], [1.0], shape=(4, 4)).to_dense().shape == (4, 4)


def test_alphabets_beyond_int64_keys_use_the_lexicographic_path():
    # five variables with 2^13 symbols: the alphabet product 2^65 does not fit an int64 key
    big = 2**13
    small = xor()
    rows = np.argwhere(small > 0)
    wide = np.concatenate([rows * (big - 1), rows[:, :2]], axis=1)  # (4, 5): two copies of X and Y
    sp = SparsePMF(wide[::-1], np.full(4, 0.25), shape=(big,) * 5)
    assert it.total_correlation(sp, [0, 1, 2]) == pytest.approx(1.0)
    copies = np.einsum("xyz,xa,yb->xyzab", small, np.eye(2), np.eye(2))  # same joint, 2 symbols per axis
    assert it.total_correlation(sp) == pytest.approx(it.total_correlation(copies))
    assert it.marginal(sp, (3, 4)).nnz == 4


def test_large_key_range_uses_sort_grouping_and_agrees_with_bincount_grouping():
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 2**12, size=(50, 2))
    probs = rng.random(50)
    probs /= probs.sum()
    wide = SparsePMF(rows, probs, shape=(2**12, 2**12))  # 2^24 cells, above the bincount range
    # the same joint with each column relabelled to 0..m-1 (measures do not depend on labels)
    compact = np.stack([np.unique(col, return_inverse=True)[1].ravel() for col in rows.T], axis=1)
    dense = SparsePMF(compact, probs).to_dense()
    assert it.mutual_information(wide, 0, 1) == pytest.approx(it.mutual_information(dense, 0, 1), abs=1e-10)
    assert it.entropy(wide, 1) == pytest.approx(it.entropy(dense, 1), abs=1e-10)


def test_conditional_accepts_a_sparse_pmf():
    from_sparse = it.conditional(SparsePMF.from_dense(xor()), 2, (0, 1))
    np.testing.assert_array_equal(from_sparse, it.conditional(xor(), 2, (0, 1)))


def test_kl_divergence_between_sparse_pmfs_with_different_supports():
    p = SparsePMF([[0], [1]], [0.5, 0.5], shape=(3,))
    q = SparsePMF([[0], [1], [2]], [0.25, 0.25, 0.5])
    assert it.kl_divergence(p, q) == pytest.approx(1.0)
    assert it.kl_divergence(q, p) == math.inf


def test_repr_names_shape_and_size():
    assert repr(SparsePMF.from_dense(xor())) == "SparsePMF(shape=(2, 2, 2), nnz=4)"
