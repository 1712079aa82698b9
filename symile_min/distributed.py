"""Scale-out: score every rank's positives against the *global* batch under ``torch.distributed``.

Kept apart from the loss math: the losses in :mod:`symile_min.losses` are unchanged; this module only
all-gathers the (N_local, d) representations into (N_global, d) ones before they are called.

Gradients: :func:`gather_features` is a differentiable all-gather whose backward sums, onto each rank's
local rows, the gradients that *every* rank's loss sends them.
Every rank computes the same global loss L, so rank r's encoder receives ``world_size * dL/d(local_r)``;
DDP then **averages** parameter gradients over ranks, which gives exactly the gradient of L on the
concatenated batch, as in one process (checked by ``tests/symile_min/test_distributed.py``, which launches
``tests/symile_min/ddp_worker.py`` with torchrun).
For ``negatives="n"`` every rank must draw the same permutations: pass a ``torch.Generator`` seeded
identically on all ranks (e.g. with the step number).

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

from collections.abc import Sequence

import torch
import torch.distributed as dist

__all__ = ["gather_features", "is_distributed"]


def is_distributed() -> bool:
    """True when a ``torch.distributed`` process group with more than one rank is initialised."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def gather_features(reps: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """All-gather each modality's (N_local, d) representations into (world_size * N_local, d).

    Rows are ordered by rank (rank 0's rows first). Differentiable: see the module docstring for how
    this, with DDP's gradient averaging, reproduces the single-process gradient. Without an
    initialised multi-rank process group the input is returned unchanged.

    Parameters
    ----------
    reps : list of torch.Tensor
        M tensors (N_local, d); N_local must be equal on every rank.

    Returns
    -------
    list of torch.Tensor
        M tensors (world_size * N_local, d).
    """
    reps = list(reps)
    if not all(isinstance(r, torch.Tensor) and r.ndim == 2 for r in reps):
        raise ValueError("reps must be a list of (N_local, d) tensors")
    if not is_distributed():
        return reps
    return [_AllGather.apply(r.contiguous()) for r in reps]


class _AllGather(torch.autograd.Function):
    """Differentiable all-gather: forward concatenates every rank's (N_local, d) rows in rank order;
    backward sums, over ranks, the gradients that every rank's loss sends to this rank's rows."""

    @staticmethod
    def forward(ctx, local: torch.Tensor) -> torch.Tensor:
        parts = [torch.empty_like(local) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, local)
        return torch.cat(parts, dim=0)  # (world_size * N_local, d)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.contiguous().clone()
        dist.all_reduce(grad)  # (world_size * N_local, d): summed over every rank's loss
        n_local = grad.shape[0] // dist.get_world_size()
        rank = dist.get_rank()
        return grad[rank * n_local : (rank + 1) * n_local]  # (N_local, d)
