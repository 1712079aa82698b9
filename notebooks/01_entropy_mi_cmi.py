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
# # 1. Entropy, mutual information and conditional mutual information
#
# This first session computes the three basic information measures **exactly** on small probability
# tables, then checks that **estimates from samples** converge to the exact values.
#
# *Conventions used everywhere in this course.* A joint distribution is a `numpy` array with **one axis per
# variable**: `p[x, y]` is $P(X = x, Y = y)$. Measures pick variables by axis index and return a plain
# float in **bits** (logarithms base 2); pass `base=np.e` for nats. We use $0 \log 0 = 0$.
#
# | measure | definition |
# |---|---|
# | entropy | $H(X) = -\sum_x p(x) \log_2 p(x)$ |
# | conditional entropy | $H(X \mid Y) = H(X, Y) - H(Y)$ |
# | mutual information | $I(X;Y) = H(X) + H(Y) - H(X,Y) = \sum_{x,y} p(x,y)\log_2 \frac{p(x,y)}{p(x)p(y)}$ |
# | conditional MI | $I(X;Y \mid Z) = H(X,Z) + H(Y,Z) - H(Z) - H(X,Y,Z)$ |

# %%
import matplotlib.pyplot as plt
import numpy as np

from generators import DiseaseTemperature
from infotheory import (
    bootstrap_ci,
    conditional_mutual_information,
    entropy,
    mutual_information,
    plugin_estimate,
)

# %% [markdown]
# ## A coin
#
# A fair coin carries exactly one bit. A biased coin with $P(\text{heads}) = \theta$ carries the **binary
# entropy** $h(\theta) = -\theta\log_2\theta - (1-\theta)\log_2(1-\theta)$ bits, at most 1 bit (at
# $\theta = 1/2$) and 0 bits for a coin that always lands the same way.

# %%
fair = np.array([0.5, 0.5])
print("H(fair coin) =", entropy(fair), "bits")
assert abs(entropy(fair) - 1.0) < 1e-12

thetas = np.linspace(0, 1, 101)
h = np.array([entropy(np.array([t, 1 - t])) for t in thetas])
assert abs(h[50] - 1.0) < 1e-12 and h[0] == 0.0 and h[-1] == 0.0
assert abs(entropy(np.array([0.1, 0.9])) - (-0.1 * np.log2(0.1) - 0.9 * np.log2(0.9))) < 1e-12

fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(thetas, h)
ax.set_xlabel(r"$\theta = P(\mathrm{heads})$")
ax.set_ylabel("H (bits)")
ax.set_title("binary entropy")
plt.show()

# %% [markdown]
# Two independent fair coins carry 2 bits, and share **no** information: $I(X;Y) = 0$. Two copies of the same
# coin carry only 1 bit together, all of it shared: $I(X;Y) = 1$ bit.

# %%
independent = np.outer(fair, fair)  # p[x, y] = p(x) p(y)
copies = np.diag(fair)  # p[x, x] = 1/2
print("independent: H(X,Y) =", entropy(independent), " I(X;Y) =", mutual_information(independent, 0, 1))
print("copies:      H(X,Y) =", entropy(copies), " I(X;Y) =", mutual_information(copies, 0, 1))
assert abs(entropy(independent) - 2) < 1e-12 and abs(mutual_information(independent, 0, 1)) < 1e-12
assert abs(entropy(copies) - 1) < 1e-12 and abs(mutual_information(copies, 0, 1) - 1) < 1e-12

# %% [markdown]
# ## Disease and temperature
#
# A toy joint table of a disease $y \in \{a, b\}$ and a body temperature $t \in \{99, 100, 101, 102\}$
# (an illustrative table in the spirit of the paper's appendix Table 1). The rows `p(y=., t)` are the joint
# distribution, `p(t)` the marginal of the temperature, and `p(y=. | t)` the conditional of the disease
# given the temperature.

# %%
dt = DiseaseTemperature()
dt.table1().round(3)

