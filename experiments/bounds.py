r"""Learned contrastive bounds against the exact information they bound.

A Symile model trained with batch size ``N`` gives the held-out lower bound
:math:`\log N - \mathcal{L}_\text{Symile} \le \mathrm{TC}(a; b; c)` (negatives ``"n"``; with the
``"n_squared"`` negatives the bound and its cap follow :func:`symile_min.bound_estimate`), and a pairwise
CLIP model bounds the **sum of pairwise mutual informations**
:math:`I(a;b) + I(b;c) + I(a;c)`. Each bound is capped (a batch of ``N`` can certify at most
:math:`\log N` nats per term). This script trains both on data whose truth is exact:

* **Switched XOR** (:class:`generators.BinaryXOR`, ``d = 5``) over ``p``: truth from the closed forms
  (``TC`` and ``I(a;c)``; :math:`I(a;b) = I(b;c) = 0`).
* **Gaussian** (:class:`generators.GaussianTC`, three modalities) at a few total correlations: truth from the
  correlation matrix ``R`` by determinants of its blocks,

  .. math:: \mathrm{TC} = \tfrac12 \log \frac{\prod_m \det R_{mm}}{\det R}, \qquad
            I(x_i; x_j) = \tfrac12 \log \frac{\det R_{ii} \det R_{jj}}{\det R_{[ij],[ij]}}.

Everything is in **bits** (bounds converted from nats). Per cell the held-out bound is the mean over test
batches of :math:`\log N - \mathcal{L}`, with its standard error over batches.

**Exact critic (XOR).** Next to every learned XOR bound (column ``critic = "learned"``) the same held-out
estimator is evaluated with the *optimal* critic instead of the trained model (``critic = "exact"``): the
pointwise total correlation :math:`\log P(a,b,c) / (P(a)P(b)P(c))` for Symile and the pairwise PMIs
:math:`\log P(x,y) / (P(x)P(y))` for CLIP, computed exactly from :meth:`generators.BinaryXOR.joint_pmf`
(:func:`symile_min.exact_critic_bound`). Same test batches (the learned cell's own test set), same batch
size, same negatives (for ``"n"`` the same row permutations, drawn by the loss's own code), same
``log K - loss`` with mean ± se over batches. The gap between the two rows of a cell is what the learned
critic (linear encoders, normalised multilinear score) loses; the gap between the exact row and the truth
is the estimator's own (InfoNCE with ``N`` candidates). Checks (printed as
``PASS``/``FAIL``): no bound exceeds its truth by more than 3 standard errors (a lower bound cannot exceed
the truth beyond noise); the tightness ratio ``bound / truth`` is reported per cell and is **NaN where the
truth is 0** (CLIP's target on XOR at ``p = 1``), since a ratio to 0 is undefined.

Training settings (XOR) are the paper's Figure 3: linear encoders, representation dimension 16, AdamW with
learning rate 0.1 and weight decay 0.01, batch 1000, 100 epochs, 10k/1k/5k train/validation/test samples.
Gaussian data use MLP encoders (a multilinear inner product of linear features cannot represent the optimal
Gaussian critic, a quadratic form). ``--quick`` shrinks everything to run in seconds.

Outputs in ``figures/`` (or ``--out``): ``bounds.png``/``.pdf``, ``bounds.csv`` (every plotted number),
``bounds_config.json``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from experiments import _options, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "xor_truth", "gaussian_truth", "bound_checks"]

VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: (method, negatives) pairs trained in every setting
METHODS = (("symile", "n"), ("symile", "n_squared"), ("clip", "n"))
#: A bound is "above its truth" when bound - truth > SE_TOLERANCE * se.
SE_TOLERANCE = 3.0
#: The exact critic must recover at least this fraction of min(truth, cap) (InfoNCE's own gap is ~1-4 %).
EXACT_TIGHTNESS = 0.9
#: The learned Symile bound must reach this fraction of TC where it can be tight (see ``_checks``).
MIN_TIGHTNESS = {"full": 0.9, "quick": 0.5}


# --------------------------------------------------------------------------------------------------
# exact truth


def xor_truth(d: int, p: float) -> dict:
    """Exact targets of the bounds on switched XOR (bits): ``TC`` and ``pairwise_sum`` = I(a;b)+I(b;c)+I(a;c).

    Examples
    --------
    >>> t = xor_truth(5, 0.5)
    >>> round(t["TC"], 4), round(t["pairwise_sum"], 4)
    (4.0312, 1.601)
    """
    from generators import xor_info_table

    table = xor_info_table(int(d), float(p))
    return {
        "TC": float(table["TC"]),
        "pairwise_sum": float(table["I(a;b)"] + table["I(b;c)"] + table["I(a;c)"]),
    }


def gaussian_truth(gen) -> dict:
    """Exact targets of the bounds on a :class:`generators.GaussianTC` (bits): ``TC`` and ``pairwise_sum``.

    Both come from the generator's own closed forms (log-determinants of blocks of its correlation matrix).

    Examples
    --------
    >>> from generators import GaussianTC
    >>> t = gaussian_truth(GaussianTC.from_total_correlation((2, 2, 2), 1.0))
    >>> round(t["TC"], 6), bool(t["pairwise_sum"] > t["TC"])  # equicorrelated: pairs overlap
    (1.0, True)
    """
    m_count = len(gen.dims)
    pairs = [gen.mutual_information(i, j) for i in range(m_count) for j in range(i + 1, m_count)]
    return {"TC": float(gen.total_correlation()), "pairwise_sum": float(sum(pairs))}


# --------------------------------------------------------------------------------------------------
# the exact (optimal) critic on XOR and its held-out bound


def _exact_critic_row(cell: dict) -> dict:
    """The exact-critic bound (bits) on the same held-out batches as the learned XOR cell ``cell``."""
    from generators import encode_bits
    from symile_min import exact_critic_bound

    # the learned cell's test set: same seed, same draws (train and validation are drawn first)
    _, _, test_data = _make_data(cell, np.random.default_rng(cell["seed"]))
    codes = [encode_bits(x.astype(np.int64)) for x in test_data]
    est = exact_critic_bound(
        _generator(cell).joint_pmf(),  # the critic is the joint's pointwise TC (Symile) or PMIs (CLIP)
        codes,
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
# one cell: sample, train, estimate the held-out bound


def _make_data(cell: dict, rng: np.random.Generator):
    """(train, val, test) lists of float32 arrays for the cell's dataset."""
    gen = _generator(cell)
    out = []
    for n in (cell["n_train"], cell["n_val"], cell["n_test"]):
        sample = gen.sample(n, rng)
        # the generator's modality order (sorted(sample) put x10 before x2; regression: issue 9)
        out.append([np.asarray(sample[k], dtype=np.float32) for k in gen.names])
    return out


