r"""Sufficiency on disease/temperature: a trained two-modality model's scores induce the minimal sufficient
partition of the temperatures, and reach the Bayes accuracy only with the log prior added.

The table ``p(y, t)`` of :class:`generators.DiseaseTemperature` (disease ``y``, temperature ``t``).
Exactly from the table: the minimal sufficient statistic of ``t`` for ``y`` groups temperatures with equal
posteriors :math:`p(y \mid t)` (:func:`infotheory.decision.minimal_sufficient_partition`); the zero-shot
rule with the log prior, :math:`\arg\max_y \mathrm{PMI}(y,t) + \log p(y)`, is the Bayes rule, plain
:math:`\arg\max_y \mathrm{PMI}(y,t)` is not (identities: unit tests in
``tests/experiments/test_sufficiency_disease.py``).

Learned: a two-modality model (for ``M = 2`` Symile is CLIP) trained on one-hot ``y`` and ``t``; its scores
:math:`s(y, t)` (nats, scale included) estimate :math:`\mathrm{PMI}(y, t) + g(t)` and define the learned
partition of temperatures: temperatures whose score differences :math:`s(y,t) - s(y_0,t)` agree within
``--partition-tol`` nats are merged, single linkage (:func:`infotheory.decision.score_partition`).

Printed checks (each fails for a model that did not learn the table, e.g. constant scores: one group,
:math:`I = 0`, the majority class's accuracy): the learned partition equals the minimal sufficient one;
:math:`I(y; T_{\text{learned}}) = I(y; t)` (bits, exact from the table); and the learned rule with the log
prior reaches the Bayes accuracy (the accuracy without the prior is reported next to it).

Writes ``sufficiency_disease.csv`` (per temperature: posteriors, learned score differences, both
partitions and the four predictions), ``sufficiency_disease_summary.csv`` (informations in bits and exact
accuracies), ``sufficiency_disease.png``/``.pdf``, ``sufficiency_disease_checks.csv`` and
``sufficiency_disease_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _options, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._runner import Check
from infotheory.decision import (
    bayes_accuracy,
    minimal_sufficient_partition,
    rule_accuracy,
    same_partition,
    score_partition,
    statistic_information,
)
from infotheory.pointwise import pointwise_mutual_information

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "disease_tables"]

#: Version of the cell function's behaviour (part of every cache key).
VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)


def _table() -> np.ndarray:
    from generators import DiseaseTemperature

    return np.asarray(DiseaseTemperature().joint_pmf(), dtype=np.float64)  # (Y, T), axes (y, t)


# --------------------------------------------------------------------------------------------------
# the cell trains the model and reads out its score table


def _cell(cell: dict) -> dict:
    """The score table s(y, t) in nats of a two-modality model trained on one-hot (y, t) samples."""
    import torch

    from generators import DiseaseTemperature
    from symile_min import TrainConfig
    from symile_min.multi import train_many

    dt = DiseaseTemperature(table=np.asarray(cell["table"], dtype=np.float64))
    n_y, n_t = dt.joint_pmf().shape
    rng = np.random.default_rng(cell["seed"])
    eye_y, eye_t = np.eye(n_y, dtype=np.float32), np.eye(n_t, dtype=np.float32)
    samples = [dt.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    data = tuple([eye_y[s["y"]], eye_t[s["t"]]] for s in samples)
    (result,) = train_many([data], [TrainConfig(**cell["train"], seed=cell["seed"] % (2**31))])
    model = result.model
    model.eval()
    with torch.no_grad():
        r_y = model.encode_modality(0, torch.eye(n_y))  # (Y, k)
        r_t = model.encode_modality(1, torch.eye(n_t))  # (T, k)
        scale = float(model.logit_scale.detach())
        scores = scale * (r_t.double() @ r_y.double().T)  # (T, Y) learned s(y, t), nats
    return {"scores_ty": scores.numpy().tolist(), "scale": scale}


# --------------------------------------------------------------------------------------------------
# config, cells, tables, checks, plot


def disease_tables(scores, tol: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-temperature table and summary (bits and exact accuracies) of scores ``s(y, t)``, shape (T, Y)."""
    table = _table()
    scores = np.asarray(scores, dtype=np.float64)
    P = table.T  # (T, Y): query t, candidate y
    p_t, log_p_y = table.sum(axis=0), np.log(table.sum(axis=1))  # every p(y) > 0
    pmi = pointwise_mutual_information(table, 1, 0, base=np.e)  # (T, Y) PMI(t, y), nats
    minimal = minimal_sufficient_partition(P)
    learned = score_partition(scores, tol=tol)
    rows = []
    for t in range(P.shape[0]):
        row = {"t": t, "p_t": p_t[t]}
        row.update({f"p(y={y}|t)": P[t, y] / p_t[t] for y in range(P.shape[1])})
        row.update({f"learned_s(y={y},t)-s(y=0,t)": scores[t, y] - scores[t, 0] for y in range(P.shape[1])})
        row["minimal_group"] = int(minimal[t])
        row["learned_group"] = int(learned[t])
        row["bayes_y"] = int(np.argmax(P[t]))
        row["pmi_argmax_y"] = int(np.argmax(pmi[t]))
        row["learned_prior_argmax_y"] = int(np.argmax(scores[t] + log_p_y))
        row["learned_argmax_y"] = int(np.argmax(scores[t]))
        rows.append(row)
    values = {
        "I(y; t) [bits]": statistic_information(P, np.arange(P.shape[0])),
        "I(y; T_min) [bits]": statistic_information(P, minimal),
        "I(y; T_learned) [bits]": statistic_information(P, learned),
        "Bayes accuracy": bayes_accuracy(P),
        "exact PMI + log prior accuracy": rule_accuracy(P, pmi + log_p_y[None, :]),
        "exact PMI accuracy": rule_accuracy(P, pmi),
        "learned score + log prior accuracy": rule_accuracy(P, scores + log_p_y[None, :]),
        "learned score accuracy": rule_accuracy(P, scores),
        "learned partition == minimal": float(same_partition(learned, minimal)),
    }
    summary = pd.DataFrame({"quantity": list(values), "value": list(values.values())})
    return pd.DataFrame(rows), summary


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    return {
        "train": {
            "method": "symile",
            "negatives": "n",
            "encoder": "linear",
            "rep_dim": 16,
            "lr": 0.1,
            "weight_decay": 0.0,
            "batch_size": 500 if not quick else 250,
            "epochs": 60 if not quick else 20,
        },
        "n_train": 20_000 if not quick else 4_000,
        "n_val": 2_000 if not quick else 500,
        "partition_tol": float(args.partition_tol),
        "version": VERSION,
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # the cache key includes the source of the code the cell runs, so editing it invalidates the cache
    code = code_fingerprint("generators", "symile_min", "experiments.sufficiency_disease")
    return [
        {
            "train": cfg["train"],
            "n_train": cfg["n_train"],
            "n_val": cfg["n_val"],
            "table": _table().tolist(),
            "seed": cell_seed(master_seed, "sufficiency-disease"),
            "version": VERSION,
            "code": code,
        }
    ]


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    disease, summary = disease_tables(results[0]["scores_ty"], cfg["partition_tol"])
    return {"sufficiency_disease": disease, "sufficiency_disease_summary": summary}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Claims a wrong model fails (constant scores: one group, I = 0, the majority class's accuracy)."""
    value = tables["sufficiency_disease_summary"].set_index("quantity")["value"]
    disease = tables["sufficiency_disease"]
    I_learned, I_full = value["I(y; T_learned) [bits]"], value["I(y; t) [bits]"]
    acc, bayes = value["learned score + log prior accuracy"], value["Bayes accuracy"]
    return [
        Check(
            "disease: learned partition of t == minimal sufficient partition",
            bool(value["learned partition == minimal"]),
            f"learned {disease['learned_group'].tolist()} vs minimal {disease['minimal_group'].tolist()}",
        ),
        Check(
            "disease: I(y; T_learned) == I(y; t)",
            abs(I_learned - I_full) <= 1e-9,
            f"{I_learned:.4f} vs {I_full:.4f} bits",
        ),
        Check(
            "disease: learned scores + log p(y) reach Bayes accuracy",
            abs(acc - bayes) <= 1e-9,
            f"{acc:.4f} vs {bayes:.4f} (no prior: {value['learned score accuracy']:.4f})",
        ),
    ]


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    summary, disease = tables["sufficiency_disease_summary"], tables["sufficiency_disease"]
    fig, (diff_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 4.4), layout="constrained")
    diff = disease["learned_s(y=1,t)-s(y=0,t)"]
    colors = [f"C{g}" for g in disease["minimal_group"]]
    diff_ax.bar(disease["t"], diff, color=colors, alpha=0.8)
    pmi = pointwise_mutual_information(_table(), 0, 1, base=np.e)  # (Y, T), nats
    diff_ax.plot(disease["t"], pmi[1] - pmi[0], "k_", ms=30, mew=2, label="exact PMI(1, t) - PMI(0, t)")
    diff_ax.legend(fontsize=7)
    ticks = [f"t={t}\nlearned group {g}" for t, g in zip(disease["t"], disease["learned_group"], strict=True)]
    diff_ax.set_xticks(disease["t"], ticks, fontsize=7)
    diff_ax.set(
        xlabel="temperature t (colour: its minimal sufficient group)",
        ylabel="learned s(y=1, t) - s(y=0, t), nats",
        title="Learned partition of the temperatures",
    )
    acc = summary[summary["quantity"].str.contains("accuracy")]
    labels = [
        q.replace(" accuracy", "").replace("exact ", "exact\n").replace("learned ", "learned\n")
        for q in acc["quantity"]
    ]
    acc_ax.bar(range(len(acc)), acc["value"], color=["grey", "C0", "C1", "C0", "C1"][: len(acc)], alpha=0.8)
    acc_ax.set_xticks(range(len(acc)), labels, fontsize=7)
    acc_ax.set_ylim(0.5, 1.0)
    acc_ax.set(ylabel="accuracy of predicting y from t", title="Disease/temperature: log prior matters")
    for i, v in enumerate(acc["value"]):
        acc_ax.text(i, v + 0.005, f"{v:.3f}", ha="center", fontsize=7)
    return fig


EXPERIMENT = _runner.Experiment(
    name="sufficiency_disease",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab sufficiency-disease``."""
    _options.add_common_arguments(parser)
    parser.add_argument(
        "--partition-tol",
        type=_options.positive_float,
        default=0.5,
        help="merge tolerance of learned score differences, nats (default: %(default)s)",
    )


def run(args: argparse.Namespace) -> dict:
    """Train the model, write the outputs and print the PASS/FAIL lines; returns the tables and checks."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.sufficiency_disease``: same as ``symile-lab sufficiency-disease``."""
    from experiments.cli import run_command

    return run_command("sufficiency-disease", argv)


if __name__ == "__main__":
    raise SystemExit(main())
