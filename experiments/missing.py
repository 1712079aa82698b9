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
import time

import numpy as np
import pandas as pd

from experiments import _io, _sweep
from experiments.figure3 import summarise_accuracy

__all__ = ["add_arguments", "run", "main", "default_config"]

EXPERIMENT = "missing"
#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
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


def _cell(cell: dict) -> dict:
    from generators import BinaryXOR
    from symile_min import TrainConfig, train, zero_shot_accuracy

    d, ph = cell["d"], cell["placeholder"]
    p_missing = round(1.0 - cell["completeness"], 10)
    incomplete = BinaryXOR(d=d, p=cell["p"], p_missing=p_missing, placeholder=ph)
    complete = BinaryXOR(d=d, p=cell["p"])
    train_set = incomplete.sample(cell["n_train"], np.random.default_rng(cell["data_seed"]))
    val_set = incomplete.sample(cell["n_val"], np.random.default_rng(cell["val_seed"]))
    config = TrainConfig(method=cell["method"], seed=cell["model_seed"], **cell["train"])
    result = train(_inputs(train_set, cell["n_train"], ph), _inputs(val_set, cell["n_val"], ph), config)

    every_b = complete.decode(np.arange(2**d))  # (2^d, d)
    candidates = np.concatenate([every_b, np.ones((2**d, 1))], axis=1)  # (2^d, d + 1): observed
    accs = []
    for test_seed in cell["test_seeds"]:
        test = complete.sample(cell["n_test"], np.random.default_rng(test_seed))
        data = _inputs(test, cell["n_test"], ph)
        acc = zero_shot_accuracy(result.model, data, target=1, candidates=candidates, method=cell["method"])
        accs.append(acc)
    observed = np.ones(cell["n_train"], dtype=bool)
    for k in "abc":
        observed &= train_set.get(f"mask_{k}", True)
    n_complete = int(observed.sum())  # training rows with all three modalities observed
    return {"acc": accs, "best_epoch": int(result.best_epoch), "n_complete_train": n_complete}


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = _sweep.code_fingerprint("generators", "symile_min", "experiments.missing")
    d, p = cfg["d"], cfg["p"]
    n_sets = cfg["n_test_sets"]
    test_seeds = [_sweep.cell_seed(master_seed, EXPERIMENT, "test", d, p, j) for j in range(n_sets)]
    cells = []
    for comp in cfg["completeness"]:
        for k in range(cfg["seeds"]):
            for method in METHODS:
                cells.append(
                    {
                        "experiment": EXPERIMENT,
                        "version": VERSION,
                        "code": code,
                        "d": d,
                        "p": p,
                        "completeness": comp,
                        "placeholder": cfg["placeholder"],
                        "method": method,
                        "seed_index": k,
                        "data_seed": _sweep.cell_seed(master_seed, EXPERIMENT, "train", d, p, comp, k),
                        "val_seed": _sweep.cell_seed(master_seed, EXPERIMENT, "val", d, p, comp, k),
                        "model_seed": _sweep.cell_seed(
                            master_seed, EXPERIMENT, "model", d, p, comp, method, k
                        ),
                        "test_seeds": test_seeds,
                        "n_train": cfg["n_train"],
                        "n_val": cfg["n_val"],
                        "n_test": cfg["n_test"],
                        "train": cfg["train"],
                    }
                )
    return cells


def _table(cfg: dict, cells: list[dict], results: list[dict]) -> pd.DataFrame:
    from generators import xor_bayes_accuracy

    d = cfg["d"]
    rows = []
    for method in METHODS:
        for comp in cfg["completeness"]:
            pairs = [
                (c, r) for c, r in zip(cells, results) if c["method"] == method and c["completeness"] == comp
            ]
            pairs.sort(key=lambda cr: cr[0]["seed_index"])
            acc = np.array([r["acc"] for _, r in pairs])  # (seeds, test sets)
            rows.append(
                {
                    "completeness": comp,
                    "method": method,
                    **summarise_accuracy(acc),
                    "n_seeds": acc.shape[0],
                    "n_test_sets": acc.shape[1],
                    "bayes": float(xor_bayes_accuracy(d, cfg["p"])),
                    "chance": 2.0**-d,
                    "complete_train_fraction": float(np.mean([r["n_complete_train"] for _, r in pairs]))
                    / cfg["n_train"],
                    "best_epoch_mean": float(np.mean([r["best_epoch"] for _, r in pairs])),
                }
            )
    return pd.DataFrame(rows)


