"""Exact information measures on joint pmfs, pointwise measures, exact decision rules, sample estimators.

Import rule: ``infotheory`` imports only numpy and scipy (matplotlib lazily, in
``infotheory.plot``). Nothing in this package imports ``generators``,
``symile_min`` or ``experiments``; hypothesis is imported only by the opt-in
``infotheory.strategies`` module.

All measures return plain floats in **bits** by default; pass ``base=`` (keyword-only) to change
the unit (``base=np.e`` for nats). A joint pmf is a dense array with one axis per
variable or a :class:`SparsePMF` (non-zero outcome rows and their probabilities); a conditioning
set is always ``given=``.

Modules: :mod:`infotheory.measures` (entropies, mutual informations, multivariate measures),
:mod:`infotheory.pointwise` (the per-outcome log-ratios whose mean is a measure),
:mod:`infotheory.decision` (argmax rules on a (query, candidate) table: accuracy, information,
optimal Symile / pairwise scores, induced partitions), :mod:`infotheory.estimators` (from samples:
plug-in with
Miller–Madow / jackknife / Chao–Shen / NSB corrections, basic / percentile / BCa bootstrap intervals),
:mod:`infotheory.gaussian` (Gaussian and Gaussian-copula estimators), :mod:`infotheory.knn` (KSG /
Frenzel–Pompe / Kozachenko–Leonenko), :mod:`infotheory.pid` (partial information decomposition),
:mod:`infotheory.calibration` (an estimator against a known truth over repetitions: bias, sd, RMSE, interval
coverage and width).
"""

from infotheory._validation import validate_pmf
from infotheory.estimators import ESTIMABLE_MEASURES, bootstrap_ci, empirical_pmf, plugin_estimate
from infotheory.gaussian import copula_estimate, gaussian_estimate
from infotheory.knn import ksg_estimate
from infotheory.measures import (
    co_information,
    conditional,
    conditional_mutual_information,
    dual_total_correlation,
    entropy,
    interaction_information,
    kl_divergence,
    marginal,
    mutual_information,
    o_information,
    s_information,
    total_correlation,
)
from infotheory.pointwise import pointwise_mutual_information, pointwise_total_correlation
from infotheory.sparse import SparsePMF

__all__ = [
    "gaussian_estimate",
    "copula_estimate",
    "ksg_estimate",
    "SparsePMF",
    "validate_pmf",
    "entropy",
    "mutual_information",
    "conditional_mutual_information",
    "total_correlation",
    "dual_total_correlation",
    "o_information",
    "s_information",
    "co_information",
    "interaction_information",
    "kl_divergence",
    "marginal",
    "conditional",
    "pointwise_mutual_information",
    "pointwise_total_correlation",
    "empirical_pmf",
    "plugin_estimate",
    "bootstrap_ci",
    "ESTIMABLE_MEASURES",
]