def _generator(cell: dict):
    from generators import BinaryXOR, GaussianTC

    if cell["data"] == "xor":
        return BinaryXOR(d=cell["d"], p=cell["p"])
    return GaussianTC.from_total_correlation(tuple(cell["dims"]), cell["tc_bits"])


def _train_config(cell: dict):
    from symile_min import TrainConfig

    keys = ("method", "negatives", "rep_dim", "encoder", "lr", "weight_decay", "batch_size", "epochs")
    return TrainConfig(**{k: cell[k] for k in keys}, seed=cell["seed"] % (2**31))


def _bound_batch(cells: list[dict]) -> list[dict]:
    """Train the cells' models (batched where they share an architecture) and estimate each held-out bound."""
    from symile_min import bound_estimate
    from symile_min.multi import train_many

    data = [_make_data(cell, np.random.default_rng(cell["seed"])) for cell in cells]
    pairs = [(train_data, val_data) for train_data, val_data, _ in data]
    runs = train_many(pairs, [_train_config(c) for c in cells])
    out = []
    for cell, (_, _, test_data), result in zip(cells, data, runs, strict=True):
        # all N^2 combinations of a batch of N = 1000 are 10^9 scores per anchor; XOR inputs take only
        # 2^d values, so the same loss is computed exactly on the distinct rows (grouped form)
        grouped = cell["data"] == "xor" and cell["negatives"] == "n_squared"
        est = bound_estimate(
            result.model,
            test_data,
            method=cell["method"],
            negatives=cell["negatives"],
            batch_size=cell["batch_size"],
            base=2,
            grouped=grouped,
        )
        out.append(
            {
                "bound": float(est["bound"]),
                "se": float(est["se"]),
                "cap": float(est["cap"]),
                "n_test_batches": int(est["n_batches"]),
                "best_epoch": int(result.best_epoch),
                "final_logit_scale": float(result.history["logit_scale"].iloc[-1]),
                "train_seconds": round(result.seconds, 1),  # of the whole batched call
            }
        )
    return out


