r"""Sufficiency claims of the Symile paper, checked exactly and on trained models.

Three parts, written to ``sufficiency*.csv``; the claims a trained model can fail are printed as
``PASS``/``FAIL`` lines (the exact identities of part 1 hold by mathematics, so they are unit tests in
``tests/experiments/test_sufficiency.py``, not printed checks). The decision tools are library code:
:mod:`infotheory.decision` (optimal scores, argmax rules, partitions, exact information).

1. **Exact, no training** (switched XOR, :class:`generators.BinaryXOR`, ``d`` in ``--ds``, every ``p``).
   A zero-shot rule predicts ``b`` from the query ``(a, c)`` as the candidate with the highest score.
   With the *Symile-optimal* score (pointwise total correlation plus the log prior)

   .. math:: s(a,b,c) = \log\frac{p(a,b,c)}{p(a)p(b)p(c)} + \log p(b)
             = \log p(b \mid a, c) + \text{const}(a, c)

   the rule is the Bayes rule, so its exact accuracy equals :math:`q + p(1-q)`, :math:`q = 2^{-d}`.
   With the best *pairwise-only* score :math:`\mathrm{PMI}(a,b) + \mathrm{PMI}(b,c) + \mathrm{PMI}(a,c)
   + \log p(b)` every candidate ties on XOR (``PMI(a,b) = PMI(b,c) = 0``, ``PMI(a,c)`` and ``log p(b)``
   do not depend on ``b``), so the accuracy is chance, :math:`q`, for every ``p``.
   Accuracies are exact sums :math:`\sum_{a,c} p(a,c)\,\Pr(\hat b = b \mid a, c)` over the joint pmf.

   **Tie rule:** candidates whose score is within ``1e-9`` (absolute, nats) of the best score tie, and a
   tie is broken uniformly at random; every number below is the exact expectation over that coin.
   Tabulated (``sufficiency_exact.csv``) and plotted; the identities are unit tests.

2. **Learned** (a Symile and a CLIP model trained on XOR samples with the paper's Figure 3 settings).
   For every one of the :math:`2^d \times 2^d` queries ``(a, c)`` the query statistic is
   :math:`T = r_a \odot r_c` (Symile; score :math:`\langle T, r_b\rangle`) or :math:`T = r_a + r_c`
   (CLIP; score :math:`\langle r_a, r_b\rangle + \langle r_c, r_b\rangle`). Pushing the exact joint
   :math:`p(a, c, b)` through the statistic gives, all in bits and all exact given the trained weights:

   * ``grouping_ratio`` = :math:`I(b; T) / I(b; a, c)`, grouping queries whose ``T`` agree to 6
     decimals. **Nearly trivial**: linear encoders give (almost) injective statistics, so this ratio is
     ~1 for both methods; it only shows that no information was destroyed, not that it is *usable*.
   * ``argmax_ratio`` = :math:`I(b; \hat b) / I(b; a, c)` with :math:`\hat b` the zero-shot prediction
     (argmax of the learned score, tie rule above). This is the decision-theoretic sufficiency the paper
     means: on XOR the Bayes prediction :math:`a \oplus c` is itself sufficient (the posterior of ``b``
     depends on ``(a, c)`` only through it), so the ratio is 1 exactly when the learned rule recovers
     it, and 0 for a rule that ignores the triple interaction (CLIP).
   * ``accuracy`` of the zero-shot rule vs the Bayes accuracy :math:`q + p(1-q)` (exact expectation).
   * ``expected_kl`` = :math:`\mathbb{E}_{a,c}\,\mathrm{KL}(p(b\mid a,c)\,\|\,\hat p(b\mid a,c))` with the
     model's predictive distribution :math:`\hat p = \mathrm{softmax}_b(\text{scale}\cdot\text{score} +
     \log p(b))` at the learned logit scale, and ``usable_ratio`` =
     :math:`(I(b;a,c) - \mathbb{E}\,\mathrm{KL}) / I(b;a,c)`, the share of the information the model's
     own posterior turns into log-loss (can be negative for a badly calibrated model).

   The claim checked: the Symile ``argmax_ratio`` is at least 0.95 for every ``p >= 0.5``.
   The ratios are undefined (written NaN) where :math:`I(b; a, c) = 0`, i.e. at ``p = 0``.

3. **Disease/temperature** (:class:`generators.DiseaseTemperature`, a table ``p(y, t)``). Exactly from the
   table: the minimal sufficient statistic of ``t`` for ``y`` groups temperatures with equal posteriors
   :math:`p(y \mid t)`; the zero-shot rule with the log prior, :math:`\arg\max_y \mathrm{PMI}(y,t) +
   \log p(y)`, is the Bayes rule, plain :math:`\arg\max_y \mathrm{PMI}(y,t)` is not. Learned: a two-modality
   model (for ``M = 2`` Symile is CLIP) on one-hot ``y`` and ``t``; its scores :math:`s(y,t)` define the
   learned partition of temperatures (temperatures whose score differences :math:`s(y,t) - s(y_0,t)`
   agree within ``--partition-tol`` nats are merged, single linkage). Reported: whether that partition
   equals the minimal sufficient one, :math:`I(y; T_{\text{learned}})` vs :math:`I(y; t)` (exact, from the
   table), and the exact accuracies of the learned rule with and without the log prior.

All information quantities are in **bits**. Outputs: ``sufficiency_exact.csv``, ``sufficiency_learned.csv``,
``sufficiency_disease.csv``, ``sufficiency_disease_summary.csv``, ``sufficiency_checks.csv``,
``sufficiency.md`` (all the tables), ``sufficiency.png``/``.pdf``, and ``sufficiency_config.json``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from experiments import _io, _options, _runner
from experiments._cells import cell_seed, code_fingerprint
from experiments._runner import Check
from infotheory.decision import (
    TIE_ATOL,
    bayes_accuracy,
    decision_information,
    expected_kl,
    minimal_sufficient_partition,
    pairwise_optimal_scores,
    query_table,
    rule_accuracy,
    same_partition,
    score_partition,
    statistic_information,
    symile_optimal_scores,
)
from infotheory.pointwise import pointwise_mutual_information

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "exact_xor_table", "learned_statistics"]

#: Decimals to which a query statistic is rounded before grouping equal vectors.
GROUP_DECIMALS = 6
#: Version of the cell functions' behaviour (part of every cache key).
VERSION = 2  # 2: trained by symile_min.multi.train_many (issue 13)
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))
#: The learned Symile rule must keep this share of I(b; a, c) in its argmax for every p >= 0.5.
MIN_ARGMAX_RATIO = 0.95


def _log(x) -> np.ndarray:
    with np.errstate(divide="ignore"):  # log 0 = -inf: a value of probability 0
        return np.log(np.asarray(x, dtype=np.float64))


# --------------------------------------------------------------------------------------------------
# part 1: the optimal rules, exactly


def exact_xor_table(ds, ps) -> pd.DataFrame:
    """Part 1 for every ``(d, p)``: exact accuracies and informations of the two optimal rules (bits).

    Columns: ``d, p, chance, bayes_closed_form, bayes_enumerated, symile_optimal_accuracy,
    pairwise_optimal_accuracy, I_b_ac`` (:math:`I(b; a, c)`), ``I_b_symile_argmax``,
    ``I_b_pairwise_argmax``. Query ``(a, c)`` (row ``a * 2^d + c``), candidate ``b``.
    """
    from generators import BinaryXOR

    rows = []
    for d in ds:
        for p in ps:
            xor = BinaryXOR(d=int(d), p=float(p))
            joint = xor.joint_pmf()  # axes (a, b, c)
            P = query_table(joint, (0, 2), 1)  # (A*C, B)
            S_sym = symile_optimal_scores(joint, (0, 2), 1, base=np.e)  # nats, as the tie rule's 1e-9
            S_pair = pairwise_optimal_scores(joint, (0, 2), 1, base=np.e)
            rows.append(
                {
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
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# part 2 and 3: one cell trains one model


def _train_config(cell: dict):
    from symile_min import TrainConfig

    keys = ("method", "negatives", "rep_dim", "encoder", "lr", "weight_decay", "batch_size", "epochs")
    return TrainConfig(**{k: cell[k] for k in keys}, seed=cell["seed"] % (2**31))


def _xor_data(cell: dict):
    from generators import BinaryXOR

    xor = BinaryXOR(d=cell["d"], p=cell["p"])
    rng = np.random.default_rng(cell["seed"])
    splits = [xor.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    return tuple([s[k].astype(np.float32) for k in "abc"] for s in splits)


def _xor_result(cell: dict, result) -> dict:
    """The representations of every code by a model trained on switched-XOR samples (JSON-able)."""
    import torch

    from generators import decode_bits

    codes = decode_bits(np.arange(2 ** cell["d"]), cell["d"]).astype(np.float32)  # (2^d, d)
    model = result.model
    model.eval()
    with torch.no_grad():
        reps = model.encode([torch.from_numpy(codes)] * 3)
        scale = float(model.logit_scale.detach())  # the positive multiplier of the logits
    return {
        "reps": [r.double().numpy().tolist() for r in reps],
        "scale": scale,
        "best_epoch": int(result.best_epoch),
    }


def _disease_data(cell: dict):
    from generators import DiseaseTemperature

    dt = DiseaseTemperature(table=np.asarray(cell["table"], dtype=np.float64))
    n_y, n_t = dt.joint_pmf().shape
    rng = np.random.default_rng(cell["seed"])
    eye_y, eye_t = np.eye(n_y, dtype=np.float32), np.eye(n_t, dtype=np.float32)
    samples = [dt.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    return tuple([eye_y[s["y"]], eye_t[s["t"]]] for s in samples)


def _disease_result(cell: dict, result) -> dict:
    """The score table s(y, t) in nats of a two-modality model trained on one-hot (y, t) samples."""
    import torch

    n_y, n_t = np.asarray(cell["table"]).shape
    model = result.model
    model.eval()
    with torch.no_grad():
        r_y = model.encode_modality(0, torch.eye(n_y))  # (Y, k)
        r_t = model.encode_modality(1, torch.eye(n_t))  # (T, k)
        scale = float(model.logit_scale.detach())
        scores = scale * (r_t.double() @ r_y.double().T)  # (T, Y) learned s(y, t), nats
    return {"scores_ty": scores.numpy().tolist(), "scale": scale}


def _batch(cells: list[dict]) -> list[dict]:
    """Train the cells' models (batched where they share an architecture) and read out what each reports."""
    from symile_min.multi import train_many

    data = [_xor_data(c) if c["kind"] == "xor" else _disease_data(c) for c in cells]
    runs = train_many(data, [_train_config(c) for c in cells])
    return [
        _xor_result(c, run) if c["kind"] == "xor" else _disease_result(c, run)
        for c, run in zip(cells, runs, strict=True)
    ]


