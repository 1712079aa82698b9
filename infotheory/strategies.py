"""Hypothesis strategies for random joint pmfs, shipped for users' own property tests.

This module imports ``hypothesis`` (a dev dependency); ``import infotheory`` does not import it.

Probabilities are drawn as small integer weights (``0..max_weight``, normalised), so zeros are common
and no probability is so tiny that float rounding dominates a property test.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from hypothesis import strategies as st

from infotheory.sparse import SparsePMF

__all__ = ["pmfs", "sparse_pmfs", "markov_chains"]


def _int_range(value, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        lo = hi = int(value)
    elif isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, numbers.Integral) for v in value):
        lo, hi = (int(v) for v in value)
    else:
        raise ValueError(f"{name} must be an int or a (min, max) tuple of ints, got {value!r}")
    if lo < minimum or hi < lo:
        raise ValueError(f"{name} must satisfy {minimum} <= min <= max, got {value!r}")
    return lo, hi


def _weights(n: int, max_weight: int):
    """A strategy for ``n`` integer weights in ``[0, max_weight]``, not all zero, as a float array."""
    return st.lists(st.integers(0, max_weight), min_size=n, max_size=n).filter(any).map(
        lambda w: np.asarray(w, dtype=np.float64) / sum(w)
    )


@st.composite
def pmfs(draw, n_vars=(1, 4), max_alphabet=4, *, min_alphabet=1, max_weight=20) -> np.ndarray:
    """Dense joint pmfs with ``n_vars`` axes of lengths in ``[min_alphabet, max_alphabet]``.

    Parameters
    ----------
    n_vars : int or (int, int)
        Number of variables, or an inclusive range.
    max_alphabet, min_alphabet : int
        Range of each axis length.
    max_weight : int
        Cells get integer weights ``0..max_weight`` before normalisation.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None)
    ... @given(pmfs(n_vars=3, max_alphabet=2))
    ... def check(p):
    ...     assert p.ndim == 3 and abs(p.sum() - 1) < 1e-12
    >>> check()
    """
    lo, hi = _int_range(n_vars, "n_vars", 1)
    a_lo, a_hi = _int_range((min_alphabet, max_alphabet), "(min_alphabet, max_alphabet)", 1)
    k = draw(st.integers(lo, hi))
    shape = tuple(draw(st.integers(a_lo, a_hi)) for _ in range(k))
    return draw(_weights(math.prod(shape), max_weight)).reshape(shape)


@st.composite
def sparse_pmfs(draw, n_vars=(1, 4), max_alphabet=4, *, min_alphabet=1, max_weight=20):
    """The :class:`~infotheory.SparsePMF` form of :func:`pmfs` (same arguments), returned with its dense twin.

    Returns a tuple ``(sparse, dense)`` so tests can compare the two representations.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, database=None)
    ... @given(sparse_pmfs(n_vars=2))
    ... def check(pair):
    ...     sparse, dense = pair
    ...     assert sparse.shape == dense.shape
    >>> check()
    """
    dense = draw(pmfs(n_vars, max_alphabet, min_alphabet=min_alphabet, max_weight=max_weight))
    return SparsePMF.from_dense(dense), dense


@st.composite
def markov_chains(draw, max_alphabet=4, *, max_weight=20) -> np.ndarray:
    """Joint pmfs ``p(x, y, z) = p(x) p(y | x) p(z | y)`` of a Markov chain X -> Y -> Z (axes X, Y, Z).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from infotheory import mutual_information
    >>> @settings(max_examples=5, database=None)
    ... @given(markov_chains())
    ... def check(p):  # data processing inequality
    ...     assert mutual_information(p, 0, 2) <= mutual_information(p, 0, 1) + 1e-12
    >>> check()
    """
    _int_range(max_alphabet, "max_alphabet", 1)
    nx, ny, nz = (draw(st.integers(1, max_alphabet)) for _ in range(3))
    p_x = draw(_weights(nx, max_weight))
    p_y_given_x = np.stack([draw(_weights(ny, max_weight)) for _ in range(nx)])  # (nx, ny)
    p_z_given_y = np.stack([draw(_weights(nz, max_weight)) for _ in range(ny)])  # (ny, nz)
    return p_x[:, None, None] * p_y_given_x[:, :, None] * p_z_given_y[None, :, :]
