r"""Sample estimators against the exact truth: estimate vs n for every estimator, with interval coverage.

Claim: on data whose truth is exact (:class:`generators.GaussianTC` total correlations ``g1``/``g2``/``g3``,
and ``g2t``, the blocks of ``g2`` seen through cube / exp / tanh-affine; :class:`generators.BinaryXOR` TC
``xor3`` and :class:`generators.Parity` O-information ``parity4``), which estimators are unbiased at which
n, and which bootstrap intervals cover the truth. Continuous estimators: log-det, Gaussian copula, KSG
(k = 3, on the data and on their normal scores) and the learned Symile bound (a lower bound of TC: an MLP
Symile model trained on 70 % of the n samples, ``log N - loss`` on the held-out 20 %); discrete: plug-in,
Miller–Madow, jackknife, Chao–Shen, NSB (:func:`infotheory.plugin_estimate`). Intervals:
:func:`infotheory.bootstrap_ci` (basic; and percentile for the plug-in estimate), level 0.95, 200
replicates. Every (case, n) is repeated ``reps`` times on fresh seeded samples and summarised by
:func:`infotheory.calibration.estimate_errors` and :func:`infotheory.calibration.interval_coverage`. All
numbers in **bits**; ``docs/estimators.md`` shows and discusses the results.

Writes ``estimators.png``/``.pdf``, ``estimators.csv`` (every plotted number), ``estimators_checks.csv``,
``estimators_config.json`` and ``estimators_bias.md`` (the markdown table of ``docs/estimators.md``) into
``figures/`` (or ``--out``). ``--quick`` runs two cases at two sizes in seconds.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _io, _options, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._markdown import pm_cells
from experiments._runner import Check

__all__ = ["EXPERIMENT", "GAUSSIAN_CASES", "DISCRETE_CASES", "default_config", "add_arguments", "run", "main"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
LEVEL = 0.95
N_BOOT = 200
K_NEIGHBOURS = 3

#: name -> (block dims, TC in bits, per-block transforms)
GAUSSIAN_CASES: dict[str, tuple[tuple[int, ...], float, tuple | None]] = {
    "g1": ((1, 1, 1), 0.5, None),
    "g2": ((2, 2, 2), 1.0, None),
    "g3": ((3, 3, 3), 2.0, None),
    "g2t": ((2, 2, 2), 1.0, ("cube", "exp", "tanh-affine")),
}
#: name -> (generator, generator keywords, measure)
DISCRETE_CASES: dict[str, tuple[str, dict, str]] = {
    "xor3": ("BinaryXOR", {"d": 3, "p": 0.5}, "total_correlation"),
    "parity4": ("Parity", {"m": 4}, "o_information"),
}
CORRECTIONS = ("plugin", "miller_madow", "jackknife", "chao_shen", "nsb")
#: the (estimator, method) intervals computed per cell
CONTINUOUS_INTERVALS = (("gaussian", "basic"), ("copula", "basic"))
DISCRETE_INTERVALS = tuple((c, "basic") for c in CORRECTIONS if c != "nsb") + (("plugin", "percentile"),)


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick``: two cases, two sizes, three repetitions)."""
    return {
        "gaussian_cases": ["g2", "g2t"] if quick else list(GAUSSIAN_CASES),
        "discrete_cases": ["xor3"] if quick else list(DISCRETE_CASES),
        "gaussian_ns": [250, 1000] if quick else [250, 1000, 4000, 16000],
        "discrete_ns": [200, 1000] if quick else [100, 300, 1000, 3000, 10000],
        "reps": 3 if quick else 40,
        "level": LEVEL,
        "n_boot": N_BOOT,
        "k": K_NEIGHBOURS,
        "symile": {
            "min_n": 1000,
            "epochs": 5 if quick else 30,
            "encoder": "mlp",
            "rep_dim": 16,
            "lr": 0.01,
            "weight_decay": 0.01,
            "max_batch": 256,
        },
    }


def _config(args: argparse.Namespace) -> dict:
    cfg = default_config(quick=bool(args.quick))
    if args.reps is not None:
        cfg["reps"] = int(args.reps)
    if args.no_symile:
        cfg["symile"] = None
    return cfg


# --------------------------------------------------------------------------------------------------
# truth and data


