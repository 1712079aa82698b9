"""Speed of ``infotheory`` against dit (exact measures) and infomeasure (plug-in estimates).

Joint of three d-bit vectors a, b, c: a and b uniform and independent, c = a xor b with
probability p (default 0.3), else c = a. Timed: total correlation TC(a; b; c) and I(a; b | c)
on the exact joint at d = 5 and d = 8 against dit, the same two measures on the d = 10 joint
(2^30 dense cells, about 2^21 non-zero) given as a sparse pmf, and plug-in TC + I(a; b | c)
from 1e5 samples at d = 5 against infomeasure's discrete estimator. The exact joints are given to
both libraries as their non-zero outcomes (a SparsePMF here, a dit.Distribution there); the d = 5
joint is also timed as a dense array (2^15 cells, validated on every call like any user array; goal
>= 40x dit). Each time is the best of ``--repeat`` runs, ours and the reference's taken in turns so
that a busy spell of a shared machine slows both; ratios are reference time / our time. dit and
infomeasure come with the optional ``bench`` extra; their rows are skipped with a message when missing.

Usage: ``symile-lab benchmark [--quick] [--repeat K] [--clock {wall,cpu}] [--out DIR]``
(``--quick`` skips the d = 8 dit case, which takes seconds).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
import timeit

import numpy as np

import infotheory as it
from experiments._options import positive_int, probability, seed

__all__ = ["xor_style_joint", "xor_style_samples", "add_arguments", "run", "main"]

GOAL_DIT = 25.0
GOAL_DENSE_DIT = 40.0
GOAL_INFOMEASURE = 15.0
GOAL_SPARSE_10_BIT_S = 2.0


def xor_style_joint(d: int, p: float) -> it.SparsePMF:
    """Exact joint of (a, b, c) as a SparsePMF over codes 0..2^d-1 (only the non-zero outcomes).

    Examples
    --------
    >>> joint = xor_style_joint(2, 0.3)
    >>> joint.shape, round(it.total_correlation(joint), 6)
    ((4, 4, 4), 1.339032)
    """
    n = 2**d
    a = np.repeat(np.arange(n), n)
    b = np.tile(np.arange(n), n)
    rows = np.concatenate([np.stack([a, b, a ^ b], axis=1), np.stack([a, b, a], axis=1)])
    probs = np.concatenate([np.full(n * n, p / n**2), np.full(n * n, (1 - p) / n**2)])
    return it.SparsePMF(rows, probs, shape=(n, n, n))


def xor_style_samples(d: int, p: float, n: int, seed) -> np.ndarray:
    """``n`` samples (n, 3) of integer codes (a, b, c) of the same joint.

    Examples
    --------
    >>> xor_style_samples(5, 0.3, 4, seed=0).shape
    (4, 3)
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2**d, n)
    b = rng.integers(0, 2**d, n)
    c = np.where(rng.random(n) < p, a ^ b, a)
    return np.stack([a, b, c], axis=1)


#: the clocks of ``--clock``: wall time, or the CPU time of this process (steadier on a shared machine;
#: the same as wall time on an idle one for this single-threaded code)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def _calls_per_run(fn, clock) -> int:
    t0 = clock()
    fn()
    once = clock() - t0
    return max(1, int(0.02 / max(once, 1e-7)))


def _best_of(fn, repeat: int, clock=time.perf_counter) -> float:
    """Seconds per call: best of ``repeat`` runs, each of enough calls to last about 20 ms."""
    number = _calls_per_run(fn, clock)
    return min(timeit.Timer(fn, timer=clock).repeat(number=number, repeat=repeat)) / number


def _best_of_pair(ours, theirs, repeat: int, clock=time.perf_counter) -> tuple[float, float]:
    """Seconds per call of both, best of ``repeat`` runs taken in turns, so that a busy spell of a shared
    machine slows both sides alike instead of one of them."""
    n_ours, n_theirs = _calls_per_run(ours, clock), _calls_per_run(theirs, clock)
    ours_s = theirs_s = float("inf")
    for _ in range(repeat):
        ours_s = min(ours_s, timeit.Timer(ours, timer=clock).timeit(number=n_ours) / n_ours)
        theirs_s = min(theirs_s, timeit.Timer(theirs, timer=clock).timeit(number=n_theirs) / n_theirs)
    return ours_s, theirs_s


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _to_dit(joint: it.SparsePMF):
    import dit

    return dit.Distribution([tuple(int(v) for v in row) for row in joint.outcomes], joint.probs.tolist())