# %%
p_yt = dt.joint_pmf()  # axes (y, t)
H_y, H_t, H_yt = entropy(p_yt, 0), entropy(p_yt, 1), entropy(p_yt)
H_y_given_t = entropy(p_yt, 0, given=1)
I_yt = mutual_information(p_yt, 0, 1)
print(f"H(y) = {H_y:.4f}  H(t) = {H_t:.4f}  H(y,t) = {H_yt:.4f}  H(y|t) = {H_y_given_t:.4f} bits")
print(f"I(y;t) = {I_yt:.4f} bits")

# the identities that define the measures
assert abs(H_y_given_t - (H_yt - H_t)) < 1e-12
assert abs(I_yt - (H_y - H_y_given_t)) < 1e-12
assert abs(I_yt - (H_y + H_t - H_yt)) < 1e-12
# and the generator's own closed form agrees with the general-purpose measure
assert abs(I_yt - dt.mutual_information()) < 1e-12

# %% [markdown]
# Knowing the temperature removes $I(y;t)$ bits of the $H(y)$ bits of uncertainty about the disease.
#
# Temperatures 99 and 100 have the same conditional $p(y \mid t)$: for predicting the disease they are
# interchangeable. Merging them into one "no fever" value keeps **all** the information — the grouping
# is a (minimal) **sufficient statistic** — whereas merging 101 and 102 loses some.

# %%
T = dt.minimal_sufficient_statistic()
print("minimal sufficient statistic:", T)
I_T = dt.grouped_mutual_information(T)
I_merge_fever = dt.grouped_mutual_information({99: 0, 100: 1, 101: 2, 102: 2})
print(f"I(y;T(t)) = {I_T:.4f}  vs  I(y;t) = {I_yt:.4f};  merging 101 and 102: {I_merge_fever:.4f} bits")
assert abs(I_T - I_yt) < 1e-12 and I_merge_fever < I_yt - 1e-3

# %% [markdown]
# ## Conditional mutual information: a noisy thermometer
#
# Add a third variable: a thermometer **reading** $r$ that shows the true temperature with probability 0.8
# and one of the three other values otherwise. The reading depends on the disease **only through** the
# temperature — a Markov chain $y \to t \to r$ — so
#
# $$P(y, t, r) = P(y, t)\, P(r \mid t), \qquad I(y; r \mid t) = 0 .$$
#
# Conditional MI asks: *how much does $r$ tell about $y$ once $t$ is known?* Here nothing. The converse,
# $I(y; t \mid r)$, is positive: the true temperature still tells something beyond a noisy reading.

# %%
noise = 0.2
p_r_given_t = np.full((4, 4), noise / 3) + np.eye(4) * (1 - noise - noise / 3)  # rows t, columns r
assert np.allclose(p_r_given_t.sum(axis=1), 1)
p_ytr = p_yt[:, :, None] * p_r_given_t[None, :, :]  # axes (y, t, r)

I_yr = mutual_information(p_ytr, 0, 2)
I_yr_given_t = conditional_mutual_information(p_ytr, 0, 2, 1)
I_yt_given_r = conditional_mutual_information(p_ytr, 0, 1, 2)
I_y_tr = mutual_information(p_ytr, 0, (1, 2))
print(f"I(y;t) = {I_yt:.4f}   I(y;r) = {I_yr:.4f}   I(y;r|t) = {I_yr_given_t:.4f}   I(y;t|r) = {I_yt_given_r:.4f}")

assert abs(I_yr_given_t) < 1e-12  # Markov chain y -> t -> r
assert I_yr < I_yt  # data processing inequality: a noisy copy cannot know more
# chain rule, two ways: I(y; t, r) = I(y; t) + I(y; r | t) = I(y; r) + I(y; t | r)
assert abs(I_y_tr - (I_yt + I_yr_given_t)) < 1e-12
assert abs(I_y_tr - (I_yr + I_yt_given_r)) < 1e-12

