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

The batched losses (one score tensor for every anchor, the written-out backward, their numerics) are
:mod:`symile_min._batched_loss`.

Per-step cost: the loop keeps its few large per-step tensors (the score tensor, its gradient, the outer
products of the representations) in buffers reused from step to step (a fresh multi-megabyte tensor is
paged in and zeroed by the OS every step, which cost more than the arithmetic filling it), reorders every
model's row ids once per epoch (one gather of one-byte ids), does the batch structures' index arithmetic
in int32 (AVX2 has no packed 64-bit multiply), draws every model's negatives straight into one buffer, and
finds distinct rows with per-column ranks instead of ``torch.unique(dim=0)`` (:func:`_unique_rows`, the
same tables and ids).

:func:`zero_shot_accuracy_many` scores K models on the same test data in one batched computation (the
accuracies of :func:`symile_min.zero_shot_accuracy`, model by model), each distinct combination of the
observed modalities' rows once (a row's scores depend on its own inputs only; 5,000 test rows of Figure 3
are at most 1,024 distinct (a, c) pairs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import time
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ._batched_loss import (
    _INDEX,
    _aligned_sizes,
    _batch_loss,
    _clip_struct,
    _draw_layout,
    _imax,
    _plan,
    _symile_struct,
)
from ._rows import row_labels as _candidate_labels
from ._rows import unique_rows as _unique_rows
from .config import TrainConfig
from .evaluate import zero_shot_accuracy
from .model import SymileModel, resolve_objective, to_tensor_list
from .train import HISTORY_COLUMNS, TrainResult, model_from_config, train

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
        per_batch = max(1, _MAX_BATCH_ELEMENTS // _score_elements(first.rows, first.sizes, bs))
        for start in range(0, len(members), per_batch):
            chunk = members[start : start + per_batch]
            for k, result in zip(chunk, _train_batch([prepared[k] for k in chunk]), strict=True):
                results[k] = result
    return results


def zero_shot_accuracy_many(models, data, *, target: int, candidates=None) -> list[float]:
    """:func:`symile_min.zero_shot_accuracy` of every model on the same data, batched over the models.

    Each model scores with the method it was trained with. Models with the built-in encoders of one
    architecture are evaluated together (one batched encoder pass and score product per method, over the
    distinct combinations of the observed modalities' rows); any other model is evaluated by
    :func:`symile_min.zero_shot_accuracy` on its own.

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
    first, combo = _distinct_queries(xs, target)  # (Q,) a row of each distinct query, (N,) each row's query
    observed = {m: x.index_select(0, first) for m, x in enumerate(xs) if m != target}  # m -> (Q, d_m)
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
            queries = [  # (K, Q, d) per observed modality, each distinct query once (a score is per row)
                _encode_stacked(group[0], params, m, x.expand(k_count, -1, -1)) for m, x in observed.items()
            ]
            cand = _encode_stacked(group[0], params, target, cand_x.expand(k_count, -1, -1))  # (K, C, d)
            if method == "symile":
                combined = queries[0]
                for q in queries[1:]:
                    combined = combined * q  # (K, Q, d) elementwise product of the observed modalities
            else:
                combined = torch.stack(queries).sum(dim=0)  # (K, Q, d) sum of the observed modalities
            scores = torch.bmm(combined, cand.transpose(1, 2))  # (K, Q, C)
            predicted = scores.argmax(dim=2).index_select(1, combo)  # (K, N) each row's predicted candidate
            hits = (predicted == labels).to(torch.float64).mean(dim=1)  # (K,)
        for k, acc in zip(members, hits.tolist(), strict=True):
            out[k] = float(acc)
    return out


def _distinct_queries(xs, target: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The distinct combinations of the observed (non-``target``) modalities' rows: ``(first, combo)``, the
    (Q,) index of each combination's first row and the (N,) combination of every row."""
    observed = torch.cat([x for m, x in enumerate(xs) if m != target], dim=1)  # (N, sum of the d_m)
    combos, combo = _unique_rows(observed)  # (Q, sum of the d_m) distinct combinations, (N,) each row's
    n = combo.shape[0]
    first = torch.full((combos.shape[0],), n, dtype=torch.long, device=combo.device)
    first.scatter_reduce_(0, combo, torch.arange(n, device=combo.device), reduce="amin")  # (Q,)
    return first, combo


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
    if _score_elements(rows, sizes, step) > MAX_TENSOR_ELEMENTS:
        return None
    dims = tuple(int(x.shape[1]) for x in train_x)
    private = ("seed", "progress", "method", "negatives")  # per model (one batch trains several objectives)
    rest = tuple(sorted((k, repr(v)) for k, v in dataclasses.asdict(config).items() if k not in private))
    shape = tuple("rows" if r else u for r, u in zip(rows, sizes, strict=True))
    key = (rest, dims, shape, int(train_x[0].shape[0]), int(val_x[0].shape[0]))
    ids = (torch.stack(train_ids), torch.stack(val_ids))
    return _Item(config, key, dims, sizes, rows, grouped, uniq, *ids, train_x, val_x)


def _score_elements(rows, sizes, batch_rows: int) -> int:
    """Entries per model of the score tensor as the loss pads it: a modality in ``rows`` enters with the
    batch's own rows, the others with their distinct values (see :func:`_batched_loss._aligned_sizes`)."""
    return math.prod(_aligned_sizes(tuple(batch_rows if r else u for r, u in zip(rows, sizes, strict=True))))


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
    # (K, M, N_train) row ids in the smallest integer type that holds them (one byte for the paper's data):
    # an epoch's reordering is one gather of them, widened to int32 once, and a step reads its slice (int64
    # ids reordered as whole (K, N, M) rows and transposed back cost 10 ms per epoch of 55 models; one int32
    # gather costs 5.1 ms against 4.1 ms for the byte gather and its widening copy)
    id_type = next(t for t in (torch.uint8, torch.int16, torch.int32, torch.int64) if max(sizes) <= _imax(t))
    train_ids = torch.stack([it.train_ids for it in items]).to(id_type)
    shuffled = torch.empty_like(train_ids)  # reused: (K, M, N_train) this epoch's order
    epoch_ids = torch.empty(train_ids.shape, dtype=_INDEX)  # reused: the same in the structures' int type
    perm = torch.empty(k_count, n_train, dtype=torch.long)  # reused: (K, N_train) this epoch's batch orders
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
            row_axes = [m for m in range(m_count) if by_row[m]]
            ids[:, row_axes] = torch.arange(n, dtype=ids.dtype, device=ids.device)
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
        torch.gather(train_ids, 2, perm[:, None, :].expand(-1, m_count, -1), out=shuffled)  # (K, M, N)
        epoch_ids.copy_(shuffled)  # once per epoch instead of once per step and objective
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
