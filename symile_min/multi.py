r"""Train K independent models of one architecture as one batched computation: :func:`train_many`.

A sweep (training seeds x settings x methods) trains many tiny models whose steps cost far more in
per-operation overhead than in arithmetic. :func:`train_many` stacks the parameters of K models along a
leading axis and runs every step of all K at once. Each model keeps everything :func:`symile_min.train`
would give it: its own data, initial weights (seeded exactly as ``train`` seeds them), batch order, ``"n"``
negative permutations (drawn from its own generator in the same order, through the loss's own layout
function), AdamW state, logit scale, validation negatives, history and best-validation checkpoint (the
same rule, per model), and patience. The result is the same as training each model alone with
:func:`symile_min.train`, up to floating-point rounding (the batched losses are the same functions
computed in another order; tested to float tolerance, values and gradients to 1e-12 in float64).

What is batched, and what falls back
------------------------------------
Batched: the built-in ``"linear"`` and ``"mlp"`` encoders on in-memory (N, d_m) arrays, for
``method="clip"`` and for ``method="symile"`` with ``negatives="n"`` or ``"n_squared"``, when the score
tensor below has at most :data:`MAX_TENSOR_ELEMENTS` entries per model. Each modality enters the tensor by
its distinct rows (the trainer's *grouped* losses: discrete inputs, at most ``batch_size // 2`` distinct
rows per modality, or ``grouped=True``) or, where it has more distinct rows than that (or with
``grouped=False``), by the batch's own rows, which is the trainer's plain loss (e.g. the text of the
Symile-M3 data with its 1000 batch rows next to 5 audio and 10 image values: 50,000 scores per step
instead of 3 x 1000^2).
Models are batched together when their configs agree in everything but ``seed``, ``method`` and
``negatives`` (the objectives of one batch are computed side by side) and their data have the same widths,
sizes and numbers of distinct rows per modality; a model with no partner goes through the same batched
code alone (K = 1). Everything else (continuous inputs, the ungrouped losses, a config field this module
does not implement at a non-default value, e.g. a device) goes to :func:`symile_min.train`, one model at a
time, with the result it always gives.

The batched Symile loss: one score tensor for every anchor
----------------------------------------------------------
With distinct-value tables :math:`r_m[u]` (U_m rows per modality) every score the loss needs is an entry of
the tensor :math:`T[u_1, \dots, u_M] = s\,\mathrm{MIP}(r_1[u_1], \dots, r_M[u_M])`, and each anchor's
log-sum-exp is a count-weighted reduction of :math:`e^{T}` along the *other* axes:

.. math::

    Z_m[u] = \sum_{c} W_m[c]\, e^{T[u \text{ at axis } m,\; c \text{ at the others}]}, \qquad
    \ell_{m,i} = \log\bigl(Z_m[u_{m,i}] - e^{T[\mathrm{own}_{m,i}]} + e^{T[\mathrm{pos}_i]}\bigr)

where :math:`W_m[c]` counts the candidate columns of anchor m whose non-anchor values are c (``"n"``: the
columns :math:`(r_{o_1}[j], r_{o_2}[\pi(j)], \dots)`; its own column j = i is removed and the positive added,
as in :func:`symile_min.symile_loss`), and for ``"n_squared"`` :math:`W_m` is the product of the other
modalities' value counts (every combination; the positive is one of them) and
:math:`\ell_{m,i} = \log Z_m[u_{m,i}]`. The loss is the mean over anchors and rows of
:math:`\ell_{m,i} - T[\mathrm{pos}_i]`, in **nats**. One tensor of :math:`\prod_m U_m` scores (32^3 for the
paper's XOR data) serves all M anchors instead of M tables of :math:`U \times N` scores. CLIP is computed
from the value and pair counts of the batch alone. The backward pass of a whole step (normalisation,
scores, log-sum-exps) is written out: one autograd node per step, no pass spent on autograd bookkeeping.

Numerics: scores are float32 and shifted by the model's largest score before ``exp`` (``exp2`` on scores in
bits where a model's block of the tensor is a whole number of 16-float vectors); a row whose own column
carries more than half of its sum is recomputed exactly without it (no cancellation, as in the grouped
loss); a model whose sums fall below 1e-30 after the shift (scores spanning > 69 nats) is recomputed in
float64. A model's numbers do not depend on which other models share its batch (every operation is per
model; checked bit for bit on CPU with one thread), so sweeps give the same numbers whatever their
batching or ``--jobs``.

Per-step cost: the loop keeps its few large per-step tensors (the score tensor, its gradient, the outer
products of the representations) in buffers reused from step to step (a fresh multi-megabyte tensor is
paged in and zeroed by the OS every step, which cost more than the arithmetic filling it), reorders every
model's row ids once per epoch, and finds distinct rows with per-column ranks instead of
``torch.unique(dim=0)`` (:func:`_unique_rows`, the same tables and ids).

:func:`zero_shot_accuracy_many` scores K models on the same test data in one batched computation (the
accuracies of :func:`symile_min.zero_shot_accuracy`, model by model).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ._rows import row_labels as _candidate_labels
from ._rows import unique_rows as _unique_rows
from .evaluate import zero_shot_accuracy
from .losses import _n_candidates
from .model import SymileModel, resolve_objective, to_tensor_list
from .train import HISTORY_COLUMNS, TrainConfig, TrainResult, model_from_config, train

__all__ = ["train_many", "zero_shot_accuracy_many", "MAX_TENSOR_ELEMENTS"]

#: largest score tensor (prod of the distinct-row counts U_m) a model may have on the batched path
MAX_TENSOR_ELEMENTS = 2**18

#: most score-tensor entries of one batched computation (K models x tensor size); larger groups are split
_MAX_BATCH_ELEMENTS = 2**23

#: the TrainConfig fields the batched loop implements; any other field must keep its default value
_BATCHED_FIELDS = frozenset(
    {
        "method", "negatives", "rep_dim", "encoder", "hidden_dim", "lr", "weight_decay", "batch_size",
        "epochs", "logit_scale_init", "logit_scale_min", "logit_scale_max", "seed", "patience", "progress",
        "grouped", "num_threads", "chunk_elements",
    }
)  # fmt: skip

#: a row sum below this (after the shift by the model's largest score) is recomputed in float64
_UNDERFLOW = 1e-30


# --------------------------------------------------------------------------------------------------
# the public entry points


def train_many(datasets, configs) -> list[TrainResult]:
    """Train K independent models, batching those that share an architecture (module docstring).

    Parameters
    ----------
    datasets : sequence of (train_data, val_data)
        One pair per model, as the two first arguments of :func:`symile_min.train` (M arrays (N, d_m) each).
    configs : sequence of TrainConfig
        One per model (same length as ``datasets``).

    Returns
    -------
    list of TrainResult
        One per model, in order; the same as ``train(*datasets[k], configs[k])`` up to float rounding.
        ``seconds`` of a batched model is the wall time of its whole batch.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.integers(0, 2, (2, 200, 1))
    >>> data = [a, b, a ^ b]
    >>> runs = train_many([(data, data)] * 2, [TrainConfig(epochs=2, batch_size=100, seed=s) for s in (0, 1)])
    >>> [len(r.history) for r in runs]
    [2, 2]
    """
    datasets, configs = list(datasets), list(configs)
    if len(datasets) != len(configs):
        raise ValueError(
            f"need one config per dataset, got {len(datasets)} datasets and {len(configs)} configs"
        )
    for k, config in enumerate(configs):
        if not isinstance(config, TrainConfig):
            raise TypeError(f"configs[{k}] must be a TrainConfig, got {type(config).__name__}")
    for k, pair in enumerate(datasets):
        if isinstance(pair, np.ndarray | torch.Tensor) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise TypeError(f"datasets[{k}] must be a (train_data, val_data) pair, got {type(pair).__name__}")

    results: list[TrainResult | None] = [None] * len(configs)
    groups: dict[tuple, list[int]] = {}
    prepared = {}
    for k, ((train_data, val_data), config) in enumerate(zip(datasets, configs, strict=True)):
        with _threads(config.num_threads):
            item = _prepare(train_data, val_data, config)
        if item is None:
            results[k] = train(train_data, val_data, config)  # not batchable: the one-model loop
            continue
        prepared[k] = item
        groups.setdefault(item.key, []).append(k)
    for members in groups.values():
        first = prepared[members[0]]
        bs = first.config.batch_size
        tensor_size = math.prod(bs if r else u for r, u in zip(first.rows, first.sizes, strict=True))
        per_batch = max(1, _MAX_BATCH_ELEMENTS // tensor_size)
        for start in range(0, len(members), per_batch):
            chunk = members[start : start + per_batch]
            for k, result in zip(chunk, _train_batch([prepared[k] for k in chunk]), strict=True):
                results[k] = result
    return results


def zero_shot_accuracy_many(models, data, *, target: int, candidates=None) -> list[float]:
    """:func:`symile_min.zero_shot_accuracy` of every model on the same data, batched over the models.

    Each model scores with the method it was trained with. Models with the built-in encoders of one
    architecture are evaluated together (one batched encoder pass and score product per method); any other
    model is evaluated by :func:`symile_min.zero_shot_accuracy` on its own.

    Parameters
    ----------
    models : sequence of SymileModel
    data : list of array-like
        M inputs (N, d_m); ``data[target]`` holds the true values, each of which must be a candidate row.
    target : int
        Index of the predicted modality.
    candidates : array-like, optional
        (C, d_target) candidate input rows; default: the distinct rows of ``data[target]``.

    Returns
    -------
    list of float
        Accuracy (fraction, ties to the first candidate) of each model, in order.
    """
    models = list(models)
    methods = [resolve_objective(m, None, None, caller="zero_shot_accuracy_many")[0] for m in models]
    out: list[float | None] = [None] * len(models)
    groups: dict[tuple, list[int]] = {}
    for k, model in enumerate(models):
        arch = _architecture(model)
        if arch is None:
            out[k] = zero_shot_accuracy(model, data, target=target, candidates=candidates)
        else:
            groups.setdefault((arch, methods[k]), []).append(k)
    if not groups:
        return out
    xs = to_tensor_list(data, name="data")
    if not (isinstance(target, int) and not isinstance(target, bool) and 0 <= target < len(xs)):
        raise ValueError(f"target must be a modality index in [0, {len(xs)}), got {target!r}")
    if candidates is None:
        cand_x = _unique_rows(xs[target])[0]
    else:
        (cand_x,) = to_tensor_list([candidates], name="candidates", min_modalities=1)
    labels = _candidate_labels(xs[target], cand_x)  # (N,)
    for (_, method), members in groups.items():
        group = [models[k] for k in members]
        if len(xs) != len(group[0].encoders):
            raise ValueError(f"model has {len(group[0].encoders)} modalities, data has {len(xs)}")
        for m, x in enumerate(xs):
            if x.shape[1] != group[0].input_dims[m]:
                raise ValueError(
                    f"modality {m} expects {group[0].input_dims[m]} input columns, got {x.shape[1]}"
                )
        with torch.no_grad():
            named = [dict(g.named_parameters()) for g in group]
            params = {n: torch.stack([p[n] for p in named]) for n in _names(group[0])}
            k_count = len(group)
            reps = [_encode_stacked(group[0], params, m, x.expand(k_count, -1, -1)) for m, x in enumerate(xs)]
            cand = _encode_stacked(group[0], params, target, cand_x.expand(k_count, -1, -1))  # (K, C, d)
            queries = [r for m, r in enumerate(reps) if m != target]
            if method == "symile":
                combined = queries[0]
                for q in queries[1:]:
                    combined = combined * q  # (K, N, d) elementwise product of the observed modalities
            else:
                combined = torch.stack(queries).sum(dim=0)  # (K, N, d) sum of the observed modalities
            scores = torch.bmm(combined, cand.transpose(1, 2))  # (K, N, C)
            hits = (scores.argmax(dim=2) == labels).to(torch.float64).mean(dim=1)  # (K,)
        for k, acc in zip(members, hits.tolist(), strict=True):
            out[k] = float(acc)
    return out


# --------------------------------------------------------------------------------------------------
# preparing the models of a batch


class _Item(NamedTuple):
    """One model ready for the batched loop."""

    config: TrainConfig
    key: tuple  # models with equal keys train in one batch
    input_dims: tuple[int, ...]
    sizes: tuple[int, ...]  # distinct rows U_m per modality
    rows: tuple[bool, ...]  # per modality: its table is the batch's own rows (many distinct values)
    grouped: bool  # whether train() would use the grouped losses (no modality takes its batch rows)
    tables: list[torch.Tensor]  # M x (U_m, d_m) distinct input rows
    train_ids: torch.Tensor  # (M, N_train) row ids into the tables
    val_ids: torch.Tensor  # (M, N_val)
    train_x: list[torch.Tensor]  # M x (N_train, d_m) the inputs (read for the modalities in `rows`)
    val_x: list[torch.Tensor]


_DEFAULTS = TrainConfig()


def _prepare(train_data, val_data, config: TrainConfig) -> _Item | None:
    """The model as a batch item, or None if the batched loop does not implement its config or data."""
    for field in dataclasses.fields(TrainConfig):
        name = field.name
        if name not in _BATCHED_FIELDS and getattr(config, name) != getattr(_DEFAULTS, name):
            return None  # e.g. a device or precision option: the one-model trainer handles it
    if config.encoder not in ("linear", "mlp"):
        return None
    if config.method == "symile" and config.negatives not in ("n", "n_squared"):
        return None
    if config.method not in ("symile", "clip"):
        return None
    try:
        train_x = to_tensor_list(train_data, name="train_data")  # M x (N, d_m)
        val_x = to_tensor_list(val_data, name="val_data")
    except (TypeError, ValueError):
        return None  # other data forms, or bad data: train() accepts or explains it
    if [x.shape[1] for x in train_x] != [x.shape[1] for x in val_x] or len(train_x) != len(val_x):
        return None
    if train_x[0].shape[0] < 2 or val_x[0].shape[0] < 2:
        return None
    uniq, train_ids, val_ids = _distinct_rows(train_x, val_x)
    sizes = tuple(int(u.shape[0]) for u in uniq)
    bs = config.batch_size
    grouped = config.grouped if config.grouped is not None else max(sizes) <= bs // 2
    if grouped:
        rows = (False,) * len(sizes)
    elif config.grouped is None:  # train() uses the plain losses: the same loss on the few-valued modalities'
        rows = tuple(size > bs // 2 for size in sizes)  # distinct rows and the others' batch rows
    else:
        rows = (True,) * len(sizes)
    step = min(bs, int(train_x[0].shape[0]))  # rows of a batch
    if math.prod(step if r else u for r, u in zip(rows, sizes, strict=True)) > MAX_TENSOR_ELEMENTS:
        return None
    dims = tuple(int(x.shape[1]) for x in train_x)
    private = ("seed", "progress", "method", "negatives")  # per model (one batch trains several objectives)
    rest = tuple(sorted((k, repr(v)) for k, v in dataclasses.asdict(config).items() if k not in private))
    shape = tuple("rows" if r else u for r, u in zip(rows, sizes, strict=True))
    key = (rest, dims, shape, int(train_x[0].shape[0]), int(val_x[0].shape[0]))
    ids = (torch.stack(train_ids), torch.stack(val_ids))
    return _Item(config, key, dims, sizes, rows, grouped, uniq, *ids, train_x, val_x)


def _distinct_rows(train_x, val_x):
    """Per modality: distinct rows over train+val (U, d_m), sorted, and the row ids of train and val.

    The same tables and ids as ``torch.unique(x, dim=0, return_inverse=True)`` (what :func:`symile_min.train`
    uses), computed by :func:`_unique_rows`.
    """
    uniq, train_ids, val_ids = [], [], []
    for xt, xv in zip(train_x, val_x, strict=True):
        values, code = _unique_rows(torch.cat([xt, xv]))  # (U, d_m), (N + N_val,)
        uniq.append(values)
        train_ids.append(code[: xt.shape[0]])
        val_ids.append(code[xt.shape[0] :])
    return uniq, train_ids, val_ids


def _new_model(config: TrainConfig, input_dims) -> SymileModel:
    """The initial model of ``config``, seeded as :func:`symile_min.train` seeds it."""
    with torch.random.fork_rng(devices=[]):  # seeded init without touching the caller's global RNG
        torch.manual_seed(config.seed)
        return model_from_config(config, input_dims)


def _names(model: SymileModel) -> list[str]:
    return [name for name, _ in model.named_parameters()]


def _architecture(model) -> tuple | None:
    """A key shared by models with one stacked forward; None unless the encoders are Linear/ReLU stacks."""
    if not isinstance(model, SymileModel) or getattr(model, "network", None) is not None:
        return None
    if getattr(model, "input_dims", None) is None:
        return None
    shapes = []
    for module in model.encoders.modules():
        if not isinstance(module, nn.Linear | nn.ReLU | nn.Sequential | nn.ModuleList):
            return None
    for name, p in model.named_parameters():
        shapes.append((name, tuple(p.shape), p.dtype, p.device.type))
    return (repr(model.encoders), tuple(shapes))


def _stacked_forward(module: nn.Module, prefix: str, params: dict, x: torch.Tensor) -> torch.Tensor:
    """``module(x)`` for K stacked copies: x (K, N, d_in), params[name] (K, ...) -> (K, N, d_out)."""
    if isinstance(module, nn.Linear):
        weight, bias = params[prefix + "weight"], params.get(prefix + "bias")  # (K, out, in), (K, out)
        if bias is None:
            return torch.bmm(x, weight.transpose(1, 2))
        return torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))  # nn.Linear's addmm, per model
    if isinstance(module, nn.ReLU):
        return torch.relu(x)
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            x = _stacked_forward(child, f"{prefix}{name}.", params, x)
        return x
    raise TypeError(f"no stacked forward for {type(module).__name__}")  # excluded by _architecture


def _encode_stacked(model: SymileModel, params: dict, m: int, x: torch.Tensor) -> torch.Tensor:
    """L2-normalised representations (K, N, d) of modality m's inputs x (K, N, d_m) by K stacked models."""
    return F.normalize(_stacked_forward(model.encoders[m], f"encoders.{m}.", params, x), dim=-1)


