r"""A benchmark of multimodal contrastive objectives on data whose truth is known exactly.

Objectives (:mod:`symile_min.objective_modules`): Symile (``"n"`` negatives), pairwise CLIP, anchor-pairwise
(ImageBind; the anchor is the predicted modality), GRAM (volume), TRIANGLE (area, M = 3 only) and gated
Symile (per-candidate attention gate); Symile with ``"n_squared"`` negatives is left out of the default grid
(its ungrouped loss costs :math:`O(N^{M})` per step) and can be added with ``--objectives``.

Tasks (:mod:`generators`), each with the Bayes accuracy of the zero-shot task and the exact
information the bounds target (bits):

* ``xor_p*``: switched XOR (:class:`generators.BinaryXOR`, d = 5) at p = 0.25, 0.5, 1; predict b from (a, c)
  among all :math:`2^d` values (every pairwise information about b is zero);
* ``copy``: the same data at p = 0 (c = a), predicting c from (a, b): purely pairwise information, where the
  pairwise objectives should not lose;
* ``parity_m*``: M = 3, 4, 5 fair bits whose XOR is 0 (:class:`generators.Parity`); predict the last from the
  others (TC = 1 bit, all of it in the M-way interaction, every proper subset independent);
* ``gaussian``: :class:`generators.GaussianTC`, three 2-d blocks with TC = 4 bits (pairwise, low-order
  dependence), MLP encoders; the zero-shot task is in-batch retrieval of block 2 among the
  ``retrieval_batch`` rows of a test batch; its Bayes accuracy is that of the exact critic (the Gaussian
  log density ratio) on 20,000 fresh rows, a Monte Carlo estimate (se < 0.0035);
* ``m3_w*``: symbolic Symile-M3 (:class:`generators.SyntheticM3`) with w = 2, 5, 10 languages; predict the
  image from text + audio;
* ``missing``: XOR (d = 5, p = 1) trained with each modality missing in half the rows (placeholder plus an
  indicator column, :func:`symile_min.with_missingness`), tested on complete data;
* ``unreliable``: M3 with w = 2 whose audio (a query modality) is replaced by a uniformly random language in
  50 % of the rows (``audio_noise = 0.5``, training and test data), the setting of gated Symile's claim.

Protocol (the same for every objective on a task), through :func:`symile_min.objective_train.train_objective`:
the task's encoders (linear; MLP for the Gaussian), representation width (16; 32 on M3), 2000 training and
1000 validation rows, batch 200, at most 12 epochs with patience 3 on the validation loss (best-validation
weights kept), AdamW (weight decay 0.01), log logit scale initialised at -0.3. For every training seed the
learning rate is chosen from the grid ``lr_grid`` = {0.03, 0.1, 0.3} by the zero-shot accuracy on that
seed's **validation** set (ties: the lower validation loss), never on test data; the chosen model is then
scored on the two shared test sets of 2000 rows. Three training seeds; the objectives of one seed see the
same training and validation data. Per (task, objective): zero-shot accuracy (mean ± se over training seeds
and test sets) against the Bayes-optimal accuracy, the held-out bound ``log K - loss``
(:func:`symile_min.objective_train.objective_bound`, bits, on the pooled test sets) against the exact
information it bounds (TC for Symile, the sum of pairwise MIs for CLIP, the anchor's pairwise MIs for
anchor-pairwise, the mean over anchors of :math:`I(x_a; x_{-a})` for GRAM, TRIANGLE and gated Symile) and
against the exact TC, and the training time of the chosen run.

Outputs in ``figures/`` (or ``--out``): ``objectives.csv`` (the leaderboard: one row per task and objective),
``objectives_summary.csv`` and ``objectives.md`` (the Markdown tables), ``objectives.png``/``.pdf`` (heat
maps: accuracy / Bayes and bound / TC), ``objectives_checks.csv`` and ``objectives_config.json``.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from experiments import _io, _options, _runner, _zero_shot
from experiments._cells import cell_seed, code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "default_config", "task_truth"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
DEFAULT_OBJECTIVES = ("symile", "clip", "anchor_clip", "gram", "triangle", "gated_symile")
LABELS = {
    "symile": "Symile",
    "symile_n_squared": "Symile (N²)",
    "clip": "CLIP",
    "anchor_clip": "anchor-pairwise",
    "gram": "GRAM",
    "triangle": "TRIANGLE",
    "gated_symile": "gated Symile",
}
#: a learned bound is "above its truth" when bound - truth > SE_TOLERANCE * se + BOUND_SLACK (bits)
SE_TOLERANCE, BOUND_SLACK = 3.0, 0.02

_BASE_TRAIN = {"encoder": "linear", "rep_dim": 16, "batch_size": 200, "epochs": 12, "patience": 3}


def _task(name: str, kind: str, params: dict, target: int, **budget) -> dict:
    train = {**_BASE_TRAIN, **budget}
    return {"name": name, "kind": kind, "params": params, "target": target, "train": train}


def default_config(quick: bool = False) -> dict:
    """The benchmark's settings: the full grid (designed for ~15 minutes on 2 quiet cores) or a quick demo."""
    tasks = [
        _task("xor_p0.25", "xor", {"d": 5, "p": 0.25}, 1),
        _task("xor_p0.5", "xor", {"d": 5, "p": 0.5}, 1),
        _task("xor_p1", "xor", {"d": 5, "p": 1.0}, 1),
        _task("copy", "xor", {"d": 5, "p": 0.0}, 2),
        _task("parity_m3", "parity", {"m": 3}, 2),
        _task("parity_m4", "parity", {"m": 4}, 3),
        _task("parity_m5", "parity", {"m": 5}, 4),
        _task("gaussian", "gaussian", {"dims": [2, 2, 2], "tc_bits": 4.0}, 2, encoder="mlp"),
        _task("m3_w2", "m3", {"w": 2, "n_classes": 10, "audio_noise": 0.0}, 2, rep_dim=32),
        _task("m3_w5", "m3", {"w": 5, "n_classes": 10, "audio_noise": 0.0}, 2, rep_dim=32),
        _task("m3_w10", "m3", {"w": 10, "n_classes": 10, "audio_noise": 0.0}, 2, rep_dim=32),
        _task("missing", "missing", {"d": 5, "p": 1.0, "completeness": 0.5}, 1),
        _task("unreliable", "m3", {"w": 2, "n_classes": 10, "audio_noise": 0.5}, 2, rep_dim=32),
    ]
    cfg = {
        "tasks": tasks,
        "objectives": list(DEFAULT_OBJECTIVES),
        "lr_grid": [0.03, 0.1, 0.3],
        "seeds": 3,
        "n_train": 2000,
        "n_val": 1000,
        "n_test": 2000,
        "n_test_sets": 2,
        "retrieval_batch": 100,
        "gate_d_k": 32,
        "init_logit_scale": -0.3,
    }
    if quick:  # seconds: three small tasks (higher-order, purely pairwise, unreliable), one seed, one lr
        keep = {"parity_m3", "copy", "unreliable"}
        cfg["tasks"] = [
            {**t, "train": {**t["train"], "epochs": 5, "batch_size": 100, "rep_dim": 8}}
            for t in tasks
            if t["name"] in keep
        ]
        cfg.update(lr_grid=[0.1], seeds=1, n_train=500, n_val=200, n_test=500, n_test_sets=1, gate_d_k=8)
    return cfg


