"""Continuous estimators - Gaussian (log-det), copula, kNN (KSG, Frenzel–Pompe, Kozachenko–Leonenko)."""

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.special import ndtri
from scipy.stats import rankdata

import infotheory as it
from generators import GaussianTC
from infotheory import gaussian, knn
from infotheory.gaussian import copula_estimate, gaussian_estimate
from infotheory.knn import ksg_estimate

LOG2 = math.log(2)


def _bivariate(rho, n, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return x, rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)


def _gaussian_mi_bits(rho):
    return -0.5 * math.log2(1 - rho**2)


def _gaussian_o_information_bits(R, blocks):
    """Exact O-information of a Gaussian with covariance R from log-determinants (TC - DTC)."""

    def H(idx):  # entropy up to the additive constant, which cancels in TC and DTC
        idx = np.concatenate([blocks[i] for i in idx])
        return 0.5 * np.linalg.slogdet(R[np.ix_(idx, idx)])[1]

    m = len(blocks)
    every = tuple(range(m))
    tc = sum(H((i,)) for i in every) - H(every)
    dtc = sum(H(tuple(j for j in every if j != i)) for i in every) - (m - 1) * H(every)
    return (tc - dtc) / LOG2


# --------------------------------------------------------------------------------------------------
# Gaussian
# --------------------------------------------------------------------------------------------------


def test_uncorrected_gaussian_mi_is_the_mi_of_the_sample_correlation():
    x, y = _bivariate(0.6, 300, seed=0)
    r = np.corrcoef(x, y)[0, 1]
    assert gaussian_estimate("mutual_information", [x, y], 0, 1, bias_correction=False) == pytest.approx(
        -0.5 * math.log2(1 - r**2), abs=1e-12
    )


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_gaussian_mi_matches_the_closed_form(rho):
    """n = 20000, seed 1: the standard error of the estimate is below 0.01 bit; tolerance 0.03 bit."""
    x, y = _bivariate(rho, 20_000, seed=1)
    assert gaussian_estimate(it.mutual_information, [x, y], 0, 1) == pytest.approx(
        _gaussian_mi_bits(rho), abs=0.03
    )


@pytest.mark.parametrize(("dims", "tc"), [((1, 1, 1), 0.5), ((2, 2, 2), 1.0), ((3, 1, 2), 2.0)])
def test_gaussian_tc_of_vector_blocks_matches_the_generator_truth(dims, tc):
    g = GaussianTC.from_total_correlation(dims, tc)
    assert gaussian_estimate("total_correlation", g.sample(20_000, 2)) == pytest.approx(tc, abs=0.04)


def test_gaussian_o_information_and_cmi_match_closed_forms_on_a_chain():
    """x -> y -> z Markov chain: I(x; z | y) = 0 exactly; O-information from the covariance's log-dets."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(20_000)
    y = 0.8 * x + 0.6 * rng.standard_normal(20_000)
    z = 0.7 * y + math.sqrt(0.51) * rng.standard_normal(20_000)
    R = np.array([[1, 0.8, 0.56], [0.8, 1, 0.7], [0.56, 0.7, 1]])
    blocks = [np.array([0]), np.array([1]), np.array([2])]
    samples = {"x": x, "y": y, "z": z}
    assert gaussian_estimate("conditional_mutual_information", samples, "x", "z", "y") == pytest.approx(
        0, abs=0.01
    )
    assert gaussian_estimate("o_information", samples) == pytest.approx(
        _gaussian_o_information_bits(R, blocks), abs=0.02
    )


def test_bias_correction_removes_the_small_sample_bias_of_gaussian_tc():
    """300 seeded data sets of n = 30 (TC = 1 bit, dims (2, 2, 2)): corrected mean within 0.05 bit."""
    g = GaussianTC.from_total_correlation((2, 2, 2), 1.0)
    corrected, plain = [], []
    for seed in range(300):
        s = g.sample(30, seed)
        corrected.append(gaussian_estimate("total_correlation", s))
        plain.append(gaussian_estimate("total_correlation", s, bias_correction=False))
    assert np.mean(plain) - 1.0 > 0.3  # the uncorrected log-det estimate is far above the truth ...
    assert np.mean(corrected) == pytest.approx(1.0, abs=0.05)  # ... the corrected one is not


def test_bits_and_nats_differ_by_ln2():
    s = GaussianTC.from_total_correlation((2, 2), 1.0).sample(500, 4)
    bits = gaussian_estimate("mutual_information", s, "x0", "x1")
    assert gaussian_estimate("mutual_information", s, "x0", "x1", base=math.e) == pytest.approx(bits * LOG2)


# --------------------------------------------------------------------------------------------------
# Gaussian copula
# --------------------------------------------------------------------------------------------------

MONOTONE = [np.exp, lambda v: v**3, np.arctan, lambda v: -(v**5) - v]


@pytest.mark.parametrize("f", MONOTONE)
@pytest.mark.parametrize("measure", ["mutual_information", "total_correlation", "o_information"])
def test_copula_estimate_is_invariant_under_monotone_maps_of_a_column(f, measure):
    s = GaussianTC.from_total_correlation((1, 1, 1), 1.0).sample(400, 5)
    args = (0, 1) if measure == "mutual_information" else ()
    mapped = dict(s, x1=f(s["x1"]))
    assert copula_estimate(measure, mapped, *args) == pytest.approx(
        copula_estimate(measure, s, *args), abs=1e-12
    )


def test_copula_is_unbiased_where_the_gaussian_estimate_is_not():
    """GaussianTC (2, 2, 2), TC = 1 bit, blocks through exp / cube / tanh-affine; n = 20000, seed 6."""
    g = GaussianTC.from_total_correlation((2, 2, 2), 1.0, transforms=("exp", "cube", "tanh-affine"))
    s = g.sample(20_000, 6)
    assert copula_estimate("total_correlation", s) == pytest.approx(1.0, abs=0.03)
    assert gaussian_estimate("total_correlation", s) < 0.85  # the log-det estimate is biased by the maps


def test_normal_scores_use_mid_ranks():
    x = np.array([[3.0], [1.0], [3.0], [2.0]])
    expected = np.array([3.5, 1, 3.5, 2]) / 5
    np.testing.assert_allclose(gaussian.normal_scores(x).ravel(), ndtri(expected))


def test_replicate_ranks_are_the_ranks_of_the_resampled_data():
    rng = np.random.default_rng(7)
    x = np.round(rng.standard_normal((30, 2)), 1)  # with ties
    w = rng.multinomial(30, np.full(30, 1 / 30), size=3).astype(float)
    ranks = gaussian._mid_ranks(x, w)
    for b in range(3):
        resampled = np.repeat(x, w[b].astype(int), axis=0)
        rows = np.repeat(np.arange(30), w[b].astype(int))
        np.testing.assert_allclose(ranks[b][rows], rankdata(resampled, axis=0))


@pytest.fixture(scope="module")
def hoi_oinfo():
    """hoi's O-information class with jax in float64 (an optional reference; imported once, jax restored)."""
    pytest.importorskip("hoi")
    import jax

    jax.config.update("jax_enable_x64", True)
    from hoi.metrics import Oinfo

    yield Oinfo
    jax.config.update("jax_enable_x64", False)


