"""A joint pmf stored as its non-zero outcomes, for alphabets too large for a dense array.

The 10-bit XOR-style joint of three 10-bit vectors has 2^30 dense cells but only about
2^21 non-zero ones; :class:`SparsePMF` keeps those rows and their probabilities, and every
measure in :mod:`infotheory` accepts it wherever it accepts a dense array.
"""

from __future__ import annotations

import math

import numpy as np

from infotheory._validation import DEFAULT_ATOL, check_probabilities, check_shape

__all__ = ["SparsePMF", "group_sum", "sum_by_key", "mixed_radix_key"]

#: largest product of alphabet sizes that is encoded into one int64 key (leaves headroom below 2^63)
_MAX_KEY_RANGE = 2**62


def mixed_radix_key(columns: np.ndarray, sizes) -> np.ndarray | None:
    """One int64 key per row of ``columns`` (K, k): ``sum_j columns[:, j] * prod(sizes[j+1:])``.

    Returns ``None`` when the product of ``sizes`` does not fit in an int64 (the caller then
    groups rows with a lexicographic sort instead).
    """
    sizes = [int(s) for s in sizes]
    if math.prod(sizes) > _MAX_KEY_RANGE:  # exact product: Python ints never overflow
        return None
    if len(sizes) == 1:
        return columns[:, 0].astype(np.int64, copy=False)
    key = columns[:, 0].astype(np.int64)  # a copy: the loop below works in place
    for j in range(1, len(sizes)):
        key *= sizes[j]
        key += columns[:, j]
    return key


def group_sum(columns: np.ndarray, sizes, weights: np.ndarray, *, return_outcomes: bool = False):
    """Sum ``weights`` over rows of ``columns`` that are equal (a marginal of a sparse pmf).

    Rows are combined into one mixed-radix int64 key when the alphabet product fits. Keys with a
    small range (at most ``max(4 K, 2^22)``) are grouped with ``np.bincount`` in O(K + range); larger
    ranges use a sort. Returns the group sums (zeros dropped) and, with ``return_outcomes``, the
    distinct rows in lexicographic order.
    """
    n_rows, n_cols = columns.shape
    if n_cols == 0:
        total = np.array([weights.sum()])
        return (total, np.zeros((1, 0), dtype=np.int64)) if return_outcomes else total
    key = mixed_radix_key(columns, sizes)
    if key is not None:
        key_range = math.prod(int(s) for s in sizes)
        if not return_outcomes:
            return sum_by_key(key, key_range, weights)
        if key_range <= max(4 * n_rows, 2**22):
            sums = np.bincount(key, weights=weights, minlength=key_range)
            cells = np.flatnonzero(sums)
            outcomes = np.stack(np.unravel_index(cells, tuple(int(s) for s in sizes)), axis=1)
            return sums[cells], outcomes.astype(np.int64, copy=False)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    else:  # alphabet product beyond int64: lexicographic sort on the columns themselves
        order = np.lexsort(columns.T[::-1])
        sorted_rows = columns[order]
        starts = np.flatnonzero(np.r_[True, (sorted_rows[1:] != sorted_rows[:-1]).any(axis=1)])
    sums = np.add.reduceat(weights[order], starts)
    if not return_outcomes:
        return sums[sums > 0]
    keep = sums > 0
    return sums[keep], columns[order[starts[keep]]]


def sum_by_key(key: np.ndarray, key_range: int, weights: np.ndarray) -> np.ndarray:
    """Non-zero sums of ``weights`` over equal values of ``key`` (int64 in ``[0, key_range)``), any order.

    A small range (at most ``max(4 K, 2^22)``) is grouped with ``np.bincount`` in O(K + range),
    a larger one with a sort.
    """
    if key_range <= max(4 * key.shape[0], 2**22):
        sums = np.bincount(key, weights=weights, minlength=key_range)
    else:
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        sums = np.add.reduceat(weights[order], starts)
    return sums[sums > 0]


