r"""Learned contrastive bounds on switched XOR against the exact information they bound and the exact critic.

A Symile model trained with batch size ``N`` gives the held-out lower bound
:math:`\log N - \mathcal{L}_\text{Symile} \le \mathrm{TC}(a; b; c)` (negatives ``"n"``; with the
``"n_squared"`` negatives the bound and its cap follow :func:`symile_min.bound_estimate`), and a pairwise
CLIP model bounds the **sum of pairwise mutual informations**
:math:`I(a;b) + I(b;c) + I(a;c)`. Each bound is capped (a batch of ``N`` can certify at most
:math:`\log N` nats per term). This script trains both on switched XOR (:class:`generators.BinaryXOR`,
``d = 5``) over ``p``, whose truth is exact: :meth:`~generators.BinaryXOR.total_correlation` and
:meth:`~generators.BinaryXOR.pairwise_mutual_information_sum` (:math:`= I(a;c)`, as
:math:`I(a;b) = I(b;c) = 0`). The same bounds on continuous data: ``symile-lab bounds-gaussian``
(:mod:`experiments.bounds_gaussian`).

Everything is in **bits** (bounds converted from nats). Per cell the held-out bound is the mean over test
batches of :math:`\log N - \mathcal{L}`, with its standard error over batches.

**Exact critic.** Next to every learned bound (column ``critic = "learned"``) the same held-out
estimator is evaluated with the *optimal* critic instead of the trained model (``critic = "exact"``): the
pointwise total correlation :math:`\log P(a,b,c) / (P(a)P(b)P(c))` for Symile and the pairwise PMIs
:math:`\log P(x,y) / (P(x)P(y))` for CLIP, computed exactly from :meth:`generators.BinaryXOR.joint_pmf`
(:func:`symile_min.exact_critic_bound`). Same test batches (the learned cell's own test set), same batch
size, same negatives (for ``"n"`` the same row permutations, drawn by the loss's own code), same
``log K - loss`` with mean ± se over batches. The gap between the two rows of a cell is what the learned
critic (linear encoders, normalised multilinear score) loses; the gap between the exact row and the truth
is the estimator's own (InfoNCE with ``N`` candidates).

Checks (printed as ``PASS``/``FAIL``): no bound exceeds its truth by more than 3 standard errors (a lower
bound cannot exceed the truth beyond noise); the exact critic recovers at least 90 % of min(truth, cap);
the learned Symile bound reaches 0.9 x TC (quick: 0.5) on deterministic XOR (``p = 0, 1``). The tightness
ratio ``bound / truth`` is reported per cell and is **NaN where the truth is 0** (CLIP's target at
``p = 1``), since a ratio to 0 is undefined.

Training settings are the paper's Figure 3: linear encoders, representation dimension 16, AdamW with
learning rate 0.1 and weight decay 0.01, batch 1000, 100 epochs, 10k/1k/5k train/validation/test samples.
``--quick`` shrinks everything to run in seconds.

Outputs in ``figures/`` (or ``--out``): ``bounds.png``/``.pdf``, ``bounds.csv`` (every plotted number),
``bounds_checks.csv``, ``bounds_config.json``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from experiments import _bounds, _options, _runner
from experiments._bounds import bound_checks
from experiments._cells import code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main"]

VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: The exact critic must recover at least this fraction of min(truth, cap) (InfoNCE's own gap is ~1-4 %).
EXACT_TIGHTNESS = 0.9


# --------------------------------------------------------------------------------------------------
# one cell: sample, train, estimate the held-out bound; the exact critic on the same batches


def _generator(cell: dict):
    from generators import BinaryXOR

    return BinaryXOR(d=cell["d"], p=cell["p"])


def _bound_batch(cells: list[dict]) -> list[dict]:
    """Train the cells' models (one batched call) and estimate each held-out bound (bits)."""
    # all N^2 combinations of a batch of N = 1000 are 10^9 scores per anchor; XOR inputs take only
    # 2^d values, so the same loss is computed exactly on the distinct rows (grouped form)
    return _bounds.learned_bounds(cells, _generator, grouped=True)


def _bound_cell(cell: dict) -> dict:
    """Train one model on the cell's data and estimate its held-out bound (bits)."""
    return _bound_batch([cell])[0]


def _exact_critic_row(cell: dict) -> dict:
    """The exact-critic bound (bits) on the same held-out batches as the learned cell ``cell``."""
    from generators import encode_bits
    from symile_min import exact_critic_bound

    gen = _generator(cell)
    # the learned cell's test set: same seed, same draws (train and validation are drawn first)
    _, _, test_data = _bounds.make_data(gen, cell, np.random.default_rng(cell["seed"]))
    est = exact_critic_bound(
        gen.joint_pmf(),  # the critic is the joint's pointwise TC (Symile) or PMIs (CLIP)
        [encode_bits(x.astype(np.int64)) for x in test_data],
        method=cell["method"],
        negatives=cell["negatives"],
        batch_size=cell["batch_size"],
        base=2,
    )
    return {
        "bound": est["bound"],
        "se": est["se"],
        "cap": est["cap"],
        "n_test_batches": int(est["n_batches"]),
        "best_epoch": math.nan,  # nothing is trained
        "final_logit_scale": math.nan,
    }


