r"""A benchmark of multimodal contrastive objectives on data whose truth is known exactly.

Claim: on 13 tasks with exact truth (switched XOR, copy, parity over 3–5 modalities, Gaussian blocks, symbolic
Symile-M3, missing modalities, an unreliable modality), how close each objective of
:mod:`symile_min.objective_modules` (Symile, CLIP, anchor-pairwise, GRAM, TRIANGLE, gated Symile; Symile
with ``"n_squared"`` negatives through ``--objectives``) comes to the Bayes-optimal zero-shot accuracy, and
whether its held-out bound ``log K - loss`` stays below the exact information it bounds (bits). The tasks
(generator, target, encoder inputs, candidates) are :func:`generators.tasks.benchmark_tasks`; their truth is
:meth:`generators.tasks.ZeroShotTask.truth` and :func:`generators.zero_shot.bound_targets`.

Protocol, the same for every objective (:func:`symile_min.objective_train.train_objective`): 2000 training
and 1000 validation rows, batch 200, at most 12 epochs with patience 3, the learning rate of each training
seed chosen from ``lr_grid`` by the zero-shot accuracy on that seed's validation data (ties: the lower
validation loss; :func:`symile_min.objective_train.fit_lr_grid`), three training seeds (paired data), two
shared test sets of 2000 rows.
``docs/objectives.md`` describes the tasks, the objectives and the results.

Outputs in ``figures/`` (or ``--out``): ``objectives.csv`` (one row per task and objective),
``objectives_summary.csv`` and ``objectives.md`` (the Markdown tables), ``objectives.png``/``.pdf`` (heat
maps: accuracy / Bayes and bound / TC), ``objectives_checks.csv`` and ``objectives_config.json``.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict

import numpy as np
import pandas as pd

from experiments import _io, _options, _runner, _zero_shot
from experiments._cells import code_fingerprint
from experiments._markdown import pm_cells
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "default_config"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
DEFAULT_OBJECTIVES = ("symile", "clip", "anchor_clip", "gram", "triangle", "gated_symile")
LABELS = {
    "symile": "Symile", "symile_n_squared": "Symile (N²)", "clip": "CLIP", "anchor_clip": "anchor-pairwise",
    "gram": "GRAM", "triangle": "TRIANGLE", "gated_symile": "gated Symile",
}
#: the heat maps of the figure: column of objectives.csv -> title
PANELS = {"frac_bayes": "zero-shot accuracy / Bayes accuracy", "bound_over_TC": "learned bound / exact TC"}
#: a learned bound is "above its truth" when bound - truth > SE_TOLERANCE * se + BOUND_SLACK (bits)
SE_TOLERANCE, BOUND_SLACK = 3.0, 0.02

_BASE_TRAIN = {"encoder": "linear", "rep_dim": 16, "batch_size": 200, "epochs": 12, "patience": 3}
#: task -> its changes of the training budget (continuous Gaussian blocks: an MLP; M3's 10 classes: 32 dims)
BUDGETS = {"gaussian": {"encoder": "mlp"}} | {
    t: {"rep_dim": 32} for t in ("m3_w2", "m3_w5", "m3_w10", "unreliable")
}


def default_config(quick: bool = False) -> dict:
    """The benchmark's settings: the full grid (designed for ~15 minutes on 2 quiet cores) or a quick demo.

    The tasks are :func:`generators.tasks.benchmark_tasks` (as dicts, each with its ``train`` budget).
    """
    from generators.tasks import benchmark_tasks

    # quick: seconds; three small tasks (higher-order, purely pairwise, unreliable), one seed, one lr
    small = {"epochs": 5, "batch_size": 100, "rep_dim": 8} if quick else {}
    cfg = {
        "tasks": [
            {**t.to_dict(), "train": {**_BASE_TRAIN, **BUDGETS.get(t.name, {}), **small}}
            for t in benchmark_tasks(quick=quick)
        ],
        "objectives": list(DEFAULT_OBJECTIVES), "lr_grid": [0.03, 0.1, 0.3], "seeds": 3,
        "n_train": 2000, "n_val": 1000, "n_test": 2000, "n_test_sets": 2, "retrieval_batch": 100,
        "gate_d_k": 32, "init_logit_scale": -0.3,
    }
    if quick:
        cfg.update(lr_grid=[0.1], seeds=1, n_train=500, n_val=200, n_test=500, n_test_sets=1, gate_d_k=8)
    return cfg


def _config(args: argparse.Namespace) -> dict:
    cfg = _zero_shot.config_from_args(default_config, args)
    if getattr(args, "objectives", None):
        from symile_min.objective_modules import OBJECTIVES

        if unknown := [o for o in args.objectives if o not in OBJECTIVES]:
            raise _options.UsageError(f"--objectives: unknown {unknown}; choose from {list(OBJECTIVES)}")
        cfg["objectives"] = list(dict.fromkeys(args.objectives))
    cfg["quick"] = bool(args.quick)
    return cfg


def _task(task: dict):
    """The :class:`generators.tasks.ZeroShotTask` of a config's task dict (without its ``train`` budget)."""
    from generators.tasks import ZeroShotTask

    return ZeroShotTask(**{k: v for k, v in task.items() if k != "train"})


