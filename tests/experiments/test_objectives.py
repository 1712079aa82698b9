"""experiments/objectives.py: the tasks and their truth (vs the committed numbers), cells, the quick run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from experiments import objectives as bench

TASKS = {t["name"]: t for t in bench.default_config()["tasks"]}


def _run(*argv):
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return bench.run(parser.parse_args(["--jobs", "1", "--no-progress", *argv]))


# ------------------------------------------------------------------------------------------------
# exact truth (generators.zero_shot, tested in tests/generators/test_zero_shot.py)


def test_the_truth_of_every_task_is_the_committed_one():
    # regression: issue 9 (the truth moved from this script to generators.zero_shot with the same numbers)
    from generators.zero_shot import bound_targets

    board = pd.read_csv(Path(__file__).parents[2] / "figures" / "objectives.csv")
    for task in TASKS.values():
        truth = bench._task(task).truth(retrieval_batch=100)
        targets = bound_targets(truth, task["target"])
        rows = board[board["task"] == task["name"]]
        assert len(rows) == len(bench.DEFAULT_OBJECTIVES) - (bench._task(task).modalities != 3), task["name"]
        for _, row in rows.iterrows():
            got = [truth["bayes"], truth["chance"], truth["TC"], targets[row["bound_target"]]]
            want = [row["bayes"], row["chance"], row["TC"], row["target_bits"]]
            assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (task["name"], row["objective"])


def test_the_tasks_are_the_library_benchmark_tasks_with_their_training_budgets():
    # regression: issue 9 (the tasks moved to generators.tasks; the config and so every cell are unchanged)
    from generators.tasks import benchmark_tasks

    for quick in (False, True):
        cfg = bench.default_config(quick=quick)
        assert [{k: v for k, v in t.items() if k != "train"} for t in cfg["tasks"]] == [
            t.to_dict() for t in benchmark_tasks(quick=quick)
        ]
    assert TASKS["gaussian"] == {
        "name": "gaussian",
        "kind": "gaussian",
        "params": {"dims": [2, 2, 2], "tc_bits": 4.0},
        "target": 2,
        "train": {"encoder": "mlp", "rep_dim": 16, "batch_size": 200, "epochs": 12, "patience": 3},
    }
    assert set(bench.BUDGETS) <= set(TASKS)  # no budget for a task that does not exist
    assert TASKS["m3_w5"]["train"]["rep_dim"] == 32 and TASKS["xor_p1"]["train"]["rep_dim"] == 16
    quick = {t["name"]: t["train"] for t in bench.default_config(quick=True)["tasks"]}
    assert quick["unreliable"] == {
        "encoder": "linear",
        "rep_dim": 8,
        "batch_size": 100,
        "epochs": 5,
        "patience": 3,
    }


def test_the_missing_tasks_inputs_are_symile_mins_with_missingness():
    # the encoders see generators.tasks' inputs: they must be the layout of symile_min.with_missingness
    from generators import BinaryXOR
    from symile_min import with_missingness

    sample = BinaryXOR(d=5, p=1.0, p_missing=0.5).sample(300, np.random.default_rng(2))
    want = [with_missingness(sample[k], sample[f"mask_{k}"]) for k in "abc"]
    for got, ref in zip(bench._task(TASKS["missing"]).draw(300, 2), want, strict=True):
        assert got.dtype == ref.dtype
        np.testing.assert_array_equal(got, ref)


# ------------------------------------------------------------------------------------------------
# cells


def test_cells_pair_the_objectives_and_skip_triangle_beyond_three_modalities():
    cfg = bench.default_config()
    cells = bench._cells(cfg, 0)
    per_task = {t["name"]: [c for c in cells if c["task"]["name"] == t["name"]] for t in cfg["tasks"]}
    assert not [c for c in per_task["parity_m4"] if c["method"] == "triangle"]
    assert len(per_task["parity_m3"]) == cfg["seeds"] * len(cfg["objectives"])
    seed0 = [c for c in per_task["xor_p1"] if c["seed_index"] == 0]
    assert len({c["data_seed"] for c in seed0}) == 1 and len({c["model_seed"] for c in seed0}) == len(seed0)
    assert len({tuple(c["test_seeds"]) for c in per_task["xor_p1"]}) == 1
    # regression: issue 9 (the cells are built by _zero_shot.training_cells now, with the seeds they had)
    from experiments._cells import cell_seed

    first = seed0[0]
    assert first["data_seed"] == cell_seed(0, "objectives", "train", "xor_p1", 0)
    assert first["val_seed"] == cell_seed(0, "objectives", "val", "xor_p1", 0)
    assert first["model_seed"] == cell_seed(0, "objectives", "model", "xor_p1", first["method"], 0)
    assert first["bound_seed"] == cell_seed(0, "objectives", "bound", "xor_p1", 0)
    assert first["test_seeds"] == [cell_seed(0, "objectives", "test", "xor_p1", j) for j in range(2)]


def test_one_cell_chooses_its_learning_rate_on_validation_data():
    task = {**TASKS["parity_m3"], "train": {**TASKS["parity_m3"]["train"], "epochs": 2, "batch_size": 50}}
    cfg = {
        **bench.default_config(quick=True),
        "tasks": [task],
        "objectives": ["anchor_clip"],
        "lr_grid": [0.01, 0.1],
        "n_train": 100,
        "n_val": 100,
        "n_test": 100,
    }
    (cell,) = bench._cells(cfg, 0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as run_cells runs every cell (extra OpenMP threads only add overhead)
    try:
        result = bench._cell(cell)
    finally:
        torch.set_num_threads(threads)
    assert result["lr"] == [0.01, 0.1][int(np.argmax(result["val_acc"]))] or len(set(result["val_acc"])) == 1
    assert len(result["acc"]) == cfg["n_test_sets"] and result["bound_target"] == "anchor_sum"
    assert result["bound"] <= result["bound_cap"]


@pytest.mark.parametrize(("task_name", "objective"), [("parity_m3", "symile"), ("gaussian", "clip")])
def test_a_cell_gives_the_numbers_of_the_loop_it_had_before_issue_9(task_name, objective):
    # regression: issue 9 (the lr loop and the accuracy dispatch moved to symile_min.objective_train:
    # fit_lr_grid and objective_accuracy; here the pre-issue code path, written out, on one zero-shot task
    # and on the Gaussian, whose continuous target is scored by in-batch retrieval)
    from symile_min.objective_train import (
        objective_retrieval_accuracy,
        objective_zero_shot_accuracy,
        train_objective,
    )

    task = {**TASKS[task_name], "train": {**TASKS[task_name]["train"], "epochs": 2, "batch_size": 50}}
    cfg = {**bench.default_config(quick=True), "tasks": [task], "objectives": [objective],
           "lr_grid": [0.03, 0.3], "n_train": 200, "n_val": 100, "n_test": 100}
    (cell,) = bench._cells(cfg, 0)
    assert cell["retrieval_batch"] == 100
    new = bench._cell(cell)
    zs, candidates = bench._task(task), bench._task(task).candidates()
    assert (candidates is None) == (task_name == "gaussian")

    def accuracy(fit, x):
        model, target = fit.model, zs.target
        if candidates is None:
            return objective_retrieval_accuracy(fit.objective, model, x, target=target, batch_size=100)
        return objective_zero_shot_accuracy(fit.objective, model, x, target=target, candidates=candidates)

    train_x, val_x = zs.draw(200, cell["data_seed"]), zs.draw(100, cell["val_seed"])
    val_complete = zs.draw(100, cell["val_seed"], complete=True)
    tried = []
    for lr in cell["lr_grid"]:
        fit = train_objective(
            train_x, val_x, bench._objective(cell), lr=lr, seed=cell["model_seed"], **task["train"]
        )
        tried.append((-accuracy(fit, val_complete), float(fit.history["val_loss"].min()), lr, fit))
    _, _, lr, fit = min(tried, key=lambda t: t[:2])
    assert new["lr"] == lr and new["val_acc"] == [-t[0] for t in tried]
    assert new["acc"] == [accuracy(fit, zs.draw(100, s, complete=True)) for s in cell["test_seeds"]]
    assert new["logit_scale"] == float(fit.objective.logit_scale.detach())


# ------------------------------------------------------------------------------------------------
# the quick benchmark (opt-in: it trains about thirty small models)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("objectives")
    return out, _run("--quick", "--out", str(out))


@pytest.mark.slow
def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in [
        "objectives.png",
        "objectives.pdf",
        "objectives.csv",
        "objectives_summary.csv",
        "objectives.md",
        "objectives_config.json",
        "objectives_checks.csv",
    ]:
        assert (out / name).stat().st_size > 0, name
    board = pd.read_csv(out / "objectives.csv")
    cfg = bench.default_config(quick=True)
    expected = sum(len(cfg["objectives"]) - (bench._task(t).modalities != 3) for t in cfg["tasks"])
    assert len(board) == expected
    assert json.loads((out / "objectives_config.json").read_text())["quick"] is True


@pytest.mark.slow
def test_quick_run_symile_solves_parity_where_the_pairwise_objectives_cannot(quick):
    out, result = quick
    board = pd.read_csv(out / "objectives.csv").set_index(["task", "objective"])
    assert board.loc[("parity_m3", "symile"), "acc_mean"] >= 0.9
    for objective in ("clip", "anchor_clip"):
        assert board.loc[("parity_m3", objective), "acc_mean"] == pytest.approx(0.5, abs=0.05)
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]


@pytest.mark.slow
def test_quick_run_is_cached(quick):
    out, first = quick
    again = _run("--quick", "--out", str(out))  # every cell from the cache: seconds, the same tables
    pd.testing.assert_frame_equal(first["tables"]["objectives"], again["tables"]["objectives"])
    assert again["wall_seconds"] < first["wall_seconds"]


def test_a_cell_is_reproducible():
    task = {**TASKS["xor_p1"], "train": {**TASKS["xor_p1"]["train"], "epochs": 2, "batch_size": 50}}
    cfg = {
        **bench.default_config(quick=True),
        "tasks": [task],
        "objectives": ["gram"],
        "lr_grid": [0.1],
        "n_train": 100,
        "n_val": 100,
        "n_test": 100,
    }
    (cell,) = bench._cells(cfg, 0)
    first, second = bench._cell(cell), bench._cell(cell)
    first.pop("seconds"), second.pop("seconds"), first.pop("seconds_grid"), second.pop("seconds_grid")
    assert first == second


def test_an_unknown_objective_is_a_usage_error():
    from experiments._options import UsageError

    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    with pytest.raises(UsageError, match=r"--objectives: unknown \['vicreg'\]"):
        bench._config(parser.parse_args(["--objectives", "symile", "vicreg"]))
