"""experiments/objectives.py: exact truth of every task (cross-checked), one cell, and the quick benchmark."""

from __future__ import annotations

import argparse
import json

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
# exact truth


@pytest.mark.parametrize("p", [0.25, 0.5, 1.0])
def test_xor_truth_is_the_closed_form(p):
    from generators import xor_bayes_accuracy, xor_info_table

    truth = bench.task_truth(TASKS[f"xor_p{p:g}"])
    table = xor_info_table(5, p)
    assert truth["bayes"] == pytest.approx(float(xor_bayes_accuracy(5, p)))
    assert truth["TC"] == pytest.approx(float(table["TC"]))
    assert truth["pairs"]["0,2"] == pytest.approx(float(table["I(a;c)"]))
    assert truth["pairs"]["0,1"] == pytest.approx(0.0, abs=1e-12) and truth["chance"] == 2**-5


@pytest.mark.parametrize("name", ["m3_w2", "unreliable"])
def test_m3_truth_from_closed_forms_equals_the_joint_pmf(name):
    # the task uses SyntheticM3's closed forms and the chain rule; enumerate the joint pmf instead
    from infotheory import mutual_information, total_correlation

    task = TASKS[name]
    truth = bench.task_truth(task)
    pmf = bench._generator(task).joint_pmf()
    assert truth["TC"] == pytest.approx(total_correlation(pmf), abs=1e-9)
    for a in range(3):
        rest = tuple(k for k in range(3) if k != a)
        assert truth["one_vs_rest"][a] == pytest.approx(mutual_information(pmf, a, rest), abs=1e-9)
        pair = truth["pairs"][",".join(map(str, rest))]
        assert pair == pytest.approx(mutual_information(pmf, *rest), abs=1e-9)


def test_gaussian_one_vs_rest_equals_the_regrouped_generator():
    from generators import GaussianTC

    task = TASKS["gaussian"]
    gen = bench._generator(task)
    truth = bench.task_truth(task, retrieval_batch=50)
    regrouped = GaussianTC(dims=(2, 4), correlation=gen.correlation_matrix)  # block 0 vs blocks 1, 2
    assert truth["one_vs_rest"][0] == pytest.approx(regrouped.total_correlation(), abs=1e-12)
    assert truth["TC"] == pytest.approx(task["params"]["tc_bits"]) and truth["chance"] == 1 / 50
    assert 1 / 50 < truth["bayes"] < 1  # the exact critic's in-batch retrieval accuracy (Monte Carlo)


def test_gaussian_bayes_retrieval_is_the_argmax_of_the_exact_density_ratio():
    # brute force: score candidate j by log p(x_t_j, q_i) - log p(q_i) - log p(x_t_j) from scipy's densities
    from scipy.stats import multivariate_normal

    from generators import GaussianTC

    gen = GaussianTC.from_total_correlation((2, 1, 2), 3.0)
    rows, batch, target = 300, 20, 2
    ours = bench._gaussian_bayes_retrieval(gen, target, batch, rows=rows)
    R = gen.correlation_matrix
    x = np.concatenate([gen.sample(rows, np.random.default_rng(0))[k] for k in gen.names], axis=1)
    t_idx, q_idx = np.arange(3, 5), np.arange(0, 3)
    joint = multivariate_normal(np.zeros(5), R)
    marginal = multivariate_normal(np.zeros(2), R[np.ix_(t_idx, t_idx)])
    hits = []
    for start in range(0, rows, batch):
        xb = x[start : start + batch]
        pairs = np.concatenate([np.repeat(xb[:, q_idx], batch, 0), np.tile(xb[:, t_idx], (batch, 1))], axis=1)
        scores = (joint.logpdf(pairs) - marginal.logpdf(pairs[:, 3:])).reshape(batch, batch)  # (query, cand)
        hits.append(scores.argmax(axis=1) == np.arange(batch))
    assert ours == pytest.approx(float(np.concatenate(hits).mean()), abs=1e-12)
    assert 1 / batch < ours < 1


def test_bound_targets_of_the_copy_task():
    # c = a (5 bits), b independent: every pairwise objective's target is the 5 bits of I(a; c)
    targets = bench.bound_targets(bench.task_truth(TASKS["copy"]), target=2)
    assert targets["TC"] == pytest.approx(5.0) and targets["pairwise_sum"] == pytest.approx(5.0)
    assert targets["anchor_sum"] == pytest.approx(5.0)
    assert targets["one_vs_rest"] == pytest.approx(10 / 3)  # I(a; b,c) = I(c; a,b) = 5, I(b; a,c) = 0


def test_parity_truth_has_no_pairwise_information():
    for m in (3, 4, 5):
        truth = bench.task_truth(TASKS[f"parity_m{m}"])
        assert max(truth["pairs"].values()) == pytest.approx(0.0, abs=1e-12)
        assert truth["TC"] == pytest.approx(1.0) and truth["bayes"] == 1.0 and truth["chance"] == 0.5


# ------------------------------------------------------------------------------------------------
# cells


def test_cells_pair_the_objectives_and_skip_triangle_beyond_three_modalities():
    cfg = bench.default_config()
    cells = bench._cells(cfg, 0)
    per_task = {t["name"]: [c for c in cells if c["task"]["name"] == t["name"]] for t in cfg["tasks"]}
    assert not [c for c in per_task["parity_m4"] if c["objective"] == "triangle"]
    assert len(per_task["parity_m3"]) == cfg["seeds"] * len(cfg["objectives"])
    seed0 = [c for c in per_task["xor_p1"] if c["seed_index"] == 0]
    assert len({c["data_seed"] for c in seed0}) == 1 and len({c["model_seed"] for c in seed0}) == len(seed0)
    assert len({tuple(c["test_seeds"]) for c in per_task["xor_p1"]}) == 1


def test_one_cell_chooses_its_learning_rate_on_validation_data():
    task = {**TASKS["parity_m3"], "train": {**TASKS["parity_m3"]["train"], "epochs": 2, "batch_size": 50}}
    cfg = {**bench.default_config(quick=True), "tasks": [task], "objectives": ["anchor_clip"],
           "lr_grid": [0.01, 0.1], "n_train": 100, "n_val": 100, "n_test": 100}
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


# ------------------------------------------------------------------------------------------------
# the quick benchmark (opt-in: it trains about thirty small models)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("objectives")
    return out, _run("--quick", "--out", str(out))


@pytest.mark.slow
def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in ["objectives.png", "objectives.pdf", "objectives.csv", "objectives_summary.csv",
                 "objectives.md", "objectives_config.json", "objectives_checks.csv"]:
        assert (out / name).stat().st_size > 0, name
    board = pd.read_csv(out / "objectives.csv")
    cfg = bench.default_config(quick=True)
    expected = sum(len(cfg["objectives"]) - (bench._modalities(t) != 3) for t in cfg["tasks"])
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
    cfg = {**bench.default_config(quick=True), "tasks": [task], "objectives": ["gram"], "lr_grid": [0.1],
           "n_train": 100, "n_val": 100, "n_test": 100}
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
