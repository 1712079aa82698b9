r"""Bias-corrected entropy estimates from cell counts, and the entropy table that applies them.

Every discrete measure is a signed sum of marginal entropies :math:`H(X_S)`; a correction is applied to
each term, so it carries over to MI, CMI, TC, DTC, O-information, ... For the jackknife this is exactly
the jackknife of the measure (the jackknife is linear in the estimate); for Chao–Shen and NSB it is the
usual "correct every entropy" construction.

All entropies here are in **nats**. ``counts`` is a ``(B, m)`` float array: one row per data set (B
bootstrap replicates, or a single row), one column per observed cell; every row sums to ``n`` and zeros
are allowed (cells absent from a replicate). Estimators (``c_j`` the count of cell ``j``, :math:`\hat p_j
= c_j / n`):

* ``None``: plug-in :math:`\hat H = -\sum_j \hat p_j \log \hat p_j`.
* ``"miller_madow"``: :math:`\hat H + (\hat m - 1) / (2n)`, :math:`\hat m` the number of non-empty cells.
* ``"jackknife"``: :math:`n \hat H - (n-1) \overline{H}_{-t}`, with :math:`\overline{H}_{-t}` the mean of
  the plug-in entropies of the ``n`` leave-one-sample-out data sets (computed in closed form per cell).
* ``"chao_shen"``: coverage-adjusted Horvitz–Thompson estimate (Chao & Shen 2003),
  :math:`-\sum_j \tilde p_j \log \tilde p_j / (1 - (1 - \tilde p_j)^n)`, :math:`\tilde p_j = \hat C \hat
  p_j`, :math:`\hat C = 1 - f_1 / n` (``f_1`` singletons; ``f_1 = n`` is replaced by ``n - 1``).
* ``"nsb"``: Nemenman–Shafee–Bialek (2002): the posterior mean of :math:`H` under the mixture of
  symmetric Dirichlet priors that is uniform in the prior mean entropy :math:`\xi(\beta) = \psi(K\beta +
  1) - \psi(\beta + 1)`, with ``K`` the number of possible cells (see :func:`nsb_entropy`).
"""

from __future__ import annotations

import math

import numpy as np

from infotheory._entropies import BatchEntropyTable

__all__ = ["CORRECTIONS", "check_correction", "entropy_from_counts", "nsb_entropy", "CorrectedTable"]

#: the bias corrections of the discrete estimators (``None`` is the plain plug-in)
CORRECTIONS = ("miller_madow", "jackknife", "chao_shen", "nsb")


def check_correction(correction) -> str | None:
    """``correction`` if it is ``None`` or one of :data:`CORRECTIONS`, else ``ValueError`` naming it."""
    if correction is None or (isinstance(correction, str) and correction in CORRECTIONS):
        return correction
    raise ValueError(f"correction must be None or one of {list(CORRECTIONS)}, got {correction!r}")


def _xlogx(x: np.ndarray) -> np.ndarray:
    # x log x with 0 log 0 = 0 (zeros take log 1 = 0; no log(0) warning)
    return x * np.log(np.where(x > 0, x, 1.0))


def entropy_from_counts(counts: np.ndarray, n: int, correction: str | None, *, n_cells: int) -> np.ndarray:
    """Entropy estimates in nats, one per row of ``counts`` (B, m); ``n_cells`` = K for NSB."""
    counts = np.asarray(counts, dtype=np.float64)
    n = float(n)
    S = _xlogx(counts).sum(axis=1)  # sum_j c_j log c_j
    H = np.log(n) - S / n  # plug-in: -sum (c/n) log(c/n)
    if correction is None:
        return H
    if correction == "miller_madow":
        return H + (np.count_nonzero(counts, axis=1) - 1) / (2.0 * n)
    if correction == "jackknife":
        if n < 2:
            return H  # no leave-one-out data set exists
        # removing one sample of cell j: S_-j = S - c_j log c_j + (c_j - 1) log(c_j - 1), total n - 1
        S_loo = S[:, None] - _xlogx(counts) + _xlogx(np.maximum(counts - 1.0, 0.0))
        H_loo = np.log(n - 1.0) - S_loo / (n - 1.0)  # (B, m); only cells with c_j > 0 are weighted
        mean_loo = (counts * H_loo).sum(axis=1) / n
        return n * H - (n - 1.0) * mean_loo
    if correction == "chao_shen":
        f1 = (counts == 1).sum(axis=1).astype(np.float64)
        f1 = np.where(f1 == n, n - 1.0, f1)  # all singletons: the coverage estimate would be 0
        coverage = 1.0 - f1 / n
        p_tilde = coverage[:, None] * counts / n
        # 1 - (1 - p)^n, computed as -expm1(n log1p(-p)) to keep precision for small p
        seen = -np.expm1(n * np.log1p(-np.minimum(p_tilde, 1.0 - 1e-16)))
        terms = np.where(counts > 0, -_xlogx(p_tilde) / np.where(counts > 0, seen, 1.0), 0.0)
        return terms.sum(axis=1)
    if correction == "nsb":
        return np.array([nsb_entropy(row, n_cells) for row in counts])
    raise ValueError(f"correction must be None or one of {list(CORRECTIONS)}, got {correction!r}")


