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
batches of :math:`\log N - \mathcal{L}`, with its standard error over batches. Checks (printed as
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
import time

import numpy as np
import pandas as pd

from experiments import _io, _sweep

__all__ = [
    "add_arguments",
    "run",
    "main",
    "gaussian_block_truth",
    "xor_truth",
    "bound_checks",
]

VERSION = 1
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: (method, negatives) pairs trained in every setting
METHODS = (("symile", "n"), ("symile", "n_squared"), ("clip", "n"))
#: A bound is "above its truth" when bound - truth > SE_TOLERANCE * se.
SE_TOLERANCE = 3.0


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


def gaussian_block_truth(R: np.ndarray, dims, *, base: float = 2) -> dict:
    r"""Exact total correlation and pairwise mutual informations of a Gaussian with correlation matrix ``R``.

    .. math:: \mathrm{TC} = \tfrac12 \log \frac{\prod_m \det R_{mm}}{\det R}, \qquad
              I(x_i; x_j) = \tfrac12 \log \frac{\det R_{ii}\, \det R_{jj}}{\det R_{[ij],[ij]}}

    Parameters
    ----------
    R : ndarray, shape (D, D)
        Correlation (or covariance) matrix, positive definite.
    dims : sequence of int
        Block sizes (one per modality), summing to ``D``.
    base : float, default 2 (bits)

    Returns
    -------
    dict
        ``TC``, ``pairwise_sum`` and ``I(i;j)`` for every pair, in units of ``log base`` (bits by default).

    Examples
    --------
    >>> rho = 0.5
    >>> R = np.array([[1, rho, 0], [rho, 1, 0], [0, 0, 1.0]])
    >>> t = gaussian_block_truth(R, [1, 1, 1])
    >>> round(t["I(0;1)"], 6), round(float(-0.5 * np.log2(1 - rho**2)), 6), t["I(0;2)"], t["I(1;2)"]
    (0.207519, 0.207519, 0.0, 0.0)
    """
    R = np.asarray(R, dtype=np.float64)
    dims = [int(k) for k in dims]
    if R.ndim != 2 or R.shape[0] != R.shape[1] or sum(dims) != R.shape[0]:
        raise ValueError(f"R must be square with side sum(dims) = {sum(dims)}, got shape {R.shape}")
    edges = np.cumsum([0, *dims])
    blocks = [np.arange(edges[m], edges[m + 1]) for m in range(len(dims))]

    def logdet(idx):
        sign, value = np.linalg.slogdet(R[np.ix_(idx, idx)])
        if sign <= 0:
            raise ValueError("R must be positive definite")
        return float(value)

    scale = 1.0 / math.log(base)
    out = {"TC": 0.5 * (sum(logdet(b) for b in blocks) - logdet(np.arange(R.shape[0]))) * scale}
    total = 0.0
    for i in range(len(dims)):
        for j in range(i + 1, len(dims)):
            both = np.concatenate([blocks[i], blocks[j]])
            mi = 0.5 * (logdet(blocks[i]) + logdet(blocks[j]) - logdet(both)) * scale
            mi = 0.0 if abs(mi) < 1e-14 else mi  # round-off of an exactly independent pair
            out[f"I({i};{j})"] = mi
            total += mi
    out["pairwise_sum"] = total
    return out


# --------------------------------------------------------------------------------------------------
# one cell: sample, train, estimate the held-out bound


def _make_data(cell: dict, rng: np.random.Generator):
    """(train, val, test) lists of float32 arrays for the cell's dataset."""
    if cell["data"] == "xor":
        from generators import BinaryXOR

        gen = BinaryXOR(d=cell["d"], p=cell["p"])
        keys = ("a", "b", "c")
    else:
        gen = _gaussian(cell)
        keys = None
    out = []
    for n in (cell["n_train"], cell["n_val"], cell["n_test"]):
        sample = gen.sample(n, rng)
        ks = keys if keys is not None else sorted(sample)
        out.append([np.asarray(sample[k], dtype=np.float32) for k in ks])
    return out


def _gaussian(cell: dict):
    from generators import GaussianTC

    return GaussianTC.from_total_correlation(tuple(cell["dims"]), cell["tc_bits"])


def _bound_cell(cell: dict) -> dict:
    """Train one model on the cell's data and estimate its held-out bound (bits)."""
    from symile_min import TrainConfig, bound_estimate, train

    rng = np.random.default_rng(cell["seed"])
    train_data, val_data, test_data = _make_data(cell, rng)
    config = TrainConfig(
        method=cell["method"],
        negatives=cell["negatives"],
        rep_dim=cell["rep_dim"],
        encoder=cell["encoder"],
        lr=cell["lr"],
        weight_decay=cell["weight_decay"],
        batch_size=cell["batch_size"],
        epochs=cell["epochs"],
        seed=cell["seed"] % (2**31),
    )
    t0 = time.perf_counter()
    result = train(train_data, val_data, config)
    seconds = time.perf_counter() - t0
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
    return {
        "bound": float(est["bound"]),
        "se": float(est["se"]),
        "cap": float(est["cap"]),
        "n_test_batches": int(est["n_batches"]),
        "best_epoch": int(result.best_epoch),
        "final_logit_scale": float(result.history["logit_scale"].iloc[-1]),
        "train_seconds": round(seconds, 1),
    }


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
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab bounds``."""
    _sweep.add_common_arguments(parser)
    parser.add_argument("--d", type=int, default=5, help="XOR dimension d (default: %(default)s)")
    parser.add_argument("--ps", type=float, nargs="+", default=None, help="XOR p grid (0, 0.1, ..., 1)")
    parser.add_argument(
        "--tcs", type=float, nargs="+", default=None, help="Gaussian total correlations in bits (0.5 1 2)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="XOR training epochs (100; quick: 15)")
    parser.add_argument(
        "--gaussian-epochs", type=int, default=None, help="Gaussian training epochs (100; quick: 15)"
    )


def _resolve_config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    ps = list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID))
    for p in ps:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"every p must be in [0, 1], got {p!r}")
    tcs = list(args.tcs) if args.tcs is not None else ([1.0] if quick else [0.5, 1.0, 2.0])
    for tc in tcs:
        if not tc > 0:
            raise ValueError(f"every Gaussian total correlation must be > 0 bits, got {tc!r}")
    if args.d < 1:
        raise ValueError(f"--d must be >= 1, got {args.d!r}")
    common = {"rep_dim": 16, "lr": 0.1, "weight_decay": 0.01}
    return {
        "quick": quick,
        "seed": int(args.seed),
        "methods": [list(m) for m in METHODS],
        "se_tolerance": SE_TOLERANCE,
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


def _cells(cfg: dict) -> list[dict]:
    cells = []
    shared = (
        "encoder",
        "rep_dim",
        "lr",
        "weight_decay",
        "batch_size",
        "epochs",
        "n_train",
        "n_val",
        "n_test",
    )
    x, g = cfg["xor"], cfg["gaussian"]
    for p in x["ps"]:
        for method, negatives in cfg["methods"]:
            cell = {k: x[k] for k in shared}
            cell.update(data="xor", d=x["d"], p=float(p), method=method, negatives=negatives)
            cell["seed"] = _sweep.cell_seed(cfg["seed"], "bounds", "xor", x["d"], float(p), method, negatives)
            cells.append(cell)
    for tc in g["tcs_bits"]:
        for method, negatives in cfg["methods"]:
            cell = {k: g[k] for k in shared}
            cell.update(
                data="gaussian", dims=g["dims"], tc_bits=float(tc), method=method, negatives=negatives
            )
            if negatives == "n_squared":
                cell.update(batch_size=g["n_squared_batch_size"], epochs=g["n_squared_epochs"])
            cell["seed"] = _sweep.cell_seed(cfg["seed"], "bounds", "gaussian", float(tc), method, negatives)
            cells.append(cell)
    for cell in cells:
        cell["version"] = VERSION
    return cells


def _truth(cell: dict) -> dict:
    if cell["data"] == "xor":
        return xor_truth(cell["d"], cell["p"])
    gen = _gaussian(cell)
    return gaussian_block_truth(gen.correlation_matrix, cell["dims"])


def run(args: argparse.Namespace) -> pd.DataFrame:
    """Train every cell, compare each bound with its exact truth, write the outputs; return the table."""
    t0 = time.perf_counter()
    cfg = _resolve_config(args)
    out = _io.resolve_out(args.out)
    cells = _cells(cfg)
    results = _sweep.run_sweep(_bound_cell, cells, args, out, "bounds")
    rows = []
    train_seconds = 0.0
    for cell, res in zip(cells, results):
        res = dict(res)
        train_seconds += res.pop("train_seconds")  # wall clock: printed, kept out of the byte-stable CSV
        truth = _truth(cell)
        target = "pairwise_sum" if cell["method"] == "clip" else "TC"
        rows.append(
            {
                "dataset": cell["data"],
                "d": cell.get("d", 0),
                "param_name": "p" if cell["data"] == "xor" else "TC_bits",
                "param": cell["p"] if cell["data"] == "xor" else cell["tc_bits"],
                "method": cell["method"] if cell["method"] == "clip" else f"symile-{cell['negatives']}",
                "encoder": cell["encoder"],
                "target": target,
                "truth": truth[target],
                "TC": truth["TC"],
                "pairwise_sum": truth["pairwise_sum"],
                **res,
            }
        )
    frame = bound_checks(pd.DataFrame(rows))
    _io.write_csv(out / "bounds.csv", frame)
    _io.write_json(out / "bounds_config.json", cfg)
    _io.save_figure(_plot(frame), out, "bounds", close=True)

    _print_report(frame)
    print(
        f"bounds: wrote {out}/bounds.* in {time.perf_counter() - t0:.1f} s "
        f"(training time of the {len(cells)} cells, cached or not: {train_seconds:.0f} s)"
    )
    return frame


def _print_report(frame: pd.DataFrame) -> None:
    cols = ["dataset", "param", "method", "truth", "bound", "se", "cap", "tightness", "excess_in_se"]
    with pd.option_context("display.width", 140, "display.max_rows", 200):
        print(frame[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    n_nan = int(frame["tightness"].isna().sum())
    if n_nan:
        print(f"note: tightness is NaN in {n_nan} row(s) where the truth is 0 (ratio undefined)")
    bad = frame[~frame["within_tolerance"]]
    ok = bad.empty
    detail = (
        "all cells"
        if ok
        else "; ".join(
            f"{r.dataset} {r.param_name}={r.param} {r.method}: +{r.excess_in_se:.1f} se"
            for r in bad.itertuples()
        )
    )
    print(
        f"{'PASS' if ok else 'FAIL'}  no bound exceeds its truth by more than {SE_TOLERANCE:g} se ({detail})"
    )


def _plot(frame: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"symile-n": ("C0", "o"), "symile-n_squared": ("C2", "s"), "clip": ("C1", "^")}
    for ax, dataset in zip(axes, ("xor", "gaussian")):
        sub = frame[frame["dataset"] == dataset].sort_values("param")
        if sub.empty:
            ax.set_visible(False)
            continue
        first = sub.drop_duplicates("param")
        ax.plot(
            first["param"], first["TC"], "k-", marker="_", ms=14, lw=2, label="exact TC (Symile's target)"
        )
        ax.plot(
            first["param"],
            first["pairwise_sum"],
            "-",
            color="grey",
            lw=2,
            label="exact Σ pairwise MI (CLIP's)",
        )
        top = 1.25 * float(np.nanmax(np.r_[sub["TC"], sub["pairwise_sum"], sub["bound"] + sub["se"]]))
        caps = sub.groupby("method")["cap"].first()
        if caps.min() <= 2.5 * top:  # show the lowest cap when it is not far above the data
            top = max(top, 1.3 * caps.min())  # headroom for the legend above the cap line
        for method, (color, marker) in styles.items():
            m = sub[sub["method"] == method]
            if m.empty:
                continue
            ax.errorbar(
                m["param"],
                m["bound"],
                yerr=m["se"],
                fmt=marker,
                color=color,
                ms=5,
                capsize=2,
                label=f"{method} bound ± se",
            )
            cap = float(caps[method])
            where = "" if cap <= top else ", above the axis"
            ax.axhline(cap, color=color, ls="--", lw=1, label=f"cap {method} = {cap:.2f}{where}")
        ax.set_ylim(min(-0.2, float(sub["bound"].min()) - 0.2), top)
        xlabel = "p (XOR switch probability)" if dataset == "xor" else "exact TC of the Gaussian (bits)"
        title = (
            f"Switched XOR, d={int(sub['d'].iloc[0])}: held-out bounds vs exact truth"
            if dataset == "xor"
            else "Gaussian, 3 modalities x 2 dims (MLP encoders)"
        )
        ax.set(xlabel=xlabel, ylabel="bits", title=title)
        ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.bounds``: same as ``symile-lab bounds``."""
    from experiments.cli import run_command

    return run_command("bounds", argv)


if __name__ == "__main__":
    raise SystemExit(main())