def _cell(cell: dict) -> dict:
    return _batch([cell])[0]


def learned_statistics(P: np.ndarray, reps, scale: float, method: str, log_prior_b: np.ndarray) -> dict:
    """Exact sufficiency numbers (bits) of a trained model's query statistic; see the module docstring.

    Parameters
    ----------
    P : ndarray, shape (A*C, B)
        Exact joint of ((a, c), b), query index ``a * C + c`` (:func:`infotheory.decision.query_table`).
    reps : sequence of three (2^d, k) arrays
        Representations of every code for modalities a, b, c.
    scale : float
        The model's logit scale (multiplies the scores in the predictive softmax).
    method : {"symile", "clip"}
    log_prior_b : ndarray, shape (B,)
        :math:`\\log p(b)` in nats, added in the predictive softmax.
    """
    ra, rb, rc = (np.asarray(r, dtype=np.float64) for r in reps)
    combine = {"symile": np.multiply, "clip": np.add}[method]
    T = combine(ra[:, None, :], rc[None, :, :]).reshape(-1, ra.shape[1])  # (A*C, k): r_a ⊙ r_c or r_a + r_c
    S = _zero_shot(ra, rb, rc, method)  # (A*C, B): the zero-shot score of every candidate
    if not np.allclose(S, T @ rb.T, atol=1e-9):  # the statistic T must be the rule's whole query
        raise RuntimeError(f"zero_shot_scores({method!r}) is not <T, r_b> for the statistic T used here")
    _, labels = np.unique(np.round(T, GROUP_DECIMALS), axis=0, return_inverse=True)
    I_b_ac = statistic_information(P, np.arange(P.shape[0]))
    kl = expected_kl(P, scale * S + log_prior_b[None, :])

    def ratio(x: float) -> float:
        return x / I_b_ac if I_b_ac > 1e-12 else float("nan")  # undefined where I(b; a, c) = 0

    out = {
        "n_groups": int(labels.max() + 1),
        "I_b_ac": I_b_ac,
        "I_b_T": statistic_information(P, labels.ravel()),
        "I_b_argmax": decision_information(P, S),
        "accuracy": rule_accuracy(P, S),
        "expected_kl": kl,
    }
    out["grouping_ratio"] = ratio(out["I_b_T"])
    out["argmax_ratio"] = ratio(out["I_b_argmax"])
    out["usable_ratio"] = ratio(I_b_ac - kl)
    return out


