"""Pictures of three-variable information: the I-diagram and pairwise vs higher-order bars.

``import infotheory`` never imports matplotlib; this module does (lazily, inside the drawing
functions), so ``from infotheory.plot import information_atoms`` stays cheap.

The seven atoms of the information diagram (I-diagram) of three variables :math:`X, Y, Z` are

.. math::

    H(X|Y,Z),\\; H(Y|X,Z),\\; H(Z|X,Y),\\quad I(X;Y|Z),\\; I(X;Z|Y),\\; I(Y;Z|X),\\quad I(X;Y;Z),

where the central atom is the **co-information**
:math:`I(X;Y;Z) = I(X;Y) - I(X;Y|Z)`. It is the only atom that can be negative:
it is :math:`-1` bit on XOR (synergy) and :math:`+1` bit when :math:`X = Y = Z` is one fair bit
(redundancy). Sign convention: co-information is :math:`-1` bit on XOR, interaction
information (its negative for three variables, dit's convention) is :math:`+1` bit.
Under the I-measure the atoms add up to the joint entropy :math:`H(X,Y,Z)`.

For the bar chart the total correlation is split into a pairwise and a higher-order part,

.. math::

    TC(X;Y;Z) = \\underbrace{I(X;Y) + I(X;Z) + I(Y;Z)}_{\\text{pairwise}}
              + \\underbrace{\\bigl(-I(X;Y;Z)\\bigr)}_{\\text{higher-order}},

an identity for three variables (expand every term into entropies). The higher-order part is
the interaction information: :math:`+1` bit on XOR, where all the pairwise terms are 0, and
negative under redundancy, where the pairwise sum counts the shared bit three times.
"""

from __future__ import annotations

import numbers

import numpy as np

from infotheory import entropy

__all__ = [
    "information_atoms",
    "pairwise_and_higher_order",
    "information_diagram",
    "pairwise_vs_higher_order_bars",
    "pid_lattice",
]

# Snap |atom| below this (in bits) to 0 so that exact zeros print as "0" rather than "-0.000".
# Only float noise is removed; a real negative co-information is never clipped.
_EPS = 1e-12

#: colours of non-negative and negative atoms / bars (colour-blind friendly blue and orange)
POSITIVE_COLOR = "#4477aa"
NEGATIVE_COLOR = "#ee6677"


def _check_axes(axes) -> tuple:
    """Three distinct variables, each an axis int or a tuple of axis ints (a group)."""
    if isinstance(axes, (str, bytes)) or not hasattr(axes, "__len__") or len(axes) != 3:
        raise ValueError(f"axes must name exactly three variables, got {axes!r}")
    out = []
    for a in axes:
        if isinstance(a, numbers.Integral) and not isinstance(a, bool):
            out.append(int(a))
        elif isinstance(a, tuple) and a and all(
            isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in a
        ):
            out.append(tuple(int(i) for i in a))
        else:
            raise ValueError(f"each entry of axes must be an int or a non-empty tuple of ints, got {a!r}")
    flat = [i for a in out for i in (a if isinstance(a, tuple) else (a,))]
    if len(set(flat)) != len(flat):
        raise ValueError(f"axes must not overlap, got {axes!r}")
    return tuple(out)


def _check_labels(labels) -> tuple[str, str, str]:
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__") or len(labels) != 3:
        raise ValueError(f"labels must be three strings, got {labels!r}")
    if not all(isinstance(s, str) and s for s in labels):
        raise ValueError(f"labels must be three non-empty strings, got {labels!r}")
    return tuple(labels)


def _join(*axes) -> int | tuple:
    """Union of variables (ints or tuples) as one axis argument for ``entropy``."""
    flat: list[int] = []
    for a in axes:
        flat.extend(a if isinstance(a, tuple) else (a,))
    return tuple(flat)


def _snap(x: float) -> float:
    return 0.0 if abs(x) < _EPS else float(x)