def _generator(case: str):
    import generators

    if case in GAUSSIAN_CASES:
        dims, tc, transforms = GAUSSIAN_CASES[case]
        return generators.GaussianTC.from_total_correlation(dims, tc, transforms=transforms)
    name, kwargs, _ = DISCRETE_CASES[case]
    return getattr(generators, name)(**kwargs)


def _truth(case: str) -> tuple[str, float]:
    """(measure, exact value in bits) of a case."""
    import infotheory as it

    gen = _generator(case)
    if case in GAUSSIAN_CASES:
        return "total_correlation", gen.total_correlation()
    measure = DISCRETE_CASES[case][2]
    return measure, getattr(it, measure)(gen.joint_pmf())


# --------------------------------------------------------------------------------------------------
# cells


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("infotheory", "generators", "symile_min", __name__)
    cells = []
    for kind, cases, ns in (
        ("gaussian", cfg["gaussian_cases"], cfg["gaussian_ns"]),
        ("discrete", cfg["discrete_cases"], cfg["discrete_ns"]),
    ):
        for case in cases:
            for n in ns:
                for rep in range(cfg["reps"]):
                    seed = cell_seed(master_seed, "estimators", case, n, rep)
                    cells.append(
                        {"job": "estimate", "kind": kind, "case": case, "n": n, "rep": rep, "seed": seed}
                    )
                symile = cfg["symile"]
                if kind == "gaussian" and symile is not None and n >= symile["min_n"]:
                    seed = cell_seed(master_seed, "estimators", "symile", case, n)
                    cells.append({"job": "symile", "case": case, "n": n, "seed": seed, "symile": symile})
    for cell in cells:
        cell.update(version=VERSION, code=code, level=cfg["level"], n_boot=cfg["n_boot"], k=cfg["k"])
    return cells


def _cell(cell: dict) -> dict:
    """One cell: every estimator (and interval) on one sample, or one trained Symile bound."""
    if cell["job"] == "symile":
        return _symile_cell(cell)
    import infotheory as it
    from infotheory.gaussian import copula_estimate, gaussian_estimate
    from infotheory.knn import ksg_estimate

    measure, _ = _truth(cell["case"])
    rng = np.random.default_rng(cell["seed"])
    samples = _generator(cell["case"]).sample(cell["n"], rng)
    boot_seed = int(rng.integers(2**62))
    if cell["kind"] == "gaussian":
        estimates = {
            "gaussian": gaussian_estimate(measure, samples),
            "copula": copula_estimate(measure, samples),
            "ksg": ksg_estimate(measure, samples, k=cell["k"]),
            "ksg_ranks": ksg_estimate(measure, samples, k=cell["k"], normal_scores=True),
        }
        intervals = {(e, m): {"estimator": e} for e, m in CONTINUOUS_INTERVALS}
    else:
        corrections = {c: None if c == "plugin" else c for c in CORRECTIONS}
        estimates = {
            c: it.plugin_estimate(measure, samples, correction=corr) for c, corr in corrections.items()
        }
        intervals = {(e, m): {"correction": corrections[e]} for e, m in DISCRETE_INTERVALS}
    out = {"estimates": estimates, "intervals": {}}
    for (estimator, method), options in intervals.items():
        boot = {"level": cell["level"], "n_boot": cell["n_boot"], "seed": boot_seed, "method": method}
        _, low, high = it.bootstrap_ci(measure, samples, **boot, **options)
        out["intervals"][f"{estimator}/{method}"] = [low, high]
    return out


def _symile_cell(cell: dict) -> dict:
    """Train Symile on 70 % of n samples (10 % validation) and estimate its bound on the other 20 % (bits)."""
    from symile_min import TrainConfig
    from symile_min.held_out import held_out_bound

    s = cell["symile"]
    gen = _generator(cell["case"])
    sample = gen.sample(cell["n"], np.random.default_rng(cell["seed"]))
    train = {key: s[key] for key in ("encoder", "rep_dim", "lr", "weight_decay", "epochs")}
    config = TrainConfig(method="symile", negatives="n", **train, seed=cell["seed"] % (2**31))
    est = held_out_bound([sample[name] for name in gen.names], config, max_batch=s["max_batch"])
    return {key: est[key] for key in ("bound", "se", "cap", "batch")}


