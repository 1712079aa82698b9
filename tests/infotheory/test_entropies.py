"""The entropy table: dense joints (mostly empty or not) against plain summing, and the sparse table."""

import itertools
import math

import numpy as np
import pytest

from infotheory import SparsePMF
from infotheory._entropies import _SHORT, EntropyTable, entropy_nats


def _entropy_by_summing(p, key):
    """H(X_key) in nats from ``p.sum`` over the other axes (the reference)."""
    marginal = p.sum(axis=tuple(a for a in range(p.ndim) if a not in key)) if key else np.ones(1)
    q = marginal[marginal > 0]
    return float(-(q * np.log(q)).sum())


def _random_pmf(shape, fill, seed):
    rng = np.random.default_rng(seed)
    p = rng.random(shape) * (rng.random(shape) < fill)
    p.flat[rng.integers(p.size)] += 1.0  # at least one positive cell
    return p / p.sum()


# shapes with power-of-two and other alphabet sizes (the cell codes take shift/mask or // and % paths);
# fill 0.05 and 0.3 give the bincount-over-positive-cells path, 1.0 the summing path
@pytest.mark.parametrize("shape", [(4, 8, 2), (3, 5, 2, 7), (6,), (2, 2, 2, 2, 2), (5, 1, 4)])
@pytest.mark.parametrize("fill", [0.05, 0.3, 1.0])
@pytest.mark.parametrize("n_samples", [None, 50])
def test_dense_table_matches_plain_summing_for_every_subset_in_any_order(shape, fill, n_samples):
    p = _random_pmf(shape, fill, seed=len(shape) * 10 + int(fill * 10))
    keys = [k for r in range(len(shape) + 1) for k in itertools.combinations(range(len(shape)), r)]
    order = np.random.default_rng(1).permutation(len(keys))
    H = EntropyTable(p, n_samples=n_samples)
    for i in order:
        key = keys[i]
        want = _entropy_by_summing(p, key)
        if n_samples is not None and key:
            marginal = p.sum(axis=tuple(a for a in range(p.ndim) if a not in key))
            want += (np.count_nonzero(marginal) - 1) / (2.0 * n_samples)  # Miller–Madow
        assert math.isclose(H(key), want, rel_tol=0, abs_tol=1e-13), key
        assert H(tuple(reversed(key))) == H(key)  # order of the axes does not matter


@pytest.mark.parametrize("fill", [0.05, 0.3, 1.0])
def test_dense_and_sparse_tables_agree(fill):
    p = _random_pmf((4, 3, 8), fill, seed=7)
    dense, sparse = EntropyTable(p), EntropyTable(SparsePMF.from_dense(p))
    for r in range(4):
        for key in itertools.combinations(range(3), r):
            assert math.isclose(dense(key), sparse(key), rel_tol=0, abs_tol=1e-13)


def test_mostly_empty_dense_joint_keeps_only_its_positive_cells():
    # regression: issue 13 (dense marginals were full passes over the array; now bincounts over the cells)
    p = np.zeros((32, 32, 32))
    a, b = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    p[a, b, a ^ b] = 1 / 1024  # c = a xor b: 1024 positive cells of 32768
    H = EntropyTable(p)
    assert math.isclose(H((0, 1, 2)), math.log(1024), abs_tol=1e-12)
    assert math.isclose(H((0, 2)), math.log(1024), abs_tol=1e-12)  # pairwise independent, uniform
    cells, probs = H._positive
    assert cells.shape == probs.shape == (1024,)


def test_axes_asked_in_any_order_first_give_one_entropy():
    # regression: issue 13 (the table also remembers an entropy under the order it was asked in)
    p = _random_pmf((4, 3, 8), 0.3, seed=3)
    H = EntropyTable(p)
    assert H((2, 0)) == H((0, 2)) == H((0, 2, 0))
    assert math.isclose(H((2, 0)), _entropy_by_summing(p, (0, 2)), rel_tol=0, abs_tol=1e-13)
    assert H([2, 0]) == H((0, 2))  # a list is not remembered by itself, and gives the same value


@pytest.mark.parametrize("n", [1, 7, _SHORT, _SHORT + 1, 20000])
def test_entropy_of_short_and_long_probability_vectors(n):
    # the short (np.dot) and long (einsum) sums: uniform over n cells is log n nats on both sides of _SHORT
    uniform = np.full(n, 1.0 / n)
    assert math.isclose(entropy_nats(uniform, all_positive=True), math.log(n), rel_tol=1e-13, abs_tol=1e-15)
    padded = np.concatenate([uniform, np.zeros(n)])  # zeros are skipped: 0 log 0 = 0
    assert math.isclose(entropy_nats(padded), math.log(n), rel_tol=1e-13, abs_tol=1e-15)