def _config(args: argparse.Namespace) -> dict:
    cfg = _zero_shot.config_from_args(default_config, args)
    if getattr(args, "objectives", None):
        from symile_min.objective_modules import OBJECTIVES

        unknown = [o for o in args.objectives if o not in OBJECTIVES]
        if unknown:
            raise _options.UsageError(f"--objectives: unknown {unknown}; choose from {list(OBJECTIVES)}")
        cfg["objectives"] = list(dict.fromkeys(args.objectives))
    cfg["quick"] = bool(args.quick)
    return cfg


# ------------------------------------------------------------------------------------------------
# tasks: data, candidates, exact truth


def _modalities(task: dict) -> int:
    kind, params = task["kind"], task["params"]
    if kind == "parity":
        return params["m"]
    return len(params["dims"]) if kind == "gaussian" else 3


def _generator(task: dict, *, complete: bool = False):
    from generators import BinaryXOR, GaussianTC, Parity, SyntheticM3

    kind, p = task["kind"], task["params"]
    if kind == "xor":
        return BinaryXOR(d=p["d"], p=p["p"])
    if kind == "missing":
        p_missing = 0.0 if complete else round(1.0 - p["completeness"], 10)
        return BinaryXOR(d=p["d"], p=p["p"], p_missing=p_missing)
    if kind == "parity":
        return Parity(m=p["m"])
    if kind == "gaussian":
        return GaussianTC.from_total_correlation(tuple(p["dims"]), p["tc_bits"])
    return SyntheticM3(w=p["w"], n_classes=p["n_classes"], audio_noise=p["audio_noise"])