# %% [markdown]
# ## From samples: the plug-in estimate converges
#
# In practice we only see samples. The **plug-in** estimate counts the samples into an empirical joint
# table $\hat p$ and applies the exact formula to it. With few samples it is biased — the mutual information
# **up** (sampling noise looks like dependence: about $(K_y-1)(K_t-1)/(2N)$ nats), the entropy **down** (by about
# $(K-1)/(2N)$ nats for $K$ outcomes and $N$ samples) — but it converges to the truth as $N$ grows. We draw
# samples with a fixed seed, so the numbers below are reproducible.


# %%
def plug_in_mi(y, t):
    """Plug-in I(y;t) in bits: the exact MI of the empirical joint table of the samples (y, t)."""
    return plugin_estimate(mutual_information, [y, t], 0, 1)


sizes = [30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000]
reps = 20  # repeat each sample size to see the trend through the noise
rng = np.random.default_rng(0)
estimates = np.array([[plug_in_mi(**dt.sample(n, rng)) for _ in range(reps)] for n in sizes])  # (sizes, reps)
mean_abs_error = np.abs(estimates - I_yt).mean(axis=1)
for n, est, err in zip(sizes, estimates, mean_abs_error):
    print(f"N = {n:>7}: plug-in I(y;t) = {est.mean():.4f} ± {est.std():.4f} bits  (mean |error| {err:.4f})")

assert mean_abs_error[-1] < 0.005  # within 0.005 bit of the truth at N = 100 000
assert np.all(np.diff(mean_abs_error) < 0)  # every larger sample size does better on average

fig, ax = plt.subplots(figsize=(5, 3))
ax.errorbar(sizes, estimates.mean(axis=1), yerr=estimates.std(axis=1), fmt="o-", capsize=3,
            label=f"plug-in estimate (mean ± sd of {reps})")
ax.axhline(I_yt, color="k", ls="--", label="exact I(y;t)")
ax.set_xscale("log")
ax.set_xlabel("number of samples N")
ax.set_ylabel("I(y;t) (bits)")
ax.legend()
plt.show()

# %% [markdown]
# The same for the entropy of the temperature: the plug-in estimate sits **below** the truth on small
# samples (averaged over 200 repetitions to see the bias, not the noise), and the gap shrinks like $1/N$.
# The **Miller–Madow** correction adds $(\hat K - 1)/(2N)$ nats ($\hat K$ = number of observed values) and
# removes most of the bias.

# %%
rng = np.random.default_rng(1)
mean_bias = {}
for n in (20, 200, 2000):
    samples = [dt.sample(n, rng)["t"] for _ in range(200)]
    plain = np.mean([plugin_estimate(entropy, t) for t in samples]) - H_t
    mm = np.mean([plugin_estimate(entropy, t, correction="miller_madow") for t in samples]) - H_t
    mean_bias[n] = (plain, mm)
    print(f"N = {n:>5}: mean bias of plug-in H(t) {plain:+.4f} bits, Miller-Madow {mm:+.4f} bits")
assert mean_bias[20][0] < 0 and mean_bias[200][0] < 0  # plug-in: biased down
assert abs(mean_bias[2000][0]) < abs(mean_bias[20][0]) / 5  # and the bias shrinks with N
assert all(abs(mm) < abs(plain) for plain, mm in mean_bias.values())  # Miller-Madow reduces it

# %% [markdown]
# One data set of $N = 1000$ samples, with a 95% bootstrap interval (resampling the rows 300 times):

# %%
s = dt.sample(1000, rng=2)
estimate, low, high = bootstrap_ci(mutual_information, [s["y"], s["t"]], 0, 1, n_boot=300, seed=0)
print(f"I(y;t) ~ {estimate:.4f} bits, 95% bootstrap interval [{low:.4f}, {high:.4f}]; exact {I_yt:.4f}")
assert low <= estimate <= high

# %% [markdown]
# **Take-aways.** Entropy measures uncertainty, mutual information the uncertainty one variable removes from
# another, and conditional MI what remains to be learned once a third variable is known. All three are
# combinations of joint entropies. Next session: distributions where every *pairwise* MI is zero and yet the
# variables are strongly dependent.
