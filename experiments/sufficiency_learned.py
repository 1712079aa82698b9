r"""Sufficiency, learned: a trained Symile model's zero-shot rule keeps all of :math:`I(b; a, c)` on switched
XOR for ``p >= 0.5``; a trained CLIP model's keeps little of it.

A Symile and a CLIP model are trained on switched-XOR samples (:class:`generators.BinaryXOR`, ``d`` =
``--learned-d``, every ``p`` in ``--ps``; linear encoders, the paper's Figure 3 settings). For every one of
the :math:`2^d \times 2^d` queries ``(a, c)`` the query statistic is :math:`T = r_a \odot r_c` (Symile; score
:math:`\langle T, r_b\rangle`) or :math:`T = r_a + r_c` (CLIP; score :math:`\langle r_a, r_b\rangle + \langle
r_c, r_b\rangle`), the scores being :func:`symile_min.zero_shot_scores`. Pushing the exact joint
:math:`p(a, c, b)` through them, :func:`infotheory.decision.sufficiency_summary` gives, all in bits and all
exact given the trained weights:

* ``grouping_ratio`` = :math:`I(b; T) / I(b; a, c)`, grouping queries whose ``T`` agree to 6 decimals.
  **Nearly trivial**: linear encoders give (almost) injective statistics, so this ratio is ~1 for both
  methods; it only shows that no information was destroyed, not that it is *usable*.
* ``argmax_ratio`` = :math:`I(b; \hat b) / I(b; a, c)` with :math:`\hat b` the zero-shot prediction (argmax
  of the learned score; scores within ``1e-9`` tie, a tie is a fair coin). This is the decision-theoretic
  sufficiency the paper means: on XOR the Bayes prediction :math:`a \oplus c` is itself sufficient, so the
  ratio is 1 exactly when the learned rule recovers it, and 0 for a rule blind to the triple interaction.
* ``accuracy`` of the zero-shot rule vs the Bayes accuracy :math:`q + p(1-q)` (exact expectation).
* ``expected_kl`` = :math:`\mathbb{E}_{a,c}\,\mathrm{KL}(p(b\mid a,c)\,\|\,\hat p(b\mid a,c))` with the
  model's predictive distribution :math:`\hat p = \mathrm{softmax}_b(\text{scale}\cdot\text{score} + \log
  p(b))` at the learned logit scale, and ``usable_ratio`` = :math:`(I(b;a,c) - \mathbb{E}\,\mathrm{KL}) /
  I(b;a,c)`, the share of the information the model's own posterior turns into log-loss (negative for a
  badly calibrated model).

Printed checks (for every ``p >= 0.5``; a wrong model fails them): the Symile ``argmax_ratio`` is at least
0.95 (an untrained model has ~0), and the Symile accuracy is within 0.01 of the Bayes accuracy (the ratio
alone would pass a model that predicts a consistently relabelled ``b``: a relabelling keeps the
information). The ratios are undefined (NaN) where :math:`I(b; a, c) = 0`, i.e. at ``p = 0``. The exact
optimal rules are ``symile-lab sufficiency`` (:mod:`experiments.sufficiency`).

Writes ``sufficiency_learned.csv`` (one row per ``p`` and method), ``sufficiency_learned.png``/``.pdf``,
``sufficiency_learned_checks.csv`` and ``sufficiency_learned_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _options, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._runner import Check
from experiments.sufficiency import FULL_P_GRID
from infotheory.decision import query_table, sufficiency_summary

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "statistic_and_scores", "learned_row"]

#: Decimals to which a query statistic is rounded before grouping equal vectors.
GROUP_DECIMALS = 6
#: Version of the cell function's behaviour (part of every cache key).
VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)
#: The learned Symile rule must keep this share of I(b; a, c) in its argmax for every p >= 0.5 ...
MIN_ARGMAX_RATIO = 0.95
#: ... and be within this distance of the Bayes accuracy (the ratio is blind to a relabelled prediction).
MAX_ACCURACY_GAP = 0.01
#: sufficiency_summary's keys -> this table's columns (b is the candidate, (a, c) the query)
_COLUMNS = {"I_query": "I_b_ac", "I_statistic": "I_b_T", "I_decision": "I_b_argmax"}


# --------------------------------------------------------------------------------------------------
# one cell trains one model and reads out the representation of every code


def _data(cell: dict):
    from generators import BinaryXOR

    xor = BinaryXOR(d=cell["d"], p=cell["p"])
    rng = np.random.default_rng(cell["seed"])
    splits = [xor.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    return tuple([s[k].astype(np.float32) for k in "abc"] for s in splits)


def _batch(cells: list[dict]) -> list[dict]:
    """Train the cells' models as one batched computation; each result: the representations of every code."""
    import torch

    from generators import decode_bits
    from symile_min import TrainConfig
    from symile_min.multi import train_many

    configs = [TrainConfig(**c["train"], method=c["method"], seed=c["seed"] % (2**31)) for c in cells]
    runs = train_many([_data(c) for c in cells], configs)
    out = []
    for cell, result in zip(cells, runs, strict=True):
        codes = decode_bits(np.arange(2 ** cell["d"]), cell["d"]).astype(np.float32)  # (2^d, d)
        model = result.model
        model.eval()
        with torch.no_grad():
            reps = model.encode([torch.from_numpy(codes)] * 3)  # 3 x (2^d, k)
            scale = float(model.logit_scale.detach())  # the positive multiplier of the logits
        out.append(
            {
                "reps": [r.double().numpy().tolist() for r in reps],
                "scale": scale,
                "best_epoch": int(result.best_epoch),
            }
        )
    return out


