r"""Training with missing modalities (an analog of the paper's Figure 4c on switched-XOR data).

Every modality of every training (and validation) sample is independently missing with probability
``1 - completeness``; a missing modality is fed to its encoder as the placeholder 0 plus a missingness
indicator column (:func:`symile_min.with_missingness`, so each encoder sees d + 1 inputs). Test data are
complete (indicator 1). Reported: zero-shot accuracy of predicting ``b`` among all :math:`2^d` candidates
from ``(a, c)``, Symile vs CLIP, versus the training completeness, mean :math:`\pm` standard error over
freshly drawn test sets (and training seeds with ``--seeds K > 1``).

Default setting: d = 5, p = 1 (``c = a XOR b`` always, so the Bayes-optimal accuracy is 1 and chance
is 2^-5), completeness in {1, 0.9, 0.7, 0.5, 0.3, 0.2, 0.1}; otherwise the paper's Figure 3 training
settings (linear encoders to 16, AdamW lr 0.1 / wd 0.01, batch 1000, 100 epochs, 10k / 1k train / val,
O(N) negatives), 5 test sets of 5000.

Writes ``missing.png``/``.pdf``, ``missing.csv`` and ``missing_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _options, _runner, _zero_shot
from experiments._cells import code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "default_config"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)
METHODS = ("symile", "clip")


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick=True``: a seconds-long demo)."""
    cfg = {
        "d": 5,
        "p": 1.0,
        "completeness": [1.0, 0.9, 0.7, 0.5, 0.3, 0.2, 0.1],
        "placeholder": 0,
        "n_train": 10_000,
        "n_val": 1_000,
        "n_test": 5_000,
        "n_test_sets": 5,
        "seeds": 1,
        "train": {
            "rep_dim": 16,
            "encoder": "linear",
            "lr": 0.1,
            "weight_decay": 0.01,
            "batch_size": 1000,
            "epochs": 100,
            "logit_scale_init": -0.3,
            "negatives": "n",
        },
    }
    if quick:
        cfg.update(completeness=[1.0, 0.5], n_train=1_000, n_val=500, n_test=1_000, n_test_sets=3)
        cfg["train"] = {**cfg["train"], "epochs": 15, "batch_size": 250}
    return cfg


def _inputs(sample: dict, n: int, placeholder: float) -> list[np.ndarray]:
    """Encoder inputs ``[x_m | indicator]`` (n, d + 1) for a, b, c; complete data get indicator 1."""
    from symile_min import with_missingness

    return [
        with_missingness(sample[k], sample.get(f"mask_{k}", np.ones(n, dtype=bool)), placeholder=placeholder)
        for k in "abc"
    ]


def _task(cell: dict) -> _zero_shot.Task:
    from generators import BinaryXOR

    d, ph = cell["d"], cell["placeholder"]
    p_missing = round(1.0 - cell["completeness"], 10)
    incomplete = BinaryXOR(d=d, p=cell["p"], p_missing=p_missing, placeholder=ph)
    complete = BinaryXOR(d=d, p=cell["p"])
    train_set = incomplete.sample(cell["n_train"], np.random.default_rng(cell["data_seed"]))
    val_set = incomplete.sample(cell["n_val"], np.random.default_rng(cell["val_seed"]))

    def test_inputs(seed: int) -> list[np.ndarray]:
        return _inputs(complete.sample(cell["n_test"], np.random.default_rng(seed)), cell["n_test"], ph)

    every_b = complete.decode(np.arange(2**d))  # (2^d, d)
    candidates = np.concatenate([every_b, np.ones((2**d, 1))], axis=1)  # (2^d, d + 1): observed
    observed = np.ones(cell["n_train"], dtype=bool)
    for k in "abc":
        observed &= train_set.get(f"mask_{k}", True)
    return _zero_shot.Task(
        _inputs(train_set, cell["n_train"], ph),
        _inputs(val_set, cell["n_val"], ph),
        test_inputs,
        target=1,
        candidates=candidates,
        extra={"n_complete_train": int(observed.sum())},  # training rows with all three modalities observed
    )


