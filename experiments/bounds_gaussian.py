r"""Learned contrastive bounds on correlated Gaussian blocks against the exact information they bound.

The bounds of ``symile-lab bounds`` (:mod:`experiments.bounds`: Symile's
:math:`\log N - \mathcal{L}_\text{Symile} \le \mathrm{TC}`, CLIP's bound on the sum of pairwise mutual
informations, each capped) on continuous data: three Gaussian modalities of two dimensions each
(:class:`generators.GaussianTC`, equicorrelated, :meth:`~generators.GaussianTC.from_total_correlation`) at
a few total correlations. The truth comes from the generator's correlation matrix ``R`` by determinants of
its blocks (:meth:`~generators.GaussianTC.total_correlation`,
:meth:`~generators.GaussianTC.pairwise_mutual_information_sum`):

.. math:: \mathrm{TC} = \tfrac12 \log \frac{\prod_m \det R_{mm}}{\det R}, \qquad
          \sum_{i<j} I(x_i; x_j) = \sum_{i<j} \tfrac12
          \log \frac{\det R_{ii} \det R_{jj}}{\det R_{[ij],[ij]}}.

Everything is in **bits** (bounds converted from nats). Per cell the held-out bound is the mean over test
batches of :math:`\log N - \mathcal{L}`, with its standard error over batches.

The encoders are MLPs: a multilinear inner product of linear features cannot represent the optimal
Gaussian critic, a quadratic form. Settings: representation dimension 16, AdamW with learning rate 0.01
and weight decay 0.01, batch 1000, 100 epochs, 10k/1k/5k train/validation/test samples; all :math:`N^2`
negatives of continuous rows cost :math:`N^3` scores per step, so the ``"n_squared"`` cells train with
batch 64 for 20 epochs. ``--quick`` shrinks everything to run in seconds.

Checks (printed as ``PASS``/``FAIL``): no bound exceeds its truth by more than 3 standard errors; the
learned Symile bound reaches 0.9 x TC (quick: 0.5) at every TC.

Outputs in ``figures/`` (or ``--out``): ``bounds_gaussian.png``/``.pdf``, ``bounds_gaussian.csv`` (every
plotted number), ``bounds_gaussian_checks.csv``, ``bounds_gaussian_config.json``.
"""

from __future__ import annotations

import argparse

import pandas as pd

from experiments import _bounds, _options, _runner
from experiments._bounds import bound_checks
from experiments._cells import code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main"]

VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)


# --------------------------------------------------------------------------------------------------
# one cell: sample, train, estimate the held-out bound


def _generator(cell: dict):
    from generators import GaussianTC

    return GaussianTC.from_total_correlation(tuple(cell["dims"]), cell["tc_bits"])


def _bound_batch(cells: list[dict]) -> list[dict]:
    """Train the cells' models (one batched call) and estimate each held-out bound (bits)."""
    return _bounds.learned_bounds(cells, _generator)


def _bound_cell(cell: dict) -> dict:
    """Train one model on the cell's data and estimate its held-out bound (bits)."""
    return _bound_batch([cell])[0]


def _batch_key(cell: dict):
    """The "n_squared" cells (small batches) train in one batched call; the others (batches of 1000
    continuous rows) one by one."""
    return "n_squared" if cell["negatives"] == "n_squared" else None


# --------------------------------------------------------------------------------------------------
# config, cells, table, checks


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    return {
        **_bounds.base_config(quick),
        "tcs_bits": list(args.tcs) if args.tcs is not None else ([1.0] if quick else [0.5, 1.0, 2.0]),
        "dims": [2, 2, 2],
        "encoder": "mlp",
        "lr": 0.01,
        "epochs": args.epochs if args.epochs is not None else (100 if not quick else 15),
        # all N^2 negatives of continuous data cost N^3 scores per step: a smaller batch, fewer epochs
        "n_squared_batch_size": 64 if not quick else 32,
        "n_squared_epochs": 20 if not quick else 3,
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("generators", "symile_min", "experiments._bounds", __name__)  # edits: new cache
    squared = {"batch_size": cfg["n_squared_batch_size"], "epochs": cfg["n_squared_epochs"]}
    cells = []
    for tc in cfg["tcs_bits"]:
        identity = ("gaussian", float(tc))  # the seed's identity since XOR and Gaussian were one script
        for method, negatives in cfg["methods"]:
            setting = {"dims": cfg["dims"], "tc_bits": float(tc), "version": VERSION, "code": code}
            setting.update(squared if negatives == "n_squared" else {})
            cells.append(_bounds.new_cell(cfg, master_seed, identity, setting, method, negatives))
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    """One row per cell, with its truth and the checks' columns."""
    rows = []
    for cell, res in zip(cells, results, strict=True):
        res = {k: v for k, v in res.items() if k != "train_seconds"}  # wall clock: kept out of the CSV
        rows.append({"tc_bits": cell["tc_bits"], **_bounds.truth_columns(cell, _generator(cell)), **res})
    return {"bounds_gaussian": bound_checks(pd.DataFrame(rows), se_tolerance=cfg["se_tolerance"])}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Lower bounds stay below the truth (catches an estimator that overshoots); the learned Symile bound
    comes close to TC (catches a model that did not learn: an untrained one scores ~0 bits)."""
    frame = tables["bounds_gaussian"]
    checks = [_bounds.overshoot_check(frame, cfg["se_tolerance"], "tc_bits")]
    learned = frame[frame["method"].str.startswith("symile")]
    if len(learned):
        checks.append(_bounds.tightness_check(learned, cfg["min_tightness"], "at every TC", "tc_bits"))
    return checks


def _report(cfg: dict, tables: dict) -> None:
    cols = ["tc_bits", "method", "target", "truth", "bound", "se", "cap", "tightness", "excess_in_se"]
    _bounds.print_bounds(tables["bounds_gaussian"], cols)


def _plot(cfg: dict, tables: dict):
    dims = " + ".join(map(str, cfg["dims"]))
    title = f"Gaussian blocks of {dims} dimensions (MLP encoders):\nheld-out bounds vs exact truth"
    return _bounds.plot_bounds(
        tables["bounds_gaussian"], "tc_bits", xlabel="exact TC of the Gaussian (bits)", title=title
    )


EXPERIMENT = _runner.Experiment(
    name="bounds_gaussian",
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
    """Options of ``symile-lab bounds-gaussian``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt(
        "--tcs",
        type=_options.positive_float,
        nargs="+",
        default=None,
        help="total correlations in bits (0.5 1 2; quick: 1)",
    )
    opt(
        "--epochs",
        type=_options.positive_int,
        default=None,
        help="training epochs of the 'n' cells (100; quick: 15); 'n_squared' cells: 20 (quick: 3)",
    )


def run(args: argparse.Namespace) -> dict:
    """Train every cell, compare each bound with its exact truth, write the outputs; returns the tables."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.bounds_gaussian``: same as ``symile-lab bounds-gaussian``."""
    from experiments.cli import run_command

    return run_command("bounds-gaussian", argv)


if __name__ == "__main__":
    raise SystemExit(main())
