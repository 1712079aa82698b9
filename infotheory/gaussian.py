r"""Gaussian and Gaussian-copula estimators of information measures from real-valued samples.

Every measure of :mod:`infotheory.measures` that is a sum of entropies is estimated by replacing each
:math:`H(X_S)` with the entropy of a Gaussian with the sample covariance :math:`\hat\Sigma_S` of the
variables in ``S`` (each variable may be a vector: its block of columns),

.. math::

    \hat H(X_S) = \tfrac12 \log\det \hat\Sigma_S + \tfrac{d_S}{2}\log(2\pi e) - \tfrac12 b(d_S, n),
    \qquad b(d, n) = \sum_{i=1}^{d} \psi\big(\tfrac{n-i}{2}\big) + d \log\tfrac{2}{n-1}

in nats, :math:`d_S` the number of columns, :math:`\hat\Sigma_S` the covariance with divisor
:math:`n - 1`; :math:`b` is the bias correction. It makes each entropy term unbiased for Gaussian data: it is
:math:`E\log\det\hat\Sigma_S - \log\det\Sigma_S` for a Wishart matrix (Ince et al. 2017, the ``gcmi``
toolbox; hoi and THOI use the same), and since every measure is a signed sum of entropies, the measures
are unbiased too.

* :func:`gaussian_estimate` uses the data as they are: exact in expectation for Gaussian data, biased
  (usually downward: a Gaussian has the least dependence for given correlations) otherwise.
* :func:`copula_estimate` first replaces every column by its normal scores
  :math:`\Phi^{-1}(\mathrm{rank} / (n + 1))` (ties at their mid-rank). The measures are invariant under
  invertible maps of each variable, so this estimator is unaffected by monotone per-column transforms;
  it is exact for any data with a Gaussian copula (e.g. :class:`generators.GaussianTC` with
  ``transforms``) and a lower-bound-like approximation otherwise. It estimates the copula, not the
  marginals, so ``entropy`` (which depends on the marginals) is refused.

Samples: see :mod:`infotheory._samples` (array, list of arrays, dict of named arrays; vectors allowed).
"""

from __future__ import annotations

import math

import numpy as np

from infotheory import measures
from infotheory._entropies import EntropyTable
from infotheory._samples import continuous_variables, resolve_names

__all__ = ["gaussian_estimate", "copula_estimate", "normal_scores"]

#: replicates are processed in blocks of at most this many (replicate x row) weights
_BLOCK_WEIGHTS = 2**22
#: the measures that depend on the marginals (and so cannot be estimated from the copula)
_MARGINAL_MEASURES = ("entropy",)


class GaussianTable(EntropyTable):
    """``axes -> H(X_axes)`` in nats of Gaussians with covariances ``cov`` (D, D) or a batch (B, D, D)."""

    def __init__(self, cov: np.ndarray, blocks: list[np.ndarray], n: int, *, bias_correction: bool, names):
        self.cov = cov
        self.blocks = blocks
        self.n_vars = len(blocks)
        self.n = n
        self.bias_correction = bias_correction
        self.names = names
        self._entropies = {(): 0.0}

    def __call__(self, axes):
        key = tuple(sorted(set(axes)))
        if key not in self._entropies:
            cols = np.concatenate([self.blocks[a] for a in key])
            d = cols.size
            sign, logdet = np.linalg.slogdet(self.cov[..., cols[:, None], cols])
            if np.any(sign <= 0) or not np.all(np.isfinite(logdet)):
                which = [self.names[a] if self.names is not None else a for a in key]
                raise ValueError(
                    f"the sample covariance of variables {which} is singular (a constant or a linearly "
                    f"dependent column); a Gaussian entropy needs it positive definite"
                )
            h = 0.5 * logdet + 0.5 * d * math.log(2 * math.pi * math.e)
            if self.bias_correction:
                h = h - _logdet_bias(d, self.n) / 2.0
            self._entropies[key] = h if np.ndim(h) else float(h)
        return self._entropies[key]


def _logdet_bias(d: int, n: int) -> float:
    """:math:`E \\log\\det \\hat\\Sigma - \\log\\det\\Sigma` of a d-dim covariance of n Gaussian samples."""
    from scipy.special import digamma  # lazy: ~0.3 s of import

    i = np.arange(1, d + 1)
    return float(digamma((n - i) / 2.0).sum() + d * math.log(2.0 / (n - 1)))