#: NSB integration: points of the coarse and the refined grid over log(beta), and the log-posterior drop
#: (nats below its maximum) that bounds the refined grid
_NSB_COARSE, _NSB_FINE, _NSB_DROP = 400, 400, 50.0


def nsb_entropy(counts: np.ndarray, n_cells: int) -> float:
    r"""NSB posterior-mean entropy (nats) of one count vector over ``n_cells`` = K possible cells.

    .. math::

        \hat H_{NSB} = \frac{\int d\xi\, p(c \mid \beta(\xi))\, E[H \mid c, \beta(\xi)]}
                            {\int d\xi\, p(c \mid \beta(\xi))}, \qquad
        E[H \mid c, \beta] = \psi(A + 1) - \sum_{j=1}^{K} \frac{c_j + \beta}{A} \psi(c_j + \beta + 1),

    :math:`A = n + K\beta`, :math:`p(c \mid \beta) \propto \frac{\Gamma(K\beta)}{\Gamma(n + K\beta)}
    \prod_j \frac{\Gamma(c_j + \beta)}{\Gamma(\beta)}` (the K - m unobserved cells enter with
    :math:`c_j = 0`). The integral is taken over :math:`\log\beta` (Jacobian :math:`\beta\, d\xi/d\beta`) on
    a coarse grid, then on a fine grid spanning where the log-posterior is within 50 nats of its maximum
    (trapezoid rule). Sums over cells are sums over distinct count values, so the cost does not grow with n.
    """
    from scipy.special import digamma, gammaln, polygamma  # lazy: ~0.3 s of import

    c = np.asarray(counts, dtype=np.float64)
    c = c[c > 0]
    n, m, K = float(c.sum()), c.size, float(n_cells)
    if K < m:
        raise ValueError(f"n_cells={n_cells} is smaller than the {m} observed cells")
    if K <= 1 or n == 0:
        return 0.0
    values, mult = np.unique(c, return_counts=True)

    def log_posterior(log_beta: np.ndarray) -> np.ndarray:
        beta = np.exp(log_beta)[:, None]  # (G, 1)
        A = K * beta[:, 0]
        log_like = gammaln(A) - gammaln(n + A) + (mult * (gammaln(values + beta) - gammaln(beta))).sum(axis=1)
        dxi_dbeta = K * polygamma(1, A + 1.0) - polygamma(1, beta[:, 0] + 1.0)  # > 0; rounding can reach 0
        return log_like + np.log(np.maximum(dxi_dbeta, 1e-300)) + log_beta

    def posterior_mean_entropy(log_beta: np.ndarray) -> np.ndarray:
        beta = np.exp(log_beta)[:, None]
        A = n + K * beta[:, 0]
        observed = (mult * (values + beta) * digamma(values + beta + 1.0)).sum(axis=1)
        unobserved = (K - m) * beta[:, 0] * digamma(beta[:, 0] + 1.0)
        return digamma(A + 1.0) - (observed + unobserved) / A

    coarse = np.linspace(math.log(1e-7 / K), math.log(1e4), _NSB_COARSE)
    lp = log_posterior(coarse)
    keep = np.flatnonzero(lp >= lp.max() - _NSB_DROP)
    lo, hi = coarse[max(keep[0] - 1, 0)], coarse[min(keep[-1] + 1, coarse.size - 1)]
    fine = np.linspace(lo, hi, _NSB_FINE)
    lp = log_posterior(fine)
    w = np.exp(lp - lp.max())
    w[[0, -1]] *= 0.5  # trapezoid rule on the uniform grid (the spacing cancels in the ratio)
    return float((w * posterior_mean_entropy(fine)).sum() / w.sum())


class CorrectedTable(BatchEntropyTable):
    """Marginal entropies (nats) of count data with one of :data:`CORRECTIONS`, one value per count row.

    Same cells and grouping as :class:`~infotheory._entropies.BatchEntropyTable` (whose marginal counts
    it reuses); ``n_cells`` of a marginal for NSB is the product of its axes' alphabet sizes ``shape``.
    """

    def __init__(self, outcomes, shape, counts: np.ndarray, n_samples: int, *, correction: str):
        super().__init__(outcomes, shape, counts, n_samples, miller_madow=False)
        self.correction = correction

    def __call__(self, axes):
        key = tuple(sorted(set(axes)))
        if key not in self._entropies:
            n_cells = math.prod(self.shape[a] for a in key)
            self._entropies[key] = entropy_from_counts(
                self._marginal_counts(key), self.n_samples, self.correction, n_cells=n_cells
            )
        return self._entropies[key]