def information_atoms(p, axes=(0, 1, 2), *, labels=("X", "Y", "Z"), base=2) -> dict[str, float]:
    """The seven atoms of the three-variable information diagram, in bits.

    .. math::

        H(X|Y,Z) &= H(X,Y,Z) - H(Y,Z) \\\\
        I(X;Y|Z) &= H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z) \\\\
        I(X;Y;Z) &= H(X) + H(Y) + H(Z) - H(X,Y) - H(X,Z) - H(Y,Z) + H(X,Y,Z)

    and the same with the roles of the variables permuted. The seven atoms add up to
    :math:`H(X,Y,Z)`; each pair of circles adds up to the mutual information, e.g.
    :math:`I(X;Y) = I(X;Y|Z) + I(X;Y;Z)`.

    Parameters
    ----------
    p : ndarray or SparsePMF
        Joint pmf, one axis per variable. Axes not named in ``axes`` are marginalised out.
    axes : sequence of three ints or tuples of ints, default (0, 1, 2)
        The variables X, Y, Z (a tuple groups several axes into one variable).
    labels : three str, default ("X", "Y", "Z")
        Names used in the keys of the result.
    base : float, default 2
        Logarithm base (2 = bits, ``np.e`` = nats).

    Returns
    -------
    dict of str to float
        Keys, in this order, ``"H(X|Y,Z)"``, ``"H(Y|X,Z)"``, ``"H(Z|X,Y)"``, ``"I(X;Y|Z)"``,
        ``"I(X;Z|Y)"``, ``"I(Y;Z|X)"``, ``"I(X;Y;Z)"`` (with ``labels`` substituted); values in
        bits (units of ``base``). The co-information ``"I(X;Y;Z)"`` may be negative; it is
        :math:`-1` bit on XOR (dit's sign convention).

    Examples
    --------
    XOR: no entropy is private, each conditional MI is 1 bit, the centre is -1 bit.

    >>> import numpy as np
    >>> xor = np.zeros((2, 2, 2))
    >>> for x in (0, 1):
    ...     for y in (0, 1):
    ...         xor[x, y, x ^ y] = 0.25
    >>> {k: round(v, 6) for k, v in information_atoms(xor).items()}
    {'H(X|Y,Z)': 0.0, 'H(Y|X,Z)': 0.0, 'H(Z|X,Y)': 0.0,
     'I(X;Y|Z)': 1.0, 'I(X;Z|Y)': 1.0, 'I(Y;Z|X)': 1.0, 'I(X;Y;Z)': -1.0}
    """
    x, y, z = _check_axes(axes)
    lx, ly, lz = _check_labels(labels)

    def H(*vs):
        return entropy(p, _join(*vs), base=base)

    H_x, H_y, H_z = H(x), H(y), H(z)
    H_xy, H_xz, H_yz = H(x, y), H(x, z), H(y, z)
    H_xyz = H(x, y, z)
    atoms = {
        f"H({lx}|{ly},{lz})": H_xyz - H_yz,
        f"H({ly}|{lx},{lz})": H_xyz - H_xz,
        f"H({lz}|{lx},{ly})": H_xyz - H_xy,
        f"I({lx};{ly}|{lz})": H_xz + H_yz - H_z - H_xyz,
        f"I({lx};{lz}|{ly})": H_xy + H_yz - H_y - H_xyz,
        f"I({ly};{lz}|{lx})": H_xy + H_xz - H_x - H_xyz,
        f"I({lx};{ly};{lz})": H_x + H_y + H_z - H_xy - H_xz - H_yz + H_xyz,
    }
    return {k: _snap(v) for k, v in atoms.items()}


def pairwise_and_higher_order(p, axes=(0, 1, 2), *, labels=("X", "Y", "Z"), base=2) -> dict[str, float]:
    """Split the total correlation of three variables into pairwise and higher-order parts, in bits.

    .. math::

        \\text{pairwise} &= I(X;Y) + I(X;Z) + I(Y;Z) \\\\
        \\text{higher-order} &= TC(X;Y;Z) - \\text{pairwise} = -I(X;Y;Z)

    The higher-order part is the interaction information (+1 bit on XOR) and is negative when
    the variables share redundant information.

    Parameters
    ----------
    p : ndarray or SparsePMF
        Joint pmf, one axis per variable.
    axes : sequence of three ints or tuples of ints, default (0, 1, 2)
        The variables X, Y, Z.
    labels : three str, default ("X", "Y", "Z")
        Names used in the keys of the result.
    base : float, default 2
        Logarithm base (2 = bits).

    Returns
    -------
    dict of str to float
        Keys ``"I(X;Y)"``, ``"I(X;Z)"``, ``"I(Y;Z)"``, ``"pairwise"``, ``"higher-order"``, ``"TC"``;
        values in bits (units of ``base``); ``pairwise + higher-order == TC``.

    Examples
    --------
    >>> import numpy as np
    >>> xor = np.zeros((2, 2, 2))
    >>> for x in (0, 1):
    ...     for y in (0, 1):
    ...         xor[x, y, x ^ y] = 0.25
    >>> {k: round(v, 6) for k, v in pairwise_and_higher_order(xor).items()}
    {'I(X;Y)': 0.0, 'I(X;Z)': 0.0, 'I(Y;Z)': 0.0, 'pairwise': 0.0, 'higher-order': 1.0, 'TC': 1.0}
    """
    x, y, z = _check_axes(axes)
    lx, ly, lz = _check_labels(labels)

    def H(*vs):
        return entropy(p, _join(*vs), base=base)

    H_x, H_y, H_z = H(x), H(y), H(z)
    H_xy, H_xz, H_yz = H(x, y), H(x, z), H(y, z)
    H_xyz = H(x, y, z)
    I_xy, I_xz, I_yz = H_x + H_y - H_xy, H_x + H_z - H_xz, H_y + H_z - H_yz
    pairwise = I_xy + I_xz + I_yz
    tc = H_x + H_y + H_z - H_xyz
    parts = {
        f"I({lx};{ly})": I_xy,
        f"I({lx};{lz})": I_xz,
        f"I({ly};{lz})": I_yz,
        "pairwise": pairwise,
        "higher-order": tc - pairwise,
        "TC": tc,
    }
    return {k: _snap(v) for k, v in parts.items()}


