r"""Estimators of continuous samples against the exact truth: estimate vs n, with interval coverage.

Claim: on Gaussian data whose total correlation is exact (:class:`generators.GaussianTC`, ``g1``/``g2``/
``g3``: blocks of 1, 2, 3 dimensions at TC = 0.5, 1, 2 bits), the log-det and Gaussian-copula estimates are
unbiased and their basic bootstrap intervals cover the truth; on ``g2t`` (the blocks of ``g2`` seen through
cube / exp / tanh-affine, the same TC) the copula and KSG on normal scores stay right while log-det is
biased at every n; the learned Symile bound stays below the truth. Estimators: log-det
(:func:`infotheory.gaussian.gaussian_estimate`), Gaussian copula
(:func:`infotheory.gaussian.copula_estimate`), KSG (k = 3, on the data and on their normal scores,
:func:`infotheory.knn.ksg_estimate`) and the learned Symile bound (an MLP Symile model trained on 70 % of
the n samples, ``log N - loss`` on the held-out 20 %, :func:`symile_min.held_out.held_out_bound`; one per
(case, n) with n >= 1000). Intervals: :func:`infotheory.bootstrap_ci` (basic), level 0.95, 200 replicates.
Every (case, n) is repeated ``reps`` times on fresh seeded samples. All numbers in **bits**;
``docs/estimators.md`` shows and discusses the results. The discrete bias corrections are
``symile-lab estimators-discrete`` (:mod:`experiments.estimators_discrete`).

Checks (printed as ``PASS``/``FAIL``, each failed by a wrong estimator): log-det (untransformed cases) and
copula within 3 se + 0.02 bit of the truth at the largest n; KSG on normal scores within 0.1 bit and log-det
below the truth by more than 0.1 bit on a transformed case; the pooled coverage of the basic intervals of
log-det (untransformed cases) and copula at least 0.90; no Symile bound above the truth by more than 3 se.

Writes ``estimators.png``/``.pdf``, ``estimators.csv`` (every plotted number), ``estimators_checks.csv``,
``estimators_config.json`` and ``estimators_bias.md`` (the markdown tables of ``docs/estimators.md``) into
``figures/`` (or ``--out``). ``--quick`` runs two cases at two sizes in seconds.
"""

from __future__ import annotations

import argparse

import numpy as np

from experiments import _estimators, _io, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._estimators import at
from experiments._runner import Check

__all__ = ["EXPERIMENT", "GAUSSIAN_CASES", "default_config", "add_arguments", "run", "main"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
K_NEIGHBOURS = 3

#: name -> (block dims, TC in bits, per-block transforms)
GAUSSIAN_CASES: dict[str, tuple[tuple[int, ...], float, tuple | None]] = {
    "g1": ((1, 1, 1), 0.5, None),
    "g2": ((2, 2, 2), 1.0, None),
    "g3": ((3, 3, 3), 2.0, None),
    "g2t": ((2, 2, 2), 1.0, ("cube", "exp", "tanh-affine")),
}
#: the (estimator, method) intervals computed per cell
INTERVALS = (("gaussian", "basic"), ("copula", "basic"))


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick``: two cases, two sizes, three repetitions, 5 Symile epochs)."""
    return {
        "gaussian_cases": ["g2", "g2t"] if quick else list(GAUSSIAN_CASES),
        "gaussian_ns": [250, 1000] if quick else [250, 1000, 4000, 16000],
        "reps": 3 if quick else 40,
        "level": _estimators.LEVEL,
        "n_boot": _estimators.N_BOOT,
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


def _generator(case: str):
    import generators

    dims, tc, transforms = GAUSSIAN_CASES[case]
    return generators.GaussianTC.from_total_correlation(dims, tc, transforms=transforms)


def _truth(case: str) -> tuple[str, float]:
    """(measure, exact value in bits) of a case: the generator's total correlation."""
    return "total_correlation", _generator(case).total_correlation()


# --------------------------------------------------------------------------------------------------
# cells


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("infotheory", "generators", "symile_min", __name__, "experiments._estimators")
    cells, symile = [], cfg["symile"]
    for case in cfg["gaussian_cases"]:
        for n in cfg["gaussian_ns"]:
            cells += _estimators.estimate_cells("gaussian", [case], [n], cfg["reps"], master_seed)
            if symile is not None and n >= symile["min_n"]:
                seed = cell_seed(master_seed, _estimators.SEED_NAME, "symile", case, n)
                cells.append({"job": "symile", "case": case, "n": n, "seed": seed, "symile": symile})
    for cell in cells:
        cell.update(version=VERSION, code=code, level=cfg["level"], n_boot=cfg["n_boot"], k=cfg["k"])
    return cells


