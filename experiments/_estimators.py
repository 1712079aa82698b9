r"""Estimate vs exact truth vs n: the parts ``estimators`` (continuous) and ``estimators-discrete`` share.

Both scripts draw ``reps`` seeded samples per (case, n) from a generator that carries its exact truth,
compute every estimator and some bootstrap intervals on each sample, and summarise the repetitions by
:func:`infotheory.calibration.estimate_errors` (bias, sd, RMSE) and
:func:`infotheory.calibration.interval_coverage`. All numbers are in **bits**.

:func:`add_arguments` holds the options both take, :func:`estimate_cells` builds the cells with their
seeds, :func:`bootstrap_intervals` computes a cell's intervals, :func:`error_rows` turns the repetitions
into table rows and :func:`sorted_table` into one frame, :func:`at` selects rows for the checks, and
:func:`markdown` / :func:`plot` / :func:`report` write, draw and print one table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import pandas as pd

from experiments import _io, _options
from experiments._cells import cell_seed
from experiments._markdown import pm_cells

__all__ = [
    "LEVEL",
    "N_BOOT",
    "SEED_NAME",
    "add_arguments",
    "at",
    "bootstrap_intervals",
    "error_rows",
    "estimate_cells",
    "markdown",
    "plot",
    "report",
    "sorted_table",
]

LEVEL = 0.95
N_BOOT = 200
#: first element of every cell seed's identity: both scripts keep the name of the script they were split
#: from, so each sample is the one drawn before the split (same seed, same numbers)
SEED_NAME = "estimators"

#: estimator -> (label, colour, marker) in the tables and the figure
Styles = dict[str, tuple[str, str, str]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The common options and ``--reps``."""
    _options.add_common_arguments(parser)
    parser.add_argument(
        "--reps",
        type=_options.positive_int,
        default=None,
        help="seeded samples per case and n (40; quick: 3)",
    )


def estimate_cells(kind: str, cases: list[str], ns: list[int], reps: int, master_seed: int) -> list[dict]:
    """One ``"estimate"`` cell per (case, n, repetition), seeded by its identity (without ``kind``)."""
    return [
        {
            "job": "estimate",
            "kind": kind,
            "case": case,
            "n": n,
            "rep": rep,
            "seed": cell_seed(master_seed, SEED_NAME, case, n, rep),
        }
        for case in cases
        for n in ns
        for rep in range(reps)
    ]


def bootstrap_intervals(measure: str, samples, intervals: dict, *, level: float, n_boot: int, seed: int):
    """``{"estimator/method": [low, high]}`` of :func:`infotheory.bootstrap_ci` (bits), one per interval.

    ``intervals`` maps ``(estimator, method)`` to the keywords that select the estimator
    (``estimator=`` or ``correction=``); every interval uses the same bootstrap ``seed``.
    """
    import infotheory as it

    out = {}
    for (estimator, method), options in intervals.items():
        boot = {"level": level, "n_boot": n_boot, "seed": seed, "method": method}
        _, low, high = it.bootstrap_ci(measure, samples, **boot, **options)
        out[f"{estimator}/{method}"] = [low, high]
    return out


def error_rows(cells: list[dict], results: list[dict], truth: Callable[[str], tuple[str, float]]) -> list:
    """One row per (kind, case, n, estimator) of the ``"estimate"`` cells: errors and interval coverage.

    ``truth(case) -> (measure, exact value in bits)``.
    """
    from infotheory.calibration import estimate_errors, interval_coverage

    rows = []
    groups: dict[tuple, list] = {}
    for cell, res in zip(cells, results):
        if cell["job"] == "estimate":
            groups.setdefault((cell["kind"], cell["case"], cell["n"]), []).append(res)
    for (kind, case, n), reps in groups.items():
        measure, exact = truth(case)
        base = {"kind": kind, "case": case, "measure": measure, "n": n, "truth": exact, "reps": len(reps)}
        for estimator in reps[0]["estimates"]:
            errors = estimate_errors([r["estimates"][estimator] for r in reps], exact)
            row = {**base, "estimator": estimator, **errors}
            for key in reps[0]["intervals"]:
                name, method = key.split("/")
                if name == estimator:
                    covered = interval_coverage([r["intervals"][key] for r in reps], exact)
                    row.update(
                        {f"coverage_{method}": covered["coverage"], f"width_{method}": covered["width"]}
                    )
            rows.append(row)
    return rows


def sorted_table(rows: list[dict]) -> pd.DataFrame:
    """The rows as one frame, sorted by kind, case, estimator and n."""
    frame = pd.DataFrame(rows).sort_values(["kind", "case", "estimator", "n"], kind="stable")
    return frame.reset_index(drop=True)


