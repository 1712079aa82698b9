"""Parity: TC = 1 bit, every proper subset independent, closed forms = infotheory enumeration."""

from __future__ import annotations

import math

import numpy as np
import pytest

import infotheory as it
from generators import Parity


@pytest.mark.parametrize("m", [2, 3, 4, 5, 6])
def test_closed_forms_equal_enumeration(m):
    par = Parity(m=m)
    P = par.joint_pmf()
    assert P.shape == (2,) * m and P.sum() == pytest.approx(1.0)
    assert it.entropy(P) == pytest.approx(par.entropy(), abs=1e-12)
    assert it.total_correlation(P) == pytest.approx(par.total_correlation(), abs=1e-12)
    assert it.dual_total_correlation(P) == pytest.approx(par.dual_total_correlation(), abs=1e-12)
    assert it.o_information(P) == pytest.approx(par.o_information(), abs=1e-12)
    assert it.s_information(P) == pytest.approx(par.s_information(), abs=1e-12)
    assert it.co_information(P) == pytest.approx(par.co_information(), abs=1e-12)


@pytest.mark.parametrize("m", [3, 4, 5])
def test_every_proper_subset_is_independent(m):
    P = Parity(m=m).joint_pmf()
    # any m - 1 variables are jointly uniform: their total correlation is 0
    for dropped in range(m):
        kept = tuple(i for i in range(m) if i != dropped)
        assert it.total_correlation(P, kept) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("m", [2, 3, 7])
def test_known_values_in_bits(m):
    par = Parity(m=m)
    assert par.total_correlation() == 1.0
    assert par.dual_total_correlation() == pytest.approx(m - 1)
    assert par.co_information() == (-1) ** m


def test_base_e_is_nats():
    assert Parity(m=4).total_correlation(base=math.e) == pytest.approx(math.log(2))


def test_samples_satisfy_the_parity_and_match_the_pmf():
    s = Parity(m=4).sample(20_000, rng=0)
    assert sorted(s) == ["x0", "x1", "x2", "x3"]
    x = np.stack([s[k] for k in Parity(m=4).names], axis=1)  # (n, 4)
    assert x.dtype == np.uint8 and x.shape == (20_000, 4)
    assert np.all(x.sum(axis=1) % 2 == 0)
    assert np.all(np.abs(x.mean(axis=0) - 0.5) < 0.02)


def test_same_seed_same_samples():
    a, b = Parity(m=3).sample(10, rng=5), Parity(m=3).sample(10, rng=5)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("m", [1, 0, 2.0])
def test_invalid_m_raises(m):
    with pytest.raises(ValueError, match=rf"m must be (an int|>= 2|in \[2, \d+\]), got {m!r}"):
        Parity(m=m)


def test_dense_pmf_refuses_huge_m():
    with pytest.raises(ValueError, match=r"m=30 is too large for a dense pmf \(limit m <= 20\)"):
        Parity(m=30).joint_pmf()