class SparsePMF:
    """A joint pmf given by its non-zero outcomes (rows) and their probabilities.

    Parameters
    ----------
    outcomes : array_like of int, shape (K, n_vars)
        One row per outcome, one column per variable; entries are non-negative integer codes.
        Repeated rows are merged (their probabilities added); zero-probability rows are dropped.
    probs : array_like of float, shape (K,)
        Probability of each row: finite, non-negative, summing to one within
        ``atol + K * eps`` (as in :func:`infotheory.validate_pmf`).
    shape : tuple of int, optional
        Alphabet size of each variable (the shape of the equivalent dense array). Defaults to
        ``outcomes.max(axis=0) + 1``.
    atol : float
        Absolute tolerance on the normalisation.

    Attributes
    ----------
    outcomes : numpy.ndarray of int64, shape (nnz, n_vars)
        Distinct outcomes in lexicographic order.
    probs : numpy.ndarray of float64, shape (nnz,)
        Their (strictly positive) probabilities.
    shape : tuple of int
        Alphabet sizes.

    Examples
    --------
    >>> xor = SparsePMF([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]], [0.25] * 4)
    >>> xor.shape, xor.nnz
    ((2, 2, 2), 4)
    >>> float(xor.to_dense()[1, 1, 0])
    0.25
    """

    __slots__ = ("outcomes", "probs", "shape")

    def __init__(self, outcomes, probs, *, shape=None, atol: float = DEFAULT_ATOL):
        rows = np.asarray(outcomes)
        if rows.dtype == np.bool_:
            rows = rows.astype(np.int64)
        if not np.issubdtype(rows.dtype, np.integer):
            raise TypeError(f"outcomes must be integer codes, got dtype {rows.dtype}")
        if rows.ndim != 2:
            raise ValueError(f"outcomes must be 2-D (K, n_vars), got shape {rows.shape}")
        if rows.shape[1] == 0:
            raise ValueError(f"outcomes must have at least one column (variable), got shape {rows.shape}")
        weights = check_probabilities(probs, name="probs", atol=atol)
        if weights.ndim != 1 or weights.shape[0] != rows.shape[0]:
            raise ValueError(
                f"probs must have shape ({rows.shape[0]},) to match outcomes, got shape {weights.shape}"
            )
        rows = rows.astype(np.int64, copy=False)
        if (rows < 0).any():
            raise ValueError(f"outcomes must be non-negative codes, found {int(rows.min())}")
        observed = rows.max(axis=0) + 1
        if shape is None:
            sizes = tuple(int(s) for s in observed)
        else:
            sizes = check_shape(shape, rows.shape[1])  # ints >= 1, one per variable (2.5 is not truncated)
            for j, (size, needed) in enumerate(zip(sizes, observed)):
                if size < needed:
                    raise ValueError(f"shape[{j}]={size} is too small: outcomes hold code {int(needed) - 1}")
        keep = weights > 0
        if not keep.all():
            rows, weights = rows[keep], weights[keep]
        key = mixed_radix_key(rows, sizes)
        if key is not None and (key.size < 2 or bool(np.all(key[1:] > key[:-1]))):
            pass  # already sorted and distinct: the common case for generated joints, O(K) to check
        else:
            weights, rows = group_sum(rows, sizes, weights, return_outcomes=True)
        self.outcomes = np.asfortranarray(rows)  # column-major: marginals read whole columns
        self.probs = weights
        self.shape = sizes

    @property
    def n_vars(self) -> int:
        """Number of variables (columns of :attr:`outcomes`)."""
        return len(self.shape)

    @property
    def ndim(self) -> int:
        """Same as :attr:`n_vars`, mirroring ``numpy.ndarray.ndim``."""
        return len(self.shape)

    @property
    def nnz(self) -> int:
        """Number of stored (non-zero) outcomes."""
        return int(self.probs.shape[0])

    @classmethod
    def from_dense(cls, p) -> SparsePMF:
        """The sparse form of a dense joint pmf (its non-zero cells).

        Examples
        --------
        >>> SparsePMF.from_dense([[0.5, 0.0], [0.0, 0.5]]).nnz
        2
        """
        from infotheory._validation import validate_pmf

        arr = validate_pmf(p)
        cells = np.flatnonzero(arr)
        rows = np.stack(np.unravel_index(cells, arr.shape), axis=1).astype(np.int64)
        return cls(rows, arr.ravel()[cells], shape=arr.shape)

    def to_dense(self) -> np.ndarray:
        """The equivalent dense array (beware: ``prod(shape)`` cells)."""
        dense = np.zeros(self.shape, dtype=np.float64)
        dense[tuple(self.outcomes.T)] = self.probs
        return dense

    def __repr__(self) -> str:
        return f"SparsePMF(shape={self.shape}, nnz={self.nnz})"