def _draw(task: dict, n: int, seed: int, *, test: bool = False) -> list[np.ndarray]:
    """The encoder inputs of n samples (one array per modality); test data are complete."""
    kind = task["kind"]
    gen = _generator(task, complete=test)
    sample = gen.sample(n, np.random.default_rng(seed))
    if kind == "missing":
        from symile_min import with_missingness

        return [with_missingness(sample[k], sample.get(f"mask_{k}", np.ones(n, dtype=bool))) for k in "abc"]
    if kind == "parity":
        return [sample[k][:, None] for k in gen.names]
    return [sample[k] for k in gen.names[:_modalities(task)]]


def _candidates(task: dict) -> np.ndarray | None:
    """Every value the target can take (encoder inputs), or None for in-batch retrieval (continuous)."""
    kind, p = task["kind"], task["params"]
    if kind in ("xor", "missing"):
        every = _generator(task, complete=True).decode(np.arange(2 ** p["d"]))  # (2^d, d)
        return every if kind == "xor" else np.concatenate([every, np.ones((2 ** p["d"], 1))], axis=1)
    if kind == "parity":
        return np.array([[0], [1]], dtype=np.uint8)
    if kind == "m3":
        return np.eye(p["n_classes"], dtype=np.float32)
    return None


def task_truth(task: dict, *, retrieval_batch: int = 100) -> dict:
    r"""Exact reference values of a task (bits; accuracies as fractions).

    ``bayes`` / ``chance``: accuracy of the Bayes rule and of the best query-free guess for the zero-shot
    task (NaN Bayes for the Gaussian's in-batch retrieval, chance 1 / ``retrieval_batch``); ``TC``; ``pairs``:
    :math:`I(x_a; x_b)` of every pair ``"a,b"``; ``one_vs_rest``: :math:`I(x_a; x_{-a})` of every modality.
    Finite tasks use :mod:`infotheory` on the generator's joint pmf; SyntheticM3 uses its closed forms
    (``info_table``, with :math:`I(\text{text}; \text{audio}) = 0`: the text is i.i.d. whatever the
    language) and the Gaussian its determinants; for M = 3 :math:`I(x_a; x_{-a}) = \mathrm{TC} - I(x_b; x_c)`
    (chain rule :math:`\mathrm{TC} = I(x_a; x_b, x_c) + I(x_b; x_c)`).

    Examples
    --------
    >>> t = task_truth({"kind": "parity", "params": {"m": 4}, "target": 3})
    >>> t["bayes"], t["chance"], t["TC"], max(t["pairs"].values()), t["one_vs_rest"]
    (1.0, 0.5, 1.0, 0.0, [1.0, 1.0, 1.0, 1.0])
    """
    from infotheory import mutual_information, total_correlation
    from infotheory.decision import bayes_accuracy, query_table

    kind, target, m_count = task["kind"], task["target"], _modalities(task)
    pairs_of = [(a, b) for a in range(m_count) for b in range(a + 1, m_count)]
    gen = _generator(task, complete=True)
    if kind in ("xor", "missing", "parity"):
        pmf = gen.joint_pmf()
        others = tuple(k for k in range(m_count) if k != target)
        out = {
            "bayes": bayes_accuracy(query_table(pmf, others, target)),
            "chance": float(pmf.sum(axis=others).max()),
            "TC": total_correlation(pmf),
            "pairs": {f"{a},{b}": mutual_information(pmf, a, b) for a, b in pairs_of},
        }
        if m_count > 3:
            out["one_vs_rest"] = [
                mutual_information(pmf, a, tuple(k for k in range(m_count) if k != a)) for a in range(m_count)
            ]
            return out
    elif kind == "m3":
        info = gen.info_table()
        out = {
            "bayes": gen.bayes_accuracy(),
            "chance": gen.chance_accuracy(),
            "TC": info["I(image;text,audio)"],  # + I(text; audio) = 0
            "pairs": {"0,1": 0.0, "0,2": info["I(image;text)"], "1,2": info["I(image;audio)"]},
        }
    else:
        out = {
            "bayes": _gaussian_bayes_retrieval(gen, target, retrieval_batch),
            "chance": 1.0 / retrieval_batch,
            "TC": gen.total_correlation(),
            "pairs": {f"{a},{b}": gen.mutual_information(a, b) for a, b in pairs_of},
        }
    pair = out["pairs"]
    out["one_vs_rest"] = [out["TC"] - pair[",".join(str(k) for k in range(3) if k != a)] for a in range(3)]
    return out


