r"""Figure 3 of Saporta et al. (2024): zero-shot prediction of ``b`` from ``(a, c)`` on switched-XOR data.

Left panel: accuracy of predicting ``b`` among all :math:`2^d` candidates from ``(a, c)`` versus the switch
probability ``p``, for Symile (score :math:`(r_a \odot r_c) \cdot r_b`) and pairwise CLIP
(:math:`(r_a + r_c) \cdot r_b`), mean :math:`\pm` standard error over freshly drawn test sets (and over
training seeds with ``--seeds K > 1``), with chance :math:`q = 2^{-d}` and the Bayes-optimal accuracy
:math:`q + p(1 - q)`. Right panel: the exact information terms of the data (bits) from
:func:`generators.xor_info_table`.

Paper settings (the default): d = 5, linear encoders to dimension 16, AdamW (lr 0.1, weight decay 0.01),
batch 1000, 100 epochs, 10k / 1k / 5k train / val / test, best-validation checkpoint, O(N) negatives,
logit scale initialised at -0.3, 10 test sets of 5000.

Writes ``figure3.png``/``.pdf``, ``figure3.csv`` (accuracies), ``figure3_info.csv`` (information panel)
and ``figure3_config.json`` into ``figures/`` (or ``--out``); prints a table and PASS/FAIL lines for the
expectations (Symile within 0.06 of Bayes-optimal at every p, CLIP within 0.02 of chance).

Known result with these settings: at small p (0.1-0.3) Symile with linear encoders stays below the
Bayes-optimal accuracy, by an amount that depends on the training seed (committed seed: gaps 0.053 at
p = 0.1 and 0.062 at p = 0.2, so the 0.06 check fails there; 3 seeds: 0.044, 0.066, 0.022 at p = 0.1, 0.2,
0.3). A lower validation loss does not close it (lr 0.01 reached a lower loss and a lower accuracy),
while MLP encoders (``encoder="mlp"``) came within 0.02 of Bayes at p = 0.1, 0.2, 0.3 in single runs:
an optimisation/capacity limit of affine, L2-normalised encoders rather than of the objective.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from experiments import _io, _sweep

__all__ = ["add_arguments", "run", "main", "default_config", "summarise_accuracy"]

EXPERIMENT = "figure3"
#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
METHODS = ("symile", "clip")
INFO_COLUMNS = ("I(a;b)", "I(b;c)", "I(a;c)", "I(a;b|c)", "I(b;c|a)", "TC")  # figure3_info.csv, bits
INFO_LINES = (  # (column, label) in plotting order; equal quantities share a line
    ("I(a;b)", "I(a;b) = I(b;c)"),
    ("I(a;c)", "I(a;c)"),
    ("I(a;b|c)", "I(a;b|c) = I(b;c|a)"),
    ("TC", "TC(a;b;c)"),
)


def default_config(quick: bool = False) -> dict:
    """The experiment's settings: the paper's (``quick=False``) or a seconds-long demo (``quick=True``)."""
    cfg = {
        "d": 5,
        "p_values": [round(0.1 * i, 10) for i in range(11)],
        "n_train": 10_000,
        "n_val": 1_000,
        "n_test": 5_000,
        "n_test_sets": 10,
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
        cfg.update(p_values=[0.0, 1.0], n_train=1_000, n_val=500, n_test=1_000, n_test_sets=3)
        cfg["train"] = {**cfg["train"], "epochs": 15, "batch_size": 250}
    return cfg


# ------------------------------------------------------------------------------------------------
# shared helper (also used by experiments.missing and experiments.m3)


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


# ------------------------------------------------------------------------------------------------
# one cell: (p, method, training seed) -> accuracies on the test sets


def _cell(cell: dict) -> dict:
    from generators import BinaryXOR
    from symile_min import TrainConfig, train, zero_shot_accuracy

    xor = BinaryXOR(d=cell["d"], p=cell["p"])
    train_set = xor.sample(cell["n_train"], np.random.default_rng(cell["data_seed"]))
    val_set = xor.sample(cell["n_val"], np.random.default_rng(cell["val_seed"]))
    config = TrainConfig(method=cell["method"], seed=cell["model_seed"], **cell["train"])
    result = train([train_set[k] for k in "abc"], [val_set[k] for k in "abc"], config)
    candidates = xor.decode(np.arange(2 ** cell["d"]))  # (2^d, d): every possible b
    accs = []
    for test_seed in cell["test_seeds"]:
        test = xor.sample(cell["n_test"], np.random.default_rng(test_seed))
        data = [test[k] for k in "abc"]
        acc = zero_shot_accuracy(result.model, data, target=1, candidates=candidates, method=cell["method"])
        accs.append(acc)
    return {"acc": accs, "best_epoch": int(result.best_epoch)}


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = _sweep.code_fingerprint("generators", "symile_min", "experiments.figure3")
    d = cfg["d"]
    cells = []
    for p in cfg["p_values"]:
        n_sets = cfg["n_test_sets"]
        test_seeds = [_sweep.cell_seed(master_seed, EXPERIMENT, "test", d, p, j) for j in range(n_sets)]
        for k in range(cfg["seeds"]):
            for method in METHODS:
                cells.append(
                    {
                        "experiment": EXPERIMENT,
                        "version": VERSION,
                        "code": code,
                        "d": d,
                        "p": p,
                        "method": method,
                        "seed_index": k,
                        # the same data for both methods (paired comparison), its own model seed
                        "data_seed": _sweep.cell_seed(master_seed, EXPERIMENT, "train", d, p, k),
                        "val_seed": _sweep.cell_seed(master_seed, EXPERIMENT, "val", d, p, k),
                        "model_seed": _sweep.cell_seed(master_seed, EXPERIMENT, "model", d, p, method, k),
                        "test_seeds": test_seeds,
                        "n_train": cfg["n_train"],
                        "n_val": cfg["n_val"],
                        "n_test": cfg["n_test"],
                        "train": cfg["train"],
                    }
                )
    return cells


# ------------------------------------------------------------------------------------------------
# tables, checks, figure


def _accuracy_table(cfg: dict, cells: list[dict], results: list[dict]) -> pd.DataFrame:
    from generators import xor_bayes_accuracy

    d = cfg["d"]
    rows = []
    for method in METHODS:
        for p in cfg["p_values"]:
            acc = np.array(
                [
                    r["acc"]
                    for c, r in sorted(zip(cells, results), key=lambda cr: cr[0]["seed_index"])
                    if c["method"] == method and c["p"] == p
                ]
            )  # (seeds, test sets)
            best = [r["best_epoch"] for c, r in zip(cells, results) if c["method"] == method and c["p"] == p]
            rows.append(
                {
                    "p": p,
                    "method": method,
                    **summarise_accuracy(acc),
                    "n_seeds": acc.shape[0],
                    "n_test_sets": acc.shape[1],
                    "bayes": float(xor_bayes_accuracy(d, p)),
                    "chance": 2.0**-d,
                    "best_epoch_mean": float(np.mean(best)),
                }
            )
    return pd.DataFrame(rows)


def _info_table(d: int, n_grid: int = 101) -> pd.DataFrame:
    from generators import xor_info_table

    p = np.round(np.linspace(0.0, 1.0, n_grid), 10)
    table = xor_info_table(d, p)  # bits
    return pd.DataFrame({"p": p, **{key: np.asarray(table[key]) for key in INFO_COLUMNS}})


def _checks(acc: pd.DataFrame, quick: bool) -> list[tuple[str, bool, str]]:
    """The expectations on the numbers: (name, passed, detail)."""
    sym = acc[acc["method"] == "symile"].set_index("p")
    clip = acc[acc["method"] == "clip"].set_index("p")
    gap_sym = (sym["bayes"] - sym["acc_mean"]).abs()
    gap_clip = (clip["acc_mean"] - clip["chance"]).abs()
    tol_sym, tol_clip = (0.1, 0.05) if quick else (0.06, 0.02)
    p_max = max(sym.index)
    return [
        (
            f"Symile within {tol_sym} of Bayes-optimal at every p",
            bool((gap_sym <= tol_sym).all()),
            f"largest gap {gap_sym.max():.4f} at p = {gap_sym.idxmax():g}",
        ),
        (
            f"CLIP within {tol_clip} of chance at every p",
            bool((gap_clip <= tol_clip).all()),
            f"largest gap {gap_clip.max():.4f} at p = {gap_clip.idxmax():g}",
        ),
        (
            f"Symile at p = {p_max:g} reaches >= 0.9",
            bool(sym.loc[p_max, "acc_mean"] >= 0.9),
            f"accuracy {sym.loc[p_max, 'acc_mean']:.4f}",
        ),
    ]


def _plot(acc: pd.DataFrame, info: pd.DataFrame, cfg: dict):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10.5, 4.0), constrained_layout=True)
    styles = {"symile": ("Symile", "C0", "o"), "clip": ("CLIP", "C1", "s")}
    for method in METHODS:
        rows = acc[acc["method"] == method]
        label, color, marker = styles[method]
        left.errorbar(
            rows["p"], rows["acc_mean"], yerr=rows["acc_se"], label=label, color=color, marker=marker,
            markersize=4, capsize=3,
        )
    ref = acc[acc["method"] == METHODS[0]]
    # reference lines drawn on top of the data so they stay visible where the curves meet them
    left.plot(ref["p"], ref["bayes"], "k--", lw=1, zorder=3, label="Bayes-optimal $q + p(1-q)$")
    left.plot(ref["p"], ref["chance"], "k:", lw=1, zorder=3, label=f"chance $q = 2^{{-{cfg['d']}}}$")
    left.set_xlabel("switch probability p")
    left.set_ylabel(f"zero-shot accuracy (fraction; b among $2^{{{cfg['d']}}}$ values)")
    left.set_ylim(-0.02, 1.02)
    left.set_title("Predicting b from (a, c)")
    left.legend(loc="upper left", fontsize=8)

    for i, (key, label) in enumerate(INFO_LINES):
        right.plot(info["p"], info[key], color=f"C{i + 2}", label=label, lw=1.5)
    right.set_xlabel("switch probability p")
    right.set_ylabel("information (bits)")
    right.set_title(f"Exact information, d = {cfg['d']}")
    right.legend(loc="center left", fontsize=8)
    fig.suptitle("Symile vs CLIP on switched-XOR data (Saporta et al. 2024, Fig. 3)", fontsize=10)
    return fig


# ------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab figure3``."""
    _sweep.add_common_arguments(parser)
    parser.add_argument("--seeds", type=int, default=None, help="training seeds per cell (default: 1)")


