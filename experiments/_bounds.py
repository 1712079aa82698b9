r"""Learned contrastive bounds against exact truth: the parts ``bounds`` (XOR) and ``bounds-gaussian`` share.

A cell trains one model (:func:`symile_min.multi.train_many`: cells of one architecture train as one
batched computation) on data drawn from a generator that carries its truth, and estimates the held-out
bound :math:`\log K - \mathcal{L}` in **bits** (:func:`symile_min.bound_estimate`: mean ± standard error
over test batches, and the cap). Symile's target is the total correlation, CLIP's the sum of the pairwise
mutual informations; both come from the generator (``total_correlation()``,
``pairwise_mutual_information_sum()``). :func:`base_config` holds the settings both scripts share,
:func:`new_cell` builds one cell with its seed, :func:`bound_checks` adds the columns every check reads,
:func:`overshoot_check` and :func:`tightness_check` are the two checks both scripts make, and
:func:`plot_bounds` / :func:`print_bounds` draw and print one table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from experiments._cells import cell_seed
from experiments._runner import Check

__all__ = [
    "METHODS",
    "MIN_TIGHTNESS",
    "SE_TOLERANCE",
    "base_config",
    "bound_checks",
    "learned_bounds",
    "make_data",
    "new_cell",
    "overshoot_check",
    "plot_bounds",
    "print_bounds",
    "tightness_check",
    "truth_columns",
]

#: (method, negatives) pairs trained in every setting
METHODS = (("symile", "n"), ("symile", "n_squared"), ("clip", "n"))
#: A bound is "above its truth" when bound - truth > SE_TOLERANCE * se.
SE_TOLERANCE = 3.0
#: The learned Symile bound must reach this fraction of TC where it can be tight.
MIN_TIGHTNESS = {"full": 0.9, "quick": 0.5}
#: method label -> (colour, marker) in every bounds plot
STYLES = {"symile-n": ("C0", "o"), "symile-n_squared": ("C2", "s"), "clip": ("C1", "^")}
_TRAIN_KEYS = ("method", "negatives", "rep_dim", "encoder", "lr", "weight_decay", "batch_size", "epochs")
_CELL_KEYS = _TRAIN_KEYS[2:] + ("n_train", "n_val", "n_test")


def base_config(quick: bool) -> dict:
    """The settings both scripts share (full run or ``--quick``); each adds its data, encoder, lr, epochs."""
    return {
        "quick": quick,
        "methods": [list(m) for m in METHODS],
        "se_tolerance": SE_TOLERANCE,
        "min_tightness": MIN_TIGHTNESS["quick" if quick else "full"],
        "rep_dim": 16,
        "weight_decay": 0.01,
        "batch_size": 1000 if not quick else 250,
        "n_train": 10_000 if not quick else 2_000,
        "n_val": 1_000 if not quick else 500,
        "n_test": 5_000 if not quick else 1_000,
    }


def new_cell(
    cfg: dict, master_seed: int, identity: tuple, setting: dict, method: str, negatives: str
) -> dict:
    """One cell: ``cfg``'s training and data sizes, ``setting`` (data, overrides, version, code), the method
    and the seed ``cell_seed(master_seed, "bounds", *identity, method, negatives)``."""
    cell = {k: cfg[k] for k in _CELL_KEYS}
    cell.update(method=method, negatives=negatives, **setting)
    cell["seed"] = cell_seed(master_seed, "bounds", *identity, method, negatives)
    return cell


def make_data(gen, cell: dict, rng: np.random.Generator) -> list[list[np.ndarray]]:
    """(train, val, test): each a list of float32 arrays, one per modality of ``gen``, in its order."""
    out = []
    for n in (cell["n_train"], cell["n_val"], cell["n_test"]):
        sample = gen.sample(n, rng)
        # the generator's modality order (sorted(sample) put x10 before x2; regression: issue 9)
        out.append([np.asarray(sample[k], dtype=np.float32) for k in gen.names])
    return out


def learned_bounds(
    cells: list[dict], generator: Callable[[dict], object], *, grouped: bool = False
) -> list[dict]:
    """Train the cells' models (batched) on ``generator(cell)``'s data; the held-out bound of each (bits).

    ``grouped``: compute ``"n_squared"`` losses on the distinct rows (exact, for inputs with few distinct
    values, e.g. XOR's :math:`2^d`), :func:`symile_min.bound_estimate`'s ``grouped=``.
    """
    from symile_min import TrainConfig, bound_estimate
    from symile_min.multi import train_many

    data = [make_data(generator(cell), cell, np.random.default_rng(cell["seed"])) for cell in cells]
    configs = [TrainConfig(**{k: c[k] for k in _TRAIN_KEYS}, seed=c["seed"] % (2**31)) for c in cells]
    runs = train_many([(train, val) for train, val, _ in data], configs)
    out = []
    for cell, (_, _, test_data), result in zip(cells, data, runs, strict=True):
        est = bound_estimate(
            result.model,
            test_data,
            method=cell["method"],
            negatives=cell["negatives"],
            batch_size=cell["batch_size"],
            base=2,
            grouped=grouped and cell["negatives"] == "n_squared",
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


def truth_columns(cell: dict, gen) -> dict:
    """The method's label, its target (``TC``: Symile, ``pairwise_sum``: CLIP) and both truths (bits)."""
    target = "pairwise_sum" if cell["method"] == "clip" else "TC"
    truth = {"TC": gen.total_correlation(), "pairwise_sum": gen.pairwise_mutual_information_sum()}
    return {
        "method": cell["method"] if cell["method"] == "clip" else f"symile-{cell['negatives']}",
        "encoder": cell["encoder"],
        "target": target,
        "truth": truth[target],
        **truth,
    }


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


def overshoot_check(frame: pd.DataFrame, se_tolerance: float, param: str) -> Check:
    """No lower bound above its truth beyond noise: catches a wrong ``log K`` or scoring on training data."""
    bad = frame[~frame["within_tolerance"]]
    critic = (lambda r: f" ({r.critic} critic)") if "critic" in frame else (lambda r: "")
    over = "; ".join(
        f"{param}={getattr(r, param)} {r.method}{critic(r)}: +{r.excess_in_se:.1f} se"
        for r in bad.itertuples()
    )
    name = f"no bound exceeds its truth by more than {se_tolerance:g} se"
    return Check(name, bad.empty, over or "all cells")


def tightness_check(learned: pd.DataFrame, need: float, where: str, param: str) -> Check:
    """The learned Symile bounds in ``learned`` reach ``need`` x TC: an untrained model scores ~0 bits."""
    worst = learned.loc[learned["tightness"].idxmin()]
    return Check(
        f"learned Symile bound >= {need:g} x TC {where}",
        bool((learned["tightness"] >= need).all()),
        f"lowest {worst['tightness']:.3f} ({param}={worst[param]:g} {worst['method']})",
    )


def print_bounds(frame: pd.DataFrame, cols: list[str]) -> None:
    """Print the table's columns ``cols`` and how many tightness ratios are undefined."""
    with pd.option_context("display.width", 140, "display.max_rows", 200):
        print(frame[cols].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    n_nan = int(frame["tightness"].isna().sum())
    if n_nan:
        print(f"note: tightness is NaN in {n_nan} row(s) where the truth is 0 (ratio undefined)")


def plot_bounds(frame: pd.DataFrame, param: str, *, xlabel: str, title: str):
    """Both truths, the learned bounds ± se (filled), exact-critic bounds (hollow, if any), the caps."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.8))
    sub = frame.sort_values(param)
    first = sub.drop_duplicates(param)
    x = first[param]
    line = {"marker": "_", "ms": 14, "lw": 2}
    ax.plot(x, first["TC"], "-", color="k", label="exact TC (Symile's target)", **line)
    ax.plot(x, first["pairwise_sum"], "-", color="grey", label="exact Σ pairwise MI (CLIP's)", **line)
    top = 1.25 * float(np.nanmax(np.r_[sub["TC"], sub["pairwise_sum"], sub["bound"] + sub["se"]]))
    caps = sub.groupby("method")["cap"].first()
    if caps.min() <= 2.5 * top:  # show the lowest cap when it is not far above the data
        top = max(top, 1.3 * caps.min())  # headroom for the legend above the cap line
    critic = sub["critic"] if "critic" in sub else pd.Series("learned", index=sub.index)
    for method, (color, marker) in STYLES.items():
        m = sub[(sub["method"] == method) & (critic == "learned")]
        if m.empty:
            continue
        ax.errorbar(
            m[param],
            m["bound"],
            yerr=m["se"],
            fmt=marker,
            color=color,
            ms=5,
            capsize=2,
            label=f"{method} bound ± se",
        )
        exact = sub[(sub["method"] == method) & (critic == "exact")]
        if not exact.empty:  # hollow, nudged right so that it does not hide the learned marker
            ax.errorbar(
                exact[param] + 0.015,
                exact["bound"],
                yerr=exact["se"],
                fmt=marker,
                color=color,
                mfc="none",
                ms=6,
                capsize=2,
                label=f"{method}, exact critic",
            )
        cap = float(caps[method])
        where = "" if cap <= top else ", above the axis"
        ax.axhline(cap, color=color, ls="--", lw=1, label=f"cap {method} = {cap:.2f}{where}")
    ax.set_ylim(min(-0.2, float(sub["bound"].min()) - 0.2), top)
    ax.set(xlabel=xlabel, ylabel="bits", title=title)
    ax.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig
