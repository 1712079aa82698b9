"""Scale-out: score every rank's positives against the *global* batch under ``torch.distributed``.

Kept apart from the loss math: the losses in :mod:`symile_min.losses` are unchanged; this module only
all-gathers the (N_local, d) representations into (N_global, d) ones before they are called.

Gradients: :func:`gather_features` uses the differentiable ``torch.distributed.nn.functional.all_gather``,
whose backward sums, onto each rank's local rows, the gradients that *every* rank's loss sends them.
Every rank computes the same global loss L, so rank r's encoder receives ``world_size * dL/d(local_r)``;
DDP then **averages** parameter gradients over ranks, which gives exactly the gradient of L on the
concatenated batch, as in one process (checked by ``tests/symile_min/test_distributed.py``).
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
    from torch.distributed.nn.functional import all_gather

    return [torch.cat(all_gather(r.contiguous()), dim=0) for r in reps]


def _equivalence_worker(rank: int, world_size: int, port: int, out: str) -> None:
    """Test helper (spawned by ``tests/symile_min/test_distributed.py``; must be importable by children).

    Rank r encodes rows [r * n_local, (r + 1) * n_local) of a fixed float64 batch, gathers, computes
    every objective on the global batch, averages the gradients over ranks (what DDP does) and rank 0
    saves ``{objective: (loss, grads)}`` to ``out``.
    """
    import os

    from .losses import clip_loss, symile_loss

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world_size)
    try:
        data, model_fn = _equivalence_problem(world_size)
        n_local = data[0].shape[0] // world_size
        results = {}
        for objective in ("n", "n_squared", "clip"):
            model = model_fn()
            local = [x[rank * n_local : (rank + 1) * n_local] for x in data]
            reps = gather_features(model.encode(local))  # M x (N_global, d)
            if objective == "clip":
                loss = clip_loss(reps, model.logit_scale)
            else:
                gen = torch.Generator().manual_seed(7)  # same permutations on every rank
                loss = symile_loss(reps, model.logit_scale, negatives=objective, generator=gen)
            loss.backward()
            for p in model.parameters():
                dist.all_reduce(p.grad)
                p.grad /= world_size
            results[objective] = (loss.detach(), [p.grad.clone() for p in model.parameters()])
        if rank == 0:
            torch.save(results, out)
    finally:
        dist.destroy_process_group()


def _equivalence_problem(world_size: int, n_local: int = 6):
    """A fixed float64 batch of 3 modalities and a seeded model factory, shared by test and workers."""
    from .model import SymileModel

    g = torch.Generator().manual_seed(0)
    data = [torch.randn(world_size * n_local, 3, generator=g, dtype=torch.float64) for _ in range(3)]

    def model_fn():
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            return SymileModel([3, 3, 3], rep_dim=4, logit_scale_init=0.5).double()

    return data, model_fn
