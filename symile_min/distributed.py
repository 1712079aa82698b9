"""Scale-out: score every rank's positives against the *global* batch under ``torch.distributed``.

Kept apart from the loss math: the losses in :mod:`symile_min.losses` are unchanged; this module only
all-gathers the (N_local, d) representations into (N_global, d) ones before they are called.
:func:`symile_min.train` does all of this for you under ``torchrun`` (see ``docs/distributed.md``); the
functions here are for your own loops.

Gradients: :func:`gather_features` is a differentiable all-gather whose backward sums, onto each rank's
local rows, the gradients that *every* rank's loss sends them.
Every rank computes the same global loss L, so rank r's encoder receives ``world_size * dL/d(local_r)``;
DDP then **averages** parameter gradients over ranks, which gives exactly the gradient of L on the
concatenated batch, as in one process (checked by ``tests/symile_min/test_distributed.py``, which launches
``tests/symile_min/ddp_worker.py`` with torchrun).
For ``negatives="n"`` every rank must draw the same permutations: pass a ``torch.Generator`` seeded
identically on all ranks (e.g. with the step number).

Uneven batches: ranks may hold different numbers of rows (the last batch of an epoch). The rows are
padded to the largest rank's, gathered and trimmed; the sizes are all-gathered first (one small
collective and a host read-back) unless you pass them (``sizes=``, the same list on every rank). Ranks
that disagree on the number of modalities, the width d or the dtype get a ValueError naming every
rank's shapes, on every rank, instead of an abort inside the collective.

Launch (one process per GPU or per CPU worker), for example::

    torchrun --nproc_per_node=2 my_train.py      # sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT

    # in my_train.py
    torch.distributed.init_process_group("gloo")  # "nccl" on GPUs
    model = torch.nn.parallel.DistributedDataParallel(SymileModel(dims))
    reps = model(local_batch)                        # M x (N_local, d)
    reps = gather_features(reps)                     # M x (N_global, d), rows ordered by rank
    loss = symile_loss(reps, model.module.logit_scale, generator=torch.Generator().manual_seed(step))
    loss.backward(); opt.step()
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.distributed as dist

__all__ = ["gather_features", "is_distributed", "process_rank"]

_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def is_distributed() -> bool:
    """True when a ``torch.distributed`` process group with more than one rank is initialised."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def process_rank() -> int:
    """This process's rank: the initialised process group's, else ``torchrun``'s ``RANK``, else 0.

    Use it to let only rank 0 print or write files.

    Examples
    --------
    >>> isinstance(process_rank(), int)
    True
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank()
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def _meta_device(like: torch.Tensor) -> torch.device:
    """Where small bookkeeping tensors live for the current backend (NCCL: the GPU, else the CPU)."""
    return like.device if dist.get_backend() == "nccl" else torch.device("cpu")


def gather_features(
    reps: Sequence[torch.Tensor], *, sizes: Sequence[int] | None = None
) -> list[torch.Tensor]:
    """All-gather each modality's (N_local, d) representations into (N_global, d).

    Rows are ordered by rank (rank 0's rows first). Differentiable: see the module docstring for how
    this, with DDP's gradient averaging, reproduces the single-process gradient. Without an
    initialised multi-rank process group the input is returned unchanged.

    Parameters
    ----------
    reps : list of torch.Tensor
        M tensors (N_local, d) of one dtype; N_local may differ between ranks.
    sizes : sequence of int, optional
        N_local of every rank, in rank order, identical on all ranks (when you know them, e.g. from a
        shared batch plan: saves one collective and a host sync). Default: all-gathered, with the
        ranks' M, d and dtype checked against each other.

    Returns
    -------
    list of torch.Tensor
        M tensors (N_global, d), N_global = sum of the ranks' N_local.

    Raises
    ------
    ValueError
        ``reps`` is not a list of matrices, or the ranks disagree on M, d or dtype (the message lists
        every rank's shapes), or ``sizes`` does not match this rank's rows.
    """
    reps = list(reps)
    if not reps or not all(isinstance(r, torch.Tensor) and r.ndim == 2 for r in reps):
        raise ValueError("reps must be a non-empty list of (N_local, d) tensors")
    if not is_distributed():
        return reps
    rank, world = dist.get_rank(), dist.get_world_size()
    if sizes is None:
        sizes = _exchange_shapes(reps)
    else:
        sizes = [int(s) for s in sizes]
        if len(sizes) != world or sizes[rank] != reps[0].shape[0]:
            raise ValueError(
                f"sizes={sizes} must list every rank's N_local (world size {world}); rank {rank} holds "
                f"{reps[0].shape[0]} rows"
            )
    sizes = tuple(sizes)
    return [_AllGather.apply(r.contiguous(), sizes) for r in reps]


def _exchange_shapes(reps: list[torch.Tensor]) -> list[int]:
    """All-gather (N_local, M, d, dtype) of every rank; ValueError on every rank if M, d or dtype differ."""
    world = dist.get_world_size()
    dtype = _DTYPES.index(reps[0].dtype) if reps[0].dtype in _DTYPES else -1
    widths = {int(r.shape[1]) for r in reps}
    mine = [int(reps[0].shape[0]), len(reps), widths.pop() if len(widths) == 1 else -1, dtype]
    if any(r.shape[0] != reps[0].shape[0] for r in reps) or any(r.dtype != reps[0].dtype for r in reps):
        mine[1] = -1  # this rank's own modalities disagree: reported below, on every rank
    local = torch.tensor(mine, dtype=torch.int64, device=_meta_device(reps[0]))
    parts = [torch.empty_like(local) for _ in range(world)]
    dist.all_gather(parts, local)
    table = [p.tolist() for p in parts]  # world x [N_local, M, d, dtype]
    if len({tuple(t[1:]) for t in table}) != 1 or table[0][1] < 0 or table[0][2] < 0:

        def describe(t):
            what = _DTYPES[t[3]] if 0 <= t[3] < len(_DTYPES) else "another dtype"
            if t[1] < 0 or t[2] < 0:
                return "modalities of different shapes or dtypes"
            return f"M = {t[1]} modalities of ({t[0]}, {t[2]}) {str(what).replace('torch.', '')}"

        ranks = "; ".join(f"rank {r}: {describe(t)}" for r, t in enumerate(table))
        raise ValueError(f"gather_features: the ranks' representations do not fit together ({ranks})")
    return [t[0] for t in table]


class _AllGather(torch.autograd.Function):
    """Differentiable all-gather: forward concatenates every rank's (N_r, d) rows in rank order
    (padded to the largest N_r for the collective, trimmed after); backward sums, over ranks, the
    gradients that every rank's loss sends to this rank's rows."""

    @staticmethod
    def forward(ctx, local: torch.Tensor, sizes: tuple[int, ...]) -> torch.Tensor:
        rank, most = dist.get_rank(), max(sizes)
        ctx.offset, ctx.rows = sum(sizes[:rank]), sizes[rank]
        if len(set(sizes)) == 1:  # even batches: no padding
            parts = [torch.empty_like(local) for _ in sizes]
            dist.all_gather(parts, local)
            return torch.cat(parts, dim=0)  # (N_global, d)
        padded = local.new_zeros((most, local.shape[1]))  # (max N_r, d)
        padded[: local.shape[0]] = local
        parts = [torch.empty_like(padded) for _ in sizes]
        dist.all_gather(parts, padded)
        return torch.cat([p[:n] for p, n in zip(parts, sizes, strict=True)], dim=0)  # (N_global, d)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)  # (N_global, d): summed over every rank's loss
        return grad[ctx.offset : ctx.offset + ctx.rows], None  # (N_local, d)