def at(frame: pd.DataFrame, case: str, estimator: str, n=None) -> pd.DataFrame:
    """The rows of ``case`` and ``estimator`` at sample size ``n`` (default: the largest)."""
    sub = frame[(frame["case"] == case) & (frame["estimator"] == estimator)]
    return sub[sub["n"] == (sub["n"].max() if n is None else n)]


def _label(styles: Styles, estimator: str) -> str:
    return styles[estimator][0] if estimator in styles else estimator


def markdown(frame: pd.DataFrame, cases: list[str], title: Callable[[str], str], styles: Styles) -> str:
    """Bias ± sd per estimator (rows) and n (columns), one table per case, then interval coverage."""
    parts = []
    for case in cases:
        sub = frame[frame["case"] == case]
        parts.append(f"**{title(case)}** (truth {sub['truth'].iloc[0]:.4f} bits): bias ± sd in bits\n")
        table = sub.pivot_table(index="estimator", columns="n", values=["bias", "sd"], sort=False)
        cells = pm_cells(table["bias"], table["sd"], fmt="{:+.3f}")
        cells.columns = [f"n = {n}" for n in cells.columns]
        cells.index = [_label(styles, e) for e in cells.index]
        parts.append(_io.markdown_table(cells, index_name="estimator") + "\n")
        cov_cols = [c for c in sub.columns if c.startswith("coverage_")]
        rows = {}
        for _, r in sub.dropna(subset=cov_cols, how="all").iterrows():
            for c in cov_cols:
                if not np.isnan(r[c]):
                    label = f"{_label(styles, r['estimator'])}, {c[9:]}"
                    rows.setdefault(label, {})[f"n = {r['n']}"] = f"{r[c]:.2f}"
        if rows:
            parts.append(
                f"coverage of the {LEVEL:.0%} bootstrap intervals ({int(sub['reps'].max())} repetitions)\n"
            )
            parts.append(_io.markdown_table(pd.DataFrame(rows).T.fillna(""), index_name="interval") + "\n")
    return "\n".join(parts)


def report(frame: pd.DataFrame) -> None:
    """Print the table's main columns."""
    cols = ["case", "n", "estimator", "truth", "mean", "bias", "sd", "coverage_basic", "coverage_percentile"]
    options = ("display.width", 160, "display.max_rows", 500, "display.float_format", "{:.4f}".format)
    with pd.option_context(*options):
        print(frame[[c for c in cols if c in frame.columns]].to_string(index=False))


def plot(cfg: dict, frame: pd.DataFrame, cases: list[str], title: Callable[[str], str], styles: Styles):
    """One column per case: estimate (mean ± sd, or ± se for ``symile_bound``) vs n above, coverage below."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(cases), figsize=(4.2 * len(cases), 7.5), squeeze=False)
    for j, case in enumerate(cases):
        sub = frame[frame["case"] == case]
        truth = sub["truth"].iloc[0]
        ax, ax_cov = axes[0, j], axes[1, j]
        estimators = list(dict.fromkeys(sub["estimator"]))
        for i, estimator in enumerate(estimators):
            e = sub[sub["estimator"] == estimator].sort_values("n")
            _, color, marker = styles.get(estimator, (estimator, "black", "x"))
            n = e["n"] * (1.0 + 0.06 * (i - (len(estimators) - 1) / 2))  # side by side on the log axis
            label = _label(styles, estimator) + (" ± se" if estimator == "symile_bound" else " ± sd")
            style = {"color": color, "ms": 4, "lw": 1}
            ax.errorbar(n, e["mean"], yerr=e["sd"], fmt=marker + "-", capsize=2, label=label, **style)
            for col, ls in (("coverage_basic", "-"), ("coverage_percentile", ":")):
                if col in e and e[col].notna().any():
                    cov_label = f"{_label(styles, estimator)}, {col[9:]}"
                    ax_cov.plot(n, e[col], marker + ls, label=cov_label, **style)
        ax.axhline(truth, color="black", lw=1.5, ls="--", label=f"exact {truth:.3f} bit")
        ax.set(xscale="log", xlabel="n (samples)", ylabel=f"{sub['measure'].iloc[0]} (bits)")
        ax.set_title(title(case), fontsize=8)
        ax.legend(fontsize=6)
        ax_cov.axhline(cfg["level"], color="black", lw=1, ls="--")
        coverage = f"coverage ({cfg['reps']} reps)"
        ax_cov.set(xscale="log", ylim=(-0.03, 1.03), xlabel="n (samples)", ylabel=coverage)
        ax_cov.legend(fontsize=6, loc="best")
    below = "\n" if len(cases) < 4 else " "  # two lines where the figure is too narrow for one
    fig.suptitle(
        f"estimate vs exact truth vs n (mean ± sd over {cfg['reps']} seeded samples);{below}below: coverage "
        f"of {cfg['level']:.0%} bootstrap intervals (solid: basic, dotted: percentile)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
