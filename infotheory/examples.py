"""Small joint pmfs with well-known information content, for doctests, tests and teaching.

Each function returns a dense joint pmf (one axis per variable, probabilities summing to one).
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np

__all__ = ["xor", "and_gate", "copy_gate", "parity", "giant_bit", "dyadic", "triadic"]


def _check_n(n, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")
    return int(n)


def xor() -> np.ndarray:
    """XOR: X, Y fair independent bits and Z = X xor Y (axes X, Y, Z).

    I(X;Y) = 0, I(X;Y|Z) = 1 bit, TC = 1 bit, DTC = 2 bits, co-information -1 bit.

    Examples
    --------
    >>> float(xor()[1, 1, 0])
    0.25
    """
    return parity(3)


def _gate(table) -> np.ndarray:
    """(X, Y, Z) with X, Y fair independent bits and Z = table[X][Y]."""
    p = np.zeros((2, 2, 2))
    for x, y in itertools.product((0, 1), repeat=2):
        p[x, y, table[x][y]] = 0.25
    return p


def and_gate() -> np.ndarray:
    """AND: X, Y fair independent bits and Z = X and Y (axes X, Y, Z).

    H(Z) = 0.811 bits, I(Z; X, Y) = 0.811 bits, I(Z; X) = I(Z; Y) = 0.311 bits; its PID has redundancy,
    synergy and no unique information under most measures (the classic test case).

    Examples
    --------
    >>> float(and_gate()[1, 1, 1]), float(and_gate()[1, 0, 0])
    (0.25, 0.25)
    """
    return _gate([[0, 0], [0, 1]])


def copy_gate() -> np.ndarray:
    """Copy: X, Y fair independent bits and Z = X (axes X, Y, Z): all of I(Z; X, Y) = 1 bit is unique to X.

    Examples
    --------
    >>> float(copy_gate()[0, 1, 0]), float(copy_gate()[0, 1, 1])
    (0.25, 0.0)
    """
    return _gate([[0, 0], [1, 1]])


def parity(n: int) -> np.ndarray:
    """n binary variables, uniform over the strings of even parity (the last bit is the XOR of the others).

    H = n - 1 bits, TC = 1 bit, DTC = n - 1 bits.

    Examples
    --------
    >>> parity(4).shape, float(parity(4).sum())
    ((2, 2, 2, 2), 1.0)
    """
    n = _check_n(n, 2)
    p = np.zeros((2,) * n)
    for bits in itertools.product((0, 1), repeat=n - 1):
        p[bits + (sum(bits) % 2,)] = 1.0 / 2 ** (n - 1)
    return p


def giant_bit(n: int, k: int = 2) -> np.ndarray:
    """n copies of one uniform k-ary variable ("giant bit" for k = 2).

    H = log k, TC = (n - 1) log k, DTC = log k; in bits for k = 2: TC = n - 1.

    Examples
    --------
    >>> float(giant_bit(3)[1, 1, 1])
    0.5
    """
    n = _check_n(n, 1)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be an int >= 1, got {k!r}")
    p = np.zeros((k,) * n)
    p[(np.arange(k),) * n] = 1.0 / k
    return p


def _pairs_to_pmf(triples) -> np.ndarray:
    """Uniform pmf over the given outcomes, each variable a pair of bits coded as 2 * first + second."""
    p = np.zeros((4, 4, 4))
    for (x0, x1), (y0, y1), (z0, z1) in triples:
        p[2 * x0 + x1, 2 * y0 + y1, 2 * z0 + z1] += 1.0
    return p / p.sum()


def dyadic() -> np.ndarray:
    """Dyadic distribution (James & Crutchfield 2017): X = (a, b), Y = (b, c), Z = (c, a), a, b, c fair bits.

    Each variable has 4 values (a pair (u, v) is coded as 2u + v). H = 3 bits, TC = DTC = 3 bits,
    co-information 0: it has the same Shannon measures as :func:`triadic`.

    Examples
    --------
    >>> int((dyadic() > 0).sum())
    8
    """
    return _pairs_to_pmf(((a, b), (b, c), (c, a)) for a, b, c in itertools.product((0, 1), repeat=3))


def triadic() -> np.ndarray:
    """Triadic distribution (James & Crutchfield 2017): X = (a, x), Y = (b, x), Z = (c, x), a xor b xor c = 0.

    a, b fair bits, c = a xor b, x a fair bit shared by all three; pairs coded as 2u + v.
    H = 3 bits, TC = DTC = 3 bits, co-information 0, like :func:`dyadic`.

    Examples
    --------
    >>> int((triadic() > 0).sum())
    8
    """
    return _pairs_to_pmf(
        ((a, x), (b, x), (a ^ b, x)) for a, b, x in itertools.product((0, 1), repeat=3)
    )
