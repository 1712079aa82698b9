"""Marginal entropies of one joint pmf (dense or sparse), memoised for the duration of one call.

Every measure in :mod:`infotheory.measures` is a signed sum of marginal entropies ``H(X_S)``.
A :class:`EntropyTable` computes each ``H(X_S)`` (in nats) at most once; the table is built
afresh by every public call, so nothing is cached between calls.
"""

from __future__ import annotations

import numpy as np

from infotheory._validation import validate_pmf
from infotheory.sparse import SparsePMF, group_sum

__all__ = ["EntropyTable", "entropy_nats", "as_table"]


def entropy_nats(probs: np.ndarray) -> float:
    """Shannon entropy ``-sum p log p`` in nats of an array of probabilities, with 0 log 0 = 0."""
    flat = probs.ravel()
    # 0 log 0 = 0: replace zeros by ones before the log, so their term is 0 * log(1) = 0 (no NaN, no
    # warning). Tiny positive probabilities (1e-300, even subnormals) have a finite log and are kept.
    log_p = np.log(np.where(flat > 0, flat, 1.0))
    return -float(np.dot(flat, log_p))


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

    def __init__(self, pmf: np.ndarray | SparsePMF, *, n_samples: int | None = None):
        self.pmf = pmf
        self.n_vars = pmf.ndim
        self.n_samples = n_samples
        self._entropies: dict[tuple[int, ...], float] = {(): 0.0}
        # dense only: marginals computed so far, keyed by their sorted axes; the full pmf is one of them
        self._marginals: dict[tuple[int, ...], np.ndarray] = {}
        if isinstance(pmf, np.ndarray):
            self._marginals[tuple(range(self.n_vars))] = pmf

    def __call__(self, axes) -> float:
        """``H(X_axes)`` in nats (Miller–Madow corrected when the table was built with ``n_samples``)."""
        key = tuple(sorted(set(axes)))
        if key not in self._entropies:
            probs = self._dense_marginal(key) if isinstance(self.pmf, np.ndarray) else self._sparse_marginal(key)
            h = entropy_nats(probs)
            if self.n_samples is not None:
                m_cells = int(np.count_nonzero(probs))
                h += (m_cells - 1) / (2.0 * self.n_samples)  # Miller–Madow, per entropy term
            self._entropies[key] = h
        return self._entropies[key]

    def _dense_marginal(self, key: tuple[int, ...]) -> np.ndarray:
        if key in self._marginals:
            return self._marginals[key]
        # Sum out the other axes from the smallest marginal computed so far that contains ``key``:
        # e.g. H(X_0) after H(X_0, X_1) sums a (|X_0|, |X_1|) array, not the whole joint.
        supersets = [k for k in self._marginals if set(key) <= set(k)]
        source = min(supersets, key=lambda k: self._marginals[k].size)
        drop = tuple(i for i, a in enumerate(source) if a not in key)
        marginal = self._marginals[source].sum(axis=drop)
        self._marginals[key] = marginal
        return marginal

    def _sparse_marginal(self, key: tuple[int, ...]) -> np.ndarray:
        pmf = self.pmf
        if len(key) == pmf.n_vars:
            return pmf.probs  # outcomes are distinct (SparsePMF merges repeats), so no grouping is needed
        columns = pmf.outcomes[:, list(key)]
        return group_sum(columns, [pmf.shape[a] for a in key], pmf.probs)


def as_table(p) -> EntropyTable:
    """An :class:`EntropyTable` for ``p`` (dense array, :class:`SparsePMF`, or a table passed through)."""
    if isinstance(p, EntropyTable):
        return p
    if isinstance(p, SparsePMF):
        return EntropyTable(p)
    return EntropyTable(validate_pmf(p))
