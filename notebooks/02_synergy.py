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
# # 2. Synergy: XOR and parity
#
# Take two fair coins $X, Y$ and let $Z = X \oplus Y$ (XOR: $Z = 1$ when exactly one coin shows 1).
# Any **two** of the three variables are independent fair coins — yet any two **determine** the third.
# All the dependence is *higher-order*: it lives in the triple, not in any pair. This session measures that.

# %%
import matplotlib.pyplot as plt
import numpy as np

from generators import Parity
from infotheory import (
    co_information,
    conditional_mutual_information,
    dual_total_correlation,
    entropy,
    interaction_information,
    kl_divergence,
    marginal,
    mutual_information,
    o_information,
    s_information,
    total_correlation,
)
from infotheory.plot import information_atoms, information_diagram, pairwise_vs_higher_order_bars

# %%
xor = Parity(m=3).joint_pmf()  # axes (X, Y, Z), P = 1/4 on the four rows with X xor Y xor Z = 0
for x in (0, 1):
    for y in (0, 1):
        print(f"x={x} y={y}  z={int(np.argmax(xor[x, y]))}  P={xor[x, y].max()}")
assert xor.shape == (2, 2, 2) and abs(xor.sum() - 1) < 1e-12

# %% [markdown]
# ## Every pair is independent...

# %%
pairs = {"I(X;Y)": (0, 1), "I(X;Z)": (0, 2), "I(Y;Z)": (1, 2)}
for name, (i, j) in pairs.items():
    print(f"{name} = {mutual_information(xor, i, j):.6f} bits")
    assert abs(mutual_information(xor, i, j)) < 1e-12

# %% [markdown]
# ## ... yet conditioning creates dependence
#
# Once $Z$ is known, $X$ determines $Y$: $I(X;Y \mid Z) = H(X \mid Z) - H(X \mid Y, Z) = 1 - 0 = 1$ bit.

# %%
for (i, j, k), name in [((0, 1, 2), "I(X;Y|Z)"), ((0, 2, 1), "I(X;Z|Y)"), ((1, 2, 0), "I(Y;Z|X)")]:
    value = conditional_mutual_information(xor, i, j, k)
    print(f"{name} = {value:.6f} bits")
    assert abs(value - 1) < 1e-12

# %% [markdown]
# ## Co-information and interaction information: mind the sign
#
# The **co-information** of three variables is what conditioning on the third removes from a pair:
#
# $$I(X;Y;Z) = I(X;Y) - I(X;Y \mid Z) = 0 - 1 = -1 \text{ bit on XOR.}$$
#
# It is symmetric in $X, Y, Z$ and, unlike every Shannon measure of session 1, it **can be negative**.
# Negative co-information signals **synergy** (the whole tells more than the pairs); positive signals
# **redundancy** (the same bit repeated). The **interaction information** used by `dit` is its negative for
# three variables, $+1$ bit on XOR. This course states both and uses co-information in the I-diagram.

# %%
coI = co_information(xor)
II = interaction_information(xor)
print(f"co-information = {coI:+.6f} bits, interaction information = {II:+.6f} bits")
assert abs(coI - (-1)) < 1e-12 and abs(II - 1) < 1e-12
assert abs(coI - (mutual_information(xor, 0, 1) - conditional_mutual_information(xor, 0, 1, 2))) < 1e-12

# %% [markdown]
# ## The information diagram
#
# Three circles for $H(X)$, $H(Y)$, $H(Z)$; the seven regions ("atoms") are the conditional entropies
# $H(X \mid Y,Z)$ (outer parts), the conditional MIs $I(X;Y \mid Z)$ (lenses) and the co-information
# $I(X;Y;Z)$ (centre). Each circle adds up to its entropy (1 bit each here: $0 + 1 + 1 - 1$), each pair of
# circles overlaps by the pairwise MI ($1 - 1 = 0$), and all seven add up to $H(X,Y,Z) = 2$ bits.

# %%
atoms = information_atoms(xor)
print(atoms)
assert abs(sum(atoms.values()) - entropy(xor)) < 1e-12
assert atoms["I(X;Y;Z)"] == -1.0 and atoms["I(X;Y|Z)"] == 1.0 and atoms["H(X|Y,Z)"] == 0.0

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1, 1.5]})
information_diagram(xor, ax=axes[0], title="XOR: Z = X xor Y")
pairwise_vs_higher_order_bars(xor, ax=axes[1], title="pairwise vs higher-order")
fig.tight_layout()
plt.show()

# %% [markdown]
# Contrast with **redundancy**: one fair bit copied three times, $X = Y = Z$. Now every pair shares the bit,
# the lenses are empty, and the centre is $+1$ bit.

# %%
rdn = np.zeros((2, 2, 2))
rdn[0, 0, 0] = rdn[1, 1, 1] = 0.5
atoms_rdn = information_atoms(rdn)
print(atoms_rdn)
assert atoms_rdn["I(X;Y;Z)"] == 1.0 and atoms_rdn["I(X;Y|Z)"] == 0.0
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [1, 1.5]})
information_diagram(rdn, ax=axes[0], title="redundancy: X = Y = Z")
pairwise_vs_higher_order_bars(rdn, ax=axes[1], title="pairwise vs higher-order")
fig.tight_layout()
plt.show()

