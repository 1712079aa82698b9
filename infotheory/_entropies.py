"""Marginal entropies of one joint pmf (dense or sparse), memoised for the duration of one call.

Every measure in :mod:`infotheory.measures` is a signed sum of marginal entropies ``H(X_S)``.
A :class:`EntropyTable` computes each ``H(X_S)`` (in nats) at most once; the table is built
afresh by every public call, so nothing is cached between calls. Public measures never accept a
table as ``p``; the estimators evaluate measures on their own tables (Miller–Madow corrected, or a
:class:`BatchEntropyTable` of bootstrap replicates) through ``infotheory.measures._measure_on_table``.

A dense joint that is mostly empty (a structured joint such as a 5-bit XOR-style one: 2048 positive
cells of 2^15) is read once for its positive cells; every marginal is then a bincount over those cells
(O(positive cells)), like the sparse path, instead of a pass over the whole array. A mostly positive
joint is marginalised by summing out axes of the smallest marginal already computed. Both are the same
table, so no measure has a second code path.
"""

from __future__ import annotations

import math

import numpy as np

from infotheory._validation import positive_entries, validate_pmf_cells
from infotheory.sparse import SparsePMF, group_sum, mixed_radix_key, sum_by_key

__all__ = ["EntropyTable", "BatchEntropyTable", "entropy_nats", "as_table"]

def entropy_nats(probs: np.ndarray, *, all_positive: bool = False) -> float:
    """Shannon entropy ``-sum p log p`` in nats of an array of probabilities, with 0 log 0 = 0.

    ``all_positive=True`` promises that ``probs`` has no zero (sparse marginals), skipping the selection.
    """
    # 0 log 0 = 0: only the positive cells enter the sum (no log(0), no NaN, no warning). Tiny positive
    # probabilities (1e-300, even subnormals) have a finite log and are kept. Selecting the positive cells
    # first also skips the log of the many empty cells of a sparse-ish dense marginal. A marginal with no
    # empty cell (its smallest entry > 0: one pass, against two for a selection) is used as it is.
    positive = probs.ravel()
    if not all_positive and positive.shape[0] and not np.minimum.reduce(positive) > 0:
        positive = positive[positive > 0]
    if positive.shape[0] <= _SHORT:
        return -float(positive.dot(np.log(positive)))
    # a long vector: einsum, not np.dot, whose BLAS call may wake a thread pool (milliseconds of start-up)
    return -float(np.einsum("i,i->", positive, np.log(positive)))


#: entropies of at most this many cells use np.dot (BLAS computes so short a dot on the calling thread)
_SHORT = 4096