def _cell(cell: dict) -> dict:
    """One cell: every estimator (and interval) on one sample, or one trained Symile bound."""
    if cell["job"] == "symile":
        return _symile_cell(cell)
    from infotheory.gaussian import copula_estimate, gaussian_estimate
    from infotheory.knn import ksg_estimate

    measure, _ = _truth(cell["case"])
    rng = np.random.default_rng(cell["seed"])
    samples = _generator(cell["case"]).sample(cell["n"], rng)
    boot_seed = int(rng.integers(2**62))
    estimates = {
        "gaussian": gaussian_estimate(measure, samples),
        "copula": copula_estimate(measure, samples),
        "ksg": ksg_estimate(measure, samples, k=cell["k"]),
        "ksg_ranks": ksg_estimate(measure, samples, k=cell["k"], normal_scores=True),
    }
    wanted = {(e, m): {"estimator": e} for e, m in INTERVALS}
    boot = {"level": cell["level"], "n_boot": cell["n_boot"], "seed": boot_seed}
    intervals = _estimators.bootstrap_intervals(measure, samples, wanted, **boot)
    return {"estimates": estimates, "intervals": intervals}


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
# table and checks


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict:
    rows = _estimators.error_rows(cells, results, _truth)
    for cell, res in zip(cells, results):
        if cell["job"] == "symile":  # one trained bound per (case, n): its sd is the bound's standard error
            case, n = cell["case"], cell["n"]
            measure, truth = _truth(case)
            base = {"kind": "gaussian", "case": case, "measure": measure, "n": n, "truth": truth}
            error = res["bound"] - truth
            rows.append(
                {**base, "reps": 1, "estimator": "symile_bound", "mean": res["bound"], "sd": res["se"]}
            )
            rows[-1].update(bias=error, rmse=abs(error), cap=res["cap"])
    return {"estimators": _estimators.sorted_table(rows)}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    frame, cases = tables["estimators"], cfg["gaussian_cases"]
    checks = []
    for case in cases:
        untransformed = GAUSSIAN_CASES[case][2] is None
        for estimator in ("gaussian", "copula") if untransformed else ("copula",):
            row = at(frame, case, estimator).iloc[0]
            tol = 3 * (row["sd"] / np.sqrt(row["reps"])) + 0.02  # 3 se + 0.02
            name = f"{estimator} estimate of {case} unbiased at n = {row['n']}"
            detail = f"bias {row['bias']:+.4f} bit, 3 se + 0.02 = {tol:.4f}"
            checks.append(Check(name, bool(abs(row["bias"]) <= tol), detail))
        if not untransformed:
            row, raw = at(frame, case, "ksg_ranks").iloc[0], at(frame, case, "ksg").iloc[0]
            name = f"KSG on normal scores within 0.1 bit of the truth on {case} (n = {row['n']})"
            detail = f"bias {row['bias']:+.4f} bit; KSG on the raw data: {raw['bias']:+.4f} bit"
            checks.append(Check(name, bool(abs(row["bias"]) < 0.1), detail))
            row = at(frame, case, "gaussian").iloc[0]
            name = f"log-det estimate is biased on the transformed case {case} (n = {row['n']})"
            detail = f"bias {row['bias']:+.4f} bit (< -0.1 expected: the maps hide dependence)"
            checks.append(Check(name, bool(row["bias"] < -0.1), detail))
    for estimator in ("gaussian", "copula"):
        sub = frame[(frame["estimator"] == estimator) & frame["case"].isin(cases)]
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
    return checks


# --------------------------------------------------------------------------------------------------
# markdown table and figure

#: estimator -> (label, colour, marker) in the tables and the figure
_STYLES = {
    "gaussian": ("Gaussian (log-det)", "tab:blue", "o"),
    "copula": ("Gaussian copula", "tab:orange", "s"),
    "ksg": (f"KSG (k = {K_NEIGHBOURS})", "tab:green", "^"),
    "ksg_ranks": (f"KSG on normal scores (k = {K_NEIGHBOURS})", "tab:olive", "v"),
    "symile_bound": ("learned Symile bound", "tab:red", "D"),
}


def _case_title(case: str) -> str:
    dims, tc, transforms = GAUSSIAN_CASES[case]
    seen = f", through {'/'.join(transforms)}" if transforms else ""
    return f"{case}: GaussianTC dims {dims}, TC = {tc:g} bit{'s' if tc != 1 else ''}{seen}"


def _markdown(frame, cases: list[str]) -> str:
    return _estimators.markdown(frame, cases, _case_title, _STYLES)


def _extra(cfg: dict, tables: dict, checks, out) -> list:
    markdown = _markdown(tables["estimators"], cfg["gaussian_cases"])
    return [_io.atomic_write_text(out / "estimators_bias.md", markdown)]


def _report(cfg: dict, tables: dict) -> None:
    _estimators.report(tables["estimators"])


def _plot(cfg: dict, tables: dict):
    return _estimators.plot(cfg, tables["estimators"], cfg["gaussian_cases"], _case_title, _STYLES)


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
    _estimators.add_arguments(parser)
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
