"""symile_min.held_out: the split, agreement with training and bounding by hand, bad input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from symile_min import TrainConfig, bound_estimate, train
from symile_min.held_out import held_out_bound

TINY = TrainConfig(epochs=1, seed=0)


def test_the_estimate_is_training_and_bounding_by_hand_on_the_same_split(xor_bits):
    # regression: issue 9 (this was experiments/estimators._symile_cell; the same rows, config and numbers)
    data = xor_bits(200, 1)
    est = held_out_bound(data, TINY, max_batch=8)
    xs = [np.asarray(x, dtype=np.float32) for x in data]
    config = dataclasses.replace(TINY, batch_size=8)
    model = train([x[:140] for x in xs], [x[140:160] for x in xs], config).model
    by_hand = bound_estimate(model, [x[160:] for x in xs], method="symile", negatives="n", batch_size=8)
    assert (est["n_train"], est["n_val"], est["n_held"], est["batch"]) == (140, 20, 40, 8)
    assert est["bound"] == by_hand["bound"] and est["se"] == by_hand["se"] and est["cap"] == by_hand["cap"]
    assert est["bound"] <= est["cap"] == pytest.approx(np.log2(8))


@pytest.mark.parametrize(("n", "batch"), [(100, 5), (2000, 100), (20000, 256)])
def test_the_batch_leaves_four_held_out_batches_up_to_max_batch(xor_bits, monkeypatch, n, batch):
    seen = {}

    def fake_train(train_x, val_x, config):
        seen.update(train=len(train_x[0]), val=len(val_x[0]), batch=config.batch_size)
        raise StopIteration  # the split is all this test needs

    monkeypatch.setattr("symile_min.held_out.train", fake_train)
    with pytest.raises(StopIteration):
        held_out_bound(xor_bits(n, 0), TINY)
    assert seen == {"train": int(0.7 * n), "val": int(0.1 * n), "batch": batch}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"config": {"epochs": 1}}, TypeError, "TrainConfig"),
        ({"train_fraction": 1.0}, ValueError, "train_fraction"),
        ({"val_fraction": 0}, ValueError, "val_fraction"),
        ({"train_fraction": 0.8, "val_fraction": 0.2}, ValueError, "below 1"),
        ({"max_batch": 1}, ValueError, "max_batch"),
        ({"base": 0.5}, ValueError, "base"),
        ({"data": "abc"}, ValueError, "list of at least 2"),
        ({"data": [np.zeros((100, 1))]}, ValueError, "list of at least 2"),
        ({"data": [np.zeros((100, 1)), np.zeros((90, 1))]}, ValueError, "same number of rows"),
        ({"data": [np.zeros((20, 1)), np.zeros((20, 1))]}, ValueError, "too few"),
    ],
)
def test_bad_input_is_refused_before_training(xor_bits, kwargs, error, match):
    kwargs = {"data": xor_bits(100, 0), "config": TINY, **kwargs}
    with pytest.raises(error, match=match):
        held_out_bound(kwargs.pop("data"), kwargs.pop("config"), **kwargs)