class EntropyTable:
    """Lazily computed table ``axes -> H(X_axes)`` in nats for one joint pmf.

    Parameters
    ----------
    pmf : numpy.ndarray or SparsePMF
        An already validated joint pmf.
    n_samples : int, optional
        If given, every entropy gets the Miller–Madow correction ``(m_S - 1) / (2 n)`` nats, with
        ``m_S`` the number of non-zero cells of the marginal ``p(x_S)`` and ``n = n_samples``
        (the pmf is then an empirical pmf of ``n`` samples).
    """

    def __init__(self, pmf: np.ndarray | SparsePMF, *, n_samples: int | None = None, positive=None):
        self.pmf = pmf
        self.n_vars = pmf.ndim
        self.n_samples = n_samples
        self._entropies: dict[tuple[int, ...], float] = {(): 0.0}
        # dense only: marginals computed so far, keyed by their sorted axes; the full pmf is one of them
        self._marginals: dict[tuple[int, ...], np.ndarray] = {}
        # dense only: the joint's positive cells (see ``_dense_cells``): given (``positive=(cells, probs)``,
        # as :func:`infotheory._validation.validate_pmf_cells` returns them) or found on the first marginal
        self._positive: tuple[np.ndarray | None, np.ndarray] | None = None
        if positive is not None:
            self._positive = self._index_if_sparse(*positive)
        if isinstance(pmf, np.ndarray):
            self._marginals[tuple(range(self.n_vars))] = pmf

    def __call__(self, axes) -> float:
        """``H(X_axes)`` in nats (Miller–Madow corrected when the table was built with ``n_samples``)."""
        as_asked = type(axes) is tuple  # a tuple is also remembered in the order it was asked in
        if as_asked:
            h = self._entropies.get(axes)
            if h is not None:
                return h
        if as_asked and (len(axes) < 2 or (len(axes) == 2 and axes[0] < axes[1])):
            key = axes  # already sorted and distinct (the measures' usual one or two axes)
        else:
            key = tuple(sorted(set(axes)))
        h = self._entropies.get(key)
        if h is None:
            if isinstance(self.pmf, np.ndarray):
                probs, all_positive = self._dense_marginal(key)
            else:
                probs, all_positive = self._sparse_marginal(key), True  # sparse marginals: positive sums
            h = entropy_nats(probs, all_positive=all_positive)
            if self.n_samples is not None:
                m_cells = int(np.count_nonzero(probs))
                h += (m_cells - 1) / (2.0 * self.n_samples)  # Miller–Madow, per entropy term
            self._entropies[key] = h
        if as_asked:
            self._entropies[axes] = h
        return h

    def _dense_cells(self) -> tuple[np.ndarray | None, np.ndarray]:
        """(flat C-order index, probability) of the dense joint's positive cells, found once per table.

        The index is kept only for a mostly empty joint (at most half its cells positive), whose
        marginals are then bincounts over those cells; otherwise it is None.
        """
        if self._positive is None:
            self._positive = self._index_if_sparse(*positive_entries(self.pmf.reshape(-1)))
        return self._positive

    def _index_if_sparse(self, cells: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        return (cells if cells.shape[0] <= self.pmf.size // 2 else None), probs

    def _dense_marginal(self, key: tuple[int, ...]) -> tuple[np.ndarray, bool]:
        """The marginal ``p(x_key)`` of a dense pmf and whether all of its entries are known positive."""
        cells, probs = self._dense_cells()
        if len(key) == self.n_vars:
            return probs, True  # the joint's positive cells, in C order as ``p[p > 0]`` has them
        marginal = self._marginals.get(key)
        if marginal is not None:
            return marginal, False
        # Two ways to a marginal, whichever reads fewer numbers: sum out the other axes of the smallest
        # marginal computed so far that contains ``key`` (e.g. H(X_0) after H(X_0, X_1) sums a
        # (|X_0|, |X_1|) array, not the whole joint), or bincount the positive cells by marginal cell.
        wanted = set(key)
        source, array = None, None  # the smallest marginal so far that holds ``key`` (the joint always does)
        for k, m in self._marginals.items():
            if wanted.issubset(k) and (array is None or m.size < array.size):
                source, array = k, m
        if cells is not None and cells.shape[0] < array.size:
            shape = [self.pmf.shape[a] for a in key]
            marginal = np.bincount(self._cell_code(key), weights=probs, minlength=math.prod(shape))
            marginal = marginal.reshape(shape)
        else:
            marginal = np.add.reduce(array, axis=tuple(i for i, a in enumerate(source) if a not in wanted))
        self._marginals[key] = marginal
        return marginal, False

    def _cell_code(self, key: tuple[int, ...]) -> np.ndarray:
        """Mixed-radix index of each positive cell's marginal cell over ``key`` (sorted axes).

        Computed from the flat C-order index run by run: a run of consecutive axes first..last is
        ``(index // stride) % size`` (a shift and a mask when both are powers of two, as for binary
        codes), so e.g. the last two axes cost one operation.
        """
        cells, shape = self._positive[0], self.pmf.shape
        code, start = None, 0
        while start < len(key):
            stop = start
            while stop + 1 < len(key) and key[stop + 1] == key[stop] + 1:
                stop += 1
            first, last = key[start], key[stop]  # the run of axes first..last
            stride, size = math.prod(shape[last + 1 :]), math.prod(shape[first : last + 1])
            if stride & (stride - 1) == 0 and size & (size - 1) == 0:  # powers of two: shift and mask
                part = cells >> (stride.bit_length() - 1) if stride > 1 else cells
                part = part & (size - 1) if first > 0 else part
            else:
                part = cells // stride if stride > 1 else cells
                part = part % size if first > 0 else part
            if code is None:
                code = part
            elif code is cells:  # never write into the joint's own index
                code = code * size + part
            else:
                code *= size  # in place: no fresh array per operation
                code += part
            start = stop + 1
        return code

    def _sparse_marginal(self, key: tuple[int, ...]) -> np.ndarray:
        pmf = self.pmf
        if len(key) == pmf.n_vars:
            return pmf.probs  # outcomes are distinct (SparsePMF merges repeats), so no grouping is needed
        sizes = [pmf.shape[a] for a in key]
        key_range = math.prod(sizes)
        if key_range > 2**62:  # no int64 key: lexicographic grouping of the columns
            return group_sum(pmf.outcomes[:, list(key)], sizes, pmf.probs)
        # mixed-radix key built straight from the (column-major) outcome columns, no (K, k) copy
        cell = pmf.outcomes[:, key[0]].astype(np.int64)
        for a in key[1:]:
            cell *= pmf.shape[a]
            cell += pmf.outcomes[:, a]
        return sum_by_key(cell, key_range, pmf.probs)


def as_table(p) -> EntropyTable:
    """A fresh :class:`EntropyTable` for the joint pmf ``p`` (dense array or :class:`SparsePMF`).

    An entropy table passed as ``p`` is refused (``TypeError``): a public measure returns a float,
    and a :class:`BatchEntropyTable` would make it return an array. Code that evaluates a measure on
    a prepared table (the estimators) goes through ``infotheory.measures._measure_on_table``.
    """
    if isinstance(p, EntropyTable):
        raise TypeError(
            f"p must be a joint pmf (array or SparsePMF), got a private {type(p).__name__}; "
            f"evaluate a measure on a table with infotheory.measures._measure_on_table"
        )
    if isinstance(p, SparsePMF):
        return EntropyTable(p)
    arr, cells, probs = validate_pmf_cells(p)
    return EntropyTable(arr, positive=(cells, probs))


class BatchEntropyTable(EntropyTable):
    """Marginal entropies of many empirical pmfs on the same observed cells at once (bootstrap replicates).

    ``H(X_S)`` is an array with one value per row of ``counts`` (nats), so a measure evaluated on this
    table returns one value per replicate. Miller–Madow correction as in :class:`EntropyTable`.

    Parameters
    ----------
    outcomes : numpy.ndarray of int64, shape (m, n_vars)
        The distinct observed cells.
    shape : tuple of int
        Alphabet sizes.
    counts : numpy.ndarray of float, shape (B, m)
        Counts of each cell in each of B replicates, every row summing to ``n_samples``.
    n_samples : int
        Sample size of every replicate.
    miller_madow : bool
        Whether to add the Miller–Madow correction to every entropy term.
    """

    def __init__(self, outcomes, shape, counts: np.ndarray, n_samples: int, *, miller_madow: bool):
        self.outcomes = outcomes
        self.shape = tuple(shape)
        self.counts = counts
        self.n_vars = len(self.shape)
        self.n_samples = n_samples
        self.miller_madow = miller_madow
        self._entropies = {(): 0.0}

    def __call__(self, axes):
        key = tuple(sorted(set(axes)))
        if key not in self._entropies:
            marginal_counts = self._marginal_counts(key)  # (B, m_S)
            n = float(self.n_samples)
            # H = -sum (c/n) log(c/n) = log n - (1/n) sum c log c, with 0 log 0 = 0 (zeros -> log 1)
            c_log_c = marginal_counts * np.log(np.where(marginal_counts > 0, marginal_counts, 1.0))
            h = np.log(n) - c_log_c.sum(axis=1) / n
            if self.miller_madow:
                h += (np.count_nonzero(marginal_counts, axis=1) - 1) / (2.0 * n)
            self._entropies[key] = h
        return self._entropies[key]

    def _marginal_counts(self, key: tuple[int, ...]) -> np.ndarray:
        if len(key) == self.n_vars:
            return self.counts
        columns = self.outcomes[:, list(key)]
        cell_key = mixed_radix_key(columns, [self.shape[a] for a in key])
        if cell_key is None:
            _, inverse = np.unique(columns, axis=0, return_inverse=True)
        else:
            _, inverse = np.unique(cell_key, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(inverse[order]) != 0])
        return np.add.reduceat(self.counts[:, order], starts, axis=1)