#: rows of the Monte Carlo estimate of the Gaussian task's Bayes retrieval accuracy (se <= 0.0035)
GAUSSIAN_BAYES_ROWS = 20_000


def _gaussian_bayes_retrieval(gen, target: int, batch: int, *, rows: int = GAUSSIAN_BAYES_ROWS) -> float:
    r"""In-batch retrieval accuracy of the exact critic on ``rows`` fresh samples (a Monte Carlo estimate).

    Within each batch of ``batch`` rows, row i's query q (every block but ``target``) scores candidate j by
    the exact log density ratio :math:`\log p(x_j \mid q_i) - \log p(x_j)`, which for the Gaussian is
    :math:`x_j^\top S^{-1} A q_i - \tfrac12 x_j^\top (S^{-1} - R_{tt}^{-1}) x_j` + terms of i only, with
    :math:`A = R_{tq} R_{qq}^{-1}` and :math:`S = R_{tt} - A R_{qt}`; the Bayes rule picks the argmax (all
    candidates are drawn from the marginal, so no prior term). Seeded (0), so the value is fixed.
    """
    R = gen.correlation_matrix
    blocks = gen._blocks()
    t_idx = blocks[target]
    q_idx = np.concatenate([b for k, b in enumerate(blocks) if k != target])
    A = R[np.ix_(t_idx, q_idx)] @ np.linalg.inv(R[np.ix_(q_idx, q_idx)])
    S_inv = np.linalg.inv(R[np.ix_(t_idx, t_idx)] - A @ R[np.ix_(q_idx, t_idx)])
    quad = S_inv - np.linalg.inv(R[np.ix_(t_idx, t_idx)])
    sample = gen.sample(rows, np.random.default_rng(0))
    x = np.concatenate([sample[k] for k in gen.names], axis=1)
    hits = []
    for start in range(0, rows - batch + 1, batch):
        xb = x[start : start + batch]
        xt, q = xb[:, t_idx], xb[:, q_idx]  # (B, d_t), (B, d_q)
        scores = (q @ A.T @ S_inv) @ xt.T - 0.5 * np.einsum("jd,de,je->j", xt, quad, xt)[None, :]  # (B, B)
        hits.append(scores.argmax(axis=1) == np.arange(batch))
    return float(np.concatenate(hits).mean())