# --------------------------------------------------------------------------------------------------
# the batched training loop (train.py's loop, K models at a time)


def _train_batch(items: list[_Item]) -> list[TrainResult]:
    with _threads(items[0].config.num_threads):
        return _train_loop(items)


@contextlib.contextmanager
def _threads(count: int | None):
    """torch's thread count set to ``count`` (None: unchanged) in the block, as :func:`~symile_min.train`."""
    old = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(old)


class _Objective(NamedTuple):
    """The models of a batch that share an objective: a contiguous block of the stacked parameters."""

    start: int
    stop: int
    method: str
    negatives: str

    @property
    def draws(self) -> bool:  # Symile's "n" negatives: permutations drawn every step
        return self.method == "symile" and self.negatives == "n"


def _train_loop(items: list[_Item]) -> list[TrainResult]:
    t0 = time.perf_counter()
    order = sorted(range(len(items)), key=lambda k: (items[k].config.method, items[k].config.negatives))
    items = [items[k] for k in order]  # models of one objective next to each other (restored at the end)
    config, sizes = items[0].config, items[0].sizes
    k_count, m_count = len(items), len(sizes)
    n_train, n_val = items[0].train_ids.shape[1], items[0].val_ids.shape[1]
    bs = config.batch_size
    objectives = []
    for k, it in enumerate(items):
        kind = (it.config.method, it.config.negatives)
        if objectives and (objectives[-1].method, objectives[-1].negatives) == kind:
            objectives[-1] = objectives[-1]._replace(stop=k + 1)
        else:
            objectives.append(_Objective(k, k + 1, it.config.method, it.config.negatives))
    by_row = items[0].rows  # modalities whose table is the batch's own rows
    tables = [  # M x (K, U_m, d_m): distinct input rows, or all rows (K, N_train, d_m) to take batches from
        torch.stack([it.train_x[m] if by_row[m] else it.tables[m] for it in items]) for m in range(m_count)
    ]
    val_rows = [torch.stack([it.val_x[m] for it in items]) if by_row[m] else None for m in range(m_count)]
    # (K, N_train, M) row ids in the smallest integer type that holds them: one epoch's reordering is then
    # one gather of whole rows (per step, a gather from (K, M, N_train) int64 ids cost more than the loss)
    id_type = next(t for t in (torch.uint8, torch.int16, torch.int32, torch.int64) if max(sizes) <= _imax(t))
    train_rows = torch.stack([it.train_ids.T for it in items]).to(id_type).contiguous()
    row_offsets = torch.arange(k_count)[:, None] * n_train  # (K, 1) start of each model's rows
    perm, order_rows = (torch.empty(k_count, n_train, dtype=torch.long) for _ in range(2))  # reused
    val_ids = torch.stack([it.val_ids for it in items])  # (K, M, N_val)
    work = {}  # reused buffers of the big per-step tensors (see _buffer)

    models = [_new_model(it.config, it.input_dims) for it in items]
    leaves, params = _stacked_parameters(models)  # (K, padded) leaves, and their (K, ...) parameter views
    opt = _AdamW(list(leaves.values()), lr=config.lr, weight_decay=config.weight_decay)
    gens = [torch.Generator().manual_seed(it.config.seed) for it in items]  # batch order and negatives
    plans = {}

    def structures(ids, generators):
        # ids: (K, M, B) row ids of a batch -> per objective, what its loss needs besides the representations
        n = ids.shape[2]
        if any(by_row):  # a modality with many distinct values: row j of the batch is its value j
            ids = ids.clone()
            ids[:, [m for m in range(m_count) if by_row[m]]] = torch.arange(n, device=ids.device)
        step_sizes = tuple(n if by_row[m] else sizes[m] for m in range(m_count))
        out = []
        for ob in objectives:
            block = ids[ob.start : ob.stop]
            if ob.method == "clip":
                out.append(_clip_struct(block, step_sizes))
                continue
            modalities, perms = None, None
            if ob.draws:  # this batch's negatives, drawn by each model's own generator
                modalities, perms = _draw_layout(m_count, n, generators[ob.start : ob.stop])
            key = (ob.stop - ob.start, n, modalities)
            if key not in plans:
                plans[key] = _plan(step_sizes, ob.stop - ob.start, modalities, ids.device)
            out.append(_symile_struct(block, perms, plans[key], ob.negatives, work=(work, ob.start)))
        return out

    def batch_loss(structs, inputs):
        # inputs: M x (K, U_m, d_m), the distinct rows of a modality or the batch's own rows
        encoders = models[0].encoders
        raw = [_stacked_forward(encoders[m], f"encoders.{m}.", params, inputs[m]) for m in range(m_count)]
        blocks = [(ob.start, ob.stop, ob.method, st) for ob, st in zip(objectives, structs, strict=True)]
        return _batch_loss(blocks, params["log_scale"].exp(), raw)  # (K,) nats; reps normalised inside

    def batch_inputs(source, idx):
        # the encoders' inputs of a batch: the tables, and the rows idx (K, B) of the row modalities
        out = []
        for m in range(m_count):
            if by_row[m]:
                out.append(torch.gather(source[m], 1, idx[:, :, None].expand(-1, -1, source[m].shape[2])))
            else:
                out.append(tables[m])
        return out

    # validation: train.py re-seeds one generator per model every epoch, so its negatives are fixed: draw once
    val_starts = [s for s in range(0, n_val, bs) if min(bs, n_val - s) >= 2]
    val_gens = [torch.Generator().manual_seed(it.config.seed + 1) for it in items]
    val_batches = []
    for s in val_starts:
        stop = min(n_val, s + bs)
        idx = torch.arange(s, stop).expand(k_count, -1)  # (K, B_val)
        structs = structures(val_ids[:, :, s:stop], val_gens)
        val_batches.append((structs, batch_inputs(val_rows, idx), stop - s))
    val_count = sum(b for _, _, b in val_batches)

    starts = [s for s in range(0, n_train, bs) if min(bs, n_train - s) >= 2]
    rows = [[] for _ in items]
    best_val = [math.inf] * k_count
    best_epoch, since_best = [0] * k_count, [0] * k_count
    active = [True] * k_count
    best = {name: p.detach().clone() for name, p in params.items()}  # each model's best-validation weights
    seen_best = [False] * k_count
    stopped = {}  # model -> its weights when patience stopped it
    epochs = range(1, config.epochs + 1)
    if any(it.config.progress for it in items):
        from tqdm.auto import tqdm

        epochs = tqdm(epochs, desc=f"training {k_count} models", unit="epoch")
    for epoch in epochs:
        for g, row in zip(gens, perm, strict=True):
            torch.randperm(n_train, generator=g, out=row)  # (K, N) this epoch's batch orders
        torch.add(perm, row_offsets, out=order_rows)
        epoch_ids = train_rows.view(-1, m_count).index_select(0, order_rows.view(-1))  # (K * N, M)
        epoch_ids = epoch_ids.view(k_count, n_train, m_count).transpose(1, 2).contiguous().long()  # (K, M, N)
        train_sum = torch.zeros(k_count, dtype=torch.float64)
        for s in starts:
            idx = perm[:, s : s + bs]  # (K, B)
            ids = epoch_ids[:, :, s : s + bs]  # (K, M, B) this batch's ids
            loss = batch_loss(structures(ids, gens), batch_inputs(tables, idx))  # (K,)
            opt.zero_grad()
            loss.sum().backward()  # the models are independent: each gets the gradient of its own loss
            opt.step()
            if config.logit_scale_min is not None or config.logit_scale_max is not None:
                with torch.no_grad():
                    params["log_scale"].clamp_(config.logit_scale_min, config.logit_scale_max)
            train_sum += loss.detach().to(torch.float64)  # train.py: a python float sum of loss.item()

        with torch.no_grad():
            val_sum = torch.zeros(k_count, dtype=torch.float64)
            for structs, inputs, rows_b in val_batches:
                val_sum += batch_loss(structs, inputs).to(torch.float64) * rows_b
            val_loss = (val_sum / val_count).tolist()
            scales = params["log_scale"].exp().tolist()
        train_loss = (train_sum / len(starts)).tolist()
        improved = [active[k] and val_loss[k] < best_val[k] for k in range(k_count)]
        if any(improved):
            mask = torch.tensor(improved)
            for name, p in params.items():
                keep = mask.view(-1, *([1] * (p.ndim - 1)))
                best[name] = torch.where(keep, p.detach(), best[name])
        for k in range(k_count):
            if not active[k]:
                continue
            if improved[k]:
                best_val[k], best_epoch[k], since_best[k], seen_best[k] = val_loss[k], epoch, 0, True
            else:
                since_best[k] += 1
            rows[k].append((epoch, train_loss[k], val_loss[k], scales[k], improved[k]))
            if config.patience is not None and since_best[k] >= config.patience:
                active[k] = False
                stopped[k] = {name: p.detach()[k].clone() for name, p in params.items()}
        if not any(active):
            break

    seconds = time.perf_counter() - t0
    results = [None] * k_count
    for k, (item, model) in enumerate(zip(items, models, strict=True)):
        with torch.no_grad():
            for name, p in model.named_parameters():
                if seen_best[k]:
                    p.copy_(best[name][k])
                else:  # every val loss was nan: the last weights, as train() keeps them
                    p.copy_(stopped[k][name] if k in stopped else params[name].detach()[k])
        model.eval()
        history = pd.DataFrame(rows[k], columns=HISTORY_COLUMNS)
        results[order[k]] = TrainResult(
            model=model, history=history, best_epoch=best_epoch[k], config=item.config, seconds=seconds,
            grouped=item.grouped,
        )  # fmt: skip
    return results