@pytest.mark.slow  # jax compiles hoi's functions on first use (2-6 s); hoi is an optional reference anyway
@pytest.mark.filterwarnings("ignore::FutureWarning")  # jax's dtype-promotion notice inside hoi
def test_copula_o_information_agrees_with_hoi(hoi_oinfo):
    """Reference: hoi's Gaussian-copula O-information (float64 jax), four variables, n = 2000."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2000, 4))
    x[:, 1] += x[:, 0]
    x[:, 2] += x[:, 0] * x[:, 1]
    x[:, 3] += x[:, 2] - x[:, 1]
    fitted = hoi_oinfo(x, verbose=False).fit(minsize=4, maxsize=4, method="gc")
    reference = float(np.asarray(fitted).ravel()[0])
    assert copula_estimate("o_information", x) == pytest.approx(reference, abs=1e-8)


# --------------------------------------------------------------------------------------------------
# kNN
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.0, 0.6, 0.9])
def test_ksg_mi_matches_the_closed_form(rho):
    """n = 5000, k = 3, seed 9; KSG's bias is below 0.02 bit here; tolerance 0.05 bit."""
    x, y = _bivariate(rho, 5000, seed=9)
    assert ksg_estimate("mutual_information", [x, y], 0, 1) == pytest.approx(_gaussian_mi_bits(rho), abs=0.05)


def test_ksg_tc_cmi_and_entropy_of_vector_variables():
    g = GaussianTC.from_total_correlation((2, 2, 2), 1.0, transforms=("sinh", None, "tanh-affine"))
    s = g.sample(4000, 10)
    assert ksg_estimate("total_correlation", s) == pytest.approx(1.0, abs=0.1)
    assert ksg_estimate("mutual_information", s, "x0", "x1") == pytest.approx(
        g.mutual_information(0, 1), abs=0.06
    )
    # chain rule of the truth: TC = I(x0; x1) + I(x0, x1; x2); the CMI estimate I(x0; x2 | x1) >= 0 and small
    cmi_truth = g.total_correlation() - g.mutual_information(0, 1) - g.mutual_information(1, 2)
    assert ksg_estimate("mutual_information", s, "x0", "x2", given="x1") == pytest.approx(cmi_truth, abs=0.06)
    x = np.random.default_rng(11).standard_normal((5000, 2))
    assert ksg_estimate("entropy", x) == pytest.approx(math.log2(2 * math.pi * math.e), abs=0.05)


@pytest.fixture(scope="module")
def im():
    return pytest.importorskip("infomeasure")  # optional reference (the bench extra); imported once


