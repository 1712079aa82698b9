"""generators.tasks: the benchmark's zero-shot tasks, their inputs and candidates, their truth, bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from generators import BinaryXOR
from generators.tasks import QUICK_TASKS, ZeroShotTask, benchmark_tasks
from generators.zero_shot import zero_shot_truth

TASKS = {t.name: t for t in benchmark_tasks()}
DISCRETE = [name for name, t in TASKS.items() if t.kind != "gaussian"]

# ------------------------------------------------------------------------------------------------
# the benchmark's tasks: known values


def test_the_benchmark_has_thirteen_tasks_and_the_quick_one_three_of_them():
    assert list(TASKS) == [
        "xor_p0.25",
        "xor_p0.5",
        "xor_p1",
        "copy",
        "parity_m3",
        "parity_m4",
        "parity_m5",
        "gaussian",
        "m3_w2",
        "m3_w5",
        "m3_w10",
        "missing",
        "unreliable",
    ]
    assert benchmark_tasks(quick=True) == tuple(TASKS[name] for name in QUICK_TASKS)
    assert {name: t.modalities for name, t in TASKS.items() if t.modalities != 3} == {
        "parity_m4": 4,
        "parity_m5": 5,
    }


@pytest.mark.parametrize("name", ["parity_m3", "parity_m4", "parity_m5"])
def test_parity_tasks_have_one_bit_all_of_it_higher_order(name):
    truth = TASKS[name].truth()
    assert (truth["bayes"], truth["chance"]) == (1.0, 0.5) and truth["TC"] == pytest.approx(1.0)
    assert max(truth["pairs"].values()) == pytest.approx(0.0, abs=1e-12)


def test_the_copy_task_has_five_pairwise_bits_and_the_switched_xor_none():
    copy, xor = TASKS["copy"].truth(), TASKS["xor_p1"].truth()
    assert copy["TC"] == pytest.approx(5.0) and copy["pairs"][(0, 2)] == pytest.approx(5.0)
    assert xor["TC"] == pytest.approx(5.0) and max(xor["pairs"].values()) == pytest.approx(0.0, abs=1e-12)
    assert copy["bayes"] == xor["bayes"] == 1.0 and copy["chance"] == xor["chance"] == 2**-5


def test_the_missing_task_has_the_truth_of_its_complete_data():
    # the modalities are missing at training time only: the task predicts b from complete (a, c)
    assert TASKS["missing"].truth() == TASKS["xor_p1"].truth()


def test_truth_in_nats_is_the_truth_in_bits_times_ln2():
    bits, nats = TASKS["xor_p0.5"].truth(), TASKS["xor_p0.5"].truth(base=math.e)
    assert nats["TC"] == pytest.approx(bits["TC"] * math.log(2))
    assert nats["one_vs_rest"] == pytest.approx([v * math.log(2) for v in bits["one_vs_rest"]])
    assert (nats["bayes"], nats["chance"]) == (bits["bayes"], bits["chance"])


# ------------------------------------------------------------------------------------------------
# encoder inputs and candidates


@pytest.mark.parametrize(
    ("name", "shapes"),
    [
        ("xor_p1", [(7, 5)] * 3),
        ("parity_m4", [(7, 1)] * 4),
        ("gaussian", [(7, 2)] * 3),
        ("m3_w5", [(7, 50), (7, 5), (7, 10)]),  # text: w one-hot words of K classes; audio: w; image: K
        ("missing", [(7, 6)] * 3),  # 5 bits + the observed indicator
    ],
)
def test_draw_gives_one_input_per_modality(name, shapes):
    assert [x.shape for x in TASKS[name].draw(7, 0)] == shapes


@pytest.mark.parametrize("name", DISCRETE)
def test_every_drawn_target_is_one_of_the_candidates(name):
    task = TASKS[name]
    candidates = task.candidates()
    target = task.draw(300, 5, complete=True)[task.target]
    assert target.shape[1] == candidates.shape[1]
    assert len(np.unique(candidates, axis=0)) == len(candidates)  # each value once
    matches = (target[:, None, :] == candidates[None, :, :]).all(axis=2)  # (n, K)
    assert (matches.sum(axis=1) == 1).all()


def test_the_gaussian_task_is_in_batch_retrieval():
    assert TASKS["gaussian"].candidates() is None
    assert TASKS["gaussian"].truth(retrieval_batch=50)["chance"] == 1 / 50


def test_missing_inputs_are_the_complete_rows_masked_with_an_observed_indicator():
    task = TASKS["missing"]
    train, test = task.draw(2000, 1), task.draw(2000, 1, complete=True)
    for x, full in zip(train, test, strict=True):
        observed = x[:, -1] == 1
        assert set(np.unique(x[:, -1])) == {0.0, 1.0} and (full[:, -1] == 1).all()
        assert abs(observed.mean() - 0.5) < 0.05  # completeness 0.5
        assert (x[~observed, :-1] == 0).all()  # the placeholder
        np.testing.assert_array_equal(x[observed], full[observed])  # the same rows, before masking


@pytest.mark.parametrize("name", ["xor_p0.5", "gaussian", "unreliable", "missing"])
def test_draw_is_seeded(name):
    task = TASKS[name]
    first, again, other = task.draw(50, 3), task.draw(50, np.random.default_rng(3)), task.draw(50, 4)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))


# ------------------------------------------------------------------------------------------------
# the task as a value


@pytest.mark.parametrize("name", list(TASKS))
def test_a_task_survives_its_json_form(name):
    task = TASKS[name]
    again = ZeroShotTask(**json.loads(json.dumps(task.to_dict())))
    assert again == task and hash(again) == hash(task)


def test_a_task_owns_its_params():
    params = {"dims": (1, 1), "tc_bits": 1.0}
    task = ZeroShotTask(name="g", kind="gaussian", params=params, target=0)
    params["tc_bits"] = 2.0
    task.to_dict()["params"]["dims"].append(5)
    assert task.params == {"dims": [1, 1], "tc_bits": 1.0}  # dims as a list, the JSON form
    with pytest.raises(AttributeError):
        task.target = 1  # frozen


def test_truth_is_the_zero_shot_truth_of_the_complete_generator():
    task = ZeroShotTask(name="m", kind="missing", params={"d": 2, "p": 0.5, "completeness": 0.8}, target=0)
    assert task.truth() == zero_shot_truth(BinaryXOR(d=2, p=0.5), 0)
    assert task.generator().p_missing == pytest.approx(0.2) and task.generator(complete=True).p_missing == 0


# ------------------------------------------------------------------------------------------------
# bad input


def _task(**changes):
    return ZeroShotTask(**{"name": "t", "kind": "xor", "params": {"d": 3, "p": 0.5}, "target": 1, **changes})


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"name": ""}, "name must be a non-empty str, got ''"),
        ({"kind": "vision"}, "kind must be one of .* got 'vision'"),
        ({"params": [3, 0.5]}, r"params must be a mapping .* got \[3, 0.5\]"),
        ({"params": {"d": 3}}, r"missing keys \['p'\]"),
        ({"params": {"d": 3, "p": 0.5, "q": 1}}, r"unknown keys \['q'\]"),
        ({"params": {"d": 0, "p": 0.5}}, "d must be .* got 0"),
        ({"params": {"d": 3, "p": 1.5}}, "p must be in .* got 1.5"),
        ({"target": 3}, r"target must be in \[0, 2\], got 3"),
        ({"target": 1.0}, "target must be an int, got 1.0"),
        ({"target": True}, "target must be an int, got True"),
        ({"kind": "parity", "params": {"m": 1}, "target": 0}, "m must be .* got 1"),
        ({"kind": "gaussian", "params": {"dims": 4, "tc_bits": 1.0}, "target": 0}, "dims.* got 4"),
        ({"kind": "gaussian", "params": {"dims": [1, 1], "tc_bits": -1.0}, "target": 0}, "got -1.0"),
        ({"kind": "missing", "params": {"d": 3, "p": 0.5, "completeness": 1.5}}, "completeness .* got 1.5"),
        ({"kind": "missing", "params": {"d": 3, "p": 0.5, "completeness": 0.0}}, "completeness.*got 0.0"),
        ({"kind": "m3", "params": {"w": 2, "n_classes": 10, "audio_noise": 1.0}, "target": 2}, "audio_noise"),
        ({"kind": "m3", "params": {"w": 2, "n_classes": 10, "audio_noise": 0.0}, "target": 0}, "must be 2"),
    ],
)
def test_a_bad_task_is_a_value_error_naming_the_value(changes, match):
    with pytest.raises(ValueError, match=match):
        _task(**changes)


@pytest.mark.parametrize(
    ("n", "seed", "error"), [(-1, 0, ValueError), (2.5, 0, ValueError), (3, -1, ValueError)]
)
def test_bad_draw_arguments_are_errors_naming_them(n, seed, error):
    with pytest.raises(error, match=str(n) if n != 3 else "seed"):
        _task().draw(n, seed)


def test_a_seedless_draw_is_refused():
    with pytest.raises(TypeError, match="seed must be"):
        _task().draw(3, None)


@pytest.mark.parametrize("base", [1, 0.5])
def test_a_bad_base_is_a_value_error(base):
    with pytest.raises(ValueError, match="base"):
        _task().truth(base=base)


def test_a_bad_retrieval_batch_is_a_value_error():
    with pytest.raises(ValueError, match="retrieval_batch"):
        TASKS["gaussian"].truth(retrieval_batch=1)
