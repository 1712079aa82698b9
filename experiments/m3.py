r"""Symile vs CLIP on symbolic Symile-M3 data (an analog of the paper's Figure 4b).

Data: :class:`generators.SyntheticM3` with ``w`` languages: the text holds one class word per language,
the audio reveals which language is spoken, the image shows the class named in the spoken language.
Task: predict the image (its class) from text + audio among all ``n_classes`` one-hot candidates
(Symile: :math:`(r_t \odot r_a) \cdot r_i`; CLIP: :math:`(r_t + r_a) \cdot r_i`). Pairwise information
leaves the class ambiguous among the ``w`` words: at its optimum CLIP's critics are the pairwise PMIs
(the audio-image one is constant), so its zero-shot rule picks the most frequent text word, whose exact
accuracy is ``SyntheticM3.pairwise_accuracy`` (:math:`1/w` plus the chance that distractor words repeat;
drawn as "pairwise-critic accuracy"). This is what CLIP reaches, not a hard ceiling on every additive
score :math:`f(t, y) + g(a, y)`, which could in principle do somewhat better. Symile can reach the
Bayes-optimal 1.

Settings (chosen so the run takes a few minutes on 2 CPU cores): w in {2, 5, 10}, 10 classes, no noise;
linear encoders to dimension 32 (16 is too narrow for w = 10: Symile then stalls near 0.5), AdamW lr 0.1
/ wd 0.01, batch 1000, 60 epochs, best-validation checkpoint, O(N) negatives, logit scale init -0.3;
10k / 1k train / val; 5 test sets of 2000. A linear text encoder suffices: the multilinear inner
product lets the audio representation gate the language block of the text representation.

Writes ``m3.png``/``.pdf``, ``m3.csv`` and ``m3_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from experiments import _io, _sweep

__all__ = ["add_arguments", "run", "main", "default_config"]

EXPERIMENT = "m3"
#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
METHODS = ("symile", "clip")
MODALITIES = ("text", "audio", "image")


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick=True``: a seconds-long demo with w = 2 only)."""
    cfg = {
        "w_values": [2, 5, 10],
        "n_classes": 10,
        "audio_noise": 0.0,
        "image_noise": 0.0,
        "n_train": 10_000,
        "n_val": 1_000,
        "n_test": 2_000,
        "n_test_sets": 5,
        "seeds": 1,
        "train": {
            "rep_dim": 32,
            "encoder": "linear",
            "lr": 0.1,
            "weight_decay": 0.01,
            "batch_size": 1000,
            "epochs": 60,
            "logit_scale_init": -0.3,
            "negatives": "n",
        },
    }
    if quick:
        cfg.update(w_values=[2], n_train=2_000, n_val=500, n_test=1_000, n_test_sets=3)
        cfg["train"] = {**cfg["train"], "epochs": 20, "batch_size": 500}
    return cfg


def _generator(cell: dict):
    from generators import SyntheticM3

    noise = {"audio_noise": cell["audio_noise"], "image_noise": cell["image_noise"]}
    return SyntheticM3(w=cell["w"], n_classes=cell["n_classes"], **noise)


def _cell(cell: dict) -> dict:
    gen = _generator(cell)

    def draw(n: int, seed: int) -> list[np.ndarray]:
        sample = gen.sample(n, np.random.default_rng(seed))
        return [sample[k] for k in MODALITIES]

    return _sweep.train_and_test(
        cell,
        draw(cell["n_train"], cell["data_seed"]),
        draw(cell["n_val"], cell["val_seed"]),
        lambda seed: draw(cell["n_test"], seed),
        target=2,
        candidates=np.eye(cell["n_classes"], dtype=np.float32),  # (K, K): every image class
    )


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = _sweep.code_fingerprint("generators", "symile_min", "experiments._sweep", "experiments.m3")
    noise = {"audio_noise": cfg["audio_noise"], "image_noise": cfg["image_noise"]}
    cells = []
    for w in cfg["w_values"]:
        cells += _sweep.training_cells(
            cfg,
            master_seed,
            experiment=EXPERIMENT,
            version=VERSION,
            code=code,
            methods=METHODS,
            setting={"w": w, "n_classes": cfg["n_classes"], **noise},
            identity=(w,),
            test_identity=(w,),
        )
    return cells


def _table(cfg: dict, cells: list[dict], results: list[dict]) -> pd.DataFrame:
    def references(w, runs):
        gen = _generator({**cfg, "w": w})
        return {
            "bayes": gen.bayes_accuracy(),
            "pairwise_critic_acc": gen.pairwise_accuracy(),
            "one_over_w": 1.0 / w,
            "chance": gen.chance_accuracy(),
        }

    return _sweep.accuracy_table(
        cells, results, by="w", values=cfg["w_values"], methods=METHODS, columns=references
    )