# --------------------------------------------------------------------------------------------------
# tables and checks


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict:
    from infotheory.calibration import estimate_errors, interval_coverage

    rows = []
    groups: dict[tuple, list] = {}
    for cell, res in zip(cells, results):
        if cell["job"] == "estimate":
            groups.setdefault((cell["kind"], cell["case"], cell["n"]), []).append(res)
    for (kind, case, n), reps in groups.items():
        measure, truth = _truth(case)
        base = {"kind": kind, "case": case, "measure": measure, "n": n, "truth": truth, "reps": len(reps)}
        for estimator in reps[0]["estimates"]:
            errors = estimate_errors([r["estimates"][estimator] for r in reps], truth)
            row = {**base, "estimator": estimator, **errors}
            for key in reps[0]["intervals"]:
                name, method = key.split("/")
                if name == estimator:
                    covered = interval_coverage([r["intervals"][key] for r in reps], truth)
                    row.update(
                        {f"coverage_{method}": covered["coverage"], f"width_{method}": covered["width"]}
                    )
            rows.append(row)
    for cell, res in zip(cells, results):
        if cell["job"] == "symile":  # one trained bound per (case, n): its sd is the bound's standard error
            measure, truth = _truth(cell["case"])
            base = {
                "kind": "gaussian",
                "case": cell["case"],
                "measure": measure,
                "n": cell["n"],
                "truth": truth,
            }
            error = res["bound"] - truth
            rows.append(
                {**base, "reps": 1, "estimator": "symile_bound", "mean": res["bound"], "sd": res["se"]}
            )
            rows[-1].update(bias=error, rmse=abs(error), cap=res["cap"])
    frame = pd.DataFrame(rows).sort_values(["kind", "case", "estimator", "n"], kind="stable")
    return {"estimators": frame.reset_index(drop=True)}


def _at(frame: pd.DataFrame, case: str, estimator: str, n=None) -> pd.DataFrame:
    sub = frame[(frame["case"] == case) & (frame["estimator"] == estimator)]
    return sub[sub["n"] == (sub["n"].max() if n is None else n)]


def _checks(cfg: dict, tables: dict) -> list[Check]:
    frame, g_cases = tables["estimators"], cfg["gaussian_cases"]
    checks = []
    for case in g_cases:
        untransformed = GAUSSIAN_CASES[case][2] is None
        for estimator in ("gaussian", "copula") if untransformed else ("copula",):
            row = _at(frame, case, estimator).iloc[0]
            tol = 3 * (row["sd"] / np.sqrt(row["reps"])) + 0.02  # 3 se + 0.02
            name = f"{estimator} estimate of {case} unbiased at n = {row['n']}"
            detail = f"bias {row['bias']:+.4f} bit, 3 se + 0.02 = {tol:.4f}"
            checks.append(Check(name, bool(abs(row["bias"]) <= tol), detail))
        if not untransformed:
            row, raw = _at(frame, case, "ksg_ranks").iloc[0], _at(frame, case, "ksg").iloc[0]
            name = f"KSG on normal scores within 0.1 bit of the truth on {case} (n = {row['n']})"
            detail = f"bias {row['bias']:+.4f} bit; KSG on the raw data: {raw['bias']:+.4f} bit"
            checks.append(Check(name, bool(abs(row["bias"]) < 0.1), detail))
            row = _at(frame, case, "gaussian").iloc[0]
            name = f"log-det estimate is biased on the transformed case {case} (n = {row['n']})"
            detail = f"bias {row['bias']:+.4f} bit (< -0.1 expected: the maps hide dependence)"
            checks.append(Check(name, bool(row["bias"] < -0.1), detail))
    for estimator in ("gaussian", "copula"):
        sub = frame[(frame["estimator"] == estimator) & frame["case"].isin(g_cases)]
        if estimator == "gaussian":  # the log-det interval is for the Gaussian truth only
            sub = sub[sub["case"].map(lambda c: GAUSSIAN_CASES[c][2] is None)]
        pooled = float(np.average(sub["coverage_basic"], weights=sub["reps"]))
        name = f"{estimator} basic intervals cover the truth (pooled over cases and n)"
        count = int(sub["reps"].sum())
        detail = f"coverage {pooled:.3f} of {count} intervals at level {cfg['level']} (band >= 0.90)"
        checks.append(Check(name, bool(pooled >= 0.9), detail))
    symile = frame[frame["estimator"] == "symile_bound"]
    if not symile.empty:
        excess = (symile["mean"] - symile["truth"]) / symile["sd"].where(symile["sd"] > 0, np.inf)
        name, detail = "Symile bound stays below the exact TC (within 3 se)", f"{excess.max():+.2f}"
        checks.append(Check(name, bool((excess <= 3).all()), f"largest (bound - truth) / se = {detail}"))
    for case in cfg["discrete_cases"]:
        ns = sorted(frame.loc[frame["case"] == case, "n"].unique())
        bias = {e: [abs(_at(frame, case, e, n).iloc[0]["bias"]) for n in ns] for e in ("jackknife", "plugin")}
        worst = max(jk - plug for jk, plug in zip(bias["jackknife"], bias["plugin"], strict=True))
        name = f"jackknife has a smaller |bias| than plug-in at every n ({case})"
        checks.append(Check(name, bool(worst < 0), f"largest |bias_jk| - |bias_plugin| = {worst:+.4f} bit"))
        big = _at(frame, case, "plugin").iloc[0]
        name = f"basic interval of the plug-in estimate covers at the largest n ({case}, n = {big['n']})"
        detail = (
            f"basic {big['coverage_basic']:.2f}, percentile {big['coverage_percentile']:.2f} "
            f"(plug-in bias {big['bias']:+.4f} bit, sd {big['sd']:.4f})"
        )
        checks.append(Check(name, bool(big["coverage_basic"] >= 0.85), detail))
    return checks


