"""Score a trained model on held-out data: retrieve one modality from the others.

Example: ``symile-lab evaluate --checkpoint run/ --data test.npz --target 2``.

``--checkpoint`` is a ``symile-lab train`` folder (or its ``checkpoint.pt``); ``--data`` has the same
modalities as the training data (an ``.npz`` or a folder of ``.npy``, read as ``symile-lab train`` reads
them). ``--target`` is the modality to retrieve, by index or name. For every test row the model scores
candidate values of the target with its own objective (Symile: the multilinear inner product with the
other modalities' representations; CLIP: the sum of the pairwise inner products) and ranks the true one:

* ``--candidates rows`` (default): the candidates are the N target rows of the test set, the true one among
  N - 1 others (for continuous data);
* ``--candidates distinct``: the distinct target values (exact-candidate mode, for discrete data).

Prints and writes ``accuracy@1``, ``recall@k`` (``--ks``), the mean reciprocal rank and the chance level
1 / C, plus the held-out contrastive bound (bits; O(N) negatives, batches of the training batch size), into
``<out>/evaluate_<data>_<target>.json`` (``--out`` defaults to the checkpoint's folder).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments import _io
from experiments._data_files import as_vectors, build_model, load_arrays
from experiments._options import UsageError, positive_int

__all__ = ["add_arguments", "run", "main", "parse_ks"]


def parse_ks(text: str) -> list[int]:
    """argparse type: comma-separated positive ints (``"1,5,10"``)."""
    try:
        ks = [int(k) for k in str(text).split(",") if k.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 1, got {text!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 1, got {text!r}")
    return ks


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab evaluate``."""
    parser.add_argument("--checkpoint", required=True, help="a symile-lab train folder or its checkpoint.pt")
    parser.add_argument("--data", required=True, help="test data: .npz or folder of .npy, same modalities")
    parser.add_argument("--target", required=True, help="modality to retrieve: index or name")
    parser.add_argument(
        "--candidates", choices=["rows", "distinct"], default="rows",
        help="rows: the test rows' targets (default); distinct: the distinct target values (discrete data)",
    )
    parser.add_argument(
        "--model", default=None,
        help="your own encoders' FILE.py:FUNCTION (default: the one in the run's config.json, if any)",
    )
    parser.add_argument("--ks", type=parse_ks, default=[1, 5, 10], help="k of recall@k (default 1,5,10)")
    parser.add_argument("--batch-size", type=positive_int, default=1024, help="rows scored at once")
    parser.add_argument("--out", default=None, help="output folder (default: the checkpoint's folder)")


def run(args: argparse.Namespace) -> dict:
    """Load the checkpoint and data, compute the metrics, print them and write the JSON."""
    from symile_min import TrainResult, bound_estimate, retrieval_metrics

    path = Path(args.checkpoint)
    spec = args.model if args.model is not None else _recorded_model(path)
    try:
        result = TrainResult.load(path, model=build_model(spec) if spec is not None else None)
    except FileNotFoundError as err:
        raise UsageError(f"--checkpoint: {err}") from None
    except ValueError as err:  # not a checkpoint, own encoders without --model, or another architecture
        hint = " (give --model FILE.py:FUNCTION)" if "your own encoders" in str(err) else ""
        raise UsageError(f"--checkpoint {str(path)!r}: {err}{hint}") from None
    model = result.model
    arrays = load_arrays(args.data, option="--data")
    if model.builtin:
        arrays = as_vectors(arrays)
    names = list(model.names) if model.names is not None else list(arrays)
    if model.names is not None and sorted(arrays) != sorted(names):
        raise UsageError(f"--data has modalities {list(arrays)}, the model was trained on {names}")
    target = int(args.target) if str(args.target).isdigit() else args.target
    if isinstance(target, str) and target not in names:
        raise UsageError(
            f"--target {target!r} is not a modality: choose an index in [0, {len(names)}) or one of {names}"
        )
    if isinstance(target, int) and not 0 <= target < len(names):
        raise UsageError(f"--target {target} is not a modality index in [0, {len(names)})")
    data = {k: arrays[k] for k in names}
    try:
        metrics = retrieval_metrics(
            model, data, target=target, candidates="distinct" if args.candidates == "distinct" else None,
            ks=args.ks, batch_size=args.batch_size,
        )
    except (ValueError, TypeError) as err:  # data that do not fit the model (widths, nan): named there
        raise UsageError(f"--data {str(args.data)!r}: {err}") from None
    n = metrics["n_queries"]
    batch = min(result.config.batch_size, n)
    # the O(N)-negatives bound (cheap at any M; an "n_squared" model's own bound costs N^(M-1) per row)
    bound = bound_estimate(model, data, negatives="n", batch_size=batch) if batch >= 2 else None
    target_name = names[target] if isinstance(target, int) else target
    report = {
        "command": "evaluate",
        "checkpoint": str(path),
        "data": str(args.data),
        "candidates": args.candidates,
        **metrics,
        "target": target_name,
        "bound_bits": None if bound is None else bound["bound"],
        "bound_se_bits": None if bound is None else bound["se"],
        "bound_cap_bits": None if bound is None else bound["cap"],
        "bound_batch_size": batch,
    }
    out = _io.resolve_out(args.out if args.out is not None else (path if path.is_dir() else path.parent))
    stem = Path(args.data).stem or "data"
    written = _io.write_json(out / f"evaluate_{stem}_{target_name}.json", report)
    print(
        f"{metrics['method']} model, retrieving {target_name!r} from the other modalities among "
        f"{metrics['n_candidates']} candidates ({args.candidates}), {n} test rows:"
    )
    for key in ["accuracy@1", *[f"recall@{k}" for k in args.ks if k != 1], "mrr", "chance@1"]:
        print(f"  {key:<12} {metrics[key]:.4f}")
    if bound is not None:
        cap = bound["cap"]
        print(f"  {'bound':<12} {bound['bound']:.4f} bits (held-out contrastive lower bound, cap {cap:.2f})")
    print(f"wrote {written}")
    return {"metrics": report, "path": written}


def _recorded_model(path: Path) -> str | None:
    """The ``--model`` a ``symile-lab train`` run recorded in its ``config.json`` (None if absent)."""
    import json

    config = (path if path.is_dir() else path.parent) / "config.json"
    if not config.is_file():
        return None
    try:
        return json.loads(config.read_text()).get("model")
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.evaluate_cmd``: same as ``symile-lab evaluate``."""
    from experiments.cli import run_command

    return run_command("evaluate", argv)


if __name__ == "__main__":
    raise SystemExit(main())
