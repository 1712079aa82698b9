"""experiments._zero_shot: the train-then-test sweep (cells, seeds, accuracy tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments import _zero_shot


def _cfg(seeds=2, n_test_sets=3):
    sizes = {"n_train": 10, "n_val": 5, "n_test": 7}
    return {"seeds": seeds, "n_test_sets": n_test_sets, **sizes, "train": {"epochs": 1}}


def _cells(cfg, master_seed=0, identity=("x",), test_identity=("x",)):
    return _zero_shot.training_cells(
        cfg, master_seed, experiment="demo", version=1, code="c0de", methods=("symile", "clip"),
        setting={"p": 0.5}, identity=identity, test_identity=test_identity,
    )


def test_training_cells_pair_methods_on_the_same_data_and_share_test_sets():
    cells = _cells(_cfg(seeds=2))
    assert len(cells) == 4  # 2 seeds x 2 methods
    by = {(c["seed_index"], c["method"]): c for c in cells}
    for k in range(2):
        sym, clip = by[(k, "symile")], by[(k, "clip")]
        assert sym["data_seed"] == clip["data_seed"] and sym["val_seed"] == clip["val_seed"]
        assert sym["model_seed"] != clip["model_seed"]
    assert by[(0, "symile")]["data_seed"] != by[(1, "symile")]["data_seed"]
    assert len({tuple(c["test_seeds"]) for c in cells}) == 1 and len(cells[0]["test_seeds"]) == 3


def test_training_cells_test_sets_follow_the_test_identity_only():
    a = _cells(_cfg(), identity=("a",), test_identity=("t",))
    b = _cells(_cfg(), identity=("b",), test_identity=("t",))
    c = _cells(_cfg(), identity=("a",), test_identity=("u",))
    assert a[0]["test_seeds"] == b[0]["test_seeds"] != c[0]["test_seeds"]
    assert a[0]["data_seed"] != b[0]["data_seed"]


def test_training_cells_depend_on_the_master_seed():
    assert _cells(_cfg(), master_seed=0)[0]["data_seed"] != _cells(_cfg(), master_seed=1)[0]["data_seed"]


def test_accuracy_table_orders_seeds_and_summarises_each_method():
    cells = _cells(_cfg(seeds=2, n_test_sets=2))
    acc = {
        ("symile", 0): [1.0, 0.8], ("symile", 1): [0.6, 0.6], ("clip", 0): [0.1, 0.1], ("clip", 1): [0.3, 0.1]
    }
    results = [{"acc": acc[(c["method"], c["seed_index"])], "best_epoch": 3} for c in cells]
    table = _zero_shot.accuracy_table(
        cells[::-1], results[::-1], by="p", values=[0.5], methods=("symile", "clip"),
        columns=lambda value, runs: {"first_seed_acc0": runs[0]["acc"][0]},
    )
    assert list(table["method"]) == ["symile", "clip"]
    sym = table.iloc[0]
    assert sym["acc_mean"] == pytest.approx(0.75)
    assert (sym["n_seeds"], sym["n_test_sets"]) == (2, 2)
    assert sym["first_seed_acc0"] == 1.0  # runs come in training-seed order whatever the cell order
    assert table.iloc[1]["acc_mean"] == pytest.approx(0.15)


def test_plot_and_print_accuracy(capsys):
    import matplotlib.pyplot as plt

    table = pd.DataFrame(
        {"p": [0.0, 1.0, 0.0, 1.0], "method": ["symile", "symile", "clip", "clip"],
         "acc_mean": [0.1, 0.9, 0.1, 0.1], "acc_se": [0.01] * 4, "bayes": [0.1, 1.0, 0.1, 1.0]}
    )
    fig, ax = plt.subplots()
    _zero_shot.plot_accuracy(ax, table, "p", ("symile", "clip"))
    assert [line.get_label() for line in ax.containers] == ["Symile", "CLIP"]
    plt.close(fig)
    _zero_shot.print_accuracy(table, "p", ("symile", "clip"), reference="bayes")
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["p", "Symile", "CLIP", "bayes"]
    assert out[2].split() == ["1", "0.900", "±", "0.010", "0.100", "±", "0.010", "1.000"]


def test_summarise_accuracy_with_one_seed_is_the_standard_error_over_test_sets():
    one = _zero_shot.summarise_accuracy([[0.5, 0.7]])
    assert one["acc_mean"] == pytest.approx(0.6)
    assert one["acc_se"] == one["acc_se_test"] == pytest.approx(np.std([0.5, 0.7], ddof=1) / np.sqrt(2))
    assert np.isnan(one["acc_se_seed"])


def test_summarise_accuracy_with_several_seeds_adds_both_sources_of_noise():
    # rows: seeds, columns: the shared test sets
    two = _zero_shot.summarise_accuracy([[0.5, 0.7], [0.9, 0.9]])
    se_seed = np.std([0.6, 0.9], ddof=1) / np.sqrt(2)
    se_test = np.std([0.7, 0.8], ddof=1) / np.sqrt(2)
    assert two["acc_se_seed"] == pytest.approx(se_seed)
    assert two["acc_se_test"] == pytest.approx(se_test)
    assert two["acc_se"] == pytest.approx(np.hypot(se_seed, se_test))


@pytest.mark.parametrize("bad", [[], [[]], [0.5, 0.6]])
def test_summarise_accuracy_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="shape"):
        _zero_shot.summarise_accuracy(bad)




# ----------------------------------------------------------------------------------------------
# train_and_test: batched training, shared test sets drawn once


DRAWS = []  # test-set draws of _task, by seed


def _task(cell: dict) -> _zero_shot.Task:
    def draw(n, seed):
        rng = np.random.default_rng(seed)
        a, c = rng.integers(0, 2, (2, n, 2))
        return [a.astype(np.float32), (a ^ c).astype(np.float32), c.astype(np.float32)]  # b = a xor c

    def test(seed):
        DRAWS.append(seed)
        return draw(cell["n_test"], seed)

    every_b = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return _zero_shot.Task(
        draw(cell["n_train"], cell["data_seed"]), draw(cell["n_val"], cell["val_seed"]), test, 1, every_b,
        extra={"n": cell["n_train"]},
    )


def _training_cfg():
    cfg = {"seeds": 1, "n_test_sets": 2, "n_train": 200, "n_val": 100, "n_test": 100}
    return {**cfg, "train": {"epochs": 2, "batch_size": 100, "rep_dim": 4}}


@pytest.fixture
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as run_cells runs every cell (tiny tensors: extra threads only add waits)
    yield
    torch.set_num_threads(before)


def test_train_and_test_of_many_cells_equals_each_cell_alone(one_thread):
    cells = _cells(_training_cfg())
    DRAWS.clear()
    together = _zero_shot.train_and_test(cells, _task)
    assert sorted(DRAWS) == sorted(cells[0]["test_seeds"])  # the shared test sets are drawn once each
    alone = [_zero_shot.train_and_test([cell], _task)[0] for cell in cells]
    assert together == alone  # the same numbers, whatever the batch holds
    assert all(len(r["acc"]) == 2 and r["n"] == 200 and 1 <= r["best_epoch"] <= 2 for r in together)


def test_batch_key_groups_cells_with_the_same_training_options():
    cells = _cells(_training_cfg())
    assert len({_zero_shot.batch_key(c) for c in cells}) == 1  # seeds and methods train together
    other = _cells({**_training_cfg(), "train": {"epochs": 3, "batch_size": 100, "rep_dim": 4}})
    assert _zero_shot.batch_key(other[0]) != _zero_shot.batch_key(cells[0])
