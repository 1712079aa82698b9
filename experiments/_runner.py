"""One runner for every experiment script: config -> cells -> tables -> checks -> outputs.

An experiment script describes itself as an :class:`Experiment` (its name, how it resolves its config
from the command line, its cells and the module-level function that computes one, how the results
become tables, the checks those tables must pass and the figure) and calls :func:`run`, which

1. resolves the configuration and makes sure the output folder can be written (a bad value or an
   unwritable ``--out`` is a :class:`experiments._options.UsageError`, before anything is computed);
2. computes the cells with :func:`experiments._cells.run_cells` (cached under ``<out>/.cache/``,
   parallel with ``--jobs``, reproducible), through the experiment's ``batch`` function when it has one
   (several cells in one call, e.g. models of one architecture trained as one batched computation);
3. builds the tables and the checks, and writes ``<stem>.csv`` for every table, ``<name>_checks.csv``,
   ``<name>_config.json`` (the resolved config) and ``<name>.png`` / ``.pdf`` (every file atomically);
4. prints the tables (the experiment's ``report``), one ``PASS``/``FAIL`` line per check and the wall time
   (with its ratio to the experiment's ``reference_seconds``, e.g. the paper's own code, when it has one).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from experiments import _io
from experiments._cells import CellFunction, run_cells
from experiments._options import cache_dir, want_progress

__all__ = ["Check", "Experiment", "print_checks", "run"]


class Check(NamedTuple):
    """One expectation on the numbers: what is claimed, whether it held, and the numbers behind it."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Experiment:
    """What an experiment script plugs into :func:`run`.

    Attributes
    ----------
    name : str
        The subcommand and the stem of every output file.
    version : int
        Bumped by hand when a change alters the numbers of a cell; written into the config.
    config : callable
        ``config(args) -> dict``: the resolved settings (raise ``UsageError`` for bad combinations).
    cells : callable
        ``cells(cfg, master_seed) -> list of dict``: every unit of work, each fully determining its result.
    cell : callable
        ``cell(cell) -> dict``: one unit of work; a module-level function (it runs in worker processes).
    tables : callable
        ``tables(cfg, cells, results) -> {stem: DataFrame}``: every table, written as ``<stem>.csv``.
    checks : callable
        ``checks(cfg, tables) -> list of Check``.
    plot : callable
        ``plot(cfg, tables) -> matplotlib Figure``.
    report : callable, optional
        ``report(cfg, tables)``: print the tables.
    extra : callable, optional
        ``extra(cfg, tables, checks, out) -> list of paths``: further files (e.g. a markdown summary).
    batch : callable, optional
        ``batch(cells) -> [cell(c) for c in cells]``: several cells in one call (a module-level function);
        every cell is then computed through it (see :func:`experiments._cells.run_cells`).
    batch_key : callable, optional
        ``batch_key(cell)``: cells with equal keys share ``batch`` calls (default: all together).
    batch_cost : callable, optional
        ``batch_cost(cell)``: a cell's relative cost; ``--jobs`` then splits a group into chunks of equal
        total cost instead of equal size.
    reference_seconds : callable, optional
        ``reference_seconds(cfg) -> (seconds, label)``: the wall time of a reference implementation of the
        same run, printed next to ours with the ratio (None: nothing to compare with).
    """

    name: str
    version: int
    config: Callable[[argparse.Namespace], dict]
    cells: Callable[[dict, int], list[dict]]
    cell: CellFunction
    tables: Callable[[dict, list[dict], list[dict]], dict]
    checks: Callable[[dict, dict], list[Check]]
    plot: Callable[[dict, dict], Any]
    report: Callable[[dict, dict], None] | None = None
    extra: Callable[[dict, dict, list[Check], Any], list] | None = None
    batch: Callable[[list[dict]], list[dict]] | None = None
    batch_key: Callable[[dict], Any] | None = None
    batch_cost: Callable[[dict], float] | None = None
    reference_seconds: Callable[[dict], tuple[float, str] | None] | None = None


def run(experiment: Experiment, args: argparse.Namespace) -> dict:
    """Run ``experiment`` with the parsed command line ``args``; returns tables, checks, config, wall time."""
    import pandas as pd

    start = time.perf_counter()
    cfg = experiment.config(args)
    out = _io.resolve_out(args.out)
    cells = experiment.cells(cfg, args.seed)
    results = run_cells(
        experiment.cell,
        cells,
        cache_dir=cache_dir(args, out, experiment.name),
        jobs=args.jobs,
        progress=want_progress(args),
        desc=experiment.name,
        batch_fn=experiment.batch,
        batch_key=experiment.batch_key,
        batch_cost=experiment.batch_cost,
    )
    tables = experiment.tables(cfg, cells, results)
    checks = [Check(*c) for c in experiment.checks(cfg, tables)]

    for stem, frame in tables.items():
        _io.write_csv(out / f"{stem}.csv", frame)
    _io.write_csv(out / f"{experiment.name}_checks.csv", pd.DataFrame(checks, columns=list(Check._fields)))
    config = {
        "experiment": experiment.name,
        "version": experiment.version,
        "seed": args.seed,
        "quick": bool(getattr(args, "quick", False)),
        **cfg,
    }
    _io.write_json(out / f"{experiment.name}_config.json", config)
    _io.save_figure(experiment.plot(cfg, tables), out, experiment.name, close=True)
    if experiment.extra is not None:
        experiment.extra(cfg, tables, checks, out)

    wall = time.perf_counter() - start
    if experiment.report is not None:
        experiment.report(cfg, tables)
    print_checks(checks)
    print(
        f"{experiment.name}: {len(cells)} cells, wall time {wall:.1f} s with --jobs {args.jobs}; "
        f"outputs in {out}"
    )
    reference = experiment.reference_seconds(cfg) if experiment.reference_seconds is not None else None
    if reference is not None:
        seconds, label = reference
        print(f"{experiment.name}: {label}: ≈ {seconds:.0f} s, {seconds / wall:.0f}x our wall time")
    return {"tables": tables, "checks": checks, "config": config, "wall_seconds": wall}


def print_checks(checks) -> None:
    """Print one ``PASS: name (detail)`` or ``FAIL: ...`` line per check."""
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name} ({detail})")
