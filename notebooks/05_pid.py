# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 5. Partial information decomposition: redundant, unique, synergistic
#
# Sessions 2 and 3 measured higher-order information *in aggregate*: the co-information of the AND gate is
# $-0.19$ bits, but is that a little synergy, or a lot of synergy minus some redundancy? The **partial
# information decomposition** (PID, Williams & Beer 2010) answers the question a single number cannot: of
# what two sources $S_1, S_2$ tell about a target $T$, how much is
#
# * **redundant** $R$ (either source alone gives it),
# * **unique** to $S_1$ ($U_1$) or to $S_2$ ($U_2$),
# * **synergistic** $S$ (only the two together give it)?
#
# $$I(S_1, S_2; T) = R + U_1 + U_2 + S, \qquad I(S_1; T) = R + U_1, \qquad I(S_2; T) = R + U_2 .$$
#
# Three equations, four unknowns: one more ingredient, a **redundancy measure**, fixes the split. Several
# exist and they disagree; this session compares four of them, all in bits.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from generators import BinaryXOR, xor_info_table
from infotheory import co_information, mutual_information
from infotheory.examples import parity, xor
from infotheory.pid import PID_MEASURES, i_min, pid
from infotheory.plot import pid_lattice


def gate(table):
    """S1, S2 fair independent bits and T = table[S1][S2]; axes (S1, S2, T)."""
    p = np.zeros((2, 2, 1 + max(map(max, table))))
    for s1, s2 in np.ndindex(2, 2):
        p[s1, s2, table[s1][s2]] = 0.25
    return p


AND = gate([[0, 0], [0, 1]])
print(f"co-information of AND: {co_information(AND):+.4f} bits")

# %% [markdown]
# ## The redundancy lattice
#
# Williams and Beer order the possible kinds of shared information as a lattice of *antichains*: for two
# sources $\{1\}\{2\}$ (what each gives: redundancy), $\{1\}$ and $\{2\}$ (what one gives), $\{12\}$ (what the
# pair gives). A redundancy measure $I_\cap$ assigns a value to every node, and the **atoms** follow by
# Möbius inversion: each atom is its node's value minus the atoms below it. `pid` returns one record per node.

# %%
records = pid(AND, [0, 1], 2, measure="imin")
print(pd.DataFrame(records).drop(columns="elements").to_string())

# %%
R, U1, U2, S = (r["value"] for r in records)
assert abs(R + U1 - mutual_information(AND, 0, 2)) < 1e-12  # the consistency equations hold exactly
assert abs(R + U1 + U2 + S - mutual_information(AND, (0, 1), 2)) < 1e-12
assert abs(R - 0.3113) < 5e-5 and abs(S - 0.5) < 1e-12
fig, ax = pid_lattice(records, title="AND, I_min")
plt.show()

# %% [markdown]
# **$I_{\min}$** (Williams & Beer) counts, for each target value $t$, the smaller of the two *specific
# informations* $I(T = t; S_i)$, and averages over $t$. On AND: 0.311 bits redundant, 0.5 synergistic. The
# co-information is their difference, $R - S = 0.311 - 0.5 = -0.189$: a redundancy hidden under synergy.

# %%
assert abs(co_information(AND) - (R - S)) < 1e-12

# %% [markdown]
# ## Four measures on five gates
#
# * **I_min** (`"imin"`), Williams & Beer 2010;
# * **MMI** (`"mmi"`), $R = \min_i I(S_i; T)$;
# * **BROJA** (`"broja"`), Bertschinger et al. 2014: the unique information of $S_1$ is the least
#   $I_Q(S_1; T \mid S_2)$ over all joints $Q$ with the same $(S_1, T)$ and $(S_2, T)$ marginals, a convex
#   optimisation (solved here to a certified tolerance);
# * **I_ccs** (`"ccs"`), Ince 2017: the pointwise co-information, counted where all the pointwise terms agree
#   in sign.

# %%
RDN = np.zeros((2, 2, 2))
RDN[0, 0, 0] = RDN[1, 1, 1] = 0.5  # S1 = S2 = T
gates = {
    "XOR": xor(),
    "AND": AND,
    "RDN": RDN,
    "UNQ": gate([[0, 0], [1, 1]]),  # T = S1
    "COPY": gate([[0, 1], [2, 3]]),  # T = (S1, S2)
}
rows = []
for name, p in gates.items():
    for measure in PID_MEASURES:
        R, U1, U2, S = (r["value"] for r in pid(p, [0, 1], 2, measure=measure))
        rows.append({"gate": name, "measure": measure, "R": R, "U1": U1, "U2": U2, "S": S})
table = pd.DataFrame(rows).set_index(["gate", "measure"]).round(4)
print(table.to_string())

# %%
assert (table.loc["XOR", "S"] == 1).all() and (table.loc["RDN", "R"] == 1).all()
assert (table.loc["UNQ", "U1"] == 1).all()
assert table.loc[("COPY", "imin"), "R"] == 1 and table.loc[("COPY", "broja"), "U1"] == 1

