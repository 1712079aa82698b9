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
# # 3. The p-family: sliding from pairwise to higher-order information
#
# The Symile paper (Saporta et al., NeurIPS 2024, Section 5.1 and Figure 3) uses a one-parameter family of
# distributions over three binary vectors $a, b, c \in \{0,1\}^d$:
#
# * $a, b \sim \mathrm{Uniform}\{0,1\}^d$, independently;
# * one switch $i \sim \mathrm{Bernoulli}(p)$ per sample (shared by all $d$ coordinates);
# * $c = a \oplus b$ (coordinate-wise XOR) if $i = 1$, and $c = a$ if $i = 0$.
#
# At $p = 0$, $c$ is a copy of $a$: all the dependence is **pairwise**, between $a$ and $c$.
# At $p = 1$, $c = a \oplus b$ is a $d$-bit XOR: all the dependence is **higher-order** (session 2).
# In between, the information slides from one to the other. We derive the closed forms on paper, then check
# them against brute-force enumeration of the joint pmf.

# %%
import matplotlib.pyplot as plt
import numpy as np

from generators import BinaryXOR
from infotheory import conditional_mutual_information, entropy, mutual_information, total_correlation
from infotheory.plot import information_atoms, information_diagram

# %% [markdown]
# ## Derivation
#
# Write $q = 2^{-d}$ (the probability of one particular $d$-bit vector) and $h(p) = -p\log_2 p - (1-p)\log_2(1-p)$.
#
# **Marginals.** $a$ and $b$ are uniform, and so is $c$: whether it equals $a$ or $a \oplus b$, it is a uniform
# vector. Hence $H(a) = H(b) = H(c) = d$ bits.
#
# **The pairs $(a, b)$ and $(b, c)$ are independent.** $a \perp b$ by construction. Given $b$, the vector $c$ is
# either $a$ or $a \oplus b$, and each is uniform whatever $b$ is; so $c \perp b$:
# $$I(a;b) = I(b;c) = 0 .$$
#
# **$H(c \mid a)$.** Given $a$, we get $c = a$ if the switch is off ($1-p$) or if it is on and $b = 0$ ($p q$);
# otherwise $c = a \oplus b$ takes each of the $2^d - 1$ other values with probability $p q$. With
# $(2^d - 1) q = 1 - q$:
# $$H(c \mid a) = -(1 - p + pq)\log_2(1 - p + pq) - p(1-q)\log_2(pq) .$$
# Then $I(a;c) = H(c) - H(c \mid a) = d - H(c \mid a)$.
#
# **$H(c \mid a, b)$.** If $b = 0$ (probability $q$), $c = a$ for sure. Otherwise $c \in \{a, a \oplus b\}$, two
# distinct values chosen by the switch: $h(p)$ bits. So $H(c \mid a, b) = (1-q)\, h(p)$.
#
# **Total correlation.** $H(a,b,c) = H(a,b) + H(c \mid a,b) = 2d + (1-q)h(p)$, so
# $$TC = H(a) + H(b) + H(c) - H(a,b,c) = d - (1-q)\,h(p) .$$
#
# **$I(a;b \mid c)$.** Using $H(b \mid c) = d$ (as $b \perp c$), $H(a \mid c) = H(a,c) - H(c) = H(c \mid a)$ (as
# $H(a) = H(c)$) and $H(a,b \mid c) = H(a,b,c) - H(c) = d + (1-q)h(p)$:
# $$I(a;b \mid c) = H(a \mid c) + H(b \mid c) - H(a, b \mid c) = H(c \mid a) - (1-q)\,h(p) .$$
#
# **The split.** Adding up, $TC = I(a;c) + I(a;b \mid c)$: the only pairwise term is $I(a;c)$ (the other two are
# 0), and the higher-order part of session 2, $TC - \sum_{\text{pairs}} I = -I(a;b;c)$, is exactly
# $I(a;b \mid c)$. At $p = 0$: $I(a;c) = d$, $I(a;b \mid c) = 0$. At $p = 1$: $I(a;c) = 0$, $I(a;b \mid c) = d$.
#
# **Predicting $b$ from $(a, c)$.** If $c \ne a$ the switch was on and $b = a \oplus c$ exactly; if $c = a$ the
# best guess is $b = 0$. The Bayes accuracy among the $2^d$ candidates is $q + p(1-q)$ (chance is $q$).

# %%
log2 = np.log2


def h2(p):
    """Binary entropy in bits, with 0 log 0 = 0."""
    return float(sum(-x * log2(x) for x in (p, 1 - p) if x > 0))


def closed_forms(d, p):
    """The derivation above, in code (bits)."""
    q = 2.0**-d
    stay = 1 - p + p * q
    H_c_a = -stay * log2(stay) - (p * (1 - q) * log2(p * q) if p > 0 else 0.0)
    return {
        "H(c|a)": H_c_a,
        "I(a;b)": 0.0,
        "I(b;c)": 0.0,
        "I(a;c)": d - H_c_a,
        "I(a;b|c)": H_c_a - (1 - q) * h2(p),
        "TC": d - (1 - q) * h2(p),
        "bayes accuracy": q + p * (1 - q),
    }


