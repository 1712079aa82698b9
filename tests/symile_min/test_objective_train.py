"""symile_min.objective_train's evaluation entry point (objective_accuracy) and learning-rate grid
(fit_lr_grid): known values, equivalence with the code they replace (the two accuracy functions, the loop of
experiments/objectives.py), seeding and bad input. The losses, train_objective and objective_bound are
tested in tests/symile_min/test_objectives.py."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from symile_min import objective_train
from symile_min.objective_modules import make_objective
from symile_min.objective_train import (
    ObjectiveFit,
    fit_lr_grid,
    objective_accuracy,
    objective_retrieval_accuracy,
    objective_zero_shot_accuracy,
    train_objective,
)

BITS = np.array([[0], [1]])


class _Constant(torch.nn.Module):
    """Every row of every modality is the same unit vector: all scores tie (a chance-level critic)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def encode(self, data):
        return [torch.ones(len(x), 1, dtype=torch.float64) for x in data]


class _Copies(torch.nn.Module):
    """Each modality's row is the input itself, normalised: every positive is a perfect match."""

    def encode(self, data):
        return [F.normalize(torch.as_tensor(x, dtype=torch.float64), dim=1) for x in data]


@pytest.fixture(scope="module")
def xor_fit():
    """A Symile model trained briefly on 3-bit XOR (a real model whose accuracies are neither 0 nor 1)."""
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, (2, 300, 1))
    data = [a, b, a ^ b]
    return train_objective(data, data, make_objective("symile", m=3), epochs=2, batch_size=100, seed=1), data


# ------------------------------------------------------------------------------------------------
# objective_accuracy


def test_objective_accuracy_with_candidates_is_one_for_the_optimal_xor_critic(xor_bits, xor_critic_model):
    model = xor_critic_model("symile")
    obj = make_objective("symile", m=3, init_logit_scale=float(model.log_scale.detach()))
    for target in range(3):
        assert objective_accuracy(obj, model, xor_bits(200, seed=1), target=target, candidates=BITS) == 1.0


def test_objective_accuracy_without_candidates_is_in_batch_retrieval_known_values():
    obj = make_objective("gram", m=3).double()
    data = [np.zeros((50, 1))] * 3
    # every score ties: argmax is row 0 of each batch, right once per batch of 10
    assert objective_accuracy(obj, _Constant(3), data, target=2, batch_size=10) == pytest.approx(0.1)
    g = torch.Generator().manual_seed(0)
    x = F.normalize(torch.randn(40, 4, generator=g, dtype=torch.float64), dim=1)
    clip = make_objective("clip", m=3).double()
    assert objective_accuracy(clip, _Copies(), [x.numpy()] * 3, target=0, batch_size=20) == 1.0


@pytest.mark.parametrize("target", [0, 2])
def test_objective_accuracy_is_the_function_it_dispatches_to(xor_fit, target):
    fit, data = xor_fit
    zero_shot = objective_zero_shot_accuracy(fit.objective, fit.model, data, target=target, candidates=BITS)
    retrieval = objective_retrieval_accuracy(fit.objective, fit.model, data, target=target, batch_size=50)
    got = objective_accuracy(fit.objective, fit.model, data, target=target, candidates=BITS, batch_size=50)
    assert got == zero_shot  # batch_size is validated but unused with candidates
    assert objective_accuracy(fit.objective, fit.model, data, target=target, candidates=BITS) == zero_shot
    assert objective_accuracy(fit.objective, fit.model, data, target=target, batch_size=50) == retrieval
    assert 0.0 <= retrieval <= 1.0 and 0.0 <= zero_shot <= 1.0


