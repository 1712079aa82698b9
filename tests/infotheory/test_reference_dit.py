"""Agreement with dit (the reference implementation) on named and random distributions."""

import numpy as np
import pytest

import infotheory as it
from infotheory.examples import dyadic, giant_bit, parity, triadic, xor

dit = pytest.importorskip("dit")


def _to_dit(p):
    cells = np.argwhere(p > 0)
    return dit.Distribution([tuple(int(v) for v in c) for c in cells], [float(p[tuple(c)]) for c in cells])


def _random_pmf(seed, shape):
    rng = np.random.default_rng(seed)
    p = rng.random(shape) * (rng.random(shape) < 0.7)  # about 30% zero cells
    p.flat[0] += 0.1
    return p / p.sum()


DISTRIBUTIONS = {
    "xor": xor(),
    "parity4": parity(4),
    "giant_bit3": giant_bit(3),
    "dyadic": dyadic(),
    "triadic": triadic(),
    **{f"random{seed}": _random_pmf(seed, (3, 2, 4)) for seed in range(4)},
    "random4vars": _random_pmf(7, (2, 3, 2, 2)),
}

MEASURES = [
    (it.entropy, lambda d: dit.shannon.entropy(d)),
    (it.total_correlation, lambda d: dit.multivariate.total_correlation(d)),
    (it.dual_total_correlation, lambda d: dit.multivariate.dual_total_correlation(d)),
    (it.o_information, lambda d: dit.multivariate.o_information(d)),
    (it.s_information, lambda d: dit.multivariate.s_information(d)),
    (it.co_information, lambda d: dit.multivariate.coinformation(d)),
    (it.interaction_information, lambda d: dit.multivariate.interaction_information(d)),
]


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
@pytest.mark.parametrize(("ours", "theirs"), MEASURES, ids=[m.__name__ for m, _ in MEASURES])
def test_measure_agrees_with_dit(name, ours, theirs):
    p = DISTRIBUTIONS[name]
    expected = theirs(_to_dit(p))
    assert ours(p) == pytest.approx(expected, abs=1e-9)
    assert ours(it.SparsePMF.from_dense(p)) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("name", list(DISTRIBUTIONS))
def test_conditional_mutual_information_agrees_with_dit(name):
    p = DISTRIBUTIONS[name]
    expected = dit.multivariate.total_correlation(_to_dit(p), [[0], [1]], [2])
    assert it.conditional_mutual_information(p, 0, 1, 2) == pytest.approx(expected, abs=1e-9)


CONDITIONAL_MEASURES = [
    (it.total_correlation, dit.multivariate.total_correlation),
    (it.dual_total_correlation, dit.multivariate.dual_total_correlation),
    (it.co_information, dit.multivariate.coinformation),
]


@pytest.mark.parametrize(
    ("ours", "theirs"), CONDITIONAL_MEASURES, ids=[m.__name__ for m, _ in CONDITIONAL_MEASURES]
)
def test_conditional_multivariate_measures_agree_with_dit(ours, theirs):
    p = DISTRIBUTIONS["random4vars"]
    expected = theirs(_to_dit(p), [[0], [1, 3]], [2])
    assert ours(p, [0, (1, 3)], given=2) == pytest.approx(expected, abs=1e-9)