# ------------------------------------------------------------------------------------------------
# one cell: (task, objective, training seed) -> learning rate chosen on validation, test numbers


def _objective(cell: dict):
    from symile_min.objective_modules import make_objective

    task, name = cell["task"], cell["method"]
    options = {"init_logit_scale": cell["init_logit_scale"]}
    if name == "anchor_clip":
        options["anchor"] = task["target"]  # ImageBind: every modality contrasted with the predicted one
    if name == "gated_symile":
        options.update(d_k=cell["gate_d_k"], rep_dim=task["train"]["rep_dim"])
    return make_objective(name, m=_task(task).modalities, seed=cell["model_seed"], **options)


def _cell(cell: dict) -> dict:
    from symile_min.objective_train import fit_lr_grid, objective_accuracy, objective_bound

    task = _task(cell["task"])

    def accuracy(fit, data) -> float:  # among the candidates; none (continuous data): in-batch retrieval
        return objective_accuracy(fit.objective, fit.model, data, target=task.target,
                                  candidates=task.candidates(), batch_size=cell["retrieval_batch"])

    train_x, val_x = task.draw(cell["n_train"], cell["data_seed"]), task.draw(cell["n_val"], cell["val_seed"])
    # zero-shot accuracy needs complete rows: the same validation rows, all observed (task "missing")
    val_complete = task.draw(cell["n_val"], cell["val_seed"], complete=True)
    fit, tried = fit_lr_grid(  # one fresh objective per learning rate, chosen on validation data only
        train_x, val_x, lambda: _objective(cell), cell["lr_grid"], score=lambda f: accuracy(f, val_complete),
        seed=cell["model_seed"], **cell["train"],
    )
    tests = [task.draw(cell["n_test"], seed, complete=True) for seed in cell["test_seeds"]]
    pooled = [np.concatenate(parts) for parts in zip(*tests, strict=True)]
    bound = objective_bound(
        fit.objective, fit.model, pooled, batch_size=cell["train"]["batch_size"], seed=cell["bound_seed"]
    )
    return {
        "acc": [accuracy(fit, x) for x in tests],
        "bound": bound["bound"],
        "bound_se": 0.0 if math.isnan(bound["se"]) else bound["se"],
        "bound_cap": bound["cap"],
        "bound_target": bound["target"],
        "lr": next(t["lr"] for t in tried if t["fit"] is fit),
        "val_acc": [t["score"] for t in tried],
        "best_epoch": fit.best_epoch,
        "seconds": fit.seconds,
        "seconds_grid": float(sum(t["fit"].seconds for t in tried)),
        "logit_scale": float(fit.objective.logit_scale.detach()),
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    """One cell per task, training seed and objective (every objective of a seed sees the same data)."""
    from experiments._cells import cell_seed

    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = code_fingerprint("generators", "infotheory", "symile_min", "experiments.objectives")
    shared = {key: cfg[key] for key in ("lr_grid", "retrieval_batch", "gate_d_k", "init_logit_scale")}
    cells = []
    for task in cfg["tasks"]:
        # TRIANGLE is defined for three modalities only
        methods = [o for o in cfg["objectives"] if o != "triangle" or _task(task).modalities == 3]
        cells += _zero_shot.training_cells(
            {**cfg, "train": task["train"]}, master_seed, experiment="objectives", version=VERSION, code=code,
            methods=methods, setting={"task": task, **shared}, identity=(task["name"],),
            test_identity=(task["name"],),
        )
    # the bound's "n" negatives: one seed per task and training seed, shared by the objectives
    for c in cells:
        c["bound_seed"] = cell_seed(master_seed, "objectives", "bound", c["task"]["name"], c["seed_index"])
    return cells


# ------------------------------------------------------------------------------------------------
# tables, checks, figure


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    from generators.zero_shot import bound_targets

    results_of = defaultdict(list)  # (task, objective) -> results in the order of the training seeds
    for c, r in sorted(zip(cells, results, strict=True), key=lambda cr: cr[0]["seed_index"]):
        results_of[c["task"]["name"], c["method"]].append(r)
    rows = []
    for task in cfg["tasks"]:
        truth = _task(task).truth(retrieval_batch=cfg["retrieval_batch"])
        targets = bound_targets(truth, task["target"])
        bayes, chance = truth["bayes"], truth["chance"]
        for objective in cfg["objectives"]:
            if not (res := results_of[task["name"], objective]):
                continue  # TRIANGLE on M != 3
            acc = _zero_shot.summarise_accuracy(np.array([r["acc"] for r in res]))
            bounds, bound_se = np.array([r["bound"] for r in res]), np.array([r["bound_se"] for r in res])
            seed_var = bounds.var(ddof=1) / len(res) if len(res) > 1 else 0.0
            target_name = res[0]["bound_target"]
            rows.append(
                {
                    "task": task["name"], "objective": objective, **acc, "bayes": bayes, "chance": chance,
                    "frac_bayes": acc["acc_mean"] / bayes,
                    "frac_above_chance": (acc["acc_mean"] - chance) / (bayes - chance),
                    "bound": float(bounds.mean()),
                    "bound_se": float(np.sqrt(np.mean(bound_se**2) / len(res) + seed_var)),
                    "bound_max_excess": float(max(bounds - targets[target_name] - SE_TOLERANCE * bound_se)),
                    "bound_cap": res[0]["bound_cap"], "bound_target": target_name,
                    "target_bits": targets[target_name], "TC": truth["TC"],
                    "bound_over_TC": float(bounds.mean()) / truth["TC"],
                    "lr": "/".join(f"{r['lr']:g}" for r in res),
                    "best_epoch_mean": float(np.mean([r["best_epoch"] for r in res])),
                    "seconds_mean": float(np.mean([r["seconds"] for r in res])), "n_seeds": len(res),
                }
            )
    board = pd.DataFrame(rows)
    return {"objectives": board, "objectives_summary": _summary(board)}


def _summary(board: pd.DataFrame) -> pd.DataFrame:
    """Per objective: mean fraction of the above-chance Bayes gap reached, tasks near Bayes, time."""
    rows = []
    for objective, rows_o in board[board["bayes"].notna()].groupby("objective", sort=False):
        every = board[board["objective"] == objective]
        rows.append(
            {
                "objective": objective, "mean_frac_above_chance": float(rows_o["frac_above_chance"].mean()),
                "tasks_within_0.05_of_bayes": int((rows_o["bayes"] - rows_o["acc_mean"] <= 0.05).sum()),
                "tasks": len(rows_o), "mean_bound_over_TC": float(every["bound_over_TC"].mean()),
                "seconds_per_training": float(every["seconds_mean"].mean()),
            }
        )
    frame = pd.DataFrame(rows).sort_values("mean_frac_above_chance", ascending=False, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def _within(name: str, gap: pd.Series, tol: float, label: str, where: pd.Series) -> Check:
    """``name`` holds when every ``gap <= tol``; the detail gives the largest gap and ``where`` its row is."""
    return Check(name, bool((gap <= tol).all()), f"largest {label} {gap.max():.4f} {where[gap.idxmax()]}")


def _checks(cfg: dict, tables: dict) -> list[Check]:
    board, quick = tables["objectives"], cfg["quick"]
    checks = []
    parity = board[board["task"].str.startswith("parity") & board["objective"].isin(["clip", "anchor_clip"])]
    if len(parity):
        tol = 0.05 if quick else 0.02
        name = f"pairwise CLIP and anchor-pairwise within {tol} of chance on every parity task"
        gap = (parity["acc_mean"] - parity["chance"]).abs()
        where = "(" + board["objective"] + " on " + board["task"] + ")"
        checks.append(_within(name, gap, tol, "|acc - chance|", where))
    excess = board["bound_max_excess"]
    worst = board.loc[excess.idxmax()]
    checks.append(
        Check(
            f"no learned bound above the exact information it bounds (by more than {SE_TOLERANCE:g} se "
            f"+ {BOUND_SLACK} bit)",
            bool((excess <= BOUND_SLACK).all()),
            f"largest excess {excess.max():+.4f} bits ({worst['objective']} on {worst['task']}, bound "
            f"{worst['bound']:.3f} vs {worst['bound_target']} = {worst['target_bits']:.3f})",
        )
    )
    on_task = "on " + board["task"]
    solvable = ["parity_m3"] if quick else ["xor_p1", "parity_m3", "parity_m4", "m3_w2"]
    sym = board[(board["objective"] == "symile") & board["task"].isin(solvable)]
    if len(sym):
        tol = 0.1 if quick else 0.05
        name = f"Symile within {tol} of Bayes on {', '.join(solvable)}"
        checks.append(_within(name, sym["bayes"] - sym["acc_mean"], tol, "gap", on_task))
    # where all the information is pairwise, pairwise CLIP must not lose (a model that learned nothing fails)
    pairwise = board[(board["objective"] == "clip") & board["task"].isin(["copy", "gaussian"])]
    if len(pairwise) and not quick:
        name = "CLIP within 0.05 of Bayes where the information is pairwise (copy, gaussian)"
        checks.append(_within(name, pairwise["bayes"] - pairwise["acc_mean"], 0.05, "gap", on_task))
    return checks


def _matrix(board: pd.DataFrame, value: str, cfg: dict) -> pd.DataFrame:
    """Objectives (labelled) x tasks, in the config's order."""
    wide = board.pivot(index="objective", columns="task", values=value)
    wide = wide.reindex(index=cfg["objectives"], columns=[t["name"] for t in cfg["tasks"]])
    return wide.set_axis([LABELS.get(o, o) for o in wide.index], axis=0)


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(1.0 + 0.8 * len(cfg["tasks"]), 7.5), constrained_layout=True)
    for ax, (value, title) in zip(axes, PANELS.items(), strict=True):
        mat = _matrix(tables["objectives"], value, cfg)
        grid = mat.to_numpy(dtype=float)
        image = ax.imshow(np.ma.masked_invalid(grid), vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(mat.shape[1]), mat.columns, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(mat.shape[0]), mat.index, fontsize=8)
        for (i, j), v in np.ndenumerate(grid):
            label = "n/a" if math.isnan(v) else f"{v:.2f}"
            ax.text(j, i, label, ha="center", va="center", fontsize=7, color="w" if v < 0.6 else "k")
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    seeds = f"{cfg['seeds']} training seed(s); lr chosen on validation data"
    fig.suptitle(f"Contrastive objectives on exact-truth tasks ({seeds})", fontsize=10)
    return fig


def _markdown(cfg: dict, tables: dict) -> str:
    board = tables["objectives"]
    cells = pm_cells(_matrix(board, "acc_mean", cfg), _matrix(board, "acc_se", cfg))
    first = board.drop_duplicates("task").set_index("task").loc[cells.columns]
    cells.loc["Bayes"] = ["n/a" if math.isnan(b) else f"{b:.3f}" for b in first["bayes"]]
    cells.loc["chance"] = [f"{c:.3f}" for c in first["chance"]]
    bound = _matrix(board, "bound", cfg)
    bound.loc["exact TC"] = list(first["TC"])
    parts = [
        "## Zero-shot accuracy (mean ± se over training seeds and test sets)",
        _io.markdown_table(cells, index_name="objective"),
        "## Learned bound, bits (what each bounds: the `bound_target` column of objectives.csv)",
        _io.markdown_table(bound, index_name="objective", fmt="{:.3f}"),
        "## Leaderboard (mean over tasks; the Gaussian's Bayes accuracy is a Monte Carlo estimate)",
        _io.markdown_table(tables["objectives_summary"], fmt="{:.3f}"),
    ]
    return "\n\n".join(parts) + "\n"


EXPERIMENT = _runner.Experiment(
    name="objectives", version=VERSION, config=_config, cells=_cells, cell=_cell, tables=_tables,
    checks=_checks, plot=_plot, report=lambda cfg, tables: print(_markdown(cfg, tables)),
    extra=lambda cfg, tables, _, out: [_io.atomic_write_text(out / "objectives.md", _markdown(cfg, tables))],
)


# ------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab objectives``."""
    _options.add_common_arguments(parser)
    _options.add_seeds_argument(parser)
    parser.add_argument(
        "--objectives", nargs="+", default=None, metavar="NAME",
        help=f"objectives to benchmark (default: {' '.join(DEFAULT_OBJECTIVES)}; also symile_n_squared)",
    )


def run(args: argparse.Namespace) -> dict:
    """Run the benchmark, write the outputs, print the tables and the checks; returns the tables."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.objectives``: same as ``symile-lab objectives``."""
    from experiments.cli import run_command

    return run_command("objectives", argv)


if __name__ == "__main__":
    raise SystemExit(main())
