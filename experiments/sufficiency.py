r"""Sufficiency claims of the Symile paper, checked exactly and on trained models.

Three claims, each printed as a ``PASS``/``FAIL`` line and written to ``sufficiency*.csv``:

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
   Checked to ``1e-12``.

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
``sufficiency_disease.csv``, ``sufficiency.md`` (all the tables), ``sufficiency.png``/``.pdf``, and
``sufficiency_config.json``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from experiments import _io, _options
from experiments._cells import cell_seed, code_fingerprint, run_cells

__all__ = [
    "TIE_ATOL",
    "add_arguments",
    "run",
    "main",
    "choice_probabilities",
    "rule_accuracy",
    "statistic_information",
    "decision_information",
    "expected_kl",
    "symile_optimal_scores",
    "pairwise_optimal_scores",
    "exact_xor_table",
    "learned_statistics",
    "disease_exact",
    "score_partition",
]

#: Scores within this absolute distance (nats) of the best one tie; ties are broken uniformly at random.
TIE_ATOL = 1e-9
#: Decimals to which a query statistic is rounded before grouping equal vectors.
GROUP_DECIMALS = 6
#: Version of the cell functions' behaviour (part of every cache key).
VERSION = 1
FULL_P_GRID = tuple(round(0.1 * i, 1) for i in range(11))


# --------------------------------------------------------------------------------------------------
# exact machinery on a query x candidate table
#
# ``P`` is a (Q, B) array: the exact joint pmf of (query, candidate) with the query flattened, e.g.
# query = (a, c) and candidate = b. ``S`` is a (Q, B) array of scores (``-inf`` allowed).


def _as_query_table(joint_abc: np.ndarray) -> np.ndarray:
    """(A, B, C) joint pmf with axes (a, b, c) -> (A*C, B) table p((a, c), b)."""
    A, B, C = joint_abc.shape
    return np.ascontiguousarray(joint_abc.transpose(0, 2, 1)).reshape(A * C, B)


def choice_probabilities(S: np.ndarray, *, tie_atol: float = TIE_ATOL) -> np.ndarray:
    r"""Probabilities :math:`\pi(\hat b = j \mid \text{query})` of the argmax rule with uniform tie-breaking.

    Candidates whose score is within ``tie_atol`` of the row's maximum tie and share the probability
    equally. A row that is entirely ``-inf`` ties everywhere.

    Parameters
    ----------
    S : ndarray, shape (Q, B)
        Scores of ``B`` candidates for ``Q`` queries.
    tie_atol : float
        Absolute tie tolerance (same unit as ``S``).

    Returns
    -------
    ndarray, shape (Q, B); rows sum to 1.

    Examples
    --------
    >>> choice_probabilities(np.array([[0.0, 1.0, 1.0], [2.0, 0.0, -np.inf]])).tolist()
    [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]
    """
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or np.isnan(S).any():
        raise ValueError(f"S must be a 2-D array of scores without NaN, got shape {S.shape}")
    best = S.max(axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):  # -inf - -inf in all -inf rows: those rows tie everywhere
        tied = (S >= best - tie_atol) | np.isneginf(best)
    return tied / tied.sum(axis=1, keepdims=True)


def rule_accuracy(P: np.ndarray, S: np.ndarray, *, tie_atol: float = TIE_ATOL) -> float:
    r"""Exact accuracy :math:`\sum_{q} \sum_b P(q, b)\, \pi(\hat b = b \mid q)` of the argmax rule on ``S``.

    Examples
    --------
    >>> P = np.array([[0.5, 0.0], [0.1, 0.4]])
    >>> rule_accuracy(P, np.log(P + 1e-300)), rule_accuracy(P, np.zeros((2, 2)))
    (0.9, 0.5)
    """
    return float((np.asarray(P) * choice_probabilities(S, tie_atol=tie_atol)).sum())


def _mutual_information_bits(J: np.ndarray) -> float:
    from infotheory import mutual_information

    J = np.asarray(J, dtype=np.float64)
    return float(mutual_information(J / J.sum(), 0, 1))


def statistic_information(P: np.ndarray, labels: np.ndarray) -> float:
    r"""Exact :math:`I(b; T)` in bits for a deterministic statistic ``T`` given as a group label per query.

    .. math:: p(b, T = g) = \sum_{q : \text{label}(q) = g} P(q, b)

    Parameters
    ----------
    P : ndarray, shape (Q, B)
        Exact joint pmf of (query, b).
    labels : ndarray of int, shape (Q,)
        Group of each query (e.g. the index of its rounded representation).

    Examples
    --------
    >>> P = np.array([[0.25, 0.0], [0.0, 0.25], [0.25, 0.0], [0.0, 0.25]])
    >>> statistic_information(P, np.array([0, 1, 0, 1])), statistic_information(P, np.zeros(4, int))
    (1.0, 0.0)
    """
    labels = np.asarray(labels)
    _, inverse = np.unique(labels, return_inverse=True)
    G = np.zeros((inverse.max() + 1, P.shape[1]))
    np.add.at(G, inverse, P)
    return _mutual_information_bits(G)


def decision_information(P: np.ndarray, S: np.ndarray, *, tie_atol: float = TIE_ATOL) -> float:
    r"""Exact :math:`I(b; \hat b)` in bits, :math:`\hat b` the argmax of ``S`` with uniform tie-breaking.

    .. math:: p(b, \hat b = j) = \sum_q P(q, b)\, \pi(j \mid q)
    """
    return _mutual_information_bits(np.asarray(P).T @ choice_probabilities(S, tie_atol=tie_atol))


def expected_kl(P: np.ndarray, logits: np.ndarray) -> float:
    r"""Exact :math:`\mathbb{E}_q \mathrm{KL}(p(b \mid q) \| \mathrm{softmax}_b(\text{logits}_q))` in bits.

    Queries of probability 0 do not count.
    """
    P = np.asarray(P, dtype=np.float64)
    logits = np.asarray(logits, dtype=np.float64)
    log_model = logits - _logsumexp(logits)  # (Q, B) log p_model(b | q), nats
    p_q = P.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_true = np.where(P > 0, np.log(P) - np.log(p_q), 0.0)  # 0 log 0 = 0
        terms = np.where(P > 0, P * (log_true - log_model), 0.0)
    return float(terms.sum() / math.log(2.0))


def _logsumexp(x: np.ndarray) -> np.ndarray:
    m = x.max(axis=1, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))


# --------------------------------------------------------------------------------------------------
# claim 1: exact optimal scores on XOR


def _log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def symile_optimal_scores(joint_abc: np.ndarray) -> np.ndarray:
    r"""(A*C, B) scores :math:`\log \frac{p(a,b,c)}{p(a)p(b)p(c)} + \log p(b)` (nats; ``-inf`` off-support).

    Rows are queries ``(a, c)`` flattened as ``a * C + c``; columns are candidates ``b``.
    """
    p_a = joint_abc.sum(axis=(1, 2))
    p_b = joint_abc.sum(axis=(0, 2))
    p_c = joint_abc.sum(axis=(0, 1))
    pointwise_tc = _log(joint_abc) - _log(p_a)[:, None, None] - _log(p_b)[None, :, None] - _log(p_c)
    return _as_query_table(pointwise_tc + _log(p_b)[None, :, None])


def pairwise_optimal_scores(joint_abc: np.ndarray) -> np.ndarray:
    r"""(A*C, B) scores :math:`\mathrm{PMI}(a,b)+\mathrm{PMI}(b,c)+\mathrm{PMI}(a,c)+\log p(b)`, nats."""
    p_a = joint_abc.sum(axis=(1, 2))
    p_b = joint_abc.sum(axis=(0, 2))
    p_c = joint_abc.sum(axis=(0, 1))
    la, lb, lc = _log(p_a), _log(p_b), _log(p_c)
    pmi_ab = _log(joint_abc.sum(axis=2)) - la[:, None] - lb[None, :]  # (A, B)
    pmi_bc = _log(joint_abc.sum(axis=0)) - lb[:, None] - lc[None, :]  # (B, C)
    pmi_ac = _log(joint_abc.sum(axis=1)) - la[:, None] - lc[None, :]  # (A, C)
    score = pmi_ab[:, :, None] + pmi_bc[None, :, :] + pmi_ac[:, None, :] + lb[None, :, None]
    return _as_query_table(score)


def exact_xor_table(ds, ps) -> pd.DataFrame:
    """Claim 1 for every ``(d, p)``: exact accuracies and informations of the two optimal rules (bits).

    Columns: ``d, p, chance, bayes_closed_form, bayes_enumerated, symile_optimal_accuracy,
    pairwise_optimal_accuracy, I_b_ac`` (:math:`I(b; a, c)`), ``I_b_symile_argmax``,
    ``I_b_pairwise_argmax`` and the two absolute errors against the closed forms.
    """
    from generators import BinaryXOR

    rows = []
    for d in ds:
        for p in ps:
            xor = BinaryXOR(d=int(d), p=float(p))
            joint = xor.joint_pmf()
            P = _as_query_table(joint)
            S_sym = symile_optimal_scores(joint)
            S_pair = pairwise_optimal_scores(joint)
            acc_sym = rule_accuracy(P, S_sym)
            acc_pair = rule_accuracy(P, S_pair)
            bayes = xor.bayes_accuracy()
            chance = xor.chance_accuracy()
            rows.append(
                {
                    "d": int(d),
                    "p": float(p),
                    "chance": chance,
                    "bayes_closed_form": bayes,
                    "bayes_enumerated": float(P.max(axis=1).sum()),
                    "symile_optimal_accuracy": acc_sym,
                    "pairwise_optimal_accuracy": acc_pair,
                    "symile_abs_error_vs_bayes": abs(acc_sym - bayes),
                    "pairwise_abs_error_vs_chance": abs(acc_pair - chance),
                    "I_b_ac": statistic_information(P, np.arange(P.shape[0])),
                    "I_b_symile_argmax": decision_information(P, S_sym),
                    "I_b_pairwise_argmax": decision_information(P, S_pair),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------------
# claim 2: learned statistics on XOR


def _xor_cell(cell: dict) -> dict:
    """Train one model on switched-XOR samples; return the representations of every code (JSON-able)."""
    import torch

    from generators import BinaryXOR, decode_bits
    from symile_min import TrainConfig, train

    xor = BinaryXOR(d=cell["d"], p=cell["p"])
    rng = np.random.default_rng(cell["seed"])
    splits = [xor.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    train_data, val_data = ([s[k].astype(np.float32) for k in "abc"] for s in splits)
    config = TrainConfig(
        method=cell["method"],
        negatives=cell["negatives"],
        rep_dim=cell["rep_dim"],
        encoder=cell["encoder"],
        lr=cell["lr"],
        weight_decay=cell["weight_decay"],
        batch_size=cell["batch_size"],
        epochs=cell["epochs"],
        seed=cell["seed"] % (2**31),
    )
    result = train(train_data, val_data, config)
    codes = decode_bits(np.arange(2 ** cell["d"]), cell["d"]).astype(np.float32)  # (2^d, d)
    model = result.model
    model.eval()
    with torch.no_grad():
        reps = model.encode([torch.from_numpy(codes)] * 3)
        scale = float(_logit_scale(model))
    return {
        "reps": [r.double().numpy().tolist() for r in reps],
        "scale": scale,
        "best_epoch": int(result.best_epoch),
    }


def _logit_scale(model) -> float:
    """The positive multiplier of the logits (``model.logit_scale`` is already ``exp`` of the log scale)."""
    return float(model.logit_scale.detach())


def learned_statistics(P: np.ndarray, reps, scale: float, method: str, log_prior_b: np.ndarray) -> dict:
    """Exact sufficiency numbers (bits) of a trained model's query statistic; see the module docstring.

    Parameters
    ----------
    P : ndarray, shape (A*C, B)
        Exact joint of ((a, c), b), query index ``a * C + c``.
    reps : sequence of three (2^d, k) arrays
        Representations of every code for modalities a, b, c.
    scale : float
        The model's logit scale (multiplies the scores in the predictive softmax).
    method : {"symile", "clip"}
    log_prior_b : ndarray, shape (B,)
        :math:`\\log p(b)` in nats, added in the predictive softmax.
    """
    ra, rb, rc = (np.asarray(r, dtype=np.float64) for r in reps)
    if method == "symile":
        T = (ra[:, None, :] * rc[None, :, :]).reshape(-1, ra.shape[1])  # (A*C, k): r_a ⊙ r_c
    elif method == "clip":
        T = (ra[:, None, :] + rc[None, :, :]).reshape(-1, ra.shape[1])  # (A*C, k): r_a + r_c
    else:
        raise ValueError(f"method must be 'symile' or 'clip', got {method!r}")
    S = _zero_shot(ra, rb, rc, method)  # (A*C, B): the zero-shot score of every candidate
    if not np.allclose(S, T @ rb.T, atol=1e-9):  # the statistic T must be the rule's whole query
        raise RuntimeError(f"zero_shot_scores({method!r}) is not <T, r_b> for the statistic T used here")
    _, labels = np.unique(np.round(T, GROUP_DECIMALS), axis=0, return_inverse=True)
    I_b_ac = statistic_information(P, np.arange(P.shape[0]))
    kl = expected_kl(P, scale * S + log_prior_b[None, :])
    with np.errstate(invalid="ignore", divide="ignore"):

        def ratio(x: float) -> float:
            return x / I_b_ac if I_b_ac > 1e-12 else float("nan")

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
# claim 3: disease / temperature


def disease_exact(table: np.ndarray) -> dict:
    r"""Exact claims on a joint table ``p(y, t)`` (axes y, t): sufficient partition and zero-shot rules.

    Returns a dict with ``minimal_partition`` (label per temperature: equal posteriors :math:`p(y|t)`
    to 1e-12 share a label), ``I_y_t`` and ``I_y_Tmin`` (bits), ``bayes_accuracy``,
    ``pmi_prior_accuracy`` (argmax :math:`\mathrm{PMI}(y,t) + \log p(y)`) and ``pmi_accuracy``
    (argmax :math:`\mathrm{PMI}(y,t)`), with the tie rule of :data:`TIE_ATOL`.
    """
    table = np.asarray(table, dtype=np.float64)
    p_y = table.sum(axis=1)
    p_t = table.sum(axis=0)
    P = table.T  # (T, Y): query t, candidate y
    pmi = _log(P) - _log(p_t)[:, None] - _log(p_y)[None, :]  # (T, Y)
    posterior = P / p_t[:, None]
    minimal = _partition(posterior, tol=1e-12)
    return {
        "minimal_partition": minimal,
        "I_y_t": statistic_information(P, np.arange(P.shape[0])),
        "I_y_Tmin": statistic_information(P, minimal),
        "bayes_accuracy": float(P.max(axis=1).sum()),
        "pmi_prior_accuracy": rule_accuracy(P, pmi + _log(p_y)[None, :]),
        "pmi_accuracy": rule_accuracy(P, pmi),
    }


def _partition(X: np.ndarray, *, tol: float) -> np.ndarray:
    """Single-linkage groups of the rows of ``X`` (max-norm distance <= tol); labels by first appearance."""
    n = X.shape[0]
    labels = -np.ones(n, dtype=int)
    next_label = 0
    for i in range(n):  # connected components, breadth first
        if labels[i] >= 0:
            continue
        labels[i] = next_label
        frontier = [i]
        while frontier:
            j = frontier.pop()
            close = np.flatnonzero((np.abs(X - X[j]).max(axis=1) <= tol) & (labels < 0))
            labels[close] = next_label
            frontier.extend(close.tolist())
        next_label += 1
    return labels


def score_partition(scores_ty: np.ndarray, *, tol: float) -> np.ndarray:
    r"""Partition of temperatures induced by learned scores :math:`s(y, t)` (rows t, columns y).

    Two temperatures are merged when their score differences :math:`s(y, t) - s(y_0, t)` (all ``y``)
    agree within ``tol`` (max-norm, same unit as the scores), chained by single linkage. The differences
    remove the per-``t`` constant the contrastive optimum leaves free.
    """
    scores_ty = np.asarray(scores_ty, dtype=np.float64)
    return _partition(scores_ty - scores_ty[:, :1], tol=tol)


def _same_partition(u: np.ndarray, v: np.ndarray) -> bool:
    u, v = np.asarray(u), np.asarray(v)
    return bool(((u[:, None] == u[None, :]) == (v[:, None] == v[None, :])).all())


def _disease_cell(cell: dict) -> dict:
    """Train a two-modality model on one-hot (y, t) samples; return its score table s(y, t)."""
    import torch

    from generators import DiseaseTemperature
    from symile_min import TrainConfig, train

    dt = DiseaseTemperature(table=np.asarray(cell["table"], dtype=np.float64))
    n_y, n_t = dt.joint_pmf().shape
    rng = np.random.default_rng(cell["seed"])
    eye_y, eye_t = np.eye(n_y, dtype=np.float32), np.eye(n_t, dtype=np.float32)
    samples = [dt.sample(n, rng) for n in (cell["n_train"], cell["n_val"])]
    train_data, val_data = ([eye_y[s["y"]], eye_t[s["t"]]] for s in samples)
    config = TrainConfig(
        method=cell["method"],
        rep_dim=cell["rep_dim"],
        encoder="linear",
        lr=cell["lr"],
        weight_decay=cell["weight_decay"],
        batch_size=cell["batch_size"],
        epochs=cell["epochs"],
        seed=cell["seed"] % (2**31),
    )
    result = train(train_data, val_data, config)
    model = result.model
    model.eval()
    with torch.no_grad():
        r_y = model.encode_modality(0, torch.from_numpy(eye_y))  # (Y, k)
        r_t = model.encode_modality(1, torch.from_numpy(eye_t))  # (T, k)
        scale = _logit_scale(model)
        scores = scale * (r_t.double() @ r_y.double().T)  # (T, Y) learned s(y, t), nats
    return {"scores_ty": scores.numpy().tolist(), "scale": scale}


# --------------------------------------------------------------------------------------------------
# command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab sufficiency``."""
    _options.add_common_arguments(parser)
    parser.add_argument("--ds", type=int, nargs="+", default=None, help="d values of the exact part (3 5)")
    parser.add_argument("--learned-d", type=int, default=None, help="d of the trained XOR models (5)")
    parser.add_argument("--ps", type=float, nargs="+", default=None, help="p grid (0, 0.1, ..., 1)")
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (100; quick: 30)")
    parser.add_argument(
        "--partition-tol", type=float, default=0.5, help="merge tolerance of learned score differences, nats"
    )


