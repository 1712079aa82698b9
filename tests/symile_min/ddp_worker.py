"""The worker of ``test_distributed.py``: ``torchrun --nproc-per-node=2 ddp_worker.py DIR``.

One launch runs every distributed case (a torchrun start costs seconds; the cases cost milliseconds), and
each rank saves what it saw to ``OUT/rank<r>.pt``; the test compares that with one process.

* ``gather``: every rank encodes its slice of a fixed float64 batch, gathers the features of all ranks
  (:func:`symile_min.distributed.gather_features`), computes each objective on the global batch and averages
  parameter gradients over ranks (what DDP does); rank 0 then recomputes everything in one process.
* ``train``: :func:`symile_min.train` under the process group this worker initialised, for every
  objective with and without ``local_loss`` (19 training rows, batch 4 per rank: two even global batches
  of 8 and an uneven one of 3 split 2 + 1), recording the history, the kept and the last weights, and
  the gradient of the last step of every epoch; a DataLoader sharded by a DistributedSampler; a run killed
  after epoch 2 and resumed; the errors for ranks that disagree.
* ``own_group`` (first, before any process group exists): ``train()`` must initialise one itself from
  torchrun's environment (and keep it for the rest of the process); then ``symile-lab train``.
"""

import os
import sys
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler, IterableDataset, TensorDataset

from symile_min import SymileModel, TrainConfig, clip_loss, symile_loss, train
from symile_min.distributed import gather_features

OBJECTIVES = ("n", "n_squared", "clip")
N_LOCAL = 6
#: the trainer cases: 19 training rows and 10 validation rows, batch 4 per rank, 3 epochs
N_TRAIN, N_VAL, BATCH, EPOCHS = 19, 10, 4, 3


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


# -- the trainer cases (the test builds the one-process references from the same functions) --------------
def train_data(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n, 3)) for _ in range(3)]


def double_model() -> SymileModel:
    torch.manual_seed(0)
    return SymileModel([3, 3, 3], rep_dim=4, logit_scale_init=0.5).double()


def config(objective: str, local_loss: bool, batch_size: int = BATCH, **kw) -> TrainConfig:
    method, negatives = ("clip", "n") if objective == "clip" else ("symile", objective)
    settings = dict(method=method, negatives=negatives, batch_size=batch_size, epochs=EPOCHS, lr=0.05, seed=3)
    return TrainConfig(**{**settings, "local_loss": local_loss, **kw})


def record(fit, *extra):
    """train() with a callback saving the last step's gradients of every epoch; a picklable summary."""
    grads = []

    def keep_grads(info):
        grads.append([p.grad.detach().clone() for p in info.model.parameters()])

    res = fit(keep_grads, *extra)
    return {
        "history": res.history.to_numpy(dtype=np.float64),
        "kept": {k: v.clone() for k, v in res.model.state_dict().items()},
        "last": {k: v.clone() for k, v in res.train_state["model"].items()},
        "grads": grads,
        "best_epoch": res.best_epoch,
    }


def fit_arrays(objective, local_loss, batch_size=BATCH, **kw):
    def fit(callback, *_):
        return train(
            train_data(N_TRAIN, 0), train_data(N_VAL, 1), config(objective, local_loss, batch_size),
            model=double_model(), callbacks=callback, **kw,
        )

    return fit


def loader_rows(n: int) -> TensorDataset:
    return TensorDataset(*[torch.from_numpy(x) for x in train_data(n, 2)])


def fit_loaders(train_loader, val_loader, local_loss=False):
    def fit(callback, *_):
        cfg = config("n", local_loss)
        return train(train_loader, val_loader, cfg, model=double_model(), callbacks=callback)

    return fit


class _Rows(IterableDataset):
    """An iterable dataset of ``n`` rows: what a rank that shards its own data would pass."""

    def __init__(self, n):
        self.rows = loader_rows(n)

    def __iter__(self):
        return iter(self.rows)


class _Items(Dataset):
    """A map-style dataset of per-modality tuples (train() indexes each rank's block of rows)."""

    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(x[i] for x in self.arrays)


class _Killed(Exception):
    pass


def _error(fn) -> str | None:
    try:
        fn()
    except ValueError as err:
        return str(err)
    return None


