"""Benchmark: time per training step of :func:`symile_min.train` with 1 vs K processes under torchrun (DDP).

Strong scaling: the *global* batch is fixed (``--global-batch``, default 512 rows); one process trains on
all of it per step, K ranks (``--ranks``, default 2) on ``global_batch / K`` rows each, gathered so that
every rank scores the same global batch (``docs/distributed.md``). Both runs are launched the same way,
``python -m torch.distributed.run --nproc-per-node=<k> -m experiments.benchmark_ddp --worker ...``,
one torch thread per process (gloo on the CPU, ``--device cuda`` for NCCL on GPUs).

The model: M = 3 modalities of ``--input-dim`` (256) columns through the built-in MLP encoders
(``--hidden-dim`` 512, ``--rep-dim`` 64, 0.5 M parameters). Each epoch is ``--steps`` steps; the first epoch
(warm-up) is dropped and the time per step is the median epoch time over the remaining ``--repeat`` epochs
divided by the steps (validation is 2K rows, negligible).

What decides the speed-up (measured on an idle 2-core machine, gloo): at the default 512 rows a step takes
about 35 ms in one process and DDP's fixed costs per step (the gather, the 2 MB gradient all-reduce, gloo's
polling) are of the same size, so 2 ranks are *slower* (t(1)/t(2) = 0.6-0.65). At ``--global-batch 4096
--method clip`` the N x N logits dominate: with the full global loss every rank still computes all of them
(t(1)/t(2) = 0.94), with ``--local-loss`` each rank computes its own rows' (t(1)/t(2) = 1.84 of an ideal 2).

Printed: ms per step for each world size, the speed-up ``t(1) / t(K)`` (ideal K) and the load average
of the machine before and after, since on a shared machine other jobs take the cores the ranks need.
(CPU time is no help there: gloo polls while it waits for the other rank, so a rank's CPU time counts
its waiting too.)
Usage: ``symile-lab benchmark-ddp [--ranks K] [--global-batch N] [--steps S] [--repeat R] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from experiments._options import UsageError, positive_int

__all__ = ["add_arguments", "run", "main"]

ROOT = Path(__file__).resolve().parents[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ranks", type=positive_int, default=2, help="processes of the parallel run (2)")
    parser.add_argument("--global-batch", type=positive_int, default=512, help="rows per step in all (512)")
    parser.add_argument("--input-dim", type=positive_int, default=256, help="input columns per modality")
    parser.add_argument("--hidden-dim", type=positive_int, default=512, help="MLP hidden width (512)")
    parser.add_argument("--rep-dim", type=positive_int, default=64, help="representation width d (64)")
    parser.add_argument("--steps", type=positive_int, default=6, help="steps per epoch (default 6)")
    parser.add_argument("--repeat", type=positive_int, default=3, help="timed epochs after the warm-up (3)")
    parser.add_argument("--method", choices=["symile", "clip"], default="symile", help="objective")
    parser.add_argument("--negatives", choices=["n", "n_squared"], default="n", help="Symile negatives")
    parser.add_argument("--local-loss", action="store_true", help="each rank's rows against the global batch")
    parser.add_argument("--device", default="cpu", help="cpu (gloo, default) or cuda (NCCL)")
    parser.add_argument("--out", default=None, help="also write benchmark_ddp.csv into this folder")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(world: int, settings: dict) -> dict:
    """Run the worker under torchrun with ``world`` processes; returns rank 0's timings."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "timing.json"
        command = [
            sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc-per-node={world}",
            "--master-addr=127.0.0.1", f"--master-port={_free_port()}", "-m", "experiments.benchmark_ddp",
            "--worker", json.dumps({**settings, "out": str(result)}),
        ]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"torchrun with {world} process(es) failed:\n{done.stderr[-3000:]}")
        return json.loads(result.read_text())


def _worker(settings: dict) -> None:
    """One rank of a timed run (started by torchrun): train() with a callback stamping every epoch."""
    import numpy as np

    from symile_min import TrainConfig, train
    from symile_min.distributed import process_rank

    world = int(os.environ.get("WORLD_SIZE", "1"))
    batch = settings["global_batch"] // world
    steps, repeat, dim = settings["steps"], settings["repeat"], settings["input_dim"]
    rng = np.random.default_rng(0)
    n = batch * world * steps
    data = [rng.normal(size=(n, dim)).astype(np.float32) for _ in range(3)]
    val = [x[: 2 * world] for x in data]
    config = TrainConfig(
        method=settings["method"], negatives=settings["negatives"], encoder="mlp",
        hidden_dim=settings["hidden_dim"], rep_dim=settings["rep_dim"], batch_size=batch, epochs=repeat + 1,
        lr=1e-3, local_loss=settings["local_loss"], device=settings["device"], grouped=False,
    )
    stamps = [time.perf_counter()]
    train(data, val, config, callbacks=lambda info: stamps.append(time.perf_counter()))
    wall = [b - a for a, b in zip(stamps[1:], stamps[2:], strict=False)]  # the warm-up epoch dropped
    if process_rank() == 0:
        per_step = statistics.median(wall) / steps
        timing = {"world": world, "batch_per_rank": batch, "seconds_per_step": per_step}
        Path(settings["out"]).write_text(json.dumps(timing))


def run(args: argparse.Namespace) -> list[dict]:
    """Time both world sizes, print the ratio and the load; returns the rows."""
    if args.global_batch % args.ranks or args.global_batch // args.ranks < 2:
        raise UsageError(
            f"--global-batch {args.global_batch} must split into {args.ranks} rank batches of >= 2 rows"
        )
    settings = {
        k: getattr(args, k)
        for k in ("global_batch", "input_dim", "hidden_dim", "rep_dim", "steps", "repeat", "method",
                  "negatives", "local_loss", "device")
    }
    load_before = os.getloadavg()
    rows = []
    for world in (1, args.ranks):
        timing = _launch(world, settings)
        rows.append(timing)
        print(
            f"{world} process(es), {timing['batch_per_rank']} rows each: "
            f"{1e3 * timing['seconds_per_step']:.1f} ms per step of {args.global_batch} rows"
        )
    load_after = os.getloadavg()
    speedup = rows[0]["seconds_per_step"] / rows[1]["seconds_per_step"]
    print(
        f"speed-up t(1) / t({args.ranks}) = {speedup:.2f} wall-clock (ideal {args.ranks}); load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPU(s)"
    )
    for row in rows:
        row.update(speedup=speedup, load_before=load_before[0], load_after=load_after[0],
                   cpus=os.cpu_count(), **settings)
    if args.out is not None:
        import pandas as pd

        from experiments._io import resolve_out, write_csv

        path = write_csv(resolve_out(args.out) / "benchmark_ddp.csv", pd.DataFrame(rows))
        print(f"wrote {path}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.benchmark_ddp``: same as ``symile-lab benchmark-ddp``."""
    from experiments.cli import run_command

    return run_command("benchmark-ddp", argv)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(json.loads(sys.argv[2]))
    else:
        raise SystemExit(main())