def run(args: argparse.Namespace) -> dict:
    """Run the experiment, write the outputs, print the table and the checks; returns the tables."""
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
    acc = _accuracy_table(cfg, cells, results)
    info = _info_table(cfg["d"])
    stem = EXPERIMENT
    _io.write_csv(out / f"{stem}.csv", acc)
    _io.write_csv(out / f"{stem}_info.csv", info)
    _io.write_json(
        out / f"{stem}_config.json",
        {"experiment": EXPERIMENT, "version": VERSION, "seed": args.seed, "quick": bool(args.quick), **cfg},
    )
    fig = _plot(acc, info, cfg)
    _io.save_figure(fig, out, stem)
    import matplotlib.pyplot as plt

    plt.close(fig)

    checks = _checks(acc, args.quick)
    wall = time.perf_counter() - start
    _print_summary(acc, checks, wall, len(cells), args.jobs, out)
    return {"accuracy": acc, "info": info, "checks": checks, "wall_seconds": wall}


def _print_summary(acc, checks, wall, n_cells, jobs, out) -> None:
    wide = acc.pivot(index="p", columns="method", values=["acc_mean", "acc_se"])
    bayes = acc[acc["method"] == METHODS[0]].set_index("p")["bayes"]
    print(f"{'p':>4}  {'Symile':>15}  {'CLIP':>15}  {'Bayes':>6}")
    for p in wide.index:
        sym = f"{wide.loc[p, ('acc_mean', 'symile')]:.3f} ± {wide.loc[p, ('acc_se', 'symile')]:.3f}"
        clip = f"{wide.loc[p, ('acc_mean', 'clip')]:.3f} ± {wide.loc[p, ('acc_se', 'clip')]:.3f}"
        print(f"{p:>4.1f}  {sym:>15}  {clip:>15}  {bayes.loc[p]:>6.3f}")
    print(f"chance = {acc['chance'].iloc[0]:.5f}")
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name} ({detail})")
    print(f"{EXPERIMENT}: {n_cells} cells, wall time {wall:.1f} s with --jobs {jobs}; outputs in {out}")


def main(argv: list[str] | None = None) -> int:
    """Run ``figure3`` as a script: ``python -m experiments.figure3 [options]``."""
    parser = argparse.ArgumentParser(prog="figure3", description=__doc__)
    add_arguments(parser)
    try:
        run(parser.parse_args(argv))
    except ValueError as err:  # bad user input: a clear message, no traceback
        parser.exit(2, f"figure3: error: {err}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