def normal_scores(x: np.ndarray) -> np.ndarray:
    """Gaussian-copula transform of every column of ``x`` (n, D): :math:`\\Phi^{-1}(r / (n + 1))`.

    ``r`` is the rank of a value in its column (1..n; tied values share their mid-rank), so the
    result does not depend on any strictly increasing map of a column. Unitless.

    Examples
    --------
    >>> normal_scores(np.array([[10.0], [-3.0], [7.0]])).ravel().round(4).tolist()
    [0.6745, -0.6745, 0.0]
    """
    from scipy.special import ndtri  # lazy: ~0.3 s of import

    x = np.asarray(x, dtype=np.float64)
    n = x.shape[0]
    return ndtri(_mid_ranks(x, np.ones((1, n)))[0] / (n + 1.0))


def _mid_ranks(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Ranks (B, n, D) of the rows of ``x`` (n, D) in the B samples that hold row t ``weights[b, t]`` times.

    In replicate b the copies of row t (and of every row tied with it) occupy consecutive ranks; each
    gets the mid-rank of its tie group, which is what ranking the resampled data would give.
    """
    B, n = weights.shape
    ranks = np.empty((B, n, x.shape[1]))
    for j in range(x.shape[1]):
        order = np.argsort(x[:, j], kind="stable")
        sorted_x = x[order, j]
        starts = np.flatnonzero(np.r_[True, sorted_x[1:] != sorted_x[:-1]])  # tie groups
        group = np.cumsum(np.r_[True, sorted_x[1:] != sorted_x[:-1]]) - 1
        group_weight = np.add.reduceat(weights[:, order], starts, axis=1)  # (B, G)
        mid = np.cumsum(group_weight, axis=1) - (group_weight - 1.0) / 2.0
        ranks[:, order, j] = mid[:, group]
    return ranks


def _prepare(measure, samples, args, kwargs, *, copula: bool):
    """Data (n, D) (normal scores for the copula), the column blocks, names and resolved arguments."""
    name = getattr(measure, "__name__", measure)
    if copula and name in _MARGINAL_MEASURES:
        raise ValueError(
            f"copula_estimate cannot estimate {name!r}: it depends on the marginal distributions, which "
            f"the copula discards; use gaussian_estimate or ksg_estimate"
        )
    variables, names = continuous_variables(samples)
    args, kwargs = resolve_names(args, kwargs, names)
    x = np.concatenate(variables, axis=1)
    n, D = x.shape
    if n <= D:
        raise ValueError(
            f"a Gaussian estimate needs more samples than dimensions: got n={n} samples of {D} columns"
        )
    sizes = np.cumsum([0] + [v.shape[1] for v in variables])
    blocks = [np.arange(sizes[j], sizes[j + 1]) for j in range(len(variables))]
    _check_not_singular(x, blocks, names)
    return x, blocks, names, args, kwargs


#: smallest eigenvalue of the sample correlation matrix below which it counts as singular
_SINGULAR_EIGENVALUE = 1e-10


def _check_not_singular(x: np.ndarray, blocks, names) -> None:
    """``ValueError`` naming the variables when a column is constant or a linear combination of others.

    Checked once on all the columns: by eigenvalue interlacing, the correlation matrix of any subset of
    them has its smallest eigenvalue at least that of the whole.
    """
    sd = x.std(axis=0)
    constant = np.flatnonzero(sd == 0)
    if constant.size == 0:
        eigenvalues, vectors = np.linalg.eigh(np.corrcoef(x, rowvar=False).reshape(x.shape[1], x.shape[1]))
        if eigenvalues[0] > _SINGULAR_EIGENVALUE:
            return
        involved = np.flatnonzero(np.abs(vectors[:, 0]) > 1e-6)  # the columns of the null direction
    else:
        involved = constant
    labels = names if names is not None else range(len(blocks))
    which = [label for label, b in zip(labels, blocks) if np.isin(b, involved).any()]
    raise ValueError(
        f"the sample covariance of variables {which} is singular (a constant or a linearly dependent "
        f"column); a Gaussian estimate needs it positive definite"
    )


def _estimate(measure, samples, args, kwargs, *, copula, bias_correction, base) -> float:
    x, blocks, names, args, kwargs = _prepare(measure, samples, args, kwargs, copula=copula)
    if copula:
        x = normal_scores(x)
    cov = np.cov(x, rowvar=False, ddof=1).reshape(x.shape[1], x.shape[1])
    table = GaussianTable(cov, blocks, x.shape[0], bias_correction=bias_correction, names=names)
    return float(measures._measure_on_table(measure, table, *args, base=base, **kwargs))


def gaussian_estimate(measure, samples, *args, bias_correction=True, base=2, **kwargs) -> float:
    r"""Gaussian (log-det) estimate of an information measure from real-valued samples.

    Each entropy term is that of a Gaussian with the sample covariance (see the module docstring):

    .. math::

        \hat H(X_S) = \tfrac12 \log\det \hat\Sigma_S + \tfrac{d_S}{2}\log(2\pi e) - \tfrac12 b(d_S, n),
        \qquad \text{e.g.}\ \hat I(X; Y) = \tfrac12 \log
        \frac{\det\hat\Sigma_X \det\hat\Sigma_Y}{\det\hat\Sigma_{XY}} + \text{bias terms}

    with :math:`b(d, n) = \sum_{i=1}^{d}\psi((n-i)/2) + d\log(2/(n-1))` when ``bias_correction``.

    Parameters
    ----------
    measure : callable or str
        One of :data:`infotheory.ESTIMABLE_MEASURES`.
    samples : array, sequence of arrays or dict of str to array
        Real-valued samples, ``(n,)`` or ``(n, d)`` per variable; with a dict the axes may be given by name.
    *args, **kwargs
        Passed to the measure (axes, ``groups``, ``given``).
    bias_correction : bool
        Subtract the Gaussian bias of every log-determinant (default; unbiased for Gaussian data).
    base : float
        Logarithm base: 2 gives bits.

    Returns
    -------
    float
        The estimate in bits (units of ``log base``); differential entropies can be negative.

    Raises
    ------
    ValueError
        For NaN or infinite samples, n not above the total dimension, a singular covariance, variables of
        different lengths, unknown measures or variable names.
    TypeError
        For non-numeric samples.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.standard_normal((2, 5000))
    >>> xor_like = {"x": x, "y": y, "z": x * y}  # z depends on (x, y) jointly, uncorrelated with each
    >>> round(gaussian_estimate("total_correlation", xor_like), 2)  # a Gaussian model is blind to it
    0.0
    >>> y = 0.8 * x + 0.6 * rng.standard_normal(5000)  # correlation 0.8: I(x; y) = 0.737 bits
    >>> round(gaussian_estimate("mutual_information", [x, y], 0, 1), 2)
    0.71
    """
    return _estimate(measure, samples, args, kwargs, copula=False, bias_correction=bias_correction, base=base)


def copula_estimate(measure, samples, *args, bias_correction=True, base=2, **kwargs) -> float:
    r"""Gaussian-copula estimate: the Gaussian estimate on the normal scores of every column.

    .. math::

        \hat I = \hat I_{\text{Gauss}}\big(g(x)\big), \qquad
        g(x)_{tj} = \Phi^{-1}\Big(\frac{\operatorname{rank}(x_{tj})}{n + 1}\Big)

    Invariant under any strictly increasing map of any column; exact in expectation (up to the rank
    transform's :math:`O(1/n)` effect) for data whose copula is Gaussian, such as Gaussian data seen
    through invertible per-coordinate transforms. Measures only (``entropy`` is refused: it depends on
    the marginals). This is the estimator of hoi's and THOI's ``"gc"`` method.

    Parameters
    ----------
    measure : callable or str
        One of :data:`infotheory.ESTIMABLE_MEASURES` except ``entropy``.
    samples : array, sequence of arrays or dict of str to array
        Real-valued samples, ``(n,)`` or ``(n, d)`` per variable; with a dict the axes may be given by name.
    *args, **kwargs
        Passed to the measure (axes, ``groups``, ``given``).
    bias_correction : bool
        Subtract the Gaussian bias of every log-determinant (default).
    base : float
        Logarithm base: 2 gives bits.

    Returns
    -------
    float
        The estimate in bits (units of ``log base``).

    Raises
    ------
    ValueError
        As :func:`gaussian_estimate`, and for ``entropy``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal(5000)
    >>> y = 0.8 * x + 0.6 * rng.standard_normal(5000)
    >>> samples = {"x": np.exp(x), "y": y**3}  # monotone maps: the same I(x; y) = 0.737 bits
    >>> round(copula_estimate("mutual_information", samples, "x", "y"), 2)
    0.74
    >>> round(gaussian_estimate("mutual_information", samples, "x", "y"), 2)  # biased by the maps
    0.31
    """
    return _estimate(measure, samples, args, kwargs, copula=True, bias_correction=bias_correction, base=base)


def gaussian_replicates(
    measure, samples, args, kwargs, *, copula: bool, n_boot: int, rng, base, leave_one_out: bool
):
    """Bias-corrected estimate, its ``n_boot`` re-centred bootstrap replicates and (optionally) its jackknife.

    A replicate is a row-count vector ``w`` (of n draws with replacement): the covariance of the resampled
    data is the ``w``-weighted covariance of the rows; for the copula the ranks are recomputed from ``w``
    (each copy of a row, and of every row tied with it, at the tie group's mid-rank), exactly as ranking the
    resampled data would. The jackknife (for BCa) uses closed-form leave-one-out covariances; for the
    copula they are taken on the full-sample normal scores (not re-ranked, an O(1/n) approximation of
    the acceleration constant only).
    """
    x_raw, blocks, names, args, kwargs = _prepare(measure, samples, args, kwargs, copula=copula)
    n, D = x_raw.shape
    x = normal_scores(x_raw) if copula else x_raw

    def evaluate(cov, n_rows, bias_correction=True):
        table = GaussianTable(cov, blocks, n_rows, bias_correction=bias_correction, names=names)
        return measures._measure_on_table(measure, table, *args, base=base, **kwargs)

    xc = x - x.mean(axis=0)  # centred once: the weighted means below are small
    estimate = float(evaluate(xc.T @ xc / (n - 1), n))
    # the value of the distribution the replicates sample from (the rows, each with mass 1/n): covariance
    # with divisor n, no bias correction; the replicates are re-centred by (estimate - it), as for discrete
    resampled_truth = float(evaluate(xc.T @ xc / n, n, bias_correction=False))
    outer = (xc[:, :, None] * xc[:, None, :]).reshape(n, D * D)  # (n, D^2): x_t x_t^T per row
    block = max(1, _BLOCK_WEIGHTS // (n * D))
    replicates = []
    for start in range(0, n_boot, block):
        # row counts of n draws with replacement (as multinomial(n, 1/n), but far faster for many rows)
        size = min(block, n_boot - start)
        draws = rng.integers(0, n, size=(size, n)) + n * np.arange(size)[:, None]
        w = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype(np.float64)
        if copula:
            from scipy.special import ndtri  # lazy: ~0.3 s of import

            z = ndtri(_mid_ranks(x_raw, w) / (n + 1.0))  # (B, n, D) re-ranked normal scores
            mean = np.einsum("bt,btj->bj", w, z) / n  # (B, D)
            second = np.matmul((w[:, :, None] * z).transpose(0, 2, 1), z)  # (B, D, D): sum_t w z z^T
        else:
            mean = w @ xc / n  # (B, D)
            second = (w @ outer).reshape(-1, D, D)
        # weighted covariance with divisor n - 1: (sum_t w_t x_t x_t^T - n mean mean^T) / (n - 1)
        cov = (second - n * mean[:, :, None] * mean[:, None, :]) / (n - 1)
        replicates.append(np.broadcast_to(evaluate(cov, n), (w.shape[0],)))
    jackknife = None
    if leave_one_out:
        if n - 1 <= D:
            raise ValueError(f"method='bca' needs n - 1 > {D} samples for its jackknife, got n={n}")
        M = xc.T @ xc
        values = []
        for start in range(0, n, block):
            xt = xc[start : start + block]  # without row t: (M - n/(n-1) x_t x_t^T) / (n - 2)
            cov = (M[None] - (n / (n - 1)) * xt[:, :, None] * xt[:, None, :]) / (n - 2)
            values.append(np.broadcast_to(evaluate(cov, n - 1), (xt.shape[0],)))
        jackknife = (np.concatenate(values), np.ones(n))
    return estimate, np.concatenate(replicates) + (estimate - resampled_truth), jackknife
