"""Sample estimators: empirical joint pmfs, plug-in and Miller–Madow estimates, bootstrap intervals.

Samples are integer codes, given either as one 2-D array of shape ``(n, n_vars)`` (one column per
variable) or as a sequence with one array per variable; a variable's array is ``(n,)`` for a scalar
variable or ``(n, k)`` for a vector-valued one, whose rows are encoded into one integer each
(see :func:`empirical_pmf`). A 1-D array is one variable. Note that a *list* is always read as
one entry per variable: pass a list of sample rows through ``np.asarray`` first.

Every measure of :mod:`infotheory.measures` that is a sum of entropies can be estimated:
``plugin_estimate(total_correlation, samples)`` evaluates the measure on the empirical pmf, and
``correction="miller_madow"`` adds the Miller–Madow bias correction to every entropy term.
"""

from __future__ import annotations

import numbers

import numpy as np

from infotheory import measures
from infotheory._entropies import BatchEntropyTable, EntropyTable
from infotheory._validation import as_rng
from infotheory.sparse import SparsePMF, group_sum, mixed_radix_key

__all__ = ["empirical_pmf", "plugin_estimate", "bootstrap_ci", "ESTIMABLE_MEASURES"]

#: the measures that :func:`plugin_estimate` and :func:`bootstrap_ci` accept (by function or by name)
ESTIMABLE_MEASURES = {
    f.__name__: f
    for f in (
        measures.entropy,
        measures.mutual_information,
        measures.conditional_mutual_information,
        measures.total_correlation,
        measures.dual_total_correlation,
        measures.o_information,
        measures.s_information,
        measures.co_information,
        measures.interaction_information,
    )
}

#: default largest number of dense cells of an empirical pmf (2^22 float64 = 32 MiB)
MAX_DENSE_CELLS = 2**22
#: codes below max(this, n) are used as they are; larger alphabets are relabelled to the observed values
_DIRECT_CODE_LIMIT = 2**16
#: bootstrap replicates are processed in blocks of at most this many (replicate x cell) counts
_BOOT_BLOCK_CELLS = 2**22


# --------------------------------------------------------------------------------------------------
# encoding samples
# --------------------------------------------------------------------------------------------------


def _check_integer(values: np.ndarray, j: int) -> np.ndarray:
    if values.dtype == np.bool_:
        return values.astype(np.int64)
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(
            f"samples of variable {j} have dtype {values.dtype}; expected integer codes "
            f"(convert with .astype(int) if the values are whole numbers)"
        )
    return values


def _variables(samples) -> list[np.ndarray]:
    """The per-variable arrays of ``samples`` (see the module docstring for the accepted layouts)."""
    if isinstance(samples, np.ndarray):
        if samples.ndim == 1:
            variables = [samples]
        elif samples.ndim == 2:
            variables = [samples[:, j] for j in range(samples.shape[1])]
        else:
            raise ValueError(f"samples must be 1-D or 2-D (n, n_vars), got shape {samples.shape}")
    elif isinstance(samples, list | tuple):
        variables = [np.asarray(v) for v in samples]
    else:
        raise TypeError(f"samples must be an array or a sequence of arrays, got {type(samples).__name__}")
    if not variables:
        raise ValueError("samples are empty: no variables given")
    for j, v in enumerate(variables):
        if v.ndim not in (1, 2):
            raise ValueError(f"samples of variable {j} must be (n,) or (n, k), got shape {v.shape}")
        if v.ndim == 2 and v.shape[1] == 0:
            raise ValueError(f"samples of variable {j} have shape {v.shape}: a vector needs >= 1 component")
    lengths = [v.shape[0] for v in variables]
    if len(set(lengths)) > 1:
        raise ValueError(f"every variable needs the same number of samples, got lengths {lengths}")
    if lengths[0] == 0:
        raise ValueError("samples are empty (0 rows); need at least one sample")
    return [_check_integer(v, j) for j, v in enumerate(variables)]


