"""The shared validators: one seed rule, scale checks (errors name the bad value)."""

import math
import re

import numpy as np
import pytest
import torch

from symile_min._checks import check_choice, check_scale, check_seed, scale_like


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
