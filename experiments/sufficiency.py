r"""Sufficiency, exactly: on switched XOR the Symile-optimal score is the Bayes rule, the best pairwise
(CLIP-style) score is chance, for every ``p`` (no training).

On switched XOR (:class:`generators.BinaryXOR`, ``d`` in ``--ds``, every ``p`` in ``--ps``) a zero-shot rule
predicts ``b`` from the query ``(a, c)`` as the candidate with the highest score. With the *Symile-optimal*
score (pointwise total correlation plus the log prior, :func:`infotheory.decision.symile_optimal_scores`)

.. math:: s(a,b,c) = \log\frac{p(a,b,c)}{p(a)p(b)p(c)} + \log p(b) = \log p(b \mid a, c) + \text{const}(a, c)

the rule is the Bayes rule, so its exact accuracy equals :math:`q + p(1-q)`, :math:`q = 2^{-d}`, and its
choice keeps all of :math:`I(b; a, c)` (the Bayes choice :math:`a \oplus c` is a sufficient statistic).
With the best *pairwise-only* score :math:`\mathrm{PMI}(a,b) + \mathrm{PMI}(b,c) + \mathrm{PMI}(a,c) +
\log p(b)` (:func:`infotheory.decision.pairwise_optimal_scores`) every candidate ties on XOR
(``PMI(a,b) = PMI(b,c) = 0``; ``PMI(a,c)`` and ``log p(b)`` do not depend on ``b``), so its accuracy is
chance, :math:`q`, and its choice carries no information, for every ``p``. Accuracies are exact sums
:math:`\sum_{a,c} p(a,c)\,\Pr(\hat b = b \mid a, c)` over the joint pmf, with the tie rule of
:mod:`infotheory.decision` (scores within ``1e-9`` nats of the best tie; a tie is broken uniformly at
random, and every number is the exact expectation over that coin). Informations are in **bits**.

These are identities of exact arithmetic, so they are unit tests (``tests/experiments/test_sufficiency.py``),
not printed checks: this command prints the table and no ``PASS``/``FAIL`` line. What a *trained* model does
is ``symile-lab sufficiency-learned`` (:mod:`experiments.sufficiency_learned`); the disease/temperature
reading is ``symile-lab sufficiency-disease`` (:mod:`experiments.sufficiency_disease`).

Writes ``sufficiency.csv`` (one row per ``(d, p)``), ``sufficiency.png``/``.pdf``, ``sufficiency_checks.csv``
(empty) and ``sufficiency_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _options, _runner
from experiments._cells import code_fingerprint
from experiments._runner import Check
from infotheory.decision import (
    TIE_ATOL,
    bayes_accuracy,
    decision_information,
    pairwise_optimal_scores,
    query_table,
    rule_accuracy,
    statistic_information,
    symile_optimal_scores,
)

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "exact_xor_row", "exact_xor_table"]

#: Version of the cell function's behaviour (part of every cache key).
VERSION = 1
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))


def exact_xor_row(d: int, p: float) -> dict:
    """Exact accuracies and informations (bits) of the two optimal rules on ``BinaryXOR(d, p)``.

    Keys: ``d, p, chance, bayes_closed_form, bayes_enumerated, symile_optimal_accuracy,
    pairwise_optimal_accuracy, I_b_ac`` (:math:`I(b; a, c)`), ``I_b_symile_argmax``,
    ``I_b_pairwise_argmax``. Query ``(a, c)`` (row ``a * 2^d + c``), candidate ``b``.
    """
    from generators import BinaryXOR

    xor = BinaryXOR(d=int(d), p=float(p))
    joint = xor.joint_pmf()  # axes (a, b, c)
    P = query_table(joint, (0, 2), 1)  # (A*C, B)
    S_sym = symile_optimal_scores(joint, (0, 2), 1, base=np.e)  # nats, as the tie rule's 1e-9
    S_pair = pairwise_optimal_scores(joint, (0, 2), 1, base=np.e)
    return {
        "d": int(d),
        "p": float(p),
        "chance": xor.chance_accuracy(),
        "bayes_closed_form": xor.bayes_accuracy(),
        "bayes_enumerated": bayes_accuracy(P),
        "symile_optimal_accuracy": rule_accuracy(P, S_sym),
        "pairwise_optimal_accuracy": rule_accuracy(P, S_pair),
        "I_b_ac": statistic_information(P, np.arange(P.shape[0])),
        "I_b_symile_argmax": decision_information(P, S_sym),
        "I_b_pairwise_argmax": decision_information(P, S_pair),
    }


def exact_xor_table(ds, ps) -> pd.DataFrame:
    """:func:`exact_xor_row` for every ``d`` in ``ds`` and ``p`` in ``ps`` (rows in that order)."""
    return pd.DataFrame([exact_xor_row(d, p) for d in ds for p in ps])


# --------------------------------------------------------------------------------------------------
# config, cells, table, plot


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    return {
        "ds": list(args.ds) if args.ds is not None else ([3] if quick else [3, 5]),
        "ps": list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID)),
        "tie_atol": TIE_ATOL,
        "version": VERSION,
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("generators", "infotheory", "experiments.sufficiency")  # no randomness: no seed
    return [
        {"d": int(d), "p": float(p), "version": VERSION, "code": code} for d in cfg["ds"] for p in cfg["ps"]
    ]


def _cell(cell: dict) -> dict:
    return exact_xor_row(cell["d"], cell["p"])


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    columns = list(exact_xor_row(1, 0.0))  # the row's own order (cached results come back key-sorted)
    return {"sufficiency": pd.DataFrame(results)[columns]}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """None: every claim of this command is an identity of exact arithmetic (a unit test)."""
    return []


def _report(cfg: dict, tables: dict) -> None:
    cols = [
        "d",
        "p",
        "bayes_closed_form",
        "symile_optimal_accuracy",
        "pairwise_optimal_accuracy",
        "chance",
        "I_b_ac",
        "I_b_symile_argmax",
        "I_b_pairwise_argmax",
    ]
    print("Exact optimal rules on switched XOR (accuracies; informations in bits):")
    print(tables["sufficiency"][cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    exact = tables["sufficiency"]
    fig, (acc_ax, info_ax) = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained")
    for k, (d, e) in enumerate(exact.groupby("d", sort=True)):
        color = f"C{k + 2}"
        acc_ax.plot(
            e["p"],
            e["bayes_closed_form"],
            "-",
            color=color,
            lw=3,
            alpha=0.3,
            label=f"d={d}: Bayes $q + p(1-q)$",
        )
        acc_ax.plot(e["p"], e["symile_optimal_accuracy"], "o", color=color, label=f"d={d}: Symile-optimal")
        acc_ax.plot(
            e["p"],
            e["pairwise_optimal_accuracy"],
            "s",
            color=color,
            mfc="none",
            label=f"d={d}: pairwise-optimal",
        )
        acc_ax.plot(e["p"], e["chance"], ":", color=color, label=f"d={d}: chance $2^{{-d}}$")
        info_ax.plot(e["p"], e["I_b_ac"], "-", color=color, lw=3, alpha=0.3, label=f"d={d}: $I(b; a, c)$")
        info_ax.plot(e["p"], e["I_b_symile_argmax"], "o", color=color, label=f"d={d}: Symile-optimal argmax")
        info_ax.plot(
            e["p"],
            e["I_b_pairwise_argmax"],
            "s",
            color=color,
            mfc="none",
            label=f"d={d}: pairwise-optimal argmax",
        )
    acc_ax.set(
        xlabel="switch probability p",
        ylabel="accuracy of predicting b from (a, c)",
        title="Exact zero-shot accuracy of the optimal scores",
    )
    info_ax.set(
        xlabel="switch probability p",
        ylabel="bits",
        title=r"Information the rule's choice keeps, $I(b; \hat b)$",
    )
    acc_ax.legend(fontsize=7)
    info_ax.legend(fontsize=7)
    return fig


EXPERIMENT = _runner.Experiment(
    name="sufficiency",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab sufficiency``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt("--ds", type=_options.positive_int, nargs="+", default=None, help="d values (3 5; quick: 3)")
    opt("--ps", type=_options.probability, nargs="+", default=None, help="p grid (0, 0.1, ..., 1)")


def run(args: argparse.Namespace) -> dict:
    """Compute the exact table, write the outputs and print it; returns the tables and (no) checks."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.sufficiency``: same as ``symile-lab sufficiency``."""
    from experiments.cli import run_command

    return run_command("sufficiency", argv)


if __name__ == "__main__":
    raise SystemExit(main())