def bound_targets(truth: dict, target: int) -> dict:
    """The exact value of every ``bound_target`` (bits): TC, pairwise sum, anchor's sum, one-vs-rest mean."""
    pairs = truth["pairs"]
    return {
        "TC": truth["TC"],
        "pairwise_sum": float(sum(pairs.values())),
        "anchor_sum": float(sum(v for k, v in pairs.items() if str(target) in k.split(","))),
        "one_vs_rest": float(np.mean(truth["one_vs_rest"])),
    }


# ------------------------------------------------------------------------------------------------
# one cell: (task, objective, training seed) -> learning rate chosen on validation, test numbers


def _objective(cell: dict):
    from symile_min.objective_modules import make_objective

    task, name = cell["task"], cell["objective"]
    options = {"init_logit_scale": cell["init_logit_scale"]}
    if name == "anchor_clip":
        options["anchor"] = task["target"]  # ImageBind: every modality contrasted with the predicted one
    if name == "gated_symile":
        options.update(d_k=cell["gate_d_k"], rep_dim=task["train"]["rep_dim"])
    return make_objective(name, m=_modalities(task), seed=cell["model_seed"], **options)


def _accuracy(cell: dict, objective, model, data) -> float:
    from symile_min.objective_train import objective_retrieval_accuracy, objective_zero_shot_accuracy

    task = cell["task"]
    candidates = _candidates(task)
    if candidates is None:
        return objective_retrieval_accuracy(
            objective, model, data, target=task["target"], batch_size=cell["retrieval_batch"]
        )
    return objective_zero_shot_accuracy(objective, model, data, target=task["target"], candidates=candidates)


def _fit(cell: dict, lr: float, train_x, val_x):
    """Train the cell's objective at ``lr``: a :class:`symile_min.objective_train.ObjectiveFit`."""
    from symile_min.objective_train import train_objective

    return train_objective(
        train_x, val_x, _objective(cell), lr=lr, seed=cell["model_seed"], **cell["task"]["train"]
    )


