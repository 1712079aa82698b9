"""Zero-shot prediction and retrieval: a pure scoring rule, the exact-candidate accuracy, ranks and metrics.

* :func:`zero_shot_scores`: Symile / CLIP scores of every candidate for each query row;
* :func:`zero_shot_accuracy`: accuracy when every true target appears among the candidates (discrete data);
* :func:`retrieval_ranks`, :func:`retrieval_metrics`: accuracy@1, recall@k and mean reciprocal rank against
  an arbitrary candidate set (by default the other rows of the evaluation set), batched, memory
  O(batch x C); from a model, any ``encode`` callable, or precomputed representations.

Held-out bound estimates live in :mod:`symile_min.bounds`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

from ._checks import METHODS, as_int, check_choice, check_reps, loss_scale
from ._rows import row_labels as _row_labels
from .data import _as_tensor, _check_finite, modalities
from .model import SymileModel, resolve_objective

__all__ = ["zero_shot_scores", "zero_shot_accuracy", "retrieval_ranks", "retrieval_metrics"]


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
    if (candidates.dtype, candidates.device) != (queries[0].dtype, queries[0].device):
        raise ValueError(
            f"candidates ({candidates.dtype} on {candidates.device}) and queries ({queries[0].dtype} on "
            f"{queries[0].device}) must share one dtype and device (cast them first)"
        )
    if method == "symile":
        combined = queries[0]
        for q in queries[1:]:
            combined = combined * q  # (N, d) elementwise product of the observed modalities
    else:
        combined = torch.stack(queries).sum(dim=0)  # (N, d) sum of the observed modalities
    top_prior = 0.0
    if log_prior is not None:
        log_prior = _check_log_prior(log_prior, candidates)
        if log_prior.device.type == "cpu":  # read back on the CPU only (elsewhere a host sync)
            finite = log_prior[torch.isfinite(log_prior)]
            top_prior = float(finite.abs().max()) if finite.numel() else 0.0
    # ValueError if scale * scores (+ prior) could overflow the dtype (1e39 in float32)
    scale = loss_scale(logit_scale, [combined, candidates], terms=1, name="queries", extra=top_prior)
    scores = scale * (combined @ candidates.T)  # (N, C)
    return scores if log_prior is None else scores + log_prior


def _check_log_prior(log_prior, candidates: torch.Tensor) -> torch.Tensor:
    """``log_prior`` as a (C,) tensor in the candidates' dtype and device: real, no nan or +inf (on CPU)."""
    if isinstance(log_prior, torch.Tensor):
        if log_prior.dtype.is_complex or log_prior.dtype == torch.bool:
            raise TypeError(f"log_prior must be a real tensor, got dtype {log_prior.dtype}")
    else:
        arr = np.asarray(log_prior)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"log_prior must hold real numbers, got dtype {arr.dtype}")
        log_prior = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float64))
    log_prior = log_prior.to(dtype=candidates.dtype, device=candidates.device)
    if log_prior.shape != (candidates.shape[0],):
        raise ValueError(f"log_prior must have shape ({candidates.shape[0]},), got {tuple(log_prior.shape)}")
    bad = log_prior.device.type == "cpu" and (
        bool(torch.isnan(log_prior).any()) or bool((log_prior == math.inf).any())
    )
    if bad:
        raise ValueError("log_prior must not contain nan or +inf")
    return log_prior


