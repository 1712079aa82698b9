r"""Continuous modalities with a known total correlation: correlated Gaussian blocks, optionally transformed.

``k`` blocks :math:`x_1, \dots, x_k` of sizes ``dims`` are jointly Gaussian with zero mean and correlation
matrix :math:`R`; their total correlation is

.. math:: \mathrm{TC}(x_1; \dots; x_k) = \tfrac12 \Big( \sum_i \log\det R_{ii} - \log\det R \Big),

which is :math:`-\tfrac12 \log\det R` when every block is white (:math:`R_{ii} = I`). TC is invariant under
any invertible map applied to a single block, so per-block ``transforms`` give non-Gaussian data with the
same truth, for checking learned bounds beyond binary data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import numpy as np

from generators._common import as_rng, check_base, check_cells, check_n

__all__ = ["GaussianTC", "TRANSFORMS"]


def _tanh_affine(x: np.ndarray) -> np.ndarray:
    return np.tanh(x) + 0.1 * x


#: most entries of the (D, D) correlation matrix, D = sum(dims): 2**26 (D <= 8192, 512 MiB of float64)
MAX_CORRELATION_CELLS = 2**26

#: Built-in per-block invertible (strictly increasing, elementwise) transforms.
TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "cube": lambda x: x**3,
    "sinh": np.sinh,
    "tanh-affine": _tanh_affine,  # tanh(x) + 0.1 x: a bijection of the real line
    "exp": np.exp,
}


def _check_dims(dims) -> tuple[int, ...]:
    try:
        dims = tuple(dims)
    except TypeError:
        raise ValueError(f"dims must be a sequence of positive ints, got {dims!r}") from None
    if len(dims) < 2:
        raise ValueError(f"dims must list at least 2 blocks, got {dims!r}")
    for d in dims:
        if isinstance(d, bool | np.bool_) or not isinstance(d, numbers.Integral) or d < 1:
            raise ValueError(f"dims must be positive ints, got {dims!r}")
    dims = tuple(int(d) for d in dims)
    D = sum(dims)
    check_cells(f"dims={dims}: the {D} x {D} correlation matrix", D * D, limit=MAX_CORRELATION_CELLS)
    return dims


def _equicorrelation_matrix(dims: tuple[int, ...], rho: float) -> np.ndarray:
    """Identity within blocks; coordinate r of block i and coordinate r of block j correlated by rho."""
    D = sum(dims)
    offsets = np.cumsum((0, *dims[:-1]))
    R = np.eye(D)
    for i, (oi, di) in enumerate(zip(offsets, dims)):
        for j, (oj, dj) in enumerate(zip(offsets, dims)):
            if i != j:
                r = np.arange(min(di, dj))
                R[oi + r, oj + r] = rho
    return R


def _equicorrelation_tc_nats(dims: tuple[int, ...], rho: float) -> float:
    r"""TC in nats of the equicorrelation design.

    .. math:: -\frac12 \sum_r [(m_r - 1)\log(1-\rho) + \log(1 + (m_r - 1)\rho)]


    ``m_r`` = number of blocks with more than ``r`` coordinates (each coordinate index forms an independent
    equicorrelated group of size ``m_r``).
    """
    total = 0.0
    for r in range(max(dims)):
        m = sum(d > r for d in dims)
        if m >= 2:
            total += (m - 1) * math.log1p(-rho) + math.log1p((m - 1) * rho)
    return -0.5 * total


class GaussianTC:
    r"""Jointly Gaussian blocks with exactly known total correlation (bits by default).

    Parameters
    ----------
    dims : sequence of int
        Block sizes, at least two blocks, each ``>= 1``. Sample keys are ``'x0'``, ``'x1'``, ...
    correlation : float or array_like of shape (D, D), ``D = sum(dims)``
        A scalar :math:`\rho`: identity within each block, and coordinate ``r`` of any two blocks
        correlated by :math:`\rho` (when both have a coordinate ``r``). Or a full correlation matrix
        (symmetric, unit diagonal). Must be positive definite (``ValueError`` otherwise).
    transforms : sequence of (None | str | callable), optional
        One per block, applied to that block after sampling: ``None`` (identity), a name in
        :data:`TRANSFORMS` (``"cube"``, ``"sinh"``, ``"tanh-affine"`` = :math:`\tanh x + 0.1x`, ``"exp"``),
        or a callable mapping an (n, d_i) array to an (n, d_i) array that **must be invertible** (TC is
        invariant only under invertible per-block maps; this is not checked).

    Examples
    --------
    >>> g = GaussianTC(dims=(1, 1), correlation=0.6)
    >>> bool(round(g.total_correlation(base=np.e), 6) == round(-0.5 * np.log(1 - 0.6**2), 6))
    True
    >>> g2 = GaussianTC.from_total_correlation((4, 4, 4), 3.0)
    >>> round(g2.total_correlation(), 6)
    3.0
    """

    def __init__(self, *, dims: Sequence[int], correlation, transforms=None):
        self.dims = _check_dims(dims)
        D = sum(self.dims)
        self.rho: float | None = None
        if isinstance(correlation, numbers.Real) and not isinstance(correlation, bool):
            rho = float(correlation)
            if not (math.isfinite(rho) and -1.0 < rho < 1.0):
                raise ValueError(f"correlation must be in (-1, 1), got {correlation!r}")
            self.rho = rho
            R = _equicorrelation_matrix(self.dims, rho)
        else:
            R = np.asarray(correlation, dtype=np.float64)
            if R.shape != (D, D):
                raise ValueError(
                    f"correlation matrix must have shape ({D}, {D}) for dims={self.dims}, got {R.shape}"
                )
            if not np.isfinite(R).all():
                raise ValueError(f"correlation matrix must be finite, got {R.tolist()}")
            if not np.allclose(R, R.T, atol=1e-12):
                i, j = np.unravel_index(int(np.argmax(np.abs(R - R.T))), R.shape)
                raise ValueError(
                    f"correlation matrix must be symmetric, got R[{i}, {j}] = {float(R[i, j])!r} "
                    f"but R[{j}, {i}] = {float(R[j, i])!r}"
                )
            if not np.allclose(np.diag(R), 1.0, atol=1e-12):
                raise ValueError(
                    f"correlation matrix must have unit diagonal, got diagonal {np.diag(R).tolist()}"
                )
        try:
            self._chol = np.linalg.cholesky(R)
        except np.linalg.LinAlgError:
            raise ValueError(
                f"correlation {correlation!r} does not give a positive definite matrix for dims={self.dims}"
            ) from None
        self.correlation_matrix = R
        self.transforms = self._check_transforms(transforms)

    def _check_transforms(self, transforms) -> tuple:
        if transforms is None:
            return (None,) * len(self.dims)
        transforms = tuple(transforms)
        if len(transforms) != len(self.dims):
            raise ValueError(
                f"transforms must have one entry per block ({len(self.dims)}), got {transforms!r}"
            )
        for t in transforms:
            if t is not None and not callable(t) and t not in TRANSFORMS:
                raise ValueError(
                    f"unknown transform {t!r}; use None, a callable or one of {sorted(TRANSFORMS)}"
                )
        return transforms

    def __repr__(self) -> str:
        corr = self.rho if self.rho is not None else "<matrix>"
        return f"GaussianTC(dims={self.dims!r}, correlation={corr}, transforms={self.transforms!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """Sample keys ``('x0', ..., 'x{k-1}')``."""
        return tuple(f"x{i}" for i in range(len(self.dims)))

    def _blocks(self) -> list[np.ndarray]:
        offsets = np.cumsum((0, *self.dims))
        return [np.arange(offsets[i], offsets[i + 1]) for i in range(len(self.dims))]

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` samples: keys ``'x0'``, ... with float64 arrays (n, dims[i]), transforms applied."""
        n = check_n(n, row_cells=sum(self.dims))  # ValueError, not MemoryError, if they cannot exist
        gen = as_rng(rng, name="rng")
        z = gen.standard_normal((n, sum(self.dims))) @ self._chol.T  # (n, D), covariance R
        out = {}
        for name, idx, t in zip(self.names, self._blocks(), self.transforms):
            block = z[:, idx]
            if t is not None:
                f = TRANSFORMS[t] if isinstance(t, str) else t
                block = np.asarray(f(block), dtype=np.float64)
                if block.shape != (n, len(idx)):
                    raise ValueError(f"transform {t!r} changed the block shape to {block.shape}")
            out[name] = block
        return out

    # ----------------------------------------------------------------------------------------- truth
    def total_correlation(self, *, base: float = 2) -> float:
        r"""Total correlation :math:`\frac12(\sum_i \log\det R_{ii} - \log\det R)`, bits by default.

        Exact for any ``transforms`` (TC is invariant under invertible per-block maps).
        """
        base = check_base(base)
        logdet = np.linalg.slogdet(self.correlation_matrix)[1]
        block_logdets = sum(
            np.linalg.slogdet(self.correlation_matrix[np.ix_(b, b)])[1] for b in self._blocks()
        )
        return float(0.5 * (block_logdets - logdet) / math.log(base))

    def mutual_information(self, i: int, j: int, *, base: float = 2) -> float:
        r"""Mutual information between blocks ``i`` and ``j``, in bits by default.

        .. math:: I(x_i; x_j) = \frac12 (\log\det R_{ii} + \log\det R_{jj} - \log\det R_{\{i,j\}})
        """
        base = check_base(base)
        k = len(self.dims)
        for v in (i, j):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < k:
                raise ValueError(f"block index must be an int in [0, {k}), got {v!r}")
        if i == j:
            raise ValueError(f"blocks i and j must differ, got i = j = {i}")
        blocks = self._blocks()
        bi, bj = blocks[i], blocks[j]
        bij = np.concatenate([bi, bj])
        R = self.correlation_matrix

        def logdet(idx):
            return np.linalg.slogdet(R[np.ix_(idx, idx)])[1]

        return float(0.5 * (logdet(bi) + logdet(bj) - logdet(bij)) / math.log(base))

    def pairwise_mutual_information_sum(self, *, base: float = 2) -> float:
        r"""Sum of the mutual informations of all pairs of blocks (CLIP's bound's target), bits by default.

        .. math::
            \sum_{i < j} I(x_i; x_j)
            = \sum_{i < j} \tfrac12 (\log\det R_{ii} + \log\det R_{jj} - \log\det R_{\{i,j\}})

        (:meth:`mutual_information` per pair, summed in the order (0, 1), (0, 2), ..., (1, 2), ...). Exact for
        any ``transforms``. Unlike the total correlation it counts information shared by three or more
        blocks more than once, so with equicorrelated blocks it exceeds :meth:`total_correlation`.

        Returns
        -------
        float
            In units of ``log base`` (bits by default).

        Examples
        --------
        >>> g = GaussianTC(dims=(1, 1), correlation=0.6)  # one pair: its MI is the TC
        >>> round(g.pairwise_mutual_information_sum(base=math.e), 6), round(-0.5 * math.log(1 - 0.36), 6)
        (0.223144, 0.223144)
        >>> g = GaussianTC.from_total_correlation((2, 2, 2), 1.0)
        >>> round(g.total_correlation(), 6), round(g.pairwise_mutual_information_sum(), 4)
        (1.0, 1.2452)
        """
        k = len(self.dims)
        pairs = [self.mutual_information(i, j, base=base) for i in range(k) for j in range(i + 1, k)]
        return float(sum(pairs))

    # ----------------------------------------------------------------------------------------- design
    @staticmethod
    def rho_for_total_correlation(dims: Sequence[int], tc: float, *, base: float = 2) -> float:
        r"""The :math:`\rho \ge 0` of the equicorrelation design whose total correlation equals ``tc``.

        Solves, by Brent's method (the left side is strictly increasing in :math:`\rho \in [0, 1)`),

        .. math::
            -\tfrac12 \sum_r [(m_r - 1)\log(1-\rho) + \log(1 + (m_r-1)\rho)]=\mathrm{tc}\,\ln(\mathrm{base}),

        where :math:`m_r` is the number of blocks with more than ``r`` coordinates; ``tc`` in bits by default.
        """
        from scipy.optimize import brentq

        dims = _check_dims(dims)
        base = check_base(base)
        if isinstance(tc, bool) or not isinstance(tc, numbers.Real) or not math.isfinite(tc) or tc < 0:
            raise ValueError(f"tc must be a finite real number >= 0, got {tc!r}")
        target = float(tc) * math.log(base)  # nats
        if target == 0:
            return 0.0
        hi = 1.0 - 1e-12
        if _equicorrelation_tc_nats(dims, hi) < target:
            raise ValueError(f"tc={tc!r} is too large for dims={dims} (rho would have to exceed 1 - 1e-12)")
        return float(
            brentq(lambda r: _equicorrelation_tc_nats(dims, r) - target, 0.0, hi, xtol=1e-15, rtol=1e-15)
        )

    @classmethod
    def from_total_correlation(cls, dims: Sequence[int], tc: float, *, base: float = 2, transforms=None):
        """A :class:`GaussianTC` (equicorrelation design) whose total correlation is ``tc`` bits."""
        rho = cls.rho_for_total_correlation(dims, tc, base=base)
        return cls(dims=dims, correlation=rho, transforms=transforms)
