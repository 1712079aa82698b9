"""The shared validators: one seed rule, numbers (numpy scalars too), reps, scale, generator checks."""

import math
import re

import numpy as np
import pytest
import torch

from symile_min._checks import (
    as_int,
    as_real,
    check_choice,
    check_generator,
    check_reps,
    check_scale,
    check_seed,
    scale_like,
)


@pytest.mark.parametrize("seed", [0, 7, 2**63 - 1, np.int64(5), np.uint32(3), np.int8(0)])
def test_check_seed_accepts_non_negative_ints_below_2_to_the_63_and_returns_a_python_int(seed):
    out = check_seed(seed)
    assert out == int(seed) and type(out) is int


@pytest.mark.parametrize(
    ("seed", "error"),
    [
        (3.0, TypeError),
        (np.float64(1), TypeError),
        ("3", TypeError),
        (True, TypeError),
        (np.bool_(False), TypeError),
        (None, TypeError),
        (-1, ValueError),
        (np.int64(-2), ValueError),
        (2**63, ValueError),
    ],
)
def test_check_seed_rejects_everything_else_naming_the_value(seed, error):
    with pytest.raises(error, match=re.escape(f"seed must be an int in [0, 2**63), got {seed!r}")):
        check_seed(seed)


def test_check_seed_names_the_argument():
    with pytest.raises(ValueError, match="model_seed"):
        check_seed(-1, name="model_seed")


@pytest.mark.parametrize(
    ("scale", "error", "match"),
    [
        (0.0, ValueError, "got 0.0"),
        (-1, ValueError, "got -1.0"),
        (math.inf, ValueError, "got inf"),
        (torch.tensor([1.0, 2.0]), ValueError, r"shape \(2,\)"),
        ("2", TypeError, "'2'"),
        (True, TypeError, "True"),
    ],
)
def test_check_scale_rejects_non_positive_or_non_scalar_scales(scale, error, match):
    with pytest.raises(error, match=match):
        check_scale(scale)


def test_scale_like_casts_a_tensor_scale_to_the_scores_dtype_and_keeps_it_differentiable():
    log_scale = torch.tensor(0.5, requires_grad=True)
    scale = scale_like(log_scale.exp(), torch.zeros(2, dtype=torch.float64))
    assert scale.dtype == torch.float64 and scale.requires_grad
    assert scale_like(2, torch.zeros(1)) == 2.0
    assert scale_like(np.float32(0.5), torch.zeros(1)) == 0.5  # numpy scalars are numbers too


def test_check_choice_names_the_option_and_the_choices():
    with pytest.raises(ValueError, match=r"negatives must be one of \['n', 'n_squared'\], got 'all'"):
        check_choice("negatives", "all", ("n", "n_squared"))


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (np.int64(500), 500), (np.uint8(2), 2)])
def test_as_int_accepts_python_and_numpy_ints_and_returns_a_python_int(value, expected):
    # regression: issue 11 -- batch_size=np.int64(500) was rejected
    out = as_int(value, "batch_size")
    assert out == expected and type(out) is int


@pytest.mark.parametrize("value", [0, 2.0, np.float32(3), True, "4", None])
def test_as_int_rejects_the_rest_naming_the_field(value):
    with pytest.raises(ValueError, match=re.escape(f"batch_size must be an int >= 1, got {value!r}")):
        as_int(value, "batch_size")


@pytest.mark.parametrize(
    ("value", "expected"), [(0.1, 0.1), (np.float32(0.5), 0.5), (np.int64(2), 2.0), (1, 1.0)]
)
def test_as_real_accepts_finite_python_and_numpy_numbers(value, expected):
    # regression: issue 11 -- lr=np.float32(0.1) was rejected
    out = as_real(value, "lr")
    assert out == expected and type(out) is float


@pytest.mark.parametrize("value", [math.nan, math.inf, np.float64("nan"), True, "0.1", None])
def test_as_real_rejects_non_finite_and_non_numbers(value):
    with pytest.raises(ValueError, match="lr must be a finite number"):
        as_real(value, "lr")
    assert as_real(None, "lr", optional=True) is None


def test_check_generator_accepts_none_and_generators_only():
    check_generator(None)
    check_generator(torch.Generator())
    with pytest.raises(TypeError, match="got Generator"):
        check_generator(np.random.default_rng(0))