def zero_shot_accuracy(
    model: SymileModel,
    data,
    *,
    target: int | str,
    candidates=None,
    method: str | None = None,
    log_prior=None,
) -> float:
    """Accuracy of predicting modality ``target`` from the others, choosing among candidate values.

    The exact-candidate mode for discrete data: every true target row must appear verbatim among the
    candidates (for continuous data, or candidates that are other rows, use :func:`retrieval_metrics`).

    Parameters
    ----------
    model : SymileModel
        Trained model (its recorded ``method`` is the default scoring rule); built-in or own encoders.
    data : list or dict of array-like
        M inputs (N, ...); ``data[target]`` holds the true values, each of which must be a candidate row.
    target : int or str
        Index (or, for a model trained on a dict, name) of the predicted modality.
    candidates : array-like, optional
        (C, ...) candidate input rows (e.g. all 2^d bit vectors); default: the distinct rows of
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
    xs = model.inputs(data)
    target = _target_index(target, len(xs), model.names)
    if candidates is None:
        cand_x = torch.unique(xs[target], dim=0)
    else:
        cand_x = _candidate_inputs(model, candidates)
    labels = _row_labels(xs[target], cand_x)  # (N,)
    with torch.no_grad():
        reps = model.encode(xs)  # M x (N, d)
        cand = model.encode_modality(target, cand_x)  # (C, d)
        queries = [r for m, r in enumerate(reps) if m != target]
        prior = None if log_prior is None else _check_log_prior(log_prior, cand)  # (C,) real, checked
        scale = model.logit_scale if prior is not None else 1.0
        scores = zero_shot_scores(queries, cand, method, prior, logit_scale=scale)  # (N, C)
    return float((scores.argmax(dim=1) == labels).to(torch.float64).mean())


def _target_index(target, m_count: int, names) -> int:
    """``target`` as a modality index: an int in [0, M) or one of the model's modality names."""
    if isinstance(target, str) and names is not None and target in names:
        return list(names).index(target)
    if not (isinstance(target, numbers.Integral) and not isinstance(target, bool | np.bool_)):
        known = f" or one of {list(names)}" if names is not None else ""
        raise ValueError(f"target must be a modality index in [0, {m_count}){known}, got {target!r}")
    if not 0 <= int(target) < m_count:
        raise ValueError(f"target must be a modality index in [0, {m_count}), got {target!r}")
    return int(target)


def _candidate_inputs(model: SymileModel, candidates) -> torch.Tensor:
    """Candidate *inputs* of the target modality as a tensor on the model's device (validated)."""
    t = _as_tensor(candidates, "candidates", flat=model.builtin, dtype=model.log_scale.dtype)
    t = t.to(model.log_scale.device)
    _check_finite(t, "candidates")
    return t


# --------------------------------------------------------------------------------------------------
# retrieval against an arbitrary candidate set


