"""Tests of infotheory.plot: the seven I-diagram atoms, the pairwise/higher-order split, and the figures."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infotheory import (
    conditional_mutual_information,
    entropy,
    interaction_information,
    mutual_information,
    total_correlation,
)
from infotheory.plot import (
    information_atoms,
    information_diagram,
    pairwise_and_higher_order,
    pairwise_vs_higher_order_bars,
)

ATOM_KEYS = ["H(X|Y,Z)", "H(Y|X,Z)", "H(Z|X,Y)", "I(X;Y|Z)", "I(X;Z|Y)", "I(Y;Z|X)", "I(X;Y;Z)"]


def _gate(f):
    """Joint pmf of (X, Y, f(X, Y)) for independent fair bits X, Y."""
    p = np.zeros((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            p[x, y, f(x, y)] = 0.25
    return p


XOR = _gate(lambda x, y: x ^ y)
AND = _gate(lambda x, y: x & y)
RDN = np.zeros((2, 2, 2))
RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5
INDEP = np.full((2, 2, 2), 1 / 8)


def _h(t):
    return -t * np.log2(t) - (1 - t) * np.log2(1 - t)


# AND: H(X|Z) = 3/4 h(1/3) (Z = 0 leaves (x, y) uniform on {00, 01, 10}); H(X|Y,Z) = 1/2 (Y = 0 hides X)
_AND_I_XY_GIVEN_Z = 0.75 * _h(1 / 3) - 0.5

KNOWN_ATOMS = {
    "xor": (XOR, [0, 0, 0, 1, 1, 1, -1]),
    "redundant": (RDN, [0, 0, 0, 0, 0, 0, 1]),
    "independent": (INDEP, [1, 1, 1, 0, 0, 0, 0]),
    "and": (AND, [0.5, 0.5, 0, _AND_I_XY_GIVEN_Z, 0.5, 0.5, -_AND_I_XY_GIVEN_Z]),
}


@pytest.mark.parametrize("name", sorted(KNOWN_ATOMS))
def test_information_atoms_known_values(name):
    p, expected = KNOWN_ATOMS[name]
    atoms = information_atoms(p)
    assert list(atoms) == ATOM_KEYS
    assert all(isinstance(v, float) for v in atoms.values())
    np.testing.assert_allclose(list(atoms.values()), expected, atol=1e-12)


def test_xor_atoms_are_exact_and_centre_is_minus_one_bit():
    atoms = information_atoms(XOR)
    assert atoms == {
        "H(X|Y,Z)": 0.0,
        "H(Y|X,Z)": 0.0,
        "H(Z|X,Y)": 0.0,
        "I(X;Y|Z)": 1.0,
        "I(X;Z|Y)": 1.0,
        "I(Y;Z|X)": 1.0,
        "I(X;Y;Z)": -1.0,
    }


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xor", {"pairwise": 0.0, "higher-order": 1.0, "TC": 1.0}),
        ("redundant", {"pairwise": 3.0, "higher-order": -1.0, "TC": 2.0}),
        ("independent", {"pairwise": 0.0, "higher-order": 0.0, "TC": 0.0}),
    ],
)
def test_pairwise_and_higher_order_known_values(name, expected):
    split = pairwise_and_higher_order(KNOWN_ATOMS[name][0])
    for key, value in expected.items():
        assert split[key] == pytest.approx(value, abs=1e-12)


def test_labels_and_nats():
    atoms_bits = information_atoms(XOR, labels=("a", "b", "c"))
    atoms_nats = information_atoms(XOR, labels=("a", "b", "c"), base=np.e)
    assert "I(a;b;c)" in atoms_bits and "H(a|b,c)" in atoms_bits and "I(b;c|a)" in atoms_bits
    assert atoms_nats["I(a;b;c)"] == pytest.approx(-np.log(2), abs=1e-12)


def test_axes_pick_and_group_variables():
    rng = np.random.default_rng(0)
    p4 = rng.random((2, 3, 2, 2))
    p4 /= p4.sum()
    # axes (3, 0, 1): X = axis 3, Y = axis 0, Z = axis 1, axis 2 marginalised out
    moved = p4.sum(axis=2).transpose(2, 0, 1)
    assert information_atoms(p4, axes=(3, 0, 1)) == pytest.approx(information_atoms(moved), abs=1e-12)
    # a tuple groups axes 1 and 2 into one variable with 6 values
    grouped = p4.reshape(2, 6, 2)
    assert information_atoms(p4, axes=(0, (1, 2), 3)) == pytest.approx(information_atoms(grouped), abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"axes": (0, 1)}, r"axes must name exactly three variables, got \(0, 1\)"),
        ({"axes": (0, 1, 1)}, r"axes must not overlap, got \(0, 1, 1\)"),
        ({"axes": (0, (1, 0), 2)}, r"axes must not overlap, got \(0, \(1, 0\), 2\)"),
        ({"axes": (0, 1.5, 2)}, r"int or a non-empty tuple of ints, got 1\.5"),
        ({"labels": ("X", "Y")}, r"labels must be three strings, got \('X', 'Y'\)"),
        ({"labels": ("X", "", "Z")}, r"three non-empty strings, got \('X', '', 'Z'\)"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        information_atoms(XOR, **kwargs)


@st.composite
def _pmf3(draw):
    shape = tuple(draw(st.integers(1, 3)) for _ in range(3))
    weights = draw(
        st.lists(st.floats(0, 1, allow_nan=False), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
    )
    w = np.array(weights, dtype=float).reshape(shape)
    if w.sum() <= 1e-6:
        w = np.ones(shape)
    return w / w.sum()


@settings(max_examples=40, deadline=None)
@given(_pmf3())
def test_atoms_obey_the_i_measure_identities(p):
    atoms = list(information_atoms(p).values())
    Hx_yz, Hy_xz, Hz_xy, Ixy_z, Ixz_y, Iyz_x, Ixyz = atoms
    # the seven atoms add up to the joint entropy
    assert sum(atoms) == pytest.approx(entropy(p), abs=1e-9)
    # each circle adds up to its variable's entropy
    assert Hx_yz + Ixy_z + Ixz_y + Ixyz == pytest.approx(entropy(p, 0), abs=1e-9)
    assert Hz_xy + Ixz_y + Iyz_x + Ixyz == pytest.approx(entropy(p, 2), abs=1e-9)
    # each lens plus the centre is a pairwise MI; each lens alone a conditional MI
    assert Ixy_z + Ixyz == pytest.approx(mutual_information(p, 0, 1), abs=1e-9)
    assert Iyz_x == pytest.approx(conditional_mutual_information(p, 1, 2, 0), abs=1e-9)
    # conditional entropies and conditional MIs are non-negative; only the centre may be negative
    assert min(Hx_yz, Hy_xz, Hz_xy, Ixy_z, Ixz_y, Iyz_x) >= -1e-9


@settings(max_examples=40, deadline=None)
@given(_pmf3())
def test_split_adds_up_to_tc_and_higher_order_is_interaction_information(p):
    split = pairwise_and_higher_order(p)
    assert split["pairwise"] + split["higher-order"] == pytest.approx(split["TC"], abs=1e-9)
    assert split["TC"] == pytest.approx(total_correlation(p), abs=1e-9)
    assert split["higher-order"] == pytest.approx(interaction_information(p), abs=1e-9)
    assert split["higher-order"] == pytest.approx(-information_atoms(p)["I(X;Y;Z)"], abs=1e-9)


def test_atoms_agree_with_dit_on_a_random_distribution():
    dit = pytest.importorskip("dit")
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(12)).reshape(2, 3, 2)
    outcomes = [(x, y, z) for x in range(2) for y in range(3) for z in range(2)]
    d = dit.Distribution(outcomes, [p[o] for o in outcomes])
    atoms = information_atoms(p)
    assert atoms["I(X;Y;Z)"] == pytest.approx(dit.multivariate.coinformation(d), abs=1e-9)
    assert atoms["I(X;Z|Y)"] == pytest.approx(dit.multivariate.coinformation(d, [[0], [2]], [1]), abs=1e-9)
    assert atoms["H(Y|X,Z)"] == pytest.approx(dit.multivariate.entropy(d, [1], [0, 2]), abs=1e-9)


def _atom_texts(ax):
    gids = [(t.get_gid() or "", t) for t in ax.texts]
    return {gid[len("atom:") :]: t.get_text() for gid, t in gids if gid.startswith("atom:")}


def test_information_diagram_annotates_seven_atoms_with_their_values():
    fig, ax = information_diagram(XOR, title="XOR")
    try:
        assert isinstance(fig, matplotlib.figure.Figure) and ax.figure is fig
        texts = _atom_texts(ax)
        assert list(texts) == ATOM_KEYS
        assert texts["I(X;Y;Z)"] == "-1.000" and texts["I(X;Y|Z)"] == "1.000" and texts["H(X|Y,Z)"] == "0.000"
        circles = [a for a in ax.patches if isinstance(a, matplotlib.patches.Circle)]
        assert len(circles) == 3
        assert {"X", "Y", "Z"} <= {t.get_text() for t in ax.texts}
        assert "bits" in ax.get_xlabel() and ax.get_title() == "XOR"
    finally:
        plt.close(fig)


def test_information_diagram_colours_negative_atoms_distinctly():
    fig, ax = information_diagram(XOR)
    try:
        colours = {key: t.get_color() for key, t in ((t.get_gid()[5:], t) for t in ax.texts if t.get_gid())}
        assert colours["I(X;Y;Z)"] != colours["I(X;Y|Z)"]
    finally:
        plt.close(fig)


def test_information_diagram_draws_on_a_given_axes():
    fig, axes = plt.subplots(1, 2)
    try:
        out_fig, out_ax = information_diagram(RDN, ax=axes[1], labels=("a", "b", "c"), decimals=1)
        assert out_fig is fig and out_ax is axes[1]
        assert _atom_texts(axes[1])["I(a;b;c)"] == "1.0"
        assert not axes[0].texts
    finally:
        plt.close(fig)


def test_bars_have_six_labelled_bars_and_a_unit_on_the_y_axis():
    fig, ax = pairwise_vs_higher_order_bars(RDN, title="redundant")
    try:
        heights = [bar.get_height() for bar in ax.patches]
        np.testing.assert_allclose(heights, [1, 1, 1, 3, -1, 2], atol=1e-12)
        assert len(ax.get_xticklabels()) == 6
        assert "bits" in ax.get_ylabel()
        assert [t.get_text() for t in ax.texts] == ["1.000", "1.000", "1.000", "3.000", "-1.000", "2.000"]
    finally:
        plt.close(fig)


def test_bars_in_nats_say_nats():
    fig, ax = pairwise_vs_higher_order_bars(XOR, base=np.e)
    try:
        assert "nats" in ax.get_ylabel()
        assert ax.patches[4].get_height() == pytest.approx(np.log(2), abs=1e-12)
    finally:
        plt.close(fig)


def test_importing_infotheory_does_not_import_matplotlib():
    code = "import sys, infotheory, infotheory.plot; assert 'matplotlib' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
