r"""Discrete bias corrections against the exact truth: estimate vs n, with interval coverage.

Claim: on discrete data whose measure is exact (:class:`generators.BinaryXOR` total correlation ``xor3``:
512 cells of which 128 are possible; :class:`generators.Parity` O-information ``parity4``: 16 cells), the
jackknife correction has a smaller bias than the plug-in estimate at every n, and the basic bootstrap
interval of the plug-in estimate covers the truth once n is large, while its percentile interval does not.
Estimates: plug-in, Miller–Madow, jackknife, Chao–Shen and NSB (:func:`infotheory.plugin_estimate` with
``correction=``), each applied to every entropy term of the measure. Intervals:
:func:`infotheory.bootstrap_ci` (basic for every correction but NSB, and percentile for the plug-in
estimate), level 0.95, 200 replicates. Every (case, n) is repeated ``reps`` times on fresh seeded samples.
All numbers in **bits**; ``docs/estimators.md`` shows and discusses the results. The estimators of
continuous samples are ``symile-lab estimators`` (:mod:`experiments.estimators`).

Checks (printed as ``PASS``/``FAIL``, each failed by a wrong estimator or interval), per case: the
jackknife's |bias| is below the plug-in's at every n; the basic interval of the plug-in estimate covers the
truth in at least 85 % of the repetitions at the largest n.

Writes ``estimators_discrete.png``/``.pdf``, ``estimators_discrete.csv`` (every plotted number),
``estimators_discrete_checks.csv``, ``estimators_discrete_config.json`` and ``estimators_discrete_bias.md``
(the markdown tables of ``docs/estimators.md``) into ``figures/`` (or ``--out``). ``--quick`` runs one case
at two sizes in seconds.
"""

from __future__ import annotations

import argparse

import numpy as np

from experiments import _estimators, _io, _runner
from experiments._cells import code_fingerprint
from experiments._estimators import at
from experiments._runner import Check

__all__ = ["EXPERIMENT", "DISCRETE_CASES", "CORRECTIONS", "default_config", "add_arguments", "run", "main"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1

#: name -> (generator, generator keywords, measure)
DISCRETE_CASES: dict[str, tuple[str, dict, str]] = {
    "xor3": ("BinaryXOR", {"d": 3, "p": 0.5}, "total_correlation"),
    "parity4": ("Parity", {"m": 4}, "o_information"),
}
CORRECTIONS = ("plugin", "miller_madow", "jackknife", "chao_shen", "nsb")
#: the (estimator, method) intervals computed per cell
INTERVALS = tuple((c, "basic") for c in CORRECTIONS if c != "nsb") + (("plugin", "percentile"),)


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick``: one case, two sizes, three repetitions)."""
    return {
        "discrete_cases": ["xor3"] if quick else list(DISCRETE_CASES),
        "discrete_ns": [200, 1000] if quick else [100, 300, 1000, 3000, 10000],
        "reps": 3 if quick else 40,
        "level": _estimators.LEVEL,
        "n_boot": _estimators.N_BOOT,
    }


def _config(args: argparse.Namespace) -> dict:
    cfg = default_config(quick=bool(args.quick))
    if args.reps is not None:
        cfg["reps"] = int(args.reps)
    return cfg


def _generator(case: str):
    import generators

    name, kwargs, _ = DISCRETE_CASES[case]
    return getattr(generators, name)(**kwargs)


def _truth(case: str) -> tuple[str, float]:
    """(measure, exact value in bits) of a case: the measure of the generator's joint pmf."""
    import infotheory as it

    measure = DISCRETE_CASES[case][2]
    return measure, getattr(it, measure)(_generator(case).joint_pmf())


# --------------------------------------------------------------------------------------------------
# cells


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("infotheory", "generators", __name__, "experiments._estimators")
    cases, ns = cfg["discrete_cases"], cfg["discrete_ns"]
    cells = _estimators.estimate_cells("discrete", cases, ns, cfg["reps"], master_seed)
    for cell in cells:
        cell.update(version=VERSION, code=code, level=cfg["level"], n_boot=cfg["n_boot"])
    return cells


