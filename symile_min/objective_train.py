r"""Train encoders under any objective of :mod:`symile_min.objective_modules`, and evaluate them with it.

:func:`train_objective` is the training loop of :func:`symile_min.train` cut to what a benchmark of
objectives needs (built-in encoders on in-memory arrays, AdamW, seeded batch order, best-validation weights,
patience), with the loss, the learned scale and any extra parameters (the gate) supplied by an
:class:`~symile_min.objective_modules.Objective`. :func:`symile_min.train` itself trains Symile and CLIP
only; for those two the loop here follows the same protocol (same optimiser, batching rule, weight decay on
every parameter, the scale learned unclamped) but is a separate loop: it does not use the grouped losses,
so its numbers are not bit-identical to ``train``'s.

Evaluation, the same way for every objective:

* :func:`objective_accuracy`: the one entry point, dispatching to one of the two below;
* :func:`objective_zero_shot_accuracy`: predict one modality among a finite candidate set;
* :func:`objective_retrieval_accuracy`: in-batch retrieval (continuous data);
* :func:`objective_bound`: the held-out ``cap - loss`` bound, in bits, mean ± se over batches.

Tuning, the same way for every objective: :func:`fit_lr_grid` trains one fresh objective per learning rate
and keeps the fit with the best validation score (ties: the lower validation loss).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from ._checks import as_int, as_real, check_base, check_seed
from .bounds import batch_count
from .data import to_tensor_list
from .evaluate import _row_labels
from .model import SymileModel
from .objective_modules import Objective
from .objectives import _check_index, _labels
from .train import _fused_adamw_supported

__all__ = [
    "ObjectiveFit",
    "train_objective",
    "fit_lr_grid",
    "objective_bound",
    "objective_accuracy",
    "objective_zero_shot_accuracy",
    "objective_retrieval_accuracy",
]


@dataclass(frozen=True)
class ObjectiveFit:
    """What :func:`train_objective` returns.

    Attributes
    ----------
    model : SymileModel
        The encoders with the best-validation weights, in eval mode (its own ``log_scale`` is unused: the
        scale is the objective's).
    objective : Objective
        The objective with its best-validation scale (and gate), in eval mode.
    history : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``val_loss`` (nats), ``logit_scale``.
    best_epoch : int
        The epoch whose weights were kept (lowest validation loss).
    seconds : float
        Wall time of the call.
    """

    model: SymileModel
    objective: Objective
    history: pd.DataFrame
    best_epoch: int
    seconds: float


def _check_objective(objective) -> Objective:
    if not isinstance(objective, Objective):
        raise TypeError(f"objective must be an Objective (make_objective), got {type(objective).__name__}")
    return objective


def train_objective(
    train_data,
    val_data,
    objective: Objective,
    *,
    rep_dim: int = 16,
    encoder: str = "linear",
    hidden_dim: int = 64,
    lr: float = 0.1,
    weight_decay: float = 0.01,
    batch_size: int = 250,
    epochs: int = 20,
    patience: int | None = None,
    seed: int = 0,
    num_threads: int | None = 1,
) -> ObjectiveFit:
    r"""Train one built-in encoder per modality with ``objective``; keep the best-validation weights.

    Every epoch visits the training rows in a seeded random order in consecutive batches of
    ``batch_size`` (a last batch of fewer than 2 rows is skipped) and takes one AdamW step per batch on

    .. math:: \mathcal{L}_{\text{objective}}(\operatorname{normalise}(f_1(x_1)), \dots,
              \operatorname{normalise}(f_M(x_M)))

    over the encoders' and the objective's parameters (its log scale, its gate). The validation loss (nats)
    is the objective's :meth:`~symile_min.objective_modules.Objective.bound_loss` averaged over consecutive
    validation batches of ``batch_size`` rows, with the same Symile negatives every epoch; the weights of
    the epoch with the lowest validation loss are kept, and training stops after ``patience`` epochs
    without improvement (None: never early).

    Parameters
    ----------
    train_data, val_data : list of array-like
        M aligned (N, d_m) arrays (N_train >= 2 rows, N_val >= 2).
    objective : Objective
        A fresh objective (:func:`symile_min.objective_modules.make_objective`); it is trained in place
        and returned with its best-validation state.
    rep_dim, encoder, hidden_dim
        The built-in encoders (:func:`symile_min.model.make_encoder`: ``"linear"`` or ``"mlp"``).
    lr, weight_decay : float
        AdamW settings (as :class:`symile_min.TrainConfig`: weight decay on every parameter).
    batch_size, epochs : int
        Rows per step (>= 2) and the largest number of epochs.
    patience : int, optional
        Early stopping after this many epochs without a lower validation loss.
    seed : int
        Seeds the encoders' initial weights, the batch order and Symile's negatives; torch's global RNG is
        left as it was. Same seed and data -> the same weights (on the CPU).
    num_threads : int, optional
        torch's thread count for the call (restored afterwards); None leaves it alone.

    Returns
    -------
    ObjectiveFit

    Examples
    --------
    >>> import numpy as np
    >>> from symile_min.objective_modules import make_objective
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 200, 1))
    >>> data = [a, b, a ^ b]
    >>> fit = train_objective(data, data, make_objective("gram", m=3), epochs=2, batch_size=100)
    >>> list(fit.history.columns), fit.best_epoch in (1, 2)
    (['epoch', 'train_loss', 'val_loss', 'logit_scale'], True)
    """
    t0 = time.perf_counter()
    objective = _check_objective(objective)
    rep_dim, hidden_dim = as_int(rep_dim, "rep_dim"), as_int(hidden_dim, "hidden_dim")
    batch_size, epochs = as_int(batch_size, "batch_size", minimum=2), as_int(epochs, "epochs")
    patience = as_int(patience, "patience", optional=True)
    num_threads = as_int(num_threads, "num_threads", optional=True)
    lr, weight_decay = as_real(lr, "lr"), as_real(weight_decay, "weight_decay")
    if lr <= 0 or weight_decay < 0:
        raise ValueError(f"need lr > 0 and weight_decay >= 0, got lr={lr!r}, weight_decay={weight_decay!r}")
    seed = check_seed(seed)
    device = objective.log_scale.device
    train_x = to_tensor_list(train_data, name="train_data", device=device)  # M x (N, d_m) float32
    val_x = to_tensor_list(val_data, name="val_data", device=device)
    if len(train_x) != objective.m or len(val_x) != objective.m:
        raise ValueError(
            f"objective {objective.name!r} is built for M = {objective.m}, got {len(train_x)} training and "
            f"{len(val_x)} validation modalities"
        )
    for split, xs in (("train_data", train_x), ("val_data", val_x)):
        if xs[0].shape[0] < 2:
            raise ValueError(f"{split} needs at least 2 rows (a contrastive batch needs negatives)")
    old_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    try:
        with torch.random.fork_rng(devices=[]):  # the encoders' initial weights; the caller's RNG untouched
            torch.manual_seed(seed)
            model = SymileModel([x.shape[1] for x in train_x], rep_dim, encoder, hidden_dim=hidden_dim)
        model.to(device)
        return _fit(
            model, objective, train_x, val_x, lr, weight_decay, batch_size, epochs, patience, seed, t0
        )
    finally:
        torch.set_num_threads(old_threads)


def _fit(model, objective, train_x, val_x, lr, weight_decay, bs, epochs, patience, seed, t0) -> ObjectiveFit:
    params = [p for p in model.encoders.parameters() if p.requires_grad]
    params += [p for p in objective.parameters() if p.requires_grad]
    fused = {"fused": True} if _fused_adamw_supported(objective.log_scale.device.type) else {}
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, **fused)
    gen = torch.Generator().manual_seed(seed)  # batch order and Symile's "n" negatives
    n_train, n_val = train_x[0].shape[0], val_x[0].shape[0]
    starts = [s for s in range(0, n_train, bs) if min(bs, n_train - s) >= 2]
    val_starts = [s for s in range(0, n_val, bs) if min(bs, n_val - s) >= 2]
    rows, best_val, best_epoch, best_state, since_best = [], math.inf, 0, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        objective.train()
        order = torch.randperm(n_train, generator=gen).to(train_x[0].device)
        total = torch.zeros((), dtype=torch.float64, device=train_x[0].device)  # summed on the device
        for s in starts:
            idx = order[s : s + bs]
            reps = model._encode([x[idx] for x in train_x])  # M x (B, d) unit rows
            loss = objective(reps, generator=gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.detach()
        val_loss = _val_loss(model, objective, val_x, val_starts, bs, seed)
        rows.append((epoch, float(total) / len(starts), val_loss, float(objective.logit_scale.detach())))
        if val_loss < best_val:
            best_val, best_epoch, since_best = val_loss, epoch, 0
            best_state = (copy.deepcopy(model.state_dict()), copy.deepcopy(objective.state_dict()))
        else:
            since_best += 1
            if patience is not None and since_best >= patience:
                break
    if best_state is not None:  # a nan validation loss every epoch keeps the last weights
        model.load_state_dict(best_state[0])
        objective.load_state_dict(best_state[1])
    history = pd.DataFrame(rows, columns=["epoch", "train_loss", "val_loss", "logit_scale"])
    return ObjectiveFit(model.eval(), objective.eval(), history, best_epoch, time.perf_counter() - t0)


def _val_loss(model, objective, val_x, starts, bs: int, seed: int) -> float:
    gen = torch.Generator().manual_seed(seed)  # the same validation negatives every epoch
    model.eval()
    objective.eval()
    with torch.no_grad():
        losses = [
            objective.bound_loss(model._encode([x[s : s + bs] for x in val_x]), generator=gen) for s in starts
        ]
    return float(torch.stack(losses).double().mean())


def fit_lr_grid(
    train_data,
    val_data,
    make_objective: Callable[[], Objective],
    lrs: Sequence[float],
    *,
    score: Callable[[ObjectiveFit], float],
    seed: int = 0,
    **train_options,
) -> tuple[ObjectiveFit, list[dict]]:
    r"""Train a fresh objective at every learning rate of ``lrs``; keep the best on validation data.

    For each ``lr`` in order, :func:`train_objective` trains ``make_objective()`` with the same ``seed``
    (so the same initial weights, batch order and negatives) and the same ``train_options``; the fit is then
    scored by ``score(fit)`` (higher is better: e.g. the zero-shot accuracy on validation rows). The chosen
    fit maximises

    .. math:: \bigl(\mathrm{score},\; -\min_{\text{epoch}} \mathcal{L}_{\text{val}}\bigr)

    lexicographically: the highest score, ties broken by the lower best validation loss (nats), remaining
    ties by the first learning rate in ``lrs``. A validation loss that is nan every epoch counts as +inf.
    Only validation data enter the choice; pass test data to neither ``score`` nor ``val_data``.

    Parameters
    ----------
    train_data, val_data : list of array-like
        As :func:`train_objective`.
    make_objective : callable
        ``make_objective()`` returns a fresh, untrained :class:`~symile_min.objective_modules.Objective`
        (it is called once per learning rate; give it a fixed seed for paired runs).
    lrs : list or tuple of float
        The learning rates to try, in this order (each finite and > 0; at least one).
    score : callable
        ``score(fit) -> float``, finite, higher is better, computed on validation data only.
    seed : int
        Passed to every :func:`train_objective` call.
    **train_options
        Every other keyword of :func:`train_objective` (``rep_dim``, ``encoder``, ``batch_size``, ``epochs``,
        ``patience``, ...), the same for every learning rate; not ``lr``.

    Returns
    -------
    fit : ObjectiveFit
        The chosen fit.
    tried : list of dict
        One record per learning rate, in the order of ``lrs``: ``lr``, ``score``, ``val_loss`` (the lowest
        validation loss over the epochs, nats) and ``fit`` (its :class:`ObjectiveFit`).

    Examples
    --------
    >>> import numpy as np
    >>> from symile_min.objective_modules import make_objective
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 200, 1))
    >>> data = [a, b, a ^ b]
    >>> def val_accuracy(fit):  # zero-shot accuracy of c = a XOR b on the validation rows
    ...     return objective_accuracy(fit.objective, fit.model, data, target=2, candidates=[[0], [1]])
    >>> fit, tried = fit_lr_grid(
    ...     data, data, lambda: make_objective("symile", m=3, seed=0), [0.03, 0.3],
    ...     score=val_accuracy, epochs=2, batch_size=100,
    ... )
    >>> [t["lr"] for t in tried], fit is max(tried, key=lambda t: (t["score"], -t["val_loss"]))["fit"]
    ([0.03, 0.3], True)
    """
    if not callable(make_objective):
        raise TypeError(f"make_objective must be a callable returning an Objective, got {make_objective!r}")
    if not callable(score):
        raise TypeError(f"score must be a callable fit -> float (higher is better), got {score!r}")
    if "lr" in train_options:
        raise TypeError("fit_lr_grid takes the learning rates as lrs, not lr=")
    if isinstance(lrs, str | bytes) or not isinstance(lrs, Sequence):
        raise TypeError(f"lrs must be a sequence (list or tuple) of learning rates, got {lrs!r}")
    if len(lrs) == 0:
        raise ValueError("lrs is empty: give at least one learning rate")
    lrs = [as_real(lr, f"lrs[{i}]", what="a finite number > 0") for i, lr in enumerate(lrs)]
    if bad := [lr for lr in lrs if lr <= 0]:
        raise ValueError(f"every learning rate must be > 0, got {bad} in lrs={lrs}")
    seed = check_seed(seed)
    tried = []
    for lr in lrs:
        fit = train_objective(train_data, val_data, make_objective(), lr=lr, seed=seed, **train_options)
        value = as_real(score(fit), f"score(fit) at lr={lr:g}", what="a finite number (higher is better)")
        tried.append({"lr": lr, "score": value, "val_loss": float(fit.history["val_loss"].min()), "fit": fit})

    def rank(t: dict) -> tuple[float, float]:  # min() keeps the first of equal keys: the earlier lr
        return -t["score"], math.inf if math.isnan(t["val_loss"]) else t["val_loss"]

    return min(tried, key=rank)["fit"], tried


def objective_bound(
    objective: Objective,
    model,
    data,
    *,
    batch_size: int = 1000,
    n_batches: int | None = None,
    base: float = 2,
    seed: int = 0,
) -> dict:
    r"""Held-out bound ``cap - loss`` of a trained model under ``objective``, mean ± se over batches.

    .. math::

        \hat I = \frac1B \sum_{b=1}^{B} \bigl(\mathrm{cap} - \mathcal{L}_b\bigr), \qquad
        \mathrm{se} = \operatorname{sd}_b / \sqrt{B}

    with :math:`\mathcal{L}_b` the objective's :meth:`~Objective.bound_loss` on the b-th consecutive batch
    of ``batch_size`` rows (remainder dropped) and the cap :meth:`~Objective.bound_cap`; what it bounds is
    :attr:`Objective.bound_target`. The batching is :func:`symile_min.bounds.batch_count`'s.

    Parameters
    ----------
    objective : Objective
        The trained objective (its scale and gate).
    model
        Anything with ``encode(list of (N, d_m) inputs) -> list of (N, d)`` unit-norm representations.
    data : list of array-like
        M held-out inputs (N, d_m).
    batch_size, n_batches : int
        As :func:`symile_min.bound_estimate`.
    base : float
        Log base of the result (2: bits).
    seed : int
        Seeds the permutations of Symile's ``"n"`` negatives.

    Returns
    -------
    dict
        ``bound``, ``se`` (nan with one batch), ``cap`` (units of ``base``), ``unit``, ``loss`` (mean, nats),
        ``n_batches``, ``batch_size``, ``target`` (:attr:`Objective.bound_target`).
    """
    _check_objective(objective)
    base = check_base(base)
    gen = torch.Generator().manual_seed(check_seed(seed))
    with torch.no_grad():
        reps = model.encode(data)  # M x (N, d)
        n_batches = batch_count(reps[0].shape[0], batch_size, n_batches)
        losses = [
            objective.bound_loss([r[b * batch_size : (b + 1) * batch_size] for r in reps], generator=gen)
            for b in range(n_batches)
        ]
    losses = torch.stack(losses).double().cpu()  # one host transfer for all batches
    cap = objective.bound_cap(batch_size, base=math.e)
    bounds = (cap - losses) / math.log(base)
    bounds[bounds.abs() < 1e-12] = 0.0  # rounding noise of a chance-level loss (as summarise_bounds)
    se = float(bounds.std(unbiased=True) / math.sqrt(len(bounds))) if len(bounds) > 1 else math.nan
    unit = "bits" if base == 2 else "nats" if base == math.e else f"log base {base}"
    return {
        "bound": float(bounds.mean()),
        "se": se,
        "cap": cap / math.log(base),
        "unit": unit,
        "loss": float(losses.mean()),
        "n_batches": n_batches,
        "batch_size": batch_size,
        "target": objective.bound_target,
    }


def objective_accuracy(
    objective: Objective,
    model,
    data,
    *,
    target: int,
    candidates=None,
    batch_size: int | None = None,
    log_prior=None,
) -> float:
    """Accuracy of predicting modality ``target`` from the others under ``objective``, either way.

    With ``candidates`` this is :func:`objective_zero_shot_accuracy` (the true value among a finite
    candidate set); with ``candidates=None`` it is :func:`objective_retrieval_accuracy` (the own target
    among the ``batch_size`` target rows of its batch), for data with no finite candidate set. One call
    serves a list of tasks of both kinds.

    Parameters
    ----------
    objective : Objective
        Supplies the scores (:meth:`Objective.scores`) and the learned scale.
    model
        A :class:`symile_min.SymileModel` or anything with its ``encode`` (and, with candidates,
        ``encode_modality``).
    data : list of array-like
        M inputs (N, d_m).
    target : int
        The predicted modality.
    candidates : array-like, optional
        (C, d_target) every value the target can take; None: in-batch retrieval.
    batch_size : int, optional
        Rows per retrieval batch (>= 2; chance 1 / ``batch_size``): required when ``candidates`` is None,
        validated but unused otherwise (a candidate set is scored against every row at once).
    log_prior : array-like, optional
        (C,) natural-log prior of the candidates (with ``candidates`` only).

    Returns
    -------
    float
        The fraction of rows predicted correctly, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from symile_min.objective_modules import make_objective
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 200, 1))
    >>> data = [a, b, a ^ b]
    >>> fit = train_objective(data, data, make_objective("symile", m=3), epochs=2, batch_size=100)
    >>> acc = objective_accuracy(fit.objective, fit.model, data, target=2, candidates=np.array([[0], [1]]))
    >>> acc == objective_zero_shot_accuracy(
    ...     fit.objective, fit.model, data, target=2, candidates=np.array([[0], [1]])
    ... )
    True
    >>> acc = objective_accuracy(fit.objective, fit.model, data, target=2, batch_size=50)
    >>> acc == objective_retrieval_accuracy(fit.objective, fit.model, data, target=2, batch_size=50)
    True
    """
    batch_size = as_int(batch_size, "batch_size", minimum=2, optional=True)
    if candidates is not None:
        return objective_zero_shot_accuracy(
            objective, model, data, target=target, candidates=candidates, log_prior=log_prior
        )
    if batch_size is None:
        raise ValueError("candidates=None means in-batch retrieval: give its batch_size (an int >= 2)")
    if log_prior is not None:
        raise ValueError("log_prior is a prior over candidates: it needs candidates (got candidates=None)")
    return objective_retrieval_accuracy(objective, model, data, target=target, batch_size=batch_size)


def objective_zero_shot_accuracy(
    objective: Objective, model, data, *, target: int, candidates, log_prior=None
) -> float:
    """Accuracy of predicting modality ``target`` from the others among ``candidates`` under ``objective``.

    Parameters
    ----------
    objective : Objective
        Supplies the scores (:meth:`Objective.scores`) and the learned scale.
    model
        Anything with ``encode(list of inputs)`` and ``encode_modality(m, x)`` returning unit-norm
        representations (a :class:`symile_min.SymileModel`).
    data : list of array-like
        M inputs (N, d_m); every row of ``data[target]`` must be one of the ``candidates`` (exact match).
    target : int
        The predicted modality.
    candidates : array-like
        (C, d_target) every value the target can take.
    log_prior : array-like, optional
        (C,) natural-log prior of the candidates.

    Returns
    -------
    float
        Fraction of rows whose true value scores highest (ties: the first candidate).
    """
    _check_objective(objective)
    target = _check_index("target", target, objective.m)
    device = objective.log_scale.device
    xs = to_tensor_list(data, name="data", device=device)
    (cand_x,) = to_tensor_list([candidates], name="candidates", min_modalities=1, device=device)
    labels = _row_labels(xs[target], cand_x)  # (N,)
    with torch.no_grad():
        reps = model.encode(xs)  # M x (N, d)
        cand = model.encode_modality(target, cand_x)  # (C, d)
        queries = [r for k, r in enumerate(reps) if k != target]
        scores = objective.scores(queries, cand, target=target, log_prior=log_prior)  # (N, C)
    return float((scores.argmax(dim=1) == labels).to(torch.float64).mean())


def objective_retrieval_accuracy(objective: Objective, model, data, *, target: int, batch_size: int) -> float:
    """In-batch retrieval accuracy@1 under ``objective``: each row's own target among its batch's target rows.

    For continuous data, where no finite candidate set exists: the data are cut into consecutive batches
    of ``batch_size`` rows (remainder dropped, as :func:`objective_bound`); within a batch, row i's query
    (every modality but ``target``) scores the ``batch_size`` target representations of the batch, and the
    prediction is correct when row i's own target scores highest (chance: 1 / ``batch_size``).

    Returns
    -------
    float
        The fraction of retrieved rows, in [0, 1].
    """
    _check_objective(objective)
    target = _check_index("target", target, objective.m)
    with torch.no_grad():
        reps = model.encode(data)  # M x (N, d)
        n_batches = batch_count(reps[0].shape[0], batch_size)
        hits = []
        for b in range(n_batches):
            batch = [r[b * batch_size : (b + 1) * batch_size] for r in reps]  # M x (B, d)
            queries = [r for k, r in enumerate(batch) if k != target]
            scores = objective.scores(queries, batch[target], target=target)  # (B, B)
            hits.append(scores.argmax(dim=1) == _labels(batch_size, scores))
    return float(torch.cat(hits).to(torch.float64).mean())