# --------------------------------------------------------------------------------------------------
# config, cells, table, checks


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    return {
        **_bounds.base_config(quick),
        "exact_tightness": EXACT_TIGHTNESS,
        "d": int(args.d),
        "ps": list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID)),
        "encoder": "linear",
        "lr": 0.1,
        "epochs": args.epochs if args.epochs is not None else (100 if not quick else 15),
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("generators", "symile_min", "experiments._bounds", __name__)  # edits: new cache
    cells = []
    for p in cfg["ps"]:
        setting = {"d": cfg["d"], "p": float(p), "version": VERSION, "code": code}
        identity = ("xor", cfg["d"], float(p))  # the seed's identity since XOR and Gaussian were one script
        cells += [_bounds.new_cell(cfg, master_seed, identity, setting, *m) for m in cfg["methods"]]
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    """One row per learned cell and one per exact critic, with the truth and the checks' columns."""
    rows = []
    for cell, res in zip(cells, results, strict=True):
        res = {k: v for k, v in res.items() if k != "train_seconds"}  # wall clock: kept out of the CSV
        truth = _bounds.truth_columns(cell, _generator(cell))
        rows.append({"d": cell["d"], "p": cell["p"], "critic": "learned", **truth, **res})
        exact = {"encoder": "none", **_exact_critic_row(cell)}  # the optimal critic: nothing is trained
        rows.append({"d": cell["d"], "p": cell["p"], "critic": "exact", **truth, **exact})
    return {"bounds": bound_checks(pd.DataFrame(rows), se_tolerance=cfg["se_tolerance"])}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Lower bounds stay below the truth; the exact critic and the learned Symile bound come close to it.

    The first check catches an estimator that overshoots (a wrong ``log K``, scoring on training data);
    the second one a broken estimator or exact critic (it must *recover* the truth, to within the
    estimator's own gap); the third one a model that did not learn (an untrained model scores ~0 bits).
    """
    frame = tables["bounds"]
    checks = [_bounds.overshoot_check(frame, cfg["se_tolerance"], "p")]
    exact = frame[(frame["critic"] == "exact") & (frame["truth"] > 1e-12)]
    if len(exact):
        ratio = exact["bound"] / np.minimum(exact["truth"], exact["cap"])
        need = cfg["exact_tightness"]
        checks.append(
            Check(
                f"exact-critic bound within {1 - need:.0%} of min(truth, cap) in every cell",
                bool((ratio >= need).all()),
                f"lowest ratio {ratio.min():.3f}",
            )
        )
    # where the learned Symile bound is expected to be tight: deterministic XOR (p = 0, 1)
    learned = frame[
        (frame["critic"] == "learned")
        & frame["method"].str.startswith("symile")
        & frame["p"].isin([0.0, 1.0])
    ]
    if len(learned):
        where = "on deterministic XOR (p = 0, 1)"
        checks.append(_bounds.tightness_check(learned, cfg["min_tightness"], where, "p"))
    return checks


def _report(cfg: dict, tables: dict) -> None:
    frame = tables["bounds"]
    cols = ["p", "method", "critic", "truth", "bound", "se", "cap", "tightness", "excess_in_se"]
    _bounds.print_bounds(frame, cols)
    side = frame.pivot_table(index="p", columns=["method", "critic"], values="tightness")
    print("tightness (bound / truth; NaN where the truth is 0), learned vs exact critic:")
    print(side.to_string(float_format=lambda x: f"{x:.3f}"))


def _plot(cfg: dict, tables: dict):
    title = (
        f"Switched XOR, d={cfg['d']}: held-out bounds vs exact truth\n"
        "(filled: learned critic; hollow: exact critic on the same batches)"
    )
    return _bounds.plot_bounds(tables["bounds"], "p", xlabel="p (XOR switch probability)", title=title)


EXPERIMENT = _runner.Experiment(
    name="bounds",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_bound_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
    batch=_bound_batch,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab bounds``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt("--d", type=_options.positive_int, default=5, help="XOR dimension d (default: 5)")
    opt("--ps", type=_options.probability, nargs="+", default=None, help="XOR p grid (0, 0.1, ..., 1)")
    opt("--epochs", type=_options.positive_int, default=None, help="training epochs (100; quick: 15)")


def run(args: argparse.Namespace) -> dict:
    """Train every cell, compare each bound with its exact truth and the exact critic, write the outputs."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.bounds``: same as ``symile-lab bounds``."""
    from experiments.cli import run_command

    return run_command("bounds", argv)


if __name__ == "__main__":
    raise SystemExit(main())