class _AdamW:
    """AdamW on the stacked parameters: torch's fused kernel called directly, else ``torch.optim.AdamW``.

    The update is elementwise, so every entry gets what each model's own optimiser in :func:`symile_min.train`
    gives it (torch's defaults: betas (0.9, 0.999), eps 1e-8; fused where torch has a kernel for the
    device). Calling the kernel directly skips ``torch.optim``'s first-use import of ``torch._dynamo``
    (seconds per process, a large share of a small sweep).
    """

    def __init__(self, params: list[torch.Tensor], *, lr: float, weight_decay: float):
        self.params, self.lr, self.weight_decay = params, float(lr), float(weight_decay)
        self.fallback = None
        if not _fused_kernel(params[0].device.type):
            self.fallback = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
            return
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = [torch.zeros((), dtype=torch.float32, device=p.device) for p in params]  # as torch.optim

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        if self.fallback is not None:
            self.fallback.step()
            return
        torch._foreach_add_(self.steps, 1)
        torch._fused_adamw_(
            self.params, [p.grad for p in self.params], self.exp_avgs, self.exp_avg_sqs, [], self.steps,
            amsgrad=False, lr=self.lr, beta1=0.9, beta2=0.999, weight_decay=self.weight_decay, eps=1e-8,
            maximize=False, grad_scale=None, found_inf=None,
        )  # fmt: skip


