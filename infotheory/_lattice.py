"""The Williams–Beer redundancy lattice of 2 or 3 sources: its antichains, order, covers and Möbius inversion.

A node of the lattice is an antichain of non-empty sets of sources, no set containing another, written
as a tuple of tuples of 0-based source positions: ``((0,), (1,))`` is :math:`\\{1\\}\\{2\\}` (what both
sources share), ``((0, 1),)`` is :math:`\\{12\\}` (what only the two together give). The order is

.. math::

    \\alpha \\preceq \\beta \\iff \\forall B \\in \\beta\\; \\exists A \\in \\alpha : A \\subseteq B,

with bottom :math:`\\{1\\}\\{2\\}\\dots` and top :math:`\\{12\\dots\\}`. There are 4 nodes for 2 sources
and 18 for 3. A redundancy function :math:`I_\\cap` on the nodes is turned into partial-information
atoms by Möbius inversion,
:math:`\\pi(\\alpha) = I_\\cap(\\alpha) - \\sum_{\\beta \\prec \\alpha} \\pi(\\beta)`.
"""

from __future__ import annotations

import functools
import itertools

__all__ = ["antichains", "strictly_below", "covers", "heights", "mobius_inversion", "node_label", "node_kind"]

Node = tuple[tuple[int, ...], ...]


def _precedes_or_equal(alpha: Node, beta: Node) -> bool:
    """``alpha <= beta``: every set of ``beta`` contains some set of ``alpha``."""
    return all(any(set(A) <= set(B) for A in alpha) for B in beta)


@functools.cache
def antichains(n_sources: int) -> tuple[Node, ...]:
    """All nodes of the lattice of ``n_sources`` sources, in a topological order (bottom first).

    Nodes are sorted by the size of their down-set, then by (number of sets, sets), so that every node
    comes after all the nodes below it; for 2 sources: ``{1}{2}, {1}, {2}, {12}``.

    Examples
    --------
    >>> antichains(2)
    (((0,), (1,)), ((0,),), ((1,),), ((0, 1),))
    >>> len(antichains(3))
    18
    """
    subsets = [s for r in range(1, n_sources + 1) for s in itertools.combinations(range(n_sources), r)]
    nodes = []
    for k in range(1, len(subsets) + 1):
        for sets in itertools.combinations(subsets, k):
            if all(not set(a) <= set(b) for a, b in itertools.permutations(sets, 2)):
                nodes.append(tuple(sorted(sets, key=lambda s: (len(s), s))))
    down = {a: sum(_precedes_or_equal(b, a) for b in nodes) for a in nodes}
    return tuple(sorted(nodes, key=lambda a: (down[a], -len(a), a)))


@functools.cache
def strictly_below(n_sources: int) -> dict[Node, tuple[Node, ...]]:
    """``node -> the nodes strictly below it`` (its down-set without itself)."""
    nodes = antichains(n_sources)
    return {a: tuple(b for b in nodes if b != a and _precedes_or_equal(b, a)) for a in nodes}


@functools.cache
def covers(n_sources: int) -> tuple[tuple[Node, Node], ...]:
    """The edges ``(lower, upper)`` of the Hasse diagram: ``upper`` covers ``lower`` (nothing in between)."""
    below = strictly_below(n_sources)
    edges = []
    for upper, lowers in below.items():
        for lower in lowers:
            if not any(lower in below[mid] for mid in lowers if mid != lower):
                edges.append((lower, upper))
    return tuple(edges)


@functools.cache
def heights(n_sources: int) -> dict[Node, int]:
    """``node -> length of the longest chain from the bottom to it`` (0 for the bottom)."""
    below = strictly_below(n_sources)
    height: dict[Node, int] = {}
    for node in antichains(n_sources):  # topological order: everything below is already done
        height[node] = 1 + max((height[b] for b in below[node]), default=-1)
    return height


def mobius_inversion(redundancy: dict[Node, float], n_sources: int) -> dict[Node, float]:
    """Partial-information atoms from a redundancy function on the nodes.

    .. math::

        \\pi(\\alpha) = I_\\cap(\\alpha) - \\sum_{\\beta \\prec \\alpha} \\pi(\\beta)

    Examples
    --------
    >>> red = {((0,), (1,)): 0.0, ((0,),): 0.0, ((1,),): 0.0, ((0, 1),): 1.0}  # XOR
    >>> mobius_inversion(red, 2)[((0, 1),)]
    1.0
    """
    below = strictly_below(n_sources)
    atoms: dict[Node, float] = {}
    for node in antichains(n_sources):
        atoms[node] = redundancy[node] - sum(atoms[b] for b in below[node])
    return atoms


def node_label(node: Node, labels) -> str:
    """``{1}{2}``-style label of a node; set members are joined without a separator when every label is
    one character (``{12}``), with commas otherwise (``{x1,x2}``).

    Examples
    --------
    >>> node_label(((0,), (1, 2)), ("a", "b", "c")), node_label(((0, 1),), ("s1", "s2"))
    ('{a}{bc}', '{s1,s2}')
    """
    sep = "" if all(len(label) == 1 for label in labels) else ","
    return "".join("{" + sep.join(labels[i] for i in sources) + "}" for sources in node)


def node_kind(node: Node, n_sources: int) -> str:
    """``"redundancy"`` (bottom), ``"unique"`` (one source alone), ``"synergy"`` (top) or ``"mixed"``."""
    if len(node) == n_sources and all(len(s) == 1 for s in node):
        return "redundancy"
    if node == (tuple(range(n_sources)),):
        return "synergy"
    if len(node) == 1 and len(node[0]) == 1:
        return "unique"
    return "mixed"