def _encode_variable(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes ``(n,)`` in ``[0, size)`` of one variable, and ``size``."""
    n = values.shape[0]
    limit = max(_DIRECT_CODE_LIMIT, n)
    if values.ndim == 2:
        lo, hi = int(values.min()), int(values.max())
        if lo >= 0:
            # row -> base-r number, first column most significant, r = max(2, largest value + 1),
            # so 0/1 vectors get their usual binary code
            radix = max(2, hi + 1)
            key = mixed_radix_key(values.astype(np.int64, copy=False), [radix] * values.shape[1])
            if key is not None:
                size = radix ** values.shape[1]
                if size <= limit:
                    return key, size
                values = key  # too large an alphabet: relabel the observed rows below
        if values.ndim == 2:
            _, inverse = np.unique(values, axis=0, return_inverse=True)
            inverse = inverse.ravel()
            return inverse.astype(np.int64, copy=False), int(inverse.max()) + 1
    lo, hi = int(values.min()), int(values.max())
    if lo >= 0 and hi < limit:
        return values.astype(np.int64, copy=False), hi + 1  # codes index the axis directly
    uniq, inverse = np.unique(values, return_inverse=True)  # relabel to ranks of the observed values
    return inverse.ravel().astype(np.int64, copy=False), int(uniq.size)


def _encode(samples) -> tuple[np.ndarray, tuple[int, ...]]:
    """Codes ``(n, n_vars)`` int64 and alphabet sizes of ``samples``."""
    encoded = [_encode_variable(v) for v in _variables(samples)]
    codes = np.stack([c for c, _ in encoded], axis=1)
    return codes, tuple(s for _, s in encoded)


def _empirical(codes: np.ndarray, sizes: tuple[int, ...], sparse, max_dense_cells: int):
    n = codes.shape[0]
    n_cells = int(np.prod(sizes, dtype=object))
    dense = (n_cells <= max_dense_cells) if sparse is None else not sparse
    if dense:
        key = mixed_radix_key(codes, sizes)
        if key is None:
            raise ValueError(f"a dense pmf with {n_cells} cells cannot be indexed; use sparse=True")
        return (np.bincount(key, minlength=n_cells) / n).reshape(sizes)
    counts, outcomes = group_sum(codes, sizes, np.ones(n), return_outcomes=True)
    return SparsePMF(outcomes, counts / n, shape=sizes)


def empirical_pmf(samples, *, sparse: bool | None = None, max_dense_cells: int = MAX_DENSE_CELLS):
    """Empirical joint pmf (relative frequencies) of integer-coded samples.

    .. math::

        \\hat p(x_1, \\dots, x_k) = \\frac{1}{n} \\#\\{t : (x_{t1}, \\dots, x_{tk}) = (x_1, \\dots, x_k)\\}

    Encoding: a scalar variable whose values are non-negative and below ``max(65536, n)`` keeps its
    values as axis indices (axis length = largest value + 1). A vector variable ``(n, k)`` of
    non-negative values is read as a base-``r`` number per row, first column most significant, with
    ``r = max(2, largest value + 1)`` (a 0/1 vector gets its usual binary code), when ``r^k`` is below
    the same limit. Otherwise (negative values, larger alphabets) the observed values or rows are
    relabelled ``0..m-1`` in sorted order. Information measures do not depend on the labels.

    Parameters
    ----------
    samples : array_like of int or sequence of array_like of int
        ``(n, n_vars)`` array, or one ``(n,)`` / ``(n, k)`` array per variable.
    sparse : bool, optional
        Force a :class:`~infotheory.SparsePMF` (``True``) or a dense array (``False``). By default the
        result is dense when the product of the alphabet sizes is at most ``max_dense_cells``,
        sparse otherwise.
    max_dense_cells : int
        Size threshold of the default rule (2^22 cells, 32 MiB).

    Returns
    -------
    numpy.ndarray or SparsePMF
        The empirical pmf (unitless probabilities), one axis per variable.

    Raises
    ------
    TypeError
        If the samples are not integers.
    ValueError
        If there are no samples, or the variables have different lengths.

    Examples
    --------
    >>> empirical_pmf(np.array([[0, 0], [0, 1], [1, 1], [1, 1]])).tolist()  # rows are samples
    [[0.25, 0.25], [0.0, 0.5]]
    """
    codes, sizes = _encode(samples)
    return _empirical(codes, sizes, sparse, max_dense_cells)


# --------------------------------------------------------------------------------------------------
# plug-in and bootstrap
# --------------------------------------------------------------------------------------------------


def _resolve_measure(measure):
    if isinstance(measure, str):
        if measure not in ESTIMABLE_MEASURES:
            raise ValueError(f"unknown measure {measure!r}; choose one of {sorted(ESTIMABLE_MEASURES)}")
        return ESTIMABLE_MEASURES[measure]
    if measure not in ESTIMABLE_MEASURES.values():
        raise ValueError(
            f"measure {getattr(measure, '__name__', measure)!r} is not a sum of entropies; "
            f"choose one of {sorted(ESTIMABLE_MEASURES)}"
        )
    return measure


def _miller_madow(correction) -> bool:
    if correction is None:
        return False
    if correction == "miller_madow":
        return True
    raise ValueError(f"correction must be None or 'miller_madow', got {correction!r}")


def plugin_estimate(
    measure, samples, *args, correction=None, base=2, sparse=None, max_dense_cells=MAX_DENSE_CELLS, **kwargs
) -> float:
    """Plug-in (optionally Miller–Madow corrected) estimate of an information measure from samples.

    The measure is evaluated on the empirical pmf :math:`\\hat p` of the samples. With
    ``correction="miller_madow"`` every entropy term of the measure is corrected:

    .. math::

        \\hat H_{MM}(X_S) = \\hat H(X_S) + \\frac{\\hat m_S - 1}{2 n} \\ \\text{nats}

    where :math:`\\hat m_S` is the number of non-zero cells of :math:`\\hat p(x_S)` and :math:`n` the
    number of samples; e.g. :math:`\\hat I_{MM}(X;Y) = \\hat I(X;Y) + (\\hat m_X + \\hat m_Y - \\hat m_{XY}
    - 1) / (2n)`. Corrected estimates of non-negative measures can be slightly negative.

    Parameters
    ----------
    measure : callable or str
        One of :data:`ESTIMABLE_MEASURES` (e.g. ``total_correlation`` or ``"total_correlation"``).
    samples : array_like of int or sequence of array_like of int
        See :func:`empirical_pmf`; variable ``j`` becomes axis ``j``.
    *args, **kwargs
        Passed to the measure (axes, ``groups``, ``given``).
    correction : {None, "miller_madow"}
        Bias correction applied to each entropy term.
    base : float
        Logarithm base: 2 gives bits.
    sparse, max_dense_cells
        Representation of the empirical pmf, see :func:`empirical_pmf`.

    Returns
    -------
    float
        The estimate in bits (units of ``log base``).

    Examples
    --------
    >>> rows = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]] * 25)  # XOR, each row 25 times
    >>> plugin_estimate("total_correlation", rows), plugin_estimate("mutual_information", rows, 0, 1)
    (1.0, 0.0)
    >>> round(plugin_estimate("entropy", rows, 0, correction="miller_madow"), 6)  # 1 + 1/(200 ln 2)
    1.007213
    """
    f = _resolve_measure(measure)
    miller_madow = _miller_madow(correction)
    codes, sizes = _encode(samples)
    pmf = _empirical(codes, sizes, sparse, max_dense_cells)
    table = EntropyTable(pmf, n_samples=codes.shape[0] if miller_madow else None)
    return measures._measure_on_table(f, table, *args, base=base, **kwargs)


def _rng(seed) -> np.random.Generator:
    return as_rng(seed, name="seed")


def bootstrap_ci(
    measure, samples, *args, level=0.95, n_boot=1000, seed=0, correction=None, base=2, **kwargs
) -> tuple[float, float, float]:
    """Plug-in estimate with a percentile bootstrap confidence interval, resampling rows jointly.

    Each replicate draws ``n`` rows with replacement from the ``n`` sample rows (all variables of a
    row together) and re-estimates the measure; the interval is the ``(1 - level)/2`` and
    ``(1 + level)/2`` quantiles of the replicate estimates (percentile bootstrap, linear
    interpolation). Resampling rows only changes how often each observed joint cell occurs, so the
    replicates are drawn directly as multinomial counts over the observed cells, which has exactly
    the distribution of row resampling, and all replicates are evaluated together.

    .. math::

        \\text{CI} = \\big[\\, q_{(1-\\ell)/2}(\\hat I^{*}_1, \\dots, \\hat I^{*}_B),\\;
            q_{(1+\\ell)/2}(\\hat I^{*}_1, \\dots, \\hat I^{*}_B) \\,\\big]

    Parameters
    ----------
    measure : callable or str
        One of :data:`ESTIMABLE_MEASURES`.
    samples : array_like of int or sequence of array_like of int
        See :func:`empirical_pmf`.
    *args, **kwargs
        Passed to the measure (axes, ``groups``, ``given``).
    level : float
        Confidence level in (0, 1).
    n_boot : int
        Number of bootstrap replicates B.
    seed : int or numpy.random.Generator
        Randomness of the replicates; the same seed gives the same interval.
    correction : {None, "miller_madow"}
        Bias correction, applied to the estimate and to every replicate.
    base : float
        Logarithm base: 2 gives bits.

    Returns
    -------
    tuple of float
        ``(estimate, low, high)`` in bits (units of ``log base``); ``estimate`` is
        :func:`plugin_estimate` on the full sample.

    Examples
    --------
    >>> rows = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]] * 25)  # XOR, each row 25 times
    >>> est, low, high = bootstrap_ci("total_correlation", rows, n_boot=200, seed=0)
    >>> round(est, 6), bool(low <= est <= high), bool(high - low < 0.05)
    (1.0, True, True)
    """
    f = _resolve_measure(measure)
    miller_madow = _miller_madow(correction)
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive int, got {n_boot!r}")
    rng = _rng(seed)
    codes, sizes = _encode(samples)
    n = codes.shape[0]
    counts, outcomes = group_sum(codes, sizes, np.ones(n), return_outcomes=True)  # observed cells
    pmf = _empirical(codes, sizes, None, MAX_DENSE_CELLS)
    estimate = measures._measure_on_table(
        f, EntropyTable(pmf, n_samples=n if miller_madow else None), *args, base=base, **kwargs
    )
    p_hat = counts / n
    block = max(1, _BOOT_BLOCK_CELLS // outcomes.shape[0])
    replicates = []
    for start in range(0, n_boot, block):
        boot_counts = rng.multinomial(n, p_hat, size=min(block, n_boot - start)).astype(np.float64)
        table = BatchEntropyTable(outcomes, sizes, boot_counts, n, miller_madow=miller_madow)
        values = measures._measure_on_table(f, table, *args, base=base, **kwargs)
        replicates.append(np.broadcast_to(values, (boot_counts.shape[0],)))
    low, high = np.quantile(np.concatenate(replicates), [(1 - level) / 2, (1 + level) / 2])
    return float(estimate), float(low), float(high)