# %% [markdown]
# The bars split the **total correlation** $TC = H(X) + H(Y) + H(Z) - H(X,Y,Z)$, the total amount of
# dependence, into a pairwise part and a higher-order part; for three variables
#
# $$TC = \underbrace{I(X;Y) + I(X;Z) + I(Y;Z)}_{\text{pairwise}} + \underbrace{(-I(X;Y;Z))}_{\text{higher-order}} .$$
#
# XOR: $TC = 0 + 1$ — all higher-order. Redundancy: $TC = 3 + (-1) = 2$ — the pairwise sum counts the
# shared bit three times, and the higher-order term corrects for it.

# %% [markdown]
# ## TC, DTC and O-information
#
# Three multivariate generalisations of MI:
#
# * **total correlation** $TC = \sum_i H(X_i) - H(X_1, \dots, X_n)$ — how far the joint is from independent;
# * **dual total correlation** $DTC = H(X_1, \dots, X_n) - \sum_i H(X_i \mid X_{-i})$ — the entropy that
#   is shared by at least two variables;
# * **O-information** $\Omega = TC - DTC$ — **negative** when synergy dominates, positive when redundancy
#   does; and the S-information $TC + DTC$.
#
# For $m$-bit parity ($m - 1$ fair bits and their XOR) the closed forms are $TC = 1$, $DTC = m - 1$,
# $\Omega = 2 - m$ bits: the more variables share a single parity constraint, the more synergistic.

# %%
print(" m   TC   DTC     O     S   co-info")
for m in (3, 4, 5, 6):
    gen = Parity(m=m)
    pm = gen.joint_pmf()
    tc, dtc, o, s = total_correlation(pm), dual_total_correlation(pm), o_information(pm), s_information(pm)
    ci = co_information(pm)
    print(f"{m:2d} {tc:5.2f} {dtc:5.2f} {o:5.2f} {s:5.2f} {ci:+7.2f}")
    assert abs(tc - 1) < 1e-9 and abs(dtc - (m - 1)) < 1e-9 and abs(o - (2 - m)) < 1e-9
    assert abs(s - m) < 1e-9 and abs(ci - (-1) ** m) < 1e-9
    # the generator's closed forms agree with enumeration
    assert abs(tc - gen.total_correlation()) < 1e-9 and abs(o - gen.o_information()) < 1e-9

print("redundant X=Y=Z:  TC =", total_correlation(rdn), " DTC =", dual_total_correlation(rdn),
      " O =", o_information(rdn))
assert o_information(rdn) > 0 > o_information(xor)

# %% [markdown]
# ## Why every pairwise method is blind here
#
# A method that only looks at pairs — pairwise correlations, pairwise MI, or a contrastive objective like CLIP
# that scores $(x, y)$, $(x, z)$ and $(y, z)$ separately — sees the three **pairwise marginals**. For XOR
# they are exactly those of three *independent* fair coins:

# %%
indep = np.full((2, 2, 2), 1 / 8)
for i, j in [(0, 1), (0, 2), (1, 2)]:
    assert np.allclose(marginal(xor, (i, j)), marginal(indep, (i, j)))
print("pairwise marginals of XOR == those of independent coins:", marginal(xor, (0, 1)).ravel())

# %% [markdown]
# So no function of the pairwise marginals can tell XOR from independence, although the two differ by
# $D(p_{XOR} \,\|\, p_{indep}) = TC = 1$ bit. Concretely, the best prediction of $Z$ from $X$ alone, or from
# $Y$ alone, is a coin flip; from $(X, Y)$ together it is perfect:

# %%
kl = kl_divergence(xor, indep)
print(f"D(XOR || independent) = {kl:.6f} bits = TC = {total_correlation(xor):.6f} bits")
assert abs(kl - 1) < 1e-12


def bayes_accuracy(p, target, given):
    """Accuracy of predicting axis `target` by argmax p(target | given): sum over `given` of max_t p(given, t)."""
    joint = marginal(p, (*given, target))  # axes (given..., target)
    return float(joint.max(axis=-1).sum())


acc_x = bayes_accuracy(xor, 2, (0,))
acc_y = bayes_accuracy(xor, 2, (1,))
acc_xy = bayes_accuracy(xor, 2, (0, 1))
print(f"accuracy of predicting Z from X: {acc_x}, from Y: {acc_y}, from (X, Y): {acc_xy}")
assert acc_x == 0.5 and acc_y == 0.5 and acc_xy == 1.0

# %% [markdown]
# **Take-aways.** On XOR, pairwise MI is 0 for every pair, $I(X;Y \mid Z) = 1$ bit, co-information is
# $-1$ bit (interaction information $+1$), $TC = 1$, $DTC = 2$ and $\Omega = -1$ bit. Pairwise statistics
# are blind to all of it. Session 3 builds a family of distributions that slides from purely pairwise to
# purely higher-order information; session 4 trains a pairwise (CLIP) and a higher-order (Symile) model on it.