def _row(case, ours_s, ref_s, goal, reference, value_ours=None, value_ref=None):
    ratio = ref_s / ours_s if ref_s is not None else None
    return {
        "case": case,
        "ours_s": ours_s,
        "reference": reference,
        "reference_s": ref_s,
        "ratio": ratio,
        "goal_ratio": goal,
        "meets_goal": None if ratio is None or goal is None else bool(ratio >= goal),
        "value_ours": value_ours,
        "value_reference": value_ref,
    }


def _exact_rows(d: int, p: float, repeat: int, with_dit: bool, clock) -> list[dict]:
    joint = xor_style_joint(d, p)
    measures = {
        "TC": lambda j: it.total_correlation(j),
        "I(a;b|c)": lambda j: it.conditional_mutual_information(j, 0, 1, 2),
    }
    dit_dist = _to_dit(joint) if with_dit else None
    rows = []
    for name, ours in measures.items():
        ref_s = value_ref = None
        if dit_dist is None:
            ours_s = _best_of(lambda ours=ours: ours(joint), repeat, clock)
        else:
            theirs = {"TC": _dit_tc, "I(a;b|c)": lambda dd: _dit_tc(dd, 2)}[name]
            ours_s, ref_s = _best_of_pair(
                lambda ours=ours: ours(joint),
                lambda theirs=theirs: theirs(dit_dist),
                repeat if d < 8 else 1,
                clock,
            )
            value_ref = float(theirs(dit_dist))
        rows.append(_row(f"{name}, exact, d={d}", ours_s, ref_s, GOAL_DIT, "dit", ours(joint), value_ref))
    return rows


def _dense_rows(d: int, p: float, repeat: int, with_dit: bool, clock) -> list[dict]:
    """Same measures on the dense array (2^(3d) cells, validated on every call like any user array)."""
    joint = xor_style_joint(d, p)
    dense = joint.to_dense()
    dit_dist = _to_dit(joint) if with_dit else None
    rows = []
    for name, ours, theirs in (
        ("TC", lambda q: it.total_correlation(q), _dit_tc),
        ("I(a;b|c)", lambda q: it.conditional_mutual_information(q, 0, 1, 2), lambda dd: _dit_tc(dd, 2)),
    ):
        ref_s = value_ref = None
        if dit_dist is None:
            ours_s = _best_of(lambda ours=ours: ours(dense), repeat, clock)
        else:
            ours_s, ref_s = _best_of_pair(
                lambda ours=ours: ours(dense), lambda theirs=theirs: theirs(dit_dist), repeat, clock
            )
            value_ref = float(theirs(dit_dist))
        case = f"{name}, exact dense array, d={d}"
        rows.append(_row(case, ours_s, ref_s, GOAL_DENSE_DIT, "dit", ours(dense), value_ref))
    return rows


def _dit_tc(dist, given=None):
    """dit's total correlation of all variables, or I(0; 1 | ``given``) as a conditional TC."""
    import dit

    if given is None:
        return dit.multivariate.total_correlation(dist)
    return dit.multivariate.total_correlation(dist, [[0], [1]], [given])


def _sparse_10_bit_row(p: float, repeat: int, clock) -> dict:
    build_s = _best_of(lambda: xor_style_joint(10, p), min(repeat, 2), clock)
    joint = xor_style_joint(10, p)

    def both():
        return it.total_correlation(joint), it.conditional_mutual_information(joint, 0, 1, 2)

    measure_s = _best_of(both, min(repeat, 3), clock)
    tc, cmi = both()
    row = _row("TC + I(a;b|c), sparse d=10", measure_s, None, None, "-", tc)
    row.update(build_s=build_s, nnz=joint.nnz, cmi=cmi, goal_s=GOAL_SPARSE_10_BIT_S)
    row["meets_goal"] = bool(measure_s + build_s <= GOAL_SPARSE_10_BIT_S)
    return row