def _zero_shot(ra: np.ndarray, rb: np.ndarray, rc: np.ndarray, method: str) -> np.ndarray:
    """symile_min's zero-shot scores (scale 1, no prior) of every candidate b for every query (a, c)."""
    import torch

    from symile_min import zero_shot_scores

    A, C = ra.shape[0], rc.shape[0]
    qa = torch.from_numpy(np.repeat(ra, C, axis=0))  # (A*C, k), query index a * C + c
    qc = torch.from_numpy(np.tile(rc, (A, 1)))  # (A*C, k)
    return zero_shot_scores([qa, qc], torch.from_numpy(rb), method).numpy()


# --------------------------------------------------------------------------------------------------
# config, cells, tables, checks


def _config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    ps = list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID))
    return {
        "quick": quick,
        "seed": int(args.seed),
        "exact": {
            "ds": list(args.ds) if args.ds is not None else ([3] if quick else [3, 5]),
            "ps": ps,
            "tie_atol": TIE_ATOL,
        },
        "learned_xor": {
            "d": args.learned_d if args.learned_d is not None else (3 if quick else 5),
            "ps": ps,
            "methods": [["symile", "n"], ["clip", "n"]],
            "rep_dim": 16,
            "encoder": "linear",
            "lr": 0.1,
            "weight_decay": 0.01,
            "batch_size": 1000 if not quick else 500,
            "epochs": args.epochs if args.epochs is not None else (30 if quick else 100),
            "n_train": 10_000 if not quick else 2_000,
            "n_val": 1_000 if not quick else 500,
            "group_decimals": GROUP_DECIMALS,
            "min_argmax_ratio": MIN_ARGMAX_RATIO,
        },
        "disease": {
            "method": "symile",
            "rep_dim": 16,
            "lr": 0.1,
            "weight_decay": 0.0,
            "batch_size": 500 if not quick else 250,
            "epochs": 60 if not quick else 20,
            "n_train": 20_000 if not quick else 4_000,
            "n_val": 2_000 if not quick else 500,
            "partition_tol": float(args.partition_tol),
        },
        "version": VERSION,
    }


