"""Draw the information diagram (I-diagram) of a three-variable distribution, next to its pairwise vs
higher-order split.

Distributions (``--dist``), all exact joint pmfs of three variables:

* ``xor``  -- X, Y fair bits, Z = X xor Y (pure synergy: pairwise MI 0, co-information -1 bit);
* ``and``  -- X, Y fair bits, Z = X and Y (a mix of pairwise and higher-order information);
* ``rdn``  -- X = Y = Z one fair bit (pure redundancy: co-information +1 bit);
* ``xorp`` -- the paper's BinaryXOR p-family (a, b, c) with ``--d`` bits and mixing ``--p``.

Writes ``idiagram_<dist>.png``/``.pdf`` (the figure), ``idiagram_<dist>.csv`` (every plotted number,
in bits) and ``idiagram_<dist>_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse

import pandas as pd

from experiments import _io
from experiments._options import UsageError, positive_int, probability
from infotheory import examples

__all__ = ["DISTS", "joint_pmf", "add_arguments", "run", "main"]

#: name -> one-line description (the ``--dist`` choices)
DISTS: dict[str, str] = {
    "xor": "X, Y fair bits, Z = X xor Y",
    "and": "X, Y fair bits, Z = X and Y",
    "rdn": "X = Y = Z, one fair bit",
    "xorp": "BinaryXOR p-family (a, b, c) with --d bits and mixing --p",
}


def joint_pmf(dist: str, *, d: int = 1, p: float = 1.0):
    """The exact joint pmf of ``dist`` and the labels of its three axes.

    Parameters
    ----------
    dist : {"xor", "and", "rdn", "xorp"}
        Which distribution (see the module docstring).
    d : int, default 1
        Bits per variable, ``xorp`` only.
    p : float, default 1.0
        Probability that c = a xor b rather than c = a, ``xorp`` only.

    Returns
    -------
    (pmf, labels)
        ``pmf`` a dense ndarray or ``infotheory.SparsePMF`` with three axes; ``labels`` three str.
    """
    if dist == "xor":
        from generators import Parity

        return Parity(m=3).joint_pmf(), ("X", "Y", "Z")
    if dist == "and":
        return examples.and_gate(), ("X", "Y", "Z")
    if dist == "rdn":
        return examples.giant_bit(3), ("X", "Y", "Z")
    if dist == "xorp":
        from generators import BinaryXOR

        gen = BinaryXOR(d=d, p=p)
        # Dense up to 2^18 cells; beyond, sparse: of the 2^(3d) cells at most 2 * 4^d are non-zero.
        return (gen.joint_pmf() if gen.d <= 6 else gen.sparse_joint_pmf()), ("a", "b", "c")
    raise ValueError(f"dist must be one of {sorted(DISTS)}, got {dist!r}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``idiagram`` options to ``parser``."""
    parser.add_argument("--dist", choices=sorted(DISTS), default="xor", help="which distribution to draw")
    parser.add_argument("--d", type=positive_int, default=1, help="bits per variable (xorp only; default 1)")
    parser.add_argument(
        "--p", type=probability, default=1.0, help="P(c = a xor b) rather than c = a (xorp only; default 1.0)"
    )
    parser.add_argument("--out", default=None, help="output folder (default: <repo>/figures)")


def run(args: argparse.Namespace) -> dict:
    """Compute the atoms, draw the figure and write PNG, PDF, CSV and config; returns the numbers."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from infotheory import entropy
    from infotheory.plot import (
        information_atoms,
        information_diagram,
        pairwise_and_higher_order,
        pairwise_vs_higher_order_bars,
    )

    if args.dist not in DISTS:  # argparse's choices check this on the command line
        raise UsageError(f"dist must be one of {sorted(DISTS)}, got {args.dist!r}")
    config = {"command": "idiagram", "dist": args.dist, "base": 2}
    if args.dist == "xorp":
        config.update(d=int(args.d), p=float(args.p))
    pmf, labels = joint_pmf(args.dist, d=args.d, p=args.p)
    out = _io.resolve_out(args.out)
    stem = f"idiagram_{args.dist}"

    atoms = information_atoms(pmf, labels=labels)
    split = pairwise_and_higher_order(pmf, labels=labels)
    H_joint = entropy(pmf, base=2)
    rows = [{"kind": "atom", "quantity": k, "bits": v} for k, v in atoms.items()]
    rows.append({"kind": "total", "quantity": f"H({','.join(labels)})", "bits": H_joint})
    rows += [{"kind": "split", "quantity": k, "bits": v} for k, v in split.items()]
    frame = pd.DataFrame(rows)

    title = DISTS[args.dist] if args.dist != "xorp" else f"BinaryXOR, d = {args.d}, p = {args.p:g}"
    fig, (ax_diagram, ax_bars) = plt.subplots(
        1, 2, figsize=(12, 5), gridspec_kw={"width_ratios": [1, 1.4]}, layout="constrained"
    )
    information_diagram(pmf, labels=labels, ax=ax_diagram, title="information diagram")
    pairwise_vs_higher_order_bars(pmf, labels=labels, ax=ax_bars, title="pairwise vs higher-order")
    fig.suptitle(title)

    paths = _io.save_figure(fig, out, stem, close=True)
    paths.append(_io.write_csv(out / f"{stem}.csv", frame))
    paths.append(_io.write_json(out / f"{stem}_config.json", config))
    for path in paths:
        print(f"wrote {path}")
    return {"atoms": atoms, "split": split, "H_joint": H_joint, "paths": paths}


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.idiagram``: same as ``symile-lab idiagram``."""
    from experiments.cli import run_command

    return run_command("idiagram", argv)


if __name__ == "__main__":
    raise SystemExit(main())
