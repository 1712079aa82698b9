"""Benchmark: the streamed all-combinations ("n_squared") Symile loss -- time and peak memory, with ratios.

Forward + backward at M = 3, d = 16 (``--m``, ``--d``), float32, ``--threads`` torch threads (default 2),
for N in 128, 256, 512, 1024 (``--quick``: 128, 256), of

* ``symile_loss``: ``symile_min.symile_loss(negatives="n_squared")``, all M anchors' log-sum-exps from one
  streamed pass over the score tensor (:mod:`symile_min._streamed`);
* ``baseline``: the streamed loss of commit :data:`BASELINE_COMMIT` (each anchor streamed on its own,
  combinations gathered by index), read with ``git show`` at run time (skipped outside a git checkout);
* ``materialised``: :func:`symile_min._streamed.symile_loss_materialised` (all N^M logits at once);
* ``official``: the ``symile`` package's ``Symile(negative_sampling="n_squared")`` (``pip install --no-deps
  symile``; skipped with a message when missing).

Each case runs in a fresh subprocess that reports the best of ``--repeat`` timed runs (fewer when the
first run is slow): wall-clock and CPU seconds (``process_time``, all threads; on a shared machine the
CPU time of a one-thread run is the steadier number), and its peak resident memory (``ru_maxrss``)
minus the memory after setup. Ratios are other wall time / ``symile_loss`` wall time, measured in the same
run. Cases whose logits would exceed ``--max-gib`` are skipped and reported with their estimated size.
Goals (issue 13): N = 1024 in <= 6 s with <= 256 MiB extra, N = 512 in <= 1 s and >= 10x the official
package.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from experiments._options import positive_float, positive_int

__all__ = ["BASELINE_COMMIT", "add_arguments", "run", "main"]

#: the implementation the speed-up is measured against (the per-anchor streamed loss before issue 13)
BASELINE_COMMIT = "d6584f7"

GOAL_1024_S, GOAL_1024_MIB, GOAL_512_S, GOAL_OFFICIAL = 6.0, 256.0, 1.0, 10.0

IMPLS = ("symile_loss", "baseline", "materialised", "official")

_CASE = r"""
import importlib.util, json, resource, sys, time, torch
import torch.nn.functional as F
impl, n, m, d, threads, repeat, baseline = sys.argv[1:]
n, m, d, threads, repeat = int(n), int(m), int(d), int(threads), int(repeat)
torch.set_num_threads(threads)
if impl == "symile_loss":
    from symile_min import symile_loss
    def loss_fn(reps, scale):
        return symile_loss(reps, scale, negatives="n_squared")
elif impl == "materialised":
    from symile_min._streamed import symile_loss_materialised as loss_fn
elif impl == "official":
    from symile import Symile
    official = Symile(negative_sampling="n_squared")
    def loss_fn(reps, scale):
        return official(reps, torch.tensor(scale))
else:  # the baseline commit's streamed lse, used as its symile_loss(negatives="n_squared") did
    spec = importlib.util.spec_from_file_location("symile_min._streamed_baseline", baseline)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    def loss_fn(reps, scale):
        prod = reps[0]
        for r in reps[1:]:
            prod = prod * r
        pos = scale * prod.sum(dim=1)
        losses = []
        for a in range(len(reps)):
            others = [r for k, r in enumerate(reps) if k != a]
            lse = old._lse_all_combinations(reps[a], others, None, scale, old.DEFAULT_CHUNK_ELEMENTS)
            losses.append((lse - pos).mean())
        return torch.stack(losses).mean()
g = torch.Generator().manual_seed(0)
warm = [F.normalize(torch.randn(8, d, generator=g), dim=1).requires_grad_() for _ in range(m)]
loss_fn(warm, 10.0).backward()  # library start-up (thread pool, autograd engine) is not the loss's memory
reps = [F.normalize(torch.randn(n, d, generator=g), dim=1).requires_grad_() for _ in range(m)]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
times, cpu, spent = [], [], 0.0
while len(times) < repeat and (not times or spent < 20.0):  # a slow case is timed fewer times
    for r in reps:
        r.grad = None
    t, c = time.perf_counter(), time.process_time()
    loss = loss_fn(reps, 10.0)
    loss.backward()
    times.append(time.perf_counter() - t)
    cpu.append(time.process_time() - c)
    spent += times[-1]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
