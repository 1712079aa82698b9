"""The shipped hypothesis strategies and example pmfs, and the lazy import of hypothesis."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings

import infotheory as it
from infotheory import examples
from infotheory.strategies import markov_chains, pmfs, sparse_pmfs

SETTINGS = settings(max_examples=25, deadline=None, database=None)


def test_importing_infotheory_does_not_import_hypothesis():
    code = "import sys, infotheory; sys.exit('hypothesis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@SETTINGS
@given(pmfs(n_vars=(2, 3), max_alphabet=3, min_alphabet=2))
def test_pmfs_are_valid_and_respect_their_bounds(p):
    assert 2 <= p.ndim <= 3
    assert all(2 <= s <= 3 for s in p.shape)
    it.validate_pmf(p)


@SETTINGS
@given(sparse_pmfs(n_vars=2, max_alphabet=3))
def test_sparse_pmfs_come_with_their_dense_twin(pair):
    sparse, dense = pair
    np.testing.assert_allclose(sparse.to_dense(), dense)


@SETTINGS
@given(markov_chains(max_alphabet=3))
def test_markov_chains_make_x_and_z_independent_given_y(p):
    p_y = p.sum(axis=(0, 2))
    p_xy, p_yz = p.sum(axis=2), p.sum(axis=0)
    expected = np.divide(
        p_xy[:, :, None] * p_yz[None, :, :],
        p_y[None, :, None],
        out=np.zeros_like(p),
        where=p_y[None, :, None] > 0,
    )
    np.testing.assert_allclose(p, expected, atol=1e-15)


def _draw_once(strategy):
    @settings(max_examples=1, database=None)
    @given(strategy)
    def draw(_):
        pass

    draw()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: _draw_once(pmfs(n_vars=0)), r"n_vars must satisfy 1 <= min <= max, got 0"),
        (lambda: _draw_once(pmfs(n_vars=(3, 2))), r"got \(3, 2\)"),
        (lambda: _draw_once(pmfs(n_vars="3")), r"got '3'"),
        (lambda: _draw_once(markov_chains(max_alphabet=0)), r"got 0"),
    ],
)
def test_bad_strategy_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: examples.parity(1), r"n must be an int >= 2, got 1"),
        (lambda: examples.giant_bit(0), r"n must be an int >= 1, got 0"),
        (lambda: examples.giant_bit(3, k=0), r"k must be an int >= 1, got 0"),
    ],
)
def test_bad_example_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
