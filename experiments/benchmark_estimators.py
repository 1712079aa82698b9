"""Speed of the continuous estimators against infomeasure (KSG) and hoi (Gaussian-copula O-information).

Data: :class:`generators.GaussianTC` samples, n = 1e4 by default. Timed, each the best of ``--repeat`` runs
(after one untimed call, so hoi's jax compilation is not counted):

* KSG I(x; y) of two scalars, KSG total correlation of three scalars (goal: >= 2x infomeasure's KSG), and,
  for information, KSG I(x; y | z) and KSG I(x; y) of 2-dim vectors; all with k = 4 (infomeasure's
  default), no standardisation and infomeasure's noise switched off (``noise_level=0``), so that both
  compute the same number, which is printed;
* Gaussian-copula O-information of six scalars (goal: >= 2x hoi's ``Oinfo(...).fit(method="gc")``, one
  multiplet of all six variables, hoi's float32 default).

Ratios are reference time / our time. infomeasure comes with the ``bench`` extra; hoi is optional (it
needs jax; ``pip install --no-deps hoi jax jaxlib jax-tqdm chex ml_dtypes opt_einsum absl-py toolz`` adds
it without touching torch). A missing reference is reported and its rows are skipped.

Usage: ``symile-lab benchmark-estimators [--n-samples N] [--repeat K] [--out DIR]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from experiments._options import positive_int, seed
from experiments.benchmark import _best_of, _format, _have, _row

__all__ = ["add_arguments", "run", "main"]

GOAL_INFOMEASURE_KSG = 2.0
GOAL_HOI = 2.0
K = 4


def _samples(dims, tc: float, n: int, rng) -> list[np.ndarray]:
    from generators import GaussianTC

    gen = GaussianTC.from_total_correlation(dims, tc)
    sample = gen.sample(n, rng)
    return [sample[name] for name in gen.names]


def _ksg_rows(n: int, repeat: int, rng, with_im: bool) -> list[dict]:
    from infotheory.knn import ksg_estimate

    scalars = _samples((1, 1, 1), 1.0, n, rng)
    vectors = _samples((2, 2), 1.0, n, rng)
    x, y, z = scalars
    cases = [  # (name, ours, infomeasure's, goal)
        (
            f"KSG I(x;y), n={n}",
            lambda: ksg_estimate("mutual_information", [x, y], 0, 1, k=K, standardize=False),
            lambda im: im.mutual_information(x, y, approach="ksg", k=K, noise_level=0, base=2),
            GOAL_INFOMEASURE_KSG,
        ),
        (
            f"KSG TC(x;y;z), n={n}",
            lambda: ksg_estimate("total_correlation", scalars, k=K, standardize=False),
            lambda im: im.mutual_information(x, y, z, approach="ksg", k=K, noise_level=0, base=2),
            GOAL_INFOMEASURE_KSG,
        ),
        (
            f"KSG I(x;y|z), n={n}",
            lambda: ksg_estimate("mutual_information", scalars, 0, 1, given=2, k=K, standardize=False),
            lambda im: im.conditional_mutual_information(
                x, y, cond=z, approach="ksg", k=K, noise_level=0, base=2
            ),
            None,
        ),
        (
            f"KSG I(x;y), 2-dim each, n={n}",
            lambda: ksg_estimate("mutual_information", vectors, 0, 1, k=K, standardize=False),
            lambda im: im.mutual_information(*vectors, approach="ksg", k=K, noise_level=0, base=2),
            None,
        ),
    ]
    rows = []
    for name, ours, theirs, goal in cases:
        ours_s = _best_of(ours, repeat)
        ref_s = value_ref = None
        if with_im:
            import infomeasure as im

            ref_s = _best_of(lambda theirs=theirs: theirs(im), repeat)
            value_ref = float(theirs(im))
        rows.append(_row(name, ours_s, ref_s, goal, "infomeasure", ours(), value_ref))
    return rows


def _copula_row(n: int, repeat: int, rng, with_hoi: bool) -> dict:
    from infotheory.gaussian import copula_estimate

    x = np.concatenate(_samples((1,) * 6, 1.5, n, rng), axis=1)  # (n, 6)

    def ours():
        return copula_estimate("o_information", x)

    ours_s = _best_of(ours, repeat)
    ref_s = value_ref = None
    if with_hoi:
        from hoi.metrics import Oinfo

        def theirs():
            return float(
                np.asarray(Oinfo(x, verbose=False).fit(minsize=6, maxsize=6, method="gc")).ravel()[0]
            )

        ref_s = _best_of(theirs, repeat)
        value_ref = theirs()
    return _row(f"copula O-information, 6 vars, n={n}", ours_s, ref_s, GOAL_HOI, "hoi", ours(), value_ref)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the ``benchmark-estimators`` subcommand."""
    parser.add_argument(
        "--repeat", type=positive_int, default=5, help="runs per timing; the best is kept (default 5)"
    )
    parser.add_argument("--n-samples", type=positive_int, default=10_000, help="samples per case (1e4)")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the samples (default 0)")
    parser.add_argument("--out", default=None, help="also write benchmark_estimators.csv into this folder")


def run(args: argparse.Namespace) -> list[dict]:
    """Time every case, print the table with the speed ratios and both values; return the rows."""
    with_im, with_hoi = _have("infomeasure"), _have("hoi")
    if not with_im:
        print("infomeasure is not installed (pip install '.[bench]'): KSG reference times skipped")
    if not with_hoi:
        print("hoi is not installed (optional, needs jax): copula O-information reference skipped")
    rng = np.random.default_rng(args.seed)
    rows = _ksg_rows(args.n_samples, args.repeat, rng, with_im)
    rows.append(_copula_row(args.n_samples, args.repeat, rng, with_hoi))
    print(_format(rows))
    for r in rows:
        if r["value_reference"] is not None:
            ours, ref = r["value_ours"], r["value_reference"]
            print(f"{r['case']:<38} ours {ours:.6f}, {r['reference']} {ref:.6f} bits ({ours - ref:+.1e})")
    if args.out is not None:
        import pandas as pd

        from experiments._io import resolve_out, write_csv

        path = write_csv(resolve_out(args.out) / "benchmark_estimators.csv", pd.DataFrame(rows))
        print(f"wrote {path}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.benchmark_estimators``: same as ``symile-lab benchmark-estimators``."""
    from experiments.cli import run_command

    return run_command("benchmark-estimators", argv)


if __name__ == "__main__":
    raise SystemExit(main())
