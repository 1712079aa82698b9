"""Train-then-test sweeps: every setting x training seed x method is one cell that trains a model and
scores it zero-shot on test sets shared by the seeds and the methods (figure3, missing, m3).

A script builds its cells with :func:`training_cells`, describes what a cell trains and tests on as a
:class:`Task` and computes cells with :func:`train_and_test` (several at once: the models of cells that
share an architecture train as one batched computation, :func:`symile_min.multi.train_many`, and the
models that share a test set are scored on it together), summarises them with :func:`accuracy_table`
(mean and standard errors over training seeds and test sets, :func:`summarise_accuracy`), and draws and
prints them with :func:`plot_accuracy` and :func:`print_accuracy`; :func:`config_from_args` applies
``--seeds``. The whole run goes through :func:`experiments._runner.run`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

import numpy as np

from experiments._cells import cell_seed

__all__ = [
    "METHOD_STYLES",
    "Task",
    "accuracy_table",
    "batch_cost",
    "batch_key",
    "config_from_args",
    "plot_accuracy",
    "print_accuracy",
    "summarise_accuracy",
    "train_and_test",
    "training_cells",
]

#: method -> (label, colour, marker) in every zero-shot plot
METHOD_STYLES = {"symile": ("Symile", "C0", "o"), "clip": ("CLIP", "C1", "s")}


def config_from_args(default_config: Callable[[bool], dict], args: argparse.Namespace) -> dict:
    """``default_config(quick=args.quick)`` with ``cfg["seeds"]`` set from ``--seeds`` when given."""
    cfg = default_config(quick=bool(args.quick))
    if getattr(args, "seeds", None) is not None:
        cfg["seeds"] = int(args.seeds)
    return cfg


def training_cells(
    cfg: dict,
    master_seed: int,
    *,
    experiment: str,
    version: int,
    code: str,
    methods: Sequence[str],
    setting: dict,
    identity: tuple,
    test_identity: tuple,
) -> list[dict]:
    """The cells of one setting: one per training seed ``k < cfg["seeds"]`` and method.

    Every cell holds ``experiment``, ``version``, ``code``, the ``setting`` entries, its ``method`` and
    ``seed_index``, its seeds and the sizes ``n_train``, ``n_val``, ``n_test`` and ``train`` options of
    ``cfg``. The methods of one training seed share the training and validation data (a paired
    comparison) and each has its own model seed; ``identity`` names the setting in those seeds. The
    ``cfg["n_test_sets"]`` test sets are shared by every seed and method; ``test_identity`` names them,
    so settings with the same ``test_identity`` are tested on the same data.
    """
    test_seeds = [
        cell_seed(master_seed, experiment, "test", *test_identity, j) for j in range(cfg["n_test_sets"])
    ]
    cells = []
    for k in range(cfg["seeds"]):
        for method in methods:
            cells.append(
                {
                    "experiment": experiment,
                    "version": version,
                    "code": code,
                    **setting,
                    "method": method,
                    "seed_index": k,
                    "data_seed": cell_seed(master_seed, experiment, "train", *identity, k),
                    "val_seed": cell_seed(master_seed, experiment, "val", *identity, k),
                    "model_seed": cell_seed(master_seed, experiment, "model", *identity, method, k),
                    "test_seeds": test_seeds,
                    "n_train": cfg["n_train"],
                    "n_val": cfg["n_val"],
                    "n_test": cfg["n_test"],
                    "train": cfg["train"],
                }
            )
    return cells


class Task(NamedTuple):
    """What one cell trains on and is tested on.

    Attributes
    ----------
    train, val : list of ndarray
        The encoder inputs, one (n, d_m) array per modality.
    test : callable
        ``test(seed)``: the encoder inputs of the test set drawn with that seed.
    target : int
        The modality to predict.
    candidates : ndarray
        Every value the target can take (see ``symile_min.zero_shot_accuracy``).
    extra : dict, optional
        Further entries of the cell's result (e.g. counts of the training data).
    """

    train: list
    val: list
    test: Callable[[int], list]
    target: int
    candidates: Any
    extra: dict | None = None


def train_and_test(cells: Sequence[dict], task: Callable[[dict], Task]) -> list[dict]:
    """Train the cells' models and return each one's zero-shot accuracies on its cell's test sets.

    The models are trained by :func:`symile_min.multi.train_many` (cells of one architecture as one batched
    computation; the same result for a cell whatever else is in ``cells``), and the models whose cells share
    their test seeds are scored together on each test set, drawn once.

    Parameters
    ----------
    cells : sequence of dict
        Cells of :func:`training_cells` (``method``, ``model_seed``, ``train`` options, ``test_seeds``).
    task : callable
        ``task(cell) -> Task``: the cell's data (a module-level function of the experiment).

    Returns
    -------
    list of dict
        Per cell, ``acc``: the accuracy (fraction) on each test set, in the order of ``cell["test_seeds"]``;
        ``best_epoch``: the epoch of the best-validation checkpoint; and the task's ``extra`` entries.
    """
    from symile_min import TrainConfig
    from symile_min.multi import train_many, zero_shot_accuracy_many

    cells = list(cells)
    tasks = [task(cell) for cell in cells]
    configs = [TrainConfig(method=cell["method"], seed=cell["model_seed"], **cell["train"]) for cell in cells]
    runs = train_many([(t.train, t.val) for t in tasks], configs)
    accs: list[list[float]] = [[] for _ in cells]
    shared: dict[tuple, list[int]] = {}  # cells tested on the same test sets, the same way
    for i, (cell, t) in enumerate(zip(cells, tasks, strict=True)):
        candidates = np.asarray(t.candidates)
        key = (tuple(cell["test_seeds"]), t.target, candidates.shape, candidates.tobytes())
        shared.setdefault(key, []).append(i)
    for members in shared.values():
        first = tasks[members[0]]
        for seed in cells[members[0]]["test_seeds"]:
            models = [runs[i].model for i in members]
            test = first.test(seed)
            scores = zero_shot_accuracy_many(models, test, target=first.target, candidates=first.candidates)
            for i, acc in zip(members, scores, strict=True):
                accs[i].append(acc)
    return [
        {"acc": acc, "best_epoch": int(run.best_epoch), **(t.extra or {})}
        for acc, run, t in zip(accs, runs, tasks, strict=True)
    ]


def batch_key(cell: dict) -> str:
    """Cells that may share a batched training call: the same training options and data sizes."""
    from experiments._cells import canonical_json

    return canonical_json({k: cell[k] for k in ("experiment", "train", "n_train", "n_val")})


#: relative cost of training one model with each objective in a batched sweep (:func:`batch_cost`),
#: measured per step of figure 3's batches (55 models per process): Symile's score tensor with its
#: structures and drawn negatives about 0.44 ms per model, CLIP's three pair tables about 0.13 ms
OBJECTIVE_COST = {"symile": 3.0, "clip": 1.0}


def batch_cost(cell: dict) -> float:
    """A cell's relative training cost (:data:`OBJECTIVE_COST` of its method): ``--jobs`` processes then
    get chunks of equal cost, and finish together (equal numbers of cells left one process a Symile
    model or five ahead)."""
    return OBJECTIVE_COST.get(cell["method"], 1.0)


def summarise_accuracy(acc) -> dict:
    r"""Mean and standard errors of an accuracy array of shape (training seeds K, test sets T).

    The test sets are shared by the seeds (a crossed design), so the two sources of noise are estimated
    separately: ``acc_se_test`` = sd over test sets of the seed-averaged accuracy / sqrt(T),
    ``acc_se_seed`` = sd over seeds of the test-averaged accuracy / sqrt(K) (nan for K = 1), and the
    plotted error bar ``acc_se`` = :math:`\sqrt{se_{test}^2 + se_{seed}^2}` (= ``acc_se_test`` for K = 1).
    With T = 1 ``acc_se_test`` is nan.
    """
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 2 or acc.size == 0:
        raise ValueError(f"acc must be a non-empty (seeds, test sets) array, got shape {acc.shape}")
    k, t = acc.shape
    nan = float("nan")
    se_test = float(acc.mean(axis=0).std(ddof=1) / np.sqrt(t)) if t > 1 else nan
    se_seed = float(acc.mean(axis=1).std(ddof=1) / np.sqrt(k)) if k > 1 else nan
    se = float(np.sqrt(np.nansum([se_test**2, se_seed**2]))) if (t > 1 or k > 1) else nan
    return {"acc_mean": float(acc.mean()), "acc_se": se, "acc_se_test": se_test, "acc_se_seed": se_seed}


def accuracy_table(
    cells: Sequence[dict],
    results: Sequence[dict],
    *,
    by: str,
    values: Iterable,
    methods: Sequence[str],
    columns: Callable[[Any, list[dict]], dict],
):
    """One row per method and value of ``cell[by]``: the accuracies over training seeds x test sets.

    Columns: ``by``, ``method``, those of :func:`summarise_accuracy`, ``n_seeds``, ``n_test_sets``,
    then ``columns(value, runs)`` (the setting's own numbers; ``runs`` are the results of its cells
    for that method, in training-seed order), then ``best_epoch_mean``.
    """
    import pandas as pd

    values = list(values)
    rows = []
    for method in methods:
        for value in values:
            pairs = [(c, r) for c, r in zip(cells, results) if c["method"] == method and c[by] == value]
            runs = [r for _, r in sorted(pairs, key=lambda cr: cr[0]["seed_index"])]
            acc = np.array([r["acc"] for r in runs])  # (seeds, test sets)
            rows.append(
                {
                    by: value,
                    "method": method,
                    **summarise_accuracy(acc),
                    "n_seeds": acc.shape[0],
                    "n_test_sets": acc.shape[1],
                    **columns(value, runs),
                    "best_epoch_mean": float(np.mean([r["best_epoch"] for r in runs])),
                }
            )
    return pd.DataFrame(rows)


def plot_accuracy(ax, table, by: str, methods: Sequence[str], *, error: str = "acc_se") -> None:
    """Draw mean ± ``table[error]`` accuracy vs ``table[by]`` per method (styles of :data:`METHOD_STYLES`)."""
    for method in methods:
        rows = table[table["method"] == method]
        label, color, marker = METHOD_STYLES[method]
        ax.errorbar(
            rows[by], rows["acc_mean"], yerr=rows[error], label=label, color=color, marker=marker,
            markersize=4, capsize=3,
        )


def print_accuracy(
    table,
    by: str,
    methods: Sequence[str],
    *,
    reference: str | None = None,
    error: str = "acc_se",
    spread: str | None = None,
) -> None:
    """Print ``mean ± table[error]`` per method for every value of ``table[by]``.

    ``reference`` adds that column (of the first method's rows); ``spread`` adds ``(± table[spread])`` after
    each entry (e.g. the standard error over test sets next to the one over training seeds).
    """
    values = ["acc_mean", error] + ([spread] if spread else [])
    wide = table.pivot(index=by, columns="method", values=values)
    width = 26 if spread else 15
    header = f"{by:>12}  " + "  ".join(f"{METHOD_STYLES[m][0]:>{width}}" for m in methods)
    ref = table[table["method"] == methods[0]].set_index(by)[reference] if reference else None
    print(header + (f"  {reference:>15}" if reference else ""))
    for value in wide.index:
        mean, se = wide.loc[value, "acc_mean"], wide.loc[value, error]
        cols = [f"{mean[m]:.3f} ± {se[m]:.3f}" for m in methods]
        if spread:
            cols = [f"{c} (± {wide.loc[value, spread][m]:.3f})" for c, m in zip(cols, methods, strict=True)]
        line = f"{value:>12g}  " + "  ".join(f"{c:>{width}}" for c in cols)
        print(line + (f"  {ref.loc[value]:>15.3f}" if reference else ""))