def _cell(cell: dict) -> dict:
    from symile_min.objective_train import objective_bound

    task = cell["task"]
    train_x = _draw(task, cell["n_train"], cell["data_seed"])
    val_x = _draw(task, cell["n_val"], cell["val_seed"])
    # zero-shot accuracy needs complete rows: with missingness, the same validation rows, all observed
    val_complete = val_x
    if task["kind"] == "missing":
        val_complete = _draw(task, cell["n_val"], cell["val_seed"], test=True)
    tried = []
    for lr in cell["lr_grid"]:
        fit = _fit(cell, lr, train_x, val_x)
        val_acc = _accuracy(cell, fit.objective, fit.model, val_complete)
        best_val = float(fit.history["val_loss"].min())
        tried.append({"lr": lr, "val_acc": val_acc, "val_loss": best_val, "fit": fit})
    chosen = min(tried, key=lambda t: (-t["val_acc"], t["val_loss"]))  # validation data only
    fit = chosen["fit"]
    model, objective = fit.model, fit.objective
    tests = [_draw(task, cell["n_test"], seed, test=True) for seed in cell["test_seeds"]]
    pooled = [np.concatenate(parts) for parts in zip(*tests, strict=True)]
    bound = objective_bound(
        objective, model, pooled, batch_size=task["train"]["batch_size"], seed=cell["bound_seed"]
    )
    return {
        "acc": [_accuracy(cell, objective, model, x) for x in tests],
        "bound": bound["bound"],
        "bound_se": 0.0 if math.isnan(bound["se"]) else bound["se"],
        "bound_cap": bound["cap"],
        "bound_target": bound["target"],
        "lr": chosen["lr"],
        "val_acc": [t["val_acc"] for t in tried],
        "best_epoch": fit.best_epoch,
        "seconds": fit.seconds,
        "seconds_grid": float(sum(t["fit"].seconds for t in tried)),
        "logit_scale": float(objective.logit_scale.detach()),
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source this cell runs: editing that code invalidates the cached cells
    code = code_fingerprint("generators", "infotheory", "symile_min", "experiments.objectives")
    cells = []
    for task in cfg["tasks"]:
        name = task["name"]
        test_seeds = [
            cell_seed(master_seed, "objectives", "test", name, j) for j in range(cfg["n_test_sets"])
        ]
        for k in range(cfg["seeds"]):
            for objective in cfg["objectives"]:
                if objective == "triangle" and _modalities(task) != 3:
                    continue  # TRIANGLE is defined for three modalities only
                cells.append(
                    {
                        "experiment": "objectives",
                        "version": VERSION,
                        "code": code,
                        "task": task,
                        "objective": objective,
                        "seed_index": k,
                        # every objective of one seed sees the same training / validation data (paired)
                        "data_seed": cell_seed(master_seed, "objectives", "train", name, k),
                        "val_seed": cell_seed(master_seed, "objectives", "val", name, k),
                        "model_seed": cell_seed(master_seed, "objectives", "model", name, objective, k),
                        "bound_seed": cell_seed(master_seed, "objectives", "bound", name, k),
                        "test_seeds": test_seeds,
                        **{key: cfg[key] for key in ("n_train", "n_val", "n_test", "lr_grid",
                                                      "retrieval_batch", "gate_d_k", "init_logit_scale")},
                    }
                )
    return cells


# ------------------------------------------------------------------------------------------------
# tables, checks, figure


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    rows = []
    for task in cfg["tasks"]:
        truth = task_truth(task, retrieval_batch=cfg["retrieval_batch"])
        targets = bound_targets(truth, task["target"])
        for objective in cfg["objectives"]:
            runs = sorted(
                ((c, r) for c, r in zip(cells, results, strict=True)
                 if c["task"]["name"] == task["name"] and c["objective"] == objective),
                key=lambda cr: cr[0]["seed_index"],
            )
            if not runs:
                continue  # TRIANGLE on M != 3
            res = [r for _, r in runs]
            acc = _zero_shot.summarise_accuracy(np.array([r["acc"] for r in res]))
            bounds = np.array([r["bound"] for r in res])
            bayes, chance = truth["bayes"], truth["chance"]
            target_name = res[0]["bound_target"]
            rows.append(
                {
                    "task": task["name"],
                    "objective": objective,
                    **acc,
                    "bayes": bayes,
                    "chance": chance,
                    "frac_bayes": acc["acc_mean"] / bayes,
                    "frac_above_chance": (acc["acc_mean"] - chance) / (bayes - chance),
                    "bound": float(bounds.mean()),
                    "bound_se": float(np.sqrt(np.mean([r["bound_se"] ** 2 for r in res]) / len(res)
                                              + (bounds.var(ddof=1) / len(res) if len(res) > 1 else 0.0))),
                    "bound_max_excess": float(max(
                        r["bound"] - targets[target_name] - SE_TOLERANCE * r["bound_se"] for r in res
                    )),
                    "bound_cap": res[0]["bound_cap"],
                    "bound_target": target_name,
                    "target_bits": targets[target_name],
                    "TC": truth["TC"],
                    "bound_over_TC": float(bounds.mean()) / truth["TC"],
                    "lr": "/".join(f"{r['lr']:g}" for r in res),
                    "best_epoch_mean": float(np.mean([r["best_epoch"] for r in res])),
                    "seconds_mean": float(np.mean([r["seconds"] for r in res])),
                    "n_seeds": len(res),
                }
            )
    board = pd.DataFrame(rows)
    return {"objectives": board, "objectives_summary": _summary(board)}


def _summary(board: pd.DataFrame) -> pd.DataFrame:
    """Per objective: mean fraction of the above-chance Bayes gap reached, tasks near Bayes, time."""
    rows = []
    graded = board[board["bayes"].notna()]
    for objective, rows_o in graded.groupby("objective", sort=False):
        gap = rows_o["bayes"] - rows_o["acc_mean"]
        rows.append(
            {
                "objective": objective,
                "mean_frac_above_chance": float(rows_o["frac_above_chance"].mean()),
                "tasks_within_0.05_of_bayes": int((gap <= 0.05).sum()),
                "tasks": len(rows_o),
                "mean_bound_over_TC": float(board[board["objective"] == objective]["bound_over_TC"].mean()),
                "seconds_per_training": float(board[board["objective"] == objective]["seconds_mean"].mean()),
            }
        )
    frame = pd.DataFrame(rows).sort_values("mean_frac_above_chance", ascending=False, kind="stable")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame.reset_index(drop=True)


def _checks(cfg: dict, tables: dict) -> list[Check]:
    board = tables["objectives"]
    quick = cfg["quick"]
    checks = []
    parity = board[board["task"].str.startswith("parity") & board["objective"].isin(["clip", "anchor_clip"])]
    if len(parity):
        tol = 0.05 if quick else 0.02
        gap = (parity["acc_mean"] - parity["chance"]).abs()
        worst = parity.loc[gap.idxmax()]
        checks.append(Check(
            f"pairwise CLIP and anchor-pairwise within {tol} of chance on every parity task",
            bool((gap <= tol).all()),
            f"largest |acc - chance| {gap.max():.4f} ({worst['objective']} on {worst['task']})",
        ))
    excess = board["bound_max_excess"]
    worst = board.loc[excess.idxmax()]
    checks.append(Check(
        f"no learned bound above the exact information it bounds (by more than {SE_TOLERANCE:g} se "
        f"+ {BOUND_SLACK} bit)",
        bool((excess <= BOUND_SLACK).all()),
        f"largest excess {excess.max():+.4f} bits ({worst['objective']} on {worst['task']}, bound "
        f"{worst['bound']:.3f} vs {worst['bound_target']} = {worst['target_bits']:.3f})",
    ))
    solvable = ["parity_m3"] if quick else ["xor_p1", "parity_m3", "parity_m4", "m3_w2"]
    sym = board[(board["objective"] == "symile") & board["task"].isin(solvable)]
    if len(sym):
        tol = 0.1 if quick else 0.05
        gap = sym["bayes"] - sym["acc_mean"]
        checks.append(Check(
            f"Symile within {tol} of Bayes on {', '.join(solvable)}",
            bool((gap <= tol).all()),
            f"largest gap {gap.max():.4f} on {sym.loc[gap.idxmax(), 'task']}",
        ))
    # where all the information is pairwise, pairwise CLIP must not lose (a model that learned nothing fails)
    pairwise = board[(board["objective"] == "clip") & board["task"].isin(["copy", "gaussian"])]
    if len(pairwise) and not quick:
        gap = pairwise["bayes"] - pairwise["acc_mean"]
        checks.append(Check(
            "CLIP within 0.05 of Bayes where the information is pairwise (copy, gaussian)",
            bool((gap <= 0.05).all()),
            f"largest gap {gap.max():.4f} on {pairwise.loc[gap.idxmax(), 'task']}",
        ))
    return checks


def _matrix(board: pd.DataFrame, value: str, cfg: dict) -> pd.DataFrame:
    tasks = [t["name"] for t in cfg["tasks"]]
    wide = board.pivot(index="objective", columns="task", values=value)
    return wide.reindex(index=cfg["objectives"], columns=tasks)


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    board = tables["objectives"]
    panels = [
        ("frac_bayes", "zero-shot accuracy / Bayes accuracy"),
        ("bound_over_TC", "learned bound / exact TC"),
    ]
    n_tasks = len(cfg["tasks"])
    fig, axes = plt.subplots(2, 1, figsize=(1.0 + 0.8 * n_tasks, 7.5), constrained_layout=True)
    for ax, (value, title) in zip(axes, panels, strict=True):
        mat = _matrix(board, value, cfg)
        image = ax.imshow(np.ma.masked_invalid(mat.to_numpy(dtype=float)), vmin=0, vmax=1, cmap="viridis",
                          aspect="auto")
        ax.set_xticks(range(mat.shape[1]), mat.columns, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(mat.shape[0]), [LABELS.get(o, o) for o in mat.index], fontsize=8)
        for (i, j), v in np.ndenumerate(mat.to_numpy(dtype=float)):
            label = "n/a" if math.isnan(v) else f"{v:.2f}"
            ax.text(j, i, label, ha="center", va="center", fontsize=7, color="w" if v < 0.6 else "k")
        ax.set_title(title, fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle(
        f"Contrastive objectives on exact-truth tasks ({cfg['seeds']} training seed(s); lr chosen on "
        "validation data)", fontsize=10,
    )
    return fig


def _markdown(cfg: dict, tables: dict) -> str:
    board = tables["objectives"]
    acc = _matrix(board, "acc_mean", cfg)
    se = _matrix(board, "acc_se", cfg)
    cells = acc.copy().astype(object)
    for o in acc.index:
        for t in acc.columns:
            cells.loc[o, t] = "" if math.isnan(acc.loc[o, t]) else f"{acc.loc[o, t]:.3f} ± {se.loc[o, t]:.3f}"
    first = board.drop_duplicates("task").set_index("task")
    cells.loc["Bayes"] = [f"{first.loc[t, 'bayes']:.3f}" if not math.isnan(first.loc[t, "bayes"]) else "n/a"
                          for t in acc.columns]
    cells.loc["chance"] = [f"{first.loc[t, 'chance']:.3f}" for t in acc.columns]
    cells.index = [LABELS.get(o, o) for o in cells.index]
    bound = _matrix(board, "bound", cfg)
    bound.index = [LABELS.get(o, o) for o in bound.index]
    bound.loc["exact TC"] = [first.loc[t, "TC"] for t in bound.columns]
    parts = [
        "## Zero-shot accuracy (mean ± se over training seeds and test sets)",
        _io.markdown_table(cells, index_name="objective"),
        "## Learned bound, bits (what each bounds: the `bound_target` column of objectives.csv)",
        _io.markdown_table(bound, index_name="objective", fmt="{:.3f}"),
        "## Leaderboard (mean over tasks; the Gaussian's Bayes accuracy is a Monte Carlo estimate)",
        _io.markdown_table(tables["objectives_summary"], fmt="{:.3f}"),
    ]
    return "\n\n".join(parts) + "\n"


def _extra(cfg: dict, tables: dict, checks, out) -> list:
    return [_io.atomic_write_text(out / "objectives.md", _markdown(cfg, tables))]


def _report(cfg: dict, tables: dict) -> None:
    print(_markdown(cfg, tables))


EXPERIMENT = _runner.Experiment(
    name="objectives",
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


# ------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab objectives``."""
    _options.add_common_arguments(parser)
    _options.add_seeds_argument(parser)
    parser.add_argument(
        "--objectives",
        nargs="+",
        default=None,
        metavar="NAME",
        help=f"objectives to benchmark (default: {' '.join(DEFAULT_OBJECTIVES)}; also symile_n_squared)",
    )


def run(args: argparse.Namespace) -> dict:
    """Run the benchmark, write the outputs, print the tables and the checks; returns the tables."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.objectives``: same as ``symile-lab objectives``."""
    from experiments.cli import run_command

    return run_command("objectives", argv)


if __name__ == "__main__":
    raise SystemExit(main())
