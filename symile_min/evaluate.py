"""Zero-shot prediction (a pure scoring rule plus an accuracy helper) and held-out bound estimates."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._checks import METHODS, NEGATIVES, check_choice, check_reps
from .losses import (
    bound_cap,
    bound_from_loss,
    clip_loss,
    clip_loss_grouped,
    symile_loss,
    symile_loss_grouped,
)
from .model import SymileModel, to_tensor_list

__all__ = ["zero_shot_scores", "zero_shot_accuracy", "bound_estimate", "batch_count", "summarise_bounds"]


def zero_shot_scores(
    queries: Sequence[torch.Tensor],
    candidates: torch.Tensor,
    method: str = "symile",
    log_prior: torch.Tensor | None = None,
    *,
    logit_scale=1.0,
) -> torch.Tensor:
    r"""Score every candidate value of a target modality for each query row.

    .. math::

        \text{Symile:}\; S_{nc} = s\,\operatorname{MIP}(q_{1,n}, \dots, q_{K,n}, c_c) + \log \pi_c,
        \qquad \text{CLIP:}\; S_{nc} = s \sum_{k} q_{k,n} \cdot c_c + \log \pi_c

    With :math:`s` = ``logit_scale`` the learned scale and :math:`\pi` the candidates' prior, Symile's
    score estimates :math:`\log p(c \mid q) + \text{const}` (the Bayes rule picks its argmax). Without a
    prior the scale does not change the argmax; *with* one it matters, so pass the model's scale.

    Parameters
    ----------
    queries : list of torch.Tensor
        K >= 1 tensors (N, d): representations of the observed modalities.
    candidates : torch.Tensor
        (C, d) representations of the candidate values of the target modality.
    method : {"symile", "clip"}
        Scoring rule.
    log_prior : torch.Tensor, optional
        (C,) log prior probabilities (natural log) of the candidates, added to the scaled score.
    logit_scale : float or torch.Tensor
        Positive multiplier applied before the prior is added.

    Returns
    -------
    torch.Tensor
        (N, C) scores (unitless logits); argmax over C is the prediction.

    Examples
    --------
    >>> q = [torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])]
    >>> c = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> zero_shot_scores(q, c).tolist(), zero_shot_scores(q, c, "clip").tolist()
    ([[1.0, 0.0]], [[2.0, 1.0]])
    """
    check_choice("method", method, METHODS)
    queries = check_reps(list(queries), min_modalities=1, name="queries")
    (candidates,) = check_reps([candidates], min_modalities=1, name="candidates")
    if candidates.shape[1] != queries[0].shape[1]:
        raise ValueError(
            f"candidates have dim {candidates.shape[1]} but queries have dim {queries[0].shape[1]}"
        )
    if method == "symile":
        combined = queries[0]
        for q in queries[1:]:
            combined = combined * q  # (N, d) elementwise product of the observed modalities
    else:
        combined = torch.stack(queries).sum(dim=0)  # (N, d) sum of the observed modalities
    scale = logit_scale.to(combined.dtype) if isinstance(logit_scale, torch.Tensor) else float(logit_scale)
    if not float(scale) > 0:
        raise ValueError(f"logit_scale must be > 0, got {float(scale)!r}")
    scores = scale * (combined @ candidates.T)  # (N, C)
    if log_prior is not None:
        log_prior = torch.as_tensor(log_prior, dtype=scores.dtype)
        if log_prior.shape != (candidates.shape[0],):
            raise ValueError(
                f"log_prior must have shape ({candidates.shape[0]},), got {tuple(log_prior.shape)}"
            )
        if bool(torch.isnan(log_prior).any()) or bool((log_prior == math.inf).any()):
            raise ValueError("log_prior must not contain nan or +inf")
        scores = scores + log_prior
    return scores


def _row_labels(target_x: torch.Tensor, cand_x: torch.Tensor) -> torch.Tensor:
    """Index of each row of ``target_x`` in ``cand_x`` (exact match), ValueError if absent or duplicated."""
    matches = (target_x[:, None, :] == cand_x[None, :, :]).all(dim=2)  # (N, C)
    if bool((matches.sum(dim=0) > 0).any()) and int(matches.sum(dim=1).max()) > 1:
        raise ValueError("candidates contain duplicate rows")
    missing = ~matches.any(dim=1)
    if bool(missing.any()):
        first = int(torch.nonzero(missing)[0, 0])
        raise ValueError(f"row {first} of the target modality is not among the candidates")
    return matches.to(torch.int64).argmax(dim=1)  # (N,)


def zero_shot_accuracy(
    model: SymileModel,
    data,
    *,
    target: int,
    candidates=None,
    method: str = "symile",
    log_prior=None,
) -> float:
    """Accuracy of predicting modality ``target`` from the others, choosing among candidate values.

    Parameters
    ----------
    model : SymileModel
        Trained model.
    data : list of array-like
        M inputs (N, d_m); ``data[target]`` holds the true values, each of which must be a candidate row.
    target : int
        Index of the predicted modality.
    candidates : array-like, optional
        (C, d_target) candidate input rows (e.g. all 2^d bit vectors); default: the distinct rows of
        ``data[target]``.
    method : {"symile", "clip"}
        Scoring rule (see :func:`zero_shot_scores`).
    log_prior : array-like, optional
        (C,) natural-log prior of the candidates; then scores are ``logit_scale * score + log_prior``.

    Returns
    -------
    float
        Fraction of rows whose true value gets the highest score (ties go to the first candidate).
    """
    check_choice("method", method, METHODS)
    xs = to_tensor_list(data, name="data")
    if len(xs) != len(model.encoders):
        raise ValueError(f"model has {len(model.encoders)} modalities, data has {len(xs)}")
    if not (isinstance(target, int) and 0 <= target < len(xs)):
        raise ValueError(f"target must be a modality index in [0, {len(xs)}), got {target!r}")
    if candidates is None:
        cand_x = torch.unique(xs[target], dim=0)
    else:
        (cand_x,) = to_tensor_list([candidates], name="candidates", min_modalities=1)
    labels = _row_labels(xs[target], cand_x)  # (N,)
    with torch.no_grad():
        reps = model.encode(xs)  # M x (N, d)
        cand = model.encode_modality(target, cand_x)  # (C, d)
        queries = [r for m, r in enumerate(reps) if m != target]
        prior = None if log_prior is None else torch.as_tensor(np.asarray(log_prior, dtype=np.float32))
        scale = model.logit_scale if prior is not None else 1.0
        scores = zero_shot_scores(queries, cand, method, prior, logit_scale=scale)  # (N, C)
    return float((scores.argmax(dim=1) == labels).to(torch.float64).mean())


def bound_estimate(
    model: SymileModel,
    data,
    *,
    method: str,
    negatives: str = "n",
    batch_size: int = 1000,
    n_batches: int | None = None,
    base: float = 2,
    seed: int = 0,
    grouped: bool = False,
) -> dict:
    r"""Held-out contrastive lower bound ``log K - loss``, mean and standard error over disjoint batches.

    .. math::

        \hat I = \frac{1}{B}\sum_{b=1}^{B} \bigl(\log K - \mathcal{L}_b\bigr), \qquad
        \mathrm{se} = \frac{\operatorname{sd}_b(\log K - \mathcal{L}_b)}{\sqrt{B}}

    Symile: K = N (``"n"``) or N^(M-1) (``"n_squared"``), an estimate of a lower bound on the total
    correlation TC(x_1, ..., x_M). CLIP: the sum over pairs of log N - symmetric InfoNCE, a lower bound
    on the sum of the pairwise mutual informations (see :func:`symile_min.losses.bound_from_loss`).

    Parameters
    ----------
    model : SymileModel
        Trained model.
    data : list of array-like
        M held-out inputs (N, d_m); cut into consecutive batches of ``batch_size`` rows (the remainder
        is dropped so that every batch has the same K).
    method : {"symile", "clip"}
    negatives : {"n", "n_squared"}
        Symile's negative scheme (ignored for CLIP).
    batch_size : int
        N per batch (the bound's cap grows with log N).
    n_batches : int, optional
        Use only the first ``n_batches`` batches (default: all full batches).
    base : float
        Log base of the result (2: bits, e: nats).
    seed : int
        Seeds the permutations of the ``"n"`` negatives.
    grouped : bool
        Evaluate each batch's loss on the distinct input rows only (:func:`symile_loss_grouped`,
        :func:`clip_loss_grouped`): the same value up to rounding, and far cheaper when every modality
        takes few distinct values (discrete data), e.g. ``"n_squared"`` at N = 1000 on XOR data costs
        O(U^M) instead of O(N^M) scores.

    Returns
    -------
    dict
        ``bound`` (mean over batches), ``se`` (standard error; nan with one batch), ``cap``
        (the largest possible bound), ``unit`` ("bits", "nats" or "log base b"), ``loss`` (mean loss,
        nats), ``n_batches``, ``batch_size``.
    """
    check_choice("method", method, METHODS)
    check_choice("negatives", negatives, NEGATIVES)
    xs = to_tensor_list(data, name="data")
    n_batches = batch_count(xs[0].shape[0], batch_size, n_batches, name="data")
    m_count = len(xs)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    with torch.no_grad():
        scale = model.logit_scale
        if grouped:
            uniq, ids = zip(*(torch.unique(x, dim=0, return_inverse=True) for x in xs))
            reps = model.encode(list(uniq))  # M x (U_m, d): one row per distinct input
        else:
            ids, reps = None, model.encode(xs)  # M x (N, d)
        for b in range(n_batches):
            rows = slice(b * batch_size, (b + 1) * batch_size)
            if grouped:
                batch_ids = [i[rows] for i in ids]  # M x (B,) indices into reps
                if method == "clip":
                    loss = clip_loss_grouped(reps, batch_ids, scale)
                else:
                    loss = symile_loss_grouped(reps, batch_ids, scale, negatives=negatives, generator=gen)
            else:
                batch = [r[rows] for r in reps]  # M x (B, d)
                if method == "clip":
                    loss = clip_loss(batch, scale)
                else:
                    loss = symile_loss(batch, scale, negatives=negatives, generator=gen)
            losses.append(float(loss))
    return summarise_bounds(losses, batch_size, m_count, method=method, negatives=negatives, base=base)


def batch_count(n_rows: int, batch_size: int, n_batches: int | None = None, *, name: str = "data") -> int:
    """Number of consecutive held-out batches of ``batch_size`` rows (the remainder is dropped).

    ``n_batches=None`` takes every full batch; otherwise it must lie in [1, available]. Raises
    ValueError naming the bad value (``name`` is the data's name in the message).
    """
    if not (isinstance(batch_size, int) and batch_size >= 2):
        raise ValueError(f"batch_size must be an int >= 2, got {batch_size!r}")
    available = n_rows // batch_size
    if available < 1:
        raise ValueError(f"{name} has {n_rows} rows, fewer than batch_size={batch_size}")
    if n_batches is None:
        return available
    if not (isinstance(n_batches, int) and 1 <= n_batches <= available):
        raise ValueError(f"n_batches must be an int in [1, {available}], got {n_batches!r}")
    return n_batches


def summarise_bounds(
    losses: Sequence[float], batch_size: int, m: int, *, method: str, negatives: str = "n", base: float = 2
) -> dict:
    """Turn per-batch losses (nats) into the bound estimate of :func:`bound_estimate`.

    Each batch gives ``log K - loss`` (:func:`symile_min.losses.bound_from_loss`, in units of ``base``);
    returns their mean ``bound``, standard error ``se`` (nan with one batch), the ``cap``, ``unit``,
    the mean ``loss`` (nats), ``n_batches`` and ``batch_size``. Per-batch bounds within 1e-12 of 0 are
    the rounding noise of a loss equal to ``log K`` (an all-constant critic) and are snapped to 0, so
    that such a bound reads 0 ± 0 rather than a spurious 1e-14 ± 0.
    """
    bounds = np.array(
        [bound_from_loss(x, batch_size, m, method=method, negatives=negatives, base=base) for x in losses]
    )
    bounds[np.abs(bounds) < 1e-12] = 0.0
    se = float(bounds.std(ddof=1) / math.sqrt(len(bounds))) if len(bounds) > 1 else math.nan
    unit = "bits" if base == 2 else "nats" if base == math.e else f"log base {base}"
    return {
        "bound": float(bounds.mean()),
        "se": se,
        "cap": bound_cap(batch_size, m, method=method, negatives=negatives, base=base),
        "unit": unit,
        "loss": float(np.mean(losses)),
        "n_batches": len(bounds),
        "batch_size": batch_size,
    }