def _batch_key(cell: dict):
    """Cells trained in one batched call: every XOR cell, the Gaussian "n_squared" ones (small batches of
    continuous rows); the other Gaussian cells (batches of 1000 continuous rows: train() one by one) alone."""
    if cell["data"] == "xor":
        return "xor"
    return "gaussian-n_squared" if cell["negatives"] == "n_squared" else None


def _bound_cell(cell: dict) -> dict:
    """Train one model on the cell's data and estimate its held-out bound (bits)."""
    return _bound_batch([cell])[0]


# --------------------------------------------------------------------------------------------------
# checks


def bound_checks(frame: pd.DataFrame, *, se_tolerance: float = SE_TOLERANCE) -> pd.DataFrame:
    """Add columns ``excess_in_se`` = (bound − truth)/se, ``within_tolerance``, ``tightness`` = bound/truth.

    ``tightness`` is NaN where the truth is 0 (undefined ratio). A zero standard error counts as
    within tolerance only if the bound does not exceed the truth.
    """
    frame = frame.copy()
    excess = frame["bound"] - frame["truth"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["excess_in_se"] = np.where(
            frame["se"] > 0, excess / frame["se"], np.where(excess > 0, np.inf, 0.0)
        )
        frame["tightness"] = np.where(frame["truth"] > 1e-12, frame["bound"] / frame["truth"], np.nan)
    frame["within_tolerance"] = frame["excess_in_se"] <= se_tolerance
    return frame


# --------------------------------------------------------------------------------------------------
# config, cells, table, checks


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    ps = list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID))
    tcs = list(args.tcs) if args.tcs is not None else ([1.0] if quick else [0.5, 1.0, 2.0])
    common = {"rep_dim": 16, "lr": 0.1, "weight_decay": 0.01}
    return {
        "quick": quick,
        "seed": int(args.seed),
        "methods": [list(m) for m in METHODS],
        "se_tolerance": SE_TOLERANCE,
        "min_tightness": MIN_TIGHTNESS["quick" if quick else "full"],
        "xor": {
            "d": int(args.d),
            "ps": ps,
            "encoder": "linear",
            **common,
            "batch_size": 1000 if not quick else 250,
            "epochs": args.epochs if args.epochs is not None else (100 if not quick else 15),
            "n_train": 10_000 if not quick else 2_000,
            "n_val": 1_000 if not quick else 500,
            "n_test": 5_000 if not quick else 1_000,
        },
        "gaussian": {
            "tcs_bits": tcs,
            "dims": [2, 2, 2],
            "encoder": "mlp",
            **common,
            "lr": 0.01,
            "batch_size": 1000 if not quick else 250,
            "epochs": args.gaussian_epochs
            if args.gaussian_epochs is not None
            else (100 if not quick else 15),
            # all N^2 negatives of continuous data cost N^3 scores per step: a smaller batch, fewer epochs
            "n_squared_batch_size": 64 if not quick else 32,
            "n_squared_epochs": 20 if not quick else 3,
            "n_train": 10_000 if not quick else 2_000,
            "n_val": 1_000 if not quick else 500,
            "n_test": 5_000 if not quick else 1_000,
        },
        "version": VERSION,
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    cells = []
    shared = ("encoder", "rep_dim", "lr", "weight_decay", "batch_size", "epochs")
    shared += ("n_train", "n_val", "n_test")
    x, g = cfg["xor"], cfg["gaussian"]
    for p in x["ps"]:
        for method, negatives in cfg["methods"]:
            cell = {k: x[k] for k in shared}
            cell.update(data="xor", d=x["d"], p=float(p), method=method, negatives=negatives)
            cell["seed"] = cell_seed(master_seed, "bounds", "xor", x["d"], float(p), method, negatives)
            cells.append(cell)
    for tc in g["tcs_bits"]:
        for method, negatives in cfg["methods"]:
            cell = {k: g[k] for k in shared}
            cell.update(
                data="gaussian", dims=g["dims"], tc_bits=float(tc), method=method, negatives=negatives
            )
            if negatives == "n_squared":
                cell.update(batch_size=g["n_squared_batch_size"], epochs=g["n_squared_epochs"])
            cell["seed"] = cell_seed(master_seed, "bounds", "gaussian", float(tc), method, negatives)
            cells.append(cell)
    code = code_fingerprint("generators", "symile_min", "experiments.bounds")  # edits invalidate the cache
    for cell in cells:
        cell["version"] = VERSION
        cell["code"] = code
    return cells


def _truth(cell: dict) -> dict:
    if cell["data"] == "xor":
        return xor_truth(cell["d"], cell["p"])
    return gaussian_truth(_generator(cell))


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    """One row per learned cell (and per exact critic on XOR), with its truth and the checks' columns."""
    rows = []
    for cell, res in zip(cells, results):
        res = dict(res)
        res.pop("train_seconds")  # wall clock: kept out of the byte-stable CSV
        truth = _truth(cell)
        target = "pairwise_sum" if cell["method"] == "clip" else "TC"
        row = {
            "dataset": cell["data"],
            "d": cell.get("d", 0),
            "param_name": "p" if cell["data"] == "xor" else "TC_bits",
            "param": cell["p"] if cell["data"] == "xor" else cell["tc_bits"],
            "method": cell["method"] if cell["method"] == "clip" else f"symile-{cell['negatives']}",
            "critic": "learned",
            "encoder": cell["encoder"],
            "target": target,
            "truth": truth[target],
            "TC": truth["TC"],
            "pairwise_sum": truth["pairwise_sum"],
        }
        rows.append({**row, **res})
        if cell["data"] == "xor":  # the optimal critic on the same held-out batches (cheap: no training)
            rows.append({**row, "critic": "exact", "encoder": "none", **_exact_critic_row(cell)})
    return {"bounds": bound_checks(pd.DataFrame(rows), se_tolerance=cfg["se_tolerance"])}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Lower bounds stay below the truth; the exact critic and the learned Symile bound come close to it.

    The first check catches an estimator that overshoots (a wrong ``log K``, scoring on training data);
    the second one a broken estimator or exact critic (it must *recover* the truth, to within the
    estimator's own gap); the third one a model that did not learn (an untrained model scores ~0 bits).
    """
    frame = tables["bounds"]
    tol = cfg["se_tolerance"]
    bad = frame[~frame["within_tolerance"]]
    over = "; ".join(
        f"{r.dataset} {r.param_name}={r.param} {r.method} ({r.critic} critic): +{r.excess_in_se:.1f} se"
        for r in bad.itertuples()
    )
    exact = frame[(frame["critic"] == "exact") & (frame["truth"] > 1e-12)]
    target = np.minimum(exact["truth"], exact["cap"])
    exact_ratio = exact["bound"] / target
    # where the learned Symile bound is expected to be tight: deterministic XOR (p = 0, 1) and Gaussians
    learned = frame[
        (frame["critic"] == "learned")
        & frame["method"].str.startswith("symile")
        & ((frame["dataset"] == "gaussian") | frame["param"].isin([0.0, 1.0]))
    ]
    need = cfg["min_tightness"]
    worst = learned.loc[learned["tightness"].idxmin()] if len(learned) else None
    checks = [
        Check(
            f"no bound exceeds its truth by more than {tol:g} se",
            bad.empty,
            "all cells" if bad.empty else over,
        ),
    ]
    if len(exact):
        checks.append(
            Check(
                f"exact-critic bound within {1 - EXACT_TIGHTNESS:.0%} of min(truth, cap) in every XOR cell",
                bool((exact_ratio >= EXACT_TIGHTNESS).all()),
                f"lowest ratio {exact_ratio.min():.3f}",
            )
        )
    if worst is not None:
        checks.append(
            Check(
                f"learned Symile bound >= {need:g} x TC on deterministic XOR (p = 0, 1) and every Gaussian",
                bool((learned["tightness"] >= need).all()),
                f"lowest {worst['tightness']:.3f} ({worst['dataset']} "
                f"{worst['param_name']}={worst['param']:g} {worst['method']})",
            )
        )
    return checks


def _report(cfg: dict, tables: dict) -> None:
    frame = tables["bounds"]
    cols = ["dataset", "param", "method", "critic", "truth", "bound", "se", "cap", "tightness"]
    cols.append("excess_in_se")
    with pd.option_context("display.width", 140, "display.max_rows", 200):
        print(frame[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        xor = frame[frame["dataset"] == "xor"]
        if (xor["critic"] == "exact").any():
            side = xor.pivot_table(index="param", columns=["method", "critic"], values="tightness")
            print("XOR tightness (bound / truth; NaN where the truth is 0), learned vs exact critic:")
            print(side.to_string(float_format=lambda x: f"{x:.3f}"))
    n_nan = int(frame["tightness"].isna().sum())
    if n_nan:
        print(f"note: tightness is NaN in {n_nan} row(s) where the truth is 0 (ratio undefined)")


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    frame = tables["bounds"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"symile-n": ("C0", "o"), "symile-n_squared": ("C2", "s"), "clip": ("C1", "^")}
    for ax, dataset in zip(axes, ("xor", "gaussian")):
        sub = frame[frame["dataset"] == dataset].sort_values("param")
        if sub.empty:
            ax.set_visible(False)
            continue
        first = sub.drop_duplicates("param")
        x = first["param"]
        ax.plot(x, first["TC"], "k-", marker="_", ms=14, lw=2, label="exact TC (Symile's target)")
        ax.plot(x, first["pairwise_sum"], "-", color="grey", lw=2, label="exact Σ pairwise MI (CLIP's)")
        top = 1.25 * float(np.nanmax(np.r_[sub["TC"], sub["pairwise_sum"], sub["bound"] + sub["se"]]))
        caps = sub.groupby("method")["cap"].first()
        if caps.min() <= 2.5 * top:  # show the lowest cap when it is not far above the data
            top = max(top, 1.3 * caps.min())  # headroom for the legend above the cap line
        for method, (color, marker) in styles.items():
            m = sub[(sub["method"] == method) & (sub["critic"] == "learned")]
            if m.empty:
                continue
            ax.errorbar(m["param"], m["bound"], yerr=m["se"], fmt=marker, color=color, ms=5, capsize=2,
                        label=f"{method} bound ± se")
            exact = sub[(sub["method"] == method) & (sub["critic"] == "exact")]
            if not exact.empty:  # hollow, nudged right so that it does not hide the learned marker
                ax.errorbar(exact["param"] + 0.015, exact["bound"], yerr=exact["se"], fmt=marker, color=color,
                            mfc="none", ms=6, capsize=2, label=f"{method}, exact critic")
            cap = float(caps[method])
            where = "" if cap <= top else ", above the axis"
            ax.axhline(cap, color=color, ls="--", lw=1, label=f"cap {method} = {cap:.2f}{where}")
        ax.set_ylim(min(-0.2, float(sub["bound"].min()) - 0.2), top)
        xlabel = "p (XOR switch probability)" if dataset == "xor" else "exact TC of the Gaussian (bits)"
        title = (
            f"Switched XOR, d={int(sub['d'].iloc[0])}: held-out bounds vs exact truth\n"
            "(filled: learned critic; hollow: exact critic on the same batches)"
            if dataset == "xor"
            else "Gaussian, 3 modalities x 2 dims (MLP encoders)"
        )
        ax.set(xlabel=xlabel, ylabel="bits", title=title)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


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
    batch_key=_batch_key,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab bounds``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt("--d", type=_options.positive_int, default=5, help="XOR dimension d (default: 5)")
    opt("--ps", type=_options.probability, nargs="+", default=None, help="XOR p grid (0, 0.1, ..., 1)")
    opt("--tcs", type=_options.positive_float, nargs="+", default=None,
        help="Gaussian total correlations in bits (0.5 1 2)")
    opt("--epochs", type=_options.positive_int, default=None, help="XOR training epochs (100; quick: 15)")
    opt("--gaussian-epochs", type=_options.positive_int, default=None,
        help="Gaussian training epochs (100; quick: 15)")


def run(args: argparse.Namespace) -> dict:
    """Train every cell, compare each bound with its exact truth, write the outputs; returns the tables."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.bounds``: same as ``symile-lab bounds``."""
    from experiments.cli import run_command

    return run_command("bounds", argv)


if __name__ == "__main__":
    raise SystemExit(main())