def _plugin_row(p: float, n: int, repeat: int, seed, with_infomeasure: bool, clock) -> dict:
    samples = xor_style_samples(5, p, n, seed)

    def ours():
        return (
            it.plugin_estimate(it.total_correlation, samples),
            it.plugin_estimate(it.conditional_mutual_information, samples, 0, 1, 2),
        )

    ours_s = _best_of(ours, repeat, clock)
    ref_s = value_ref = None
    if with_infomeasure:
        import infomeasure as im

        a, b, c = samples.T

        def theirs():
            return (
                im.mutual_information(a, b, c, approach="discrete", base=2),  # 3 variables: TC
                im.conditional_mutual_information(a, b, cond=c, approach="discrete", base=2),
            )

        ref_s = _best_of(theirs, repeat, clock)
        value_ref = float(theirs()[0])
    return _row(
        f"plug-in TC + I(a;b|c), n={n}, d=5",
        ours_s,
        ref_s,
        GOAL_INFOMEASURE,
        "infomeasure",
        ours()[0],
        value_ref,
    )


def _format(rows: list[dict]) -> str:
    header = f"{'case':<38} {'ours':>10} {'reference':>12} {'ref time':>10} {'ratio':>8} {'goal':>7}"
    lines = [header, "-" * len(header)]
    for r in rows:
        ref = f"{r['reference_s'] * 1e3:8.2f}ms" if r["reference_s"] is not None else f"{'-':>10}"
        ratio = f"{r['ratio']:7.1f}x" if r["ratio"] is not None else f"{'-':>8}"
        if r["goal_ratio"]:
            goal = f">={r['goal_ratio']:.0f}x"
        else:
            goal = f"<={r['goal_s']:.0f}s" if "goal_s" in r else "info"
        lines.append(
            f"{r['case']:<38} {r['ours_s'] * 1e3:8.2f}ms {r['reference']:>12} {ref} {ratio} {goal:>7}"
            + ("" if r["meets_goal"] is None else ("  ok" if r["meets_goal"] else "  MISSED"))
        )
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``benchmark`` subcommand."""
    parser.add_argument("--quick", action="store_true", help="skip the d=8 dit case (seconds per call)")
    parser.add_argument(
        "--repeat", type=positive_int, default=5, help="runs per timing; the best is kept (default 5)"
    )
    parser.add_argument(
        "--p", type=probability, default=0.3, help="probability that c = a xor b (default 0.3)"
    )
    parser.add_argument(
        "--n-samples", type=positive_int, default=100_000, help="samples for the plug-in case"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of the samples (default 0)")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="wall time (default) or this process's CPU time, steadier on a shared machine",
    )
    parser.add_argument("--out", default=None, help="also write benchmark.csv into this folder")


def run(args: argparse.Namespace) -> list[dict]:
    """Time every case, print the table (and the notes on skipped references); return the rows."""
    with_dit, with_im = _have("dit"), _have("infomeasure")
    if not with_dit:
        print("dit is not installed (pip install '.[bench]'): reference times against dit skipped")
    if not with_im:
        print("infomeasure is not installed (pip install '.[bench]'): plug-in reference skipped")
    clock = CLOCKS[args.clock]
    print(f"times: best of {args.repeat} runs, {args.clock} clock")
    rows = _exact_rows(5, args.p, args.repeat, with_dit, clock)
    rows += _exact_rows(8, args.p, args.repeat, with_dit and not args.quick, clock)
    rows += _dense_rows(5, args.p, args.repeat, with_dit, clock)
    if args.quick and with_dit:
        print("--quick: the d=8 dit reference is skipped")
    rows.append(_sparse_10_bit_row(args.p, args.repeat, clock))
    rows.append(_plugin_row(args.p, args.n_samples, args.repeat, args.seed, with_im, clock))
    print(_format(rows))
    sparse = rows[-2]
    print(
        f"d=10 sparse joint: {sparse['nnz']} non-zero rows, built in {sparse['build_s']:.2f}s, "
        f"TC + I(a;b|c) in {sparse['ours_s']:.2f}s "
        f"(TC={sparse['value_ours']:.6f}, I={sparse['cmi']:.6f} bits)"
    )
    if args.out is not None:
        import pandas as pd

        from experiments._io import resolve_out, write_csv

        path = write_csv(resolve_out(args.out) / "benchmark.csv", pd.DataFrame(rows))
        print(f"wrote {path}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.benchmark``: same as ``symile-lab benchmark``."""
    from experiments.cli import run_command

    return run_command("benchmark", argv)


if __name__ == "__main__":
    raise SystemExit(main())