def _disease_table() -> np.ndarray:
    from generators import DiseaseTemperature

    return np.asarray(DiseaseTemperature().joint_pmf(), dtype=np.float64)  # (Y, T), axes (y, t)


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # the cache key includes the source of the code a cell runs, so editing it invalidates the cache
    code = code_fingerprint("generators", "symile_min", "infotheory", "experiments.sufficiency")
    lx, dc = cfg["learned_xor"], cfg["disease"]
    cells = []
    shared = ("d", "rep_dim", "encoder", "lr", "weight_decay", "batch_size", "epochs", "n_train", "n_val")
    for p in lx["ps"]:
        for method, negatives in lx["methods"]:
            cell = {k: lx[k] for k in shared}
            cell.update(kind="xor", p=float(p), method=method, negatives=negatives)
            cell["seed"] = cell_seed(master_seed, "sufficiency-xor", lx["d"], float(p), method, negatives)
            cells.append(cell)
    keys = ("method", "rep_dim", "lr", "weight_decay", "batch_size", "epochs", "n_train", "n_val")
    disease = {k: dc[k] for k in keys}
    disease.update(kind="disease", negatives="n", encoder="linear", table=_disease_table().tolist(),
                   seed=cell_seed(master_seed, "sufficiency-disease"))
    cells.append(disease)
    for cell in cells:
        cell.update(version=VERSION, code=code)
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    from generators import BinaryXOR

    exact = exact_xor_table(cfg["exact"]["ds"], cfg["exact"]["ps"])
    rows = []
    for cell, res in zip(cells, results):
        if cell["kind"] != "xor":
            continue
        xor = BinaryXOR(d=cell["d"], p=cell["p"])
        joint = xor.joint_pmf()
        log_prior_b = _log(joint.sum(axis=(0, 2)))
        P = query_table(joint, (0, 2), 1)
        stats = learned_statistics(P, res["reps"], res["scale"], cell["method"], log_prior_b)
        rows.append({
            "d": cell["d"], "p": cell["p"], "method": cell["method"], "bayes_accuracy": xor.bayes_accuracy(),
            "chance": xor.chance_accuracy(), "logit_scale": res["scale"], "best_epoch": res["best_epoch"],
            **stats,
        })  # fmt: skip
    disease, summary = _disease_tables(np.asarray(results[-1]["scores_ty"]), cfg["disease"]["partition_tol"])
    return {
        "sufficiency_exact": exact,
        "sufficiency_learned": pd.DataFrame(rows),
        "sufficiency_disease": disease,
        "sufficiency_disease_summary": summary,
    }