# %% [markdown]
# Where they agree: XOR is pure synergy, RDN pure redundancy, UNQ pure unique information.
#
# Where they do not: **COPY** sends both independent bits to $T$. $I_{\min}$ and MMI call 1 bit "redundant",
# although $S_1$ and $S_2$ are independent and tell about different parts of $T$. They only compare
# *amounts*. BROJA and $I_{ccs}$ give 1 bit unique to each source, the answer most people expect.
#
# **$I_{ccs}$ can be negative.** With an *imperfect* copy ($S_2 = T$ except for one case in a thousand),
# $I_{ccs}$ gives $S_2$ a negative unique information, "misinformation". The other three measures never go
# below 0 for two sources.

# %%
imperfect = np.zeros((2, 2, 2))
imperfect[0, 0, 0], imperfect[0, 1, 0], imperfect[1, 1, 1] = 0.499, 0.001, 0.5
ccs = pid(imperfect, [0, 1], 2, measure="ccs")
print({r["antichain"]: round(r["value"], 4) for r in ccs})
assert ccs[2]["value"] < 0
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
pid_lattice(pid(imperfect, [0, 1], 2, measure="broja"), ax=axes[0], title="imperfect copy, BROJA")
pid_lattice(ccs, ax=axes[1], title="imperfect copy, I_ccs")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## The switched XOR, read as a PID
#
# The course's data: $a, b$ uniform $d$-bit vectors, and $c = a \oplus b$ with probability $p$, else $c = a$.
# Two readings:
#
# * **$c$ from $(a, b)$.** $a$ alone tells $I(a; c)$ about $c$, and that is *unique* to $a$ ($b$ alone
#   tells nothing, $I(b; c) = 0$, so there is nothing to share). What the switch adds,
#   $I(b; c \mid a)$, only $(a, b)$ together give: *synergy*. As $p$ grows, information moves from the
#   first atom to the second.
# * **$b$ from $(a, c)$**, the zero-shot task of Figure 3: $b$ is independent of $a$ and of $c$ alone,
#   so all of $I(a, c; b)$ is synergy, the part a pairwise (CLIP) objective cannot see.
#
# Every measure agrees here, and with the closed forms:

# %%
d, p_switch = 2, 0.3
joint = BinaryXOR(d=d, p=p_switch).joint_pmf()  # axes (a, b, c)
closed = {k: float(v) for k, v in xor_info_table(d, p_switch).items()}
for measure in PID_MEASURES:
    R, Ua, Ub, S = (r["value"] for r in pid(joint, [0, 1], 2, measure=measure))
    assert abs(Ua - closed["I(a;c)"]) < 1e-9 and abs(S - closed["I(b;c|a)"]) < 1e-9
    assert abs(R) < 1e-9 and abs(Ub) < 1e-9
    R, Ua, Uc, S = (r["value"] for r in pid(joint, [0, 2], 1, measure=measure))
    assert abs(S - closed["I(a;b|c)"]) < 1e-9 and max(abs(R), abs(Ua), abs(Uc)) < 1e-9
print(f"d={d}, p={p_switch}: unique to a = I(a;c) = {closed['I(a;c)']:.4f}, synergy = {closed['I(b;c|a)']:.4f} bits")

# %%
ps = np.linspace(0, 1, 11)
atoms = np.array([[r["value"] for r in pid(BinaryXOR(d=1, p=q).joint_pmf(), [0, 1], 2)] for q in ps])
fig, ax = plt.subplots(figsize=(5.5, 3.5))
for column, name in enumerate(["redundancy", "unique to a", "unique to b", "synergy"]):
    ax.plot(ps, atoms[:, column], marker="o", label=name)
ax.set_xlabel("switch probability p")
ax.set_ylabel("atom (bits)")
ax.set_title("c from (a, b), d = 1 (I_min)")
ax.legend()
plt.show()

# %% [markdown]
# The committed figure `figures/pid_xorp.png` (made by `python -m experiments.pid`, or `symile-lab pid`)
# draws every atom of every measure against $p$ for $d = 1, 2, 3$ and both readings.
#
# ## Three sources
#
# With three sources the lattice has 18 nodes: beside redundancy, unique information and the full synergy
# $\{123\}$ there are mixed atoms such as $\{12\}\{3\}$ (what the pair $(1, 2)$ and source 3 both give).
# For 3-bit parity, $T = S_1 \oplus S_2 \oplus S_3$, all of the 1 bit sits at the top.

# %%
parity_records = pid(parity(4), [0, 1, 2], 3, measure="imin")
assert abs(parity_records[-1]["value"] - 1) < 1e-12 and len(parity_records) == 18
rng = np.random.default_rng(0)
random_joint = rng.dirichlet(np.ones(16)).reshape(2, 2, 2, 2)
fig, ax = pid_lattice(pid(random_joint, [0, 1, 2], 3, measure="imin"), title="a random joint, I_min")
plt.show()
assert abs(i_min(random_joint, [0, 1, 2], 3) - pid(random_joint, [0, 1, 2], 3)[0]["value"]) < 1e-12

# %% [markdown]
# **Take-aways.** A PID splits $I(S_1, S_2; T)$ into redundancy, unique information and synergy; the
# consistency equations hold for every measure, the split depends on the measure. XOR is synergy, RDN
# redundancy, for everyone; COPY separates the measures that compare amounts ($I_{\min}$, MMI) from those
# that compare content (BROJA, $I_{ccs}$); $I_{ccs}$ can go negative. On the switched XOR every measure
# agrees: the information that only $(a, c)$ jointly hold about $b$ is synergy, which is why Symile, not
# CLIP, can predict $b$. Exercises with checked answers: `docs/exercises_pid.md`.
