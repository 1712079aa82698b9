"""nn.Module objectives: the functional losses with an owned, learned logit scale."""

import math

import pytest
import torch
import torch.nn.functional as F

from symile_min import ClipLoss, SymileLoss, clip_loss, symile_loss


def _reps(m=3, n=6, d=4):
    g = torch.Generator().manual_seed(0)
    return [F.normalize(torch.randn(n, d, generator=g), dim=1) for _ in range(m)]


@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_symile_loss_module_is_the_function_at_the_exp_of_its_log_scale(negatives):
    objective = SymileLoss(negatives=negatives, init_logit_scale=0.7)
    reps = _reps()
    got = objective(reps, generator=torch.Generator().manual_seed(2))
    want = symile_loss(reps, math.exp(0.7), negatives=negatives, generator=torch.Generator().manual_seed(2))
    torch.testing.assert_close(got, want)
    got.backward()
    assert objective.log_scale.grad is not None and objective.log_scale.grad.abs().item() > 0


def test_clip_loss_module_is_the_function_and_reduction_passes_through():
    objective = ClipLoss(init_logit_scale=-0.3, reduction="none")
    reps = _reps()
    torch.testing.assert_close(objective(reps), clip_loss(reps, math.exp(-0.3), reduction="none"))


def test_a_fixed_scale_is_not_learned_and_the_objective_trains_with_an_optimiser():
    fixed = SymileLoss(learn_logit_scale=False)
    assert not fixed.log_scale.requires_grad
    objective = ClipLoss(init_logit_scale=0.0)
    enc = torch.nn.Linear(3, 4)
    opt = torch.optim.SGD([*enc.parameters(), *objective.parameters()], lr=0.1)
    x = torch.randn(8, 3, generator=torch.Generator().manual_seed(1))
    reps = [F.normalize(enc(x), dim=1), F.normalize(enc(x), dim=1)]  # identical views: scale should grow
    objective(reps).backward()
    opt.step()
    assert objective.log_scale.item() > 0.0


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: SymileLoss(negatives="all"), ValueError, "negatives must be one of"),
        (lambda: SymileLoss(init_logit_scale=math.inf), ValueError, "init_logit_scale must be a finite"),
        (lambda: ClipLoss(reduction="avg"), ValueError, "reduction must be one of"),
        (lambda: ClipLoss(learn_logit_scale=1), TypeError, "learn_logit_scale must be a bool"),
    ],
)
def test_bad_objective_settings_are_named(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("objective", [SymileLoss, ClipLoss])
def test_an_initial_log_scale_that_overflows_float32_is_refused_at_construction(objective):
    # regression: issue 10 -- init_logit_scale = 100 built a module whose every loss was an error or nan
    with pytest.raises(ValueError, match="init_logit_scale must lie in"):
        objective(init_logit_scale=100.0)
