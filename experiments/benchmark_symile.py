"""Benchmark: streamed (chunked) all-combinations Symile loss vs materialised logits -- time and peak memory.

Each case runs in a fresh subprocess that reports its peak resident memory (``ru_maxrss``) minus the
memory after setup, so the numbers are honest process-level peaks (forward + backward, M = 3, d = 16,
float32, one thread). Materialised cases whose logits would exceed ``--max-gib`` are skipped and reported
with their estimated size instead.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from experiments._options import positive_float, positive_int

_CASE = r"""
import json, resource, sys, time, torch
import torch.nn.functional as F
from symile_min import symile_loss
from symile_min._streamed import symile_loss_materialised
torch.set_num_threads(1)
impl, n, m, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
g = torch.Generator().manual_seed(0)
reps = [F.normalize(torch.randn(n, d, generator=g), dim=1).requires_grad_() for _ in range(m)]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
if impl == "chunked":
    loss = symile_loss(reps, 10.0, negatives="n_squared")
else:
    loss = symile_loss_materialised(reps, 10.0)
loss.backward()
sec = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": sec, "extra_mib": (peak - base) / 1024, "loss": float(loss)}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line options of the benchmark."""
    parser.add_argument("--quick", action="store_true", help="N in {128, 256} only")
    parser.add_argument("--m", type=_at_least_two, default=3, help="number of modalities (default 3)")
    parser.add_argument("--d", type=positive_int, default=16, help="representation dim (default 16)")
    parser.add_argument(
        "--max-gib", type=positive_float, default=6.0, help="skip materialised cases above this"
    )


def _at_least_two(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 modalities, got {text!r}")
    return value


def _case(impl: str, n: int, m: int, d: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CASE, impl, str(n), str(m), str(d)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace) -> list[dict]:
    """Run every case, print one line per N with the ratios, return the rows."""
    sizes = [128, 256] if args.quick else [128, 256, 512, 1024]
    rows = []
    print(
        f"{'N':>5} {'chunked s':>10} {'chunked MiB':>12} {'material s':>11} {'material MiB':>13} "
        f"{'time ratio':>10} {'mem ratio':>10}"
    )
    for n in sizes:
        chunked = _case("chunked", n, args.m, args.d)
        logits_gib = 4 * n**args.m / 2**30  # float32 logits of one anchor
        row = {
            "n": n,
            "chunked_s": chunked["seconds"],
            "chunked_mib": chunked["extra_mib"],
            "material_logits_gib_per_anchor": logits_gib,
        }
        if 3 * logits_gib <= args.max_gib:  # logits + their softmax + gradient live at once
            mat = _case("materialised", n, args.m, args.d)
            row.update(
                material_s=mat["seconds"],
                material_mib=mat["extra_mib"],
                loss_diff=abs(mat["loss"] - chunked["loss"]),
            )
            print(
                f"{n:>5} {chunked['seconds']:>10.3f} {chunked['extra_mib']:>12.1f} {mat['seconds']:>11.3f} "
                f"{mat['extra_mib']:>13.1f} {mat['seconds'] / chunked['seconds']:>10.2f} "
                f"{mat['extra_mib'] / max(chunked['extra_mib'], 1e-9):>10.1f}"
            )
        else:
            print(
                f"{n:>5} {chunked['seconds']:>10.3f} {chunked['extra_mib']:>12.1f} "
                f"{'skipped':>11} {f'~{3 * logits_gib:.1f} GiB':>13} (materialised would exceed --max-gib)"
            )
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.benchmark_symile``: same as ``symile-lab benchmark-symile``."""
    from experiments.cli import run_command

    return run_command("benchmark-symile", argv)


if __name__ == "__main__":
    raise SystemExit(main())