def _disease_tables(scores: np.ndarray, tol: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-temperature table and the summary of part 3 (bits and accuracies), from the learned s(y, t)."""
    table = _disease_table()
    P = table.T  # (T, Y): query t, candidate y
    p_y, p_t = table.sum(axis=1), table.sum(axis=0)
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
        row["learned_prior_argmax_y"] = int(np.argmax(scores[t] + _log(p_y)))
        row["learned_argmax_y"] = int(np.argmax(scores[t]))
        rows.append(row)
    values = {
        "I(y; t) [bits]": statistic_information(P, np.arange(P.shape[0])),
        "I(y; T_min) [bits]": statistic_information(P, minimal),
        "I(y; T_learned) [bits]": statistic_information(P, learned),
        "Bayes accuracy": bayes_accuracy(P),
        "exact PMI + log prior accuracy": rule_accuracy(P, pmi + _log(p_y)[None, :]),
        "exact PMI accuracy": rule_accuracy(P, pmi),
        "learned score + log prior accuracy": rule_accuracy(P, scores + _log(p_y)[None, :]),
        "learned score accuracy": rule_accuracy(P, scores),
        "learned partition == minimal": float(same_partition(learned, minimal)),
    }
    summary = pd.DataFrame({"quantity": list(values), "value": list(values.values())})
    return pd.DataFrame(rows), summary


def _checks(cfg: dict, tables: dict) -> list[Check]:
    """Claims a wrong model fails (an untrained one gets ratio ~0, a one-group partition, chance accuracy)."""
    learned = tables["sufficiency_learned"]
    value = tables["sufficiency_disease_summary"].set_index("quantity")["value"]
    disease = tables["sufficiency_disease"]
    need = cfg["learned_xor"]["min_argmax_ratio"]
    checks = []
    sym_hi = learned[(learned["method"] == "symile") & (learned["p"] >= 0.5)]
    if len(sym_hi):
        worst = float(sym_hi["argmax_ratio"].min())
        checks.append(Check(f"learned: Symile I(b; argmax)/I(b; a,c) >= {need} for p >= 0.5", worst >= need,
                            f"min {worst:.3f}"))
    checks += [
        Check(
            "disease: learned partition of t == minimal sufficient partition",
            bool(value["learned partition == minimal"]),
            f"learned {disease['learned_group'].tolist()} vs minimal {disease['minimal_group'].tolist()}",
        ),
        Check(
            "disease: I(y; T_learned) == I(y; t)",
            abs(value["I(y; T_learned) [bits]"] - value["I(y; t) [bits]"]) <= 1e-9,
            f"{value['I(y; T_learned) [bits]']:.4f} vs {value['I(y; t) [bits]']:.4f} bits",
        ),
        Check(
            "disease: learned scores + log p(y) reach Bayes accuracy",
            abs(value["learned score + log prior accuracy"] - value["Bayes accuracy"]) <= 1e-9,
            f"{value['learned score + log prior accuracy']:.4f} vs {value['Bayes accuracy']:.4f} "
            f"(no prior: {value['learned score accuracy']:.4f})",
        ),
    ]
    return checks


def _markdown(cfg: dict, tables: dict, checks: list[Check], out) -> list:
    def text(frame: pd.DataFrame) -> str:  # 6 significant digits: the same bytes whatever is installed
        return _io.markdown_table(frame, fmt="{:.6g}")

    check_frame = pd.DataFrame(checks, columns=list(Check._fields))
    parts = [
        "# Sufficiency claims (bits; see experiments/sufficiency.py for definitions)\n",
        "## Checks\n",
        text(check_frame),
        "\n## Exact optimal rules on XOR\n",
        text(tables["sufficiency_exact"]),
        "\n## Learned statistics on XOR (ratios NaN where I(b; a,c) = 0)\n",
        text(tables["sufficiency_learned"]),
        "\n## Disease / temperature\n",
        text(tables["sufficiency_disease_summary"]),
        "",
        text(tables["sufficiency_disease"]),
        "",
    ]
    return [_io.atomic_write_text(out / "sufficiency.md", "\n".join(parts))]


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    exact, learned = tables["sufficiency_exact"], tables["sufficiency_learned"]
    summary = tables["sufficiency_disease_summary"]
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6), gridspec_kw={"width_ratios": [1.1, 1.1, 0.8]})
    ax = axes[0]
    d = int(learned["d"].iloc[0]) if len(learned) else int(exact["d"].max())
    e = exact[exact["d"] == d] if (exact["d"] == d).any() else exact[exact["d"] == exact["d"].max()]
    d_exact = int(e["d"].iloc[0])
    ax.plot(e["p"], e["bayes_closed_form"], "k-", lw=3, alpha=0.3, label="Bayes $q + p(1-q)$")
    ax.plot(e["p"], e["symile_optimal_accuracy"], "o", color="C0", label="Symile-optimal score (exact)")
    ax.plot(e["p"], e["pairwise_optimal_accuracy"], "s", color="C1", label="pairwise-optimal score (exact)")
    ax.plot(e["p"], e["chance"], "k:", label="chance $2^{-d}$")
    for method, color, marker in (("symile", "C0", "^"), ("clip", "C1", "v")):
        sub = learned[learned["method"] == method]
        if len(sub) and int(sub["d"].iloc[0]) == d_exact:
            ax.plot(sub["p"], sub["accuracy"], marker, color=color, mfc="none", ms=9,
                    label=f"learned {method}")
    ax.set(xlabel="p", ylabel="accuracy of predicting b from (a, c)",
           title=f"Zero-shot accuracy, XOR d={d_exact}")
    ax.legend(fontsize=7)

    ax = axes[1]
    styles = {
        "grouping_ratio": dict(ls="--", marker="s", ms=7, mfc="none"),
        "argmax_ratio": dict(ls="-", marker="o", ms=4),
        "usable_ratio": dict(ls=":", marker="^", ms=4),
    }
    for method, color in (("symile", "C0"), ("clip", "C1")):
        sub = learned[(learned["method"] == method) & (learned["p"] > 0)]
        for col, style in styles.items():
            ax.plot(sub["p"], sub[col], color=color, label=f"{method}: {col}", **style)
    ax.axhline(0.95, color="grey", lw=0.8, label="0.95")
    ax.set(xlabel="p", ylabel="fraction of I(b; a, c)", ylim=(-0.1, 1.1),
           title=f"Learned sufficiency, XOR d={d} (p=0: undefined)")
    ax.legend(fontsize=7)

    ax = axes[2]
    acc = summary[summary["quantity"].str.contains("accuracy")]
    labels = [
        q.replace(" accuracy", "").replace("exact ", "exact\n").replace("learned ", "learned\n")
        for q in acc["quantity"]
    ]
    colors = ["grey", "C0", "C1", "C0", "C1"][: len(acc)]
    ax.bar(range(len(acc)), acc["value"], color=colors, alpha=0.8)
    ax.set_xticks(range(len(acc)), labels, fontsize=7)
    ax.set_ylim(0.5, 1.0)
    ax.set(ylabel="accuracy of predicting y from t", title="Disease/temperature: log prior matters")
    for i, v in enumerate(acc["value"]):
        ax.text(i, v + 0.005, f"{v:.3f}", ha="center", fontsize=7)
    fig.tight_layout()
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
    extra=_markdown,
    batch=_batch,
    batch_key=lambda cell: cell["kind"],
)


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab sufficiency``."""
    _options.add_common_arguments(parser)
    opt = parser.add_argument
    opt("--ds", type=_options.positive_int, nargs="+", default=None, help="d values of the exact part (3 5)")
    opt("--learned-d", type=_options.positive_int, default=None, help="d of the trained XOR models (5)")
    opt("--ps", type=_options.probability, nargs="+", default=None, help="p grid (0, 0.1, ..., 1)")
    opt("--epochs", type=_options.positive_int, default=None, help="training epochs (100; quick: 30)")
    opt("--partition-tol", type=_options.positive_float, default=0.5,
        help="merge tolerance of learned score differences, nats")


def run(args: argparse.Namespace) -> dict:
    """Run the three parts, write the outputs and print PASS/FAIL lines; returns the tables and checks."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.sufficiency``: same as ``symile-lab sufficiency``."""
    from experiments.cli import run_command

    return run_command("sufficiency", argv)


if __name__ == "__main__":
    raise SystemExit(main())