def retrieval_ranks(
    queries: Sequence[torch.Tensor],
    candidates: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    method: str = "symile",
    logit_scale=1.0,
    log_prior: torch.Tensor | None = None,
    batch_size: int = 1024,
) -> torch.Tensor:
    r"""Rank of each query row's true candidate among C candidates (1 = top), in batches of query rows.

    With :math:`S` the scores of :func:`zero_shot_scores` and :math:`y_i` the true candidate of row i,

    .. math::

        \mathrm{rank}_i = 1 + \#\{c : S_{ic} > S_{i y_i}\} + \#\{c < y_i : S_{ic} = S_{i y_i}\}

    (a tie goes to the earlier candidate, as ``argmax`` does, so ``rank == 1`` is the argmax being right).
    Memory O(``batch_size`` x C): never an (N, C, d) tensor, never all N x C scores at once.

    Parameters
    ----------
    queries : list of torch.Tensor
        K >= 1 tensors (N, d): representations of the observed modalities.
    candidates : torch.Tensor
        (C, d) representations of the candidates.
    labels : torch.Tensor, optional
        (N,) int64 index of each row's true candidate; default ``arange(N)`` (candidate i is row i's own
        target, e.g. the evaluation rows themselves; needs C >= N).
    method : {"symile", "clip"}
        Scoring rule.
    logit_scale, log_prior
        As in :func:`zero_shot_scores` (the scale matters only with a prior).
    batch_size : int
        Query rows scored at once.

    Returns
    -------
    torch.Tensor
        (N,) int64 ranks in [1, C] on the queries' device.

    Examples
    --------
    >>> q = [torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])]
    >>> c = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> retrieval_ranks(q, c).tolist()  # row 2 scores (1, 1, -1): candidate 2 is last
    [1, 1, 3]
    """
    check_choice("method", method, METHODS)
    queries = check_reps(queries, min_modalities=1, name="queries")
    (candidates,) = check_reps([candidates], min_modalities=1, name="candidates")
    batch_size = as_int(batch_size, "batch_size")
    n, c = int(queries[0].shape[0]), int(candidates.shape[0])
    device = queries[0].device
    if labels is None:
        if c < n:
            raise ValueError(f"without labels candidate i is row i's target: need C >= N, got C={c} < N={n}")
        labels = torch.arange(n, device=device)
    else:
        labels = torch.as_tensor(labels, device=device)
        if labels.shape != (n,) or labels.dtype not in (torch.int64, torch.int32):
            raise ValueError(
                f"labels must be an int64 tensor of shape ({n},), got {labels.dtype} {tuple(labels.shape)}"
            )
        labels = labels.to(torch.int64)
        if device.type == "cpu" and n and (int(labels.min()) < 0 or int(labels.max()) >= c):
            raise ValueError(f"labels must index the {c} candidates, got values outside [0, {c})")
    order = torch.arange(c, device=device)  # (C,) candidate index, for breaking ties
    ranks = []
    for s in range(0, n, batch_size):
        rows = slice(s, s + batch_size)
        scores = zero_shot_scores(
            [q[rows] for q in queries], candidates, method, log_prior, logit_scale=logit_scale
        )  # (B, C)
        y = labels[rows]  # (B,)
        true = scores.gather(1, y[:, None])  # (B, 1)
        ahead = (scores > true) | ((scores == true) & (order[None, :] < y[:, None]))  # (B, C)
        ranks.append(1 + ahead.sum(dim=1))
    return torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.int64, device=device)


