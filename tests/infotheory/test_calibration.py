"""infotheory.calibration: error summary and interval coverage, known values, properties, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infotheory as it
from infotheory.calibration import estimate_errors, interval_coverage

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def test_known_values_of_the_error_summary():
    out = estimate_errors([0.5, 1.5, 1.0, 1.0], truth=0.75)
    assert out["mean"] == 1.0 and out["bias"] == 0.25
    assert out["sd"] == pytest.approx(math.sqrt(0.5 / 3))
    assert out["rmse"] == pytest.approx(math.sqrt((0.0625 + 0.5625 + 0.0625 + 0.0625) / 4))


def test_one_estimate_has_zero_sd_and_rmse_equal_to_its_error():
    assert estimate_errors([2.0], truth=1.5) == {"mean": 2.0, "sd": 0.0, "bias": 0.5, "rmse": 0.5}


def test_known_values_of_the_coverage():
    out = interval_coverage([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [0.5, 0.5]], truth=1.0)
    assert out == {"coverage": 0.5, "width": 0.75}  # endpoints count as covered


@settings(max_examples=50, deadline=None)
@given(st.lists(finite, min_size=1, max_size=30), finite)
def test_rmse_squared_is_bias_squared_plus_the_biased_variance(values, truth):
    out = estimate_errors(values, truth)
    biased_var = np.var(values)  # ddof=0
    assert out["rmse"] ** 2 == pytest.approx(out["bias"] ** 2 + biased_var, rel=1e-6, abs=1e-6)
    assert out["sd"] >= 0 and out["rmse"] >= abs(out["bias"]) - 1e-9


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(finite, st.floats(0, 1e3)), min_size=1, max_size=30), finite)
def test_coverage_is_a_fraction_and_width_the_mean_length(rows, truth):
    intervals = [[low, low + length] for low, length in rows]
    out = interval_coverage(intervals, truth)
    assert 0.0 <= out["coverage"] <= 1.0
    assert out["width"] == pytest.approx(np.mean([h - lo for lo, h in intervals]), abs=1e-9)
    brute = sum(lo <= truth <= h for lo, h in intervals) / len(intervals)
    assert out["coverage"] == pytest.approx(brute)


def test_bootstrap_intervals_of_a_fair_coin_cover_its_one_bit():
    # a reference use: 20 seeded samples of a fair coin, entropy 1 bit, basic bootstrap at level 0.95
    intervals = []
    for r in range(20):
        x = np.random.default_rng(r).integers(0, 2, 400)
        _, low, high = it.bootstrap_ci("entropy", x, n_boot=100, seed=r)
        intervals.append([low, high])
    assert interval_coverage(intervals, 1.0)["coverage"] >= 0.8


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: estimate_errors([], 1.0), ValueError, "non-empty"),
        (lambda: estimate_errors([[1.0, 2.0]], 1.0), ValueError, "1-D"),
        (lambda: estimate_errors([1.0, float("nan")], 1.0), ValueError, "nan"),
        (lambda: estimate_errors(["a"], 1.0), TypeError, "real numbers"),
        (lambda: estimate_errors([True, False], 1.0), TypeError, "real numbers"),
        (lambda: estimate_errors([1.0], float("inf")), ValueError, "truth"),
        (lambda: estimate_errors([1.0], "1"), ValueError, "truth"),
        (lambda: interval_coverage([1.0, 2.0], 1.0), ValueError, r"\(R, 2\)"),
        (lambda: interval_coverage([[1.0, 2.0, 3.0]], 1.0), ValueError, r"\(R, 2\)"),
        (lambda: interval_coverage([[2.0, 1.0]], 1.0), ValueError, "low <= high"),
        (lambda: interval_coverage([[0.0, float("inf")]], 1.0), ValueError, "finite"),
    ],
)
def test_bad_input_is_refused_with_the_value_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
