"""GaussianTC: TC against analytic references and Monte Carlo, design helper, transforms, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generators import GaussianTC


@pytest.mark.parametrize("rho", [-0.9, -0.3, 0.0, 0.5, 0.99])
def test_two_scalar_blocks_have_tc_minus_half_log_one_minus_rho_squared(rho):
    g = GaussianTC(dims=(1, 1), correlation=rho)
    assert g.total_correlation(base=math.e) == pytest.approx(-0.5 * math.log(1 - rho**2), abs=1e-12)
    assert g.mutual_information(0, 1) == pytest.approx(g.total_correlation(), abs=1e-12)


@pytest.mark.parametrize("dims", [(2, 3), (4, 4), (1, 5)])
def test_two_block_tc_equals_canonical_correlation_formula(dims):
    rng = np.random.default_rng(0)
    D = sum(dims)
    A = rng.standard_normal((D, D))
    cov = A @ A.T + D * np.eye(D)
    R = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))  # a full correlation matrix, within-block too
    g = GaussianTC(dims=dims, correlation=R)
    d0 = dims[0]
    R11, R22, R12 = R[:d0, :d0], R[d0:, d0:], R[:d0, d0:]

    def inv_sqrt(M):
        w, V = np.linalg.eigh(M)
        return V @ np.diag(w**-0.5) @ V.T

    canon = np.linalg.svd(inv_sqrt(R11) @ R12 @ inv_sqrt(R22), compute_uv=False)
    assert g.total_correlation(base=math.e) == pytest.approx(-0.5 * np.log1p(-(canon**2)).sum(), abs=1e-10)


@pytest.mark.parametrize("dims", [(1, 1, 1), (2, 2, 2), (3, 1, 2)])
def test_scalar_design_tc_is_minus_half_log_det(dims):
    g = GaussianTC(dims=dims, correlation=0.4)
    assert g.total_correlation(base=math.e) == pytest.approx(
        -0.5 * np.linalg.slogdet(g.correlation_matrix)[1]
    )


def test_monte_carlo_plug_in_estimate_agrees_with_the_truth():
    g = GaussianTC(dims=(2, 2, 2), correlation=0.5)
    x = np.concatenate(list(g.sample(100_000, rng=0).values()), axis=1)  # (n, 6)
    C = np.corrcoef(x, rowvar=False)
    blocks = [slice(0, 2), slice(2, 4), slice(4, 6)]
    tc_hat = (
        0.5 * (sum(np.linalg.slogdet(C[b, b])[1] for b in blocks) - np.linalg.slogdet(C)[1]) / math.log(2)
    )
    assert tc_hat == pytest.approx(g.total_correlation(), abs=0.01)


@pytest.mark.parametrize(
    ("dims", "tc", "base"), [((1, 1), 0.5, 2), ((4, 4, 4), 3.0, 2), ((2, 5), 1.0, math.e)]
)
def test_from_total_correlation_hits_the_target(dims, tc, base):
    g = GaussianTC.from_total_correlation(dims, tc, base=base)
    assert g.total_correlation(base=base) == pytest.approx(tc, abs=1e-9)
    assert 0 <= g.rho < 1


def _pairwise_mi_by_determinants(R, dims, base=2.0):
    """Sum over block pairs of 1/2 (log det R_ii + log det R_jj - log det R_[ij],[ij]), written out."""
    edges = np.cumsum([0, *dims])
    blocks = [np.arange(edges[i], edges[i + 1]) for i in range(len(dims))]
    total = 0.0
    for i in range(len(dims)):
        for j in range(i + 1, len(dims)):
            both = np.r_[blocks[i], blocks[j]]
            logdet = [np.linalg.slogdet(R[np.ix_(x, x)])[1] for x in (blocks[i], blocks[j], both)]
            total += 0.5 * (logdet[0] + logdet[1] - logdet[2]) / math.log(base)
    return total


@pytest.mark.parametrize(("dims", "base"), [((2, 2, 2), 2), ((1, 3, 2), 2), ((2, 1, 1, 3), math.e)])
def test_pairwise_mutual_information_sum_equals_the_determinant_formula(dims, base):
    # regression: issue 9 (experiments/bounds.py used to compute this sum from the determinants itself)
    g = GaussianTC.from_total_correlation(dims, 1.5)
    expected = _pairwise_mi_by_determinants(g.correlation_matrix, dims, base)
    assert g.pairwise_mutual_information_sum(base=base) == pytest.approx(expected, abs=1e-10)


def test_pairwise_mutual_information_sum_on_a_full_correlation_matrix_equals_regrouped_tcs():
    # each pair's MI is the TC of the two-block Gaussian on its sub-matrix: an independent route
    rng = np.random.default_rng(1)
    dims = (2, 1, 3)
    A = rng.standard_normal((6, 6))
    cov = A @ A.T + 6 * np.eye(6)
    R = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    edges = np.cumsum([0, *dims])
    blocks = [np.arange(edges[i], edges[i + 1]) for i in range(3)]
    pairs = 0.0
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        both = np.r_[blocks[i], blocks[j]]
        pairs += GaussianTC(dims=(dims[i], dims[j]), correlation=R[np.ix_(both, both)]).total_correlation()
    g = GaussianTC(dims=dims, correlation=R)
    assert g.pairwise_mutual_information_sum() == pytest.approx(pairs, abs=1e-10)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.8])
def test_pairwise_mutual_information_sum_known_values(rho):
    # two scalar blocks: the one pair's MI is -1/2 log(1 - rho^2), which is also the TC; independence gives 0
    g = GaussianTC(dims=(1, 1), correlation=rho)
    expected = -0.5 * math.log2(1 - rho**2)
    assert g.pairwise_mutual_information_sum() == pytest.approx(expected, abs=1e-12)
    assert g.pairwise_mutual_information_sum() == pytest.approx(g.total_correlation(), abs=1e-12)


def test_pairwise_sum_exceeds_tc_for_equicorrelated_blocks_and_is_invariant_under_transforms():
    # three equicorrelated scalars: sum of pairs 3 * (-1/2 log(1 - rho^2)) > TC = -1/2 log det R
    plain = GaussianTC(dims=(1, 1, 1), correlation=0.5)
    warped = GaussianTC(dims=(1, 1, 1), correlation=0.5, transforms=("cube", None, "tanh-affine"))
    assert plain.pairwise_mutual_information_sum() == pytest.approx(-1.5 * math.log2(0.75), abs=1e-12)
    assert plain.pairwise_mutual_information_sum() > plain.total_correlation()
    assert warped.pairwise_mutual_information_sum() == plain.pairwise_mutual_information_sum()


def test_from_total_correlation_of_zero_is_independence():
    assert GaussianTC.rho_for_total_correlation((3, 3), 0.0) == 0.0


def test_transforms_act_on_the_same_latent_sample():
    plain = GaussianTC(dims=(2, 1, 3), correlation=0.3)
    warped = GaussianTC(dims=(2, 1, 3), correlation=0.3, transforms=("cube", None, "tanh-affine"))
    a, b = plain.sample(100, rng=5), warped.sample(100, rng=5)
    np.testing.assert_allclose(b["x0"], a["x0"] ** 3)
    np.testing.assert_array_equal(b["x1"], a["x1"])
    np.testing.assert_allclose(b["x2"], np.tanh(a["x2"]) + 0.1 * a["x2"])
    np.testing.assert_allclose(np.cbrt(b["x0"]), a["x0"])  # invertible: the latent is recoverable
    assert warped.total_correlation() == plain.total_correlation()


def test_callable_transform_is_applied():
    g = GaussianTC(dims=(1, 1), correlation=0.2, transforms=(lambda x: 2 * x + 1, None))
    ref = GaussianTC(dims=(1, 1), correlation=0.2).sample(10, rng=0)
    np.testing.assert_allclose(g.sample(10, rng=0)["x0"], 2 * ref["x0"] + 1)


def test_same_seed_same_samples_and_shapes():
    g = GaussianTC(dims=(2, 3), correlation=0.1)
    s1, s2 = g.sample(7, rng=1), g.sample(7, rng=1)
    assert s1["x0"].shape == (7, 2) and s1["x1"].shape == (7, 3)
    np.testing.assert_array_equal(s1["x1"], s2["x1"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dims": (1,), "correlation": 0.1}, r"at least 2 blocks, got \(1,\)"),
        ({"dims": (0, 2), "correlation": 0.1}, r"positive ints, got \(0, 2\)"),
        ({"dims": (1, 1), "correlation": 1.0}, r"in \(-1, 1\), got 1\.0"),
        ({"dims": (1, 1, 1), "correlation": -0.6}, r"correlation -0\.6 does not give a positive definite"),
        ({"dims": (1, 1), "correlation": [[1.0, 0.5], [0.4, 1.0]]}, r"symmetric, got R\[0, 1\] = 0\.5"),
        ({"dims": (1, 1), "correlation": [[2.0, 0.5], [0.5, 1.0]]}, r"unit diagonal, got diagonal \[2\.0"),
        ({"dims": (1, 2), "correlation": np.eye(2)}, r"shape \(3, 3\) for dims=\(1, 2\), got \(2, 2\)"),
        ({"dims": (1, 1), "correlation": 0.1, "transforms": ("square", None)}, r"unknown transform 'square'"),
        ({"dims": (1, 1), "correlation": 0.1, "transforms": (None,)}, r"per block \(2\), got \(None,\)"),
    ],
)
def test_invalid_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianTC(**kwargs)


@pytest.mark.parametrize(
    ("tc", "match"), [(-0.1, r"got -0\.1"), (float("nan"), r"got nan"), (1e6, r"tc=1000000\.0 is too large")]
)
def test_unreachable_or_invalid_target_tc_raises(tc, match):
    with pytest.raises(ValueError, match=match):
        GaussianTC.rho_for_total_correlation((1, 1), tc)


@pytest.mark.parametrize("dims", [(10**9, 1), (10**400, 1), (8193, 1)])
def test_blocks_whose_correlation_matrix_cannot_exist_are_a_value_error(dims):
    # regression: issue 10 -- dims = (10**9, 1) was a MemoryError (6.9 EiB), (10**400, 1) an OverflowError
    with pytest.raises(ValueError, match="correlation matrix would hold .* could not be allocated"):
        GaussianTC(dims=dims, correlation=0.5)
    with pytest.raises(ValueError, match="could not be allocated"):
        GaussianTC.rho_for_total_correlation(dims, 1.0)


def test_a_sample_too_large_to_allocate_is_a_value_error():
    # regression: issue 10
    with pytest.raises(ValueError, match=r"sample\(n=1000000000\) .* could not be allocated"):
        GaussianTC(dims=(1, 1), correlation=0.5).sample(10**9, 0)