def _checks(table: pd.DataFrame, quick: bool) -> list[tuple[str, bool, str]]:
    sym = table[table["method"] == "symile"].set_index("w")
    clip = table[table["method"] == "clip"].set_index("w")
    margin = sym["acc_mean"] - clip["acc_mean"]
    excess = clip["acc_mean"] - clip["pairwise_critic_acc"]
    need = 0.2 if quick else 0.3
    return [
        (
            f"Symile above CLIP by more than {need} at every w",
            bool((margin > need).all()),
            f"smallest margin {margin.min():+.4f} at w = {margin.idxmin()}",
        ),
        (
            "CLIP within 0.03 of (or below) the exact pairwise-critic accuracy at every w",
            bool((excess <= 0.03).all()),
            f"largest excess {excess.max():+.4f} at w = {excess.idxmax()}",
        ),
    ]


def _plot(table: pd.DataFrame, cfg: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.0), constrained_layout=True)
    ws = list(cfg["w_values"])
    x = np.arange(len(ws))
    width = 0.36
    styles = {"symile": ("Symile", "C0", -width / 2), "clip": ("CLIP", "C1", width / 2)}
    for method in METHODS:
        rows = table[table["method"] == method].set_index("w").loc[ws]
        label, color, offset = styles[method]
        ax.bar(x + offset, rows["acc_mean"], width, yerr=rows["acc_se"], capsize=3, color=color, label=label)
    ref = table[table["method"] == METHODS[0]].set_index("w").loc[ws]
    for i, w in enumerate(ws):
        span = [i - width - 0.05, i + width + 0.05]
        kw = {"label": "pairwise-critic accuracy (exact)"} if i == 0 else {}
        ax.plot(span, [ref.loc[w, "pairwise_critic_acc"]] * 2, "k--", lw=1, **kw)
        kw = {"label": "1 / w"} if i == 0 else {}
        ax.plot(span, [ref.loc[w, "one_over_w"]] * 2, color="0.5", ls="-.", lw=1, **kw)
    ax.axhline(ref["chance"].iloc[0], color="k", ls=":", lw=1, label=f"chance 1/{cfg['n_classes']}")
    ax.set_xticks(x, [str(w) for w in ws])
    ax.set_xlabel("number of languages w")
    ax.set_ylabel(f"zero-shot accuracy (fraction; image among {cfg['n_classes']})")
    ax.set_ylim(0, 1.3)  # room for the legend above the bars
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title("Predict the image from text + audio (symbolic Symile-M3)", fontsize=9)
    ax.legend(loc="upper right", fontsize=7, ncols=2)
    return fig


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab m3``."""
    _sweep.add_common_arguments(parser)
    _sweep.add_seeds_argument(parser)


def run(args: argparse.Namespace) -> dict:
    """Run the experiment, write the outputs, print the table and the checks; returns the table."""
    start = time.perf_counter()
    cfg = _sweep.config_with_seeds(default_config(quick=args.quick), args)
    out = _io.resolve_out(args.out)
    cells = _cells(cfg, args.seed)
    results = _sweep.run_sweep(_cell, cells, args, out, EXPERIMENT)
    table = _table(cfg, cells, results)
    _io.write_csv(out / f"{EXPERIMENT}.csv", table)
    _io.write_json(out / f"{EXPERIMENT}_config.json", _sweep.run_config(args, EXPERIMENT, VERSION, cfg))
    _io.save_figure(_plot(table, cfg), out, EXPERIMENT, close=True)

    checks = _checks(table, args.quick)
    wall = time.perf_counter() - start
    wide = table.pivot(index="w", columns="method", values=["acc_mean", "acc_se"])
    bound = table[table["method"] == METHODS[0]].set_index("w")["pairwise_critic_acc"]
    print(f"{'w':>3}  {'Symile':>15}  {'CLIP':>15}  {'pairwise-critic':>15}")
    for w in wide.index:
        mean, se = wide.loc[w, "acc_mean"], wide.loc[w, "acc_se"]
        cols = [f"{mean[m]:.3f} ± {se[m]:.3f}" for m in METHODS]
        print(f"{w:>3}  {cols[0]:>15}  {cols[1]:>15}  {bound.loc[w]:>15.3f}")
    print(f"chance = {1 / cfg['n_classes']:.3f}")
    _sweep.print_checks(checks)
    _sweep.print_wall_time(EXPERIMENT, len(cells), wall, args.jobs, out)
    return {"table": table, "checks": checks, "wall_seconds": wall}


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.m3``: same as ``symile-lab m3``."""
    from experiments.cli import run_command

    return run_command("m3", argv)


if __name__ == "__main__":
    raise SystemExit(main())
