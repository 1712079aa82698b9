r"""Partial information decomposition (PID) of logic gates and of the switched-XOR family.

For each redundancy measure of :mod:`infotheory.pid` (``imin``: Williams–Beer :math:`I_{\min}`; ``mmi``:
minimum mutual information; ``broja``: Bertschinger et al.; ``ccs``: Ince's :math:`I_{ccs}`), the two-source
decomposition :math:`I(S_1, S_2; T) = R + U_1 + U_2 + S` (redundancy, unique informations, synergy), in bits.

Distributions (``--dist``), all exact joint pmfs:

* ``xor``: S1, S2 fair bits, T = S1 xor S2 (pure synergy: S = 1 bit for every measure);
* ``and``: T = S1 and S2 (:math:`I_{\min}`: R = 0.311, S = 0.5 bits; :math:`I_{ccs}` splits it otherwise);
* ``rdn``: S1 = S2 = T, one fair bit (pure redundancy: R = 1 bit);
* ``unq``: T = S1, S2 an independent bit (U1 = 1 bit);
* ``xorp``: the paper's switched XOR (:class:`generators.BinaryXOR`) with ``d`` bits per variable and
  switch probability ``p``, in two readings of Figure 3:

  - **b from (a, c)** (target b, sources a, c): the zero-shot task of Figure 3. ``b`` is independent of ``a``
    and of ``c`` alone, so every measure puts all of :math:`I(a, c; b) = I(a; b \mid c)` into synergy: the
    information a pairwise (CLIP) objective cannot see.
  - **c from (a, b)** (target c, sources a, b): as ``p`` grows, information moves from what ``a`` alone says
    about ``c`` (unique to a, :math:`I(a; c)`) to what only ``(a, b)`` say together (synergy,
    :math:`I(b; c \mid a)`); redundancy and b's unique information stay 0 (:math:`I(b; c) = 0`).

  The PID companion of Figure 3's right panel: every atom against ``p`` for ``d = 1, 2, 3``.

Checks (``PASS``/``FAIL``): the atoms of the named gates against their published values (Williams & Beer
2010; Ince 2017 for :math:`I_{ccs}` on AND; Bertschinger et al. 2014), and on ``xorp`` every atom of every
measure against the generator's closed forms (:func:`generators.xor_info_table`) to 1e-9 bits.

Writes ``pid_<dist>.png``/``.pdf`` (lattices of the four measures; for ``xorp`` the atoms against ``p``),
``pid_<dist>.csv`` (every atom, in bits), ``pid_<dist>_checks.csv`` and ``pid_<dist>_config.json`` into
``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math

import numpy as np
import pandas as pd

from experiments import _options, _runner
from experiments._cells import code_fingerprint
from experiments._runner import Check

__all__ = ["DISTS", "EXPERIMENT", "joint_pmf", "add_arguments", "run", "main"]

VERSION = 1
MEASURES = ("imin", "mmi", "broja", "ccs")

#: name -> one-line description (the ``--dist`` choices)
DISTS: dict[str, str] = {
    "xor": "S1, S2 fair bits, T = S1 xor S2",
    "and": "S1, S2 fair bits, T = S1 and S2",
    "rdn": "S1 = S2 = T, one fair bit",
    "unq": "T = S1, S2 an independent fair bit",
    "xorp": "switched XOR (a, b, c) with d bits and switch probability p",
}

#: the two readings of the switched XOR: target -> (sources, target axis) on the (a, b, c) joint
READINGS = {"b": ((0, 2), 1), "c": ((0, 1), 2)}
#: names of the atoms [R, U1, U2, S] per reading
ATOM_NAMES = {
    "b": ("redundancy", "unique to a", "unique to c", "synergy"),
    "c": ("redundancy", "unique to a", "unique to b", "synergy"),
}

_H_QUARTER = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
#: published atoms [R, U1, U2, S] in bits, with the tolerance they are quoted to
KNOWN = {
    "xor": {m: ([0.0, 0.0, 0.0, 1.0], 1e-9) for m in MEASURES},
    "rdn": {m: ([1.0, 0.0, 0.0, 0.0], 1e-9) for m in MEASURES},
    "unq": {m: ([0.0, 1.0, 0.0, 0.0], 1e-9) for m in MEASURES},
    "and": {
        "imin": ([_H_QUARTER - 0.5, 0.0, 0.0, 0.5], 1e-9),  # Williams & Beer 2010: R = 0.311, S = 0.5
        "mmi": ([_H_QUARTER - 0.5, 0.0, 0.0, 0.5], 1e-9),
        "broja": ([_H_QUARTER - 0.5, 0.0, 0.0, 0.5], 1e-9),  # Bertschinger et al. 2014
        "ccs": ([0.1038, 0.2075, 0.2075, 0.2925], 6e-5),  # Ince 2017, Table 1
    },
}


def joint_pmf(dist: str, *, d: int = 1, p: float = 0.5) -> np.ndarray:
    """The exact joint pmf of ``dist``: axes (S1, S2, T) for the gates, (a, b, c) for ``xorp``."""
    if dist == "xorp":
        from generators import BinaryXOR

        return BinaryXOR(d=d, p=p).joint_pmf()
    from infotheory import examples

    gates = {"xor": examples.xor, "and": examples.and_gate, "unq": examples.copy_gate}
    if dist == "rdn":
        return examples.giant_bit(3)  # S1 = S2 = T, one fair bit
    if dist not in gates:
        raise ValueError(f"dist must be one of {sorted(DISTS)}, got {dist!r}")
    return gates[dist]()


# --------------------------------------------------------------------------------------------------
# config and cells
# --------------------------------------------------------------------------------------------------


def _config(args: argparse.Namespace) -> dict:
    cfg = {"dist": args.dist, "measures": list(MEASURES), "base": 2}
    if args.dist == "xorp":
        ps = [round(0.05 * i, 2) for i in range(21)] if not args.quick else [0.0, 0.25, 0.5, 0.75, 1.0]
        cfg.update(
            d=args.d,
            p=args.p,
            ds=[1, 2] if args.quick else [1, 2, 3],
            ps=sorted(set(ps) | {args.p}),
            readings=list(READINGS),
        )
    return cfg


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    code = code_fingerprint("infotheory", "generators", __name__)
    if cfg["dist"] != "xorp":
        return [{"dist": cfg["dist"], "measure": m, "version": VERSION, "code": code} for m in MEASURES]
    grid = {(d, p) for d in cfg["ds"] for p in cfg["ps"]} | {(cfg["d"], cfg["p"])}
    return [
        {"dist": "xorp", "d": d, "p": p, "target": target, "measure": m, "version": VERSION, "code": code}
        for d, p in sorted(grid)
        for target in cfg["readings"]
        for m in MEASURES
    ]


def _pid_cell(cell: dict) -> dict:
    from infotheory.pid import pid

    if cell["dist"] == "xorp":
        pmf = joint_pmf("xorp", d=cell["d"], p=cell["p"])
        sources, target = READINGS[cell["target"]]
        labels = tuple("abc"[i] for i in sources)
    else:
        pmf, sources, target, labels = joint_pmf(cell["dist"]), (0, 1), 2, ("1", "2")
    records = pid(pmf, list(sources), target, measure=cell["measure"], labels=labels)
    return {
        "atoms": [
            {key: r[key] for key in ("antichain", "kind", "value", "redundancy")} for r in records
        ]
    }


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict:
    rows = []
    for cell, result in zip(cells, results):
        for i, atom in enumerate(result["atoms"]):
            row = {"dist": cell["dist"], "measure": cell["measure"]}
            if cell["dist"] == "xorp":
                sources = "".join("abc"[a] for a in READINGS[cell["target"]][0])
                row.update(d=cell["d"], p=cell["p"], target=cell["target"], sources=sources)
                row["atom"] = ATOM_NAMES[cell["target"]][i]
            else:
                row["atom"] = ("redundancy", "unique to 1", "unique to 2", "synergy")[i]
            row.update(antichain=atom["antichain"], kind=atom["kind"], bits=atom["value"])
            row["redundancy_bits"] = atom["redundancy"]
            rows.append(row)
    return {f"pid_{cfg['dist']}": pd.DataFrame(rows)}


# --------------------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------------------


def _atoms_of(frame: pd.DataFrame, **where) -> list[float]:
    mask = np.ones(len(frame), dtype=bool)
    for key, value in where.items():
        mask &= (frame[key] == value).to_numpy()
    return frame.loc[mask, "bits"].tolist()


def xorp_truth(d: int, p: float, target: str) -> list[float]:
    """Exact atoms [R, U1, U2, S] (bits) of the switched XOR for either reading, from the closed forms.

    ``b`` from ``(a, c)``: R = U_a = U_c = 0, S = I(a; b | c). ``c`` from ``(a, b)``: R = U_b = 0,
    U_a = I(a; c), S = I(b; c | a). (Every measure here has R <= min_i I(S_i; T) and I(a; b) = I(b; c) = 0.)

    Examples
    --------
    >>> [round(v, 4) for v in xorp_truth(1, 0.5, "c")]
    [0.0, 0.1887, 0.0, 0.3113]
    """
    from generators import xor_info_table

    t = {k: float(v) for k, v in xor_info_table(d, p).items()}
    if target == "b":
        return [0.0, 0.0, 0.0, t["I(a;b|c)"]]
    return [0.0, t["I(a;c)"], 0.0, t["I(b;c|a)"]]


def _checks(cfg: dict, tables: dict) -> list[Check]:
    frame = tables[f"pid_{cfg['dist']}"]
    checks = []
    if cfg["dist"] != "xorp":
        for measure, (expected, tol) in KNOWN[cfg["dist"]].items():
            got = _atoms_of(frame, measure=measure)
            err = max(abs(g - e) for g, e in zip(got, expected))
            checks.append(
                Check(
                    f"{cfg['dist']} {measure}: [R, U1, U2, S] = {[round(e, 4) for e in expected]} bits",
                    err <= tol,
                    f"got {[round(g, 4) for g in got]}, max error {err:.1e} (tolerance {tol:g})",
                )
            )
        return checks
    for target in cfg["readings"]:
        worst = 0.0
        for d in sorted(frame["d"].unique()):
            for p in sorted(frame["p"].unique()):
                truth = xorp_truth(int(d), float(p), target)
                for measure in cfg["measures"]:
                    got = _atoms_of(frame, d=d, p=p, target=target, measure=measure)
                    if got:
                        worst = max(worst, max(abs(g - e) for g, e in zip(got, truth)))
        sources = "".join("abc"[a] for a in READINGS[target][0])
        claim = {
            "b": "synergy = I(a;b|c), the rest 0",
            "c": "unique to a = I(a;c), synergy = I(b;c|a)",
        }[target]
        checks.append(
            Check(
                f"{target} from ({','.join(sources)}): every measure gives {claim}",
                worst <= 1e-9,
                f"largest deviation from the closed forms {worst:.1e} bits over d, p and the 4 measures",
            )
        )
    return checks


# --------------------------------------------------------------------------------------------------
# figure and report
# --------------------------------------------------------------------------------------------------

_ATOM_COLORS = {"redundancy": "#4477aa", "unique to a": "#228833", "unique to b": "#ccbb44",
                "unique to c": "#ccbb44", "synergy": "#ee6677"}
_MEASURE_MARKERS = {"imin": "o", "mmi": "s", "broja": "^", "ccs": "x"}


def _plot(cfg: dict, tables: dict):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    frame = tables[f"pid_{cfg['dist']}"]
    if cfg["dist"] != "xorp":
        from infotheory.plot import pid_lattice

        fig, axes = plt.subplots(1, len(MEASURES), figsize=(4.2 * len(MEASURES), 4.4), layout="constrained")
        for ax, measure in zip(axes, MEASURES):
            sub = frame[frame["measure"] == measure]
            records = [
                {"antichain": a, "value": v, "elements": e}
                for a, v, e in zip(sub["antichain"], sub["bits"], (((0,), (1,)), ((0,),), ((1,),), ((0, 1),)))
            ]
            pid_lattice(records, ax=ax, title=measure)
        fig.suptitle(f"PID of {DISTS[cfg['dist']]}")
        return fig

    ds = sorted(frame["d"].unique())
    fig, axes = plt.subplots(
        len(cfg["readings"]), len(ds), figsize=(4.2 * len(ds), 3.6 * len(cfg["readings"])),
        sharex=True, layout="constrained", squeeze=False,
    )
    for row, target in enumerate(cfg["readings"]):
        sources = ",".join("abc"[a] for a in READINGS[target][0])
        for col, d in enumerate(ds):
            ax = axes[row, col]
            for atom in ATOM_NAMES[target]:
                for measure in cfg["measures"]:
                    keep = (frame["d"] == d) & (frame["target"] == target) & (frame["measure"] == measure)
                    sub = frame[keep & (frame["atom"] == atom)].sort_values("p")
                    line = measure == "imin"  # the measures coincide here: one line, one marker per measure
                    ax.plot(sub["p"], sub["bits"], color=_ATOM_COLORS[atom], lw=1.6 if line else 0,
                            marker=_MEASURE_MARKERS[measure], ms=4, mfc="none", alpha=0.9,
                            label=atom if line else None)
            ax.axvline(cfg["p"], color="0.6", lw=0.8, ls=":")
            ax.set_title(f"{target} from ({sources}), d = {d}", fontsize=10)
            ax.set_ylim(-0.05 * d, 1.05 * d)
            if row == len(cfg["readings"]) - 1:
                ax.set_xlabel("switch probability p")
            if col == 0:
                ax.set_ylabel("atom (bits)")
                ax.legend(fontsize=8, loc="center left")
    handles = [plt.Line2D([], [], color="0.3", lw=0, marker=m, mfc="none", label=k)
               for k, m in _MEASURE_MARKERS.items()]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=8, title="measure (markers)")
    fig.suptitle(
        "PID of the switched XOR: every atom against p\n"
        "(the four measures coincide; redundancy and the second unique atom are 0 throughout)"
    )
    return fig


def _report(cfg: dict, tables: dict) -> None:
    frame = tables[f"pid_{cfg['dist']}"]
    if cfg["dist"] != "xorp":
        print(f"PID of {DISTS[cfg['dist']]} (bits):")
        print(frame.pivot(index="antichain", columns="measure", values="bits")
              .reindex(["{1}{2}", "{1}", "{2}", "{12}"])[list(MEASURES)].round(4).to_string())
        return
    for target in cfg["readings"]:
        sources = ",".join("abc"[a] for a in READINGS[target][0])
        sub = frame[(frame["d"] == cfg["d"]) & (frame["p"] == cfg["p"]) & (frame["target"] == target)]
        print(f"PID of the switched XOR, d = {cfg['d']}, p = {cfg['p']:g}: {target} from ({sources}), bits")
        table = sub.pivot(index="atom", columns="measure", values="bits")
        print(table.reindex(list(ATOM_NAMES[target]))[list(MEASURES)].round(4).to_string())


EXPERIMENT = _runner.Experiment(
    name="pid",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_pid_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
)


# --------------------------------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab pid``."""
    _options.add_common_arguments(parser)
    parser.add_argument(
        "--dist", choices=sorted(DISTS), default="xorp", help="which distribution (default: xorp)"
    )
    parser.add_argument(
        "--d", type=_options.positive_int, default=2, help="xorp: bits per variable of the printed table (2)"
    )
    parser.add_argument(
        "--p", type=_options.probability, default=0.3, help="xorp: switch probability, printed table (0.3)"
    )


def run(args: argparse.Namespace) -> dict:
    """Decompose, check against the known atoms, write the outputs; returns the tables and checks."""
    if args.dist == "xorp" and args.d > 4:
        raise _options.UsageError(f"--d must be at most 4 for the exact decomposition, got {args.d}")
    return _runner.run(dataclasses.replace(EXPERIMENT, name=f"pid_{args.dist}"), args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.pid``: same as ``symile-lab pid``."""
    from experiments.cli import run_command

    return run_command("pid", argv)


if __name__ == "__main__":
    raise SystemExit(main())