def enumerated(d, p):
    """The same quantities by brute force on the exact joint pmf (axes a, b, c)."""
    P = BinaryXOR(d=d, p=p).joint_pmf()
    return {
        "H(c|a)": entropy(P, 2, given=0),
        "I(a;b)": mutual_information(P, 0, 1),
        "I(b;c)": mutual_information(P, 1, 2),
        "I(a;c)": mutual_information(P, 0, 2),
        "I(a;b|c)": conditional_mutual_information(P, 0, 1, 2),
        "TC": total_correlation(P),
        # predict b from (a, c): for every (a, c) pick the most likely b
        "bayes accuracy": float(P.max(axis=1).sum()),
    }


# %% [markdown]
# ## Check: closed forms vs enumeration
#
# For $d = 1, 2, 3$ and a grid of $p$ we enumerate the $2^{3d}$-cell joint pmf and compare every quantity with
# the derivation — and with the generator's own `info_table()`.

# %%
worst = 0.0
for d in (1, 2, 3):
    for p in (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0):
        cf, en = closed_forms(d, p), enumerated(d, p)
        table = BinaryXOR(d=d, p=p).info_table()
        for key in cf:
            worst = max(worst, abs(cf[key] - en[key]))
            if key in table:
                assert abs(table[key] - cf[key]) < 1e-9, (d, p, key)
        assert abs(cf["bayes accuracy"] - BinaryXOR(d=d, p=p).bayes_accuracy()) < 1e-12
print(f"largest |closed form - enumeration| over all d, p and quantities: {worst:.2e} bits")
assert worst < 1e-9

# %% [markdown]
# A worked example at $d = 2$, $p = 0.3$:

# %%
cf = closed_forms(2, 0.3)
for key, value in cf.items():
    print(f"{key:>15} = {value:.4f}")
assert abs(cf["TC"] - (cf["I(a;c)"] + cf["I(a;b|c)"])) < 1e-12

# %% [markdown]
# ## Sliding p: pairwise information becomes higher-order
#
# Now $d = 5$, as in the paper. The solid curves are the closed forms; the dots are enumerations of the
# $2^{15}$-cell joint pmf at a few values of $p$. The pairwise $I(a;c)$ falls from $d$ to 0 while the
# higher-order $I(a;b \mid c)$ rises from 0 to $d$; their sum, the total correlation, dips in the middle where
# the switch itself is uncertain.

# %%
d = 5
ps = np.linspace(0, 1, 101)
curves = {k: np.array([closed_forms(d, p)[k] for p in ps]) for k in ("I(a;c)", "I(a;b|c)", "TC")}
p_dots = (0.0, 0.25, 0.5, 0.75, 1.0)
dots = [enumerated(d, p) for p in p_dots]
for p, en in zip(p_dots, dots):
    cf = closed_forms(d, p)
    assert all(abs(cf[k] - en[k]) < 1e-9 for k in cf), p

fig, ax = plt.subplots(figsize=(6, 4))
for key, color in zip(curves, ("C0", "C3", "k")):
    ax.plot(ps, curves[key], color=color, label=key)
    ax.plot(p_dots, [en[key] for en in dots], "o", color=color, ms=5)
ax.set_xlabel("p  (probability that c = a xor b)")
ax.set_ylabel("information (bits)")
ax.set_title(f"BinaryXOR, d = {d}: lines = closed form, dots = enumeration")
ax.legend()
plt.show()

assert curves["I(a;c)"][0] == d and abs(curves["I(a;c)"][-1]) < 1e-12
assert abs(curves["I(a;b|c)"][0]) < 1e-12 and abs(curves["I(a;b|c)"][-1] - d) < 1e-12
assert np.all(np.diff(curves["I(a;c)"]) < 0) and np.all(np.diff(curves["I(a;b|c)"]) > 0)
assert np.allclose(curves["TC"], curves["I(a;c)"] + curves["I(a;b|c)"])

# %% [markdown]
# ## The I-diagram along the family
#
# With $d = 1$ the three variables are single bits and the diagram reads off directly: at $p = 0$ the whole bit
# of dependence sits in the $a$–$c$ overlap; at $p = 1$ it is the XOR diagram of session 2; at $p = 1/2$ both
# are present. The centre is always $-I(a;b \mid c) \le 0$.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4.5))
for ax, p in zip(axes, (0.0, 0.5, 1.0)):
    P = BinaryXOR(d=1, p=p).joint_pmf()
    atoms = information_atoms(P, labels=("a", "b", "c"))
    assert abs(atoms["I(a;b;c)"] + closed_forms(1, p)["I(a;b|c)"]) < 1e-12
    information_diagram(P, labels=("a", "b", "c"), ax=ax, title=f"p = {p}")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Take-aways.** In the p-family $I(a;b) = I(b;c) = 0$ always; the pairwise information $I(a;c)$ and the
# higher-order information $I(a;b \mid c)$ trade off as $p$ moves, and they add up to the total correlation
# $d - (1 - 2^{-d})h(p)$. A model that only learns pairwise dependencies can capture at most $I(a;c)$ and
# cannot predict $b$ from $(a, c)$ better than chance. Session 4 tests exactly that by training CLIP and Symile.
