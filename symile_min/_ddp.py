"""The trainer's data-parallel plumbing: the process group, the shared batch plan, small collectives.

Used by :func:`symile_min.train` only (the gathering of representations is
:func:`symile_min.distributed.gather_features`, the loss math :mod:`symile_min._local`).

* :func:`join` finds an initialised process group, or ``torchrun``'s environment (``WORLD_SIZE > 1``,
  ``RANK``, ``MASTER_ADDR``) and then initialises one itself (NCCL for CUDA, else gloo), kept for later
  calls and destroyed at exit. One process (no group, ``WORLD_SIZE`` unset or 1) gives None and the
  trainer's single-process path.
* :func:`shard` is the batch plan: every rank draws the same permutation of the rows, cuts it into the
  same *global* batches of ``world * batch_size`` rows and takes its contiguous block of each
  (block sizes differ by at most one row; the gathered batch is exactly one process's batch).
* :func:`check_same` compares a few values across ranks (data sizes, the config, a data checksum) and
  raises the same ValueError on every rank, naming the ranks and their values.
"""

from __future__ import annotations

import atexit
import datetime
import os
import zlib
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass
class Group:
    """This process's place in the data-parallel run."""

    rank: int
    world: int
    local_rank: int
    created: bool  # train() initialised the process group (kept up, destroyed at exit)
    meta_device: torch.device  # where small bookkeeping tensors go (NCCL: the GPU)

    @property
    def lead(self) -> bool:
        """Rank 0: the only rank that prints and writes files."""
        return self.rank == 0

    # -- small collectives (python values in, python values out) -------------------------------------
    def gather_ints(self, values) -> list[list[int]]:
        """Every rank's list of ints (same length on every rank), in rank order."""
        local = torch.tensor([int(v) for v in values], dtype=torch.int64, device=self.meta_device)
        parts = [torch.empty_like(local) for _ in range(self.world)]
        dist.all_gather(parts, local)
        return [p.tolist() for p in parts]

    def any(self, flag: bool) -> bool:
        """True on every rank if ``flag`` is True on any rank."""
        return any(v[0] for v in self.gather_ints([bool(flag)]))

    def all_sum(self, t: torch.Tensor) -> torch.Tensor:
        """The sum over ranks of a tensor (a copy; on the tensor's device, via the meta device)."""
        out = t.detach().to(self.meta_device, copy=True)
        dist.all_reduce(out)
        return out.to(t.device)

    def gather_states(self, state: torch.Tensor) -> list[torch.Tensor]:
        """Every rank's RNG state (a uint8 tensor of one length), on the CPU, in rank order."""
        local = state.to(self.meta_device)
        parts = [torch.empty_like(local) for _ in range(self.world)]
        dist.all_gather(parts, local)
        return [p.cpu() for p in parts]

    def barrier(self) -> None:
        if self.meta_device.type == "cuda":
            dist.barrier(device_ids=[self.meta_device.index])
        else:
            dist.barrier()


def requested() -> bool:
    """Whether this process runs data-parallel: an initialised multi-rank group, or torchrun's env."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    return dist.is_available() and _env_world() > 1


def _env_world() -> int:
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1
    return world if "RANK" in os.environ and "MASTER_ADDR" in os.environ else 1


def join(device: torch.device) -> Group | None:
    """The process group for a run on ``device``, initialised here from torchrun's env if needed.

    A group this function initialises stays up for later calls in the process (initialising the default
    group a second time in one process can meet the first one's stale rendezvous keys in torchrun's
    store) and is destroyed when the process exits.
    """
    if not requested():
        return None
    created = False
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, timeout=datetime.timedelta(minutes=30))
        atexit.register(_destroy)
        created = True
    meta = device if dist.get_backend() == "nccl" else torch.device("cpu")
    local_rank = int(os.environ.get("LOCAL_RANK", dist.get_rank()))
    return Group(dist.get_rank(), dist.get_world_size(), local_rank, created, meta)


def _destroy() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def leave(group: Group | None, *, synchronise: bool = True) -> None:
    """The end of a run: every rank waits for the others (after an error they may never arrive, and
    torchrun stops them; so no barrier then)."""
    if group is not None and synchronise and dist.is_initialized():
        group.barrier()


def shard(b: int, world: int, rank: int) -> tuple[list[int], int]:
    """Block sizes of a global batch of ``b`` rows over ``world`` ranks, and this rank's offset.

    >>> shard(7, 2, 1)
    ([4, 3], 4)
    """
    base, extra = divmod(b, world)
    sizes = [base + (r < extra) for r in range(world)]
    return sizes, sum(sizes[:rank])


def data_fingerprint(tensors) -> int:
    """A checksum of up to 64 rows of every in-memory modality at fixed positions (cheap, O(64 rows))."""
    crc = 0
    for x in tensors:
        n = int(x.shape[0])
        rows = torch.linspace(0, n - 1, min(n, 64)).round().long().to(x.device)
        crc = zlib.crc32(x[rows].detach().cpu().contiguous().numpy().tobytes(), crc)
    return crc & 0x7FFFFFFF


def check_same(group: Group, values: dict) -> None:
    """ValueError on every rank unless every rank has the same ``values`` (None: not compared).

    The values travel as pickled python objects (``all_gather_object``, once per call): a dict value
    (the config) is compared key by key, so the message names the differing fields and every rank's value.
    """
    table = [None] * group.world
    dist.all_gather_object(table, values)
    parts = []
    for key in values:
        column = [row[key] for row in table]
        if any(v is None for v in column) or all(v == column[0] for v in column):
            continue
        if all(isinstance(v, dict) for v in column):
            for field in column[0]:
                if any(v.get(field) != column[0][field] for v in column):
                    per_rank = ", ".join(f"rank {r}: {v.get(field)!r}" for r, v in enumerate(column))
                    parts.append(f"{key} field {field} ({per_rank})")
        else:
            per_rank = ", ".join(f"rank {r}: {v!r}" for r, v in enumerate(column))
            parts.append(f"{key} ({per_rank})")
    if parts:
        raise ValueError(
            f"train() under {group.world} ranks needs the same data, config and checkpoint on every rank "
            f"(it shards the rows itself); they differ in " + "; ".join(parts)
        )


class Forward(nn.Module):
    """What DistributedDataParallel wraps: the encoders' forward pass and the logit scale.

    ``forward(xs)`` returns the M (N_local, d) normalised representations (float32 under mixed
    precision, as :func:`symile_min.train.batch_loss` casts them) and the multiplier ``exp(log_scale)``.
    """

    def __init__(self, model, autocast, cast: bool):
        super().__init__()
        self.model, self._autocast, self._cast = model, autocast, cast

    def forward(self, xs):
        with self._autocast():
            reps = self.model._encode(xs)  # M x (N_local, d)
        if self._cast:
            reps = [r.float() for r in reps]
        return reps, self.model.logit_scale


def wrap(model, device: torch.device, autocast, cast: bool) -> nn.Module:
    """``model``'s forward pass in DistributedDataParallel (rank 0's weights broadcast to every rank)."""
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(Forward(model, autocast, cast), device_ids=ids)


def loader_sampler(loader):
    """The sampler of a DataLoader (its batch sampler's, if it has one)."""
    batch_sampler = getattr(loader, "batch_sampler", None)
    return getattr(batch_sampler, "sampler", None) or getattr(loader, "sampler", None)