# Label positions of the seven regions for circles of radius 1 centred on an equilateral triangle
# (X top-left, Y top-right, Z bottom), in the order of ``information_atoms``.
_CENTRES = np.array([[-0.6, 0.35], [0.6, 0.35], [0.0, -0.69]])
_RADIUS = 1.0
_ATOM_XY = [(-1.0, 0.6), (1.0, 0.6), (0.0, -1.15), (0.0, 0.8), (-0.6, -0.32), (0.6, -0.32), (0.0, 0.0)]


def information_diagram(
    p,
    axes=(0, 1, 2),
    *,
    labels=("X", "Y", "Z"),
    base=2,
    ax=None,
    title=None,
    decimals=3,
    resolution=400,
):
    """Draw the three-circle information diagram with each of the seven atoms annotated.

    Each region is shaded by its value (blue for non-negative atoms, orange-red for negative
    ones, darker = larger magnitude) and annotated with its value in bits. The centre is the
    co-information :math:`I(X;Y;Z)` (:math:`-1` bit on XOR), the only atom that can be negative.

    Parameters
    ----------
    p : ndarray or SparsePMF
        Joint pmf, one axis per variable.
    axes : sequence of three ints or tuples of ints, default (0, 1, 2)
        The variables drawn as the three circles.
    labels : three str, default ("X", "Y", "Z")
        Circle labels.
    base : float, default 2
        Logarithm base; the annotations say "bits" only for base 2.
    ax : matplotlib Axes, optional
        Where to draw; a new 5 x 5 inch figure if None.
    title : str, optional
        Axes title.
    decimals : int, default 3
        Decimals in the annotations.
    resolution : int, default 400
        Pixels per side of the shaded background.

    Returns
    -------
    (Figure, Axes)
        The figure and axes. The seven annotation Text artists carry ``gid="atom:<key>"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Circle

    atoms = information_atoms(p, axes, labels=labels, base=base)
    unit = "bits" if base == 2 else ("nats" if np.isclose(base, np.e) else f"log{base:g} units")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 5))
    else:
        fig = ax.figure

    # Shade each region: the pixel's set of circles -> its atom.
    half = 1.9
    grid = np.linspace(-half, half, int(resolution))
    gx, gy = np.meshgrid(grid, grid)
    inside = [(gx - cx) ** 2 + (gy - cy) ** 2 <= _RADIUS**2 for cx, cy in _CENTRES]
    ix, iy, iz = inside
    values = list(atoms.values())
    regions = [
        ix & ~iy & ~iz,
        iy & ~ix & ~iz,
        iz & ~ix & ~iy,
        ix & iy & ~iz,
        ix & iz & ~iy,
        iy & iz & ~ix,
        ix & iy & iz,
    ]
    vmax = max(max(abs(v) for v in values), 1e-9)
    rgba = np.zeros(gx.shape + (4,))
    for region, v in zip(regions, values):
        color = np.array(to_rgb(NEGATIVE_COLOR if v < 0 else POSITIVE_COLOR), dtype=float)
        alpha = 0.08 + 0.6 * abs(v) / vmax
        rgba[region, :3] = color
        rgba[region, 3] = alpha
    ax.imshow(rgba, extent=(-half, half, -half, half), origin="lower", interpolation="nearest", zorder=0)

    for (cx, cy), label, (dx, dy) in zip(_CENTRES, labels, [(-0.75, 0.85), (0.75, 0.85), (0.85, -0.85)]):
        ax.add_patch(Circle((cx, cy), _RADIUS, fill=False, lw=1.5, ec="0.2", zorder=2))
        ax.text(cx + dx, cy + dy, label, ha="center", va="center", fontsize=14, weight="bold", zorder=3)

    for (key, v), (tx, ty) in zip(atoms.items(), _ATOM_XY):
        ax.text(
            tx,
            ty,
            f"{v:.{decimals}f}",
            ha="center",
            va="center",
            fontsize=11,
            color="#aa2233" if v < 0 else "black",
            weight="bold" if v < 0 else "normal",
            gid=f"atom:{key}",
            zorder=3,
        )

    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(f"atoms in {unit}; negative atoms in red (centre = co-information)", fontsize=9)
    if title is not None:
        ax.set_title(title)
    return fig, ax


def pairwise_vs_higher_order_bars(
    p, axes=(0, 1, 2), *, labels=("X", "Y", "Z"), base=2, ax=None, title=None, decimals=3
):
    """Bar chart of the three pairwise MIs, their sum, the higher-order part and the TC, in bits.

    Bars: :math:`I(X;Y)`, :math:`I(X;Z)`, :math:`I(Y;Z)`, their sum ("pairwise"),
    :math:`TC - \\text{pairwise} = -I(X;Y;Z)` ("higher-order", the interaction information) and
    :math:`TC`; see :func:`pairwise_and_higher_order`. Negative bars are coloured distinctly.

    Parameters
    ----------
    p : ndarray or SparsePMF
        Joint pmf, one axis per variable.
    axes : sequence of three ints or tuples of ints, default (0, 1, 2)
        The variables X, Y, Z.
    labels : three str, default ("X", "Y", "Z")
        Variable names used in the tick labels.
    base : float, default 2
        Logarithm base (2 = bits).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    title : str, optional
        Axes title.
    decimals : int, default 3
        Decimals of the value printed on each bar.

    Returns
    -------
    (Figure, Axes)
        The figure and axes; the y axis is labelled with the unit.
    """
    import matplotlib.pyplot as plt

    parts = pairwise_and_higher_order(p, axes, labels=labels, base=base)
    unit = "bits" if base == 2 else ("nats" if np.isclose(base, np.e) else f"log{base:g} units")
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=(7.5, 3.8))
    else:
        fig = ax.figure
    names = list(parts)
    ticks = names[:3] + ["Σ pairwise", "higher-order\n(TC − Σ pairwise)", "TC"]
    values = np.array(list(parts.values()))
    colors = [NEGATIVE_COLOR if v < 0 else POSITIVE_COLOR for v in values]
    colors[5] = "0.35"  # TC in grey: it is the sum of the two bars before it
    bars = ax.bar(np.arange(len(values)), values, color=colors, edgecolor="0.2")
    for bar, v in zip(bars, values):
        ax.annotate(
            f"{v:.{decimals}f}",
            (bar.get_x() + bar.get_width() / 2, v),
            xytext=(0, 3 if v >= 0 else -3),
            textcoords="offset points",
            ha="center",
            va="bottom" if v >= 0 else "top",
            fontsize=9,
        )
    ax.axhline(0, color="0.2", lw=0.8)
    ax.axvline(2.5, color="0.6", lw=0.8, ls=":")
    ax.set_xticks(np.arange(len(values)), ticks, fontsize=9)
    ax.set_ylabel(f"information ({unit})")
    lo, hi = min(0.0, values.min()), max(0.0, values.max())
    pad = 0.15 * max(hi - lo, 1e-9)
    ax.set_ylim(lo - (pad if lo < 0 else 0), hi + pad)
    if title is not None:
        ax.set_title(title)
    if own_figure:
        fig.tight_layout()
    return fig, ax


# --------------------------------------------------------------------------------------------------
# partial information decomposition: the redundancy lattice with its atoms
# --------------------------------------------------------------------------------------------------

# (x, height) of each antichain in the Hasse diagram; nodes are tuples of tuples of source positions
_LATTICE_XY = {
    2: {((0,), (1,)): (0.0, 0), ((0,),): (-1.0, 1), ((1,),): (1.0, 1), ((0, 1),): (0.0, 2)},
    3: {
        ((0,), (1,), (2,)): (0.0, 0),
        ((0,), (1,)): (-1.5, 1),
        ((0,), (2,)): (0.0, 1),
        ((1,), (2,)): (1.5, 1),
        ((0,), (1, 2)): (-1.5, 2),
        ((1,), (0, 2)): (0.0, 2),
        ((2,), (0, 1)): (1.5, 2),
        ((0,),): (-2.25, 3),
        ((1,),): (-0.75, 3),
        ((0, 1), (0, 2), (1, 2)): (0.75, 3),
        ((2,),): (2.25, 3),
        ((0, 1), (0, 2)): (-1.5, 4),
        ((0, 1), (1, 2)): (0.0, 4),
        ((0, 2), (1, 2)): (1.5, 4),
        ((0, 1),): (-1.5, 5),
        ((0, 2),): (0.0, 5),
        ((1, 2),): (1.5, 5),
        ((0, 1, 2),): (0.0, 6),
    },
}


def pid_lattice(records, *, ax=None, title=None, decimals=3, base=2):
    """Draw the redundancy lattice of a partial information decomposition with each atom's value.

    For 2 sources this is the familiar diamond: redundancy :math:`\\{1\\}\\{2\\}` at the bottom, the
    unique informations :math:`\\{1\\}` and :math:`\\{2\\}` at the sides, synergy :math:`\\{12\\}` on
    top; for 3 sources the 18-node Williams–Beer lattice. Each node shows its antichain and its atom
    :math:`\\pi(\\alpha)` (bits for ``base=2``), shaded by magnitude (blue non-negative, orange-red
    negative, as in :func:`information_diagram`); lines join each node to the nodes it covers. The atoms
    below and at a node :math:`\\{A\\}` add up to :math:`I(A; T)`.

    Parameters
    ----------
    records : list of dict
        The decomposition as returned by :func:`infotheory.pid.pid` (4 or 18 records with the keys
        ``"antichain"``, ``"value"`` and ``"elements"``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    title : str, optional
        Axes title (default: the measure name of the records).
    decimals : int, default 3
        Decimals of the values.
    base : float, default 2
        Logarithm base the records were computed with; only used to name the unit.

    Returns
    -------
    (Figure, Axes)
        The figure and axes. Each value Text artist carries ``gid="atom:<antichain>"``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb

    records = list(records)
    if len(records) not in (4, 18) or not all(
        isinstance(r, dict) and {"antichain", "value", "elements"} <= set(r) for r in records
    ):
        raise ValueError(
            "records must be the 4 (2 sources) or 18 (3 sources) records of infotheory.pid.pid, "
            f"got {len(records)} items"
        )
    n_sources = 2 if len(records) == 4 else 3
    positions = _LATTICE_XY[n_sources]
    by_node = {tuple(tuple(s) for s in r["elements"]): r for r in records}
    if set(by_node) != set(positions):
        raise ValueError(f"records do not hold the antichains of the {n_sources}-source lattice")
    from infotheory._lattice import covers

    unit = "bits" if base == 2 else ("nats" if np.isclose(base, np.e) else f"log{base:g} units")
    own_figure = ax is None
    if own_figure:
        fig, ax = plt.subplots(figsize=(4.5, 4.5) if n_sources == 2 else (8, 8))
    else:
        fig = ax.figure
    for lower, upper in covers(n_sources):
        (x0, y0), (x1, y1) = positions[lower], positions[upper]
        ax.plot([x0, x1], [y0, y1], color="0.6", lw=1.0, zorder=1)
    vmax = max(max(abs(r["value"]) for r in records), 1e-9)
    fontsize = 11 if n_sources == 2 else 8.5
    for node, (x, y) in positions.items():
        record = by_node[node]
        value = record["value"]
        color = np.array(to_rgb(NEGATIVE_COLOR if value < 0 else POSITIVE_COLOR))
        alpha = 0.1 + 0.6 * abs(value) / vmax
        face = 1.0 - alpha * (1.0 - color)  # the colour blended onto white
        ax.text(
            x,
            y,
            f"{record['antichain']}\n{value:.{decimals}f}",
            ha="center",
            va="center",
            fontsize=fontsize,
            color="#aa2233" if value < 0 else "black",
            weight="bold" if value < 0 else "normal",
            bbox={"boxstyle": "round,pad=0.35", "fc": face, "ec": "0.3", "lw": 0.8},
            gid=f"atom:{record['antichain']}",
            zorder=3,
        )
    xs = [x for x, _ in positions.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(-0.6, max(y for _, y in positions.values()) + 0.6)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(f"partial information atoms in {unit}; negative atoms in red", fontsize=9)
    ax.set_title(title if title is not None else f"PID ({records[0].get('measure', '')})")
    if own_figure:
        fig.tight_layout()
    return fig, ax