def _cell(cell: dict) -> dict:
    """One cell: every correction (and interval) on one sample."""
    import infotheory as it

    measure, _ = _truth(cell["case"])
    rng = np.random.default_rng(cell["seed"])
    samples = _generator(cell["case"]).sample(cell["n"], rng)
    boot_seed = int(rng.integers(2**62))
    corrections = {c: None if c == "plugin" else c for c in CORRECTIONS}
    estimates = {c: it.plugin_estimate(measure, samples, correction=corr) for c, corr in corrections.items()}
    wanted = {(e, m): {"correction": corrections[e]} for e, m in INTERVALS}
    boot = {"level": cell["level"], "n_boot": cell["n_boot"], "seed": boot_seed}
    intervals = _estimators.bootstrap_intervals(measure, samples, wanted, **boot)
    return {"estimates": estimates, "intervals": intervals}


# --------------------------------------------------------------------------------------------------
# table and checks


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict:
    return {"estimators_discrete": _estimators.sorted_table(_estimators.error_rows(cells, results, _truth))}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    frame = tables["estimators_discrete"]
    checks = []
    for case in cfg["discrete_cases"]:
        ns = sorted(frame.loc[frame["case"] == case, "n"].unique())
        bias = {e: [abs(at(frame, case, e, n).iloc[0]["bias"]) for n in ns] for e in ("jackknife", "plugin")}
        worst = max(jk - plug for jk, plug in zip(bias["jackknife"], bias["plugin"], strict=True))
        name = f"jackknife has a smaller |bias| than plug-in at every n ({case})"
        checks.append(Check(name, bool(worst < 0), f"largest |bias_jk| - |bias_plugin| = {worst:+.4f} bit"))
        big = at(frame, case, "plugin").iloc[0]
        name = f"basic interval of the plug-in estimate covers at the largest n ({case}, n = {big['n']})"
        detail = (
            f"basic {big['coverage_basic']:.2f}, percentile {big['coverage_percentile']:.2f} "
            f"(plug-in bias {big['bias']:+.4f} bit, sd {big['sd']:.4f})"
        )
        checks.append(Check(name, bool(big["coverage_basic"] >= 0.85), detail))
    return checks


# --------------------------------------------------------------------------------------------------
# markdown table and figure

#: estimator -> (label, colour, marker) in the tables and the figure
_STYLES = {
    "plugin": ("plug-in", "tab:gray", "o"),
    "miller_madow": ("Miller–Madow", "tab:blue", "s"),
    "jackknife": ("jackknife", "tab:green", "^"),
    "chao_shen": ("Chao–Shen", "tab:purple", "v"),
    "nsb": ("NSB", "tab:orange", "D"),
}


def _case_title(case: str) -> str:
    name, kwargs, measure = DISCRETE_CASES[case]
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{case}: {name}({args}), {measure}"


def _markdown(frame, cases: list[str]) -> str:
    return _estimators.markdown(frame, cases, _case_title, _STYLES)


def _extra(cfg: dict, tables: dict, checks, out) -> list:
    markdown = _markdown(tables["estimators_discrete"], cfg["discrete_cases"])
    return [_io.atomic_write_text(out / "estimators_discrete_bias.md", markdown)]


def _report(cfg: dict, tables: dict) -> None:
    _estimators.report(tables["estimators_discrete"])


def _plot(cfg: dict, tables: dict):
    return _estimators.plot(cfg, tables["estimators_discrete"], cfg["discrete_cases"], _case_title, _STYLES)


EXPERIMENT = _runner.Experiment(
    name="estimators_discrete",
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
    """Options of ``symile-lab estimators-discrete``."""
    _estimators.add_arguments(parser)


def run(args: argparse.Namespace) -> dict:
    """Compute every cell, write the table, checks, markdown and figure; returns the runner's result."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.estimators_discrete``: same as ``symile-lab estimators-discrete``."""
    from experiments.cli import run_command

    return run_command("estimators-discrete", argv)


if __name__ == "__main__":
    raise SystemExit(main())