@functools.cache
def _fused_kernel(device_type: str) -> bool:
    """Whether this torch has the fused AdamW kernel for ``device_type`` (the one ``fused=True`` runs)."""
    if not _fused_adamw_supported_without_import(device_type):
        return False
    probe = torch.zeros(1, device=device_type)
    try:
        torch._fused_adamw_(
            [probe], [probe.clone()], [torch.zeros_like(probe)], [torch.zeros_like(probe)], [],
            [torch.ones((), device=device_type)], amsgrad=False, lr=0.1, beta1=0.9, beta2=0.999,
            weight_decay=0.0, eps=1e-8, maximize=False, grad_scale=None, found_inf=None,
        )  # fmt: skip
    except (AttributeError, RuntimeError, TypeError, NotImplementedError):
        return False
    return True


def _fused_adamw_supported_without_import(device_type: str) -> bool:
    return hasattr(torch, "_fused_adamw_") and hasattr(torch, "_foreach_add_")


#: floats per model block of a stacked parameter: whole vectors of any CPU vector width (AVX-512 loops: 32)
_ALIGN = 64


def _stacked_parameters(models) -> tuple[dict, dict]:
    """The K models' parameters as one leaf per name, (K, width) with each model's block padded to
    :data:`_ALIGN` floats, and the (K, ...) views the forward reads.

    The optimiser's fused kernel can round an entry differently in its vector and its scalar (tail) code;
    with aligned blocks every entry is vectorised wherever its model sits in the batch (the (K,) log
    scales, unpadded, came out an ulp apart between batches of 11 and of 6 models).
    """
    k_count = len(models)
    named = [dict(m.named_parameters()) for m in models]
    leaves, views = {}, {}
    for name, first in named[0].items():
        width = -(-first.numel() // _ALIGN) * _ALIGN
        leaf = first.new_zeros(k_count, width)
        leaf[:, : first.numel()] = torch.stack([p[name].detach().reshape(-1) for p in named])
        leaves[name] = leaf.requires_grad_()
        views[name] = leaf[:, : first.numel()].view(k_count, *first.shape)  # (K, ...) shares the leaf
    return leaves, views


def _draw_layout(m_count: int, n: int, gens) -> tuple[tuple[tuple[int, ...], ...], list]:
    """Every model's ``"n"`` candidate layout, drawn by the loss's own function (:func:`_n_candidates`).

    Returns ``(modalities, perms)``: ``modalities[t][m]`` is the modality of anchor m's t-th non-anchor column
    group, ``perms[t]`` the (K, M, n) row permutations it takes (None for t = 0, which keeps its rows).
    """
    per_model = [_n_candidates(m_count, n, g) for g in gens]  # what each model's loss would draw, in order
    first = per_model[0]
    modalities = tuple(tuple(first[m][t][0] for m in range(m_count)) for t in range(m_count - 1))
    perms = [None] + [
        torch.stack([lay[m][t][1] for lay in per_model for m in range(m_count)]).view(len(gens), m_count, n)
        for t in range(1, m_count - 1)
    ]
    return modalities, perms


# --------------------------------------------------------------------------------------------------
# the batched losses on distinct rows


class _BatchLoss(torch.autograd.Function):
    """The (K,) losses of a batch of models, with the backward written out (one autograd node per step).

    Inputs: the encoders' raw outputs M x (K, U_m, d) (normalised here, as :meth:`SymileModel.encode`
    does, when ``normalize``) and the scales (K,); ``blocks`` lists ``(start, stop, method, struct)`` per
    objective (contiguous blocks of models).
    """

    @staticmethod
    def forward(ctx, blocks, normalize, scale, *raw):
        if normalize:
            norms = [torch.linalg.vector_norm(h, dim=-1, keepdim=True).clamp_min(_NORM_EPS) for h in raw]
            reps = [h / nrm for h, nrm in zip(raw, norms, strict=True)]
        else:
            norms, reps = None, list(raw)
        losses, states = [], []
        for start, stop, method, struct in blocks:
            forward = _clip_forward if method == "clip" else _symile_forward
            loss, state = forward(struct, scale[start:stop], [r[start:stop] for r in reps])
            losses.append(loss)
            states.append(state)
        ctx.blocks, ctx.states, ctx.norms, ctx.reps = blocks, states, norms, reps
        return losses[0] if len(losses) == 1 else torch.cat(losses)

    @staticmethod
    def backward(ctx, grad):
        d_scale = grad.new_empty(grad.shape[0])
        d_reps = [torch.empty_like(r) for r in ctx.reps]
        for (start, stop, method, _), state in zip(ctx.blocks, ctx.states, strict=True):
            backward = _clip_backward if method == "clip" else _symile_backward
            d_scale[start:stop], *parts = backward(state, grad[start:stop])
            for d, part in zip(d_reps, parts, strict=True):
                d[start:stop] = part
        if ctx.norms is not None:  # through r = h / max(|h|, eps)
            for d, r, nrm in zip(d_reps, ctx.reps, ctx.norms, strict=True):
                radial = (d * r).sum(dim=-1, keepdim=True) * (nrm > _NORM_EPS)  # 0 where the eps clamp acts
                d.sub_(r * radial).div_(nrm)
        return None, None, d_scale, *d_reps


_NORM_EPS = 1e-12  # torch.nn.functional.normalize's default


def _batch_loss(blocks, scale, raw, *, normalize: bool = True):
    """(K,) losses of the objective blocks ``(start, stop, method, struct)`` from raw encoder outputs."""
    return _BatchLoss.apply(blocks, normalize, scale, *raw)


def _symile_loss_stacked(reps, scale, struct: _Struct):
    """:func:`symile_min.symile_loss_grouped` of K models: reps M x (K, U_m, d) (normalised) -> (K,)."""
    return _batch_loss([(0, scale.shape[0], "symile", struct)], scale, reps, normalize=False)


def _clip_loss_stacked(reps, scale, struct: _ClipStruct):
    """:func:`symile_min.clip_loss_grouped` of K models from counts (see :func:`_clip_forward`) -> (K,)."""
    return _batch_loss([(0, scale.shape[0], "clip", struct)], scale, reps, normalize=False)



class _ClipStruct(NamedTuple):
    """Value and pair counts of a batch, all that the CLIP loss needs of it besides the representations.

    The modality pairs a < b are grouped by the shape (U_a, U_b) of their score tables, each group
    computed as one batched product; per group: the pairs' modalities, the value counts of a and b
    (K, P_g, U_a), (K, P_g, U_b) and the pair counts (K, P_g, U_a, U_b).
    """

    groups: list[tuple[list[int], list[int], torch.Tensor, torch.Tensor, torch.Tensor]]
    n: int  # rows in the batch


def _clip_struct(ids, sizes: tuple[int, ...]) -> _ClipStruct:
    k_count, m_count, n = ids.shape
    device = ids.device
    counts = []  # M x (K, U_m) value counts
    for m, size in enumerate(sizes):
        blocks = torch.arange(k_count, device=device)[:, None] * size
        count = torch.bincount((ids[:, m] + blocks).reshape(-1), minlength=k_count * size)
        counts.append(count.view(k_count, size))
    shapes: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for a in range(m_count):
        for b in range(a + 1, m_count):
            shapes.setdefault((sizes[a], sizes[b]), []).append((a, b))
    groups = []
    for (size_a, size_b), pairs in shapes.items():
        first, second = [a for a, _ in pairs], [b for _, b in pairs]
        blocks = torch.arange(k_count * len(pairs), device=device).view(k_count, -1, 1) * (size_a * size_b)
        codes = ids[:, first] * size_b + ids[:, second] + blocks  # (K, P_g, N) index of row i's value pair
        joint = torch.bincount(codes.reshape(-1), minlength=k_count * len(pairs) * size_a * size_b)
        count_a = torch.stack([counts[a] for a in first], dim=1).float()  # (K, P_g, U_a)
        count_b = torch.stack([counts[b] for b in second], dim=1).float()
        joint = joint.view(k_count, len(pairs), size_a, size_b).float()
        groups.append((first, second, count_a, count_b, joint))
    return _ClipStruct(groups, n)


def _clip_forward(struct: _ClipStruct, scale, reps):
    """:func:`symile_min.clip_loss_grouped` of K models from counts: reps M x (K, U_m, d), scale (K,) -> (K,).

    Per pair (a, b), with value counts n_a, n_b and pair counts C of the batch (N rows) and scores
    S = s r_a r_b^T on the distinct values, the symmetric InfoNCE is
    ``(sum_u n_a[u] lse_rows[u] + sum_v n_b[v] lse_cols[v]) / 2N - sum_uv C[u, v] S[u, v] / N``, where
    lse_rows[u] = log sum_v n_b[v] exp S[u, v] (and lse_cols likewise): the mean over rows, grouped by value.
    The loss is the sum over pairs. Returns the losses and what :func:`_clip_backward` needs.
    """
    k_count, n = scale.shape[0], struct.n
    total, states = 0, []
    for first, second, count_a, count_b, joint in struct.groups:
        pairs = len(first)
        left = torch.stack([reps[a] for a in first], dim=1).flatten(0, 1)  # (K*P_g, U_a, d)
        right = torch.stack([reps[b] for b in second], dim=1).flatten(0, 1)  # (K*P_g, U_b, d)
        scales = scale.repeat_interleave(pairs)  # (K*P_g,)
        count_a = count_a.flatten(0, 1).to(left.dtype)  # (K*P_g, U_a)
        count_b = count_b.flatten(0, 1).to(left.dtype)
        joint = joint.flatten(0, 1).to(left.dtype)  # (K*P_g, U_a, U_b)
        X = torch.bmm(left, right.transpose(1, 2))  # (K*P_g, U_a, U_b) inner products
        S = X * scales[:, None, None]  # scores
        lse_rows = torch.logsumexp(S + count_b.log()[:, None, :], dim=2)  # (K*P_g, U_a) per value of a
        lse_cols = torch.logsumexp(S + count_a.log()[:, :, None], dim=1)  # (K*P_g, U_b) per value of b
        rows_and_cols = ((count_a * lse_rows).sum(1) + (count_b * lse_cols).sum(1)) / (2 * n)
        loss = rows_and_cols - (joint * S).sum(dim=(1, 2)) / n
        total = total + loss.view(k_count, pairs).sum(dim=1)  # the sum over the group's pairs
        states.append((first, second, left, right, scales, X, S, lse_rows, lse_cols, count_a, count_b, joint))
    return total, (struct.n, [r.shape[1] for r in reps], states)


def _clip_backward(state, grad):
    """d loss / d scale and d loss / d reps of :func:`_clip_forward`."""
    n, sizes, groups = state
    k_count = grad.shape[0]
    d_scale = grad.new_zeros(k_count)
    d_reps = None
    for first, second, left, right, scales, X, S, lse_rows, lse_cols, count_a, count_b, joint in groups:
        pairs = len(first)
        if d_reps is None:
            d_reps = [left.new_zeros(k_count, size, left.shape[2]) for size in sizes]
        # d loss / d S = (n_a[u] n_b[v] (softmax_rows + softmax_cols) / 2 - C[u, v]) / N
        outer = count_a[:, :, None] * count_b[:, None, :]  # (K*P_g, U_a, U_b)
        soft = torch.exp(S - lse_rows[:, :, None]) + torch.exp(S - lse_cols[:, None, :])
        dS = (outer * soft * 0.5 - joint) * (grad.repeat_interleave(pairs) / n)[:, None, None]
        d_scale += (dS * X).sum(dim=(1, 2)).view(k_count, pairs).sum(dim=1)  # S = scale * X
        dS.mul_(scales[:, None, None])  # d loss / d (left right^T)
        d_left = torch.bmm(dS, right).view(k_count, pairs, *left.shape[1:])  # (K, P_g, U_a, d)
        d_right = torch.bmm(dS.transpose(1, 2), left).view(k_count, pairs, *right.shape[1:])
        for p, (a, b) in enumerate(zip(first, second, strict=True)):
            d_reps[a] += d_left[:, p]
            d_reps[b] += d_right[:, p]
    return [d_scale, *d_reps]


class _Struct(NamedTuple):
    """Where the rows of a batch sit in the score tensor (all (K, ...) integer or count tensors)."""

    sizes: tuple[int, ...]  # U_m
    negatives: str
    rows: torch.Tensor  # (K, M, N) anchor value of row i for anchor m
    pos: torch.Tensor  # (K, N) flat tensor index of row i's positive tuple
    weights: list[torch.Tensor]  # M x (K, prod of the other U): candidate counts W_m, float
    own: torch.Tensor | None  # (K, M, N) flat tensor index of row i's own column ("n")
    own_code: torch.Tensor | None  # (K, M, N) that column's index among the other axes ("n")
    work: tuple | None = None  # (buffers, block id): where the step's big tensors are reused (_buffer)

    def select(self, index: torch.Tensor) -> _Struct:
        pick = lambda t: None if t is None else t.index_select(0, index)  # noqa: E731
        return _Struct(
            self.sizes, self.negatives, pick(self.rows), pick(self.pos), [pick(w) for w in self.weights],
            pick(self.own), pick(self.own_code),
        )  # fmt: skip


_LOG2E, _LN2 = 1.0 / math.log(2.0), math.log(2.0)


def _imax(dtype: torch.dtype) -> int:
    return torch.iinfo(dtype).max


def _buffer(work, name: str, shape, like: torch.Tensor) -> torch.Tensor:
    """An uninitialised tensor of ``shape`` (``like``'s dtype and device), reused across the steps of a loop.

    ``work`` is ``(buffers, block)`` from the training loop (None: a fresh tensor). A multi-megabyte tensor
    allocated afresh every step is paged in (and zeroed by the OS) every step, which cost more than the
    arithmetic filling it (e.g. 1.1 ms against 0.2 ms for a (28, 32^3) float tensor). A buffer is valid
    until the next forward of the same block: the loop runs every step's backward before the next forward.
    """
    if work is None:
        return like.new_empty(shape)
    buffers, block = work
    key = (block, name, tuple(shape), like.dtype, like.device)
    buf = buffers.get(key)
    if buf is None:
        buf = buffers[key] = like.new_empty(shape)
    return buf


def _in_bits(sizes) -> bool:
    """Whether the score tensor is kept in bits (exp2, ~2x faster than exp) rather than nats.

    Only when every model's block of the tensor is a whole number of 16-float vectors: torch's exp2 can
    differ in the last bit between its vector and scalar code, and an aligned block is always vectorised,
    so a model's numbers never depend on where its block sits in the batch.
    """
    return math.prod(sizes) % 16 == 0


class _Plan(NamedTuple):
    """Index arithmetic of the score tensor that depends only on the sizes and the layout (built once)."""

    sizes: tuple[int, ...]
    stride: torch.Tensor  # (1, M, 1) row-major strides of the tensor, per modality
    spans: list[int]  # combinations of the non-anchor values, per anchor
    offsets: torch.Tensor  # (K, M, 1) where each (model, anchor) block starts in one bincount
    columns: list  # per column group t: (modality (M,), stride among the others (1, M, 1), tensor stride)
    others: list[list[int]]


def _plan(sizes: tuple[int, ...], k_count: int, modalities, device) -> _Plan:
    m_count = len(sizes)
    strides = [math.prod(sizes[m + 1 :]) for m in range(m_count)]
    others = [[k for k in range(m_count) if k != m] for m in range(m_count)]
    spans = [math.prod(sizes[k] for k in others[m]) for m in range(m_count)]
    starts = torch.tensor([0, *itertools.accumulate(spans)][:-1], device=device)
    offsets = starts[None, :, None] + sum(spans) * torch.arange(k_count, device=device)[:, None, None]
    columns = []
    for group in modalities or ():
        ostride = [math.prod(sizes[j] for j in others[m] if j > k) for m, k in enumerate(group)]
        columns.append(
            (
                torch.tensor(group, device=device),
                torch.tensor(ostride, device=device).view(1, m_count, 1),
                torch.tensor([strides[k] for k in group], device=device).view(1, m_count, 1),
            )
        )
    stride = torch.tensor(strides, device=device).view(1, m_count, 1)
    return _Plan(tuple(sizes), stride, spans, offsets, columns, others)


def _symile_struct(ids, perms, plan: _Plan, negatives: str, *, work=None) -> _Struct:
    """Where the rows of a batch (ids (K, M, N)) sit in the score tensor; perms as from _draw_layout.

    ``work``: the training loop's reused buffers for this objective block (see :func:`_buffer`).
    """
    k_count, m_count, _ = ids.shape
    sizes = plan.sizes
    anchor = ids * plan.stride  # (K, M, N) each row's value at its own axis
    pos = anchor.sum(dim=1)  # (K, N) flat index of row i's positive tuple
    if negatives == "n_squared":  # every combination: the product of the other modalities' value counts
        weights = []
        for m in range(m_count):
            w = None
            for k in plan.others[m]:
                span_k = sizes[k] * torch.arange(k_count, device=ids.device)[:, None]
                c = torch.bincount((ids[:, k] + span_k).reshape(-1), minlength=k_count * sizes[k])
                c = c.reshape(k_count, sizes[k]).float()
                w = c if w is None else (w[:, :, None] * c[:, None, :]).reshape(k_count, -1)
            weights.append(w)
        return _Struct(sizes, negatives, ids, pos, weights, None, None, work)
    # "n": column j of anchor m takes rows (j, perm_2(j), ...) of its non-anchor modalities
    code, full = None, anchor  # (K, M, N): the column's index among the other axes, and in the tensor
    for t, (modality, ostride, tstride) in enumerate(plan.columns):
        v = ids.index_select(1, modality)  # (K, M, N) column group t's modality, per anchor
        if t > 0:  # the first non-anchor modality keeps its rows; the further ones are permuted
            v = torch.gather(v, 2, perms[t])
        code = v * ostride if code is None else code + v * ostride
        full = full + v * tstride
    counts = torch.bincount((code + plan.offsets).reshape(-1), minlength=k_count * sum(plan.spans))
    weights = [w.contiguous() for w in counts.reshape(k_count, -1).float().split(plan.spans, dim=1)]
    return _Struct(sizes, negatives, ids, pos, weights, full, code, work)


def _symile_forward(struct: _Struct, scale, reps):
    """The (K,) Symile losses from the score tensor (module docstring); the state for the backward.

    T = factor @ last^T with ``factor`` the outer product of every modality's representations but the last
    (K, U_0 ... U_{M-2}, d) and ``last`` the last one's times the scale; both products are undone by hand in
    backward (autograd's broadcast-multiply backward costs 3x more).
    """
    factors, last = _factors(reps, scale, struct.sizes, struct.work)
    loss, saved = _tensor_forward(factors[-1], last, struct)
    redo = None
    if bool(saved["bad"].any()):  # sums below 1e-30 after the shift: recompute those models in float64
        index = torch.nonzero(saved["bad"]).view(-1)
        sub = struct.select(index)
        reps64 = [r.index_select(0, index).double() for r in reps]
        scale64 = scale.index_select(0, index).double()
        factors64, last64 = _factors(reps64, scale64, sub.sizes)
        loss64, saved64 = _tensor_forward(factors64[-1], last64, sub)
        loss = loss.index_copy(0, index, loss64.to(loss.dtype))
        redo = (index, sub, reps64, scale64, factors64, saved64)
    return loss, (struct, reps, scale, factors, saved, redo)


def _symile_backward(state, grad):
    """d loss / d scale and d loss / d reps of :func:`_symile_forward`."""
    struct, reps, scale, factors, saved, redo = state
    grads = _reps_backward(saved, struct, reps, scale, factors, grad)
    if redo is not None:
        index, sub, reps64, scale64, factors64, saved64 = redo
        grad64 = grad.index_select(0, index).double()
        grads64 = _reps_backward(saved64, sub, reps64, scale64, factors64, grad64)
        grads = [g.index_copy(0, index, g64.to(g.dtype)) for g, g64 in zip(grads, grads64, strict=True)]
    return grads


def _factors(reps, scale, sizes, work=None):
    """The outer products r_0, r_0 x r_1, ... (K, U_0 ... U_j, d) and the last modality's scaled reps."""
    k_count = scale.shape[0]
    factors = [reps[0]]
    for j, r in enumerate(reps[1:-1], start=1):
        prev = factors[-1]
        out = _buffer(work, f"factor{j}", (k_count, prev.shape[1], r.shape[1], r.shape[2]), r)
        torch.mul(prev[:, :, None, :], r[:, None, :, :], out=out)
        factors.append(out.view(k_count, -1, r.shape[2]))
    unit = _LOG2E if _in_bits(sizes) else 1.0
    return factors, reps[-1] * (scale * unit)[:, None, None]  # (K, U_{M-1}, d): T = factor @ last^T


def _reps_backward(saved, struct, reps, scale, factors, grad):
    """d loss / d scale and d loss / d reps, from d loss / d (factor, last)."""
    d_factor, d_last = _tensor_backward(saved, struct, grad)
    unit = _LOG2E if _in_bits(struct.sizes) else 1.0
    d_scale = (d_last * reps[-1]).sum(dim=(1, 2)) * unit
    d_reps = [None] * len(reps)
    d_reps[-1] = d_last * (scale * unit)[:, None, None]
    k_count, d = scale.shape[0], reps[0].shape[2]
    for j in range(len(reps) - 2, 0, -1):  # factors[j] = factors[j - 1] (x) reps[j]
        g = d_factor.view(k_count, -1, reps[j].shape[1], d)  # (K, U_0...U_{j-1}, U_j, d)
        tmp = _buffer(struct.work, "g", g.shape, g)
        d_reps[j] = torch.mul(g, factors[j - 1][:, :, None, :], out=tmp).sum(dim=1)
        d_factor = torch.mul(g, reps[j][:, None, :, :], out=tmp).sum(dim=2)
    d_reps[0] = d_factor
    return [d_scale, *d_reps]


def _axis_view(sizes, m: int):
    """(pre, U_m, post): the tensor's axes before m, at m, after m, flattened."""
    return math.prod(sizes[:m]), sizes[m], math.prod(sizes[m + 1 :])


def _reduce(E: torch.Tensor, sizes, m: int, weights: torch.Tensor) -> torch.Tensor:
    """Z_m[u] = sum over the other axes of E * W_m: E (K, prod U), weights (K, pre * post) -> (K, U_m)."""
    k_count = E.shape[0]
    pre, size, post = _axis_view(sizes, m)
    weights = weights.to(E.dtype)
    if post == 1:
        return torch.bmm(weights.view(k_count, 1, pre), E.view(k_count, pre, size)).view(k_count, size)
    if pre == 1:
        return torch.bmm(weights.view(k_count, 1, post), E.view(k_count, size, post).transpose(1, 2)).view(
            k_count, size
        )
    z = torch.bmm(weights.view(k_count * pre, 1, post), E.view(k_count * pre, size, post).transpose(1, 2))
    return z.view(k_count, pre, size).sum(dim=1)


def _tensor_forward(factor, last, struct: _Struct):
    k_count = factor.shape[0]
    sizes, m_count = struct.sizes, len(struct.sizes)
    n = struct.rows.shape[2]
    bits = _in_bits(sizes)
    unit = _LN2 if bits else 1.0  # nats per unit of T
    T = _buffer(struct.work, "T", (k_count, factor.shape[1], last.shape[1]), factor)
    torch.bmm(factor, last.transpose(1, 2), out=T)  # (K, U_0...U_{M-2}, U_{M-1}) the scores s * MIP (bits)
    flat = T.view(k_count, -1)
    pos = flat.gather(1, struct.pos)  # (K, N) score of row i's positive tuple
    shift = flat.amax(dim=1)  # (K,) the model's largest score: exp(T - shift) <= 1
    flat.sub_(shift[:, None])
    E = flat.exp2_() if bits else flat.exp_()  # (K, prod U), in place of T
    Z = [_reduce(E, sizes, m, struct.weights[m]) for m in range(m_count)]  # M x (K, U_m)
    Zr = torch.stack([Z[m].gather(1, struct.rows[:, m]) for m in range(m_count)], 1)  # (K, M, N)
    ep = torch.exp((pos - shift[:, None]) * unit)  # (K, N) (exp: this (K, N) block is not vector-aligned)
    if struct.negatives == "n":
        own = E.gather(1, struct.own.view(k_count, -1)).view(k_count, m_count, n)  # (K, M, N) column j = i
        rest = Zr - own
        dominant = own > 0.5 * Zr  # the subtraction could cancel: drop the column exactly instead
        if bool(dominant.any()):
            rest = rest.masked_scatter(dominant, _exact_rest(E, struct, dominant))
        D = rest.clamp_min(0) + ep[:, None, :]  # (K, M, N): the own column replaced by the positive
    else:
        D = Zr  # every combination, the positive among them
    bad = (D < _UNDERFLOW).flatten(1).any(dim=1)  # float32 sums that lost their precision
    if D.dtype != torch.float32:
        bad = torch.zeros_like(bad)
    D = D.clamp_min(torch.finfo(D.dtype).tiny)
    lse = D.log() + (shift * unit)[:, None, None]  # (K, M, N), nats
    loss = (lse - (pos * unit)[:, None, :]).mean(dim=(1, 2))  # mean over anchors and rows
    saved = {"factor": factor, "last": last, "E": E, "D": D, "ep": ep, "bad": bad}
    return loss, saved


def _exact_rest(E, struct: _Struct, dominant: torch.Tensor) -> torch.Tensor:
    """Row sums without the own column, summed over the remaining columns directly (rows in ``dominant``)."""
    k_count, m_count, _ = dominant.shape
    where = torch.nonzero(dominant)  # (R, 3): model, anchor, row, in the order masked_scatter fills
    out = torch.empty(where.shape[0], dtype=E.dtype, device=E.device)
    for m in range(m_count):
        sel = where[:, 1] == m
        if not bool(sel.any()):
            continue
        k, i = where[sel, 0], where[sel, 2]
        pre, size, post = _axis_view(struct.sizes, m)
        u = struct.rows[k, m, i]  # (R_m,) anchor value of each row
        slices = E.view(k_count, pre, size, post)[k, :, u, :].reshape(k.shape[0], -1)  # (R_m, pre * post)
        w = struct.weights[m][k].clone()  # (R_m, pre * post) candidate counts
        w.scatter_add_(1, struct.own_code[k, m, i][:, None], -torch.ones_like(w[:, :1]))  # minus own column
        out[sel] = (slices.double() * w.double()).sum(dim=1).to(E.dtype)
    return out


def _tensor_backward(saved, struct: _Struct, grad):
    factor, last, E, D, ep = (saved[k] for k in ("factor", "last", "E", "D", "ep"))
    k_count, m_count, n = D.shape
    sizes = struct.sizes
    unit = _LN2 if _in_bits(sizes) else 1.0  # every term below is d loss / d T, T in units of `unit` nats
    c = (grad.to(D.dtype) * (unit / (m_count * n)))[:, None, None]  # (K, 1, 1) d loss / d lse
    inv = c / D  # (K, M, N) d loss / d Z at row i's anchor value (and minus that for its own column)
    dE = _buffer(struct.work, "dE", E.shape, E)  # (K, prod U)
    for m in range(m_count):
        pre, size, post = _axis_view(sizes, m)
        gz = D.new_zeros(k_count, size).scatter_add_(1, struct.rows[:, m], inv[:, m])  # d loss / d Z_m
        view = dE.view(k_count, pre, size, post)
        w = struct.weights[m].view(k_count, pre, 1, post)
        if m == 0:
            torch.mul(gz.view(k_count, 1, size, 1), w, out=view)
        else:
            view.addcmul_(gz.view(k_count, 1, size, 1), w)
    if struct.negatives == "n":
        dE.scatter_add_(1, struct.own.view(k_count, -1), -inv.view(k_count, -1))
        g_pos = (inv * ep[:, None, :]).sum(dim=1) - m_count * c[:, 0]  # (K, N): via the positive and -pos
    else:
        g_pos = (-m_count * c[:, 0]).expand(k_count, n)  # the positive's combination gets its share via dE
    dT = dE.mul_(E)  # d loss / d T
    dT.scatter_add_(1, struct.pos, g_pos)
    dT = dT.view(k_count, -1, sizes[-1])  # (K, U_0...U_{M-2}, U_{M-1})
    d_factor = torch.bmm(dT, last, out=_buffer(struct.work, "d_factor", factor.shape, factor))
    return d_factor, torch.bmm(dT.transpose(1, 2), factor)  # T = factor @ last^T