# --------------------------------------------------------------------------------------------------
# report, markdown table and figure

#: estimator -> (label, colour, marker) in the tables and the figure
_STYLES = {
    "gaussian": ("Gaussian (log-det)", "tab:blue", "o"),
    "copula": ("Gaussian copula", "tab:orange", "s"),
    "ksg": (f"KSG (k = {K_NEIGHBOURS})", "tab:green", "^"),
    "ksg_ranks": (f"KSG on normal scores (k = {K_NEIGHBOURS})", "tab:olive", "v"),
    "symile_bound": ("learned Symile bound", "tab:red", "D"),
    "plugin": ("plug-in", "tab:gray", "o"),
    "miller_madow": ("Miller–Madow", "tab:blue", "s"),
    "jackknife": ("jackknife", "tab:green", "^"),
    "chao_shen": ("Chao–Shen", "tab:purple", "v"),
    "nsb": ("NSB", "tab:orange", "D"),
}


def _label(estimator: str) -> str:
    return _STYLES[estimator][0] if estimator in _STYLES else estimator


def _case_title(case: str) -> str:
    if case in GAUSSIAN_CASES:
        dims, tc, transforms = GAUSSIAN_CASES[case]
        seen = f", through {'/'.join(transforms)}" if transforms else ""
        return f"{case}: GaussianTC dims {dims}, TC = {tc:g} bit{'s' if tc != 1 else ''}{seen}"
    name, kwargs, measure = DISCRETE_CASES[case]
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{case}: {name}({args}), {measure}"


def _markdown(frame: pd.DataFrame, cases: list[str]) -> str:
    """Bias ± sd per estimator (rows) and n (columns), one table per case, then interval coverage."""
    parts = []
    for case in cases:
        sub = frame[frame["case"] == case]
        parts.append(f"**{_case_title(case)}** (truth {sub['truth'].iloc[0]:.4f} bits): bias ± sd in bits\n")
        table = sub.pivot_table(index="estimator", columns="n", values=["bias", "sd"], sort=False)
        cells = pm_cells(table["bias"], table["sd"], fmt="{:+.3f}")
        cells.columns = [f"n = {n}" for n in cells.columns]
        cells.index = [_label(e) for e in cells.index]
        parts.append(_io.markdown_table(cells, index_name="estimator") + "\n")
        cov_cols = [c for c in sub.columns if c.startswith("coverage_")]
        rows = {}
        for _, r in sub.dropna(subset=cov_cols, how="all").iterrows():
            for c in cov_cols:
                if not np.isnan(r[c]):
                    rows.setdefault(f"{_label(r['estimator'])}, {c[9:]}", {})[f"n = {r['n']}"] = f"{r[c]:.2f}"
        if rows:
            parts.append(
                f"coverage of the {LEVEL:.0%} bootstrap intervals ({int(sub['reps'].max())} repetitions)\n"
            )
            parts.append(_io.markdown_table(pd.DataFrame(rows).T.fillna(""), index_name="interval") + "\n")
    return "\n".join(parts)