grad = torch.cat([r.grad.reshape(-1) for r in reps])
print(json.dumps({"seconds": min(times), "cpu_seconds": min(cpu), "runs": len(times),
                  "extra_mib": (peak - base) / 1024,
                  "loss": float(loss), "grad": grad[:64].tolist()}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line options of the benchmark."""
    parser.add_argument("--quick", action="store_true", help="N in {128, 256} only")
    parser.add_argument("--m", type=_at_least_two, default=3, help="number of modalities (default 3)")
    parser.add_argument("--d", type=positive_int, default=16, help="representation dim (default 16)")
    parser.add_argument("--threads", type=positive_int, default=2, help="torch threads (default 2)")
    parser.add_argument(
        "--repeat", type=positive_int, default=3, help="timed runs per case, best kept (default 3)"
    )
    parser.add_argument(
        "--max-gib", type=positive_float, default=6.0, help="skip materialising cases above this"
    )


def _at_least_two(text: str) -> int:
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 modalities, got {text!r}")
    return value


def _baseline_source(folder: Path) -> tuple[Path | None, str]:
    """The baseline commit's ``_streamed.py`` written into ``folder``, or None and why not."""
    repo = Path(__file__).resolve().parents[1]
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "show", f"{BASELINE_COMMIT}:symile_min/_streamed.py"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as err:
        return None, f"git is not available ({err})"
    if out.returncode != 0:
        return None, f"commit {BASELINE_COMMIT} not found ({out.stderr.strip()})"
    path = folder / "streamed_baseline.py"
    path.write_text(out.stdout)
    return path, ""


def _case(impl: str, n: int, args: argparse.Namespace, baseline: Path | None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CASE, impl, str(n), str(args.m), str(args.d), str(args.threads),
         str(args.repeat), str(baseline or "")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": str(args.threads)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _have_official() -> bool:
    import importlib.util

    return importlib.util.find_spec("symile") is not None


def run(args: argparse.Namespace) -> list[dict]:
    """Run every case; print wall time, CPU time and extra memory per N with the ratios, and the goals."""
    sizes = [128, 256] if args.quick else [128, 256, 512, 1024]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline, why = _baseline_source(Path(tmp))
        if baseline is None:
            print(f"baseline skipped: {why}")
        official = _have_official()
        if not official:
            print("official symile package not installed (pip install --no-deps symile): skipped")
        for n in sizes:
            logits_gib = 4 * n**args.m / 2**30  # float32 logits of one anchor
            row = {"n": n, "materialised_logits_gib_per_anchor": logits_gib}
            for impl in IMPLS:
                if impl == "baseline" and baseline is None or impl == "official" and not official:
                    row[f"{impl}_skip"] = "n/a"
                    continue
                if impl in ("materialised", "official") and 3 * logits_gib > args.max_gib:
                    row[f"{impl}_skip"] = f"~{3 * logits_gib:.0f} GiB"  # logits + softmax + gradient
                    continue
                res = _case(impl, n, args, baseline)
                row[f"{impl}_s"], row[f"{impl}_cpu_s"] = res["seconds"], res["cpu_seconds"]
                row[f"{impl}_mib"], row[f"{impl}_runs"] = res["extra_mib"], res["runs"]
                if impl == "symile_loss":
                    ref = res
                    row["loss"] = res["loss"]
                else:  # every implementation computes the same loss and gradient
                    row[f"{impl}_loss_diff"] = abs(res["loss"] - ref["loss"])
                    row[f"{impl}_grad_diff"] = max(abs(a - b) for a, b in zip(res["grad"], ref["grad"]))
            rows.append(row)
    print(
        f"M = {args.m}, d = {args.d}, float32, {args.threads} thread(s), forward + backward, best of "
        f"<= {args.repeat} runs; (ratio) = that time / symile_loss's time in the same run"
    )
    tables = (("wall s", "_s", True), ("CPU s", "_cpu_s", True), ("extra MiB", "_mib", False))
    for title, suffix, ratio in tables:
        print(f"{title:<10}" + "".join(f"{impl:>21}" for impl in IMPLS))
        for r in rows:
            cells = []
            for impl in IMPLS:
                if f"{impl}_skip" in r:
                    cells.append(f"{r[f'{impl}_skip']:>21}")
                    continue
                value = r[f"{impl}{suffix}"]
                text = f"{value:.3f}" if ratio else f"{value:.0f}"
                if ratio and impl != "symile_loss":
                    text += f" ({value / r[f'symile_loss{suffix}']:.1f}x)"
                cells.append(f"{text:>21}")
            print(f"{'N=' + str(r['n']):<10}" + "".join(cells))
    _print_goals(rows)
    worst = max((v for r in rows for k, v in r.items() if k.endswith("_diff")), default=0.0)
    print(f"largest |loss or gradient difference| to symile_loss across implementations: {worst:.2e}")
    return rows


def _print_goals(rows: list[dict]) -> None:
    by_n = {r["n"]: r for r in rows}

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    if 1024 in by_n:
        sec, mib = by_n[1024]["symile_loss_s"], by_n[1024]["symile_loss_mib"]
        print(
            f"goal N=1024: {sec:.2f} s <= {GOAL_1024_S:.0f} s {verdict(sec <= GOAL_1024_S)}, "
            f"{mib:.0f} MiB <= {GOAL_1024_MIB:.0f} MiB {verdict(mib <= GOAL_1024_MIB)}"
        )
    if 512 in by_n:
        sec, official = by_n[512]["symile_loss_s"], by_n[512].get("official_s")  # None when skipped
        line = f"goal N=512: {sec:.2f} s <= {GOAL_512_S:.0f} s {verdict(sec <= GOAL_512_S)}"
        if official is not None:
            ratio = official / sec
            line += f", {ratio:.1f}x the official package (goal >= {GOAL_OFFICIAL:.0f}x) "
            line += verdict(ratio >= GOAL_OFFICIAL)
        print(line)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.benchmark_symile``: same as ``symile-lab benchmark-symile``."""
    from experiments.cli import run_command

    return run_command("benchmark-symile", argv)


if __name__ == "__main__":
    raise SystemExit(main())