def retrieval_metrics(
    source,
    data=None,
    *,
    target: int | str,
    candidates=None,
    labels=None,
    method: str | None = None,
    ks: Sequence[int] = (1, 5, 10),
    batch_size: int = 1024,
    log_prior=None,
    logit_scale=None,
) -> dict:
    r"""Retrieve modality ``target`` from the others: accuracy@1, recall@k and mean reciprocal rank.

    .. math::

        \mathrm{acc@1} = \tfrac1N \sum_i [\mathrm{rank}_i = 1], \quad
        \mathrm{recall@}k = \tfrac1N \sum_i [\mathrm{rank}_i \le k], \quad
        \mathrm{MRR} = \tfrac1N \sum_i \mathrm{rank}_i^{-1}

    with ranks from :func:`retrieval_ranks` (Symile or CLIP scores). Memory O(``batch_size`` x C) for the
    scores plus O(N x d) for the representations; inputs are encoded ``batch_size`` rows at a time.

    Parameters
    ----------
    source : SymileModel, callable, or list of torch.Tensor
        A trained :class:`SymileModel` (its method and scale are the defaults); any ``encode`` callable
        (a function, or an object with ``.encode``) mapping a list of M input batches to M (B, d)
        representations; or the M (N, d) representations themselves (then ``data`` is None).
    data : list, dict, Dataset or DataLoader, optional
        The M evaluation inputs (any form of :mod:`symile_min.data`), for a model or callable.
    target : int or str
        Modality to retrieve (a name if the model was trained on a dict).
    candidates : None, "distinct", array-like or torch.Tensor
        None (default): the N target rows of the evaluation set, row i's answer being its own (the true
        one among the N - 1 others). ``"distinct"``: the distinct target rows (exact-candidate mode for
        discrete data). Otherwise (C, ...) candidate *inputs* of the target modality for a model
        (encoded with ``encode_modality``), or (C, d) candidate *representations* for a ``source`` of
        representations; then row i's answer is ``labels[i]``, or, without labels, the candidate equal to
        its target row (exact match, inputs only).
    labels : array-like of int, optional
        (N,) index of each row's true candidate.
    method : {"symile", "clip"}, optional
        Scoring rule: default the model's; required for a callable or representations.
    ks : sequence of int
        The k of recall@k (each >= 1; a k >= C gives recall 1).
    batch_size : int
        Rows encoded and scored at once.
    log_prior : array-like, optional
        (C,) natural-log prior of the candidates (added after scaling).
    logit_scale : float or torch.Tensor, optional
        Scale applied before the prior (default: the model's, 1.0 otherwise; only matters with a prior).

    Returns
    -------
    dict
        ``accuracy@1``, ``recall@k`` for each k, ``mrr``, ``mean_rank`` (floats, fractions / ranks),
        ``chance@1`` (1 / C), ``n_queries``, ``n_candidates``, ``target``, ``method``.

    Examples
    --------
    >>> g = torch.Generator().manual_seed(0)
    >>> a = torch.nn.functional.normalize(torch.randn(50, 8, generator=g), dim=1)
    >>> out = retrieval_metrics([a, a], target=1, method="clip", ks=(1, 5))  # b = a: always found
    >>> out["accuracy@1"], out["recall@5"], out["mrr"], out["n_candidates"]
    (1.0, 1.0, 1.0, 50)
    """
    ks = [as_int(k, "ks") for k in (ks if isinstance(ks, Sequence) else [ks])]
    batch_size = as_int(batch_size, "batch_size")
    model = source if isinstance(source, SymileModel) else None
    is_reps = isinstance(source, list | tuple) and all(isinstance(r, torch.Tensor) for r in source)
    if is_reps:
        if data is not None:
            raise ValueError("source is a list of representations: pass data=None")
        if method is None:
            raise ValueError("scoring representations needs method='symile' or 'clip'")
        reps = check_reps(list(source), name="source")
        names = None
    else:
        if model is not None:
            method, _ = resolve_objective(model, method, None, caller="retrieval_metrics")
        elif not callable(getattr(source, "encode", source)):
            raise TypeError(
                "source must be a SymileModel, an encode callable (list of M inputs -> M (B, d) tensors) "
                f"or a list of (N, d) representations, got {type(source).__name__}"
            )
        elif method is None:
            raise ValueError("an encode callable records no objective: pass method='symile' or 'clip'")
        check_choice("method", method, METHODS)
        if data is None:
            raise ValueError("pass the evaluation data (data=...) to encode")
        want_inputs = candidates is not None and labels is None  # exact matching needs the target inputs
        reps, inputs, names = _encode_in_batches(
            source, data, batch_size, model.names if model is not None else None, keep_inputs=want_inputs
        )
    target = _target_index(target, len(reps), names)
    target_x = inputs[target] if not is_reps and inputs is not None else None
    queries = [r for m, r in enumerate(reps) if m != target]  # K x (N, d)
    n = int(reps[0].shape[0])
    device = reps[0].device
    if isinstance(candidates, str):
        if candidates != "distinct":
            raise ValueError(f"candidates must be None, 'distinct' or an array, got {candidates!r}")
        if is_reps:
            cand_reps, inverse = torch.unique(reps[target], dim=0, return_inverse=True)
        else:
            cand_x, inverse = torch.unique(target_x, dim=0, return_inverse=True)
            cand_reps = _encode_candidates(source, target, cand_x, batch_size, device)
        labels = inverse
    elif candidates is None:
        cand_reps = reps[target]  # (N, d): the evaluation rows' own targets
        labels = torch.arange(n, device=device) if labels is None else labels
    elif is_reps:
        cand_reps = candidates
        if labels is None:
            raise ValueError("candidates given as representations need labels= (each row's true candidate)")
    else:
        if model is not None:
            cand_x = _candidate_inputs(model, candidates)
        else:
            cand_x = _as_tensor(candidates, "candidates", flat=False, dtype=torch.float32)
        cand_reps = _encode_candidates(source, target, cand_x, batch_size, device)
        if labels is None:
            labels = _row_labels(target_x.to(cand_x.device), cand_x)
    labels = torch.as_tensor(labels, device=device)
    prior = None if log_prior is None else _check_log_prior(log_prior, cand_reps)  # (C,) real, checked
    if logit_scale is None:
        logit_scale = model.logit_scale.detach() if (model is not None and prior is not None) else 1.0
    with torch.no_grad():
        ranks = retrieval_ranks(queries, cand_reps, labels, method=method, logit_scale=logit_scale,
                                log_prior=prior, batch_size=batch_size)  # (N,)
        c = int(cand_reps.shape[0])
        r = ranks.to(torch.float64)
        hits = [(r == 1), *[(r <= k) for k in ks]]
        stats = torch.stack([*[h.to(torch.float64).mean() for h in hits], (1 / r).mean(), r.mean()]).tolist()
    out = {"accuracy@1": stats[0]}
    out.update({f"recall@{k}": v for k, v in zip(ks, stats[1 : 1 + len(ks)], strict=True)})
    out.update(mrr=stats[-2], mean_rank=stats[-1], **{"chance@1": 1 / c})
    out.update(n_queries=n, n_candidates=c, target=names[target] if names else target, method=method)
    return out


