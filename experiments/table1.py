"""Table 1: the disease/temperature toy joint, its minimal sufficient statistic, and PMI vs Bayes.

Writes ``table1.csv`` / ``.md`` / ``.tex`` (the joint p(y, t), both marginals and p(y | t)),
``table1_quantities.csv`` (H(y), I(y; t), I(y; T(t)) for the minimal sufficient statistic T and the
best coarser grouping, in bits), ``table1_predictions.csv`` (per temperature: T(t), PMI, Bayes and PMI
predictions) and ``table1_config.json``. The default table is illustrative, not the paper's values.
"""

from __future__ import annotations

import argparse
import itertools

import pandas as pd

from experiments._io import atomic_write_text, markdown_table, resolve_out, write_csv, write_json
from generators import DiseaseTemperature

__all__ = ["add_arguments", "run", "main", "quantities", "predictions"]


def _coarser_groupings(T: dict) -> list[dict]:
    """Every grouping obtained from T by merging two of its groups (all coarser ones lie below these)."""
    labels = sorted(set(T.values()))
    return [{t: (a if g == b else g) for t, g in T.items()} for a, b in itertools.combinations(labels, 2)]


def quantities(dt: DiseaseTemperature) -> pd.DataFrame:
    """The exact scalar quantities the table illustrates, in bits (columns: quantity, value, unit)."""
    T = dt.minimal_sufficient_statistic()
    coarser = _coarser_groupings(T)
    best_coarser = max((dt.grouped_mutual_information(g) for g in coarser), default=0.0)
    rows = [
        ("H(y)", dt.entropy_y(), "bits"),
        ("I(y;t)", dt.mutual_information(), "bits"),
        ("I(y;T(t)), T = minimal sufficient statistic", dt.grouped_mutual_information(T), "bits"),
        ("max I(y;T'(t)) over T' coarser than T", best_coarser, "bits"),
        ("number of groups of T", float(len(set(T.values()))), "count"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "value", "unit"])


def predictions(dt: DiseaseTemperature) -> pd.DataFrame:
    """Per temperature: the statistic's group, p(y|t), PMI(y, t) in bits, Bayes and PMI predictions."""
    T = dt.minimal_sufficient_statistic()
    pmi = dt.pmi()
    cond = dt.p_y_given_t()
    rows = []
    for j, t in enumerate(dt.temperatures):
        row = {"t": t, "T(t)": T[t]}
        for k, y in enumerate(dt.diseases):
            row[f"p(y={y}|t)"] = cond[k, j]
        for y in dt.diseases:
            row[f"PMI(y={y},t) [bits]"] = pmi.loc[y, t]
        row["Bayes argmax_y p(y|t)"] = dt.bayes_prediction(t)
        row["argmax_y PMI(y,t)"] = dt.pmi_prediction(t)
        rows.append(row)
    return pd.DataFrame(rows)


def _latex(frame: pd.DataFrame) -> str:
    """A booktabs LaTeX tabular of the (numeric) table, written by hand."""

    def tex(s: str) -> str:
        return "$" + s.replace("| t", r"\mid t").replace("|t", r"\mid t") + "$"

    header = " & ".join([""] + [tex(c) for c in frame.columns]) + r" \\"
    lines = [
        r"\begin{tabular}{l" + "r" * len(frame.columns) + "}",
        r"\toprule",
        header,
        r"\midrule",
    ]
    for idx, row in frame.iterrows():
        if idx == "p(t)":
            lines.append(" & ".join([tex(idx)] + [f"{v:.4f}" for v in row]) + r" \\")
            lines.append(r"\midrule")  # joint and marginal above, conditionals below
            continue
        lines.append(" & ".join([tex(idx)] + [f"{v:.4f}" for v in row]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab table1``."""
    parser.add_argument("--out", default=None, help="output folder (default: <repo>/figures)")
    parser.add_argument("--quick", action="store_true", help="accepted for uniformity; the table is exact")


def run(args: argparse.Namespace) -> dict:
    """Write the table files; returns a dict name -> path."""
    out = resolve_out(args.out)
    dt = DiseaseTemperature()
    table = dt.table1()
    quant = quantities(dt)
    preds = predictions(dt)
    paths = {
        "csv": write_csv(out / "table1.csv", table.reset_index()),
        "quantities": write_csv(out / "table1_quantities.csv", quant),
        "predictions": write_csv(out / "table1_predictions.csv", preds),
    }
    md = [
        "# Table 1: disease y and temperature t (illustrative joint, not the paper's values)",
        "",
        markdown_table(table, index_name="quantity"),
        "",
        "## Exact quantities (bits)",
        "",
        "Minimal sufficient statistic T of t for y (temperatures with equal p(y | t)): "
        + ", ".join(f"T({t}) = {g}" for t, g in dt.minimal_sufficient_statistic().items())
        + ".",
        "",
        markdown_table(quant.set_index("quantity"), index_name="quantity", fmt="{:.6f}"),
        "",
        "## Per temperature: sufficient statistic, PMI and predictions",
        "",
        markdown_table(preds, fmt="{:.4f}"),
        "",
    ]
    paths["md"] = atomic_write_text(out / "table1.md", "\n".join(md))
    paths["tex"] = atomic_write_text(out / "table1.tex", _latex(table))
    config = {
        "command": "table1",
        "generator": "DiseaseTemperature",
        "table": dt.joint_pmf().tolist(),
        "diseases": list(dt.diseases),
        "temperatures": list(dt.temperatures),
        "illustrative_default_table": True,
        "unit": "bits",
        "quick": bool(args.quick),
    }
    paths["config"] = write_json(out / "table1_config.json", config)
    for path in paths.values():
        print(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.table1``: same as ``symile-lab table1``."""
    from experiments.cli import run_command

    return run_command("table1", argv)


if __name__ == "__main__":
    raise SystemExit(main())