def trainer_cases(rank: int, world: int, out: Path) -> dict:
    res = {}
    for objective in OBJECTIVES:
        for local_loss in (False, True):
            res[("arrays", objective, local_loss)] = record(fit_arrays(objective, local_loss))

    # a map-style Dataset: sharded like the arrays
    res["dataset"] = record(lambda cb: train(
        _Items(train_data(N_TRAIN, 0)), _Items(train_data(N_VAL, 1)), config("n", False),
        model=double_model(), callbacks=cb,
    ))

    # each rank encodes only its own block of every global batch (training: 4, 4, then 2 or 1 rows)
    model, seen = double_model(), []
    model.encoders[0].register_forward_hook(lambda mod, inputs, out: seen.append(int(inputs[0].shape[0])))
    train(train_data(N_TRAIN, 0), train_data(N_VAL, 1), config("n", False), model=model)
    res["rows_seen"] = seen

    # only rank 0 writes: every rank is given its own folder and file
    logs, ckpt = out / f"logs_rank{rank}", out / f"ckpt_rank{rank}.pt"
    record(fit_arrays("n", False, log_dir=logs, checkpoint=ckpt))
    res["wrote"] = {"logs": (logs / "history.csv").is_file(), "checkpoint": ckpt.is_file()}

    # killed after epoch 2 (its checkpoint written), then resumed under 2 ranks
    shared = out / "resume.pt"

    def killed(info):
        if info.epoch == 2:
            raise _Killed

    try:
        train(train_data(N_TRAIN, 0), train_data(N_VAL, 1), config("n", False), model=double_model(),
              checkpoint=shared, callbacks=killed)
    except _Killed:
        pass
    resumed = train(train_data(N_TRAIN, 0), train_data(N_VAL, 1), config("n", False), model=double_model(),
                    checkpoint=shared, resume=shared)
    res["resumed"] = {
        "history": resumed.history.to_numpy(dtype=np.float64),
        "kept": dict(resumed.model.state_dict()),
        "last": dict(resumed.train_state["model"]),
    }

    # DataLoaders sharded by DistributedSampler (in its order: rank r takes rows r, r + 2, ...); 18 rows
    # give per-rank batches 4, 4, 1 -> the last global batch has 2 rows
    for local_loss in (False, True):
        rows = loader_rows(18)
        make = lambda ds: DataLoader(ds, batch_size=BATCH, sampler=DistributedSampler(ds, shuffle=False))  # noqa: E731
        res[("loader", local_loss)] = record(fit_loaders(make(rows), make(loader_rows(10)), local_loss))

    # ranks that disagree: an error naming them, on every rank, never a gloo abort or a hang
    mine = train_data(N_TRAIN - rank, 0)  # rank 1 holds one row less
    res["error_rows"] = _error(lambda: train(mine, train_data(N_VAL, 1), config("n", False)))
    res["error_seed"] = _error(
        lambda: train(train_data(N_TRAIN, 0), train_data(N_VAL, 1), config("n", False, seed=rank))
    )
    plain = DataLoader(loader_rows(16), batch_size=BATCH)
    res["error_sampler"] = _error(lambda: train(plain, plain, config("n", False)))
    short = DataLoader(_Rows(10 - 4 * rank), batch_size=BATCH)  # rank 0: 3 batches, rank 1: 2
    val = DataLoader(_Rows(8), batch_size=BATCH)
    res["error_batches"] = _error(lambda: train(short, val, config("n", False)))
    uneven = DataLoader(_Rows(10 - rank), batch_size=BATCH)  # last batches 2 and 1 rows: padded, gathered
    res["uneven_loader"] = record(lambda cb: train(
        uneven, DataLoader(_Rows(6), batch_size=BATCH), config("clip", False), model=double_model(),
        callbacks=cb,
    ))
    return res


def own_group_cases(rank: int, out: Path) -> dict:
    """Before any process group exists: train() must initialise one from torchrun's env (and keep it)."""
    res = {"arrays": record(fit_arrays("clip", True)), "kept_group": dist.is_initialized()}
    from experiments.cli import main as cli

    folder = out / "data"
    if rank == 0:
        folder.mkdir(exist_ok=True)
        np.savez(folder / "train.npz", **dict(zip("abc", train_data(N_TRAIN, 0), strict=True)))
        np.savez(folder / "val.npz", **dict(zip("abc", train_data(N_VAL, 1), strict=True)))
    dist.barrier()  # rank 0's files are written
    res["cli_rc"] = cli([
        "train", "--data", str(folder / "train.npz"), "--val", str(folder / "val.npz"), "--out",
        str(out / "cli"), "--epochs", "2", "--batch-size", str(BATCH), "--lr", "0.01", "--device", "cpu",
        "--no-progress",
    ])
    return res


def main(out: str) -> None:
    out = Path(out)
    rank = int(os.environ["RANK"])
    own = own_group_cases(rank, out)  # first: train() initialises the group from RANK, WORLD_SIZE, ...
    world = dist.get_world_size()
    data, model_fn = problem(world)
    rows = slice(rank * N_LOCAL, (rank + 1) * N_LOCAL)
    distributed = {}
    for objective in OBJECTIVES:
        loss, grads = loss_and_grads(model_fn(), [x[rows] for x in data], objective)
        for g in grads:
            dist.all_reduce(g)  # sum over ranks, then average: DDP's gradient reduction
            g /= world
        distributed[objective] = (loss, [g.clone() for g in grads])
    # uneven slices: rank 0 holds one row more than rank 1 (padded, gathered, trimmed)
    cut = N_LOCAL + 1
    mine = slice(0, cut) if rank == 0 else slice(cut, 2 * N_LOCAL)
    distributed["uneven"] = loss_and_grads(model_fn(), [x[mine] for x in data], "n")
    for g in distributed["uneven"][1]:
        dist.all_reduce(g)
        g /= world
    wrong = [torch.zeros(3, 4 + rank, dtype=torch.float64)]  # rank 1's width differs
    gather_error = _error(lambda: gather_features(wrong))
    trainer = trainer_cases(rank, world, out)
    dist.barrier()  # nobody tears the group down while another rank still talks to it
    dist.destroy_process_group()
    single = None
    if rank == 0:
        single = {objective: loss_and_grads(model_fn(), data, objective) for objective in OBJECTIVES}
        single["uneven"] = loss_and_grads(model_fn(), data, "n")
    torch.save(
        {"world_size": world, "distributed": distributed, "single": single, "gather_error": gather_error,
         "trainer": trainer, "own_group": own},
        out / f"rank{rank}.pt",
    )


if __name__ == "__main__":
    main(sys.argv[1])
