"""Zero-shot prediction: a pure scoring rule (:func:`zero_shot_scores`) and an accuracy helper.

Held-out bound estimates live in :mod:`symile_min.bounds`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ._checks import METHODS, check_choice, check_reps, scale_like
from .model import SymileModel, resolve_objective, to_tensor_list

__all__ = ["zero_shot_scores", "zero_shot_accuracy"]


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
        (N, C) scores (unitless logits) on the queries' device; argmax over C is the prediction.

    Examples
    --------
    >>> q = [torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 1.0]])]
    >>> c = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> zero_shot_scores(q, c).tolist(), zero_shot_scores(q, c, "clip").tolist()
    ([[1.0, 0.0]], [[2.0, 1.0]])
    """
    check_choice("method", method, METHODS)
    queries = check_reps(queries, min_modalities=1, name="queries")
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
    scale = scale_like(logit_scale, combined)
    scores = scale * (combined @ candidates.T)  # (N, C)
    if log_prior is not None:
        log_prior = torch.as_tensor(log_prior, dtype=scores.dtype, device=scores.device)
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
    method: str | None = None,
    log_prior=None,
) -> float:
    """Accuracy of predicting modality ``target`` from the others, choosing among candidate values.

    Parameters
    ----------
    model : SymileModel
        Trained model (its recorded ``method`` is the default scoring rule).
    data : list of array-like
        M inputs (N, d_m); ``data[target]`` holds the true values, each of which must be a candidate row.
    target : int
        Index of the predicted modality.
    candidates : array-like, optional
        (C, d_target) candidate input rows (e.g. all 2^d bit vectors); default: the distinct rows of
        ``data[target]``.
    method : {"symile", "clip"}, optional
        Scoring rule (see :func:`zero_shot_scores`). Default: the method the model was trained with;
        one that contradicts it is a ValueError naming both; a bare model (none recorded) needs it.
    log_prior : array-like, optional
        (C,) natural-log prior of the candidates; then scores are ``logit_scale * score + log_prior``.

    Returns
    -------
    float
        Fraction of rows whose true value gets the highest score (ties go to the first candidate).
    """
    method, _ = resolve_objective(model, method, None, caller="zero_shot_accuracy")
    device = model.log_scale.device
    xs = to_tensor_list(data, name="data", device=device)
    if len(xs) != len(model.encoders):
        raise ValueError(f"model has {len(model.encoders)} modalities, data has {len(xs)}")
    if not (isinstance(target, int) and not isinstance(target, bool) and 0 <= target < len(xs)):
        raise ValueError(f"target must be a modality index in [0, {len(xs)}), got {target!r}")
    if candidates is None:
        cand_x = torch.unique(xs[target], dim=0)
    else:
        (cand_x,) = to_tensor_list([candidates], name="candidates", min_modalities=1, device=device)
    labels = _row_labels(xs[target], cand_x)  # (N,)
    with torch.no_grad():
        reps = model.encode(xs)  # M x (N, d)
        cand = model.encode_modality(target, cand_x)  # (C, d)
        queries = [r for m, r in enumerate(reps) if m != target]
        prior = None
        if log_prior is not None:
            prior = log_prior if isinstance(log_prior, torch.Tensor) else np.asarray(log_prior, np.float32)
            prior = torch.as_tensor(prior, dtype=torch.float32, device=device)  # (C,)
        scale = model.logit_scale if prior is not None else 1.0
        scores = zero_shot_scores(queries, cand, method, prior, logit_scale=scale)  # (N, C)
    return float((scores.argmax(dim=1) == labels).to(torch.float64).mean())