def _cell(cell: dict) -> dict:
    return _zero_shot.train_and_test([cell], _task)[0]


def _batch(cells: list[dict]) -> list[dict]:
    """Many cells at once: their models train as one batched computation (the same numbers as _cell)."""
    return _zero_shot.train_and_test(cells, _task)


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = code_fingerprint("generators", "symile_min", "experiments._zero_shot", "experiments.missing")
    d, p = cfg["d"], cfg["p"]
    cells = []
    for comp in cfg["completeness"]:
        cells += _zero_shot.training_cells(
            cfg,
            master_seed,
            experiment="missing",
            version=VERSION,
            code=code,
            methods=METHODS,
            setting={"d": d, "p": p, "completeness": comp, "placeholder": cfg["placeholder"]},
            identity=(d, p, comp),
            test_identity=(d, p),  # the same complete test sets at every completeness level
        )
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    from generators import xor_bayes_accuracy

    d = cfg["d"]

    def references(comp, runs):
        return {
            "bayes": float(xor_bayes_accuracy(d, cfg["p"])),
            "chance": 2.0**-d,
            "complete_train_fraction": float(np.mean([r["n_complete_train"] for r in runs])) / cfg["n_train"],
        }

    table = _zero_shot.accuracy_table(
        cells, results, by="completeness", values=cfg["completeness"], methods=METHODS, columns=references
    )
    return {"missing": table}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    table = tables["missing"]
    sym = table[table["method"] == "symile"].set_index("completeness")
    clip = table[table["method"] == "clip"].set_index("completeness")
    margin = sym["acc_mean"] - clip["acc_mean"]
    return [
        Check(
            "Symile above CLIP at every completeness level",
            bool((margin > 0).all()),
            f"smallest margin {margin.min():+.4f} at completeness {margin.idxmin():g}",
        ),
        Check(
            "Symile with complete training data within 0.06 of Bayes-optimal",
            bool(abs(sym.loc[max(sym.index), "bayes"] - sym.loc[max(sym.index), "acc_mean"]) <= 0.06),
            f"accuracy {sym.loc[max(sym.index), 'acc_mean']:.4f} vs {sym.loc[max(sym.index), 'bayes']:.4f}",
        ),
    ]


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    table = tables["missing"]
    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    _zero_shot.plot_accuracy(ax, table, "completeness", METHODS)
    ref = table[table["method"] == METHODS[0]]
    ax.plot(ref["completeness"], ref["bayes"], "k--", lw=1, zorder=3, label="Bayes-optimal")
    ax.plot(ref["completeness"], ref["chance"], "k:", lw=1, zorder=3, label=f"chance $2^{{-{cfg['d']}}}$")
    ax.set_xlabel("training completeness (probability each modality is observed)")
    ax.set_ylabel(f"zero-shot accuracy (fraction; b among $2^{{{cfg['d']}}}$)")
    ax.set_ylim(-0.02, 1.05)
    title = f"Missing modalities in training (XOR, d = {cfg['d']}, p = {cfg['p']:g}; complete test data)"
    ax.set_title(title, fontsize=9)
    ax.legend(loc="center right", fontsize=8)
    return fig


def _report(cfg: dict, tables: dict) -> None:
    _zero_shot.print_accuracy(tables["missing"], "completeness", METHODS)


EXPERIMENT = _runner.Experiment(
    name="missing",
    version=VERSION,
    config=lambda args: _zero_shot.config_from_args(default_config, args),
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
    batch=_batch,
    batch_key=_zero_shot.batch_key,
    batch_cost=_zero_shot.batch_cost,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab missing``."""
    _options.add_common_arguments(parser)
    _options.add_seeds_argument(parser)


def run(args: argparse.Namespace) -> dict:
    """Run the experiment, write the outputs, print the table and the checks; returns the table."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.missing``: same as ``symile-lab missing``."""
    from experiments.cli import run_command

    return run_command("missing", argv)


if __name__ == "__main__":
    raise SystemExit(main())
