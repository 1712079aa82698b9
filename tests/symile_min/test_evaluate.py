"""Zero-shot scores and accuracy: hand-computed values, the model's recorded objective, devices, errors."""

import math

import numpy as np
import pytest
import torch

from symile_min import zero_shot_accuracy, zero_shot_scores

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def test_symile_scores_are_the_mip_with_every_candidate_and_clip_the_sum_of_dot_products():
    q = [torch.tensor([[1.0, 2.0], [0.5, -1.0]]), torch.tensor([[3.0, 1.0], [2.0, 2.0]])]
    c = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    symile = torch.tensor([[3.0, 2.0, 5.0], [1.0, -2.0, -1.0]])  # sum_k q1_k q2_k c_k
    clip = torch.tensor([[4.0, 3.0, 7.0], [2.5, 1.0, 3.5]])  # (q1 + q2) . c
    torch.testing.assert_close(zero_shot_scores(q, c), symile)
    torch.testing.assert_close(zero_shot_scores(q, c, "clip"), clip)


def test_zero_shot_scores_add_the_log_prior_after_scaling():
    q, c = [torch.tensor([[1.0, 0.0]])], torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    prior = torch.log(torch.tensor([0.25, 0.75]))
    got = zero_shot_scores(q, c, "symile", prior, logit_scale=3.0)
    torch.testing.assert_close(got, torch.tensor([[3.0, 0.0]]) + prior)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(method="simile"), ValueError, "'simile'"),
        (dict(candidates=torch.ones(2, 3)), ValueError, "candidates have dim 3 but queries have dim 2"),
        (dict(log_prior=torch.zeros(3)), ValueError, r"log_prior must have shape \(2,\)"),
        (dict(log_prior=torch.tensor([0.0, math.nan])), ValueError, "nan or \\+inf"),
        (dict(logit_scale=0.0), ValueError, "logit_scale must be finite and > 0"),
        (dict(queries=torch.ones(1, 2)), TypeError, "list of tensors"),
    ],
)
def test_bad_zero_shot_inputs_are_named(kwargs, error, match):
    args = dict(queries=[torch.ones(1, 2)], candidates=torch.eye(2), method="symile")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        zero_shot_scores(**args)


@pytest.mark.parametrize("device", DEVICES)
def test_zero_shot_scores_stay_on_the_queries_device(device):
    q, c = [torch.ones(3, 2, device=device)], torch.eye(2, device=device)
    scale, prior = torch.tensor(2.0, device=device), torch.zeros(2, device=device)
    got = zero_shot_scores(q, c, "symile", prior, logit_scale=scale)
    assert got.device.type == device and got.shape == (3, 2)


def _all_xor_tuples(repeats=1):
    a = np.array([0, 0, 1, 1] * repeats)[:, None]
    b = np.array([0, 1, 0, 1] * repeats)[:, None]
    return [a, b, a ^ b]


def test_symile_rule_of_the_optimal_critic_predicts_xor_perfectly(xor_critic_model):
    # MIP(r_a, r_b, r_c) = +1 exactly when c = a XOR b: the Symile rule is the Bayes rule
    acc = zero_shot_accuracy(xor_critic_model("symile"), _all_xor_tuples(), target=2, candidates=[[0], [1]])
    assert acc == 1.0


def test_clip_rule_of_the_same_encoders_is_right_on_one_of_four_tuples(xor_critic_model):
    # (r_a + r_b) . r_c: a = b = 0 -> scores (-2, 2) picks c = 1 (wrong); a = b = 1 -> (2, -2) picks 0
    # (right); a != b -> ties, the first candidate c = 0 (wrong, c = 1): 1 / 4
    acc = zero_shot_accuracy(xor_critic_model("clip"), _all_xor_tuples(3), target=2, candidates=[[0], [1]])
    assert acc == 0.25


def test_a_strong_prior_overrides_the_scores(xor_critic_model):
    # log prior (-1000, 0) after scaling by 100 puts every prediction on c = 1, true on half the rows
    model = xor_critic_model("symile")
    data, prior = _all_xor_tuples(), [-1000.0, 0.0]
    assert zero_shot_accuracy(model, data, target=2, candidates=[[0], [1]], log_prior=prior) == 0.5


def test_default_candidates_are_the_distinct_target_rows(xor_critic_model):
    model = xor_critic_model("symile")
    assert zero_shot_accuracy(model, _all_xor_tuples(), target=0) == 1.0


def test_zero_shot_accuracy_takes_the_method_from_the_model_and_refuses_a_contradiction(xor_critic_model):
    data = _all_xor_tuples()
    assert zero_shot_accuracy(xor_critic_model("clip"), data, target=2, method="clip") == 0.25
    with pytest.raises(ValueError, match="method='symile' contradicts the model, which was trained with "
                                         "method='clip'"):
        zero_shot_accuracy(xor_critic_model("clip"), data, target=2, method="symile")
    with pytest.raises(ValueError, match="records no training method"):
        zero_shot_accuracy(xor_critic_model(), data, target=2)
    assert zero_shot_accuracy(xor_critic_model(), data, target=2, method="symile") == 1.0  # bare + explicit


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(target=3), r"target must be a modality index in \[0, 3\), got 3"),
        (dict(target=True), "got True"),
        (dict(target=2, candidates=[[0]]), "row 1 of the target modality is not among the candidates"),
        (dict(target=2, candidates=[[0], [1], [1]]), "duplicate"),
        (dict(target=2, data=_all_xor_tuples()[:2]), "model has 3 modalities, data has 2"),
    ],
)
def test_bad_zero_shot_accuracy_inputs_are_named(xor_critic_model, kwargs, match):
    args = {"data": _all_xor_tuples(), **kwargs}
    with pytest.raises(ValueError, match=match):
        zero_shot_accuracy(xor_critic_model("symile"), args.pop("data"), **args)