def test_objective_accuracy_passes_the_log_prior_on():
    # equal scores everywhere: the prior alone decides, so every row is predicted as candidate 1
    obj = make_objective("clip", m=3).double()
    labels = np.array([[0]] * 30 + [[1]] * 70)
    data = [np.zeros((100, 1)), np.zeros((100, 1)), labels]

    class Flat(_Constant):
        def encode_modality(self, m, x):
            return torch.ones(len(x), 1, dtype=torch.float64)

    prior = np.log([0.3, 0.7])
    got = objective_accuracy(obj, Flat(3), data, target=2, candidates=BITS, log_prior=prior)
    assert got == pytest.approx(0.7)
    assert got == objective_zero_shot_accuracy(obj, Flat(3), data, target=2, candidates=BITS, log_prior=prior)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, ValueError, r"candidates=None means in-batch retrieval: give its batch_size"),
        ({"batch_size": 10, "log_prior": [0.0, 0.0]}, ValueError, "log_prior is a prior over candidates"),
        ({"batch_size": 1}, ValueError, "batch_size must be None or an int >= 2, got 1"),
        ({"batch_size": True}, ValueError, "batch_size must be None or an int >= 2, got True"),
        ({"candidates": BITS, "batch_size": 0.5}, ValueError, "batch_size must be None or an int >= 2"),
        ({"batch_size": 10, "target": 3}, ValueError, "target"),
        ({"batch_size": 10, "objective": "gram"}, TypeError, "objective must be an Objective"),
    ],
)
def test_objective_accuracy_bad_input(kwargs, error, message):
    args = {"objective": make_objective("gram", m=3).double(), "target": 2, **kwargs}
    with pytest.raises(error, match=message):
        objective_accuracy(args.pop("objective"), _Constant(3), [np.zeros((20, 1))] * 3, **args)


# ------------------------------------------------------------------------------------------------
# fit_lr_grid: the choice rule on fits whose validation losses are set by hand


@pytest.fixture
def fake_training(monkeypatch):
    """Replace train_objective inside fit_lr_grid: lr -> a fit whose history has the given val losses."""
    calls = []

    def install(val_losses: dict):
        def fake(train_data, val_data, objective, *, lr, seed, **options):
            calls.append({"lr": lr, "seed": seed, "objective": objective, **options})
            history = pd.DataFrame({"epoch": [1, 2], "val_loss": val_losses[lr]})
            return ObjectiveFit(None, objective, history, 1, 0.0)

        monkeypatch.setattr(objective_train, "train_objective", fake)
        return calls

    return install


def _grid(lrs, scores, **options):
    values = iter(scores)
    return fit_lr_grid([], [], object, lrs, score=lambda fit: next(values), **options)


@pytest.mark.parametrize(
    ("scores", "chosen"),
    [
        ([0.2, 0.9, 0.5], 1),  # the highest score, whatever the losses
        ([0.2, 0.9, 0.9], 2),  # tie on the score: the lower best validation loss (lr 0.3: 0.4 < 0.6)
        ([0.5, 0.5, 0.5], 0),  # all tie: the lowest loss of the three (lr 0.03: 0.3)
    ],
)
def test_fit_lr_grid_takes_the_best_score_then_the_lower_validation_loss(fake_training, scores, chosen):
    calls = fake_training({0.03: [0.5, 0.3], 0.1: [0.6, 0.7], 0.3: [float("nan"), 0.4]})
    fit, tried = _grid([0.03, 0.1, 0.3], scores, seed=5, epochs=7)
    assert fit is tried[chosen]["fit"]
    assert [t["lr"] for t in tried] == [0.03, 0.1, 0.3] and [t["score"] for t in tried] == scores
    assert [t["val_loss"] for t in tried] == [0.3, 0.6, 0.4]  # the lowest over the epochs (nan skipped)
    assert [c["lr"] for c in calls] == [0.03, 0.1, 0.3]
    assert all(c["seed"] == 5 and c["epochs"] == 7 for c in calls)  # the same seed and options every time
    assert len({id(c["objective"]) for c in calls}) == 3  # a fresh objective per learning rate


def test_fit_lr_grid_full_ties_go_to_the_first_lr_and_nan_losses_count_as_inf(fake_training):
    fake_training({0.1: [0.5, 0.5], 0.2: [0.5, 0.5], 1.0: [math.nan, math.nan]})
    fit, tried = _grid([0.1, 0.2], [0.7, 0.7])
    assert fit is tried[0]["fit"]
    fit, tried = _grid([1.0, 0.2], [0.7, 0.7])  # a nan-every-epoch loss loses the tie, though it comes first
    assert math.isnan(tried[0]["val_loss"]) and fit is tried[1]["fit"]
    fit, tried = _grid([1.0, 0.2], [0.8, 0.7])  # but the score comes first
    assert fit is tried[0]["fit"]