def _cell(cell: dict) -> dict:
    return _batch([cell])[0]


def statistic_and_scores(reps, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The query statistic ``T`` (A*C, k) and :func:`symile_min.zero_shot_scores` (A*C, B) of every query.

    ``reps`` are the (2^d, k) representations of every code for modalities a, b, c; query ``(a, c)`` is
    row ``a * C + c``. The scores have scale 1 and no prior (nats, the model's raw inner products).
    """
    import torch

    from symile_min import zero_shot_scores

    ra, rb, rc = (np.asarray(r, dtype=np.float64) for r in reps)
    combine = {"symile": np.multiply, "clip": np.add}[method]
    T = combine(ra[:, None, :], rc[None, :, :]).reshape(-1, ra.shape[1])  # (A*C, k): r_a ⊙ r_c or r_a + r_c
    A, C = ra.shape[0], rc.shape[0]
    qa = torch.from_numpy(np.repeat(ra, C, axis=0))  # (A*C, k), query index a * C + c
    qc = torch.from_numpy(np.tile(rc, (A, 1)))  # (A*C, k)
    S = zero_shot_scores([qa, qc], torch.from_numpy(rb), method=method).numpy()  # (A*C, B)
    if not np.allclose(S, T @ rb.T, atol=1e-9):  # the statistic T must be the rule's whole query
        raise RuntimeError(f"zero_shot_scores({method!r}) is not <T, r_b> for the statistic T used here")
    return T, S


def learned_row(cell: dict, result: dict) -> dict:
    """One row of the table: the cell's setting and the exact sufficiency numbers of its model (bits)."""
    from generators import BinaryXOR

    xor = BinaryXOR(d=cell["d"], p=cell["p"])
    joint = xor.joint_pmf()  # axes (a, b, c)
    T, S = statistic_and_scores(result["reps"], cell["method"])
    stats = sufficiency_summary(
        query_table(joint, (0, 2), 1),
        T,
        S,
        logit_scale=result["scale"],
        log_prior=np.log(joint.sum(axis=(0, 2))),
        decimals=cell["group_decimals"],
    )
    return {
        "d": cell["d"],
        "p": cell["p"],
        "method": cell["method"],
        "bayes_accuracy": xor.bayes_accuracy(),
        "chance": xor.chance_accuracy(),
        "logit_scale": result["scale"],
        "best_epoch": result["best_epoch"],
        **{_COLUMNS.get(k, k): v for k, v in stats.items()},
    }


# --------------------------------------------------------------------------------------------------
# config, cells, table, checks, plot


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    return {
        "d": args.learned_d if args.learned_d is not None else (3 if quick else 5),
        "ps": list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID)),
        "methods": [["symile", "n"], ["clip", "n"]],
        "train": {
            "rep_dim": 16,
            "encoder": "linear",
            "lr": 0.1,
            "weight_decay": 0.01,
            "batch_size": 1000 if not quick else 500,
            "epochs": args.epochs if args.epochs is not None else (30 if quick else 100),
        },
        "n_train": 10_000 if not quick else 2_000,
        "n_val": 1_000 if not quick else 500,
        "group_decimals": GROUP_DECIMALS,
        "min_argmax_ratio": MIN_ARGMAX_RATIO,
        "max_accuracy_gap": MAX_ACCURACY_GAP,
        "version": VERSION,
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # the cache key includes the source of the code a cell runs, so editing it invalidates the cache
    code = code_fingerprint("generators", "symile_min", "experiments.sufficiency_learned")
    cells = []
    for p in cfg["ps"]:
        for method, negatives in cfg["methods"]:
            cells.append(
                {
                    "d": cfg["d"],
                    "p": float(p),
                    "method": method,
                    "train": {**cfg["train"], "negatives": negatives},
                    "n_train": cfg["n_train"],
                    "n_val": cfg["n_val"],
                    "group_decimals": cfg["group_decimals"],
                    # the seed's identity is the one of the combined script, so the numbers did not change
                    "seed": cell_seed(master_seed, "sufficiency-xor", cfg["d"], float(p), method, negatives),
                    "version": VERSION,
                    "code": code,
                }
            )
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    rows = [learned_row(cell, res) for cell, res in zip(cells, results, strict=True)]
    return {"sufficiency_learned": pd.DataFrame(rows)}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Where b is predictable the Symile rule keeps I(b; a, c) and is the Bayes rule.

    An untrained model has ratio ~0 and chance accuracy; a model that relabels its predictions keeps the
    ratio, not the accuracy.
    """
    learned, need, gap = tables["sufficiency_learned"], cfg["min_argmax_ratio"], cfg["max_accuracy_gap"]
    sym_hi = learned[(learned["method"] == "symile") & (learned["p"] >= 0.5)]
    if not len(sym_hi):
        return []
    worst = float(sym_hi["argmax_ratio"].min())
    shortfall = sym_hi["bayes_accuracy"] - sym_hi["accuracy"]
    at = sym_hi.loc[shortfall.idxmax()]
    return [
        Check(
            f"learned: Symile I(b; argmax)/I(b; a,c) >= {need} for p >= 0.5",
            worst >= need,
            f"min {worst:.3f}",
        ),
        Check(
            f"learned: Symile accuracy within {gap} of Bayes for p >= 0.5",
            float(shortfall.max()) <= gap,
            f"largest shortfall {shortfall.max():.4f} at p = {at['p']:g} ({at['accuracy']:.4f} vs "
            f"{at['bayes_accuracy']:.4f})",
        ),
    ]


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    from experiments._zero_shot import METHOD_STYLES

    learned, d = tables["sufficiency_learned"], cfg["d"]
    fig, (acc_ax, ratio_ax) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    first = learned.drop_duplicates("p")
    acc_ax.plot(first["p"], first["bayes_accuracy"], "k-", lw=3, alpha=0.3, label="Bayes $q + p(1-q)$")
    acc_ax.plot(first["p"], first["chance"], "k:", label="chance $2^{-d}$")
    styles = {
        "grouping_ratio": dict(ls="--", marker="s", ms=7, mfc="none"),
        "argmax_ratio": dict(ls="-", marker="o", ms=4),
        "usable_ratio": dict(ls=":", marker="^", ms=4),
    }
    for method in learned["method"].unique():
        label, color, marker = METHOD_STYLES[method]
        sub = learned[learned["method"] == method]
        acc_ax.plot(sub["p"], sub["accuracy"], marker, color=color, ms=7, label=f"learned {label}")
        sub = sub[sub["p"] > 0]
        for col, style in styles.items():
            ratio_ax.plot(sub["p"], sub[col], color=color, label=f"{label}: {col}", **style)
    ratio_ax.axhline(cfg["min_argmax_ratio"], color="grey", lw=0.8, label=f"{cfg['min_argmax_ratio']}")
    acc_ax.set(
        xlabel="switch probability p",
        ylabel="accuracy of predicting b from (a, c)",
        title=f"Zero-shot accuracy of trained models, XOR d={d}",
    )
    ratio_ax.set(
        xlabel="switch probability p",
        ylabel="fraction of I(b; a, c)",
        ylim=(-0.1, 1.1),
        title=f"Learned sufficiency, XOR d={d} (p=0: undefined)",
    )
    acc_ax.legend(fontsize=7)
    ratio_ax.legend(fontsize=7)
    return fig


EXPERIMENT = _runner.Experiment(
    name="sufficiency_learned",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    batch=_batch,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab sufficiency-learned``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt(
        "--learned-d",
        type=_options.positive_int,
        default=None,
        help="d of the trained XOR models (5; quick 3)",
    )
    opt("--ps", type=_options.probability, nargs="+", default=None, help="p grid (0, 0.1, ..., 1)")
    opt("--epochs", type=_options.positive_int, default=None, help="training epochs (100; quick: 30)")


def run(args: argparse.Namespace) -> dict:
    """Train the models, write the outputs and print the PASS/FAIL line; returns the tables and checks."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.sufficiency_learned``: same as ``symile-lab sufficiency-learned``."""
    from experiments.cli import run_command

    return run_command("sufficiency-learned", argv)


if __name__ == "__main__":
    raise SystemExit(main())