def _resolve_config(args: argparse.Namespace) -> dict:
    quick = bool(args.quick)
    ps = list(args.ps) if args.ps is not None else ([0.0, 0.5, 1.0] if quick else list(FULL_P_GRID))
    for p in ps:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"every p must be in [0, 1], got {p!r}")
    ds = list(args.ds) if args.ds is not None else ([3] if quick else [3, 5])
    learned_d = args.learned_d if args.learned_d is not None else (3 if quick else 5)
    epochs = args.epochs if args.epochs is not None else (30 if quick else 100)
    if args.partition_tol <= 0:
        raise ValueError(f"--partition-tol must be > 0, got {args.partition_tol!r}")
    return {
        "quick": quick,
        "seed": int(args.seed),
        "exact": {"ds": ds, "ps": ps, "tie_atol": TIE_ATOL},
        "learned_xor": {
            "d": learned_d,
            "ps": ps,
            "methods": [["symile", "n"], ["clip", "n"]],
            "rep_dim": 16,
            "encoder": "linear",
            "lr": 0.1,
            "weight_decay": 0.01,
            "batch_size": 1000 if not quick else 500,
            "epochs": epochs,
            "n_train": 10_000 if not quick else 2_000,
            "n_val": 1_000 if not quick else 500,
            "group_decimals": GROUP_DECIMALS,
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


def run(args: argparse.Namespace) -> dict:
    """Run the three sufficiency checks, write the outputs and print PASS/FAIL lines; returns the tables."""
    from generators import BinaryXOR

    t0 = time.perf_counter()
    cfg = _resolve_config(args)
    out = _io.resolve_out(args.out)
    progress = _options.want_progress(args)
    checks: list[tuple[str, bool, str]] = []

    # -- claim 1: exact ----------------------------------------------------------------------------
    exact = exact_xor_table(cfg["exact"]["ds"], cfg["exact"]["ps"])
    err_sym = float(exact["symile_abs_error_vs_bayes"].max())
    err_pair = float(exact["pairwise_abs_error_vs_chance"].max())
    checks.append(
        ("exact: Symile-optimal rule accuracy == q + p(1-q)", err_sym <= 1e-12, f"max |err| {err_sym:.1e}")
    )
    checks.append(
        ("exact: pairwise-optimal rule accuracy == 2^-d", err_pair <= 1e-12, f"max |err| {err_pair:.1e}")
    )

    # -- claim 2: learned XOR ----------------------------------------------------------------------
    lx = cfg["learned_xor"]
    # the cache key includes the source of the code a cell runs, so editing it invalidates the cache
    code = code_fingerprint("generators", "symile_min", "infotheory", "experiments.sufficiency")
    cells = []
    for p in lx["ps"]:
        for method, negatives in lx["methods"]:
            cell = {
                k: lx[k] for k in ("d", "rep_dim", "encoder", "lr", "weight_decay", "batch_size", "epochs")
            }
            cell.update(
                n_train=lx["n_train"], n_val=lx["n_val"], p=float(p), method=method, negatives=negatives
            )
            cell["seed"] = cell_seed(
                cfg["seed"], "sufficiency-xor", lx["d"], float(p), method, negatives
            )
            cell["version"] = VERSION
            cell["code"] = code
            cells.append(cell)
    cache = _options.cache_dir(args, out, "sufficiency")
    results = run_cells(
        _xor_cell, cells, cache_dir=cache, jobs=args.jobs, progress=progress, desc="sufficiency (XOR)"
    )
    rows = []
    for cell, res in zip(cells, results):
        xor = BinaryXOR(d=cell["d"], p=cell["p"])
        joint = xor.joint_pmf()
        log_prior_b = _log(joint.sum(axis=(0, 2)))
        stats = learned_statistics(
            _as_query_table(joint), res["reps"], res["scale"], cell["method"], log_prior_b
        )
        rows.append(
            {
                "d": cell["d"],
                "p": cell["p"],
                "method": cell["method"],
                "bayes_accuracy": xor.bayes_accuracy(),
                "chance": xor.chance_accuracy(),
                "logit_scale": res["scale"],
                "best_epoch": res["best_epoch"],
                **stats,
            }
        )
    learned = pd.DataFrame(rows)
    sym_hi = learned[(learned["method"] == "symile") & (learned["p"] >= 0.5)]
    if len(sym_hi):
        worst = float(sym_hi["argmax_ratio"].min())
        checks.append(
            ("learned: Symile I(b; argmax)/I(b; a,c) >= 0.95 for p >= 0.5", worst >= 0.95, f"min {worst:.3f}")
        )

    # -- claim 3: disease / temperature --------------------------------------------------------------
    from generators import DiseaseTemperature

    dt = DiseaseTemperature()
    table = _disease_table(dt)
    ex = disease_exact(table)
    dc = cfg["disease"]
    dcell = {
        k: dc[k]
        for k in ("method", "rep_dim", "lr", "weight_decay", "batch_size", "epochs", "n_train", "n_val")
    }
    dcell.update(
        table=table.tolist(), seed=cell_seed(cfg["seed"], "sufficiency-disease"), version=VERSION,
        code=code,
    )
    dres = run_cells(
        _disease_cell, [dcell], cache_dir=cache, jobs=1, progress=progress, desc="sufficiency (disease)"
    )[0]
    scores = np.asarray(dres["scores_ty"])
    P_ty = table.T
    p_y = table.sum(axis=1)
    learned_part = score_partition(scores, tol=dc["partition_tol"])
    disease = _disease_frame(table, ex, scores, learned_part, p_y)
    same = _same_partition(learned_part, ex["minimal_partition"])
    I_learned = statistic_information(P_ty, learned_part)
    acc_prior = rule_accuracy(P_ty, scores + _log(p_y)[None, :])
    acc_plain = rule_accuracy(P_ty, scores)
    checks.append(
        (
            "disease: zero-shot PMI + log p(y) == Bayes (exact table)",
            abs(ex["pmi_prior_accuracy"] - ex["bayes_accuracy"]) <= 1e-12,
            f"{ex['pmi_prior_accuracy']:.4f} vs {ex['bayes_accuracy']:.4f}",
        )
    )
    checks.append(
        (
            "disease: plain PMI argmax is below Bayes (exact table)",
            ex["pmi_accuracy"] < ex["bayes_accuracy"] - 1e-12,
            f"{ex['pmi_accuracy']:.4f} vs {ex['bayes_accuracy']:.4f}",
        )
    )
    checks.append(
        (
            "disease: learned partition of t == minimal sufficient partition",
            same,
            f"learned {learned_part.tolist()} vs minimal {ex['minimal_partition'].tolist()}",
        )
    )
    checks.append(
        (
            "disease: I(y; T_learned) == I(y; t)",
            abs(I_learned - ex["I_y_t"]) <= 1e-9,
            f"{I_learned:.4f} vs {ex['I_y_t']:.4f} bits",
        )
    )
    checks.append(
        (
            "disease: learned scores + log p(y) reach Bayes accuracy",
            abs(acc_prior - ex["bayes_accuracy"]) <= 1e-9,
            f"{acc_prior:.4f} vs {ex['bayes_accuracy']:.4f} (no prior: {acc_plain:.4f})",
        )
    )
    summary = pd.DataFrame(
        [
            {"quantity": "I(y; t) [bits]", "value": ex["I_y_t"]},
            {"quantity": "I(y; T_min) [bits]", "value": ex["I_y_Tmin"]},
            {"quantity": "I(y; T_learned) [bits]", "value": I_learned},
            {"quantity": "Bayes accuracy", "value": ex["bayes_accuracy"]},
            {"quantity": "exact PMI + log prior accuracy", "value": ex["pmi_prior_accuracy"]},
            {"quantity": "exact PMI accuracy", "value": ex["pmi_accuracy"]},
            {"quantity": "learned score + log prior accuracy", "value": acc_prior},
            {"quantity": "learned score accuracy", "value": acc_plain},
            {"quantity": "learned partition == minimal", "value": float(same)},
        ]
    )

    # -- outputs -------------------------------------------------------------------------------------
    _io.write_csv(out / "sufficiency_exact.csv", exact)
    _io.write_csv(out / "sufficiency_learned.csv", learned)
    _io.write_csv(out / "sufficiency_disease.csv", disease)
    _io.write_csv(out / "sufficiency_disease_summary.csv", summary)
    check_frame = pd.DataFrame([{"claim": c, "pass": ok, "detail": det} for c, ok, det in checks])
    _io.write_csv(out / "sufficiency_checks.csv", check_frame)
    _io.atomic_write_text(out / "sufficiency.md", _markdown(exact, learned, disease, summary, check_frame))
    _io.write_json(out / "sufficiency_config.json", cfg)
    _io.save_figure(_plot(exact, learned, summary), out, "sufficiency", close=True)

    for claim, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {claim}  ({detail})")
    print(f"sufficiency: wrote {out}/sufficiency* in {time.perf_counter() - t0:.1f} s")
    return {"exact": exact, "learned": learned, "disease": disease, "summary": summary, "checks": check_frame}


def _disease_table(dt) -> np.ndarray:
    """The joint ``p(y, t)`` of a DiseaseTemperature generator as a (Y, T) array."""
    pmf = np.asarray(dt.joint_pmf(), dtype=np.float64)
    return pmf


def _disease_frame(table, ex, scores, learned_part, p_y) -> pd.DataFrame:
    P_ty = table.T
    p_t = P_ty.sum(axis=1)
    rows = []
    for t in range(P_ty.shape[0]):
        row = {"t": t, "p_t": p_t[t]}
        for y in range(P_ty.shape[1]):
            row[f"p(y={y}|t)"] = P_ty[t, y] / p_t[t]
        for y in range(P_ty.shape[1]):
            row[f"learned_s(y={y},t)-s(y=0,t)"] = scores[t, y] - scores[t, 0]
        row["minimal_group"] = int(ex["minimal_partition"][t])
        row["learned_group"] = int(learned_part[t])
        row["bayes_y"] = int(np.argmax(P_ty[t]))
        row["pmi_argmax_y"] = int(np.argmax(np.log(P_ty[t]) - np.log(p_y)))
        row["learned_prior_argmax_y"] = int(np.argmax(scores[t] + np.log(p_y)))
        row["learned_argmax_y"] = int(np.argmax(scores[t]))
        rows.append(row)
    return pd.DataFrame(rows)


def _markdown(exact, learned, disease, summary, checks) -> str:
    parts = [
        "# Sufficiency claims (bits; see experiments/sufficiency.py for definitions)\n",
        "## Checks\n",
        _table_text(checks),
        "\n## Exact optimal rules on XOR\n",
        _table_text(exact),
        "\n## Learned statistics on XOR (ratios NaN where I(b; a,c) = 0)\n",
        _table_text(learned),
        "\n## Disease / temperature\n",
        _table_text(summary),
        "",
        _table_text(disease),
        "",
    ]
    return "\n".join(parts)


def _table_text(frame: pd.DataFrame) -> str:
    """A markdown table with 6 significant digits (same bytes whatever is installed)."""
    return _io.markdown_table(frame, fmt="{:.6g}")


def _plot(exact: pd.DataFrame, learned: pd.DataFrame, summary: pd.DataFrame):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

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
            ax.plot(
                sub["p"], sub["accuracy"], marker, color=color, mfc="none", ms=9, label=f"learned {method}"
            )
    ax.set(
        xlabel="p",
        ylabel="accuracy of predicting b from (a, c)",
        title=f"Zero-shot accuracy, XOR d={d_exact}",
    )
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
    ax.set(
        xlabel="p",
        ylabel="fraction of I(b; a, c)",
        ylim=(-0.1, 1.1),
        title=f"Learned sufficiency, XOR d={d} (p=0: undefined)",
    )
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


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.sufficiency``: same as ``symile-lab sufficiency``."""
    from experiments.cli import run_command

    return run_command("sufficiency", argv)


if __name__ == "__main__":
    raise SystemExit(main())