# ------------------------------------------------------------------------------------------------
# fit_lr_grid with real training


def _xor(n, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 1))
    return [a, b, a ^ b]


def test_fit_lr_grid_is_the_loop_it_replaces():
    # regression: issue 9 (the loop of experiments/objectives.py's _cell, moved here with the same numbers)
    train, val = _xor(200, 0), _xor(100, 1)
    lrs, options = [0.01, 0.1, 0.3], {"rep_dim": 4, "epochs": 3, "batch_size": 50, "patience": 2}

    def score(fit):
        return objective_zero_shot_accuracy(fit.objective, fit.model, val, target=2, candidates=BITS)

    state = torch.random.get_rng_state()
    fit, tried = fit_lr_grid(train, val, lambda: make_objective("symile", m=3, seed=4), lrs, score=score,
                             seed=2, **options)
    assert torch.equal(torch.random.get_rng_state(), state)
    old = []
    for lr in lrs:  # the script's loop before issue 9
        f = train_objective(train, val, make_objective("symile", m=3, seed=4), lr=lr, seed=2, **options)
        old.append({"lr": lr, "val_acc": score(f), "val_loss": float(f.history["val_loss"].min()), "fit": f})
    chosen = min(old, key=lambda t: (-t["val_acc"], t["val_loss"]))
    assert [t["lr"] for t in tried] == lrs
    assert [t["score"] for t in tried] == [t["val_acc"] for t in old]
    assert [t["val_loss"] for t in tried] == [t["val_loss"] for t in old]
    assert tried[lrs.index(chosen["lr"])]["fit"] is fit
    for new_t, old_t in zip(tried, old, strict=True):  # the same weights, bit for bit
        for p, q in zip(new_t["fit"].model.state_dict().values(), old_t["fit"].model.state_dict().values(),
                        strict=True):
            assert torch.equal(p, q)
        pd.testing.assert_frame_equal(new_t["fit"].history, old_t["fit"].history)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda g: g(lrs=[]), ValueError, "lrs is empty"),
        (lambda g: g(lrs=0.1), TypeError, r"a sequence \(list or tuple\) of learning rates, got 0.1"),
        (lambda g: g(lrs=np.array([0.1])), TypeError, r"lrs must be a sequence \(list or tuple\)"),
        (lambda g: g(lrs="0.1"), TypeError, "lrs must be a sequence"),
        (lambda g: g(lrs=[0.1, 0.0]), ValueError, r"every learning rate must be > 0, got \[0.0\]"),
        (lambda g: g(lrs=[0.1, float("nan")]), ValueError, r"lrs\[1\] must be a finite number > 0, got nan"),
        (lambda g: g(lrs=[True]), ValueError, r"lrs\[0\] must be a finite number > 0, got True"),
        (lambda g: g(lr=0.1), TypeError, "takes the learning rates as lrs, not lr="),
        (lambda g: g(make_objective="symile"), TypeError, "make_objective must be a callable"),
        (lambda g: g(score=0.5), TypeError, "score must be a callable"),
        (lambda g: g(score=lambda fit: float("nan")), ValueError, r"score\(fit\) at lr=0.1 must be a finite"),
        (lambda g: g(score=lambda fit: "high"), ValueError, r"score\(fit\) at lr=0.1 must be a finite"),
        (lambda g: g(make_objective=lambda: "symile"), TypeError, "objective must be an Objective"),
        (lambda g: g(seed=-1), ValueError, "seed"),
    ],
)
def test_fit_lr_grid_bad_input(call, error, message):
    def grid(**kwargs):
        args = {"make_objective": lambda: make_objective("clip", m=3), "lrs": [0.1], "score": lambda fit: 1.0}
        args.update(kwargs)
        return fit_lr_grid(_xor(20, 0), _xor(20, 1), args.pop("make_objective"), args.pop("lrs"), epochs=1,
                           batch_size=10, **args)

    with pytest.raises(error, match=message):
        call(grid)
