"""Every generator follows the shared interface: names, seeded sample(n, rng), joint_pmf, keyword base."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy import stats

import infotheory as it
from generators import (
    BinaryXOR,
    DiseaseTemperature,
    FiniteSampler,
    GaussianTC,
    Parity,
    Sampler,
    SyntheticM3,
    xor_info_table,
)

GENERATORS = {
    "xor": BinaryXOR(d=2, p=0.4),
    "xor-missing": BinaryXOR(d=2, p=0.4, p_missing=0.2),
    "parity": Parity(m=4),
    "disease": DiseaseTemperature(),
    "m3": SyntheticM3(w=2, n_classes=3, audio_noise=0.2, image_noise=0.3),
    "gaussian": GaussianTC(dims=(2, 1, 3), correlation=0.3),
}
FINITE = ["xor", "parity", "disease", "m3"]


def _codes(name: str, gen, sample: dict) -> tuple[np.ndarray, ...]:
    """The integer codes of a sample on the axes of gen.joint_pmf() (as each generator documents them)."""
    if name == "xor":
        return tuple(gen.encode(sample[k]) for k in gen.names)
    if name in ("parity", "disease"):
        return tuple(sample[k].astype(np.int64) for k in gen.names)
    if name == "m3":
        text = np.ravel_multi_index(sample["words"].T, (gen.n_classes,) * gen.w)
        return text, sample["audio"].argmax(axis=1), sample["image"].argmax(axis=1)
    raise AssertionError(name)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_generator_is_a_sampler_with_natural_names(name):
    gen = GENERATORS[name]
    assert isinstance(gen, Sampler)
    assert isinstance(gen.names, tuple) and gen.names and all(isinstance(k, str) for k in gen.names)
    assert len(set(gen.names)) == len(gen.names)


@pytest.mark.parametrize("n", [0, 1, 17])
@pytest.mark.parametrize("name", list(GENERATORS))
def test_sample_returns_one_array_per_name_first_and_in_order(name, n):
    gen = GENERATORS[name]
    sample = gen.sample(n, rng=3)
    assert tuple(sample)[: len(gen.names)] == gen.names
    for key, value in sample.items():
        assert isinstance(value, np.ndarray) and value.shape[0] == n, key


@pytest.mark.parametrize("name", list(GENERATORS))
def test_same_int_seed_same_numbers_and_a_generator_is_advanced(name):
    gen = GENERATORS[name]
    a, b = gen.sample(50, rng=11), gen.sample(50, rng=11)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    shared = np.random.default_rng(11)
    first, second = gen.sample(50, rng=shared), gen.sample(50, rng=shared)
    for key in gen.names:
        np.testing.assert_array_equal(first[key], a[key])  # a Generator seeded 11 draws as the int 11
    assert any(not np.array_equal(first[k], second[k]) for k in gen.names)  # ... and moves on


@pytest.mark.parametrize(
    ("rng", "error", "match"),
    [
        (-1, ValueError, r"rng must be a non-negative int below 2\*\*63, got -1"),
        (2**63, ValueError, r"got 9223372036854775808"),
        (1.5, TypeError, r"rng must be .*got 1\.5"),
        ("7", TypeError, r"got '7'"),
        (None, TypeError, r"got None"),
        (True, TypeError, r"got True"),
    ],
)
@pytest.mark.parametrize("name", list(GENERATORS))
def test_bad_rng_is_rejected_naming_it(name, rng, error, match):
    with pytest.raises(error, match=match):
        GENERATORS[name].sample(3, rng=rng)


@pytest.mark.parametrize("name", FINITE)
def test_finite_generator_has_a_valid_joint_pmf_with_one_axis_per_name(name):
    gen = GENERATORS[name]
    assert isinstance(gen, FiniteSampler)
    P = gen.joint_pmf()
    assert P.ndim == len(gen.names)
    it.validate_pmf(P, atol=1e-12)


@pytest.mark.parametrize("name", FINITE)
def test_sample_frequencies_agree_with_the_joint_pmf(name):
    # chi-square goodness of fit over the cells of positive probability, at a fixed seed
    gen = GENERATORS[name]
    P = gen.joint_pmf()
    n = 40_000
    flat = np.ravel_multi_index(_codes(name, gen, gen.sample(n, rng=2024)), P.shape)
    counts = np.bincount(flat, minlength=P.size)
    support = P.ravel() > 0
    assert counts[~support].sum() == 0  # no sample falls outside the support
    assert stats.chisquare(counts[support], n * P.ravel()[support]).pvalue > 1e-4


def test_gaussian_has_no_joint_pmf_because_its_support_is_continuous():
    gen = GENERATORS["gaussian"]
    assert not isinstance(gen, FiniteSampler)
    assert not hasattr(gen, "joint_pmf")


def _truth_methods():
    for name, gen in GENERATORS.items():
        for attr, member in inspect.getmembers(type(gen)):
            function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
            if not attr.startswith("_") and callable(function):
                if "base" in inspect.signature(function).parameters:
                    yield pytest.param(function, id=f"{name}.{attr}")
    yield pytest.param(xor_info_table, id="xor_info_table")


@pytest.mark.parametrize("function", list(_truth_methods()))
def test_every_base_parameter_is_keyword_only_with_default_two(function):
    parameter = inspect.signature(function).parameters["base"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY
    assert parameter.default == 2


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: Parity().total_correlation(base=0.5), ValueError),
        (lambda: xor_info_table(2, 0.5, base=1), ValueError),
        (lambda: DiseaseTemperature().pmi(base="e"), TypeError),
        (lambda: SyntheticM3().info_table(base=float("inf")), ValueError),
        (lambda: GaussianTC(dims=(1, 1), correlation=0.5).total_correlation(base=-2), ValueError),
    ],
)
def test_generators_share_infotheory_base_check(call, error):
    with pytest.raises(error, match=r"base must be a finite real number > 1"):
        call()


# regression: issue 9 (blocks ordered with sorted(names) put x10 before x2)
def test_gaussian_names_and_sample_keys_are_in_natural_block_order():
    gen = GaussianTC(dims=(1,) * 12, correlation=0.05)
    expected = tuple(f"x{i}" for i in range(12))
    assert gen.names == expected
    assert tuple(gen.sample(4, rng=0)) == expected
    assert sorted(gen.names) != list(expected)  # why callers must use gen.names, not sorted(sample)