def _checks(table: pd.DataFrame) -> list[tuple[str, bool, str]]:
    sym = table[table["method"] == "symile"].set_index("completeness")
    clip = table[table["method"] == "clip"].set_index("completeness")
    margin = sym["acc_mean"] - clip["acc_mean"]
    return [
        (
            "Symile above CLIP at every completeness level",
            bool((margin > 0).all()),
            f"smallest margin {margin.min():+.4f} at completeness {margin.idxmin():g}",
        ),
        (
            "Symile with complete training data within 0.06 of Bayes-optimal",
            bool(abs(sym.loc[max(sym.index), "bayes"] - sym.loc[max(sym.index), "acc_mean"]) <= 0.06),
            f"accuracy {sym.loc[max(sym.index), 'acc_mean']:.4f} vs {sym.loc[max(sym.index), 'bayes']:.4f}",
        ),
    ]


def _plot(table: pd.DataFrame, cfg: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    styles = {"symile": ("Symile", "C0", "o"), "clip": ("CLIP", "C1", "s")}
    for method in METHODS:
        rows = table[table["method"] == method]
        label, color, marker = styles[method]
        ax.errorbar(
            rows["completeness"], rows["acc_mean"], yerr=rows["acc_se"], label=label, color=color,
            marker=marker, markersize=4, capsize=3,
        )
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab missing``."""
    _sweep.add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=None, help="training seeds per cell (default: 1)")


def run(args: argparse.Namespace) -> dict:
    """Run the experiment, write the outputs, print the table and the checks; returns the table."""
    start = time.perf_counter()
    cfg = default_config(quick=args.quick)
    if args.seeds is not None:
        if args.seeds < 1:
            raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
        cfg["seeds"] = args.seeds
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    out = _io.resolve_out(args.out)
    cells = _cells(cfg, args.seed)
    results = _sweep.run_cells(
        _cell,
        cells,
        cache_dir=_sweep.cache_dir(args, out, EXPERIMENT),
        jobs=args.jobs,
        progress=_sweep.want_progress(args),
        desc=EXPERIMENT,
    )
    table = _table(cfg, cells, results)
    _io.write_csv(out / f"{EXPERIMENT}.csv", table)
    _io.write_json(
        out / f"{EXPERIMENT}_config.json",
        {"experiment": EXPERIMENT, "version": VERSION, "seed": args.seed, "quick": bool(args.quick), **cfg},
    )
    import matplotlib.pyplot as plt

    fig = _plot(table, cfg)
    _io.save_figure(fig, out, EXPERIMENT)
    plt.close(fig)

    checks = _checks(table)
    wall = time.perf_counter() - start
    wide = table.pivot(index="completeness", columns="method", values=["acc_mean", "acc_se"])
    print(f"{'completeness':>12}  {'Symile':>15}  {'CLIP':>15}")
    for comp in sorted(wide.index, reverse=True):
        mean, se = wide.loc[comp, "acc_mean"], wide.loc[comp, "acc_se"]
        cols = [f"{mean[m]:.3f} ± {se[m]:.3f}" for m in METHODS]
        print(f"{comp:>12.2f}  {cols[0]:>15}  {cols[1]:>15}")
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name} ({detail})")
    n = len(cells)
    print(f"{EXPERIMENT}: {n} cells, wall time {wall:.1f} s with --jobs {args.jobs}; outputs in {out}")
    return {"table": table, "checks": checks, "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    """Run ``missing`` as a script: ``python -m experiments.missing [options]``."""
    parser = argparse.ArgumentParser(prog="missing", description=__doc__)
    add_arguments(parser)
    try:
        run(parser.parse_args(argv))
    except ValueError as err:  # bad user input: a clear message, no traceback
        parser.exit(2, f"missing: error: {err}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