# regression: issue 14 (standardising the columns must not change a differential entropy)
@pytest.mark.parametrize("standardize", [True, False])
def test_kozachenko_leonenko_entropy_of_a_scaled_gaussian(standardize):
    """N(0, 9 I_2) and N(0, 1) given it: H = log2(2 pi e 9) = 7.26 bits, H(y | x) = 2.05 bits; n = 5000."""
    x = 3.0 * np.random.default_rng(15).standard_normal((5000, 2))
    y = np.random.default_rng(16).standard_normal(5000)
    h = ksg_estimate("entropy", [x], standardize=standardize)
    assert h == pytest.approx(math.log2(2 * math.pi * math.e * 9), abs=0.05)
    h_given = ksg_estimate("entropy", [x, y], 1, given=0, standardize=standardize)
    assert h_given == pytest.approx(0.5 * math.log2(2 * math.pi * math.e), abs=0.05)


@pytest.mark.parametrize("k", [1, 4])
def test_ksg_agrees_with_infomeasure(k, im):
    """Reference: infomeasure's KSG (type I) and KSG-CMI without noise, same data: equal to 1e-9 bit."""
    s = GaussianTC.from_total_correlation((1, 2, 1), 1.0).sample(1500, 12)
    x, y, z = s["x0"], s["x1"], s["x2"]
    ours = ksg_estimate("total_correlation", [x, y, z], k=k, standardize=False)
    ref = im.mutual_information(x, y, z, approach="ksg", k=k, noise_level=0, base=2)
    assert ours == pytest.approx(float(ref), abs=1e-9)
    ours = ksg_estimate("conditional_mutual_information", [x, y, z], 0, 1, 2, k=k, standardize=False)
    ref = im.conditional_mutual_information(x, y, cond=z, approach="ksg", k=k, noise_level=0, base=2)
    assert ours == pytest.approx(float(ref), abs=1e-9)


# regression: issue 14 (the binary-search count of scalar neighbours must equal the tree's count exactly)
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_scalar_neighbour_counts_equal_the_tree_counts(scale):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3000, 2)) * scale
    x[:1000, 0] = np.round(x[:1000, 0], 1)  # ties in the first marginal
    eps = knn._kth_distance(x, 3)
    v = x[:, :1]
    tree = cKDTree(v).query_ball_point(v, np.nextafter(eps, 0), p=np.inf, return_length=True) - 1
    np.testing.assert_array_equal(knn._count_within_1d(v[:, 0], eps), tree)


# --------------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------------

X = np.random.default_rng(14).standard_normal((50, 3))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ksg_estimate("total_correlation", X, k=0), ValueError, r"k must be an int >= 1, got 0"),
        (
            lambda: ksg_estimate("total_correlation", X, k=True),
            ValueError,
            r"k must be an int >= 1, got True",
        ),
        (lambda: ksg_estimate("total_correlation", X, k=2.5), ValueError, r"got 2\.5"),
        (
            lambda: ksg_estimate("total_correlation", X[:4], k=4),
            ValueError,
            r"at least k \+ 1 = 5 samples, got n=4",
        ),
        (lambda: ksg_estimate("o_information", X), ValueError, r"no kNN form of 'o_information'"),
        (lambda: ksg_estimate("total_correlation", np.repeat(X, 4, axis=0)), ValueError, r"duplicates"),
        (
            lambda: ksg_estimate("total_correlation", [X[:, 0], np.ones(50)]),
            ValueError,
            r"variable 1 .*constant",
        ),
        (lambda: ksg_estimate("mutual_information", X, 0, 5), ValueError, r"axis 5 in y is out of range"),
        (lambda: ksg_estimate("mutual_information", X, 0), TypeError, r"missing .*'y'"),
        (lambda: ksg_estimate("total_correlation", X, base=1), ValueError, r"base must be .*got 1"),
        (lambda: copula_estimate("entropy", X), ValueError, r"cannot estimate 'entropy'"),
        (lambda: gaussian_estimate("total_correlation", X[:3]), ValueError, r"n=3 samples of 3 columns"),
        (lambda: gaussian_estimate("total_correlation", [X[:, 0], X[:, 0]]), ValueError, r"singular"),
        (
            lambda: gaussian_estimate("kl_divergence", X),
            ValueError,
            r"unknown measure 'kl_divergence'",
        ),
        (
            lambda: gaussian_estimate("total_correlation", {"a": X[:, 0], "b": X[:10, 1]}),
            ValueError,
            r"same number of samples.*'a': 50, variable 'b': 10",
        ),
        (
            lambda: copula_estimate("mutual_information", {"a": X[:, 0], "b": X[:, 1]}, "a", "c"),
            ValueError,
            r"unknown variable 'c'; the samples have \['a', 'b'\]",
        ),
        (
            lambda: ksg_estimate("total_correlation", np.array([[0.0, np.nan]] * 9)),
            ValueError,
            r"nan at row 0",
        ),
        (
            lambda: gaussian_estimate("total_correlation", {"a": X[:, 0], "b": np.r_[X[:49, 1], np.inf]}),
            ValueError,
            r"variable 'b' contain inf at row 49",
        ),
        (lambda: gaussian_estimate("total_correlation", X > 0), TypeError, r"dtype bool"),
        (lambda: copula_estimate("total_correlation", [np.array(["a"] * 5)] * 2), TypeError, r"dtype <U1"),
    ],
)
def test_bad_input_is_rejected_with_the_bad_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