def _encode_fn(source):
    """The function mapping a list of M input batches to M (B, d) representations, without gradients."""
    if isinstance(source, SymileModel):
        return source.encode
    return getattr(source, "encode", source)


def _encode_in_batches(source, data, batch_size: int, names, *, keep_inputs: bool):
    """Encode ``data`` ``batch_size`` rows at a time -> (M reps (N, d), M inputs (N, ...) or None, names)."""
    model = source if isinstance(source, SymileModel) else None
    flat = model.builtin if model is not None else False
    dtype = model.log_scale.dtype if model is not None else torch.float32
    mods = modalities(data, name="data", flat=flat, names=names, dtype=dtype)
    encode = _encode_fn(source)
    parts, targets = [], []

    def chunks():
        if mods.kind == "loader":
            yield from mods.batches()
            return
        for s in range(0, mods.n, batch_size):
            idx = torch.arange(s, min(mods.n, s + batch_size))
            yield mods.batch(idx)

    was_training = model.training if model is not None else None
    if model is not None:
        model.eval()
    try:
        with torch.no_grad():
            for xs in chunks():
                reps = encode(xs)
                if isinstance(reps, torch.Tensor) or len(reps) != len(xs):
                    raise ValueError(f"encode must return a list of {len(xs)} (B, d) tensors")
                parts.append([r.detach() for r in reps])
                if keep_inputs:
                    targets.append(xs)
    finally:
        if model is not None:
            model.train(was_training)
    if not parts:
        raise ValueError("data has no rows")
    reps = [torch.cat(col) for col in zip(*parts, strict=True)]
    names = mods.names if mods.names is not None else names
    inputs = [torch.cat(col) for col in zip(*targets, strict=True)] if keep_inputs else None
    return reps, inputs, names


def _encode_candidates(source, target: int, cand_x, batch_size: int, device) -> torch.Tensor:
    """(C, d) representations of the candidate inputs of modality ``target``, in batches."""
    if isinstance(source, SymileModel):
        encode_one = source.encode_modality
    else:
        encode_one = getattr(source, "encode_modality", None)
        if not callable(encode_one):
            raise TypeError(
                "candidate inputs need encode_modality(m, x) on the source; pass candidate representations "
                "with a list-of-representations source instead"
            )
    was_training = source.training if isinstance(source, SymileModel) else None
    if was_training is not None:
        source.eval()
    try:
        with torch.no_grad():
            out = [encode_one(target, cand_x[s : s + batch_size]) for s in range(0, len(cand_x), batch_size)]
    finally:
        if was_training is not None:
            source.train(was_training)
    return torch.cat(out).to(device)
