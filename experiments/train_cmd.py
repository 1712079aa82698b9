"""Train Symile or CLIP on your own data: one array per modality, row i of every array = sample i.

Example: ``symile-lab train --data train.npz --val val.npz --method symile --out run/``.

``--data`` / ``--val`` are ``.npz`` files with one array per modality (their names are the modality names,
in the file's order) or folders of ``.npy`` files (one per modality, in name order). The built-in encoders
(``--encoder linear`` as in the paper, or ``mlp``) take vectors, so every array is read as (N, d_m):
(N,) becomes (N, 1) and (N, a, b, ...) is flattened to (N, a*b*...) (with a note). Your own encoders (a
CNN for images, an embedding for token ids) come from ``--model my_encoders.py:make`` (or
``package.module:make``): ``make()`` returns one ``nn.Module`` per modality (or a module with
``encode(batch)``), and the arrays reach it with their own shapes (floats as float32, integers as they
are); ``symile-lab evaluate`` finds the same ``--model`` in the run's ``config.json``. A nan is an error
naming the modality: feed a modality that is missing in some rows through ``symile_min.with_missingness``.

Writes into ``--out``: ``checkpoint.pt`` (the best-validation model, its objective, the config and the
training state; ``torch.load(weights_only=True)`` reads it, ``symile_min.TrainResult.load`` rebuilds it,
``symile-lab evaluate --checkpoint`` scores it), ``config.json`` (the resolved training config and the data
read), ``history.csv`` (one row per epoch, rewritten after every epoch), ``loss.png`` / ``loss.pdf`` and,
if the ``tensorboard`` package is installed, TensorBoard event files. A killed run continues where it
stopped with ``--resume`` (same options and data): the final weights are those of an uninterrupted run.

Data-parallel, unchanged: ``torchrun --nproc-per-node=K --no-python symile-lab train ...`` (or
``torchrun --nproc-per-node=K -m experiments train ...``) trains on K processes, each reading the files
and ``train()`` sharding the rows; ``--batch-size`` is then per process (a global batch of K times it)
and only rank 0 prints and writes ``--out`` (``docs/distributed.md``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments import _io
from experiments._data_files import as_vectors, build_model, load_arrays
from experiments._options import (
    UsageError,
    non_negative_int,
    positive_float,
    positive_int,
    seed,
    want_progress,
)

__all__ = ["add_arguments", "run", "main", "config_from_args"]

CHECKPOINT = "checkpoint.pt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab train``."""
    parser.add_argument("--data", required=True, help=".npz (one array per modality) or folder of .npy files")
    parser.add_argument("--val", required=True, help="validation data, same modalities as --data")
    parser.add_argument("--out", required=True, help="output folder (checkpoint, config, history, plot)")
    parser.add_argument(
        "--method", choices=["symile", "clip"], default="symile", help="objective (default symile)"
    )
    parser.add_argument(
        "--negatives", choices=["n", "n_squared"], default="n", help="Symile negatives (default n: O(N))"
    )
    parser.add_argument("--encoder", choices=["linear", "mlp"], default="linear", help="built-in encoders")
    parser.add_argument(
        "--model", default=None, help="your own encoders: FILE.py:FUNCTION or MODULE:FUNCTION returning them"
    )
    parser.add_argument("--rep-dim", type=positive_int, default=16, help="representation width (default 16)")
    parser.add_argument("--hidden-dim", type=positive_int, default=64, help="MLP hidden width (default 64)")
    parser.add_argument("--epochs", type=positive_int, default=100, help="epochs (default 100)")
    parser.add_argument("--batch-size", type=positive_int, default=1000, help="rows per step (default 1000)")
    parser.add_argument("--lr", type=positive_float, default=0.1, help="peak AdamW rate (default 0.1)")
    parser.add_argument("--weight-decay", type=float, default=0.01, help="AdamW weight decay (default 0.01)")
    parser.add_argument(
        "--logit-scale-init", type=float, default=-0.3, help="initial log logit-scale (default -0.3)"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of init, batches, negatives (default 0)")
    parser.add_argument("--patience", type=positive_int, default=None, help="early stopping (default: none)")
    parser.add_argument(
        "--device", default="auto", help="auto (default: cuda, else mps, else cpu), cpu, cuda, cuda:<i>, mps"
    )
    parser.add_argument("--precision", choices=["32", "bf16", "16"], default="32", help="float32 or autocast")
    parser.add_argument("--grad-clip", type=positive_float, default=None, help="clip the gradient norm")
    parser.add_argument(
        "--schedule", choices=["constant", "cosine"], default="constant", help="learning-rate schedule"
    )
    parser.add_argument("--warmup-steps", type=non_negative_int, default=0, help="linear warm-up steps")
    parser.add_argument("--min-lr", type=float, default=0.0, help="final rate of the cosine schedule")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch CPU threads (default 1)")
    parser.add_argument(
        "--resume", action="store_true", help=f"continue the run in --out from its {CHECKPOINT}"
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="hide the progress bar")
    parser.set_defaults(progress=None)


def config_from_args(args: argparse.Namespace):
    """The ``symile_min.TrainConfig`` of the options (a bad combination is a :class:`UsageError`)."""
    from symile_min import TrainConfig

    try:
        return TrainConfig(
            method=args.method,
            negatives=args.negatives,
            rep_dim=args.rep_dim,
            encoder=args.encoder,
            hidden_dim=args.hidden_dim,
            lr=args.lr,
            weight_decay=args.weight_decay,
            batch_size=args.batch_size,
            epochs=args.epochs,
            logit_scale_init=args.logit_scale_init,
            seed=args.seed,
            patience=args.patience,
            progress=want_progress(args),
            num_threads=args.threads,
            device=args.device,
            precision=args.precision,
            grad_clip=args.grad_clip,
            schedule=args.schedule,
            warmup_steps=args.warmup_steps,
            min_lr=args.min_lr,
        )
    except ValueError as err:
        raise UsageError(str(err)) from None


def _checked(arrays: dict, option: str, names=None, *, flat: bool = True) -> dict:
    """Validate the arrays as the trainer reads them; its errors (naming the modality) are usage errors."""
    from symile_min.data import modalities

    try:
        modalities(arrays, name=option, flat=flat, names=names)
    except (ValueError, TypeError) as err:
        raise UsageError(str(err)) from None
    return arrays


def run(args: argparse.Namespace) -> dict:
    """Train, write checkpoint / config / history / plot into ``--out``; returns the paths and numbers."""
    import torch

    from symile_min import train
    from symile_min.checkpoint import load_payload
    from symile_min.distributed import process_rank
    from symile_min.train import check_resumable, resolve_device

    lead = process_rank() == 0  # under torchrun only rank 0 prints and writes (train() shards the rows)
    config = config_from_args(args)
    try:
        device = resolve_device(config.device)
    except ValueError as err:
        raise UsageError(str(err)) from None
    out = _io.resolve_out(args.out)
    own = args.model is not None
    model = build_model(args.model) if own else None
    train_arrays, val_arrays = load_arrays(args.data, option="--data"), load_arrays(args.val, option="--val")
    if not own:  # the built-in encoders take vectors
        train_arrays = as_vectors(train_arrays, quiet=not lead)
        val_arrays = as_vectors(val_arrays, quiet=True)
    train_arrays = _checked(train_arrays, "--data", flat=not own)
    val_arrays = _checked(val_arrays, "--val", list(train_arrays), flat=not own)
    widths = {k: (int(v.shape[1]) if not own else list(v.shape[1:])) for k, v in train_arrays.items()}
    if {k: (int(v.shape[1]) if not own else list(v.shape[1:])) for k, v in val_arrays.items()} != widths:
        what = "shapes" if own else "widths"
        got = [list(v.shape[1:]) if own else v.shape[1] for v in val_arrays.values()]
        raise UsageError(f"--val {what} {got} differ from --data {widths}")
    n_train, n_val = len(next(iter(train_arrays.values()))), len(next(iter(val_arrays.values())))
    if n_train < 2 or n_val < 2:
        raise UsageError(f"need at least 2 training and 2 validation rows, got {n_train} and {n_val}")
    checkpoint = out / CHECKPOINT
    resume, done_before = None, 0
    if args.resume:
        if not checkpoint.is_file():
            raise UsageError(f"--resume: no {CHECKPOINT} in {str(out)!r} to continue")
        try:
            saved = load_payload(checkpoint)
            check_resumable(saved, config, checkpoint)
        except ValueError as err:
            raise UsageError(str(err)) from None
        resume, done_before = checkpoint, len(saved["history"]["rows"])

    say = print if lead else (lambda *a, **k: None)
    say(
        f"training {config.method} on {n_train} rows ({', '.join(f'{k}: {w}' for k, w in widths.items())}), "
        f"{'encoders from ' + args.model if own else config.encoder + ' encoders'}, "
        f"validating on {n_val}, device {device}, {config.epochs} epochs of batch {config.batch_size}"
    )
    t0 = time.perf_counter()
    if own:
        _probe(model, train_arrays, args.model)
    result = train(
        train_arrays, val_arrays, config, model=model, log_dir=out, checkpoint=checkpoint, resume=resume
    )
    seconds = time.perf_counter() - t0
    epochs_run = int(len(result.history)) - done_before
    per_epoch = seconds / max(1, epochs_run)
    if not lead:
        return {"result": result, "paths": [], "seconds": seconds, "seconds_per_epoch": per_epoch}

    paths = [checkpoint]
    config_json = {
        "command": "train",
        "train": config.to_dict(),
        "model": args.model,
        "data": {"path": str(args.data), "n": n_train, "modalities": widths},
        "val": {"path": str(args.val), "n": n_val},
        "device": str(device),
        "torch": torch.__version__,
    }
    paths.append(_io.write_json(out / "config.json", config_json))
    paths.append(_io.write_csv(out / "history.csv", result.history))
    paths += _plot(result, out, config.method)
    best = result.history.loc[result.history.epoch == result.best_epoch].iloc[0]
    print(
        f"{epochs_run} epoch(s) in {seconds:.1f} s ({per_epoch:.3f} s per epoch); best epoch "
        f"{result.best_epoch}: val loss {best.val_loss:.4f} nats, logit scale {best.logit_scale:.3f}"
    )
    for path in paths:
        print(f"wrote {path}")
    return {"result": result, "paths": paths, "seconds": seconds, "seconds_per_epoch": per_epoch}


def _probe(model, arrays: dict, spec: str) -> None:
    """Encode two rows with the ``--model`` encoders: outputs that do not fit are one-line errors."""
    import torch

    from symile_min import SymileModel

    probe = SymileModel(encoders=model, names=list(arrays))
    was_training = probe.training
    probe.eval()
    try:
        with torch.no_grad():
            probe.encode({k: v[:2] for k, v in arrays.items()})
    except (ValueError, TypeError) as err:  # our checks of the outputs (named); the module's own errors stay
        raise UsageError(f"--model {spec!r}: {err}") from None
    finally:
        probe.train(was_training)


def _plot(result, out: Path, method: str) -> list[Path]:
    """``loss.png`` / ``loss.pdf``: train and validation loss per epoch, the kept epoch marked."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    h = result.history
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    ax.plot(h.epoch, h.train_loss, label="train", color="C0")
    ax.plot(h.epoch, h.val_loss, label="validation", color="C1")
    ax.axvline(result.best_epoch, color="0.5", linestyle=":", label=f"kept: epoch {result.best_epoch}")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{method} loss (nats)")
    ax.legend()
    return _io.save_figure(fig, out, "loss", close=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.train_cmd``: same as ``symile-lab train``."""
    from experiments.cli import run_command

    return run_command("train", argv)


if __name__ == "__main__":
    raise SystemExit(main())
