"""Worker for ``test_distributed.py``, launched exactly as the README says: ``torchrun --nproc_per_node=2``.

Every rank encodes its slice of a fixed float64 batch, gathers the features of all ranks
(:func:`symile_min.distributed.gather_features`), computes each objective on the global batch and
averages parameter gradients over ranks (what DDP does). Rank 0 then leaves the process group,
recomputes everything in one process on the concatenated batch, and saves both to ``argv[1]``.
"""

import sys

import torch
import torch.distributed as dist

from symile_min import SymileModel, clip_loss, symile_loss
from symile_min.distributed import gather_features

OBJECTIVES = ("n", "n_squared", "clip")
N_LOCAL = 6


def problem(world_size: int):
    """A fixed float64 batch of 3 modalities and a model factory with fixed weights."""
    g = torch.Generator().manual_seed(0)
    data = [torch.randn(world_size * N_LOCAL, 3, generator=g, dtype=torch.float64) for _ in range(3)]

    def model_fn():
        torch.manual_seed(0)
        return SymileModel([3, 3, 3], rep_dim=4, logit_scale_init=0.5).double()

    return data, model_fn


def loss_and_grads(model, data, objective):
    reps = gather_features(model.encode(data))  # M x (N_global, d); identity without a process group
    if objective == "clip":
        loss = clip_loss(reps, model.logit_scale)
    else:
        gen = torch.Generator().manual_seed(7)  # the same permutations on every rank
        loss = symile_loss(reps, model.logit_scale, negatives=objective, generator=gen)
    loss.backward()
    return loss.detach(), [p.grad for p in model.parameters()]


def main(out: str) -> None:
    dist.init_process_group("gloo")  # RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT come from torchrun
    rank, world = dist.get_rank(), dist.get_world_size()
    data, model_fn = problem(world)
    rows = slice(rank * N_LOCAL, (rank + 1) * N_LOCAL)
    distributed = {}
    for objective in OBJECTIVES:
        loss, grads = loss_and_grads(model_fn(), [x[rows] for x in data], objective)
        for g in grads:
            dist.all_reduce(g)  # sum over ranks, then average: DDP's gradient reduction
            g /= world
        distributed[objective] = (loss, [g.clone() for g in grads])
    dist.barrier()  # nobody tears the group down while another rank still talks to it
    dist.destroy_process_group()
    if rank == 0:
        single = {objective: loss_and_grads(model_fn(), data, objective) for objective in OBJECTIVES}
        torch.save({"world_size": world, "distributed": distributed, "single": single}, out)


if __name__ == "__main__":
    main(sys.argv[1])