@pytest.mark.parametrize(
    ("reps", "kwargs", "match"),
    [
        ([torch.ones(3, 2), torch.ones(4, 2)], {}, r"same number of rows N \(ragged batch\?\)"),
        ([torch.ones(3, 2), torch.ones(3, 5)], {}, r"same representation width d .* got widths \[2, 5\]"),
        ([torch.ones(1, 2), torch.ones(1, 2)], {"min_rows": 2}, "N = 1 rows"),
        ([torch.ones(3, 2), torch.ones(3, 2, dtype=torch.float16)], {}, "share one dtype"),
        ([torch.ones(3, 2), torch.ones(3, 2, device="meta")], {}, "must live on one device"),
    ],
)
def test_check_reps_names_each_kind_of_mismatch(reps, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_reps(reps, **kwargs)


def test_check_reps_and_check_scale_read_no_values_off_the_cpu():
    # on the meta device a read-back raises: the checks must not do one there (no host sync per call)
    reps = check_reps([torch.ones(3, 2, device="meta")] * 2)
    assert reps[0].device.type == "meta"
    check_scale(torch.ones((), device="meta"))
    with pytest.raises(ValueError, match="non-finite"):  # on the CPU the values are still checked
        check_reps([torch.ones(3, 2), torch.full((3, 2), math.nan)])


# regression: issue 10 -- one validator per kind of argument, each naming the bad value


@pytest.mark.parametrize(
    ("scale", "error", "match"),
    [
        (torch.tensor(1 + 0j), TypeError, "real tensor, got dtype torch.complex64"),
        (torch.tensor(True), TypeError, "real tensor, got dtype torch.bool"),
        (torch.ones(1, 1), ValueError, r"shape \(\) or \(1,\)\), got shape \(1, 1\)"),
        (1 + 0j, TypeError, r"\(1\+0j\)"),
    ],
)
def test_check_scale_refuses_complex_bool_and_matrix_shaped_scales(scale, error, match):
    # regression: issue 10
    with pytest.raises(error, match=match):
        check_scale(scale)


def test_a_finite_scale_that_overflows_the_scores_dtype_is_refused_naming_the_dtype():
    # regression: issue 10 -- 1e39 is a finite python float but inf in float32 (the loss read nan)
    with pytest.raises(ValueError, match=r"overflows the representations' dtype torch\.float32"):
        scale_like(1e39, torch.zeros(2, 2))
    assert scale_like(1e39, torch.zeros(2, 2, dtype=torch.float64)) == 1e39
    assert scale_like(torch.tensor([2.0]), torch.zeros(2, 2)).shape == ()  # (1,) becomes a 0-dim scale


def test_check_score_range_bounds_scale_times_the_row_norms():
    # regression: issue 10 -- finite reps whose scaled scores overflow float32 are refused, unit ones pass
    from symile_min._checks import check_score_range

    unit = [torch.eye(3)] * 3
    check_score_range(unit, 1e30, terms=30)
    with pytest.raises(ValueError, match=r"can reach 1e\+60 .* overflows torch\.float32"):
        check_score_range([torch.eye(3) * 1e20] * 3, 1.0, terms=3)


@pytest.mark.parametrize("value", [88.8, -87.4, math.nan, math.inf, "0", 1j, None])
def test_check_log_scale_keeps_exp_of_it_a_positive_finite_float32(value):
    # regression: issue 10 -- logit_scale_init = 100 made the scale inf and every loss nan
    from symile_min._checks import check_log_scale

    with pytest.raises(ValueError, match="logit_scale_init must"):
        check_log_scale(value)


def test_check_log_scale_accepts_the_paper_and_clip_values():
    from symile_min._checks import check_log_scale

    assert check_log_scale(-0.3) == -0.3
    assert check_log_scale(np.float32(math.log(100))) == pytest.approx(4.60517)


@pytest.mark.parametrize(
    ("base", "error"),
    [(1, ValueError), (0.5, ValueError), (0, ValueError), (math.nan, ValueError), (math.inf, ValueError),
     (True, TypeError), ("2", TypeError), (1 + 0j, TypeError)],
)
def test_check_base_is_the_library_rule_finite_and_above_one(base, error):
    # regression: issue 10 -- base 1 divided by zero, base 0.5 gave a negative bound
    from symile_min._checks import check_base

    with pytest.raises(error, match="base must be a finite real number > 1"):
        check_base(base)


def test_check_weight_size_says_why_a_huge_encoder_cannot_exist():
    # regression: issue 10 -- a (10**9, 16) weight was a raw RuntimeError from the allocator
    from symile_min._checks import check_weight_size

    check_weight_size(1000, 1000, what="enc")
    with pytest.raises(ValueError, match=r"enc would need a weight of 16000000000 parameters .* could not"):
        check_weight_size(10**9, 16, what="enc")
    with pytest.raises(ValueError, match=r"about 2\*\*1332 parameters"):
        check_weight_size(10**400, 16, what="enc")


@pytest.mark.parametrize(
    ("scores", "error", "match"),
    [
        ([torch.zeros(3, 3), torch.zeros(2, 2)], ValueError, "same N rows"),
        ([torch.zeros(3, 3), torch.zeros(3, 3, dtype=torch.float64)], ValueError, "share one dtype"),
        ([torch.zeros(1, 1)] * 2, ValueError, "N >= 2"),
        ([torch.zeros(3, 3, dtype=torch.complex64)] * 2, TypeError, "real floating"),
        ([torch.full((3, 3), math.nan)] * 2, ValueError, "non-finite"),
        ([], ValueError, "at least 2"),
    ],
)
def test_check_score_tensors_makes_the_checks_of_check_reps_on_scores(scores, error, match):
    # regression: issue 10 -- the score-level losses skipped the checks symile_loss makes
    from symile_min._checks import check_score_tensors

    with pytest.raises(error, match=match):
        check_score_tensors(scores, min_count=2)
