r"""Parity: ``m`` binary modalities, the last the XOR of the others.

:math:`x_0, \dots, x_{m-2} \sim \mathrm{Bernoulli}(1/2)` independently and
:math:`x_{m-1} = x_0 \oplus \dots \oplus x_{m-2}`. Every proper subset of the ``m`` variables is
independent and uniform; all the dependence (exactly 1 bit) lives in the full ``m``-way interaction.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np

from generators._common import MAX_CELLS, as_rng, check_base, check_int, check_n

__all__ = ["Parity", "MAX_PARITY_M"]

#: Largest ``m`` for :meth:`Parity.joint_pmf` (2**20 cells).
MAX_PARITY_M = 20


class Parity:
    r"""``m`` binary variables whose XOR is 0: total correlation exactly 1 bit, no pairwise dependence.

    Parameters
    ----------
    m : int, default 3
        Number of modalities, ``>= 2`` (``m = 2`` is two copies of one fair bit; ``m = 3`` is XOR).

    Notes
    -----
    Closed forms (bits by default, ``base=`` to change), with :math:`H(x_S) = |S|` bits for every proper
    subset :math:`S` and :math:`H(x) = m - 1` bits:

    .. math::
        \mathrm{TC} = \sum_i H(x_i) - H(x) = 1, \qquad
        \mathrm{DTC} = H(x) - \sum_i H(x_i \mid x_{-i}) = m - 1, \\
        \Omega = \mathrm{TC} - \mathrm{DTC} = 2 - m, \qquad \Sigma = \mathrm{TC} + \mathrm{DTC} = m, \qquad
        \text{co-information} = -\sum_{S \neq \emptyset} (-1)^{|S|} H(x_S) = (-1)^m.

    (Co-information is -1 bit on XOR, dit's sign convention.)

    Examples
    --------
    >>> par = Parity(m=3)
    >>> par.joint_pmf().shape, par.total_correlation(), par.dual_total_correlation(), par.co_information()
    ((2, 2, 2), 1.0, 2.0, -1.0)
    >>> s = par.sample(5, rng=0)
    >>> sorted(s), bool(((s["x0"] ^ s["x1"]) == s["x2"]).all())
    (['x0', 'x1', 'x2'], True)
    """

    def __init__(self, *, m: int = 3):
        self.m = check_int("m", m, low=2, high=MAX_CELLS, why="one sample of m bits must fit in an array")

    def __repr__(self) -> str:
        return f"Parity(m={self.m!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """Sample keys ``('x0', ..., 'x{m-1}')``, in axis order of :meth:`joint_pmf`."""
        return tuple(f"x{i}" for i in range(self.m))

    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` samples.

        Parameters
        ----------
        n : int, ``>= 0``
        rng : numpy.random.Generator or int seed

        Returns
        -------
        dict
            Keys ``'x0'`` ... ``'x{m-1}'``, each a uint8 array of shape (n,) with 0/1 values;
            ``x{m-1}`` is the XOR of the others.
        """
        n = check_n(n, row_cells=self.m)  # ValueError, not MemoryError, if the samples cannot exist
        gen = as_rng(rng, name="rng")
        free = gen.integers(0, 2, size=(self.m - 1, n), dtype=np.uint8)  # (m-1, n)
        last = reduce(np.bitwise_xor, free)
        return {name: np.ascontiguousarray(x) for name, x in zip(self.names, [*free, last])}

    def joint_pmf(self) -> np.ndarray:
        r"""Dense joint pmf of shape ``(2,) * m``, axes ``(x0, ..., x{m-1})``, values 0/1.

        .. math:: P(x) = 2^{-(m-1)} \left[ x_0 \oplus \dots \oplus x_{m-1} = 0 \right].

        Raises ``ValueError`` for ``m > MAX_PARITY_M`` (= 20).
        """
        if self.m > MAX_PARITY_M:
            raise ValueError(f"m={self.m} is too large for a dense pmf (limit m <= {MAX_PARITY_M})")
        grids = np.indices((2,) * self.m)  # (m, 2, ..., 2)
        even = grids.sum(axis=0) % 2 == 0
        return even * 2.0 ** -(self.m - 1)

    def entropy(self, *, base: float = 2) -> float:
        r"""Joint entropy :math:`H(x) = (m - 1)\log 2`, bits by default."""
        return (self.m - 1) * math.log(2.0) / math.log(check_base(base))

    def total_correlation(self, *, base: float = 2) -> float:
        r"""Total correlation :math:`\sum_i H(x_i) - H(x) = \log 2` (1 bit), bits by default."""
        return math.log(2.0) / math.log(check_base(base))

    def dual_total_correlation(self, *, base: float = 2) -> float:
        r"""Dual total correlation :math:`H(x) - \sum_i H(x_i \mid x_{-i}) = (m-1)\log 2`, bits by default."""
        return self.entropy(base=base)

    def o_information(self, *, base: float = 2) -> float:
        r"""O-information :math:`\mathrm{TC} - \mathrm{DTC} = (2 - m)\log 2` (synergy), in bits."""
        return (2 - self.m) * math.log(2.0) / math.log(check_base(base))

    def s_information(self, *, base: float = 2) -> float:
        r"""S-information :math:`\mathrm{TC} + \mathrm{DTC} = m \log 2`, bits by default."""
        return self.m * math.log(2.0) / math.log(check_base(base))

    def co_information(self, *, base: float = 2) -> float:
        r"""Co-information :math:`-\sum_{S \neq \emptyset} (-1)^{|S|} H(x_S) = (-1)^m \log 2`, in bits.

        -1 bit on XOR (``m = 3``), +1 bit for two copies of a bit (``m = 2``).
        """
        return (-1) ** self.m * math.log(2.0) / math.log(check_base(base))