def _extra(cfg: dict, tables: dict, checks, out) -> list:
    cases = list(cfg["gaussian_cases"]) + list(cfg["discrete_cases"])
    return [_io.atomic_write_text(out / "estimators_bias.md", _markdown(tables["estimators"], cases))]


def _report(cfg: dict, tables: dict) -> None:
    frame = tables["estimators"]
    cols = ["case", "n", "estimator", "truth", "mean", "bias", "sd", "coverage_basic", "coverage_percentile"]
    options = ("display.width", 160, "display.max_rows", 500, "display.float_format", "{:.4f}".format)
    with pd.option_context(*options):
        print(frame[[c for c in cols if c in frame.columns]].to_string(index=False))


def _plot(cfg: dict, tables: dict):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    frame = tables["estimators"]
    cases = list(cfg["gaussian_cases"]) + list(cfg["discrete_cases"])
    fig, axes = plt.subplots(2, len(cases), figsize=(4.2 * len(cases), 7.5), squeeze=False)
    for j, case in enumerate(cases):
        sub = frame[frame["case"] == case]
        truth = sub["truth"].iloc[0]
        ax, ax_cov = axes[0, j], axes[1, j]
        estimators = list(dict.fromkeys(sub["estimator"]))
        for i, estimator in enumerate(estimators):
            e = sub[sub["estimator"] == estimator].sort_values("n")
            _, color, marker = _STYLES.get(estimator, (estimator, "black", "x"))
            n = e["n"] * (1.0 + 0.06 * (i - (len(estimators) - 1) / 2))  # side by side on the log axis
            label = _label(estimator) + (" ± se" if estimator == "symile_bound" else " ± sd")
            style = {"color": color, "ms": 4, "lw": 1}
            ax.errorbar(n, e["mean"], yerr=e["sd"], fmt=marker + "-", capsize=2, label=label, **style)
            for col, ls in (("coverage_basic", "-"), ("coverage_percentile", ":")):
                if col in e and e[col].notna().any():
                    ax_cov.plot(n, e[col], marker + ls, label=f"{_label(estimator)}, {col[9:]}", **style)
        ax.axhline(truth, color="black", lw=1.5, ls="--", label=f"exact {truth:.3f} bit")
        ax.set(xscale="log", xlabel="n (samples)", ylabel=f"{sub['measure'].iloc[0]} (bits)")
        ax.set_title(_case_title(case), fontsize=8)
        ax.legend(fontsize=6)
        ax_cov.axhline(cfg["level"], color="black", lw=1, ls="--")
        coverage = f"coverage ({cfg['reps']} reps)"
        ax_cov.set(xscale="log", ylim=(-0.03, 1.03), xlabel="n (samples)", ylabel=coverage)
        ax_cov.legend(fontsize=6, loc="lower left")
    fig.suptitle(
        f"estimate vs exact truth vs n (mean ± sd over {cfg['reps']} seeded samples); below: coverage of "
        f"{cfg['level']:.0%} bootstrap intervals (solid: basic, dotted: percentile)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


EXPERIMENT = _runner.Experiment(
    name="estimators",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
    extra=_extra,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab estimators``."""
    _options.add_common_arguments(parser)
    parser.add_argument(
        "--reps",
        type=_options.positive_int,
        default=None,
        help="seeded samples per case and n (40; quick: 3)",
    )
    parser.add_argument("--no-symile", action="store_true", help="skip training the Symile bounds")


def run(args: argparse.Namespace) -> dict:
    """Compute every cell, write the table, checks, markdown and figure; returns the runner's result."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.estimators``: same as ``symile-lab estimators``."""
    from experiments.cli import run_command

    return run_command("estimators", argv)


if __name__ == "__main__":
    raise SystemExit(main())
