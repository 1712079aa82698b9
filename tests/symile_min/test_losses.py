"""Losses: brute force (value, gradient), Symile(M=2) = CLIP, grouped = plain, exact-critic bounds."""

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from symile_min import (
    bound_cap,
    bound_from_loss,
    clip_loss,
    clip_loss_grouped,
    infonce_from_scores,
    mip,
    symile_loss,
    symile_loss_from_scores,
    symile_loss_grouped,
    symile_loss_materialised,
)


def _reps(m, n=5, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        F.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=1).requires_grad_()
        for _ in range(m)
    ]


def _brute_force(reps, scale, negatives, generator=None):
    """Loop-over-tuples reference written from the definitions in the losses module docstring."""
    n, m_count = reps[0].shape[0], len(reps)
    perms = [[torch.randperm(n, generator=generator) for _ in range(m_count - 2)] for _ in range(m_count)]
    per_anchor = []
    for m in range(m_count):
        others = [k for k in range(m_count) if k != m]
        rows = []
        for i in range(n):
            if negatives == "n":
                cands = []
                for j in range(n):
                    tup = [i] * m_count if j == i else [None] * m_count
                    if j != i:
                        tup[m], tup[others[0]] = i, j
                        for k, p in zip(others[1:], perms[m]):
                            tup[k] = int(p[j])
                    cands.append(tup)
            else:
                cands = []
                for combo in itertools.product(range(n), repeat=m_count - 1):
                    tup = [None] * m_count
                    tup[m] = i
                    for k, c in zip(others, combo):
                        tup[k] = c
                    cands.append(tup)
            scores = torch.stack(
                [
                    scale
                    * sum(
                        math.prod(reps[k][t[k], c] for k in range(m_count)) for c in range(reps[0].shape[1])
                    )
                    for t in cands
                ]
            )
            pos = scale * sum(
                math.prod(reps[k][i, c] for k in range(m_count)) for c in range(reps[0].shape[1])
            )
            rows.append(torch.logsumexp(scores, 0) - pos)
        per_anchor.append(torch.stack(rows).mean())
    return torch.stack(per_anchor).mean()


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_symile_loss_agrees_with_brute_force_in_value_and_gradient(m, negatives):
    reps = _reps(m, n=4 if m == 4 else 5)
    fast = symile_loss(
        reps, 3.0, negatives=negatives, generator=torch.Generator().manual_seed(1), chunk_elements=7
    )
    slow = _brute_force(reps, 3.0, negatives, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(fast, slow, rtol=0, atol=1e-5)
    for a, b in zip(torch.autograd.grad(fast, reps), torch.autograd.grad(slow, reps), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("chunk_elements", [1, 13, 10**9])
def test_streamed_all_combinations_matches_materialised_logits(m, chunk_elements):
    reps = _reps(m, n=6)
    scale = torch.tensor(4.0, dtype=torch.float64, requires_grad=True)
    fast = symile_loss(reps, scale, negatives="n_squared", chunk_elements=chunk_elements)
    ref = symile_loss_materialised(reps, scale)
    torch.testing.assert_close(fast, ref, rtol=0, atol=1e-10)
    for a, b in zip(
        torch.autograd.grad(fast, [*reps, scale]), torch.autograd.grad(ref, [*reps, scale]), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_symile_with_two_modalities_equals_symmetric_clip(negatives):
    reps = _reps(2, n=7)
    torch.testing.assert_close(
        symile_loss(reps, 2.5, negatives=negatives), clip_loss(reps, 2.5), rtol=0, atol=1e-12
    )


def test_clip_is_the_sum_over_pairs_of_mean_of_both_directions():
    reps = _reps(3, n=6)
    expected = sum(
        infonce_from_scores(2.0 * reps[a] @ reps[b].T, symmetric=True) for a, b in [(0, 1), (0, 2), (1, 2)]
    )
    torch.testing.assert_close(clip_loss(reps, 2.0), expected)


@pytest.mark.parametrize("m", [2, 3, 4])
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_grouped_losses_equal_plain_losses_on_repeated_rows(m, objective):
    g = torch.Generator().manual_seed(m)
    uniq = [
        F.normalize(torch.randn(3, 4, generator=g, dtype=torch.float64), dim=1).requires_grad_()
        for _ in range(m)
    ]
    ids = [torch.randint(0, 3, (9,), generator=g) for _ in range(m)]
    plain_reps = [u[i] for u, i in zip(uniq, ids, strict=True)]
    if objective == "clip":
        a, b = clip_loss(plain_reps, 9.0), clip_loss_grouped(uniq, ids, 9.0)
    else:
        kw = dict(negatives=objective)
        a = symile_loss(plain_reps, 9.0, generator=torch.Generator().manual_seed(3), **kw)
        b = symile_loss_grouped(uniq, ids, 9.0, generator=torch.Generator().manual_seed(3), **kw)
    torch.testing.assert_close(a, b, rtol=0, atol=1e-10)
    for x, y in zip(torch.autograd.grad(a, uniq), torch.autograd.grad(b, uniq), strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=1e-10)


def test_grouped_n_loss_stays_finite_when_one_column_dominates():
    # regression: issue 4 -- dropping the row's own column must not cancel catastrophically
    uniq = [torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)] * 2
    ids = [torch.tensor([0, 1, 1, 1]), torch.tensor([0, 1, 1, 1])]
    plain = [u[i] for u, i in zip(uniq, ids, strict=True)]
    torch.testing.assert_close(
        symile_loss_grouped(uniq, ids, 100.0), symile_loss(plain, 100.0), rtol=0, atol=1e-9
    )


def test_mip_is_the_dot_product_for_two_modalities_and_the_trilinear_sum_for_three():
    a, b, c = _reps(3)
    torch.testing.assert_close(mip(a, b), (a * b).sum(1))
    torch.testing.assert_close(mip(a, b, c), torch.einsum("nk,nk,nk->n", a, b, c))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 64),
    m=st.integers(2, 5),
    negatives=st.sampled_from(["n", "n_squared"]),
    method=st.sampled_from(["symile", "clip"]),
    loss=st.floats(0, 50),
)
def test_bound_never_exceeds_its_cap(n, m, negatives, method, loss):
    assert (
        bound_from_loss(loss, n, m, method=method, negatives=negatives)
        <= bound_cap(n, m, method=method, negatives=negatives) + 1e-12
    )


@pytest.mark.parametrize("negatives", ["n", "n_squared"])
def test_learned_bound_is_below_cap_for_random_representations(negatives):
    reps = _reps(3, n=8, d=4)
    loss = float(symile_loss(reps, 50.0, negatives=negatives).detach())
    assert bound_from_loss(loss, 8, 3, negatives=negatives) <= bound_cap(8, 3, negatives=negatives)


def _xor_like_pmf():
    """p(a, b, c) on bits: a, b fair; c = a xor b with prob 0.9 (else flipped). TC computed directly."""
    p = np.zeros((2, 2, 2))
    for a, b, c in itertools.product(range(2), repeat=3):
        p[a, b, c] = 0.25 * (0.9 if c == a ^ b else 0.1)
    marg = [p.sum(axis=tuple(k for k in range(3) if k != m)) for m in range(3)]
    prod = marg[0][:, None, None] * marg[1][None, :, None] * marg[2][None, None, :]
    tc = float((p * np.log(p / prod)).sum())  # nats
    return p, np.log(p / prod), tc


@pytest.mark.parametrize("negatives,n", [("n", 2000), ("n_squared", 150)])
def test_exact_critic_bound_recovers_total_correlation(negatives, n):
    p, pmi, tc = _xor_like_pmf()
    rng = np.random.default_rng(0)
    bounds = []
    for _ in range(4):
        flat = rng.choice(8, size=n, p=p.ravel())
        x = np.stack(np.unravel_index(flat, (2, 2, 2)), axis=1)  # (n, 3)
        crit = torch.from_numpy(pmi)
        scores = []
        for m in range(3):
            others = [k for k in range(3) if k != m]
            if negatives == "n":
                vals = [None] * 3  # (n, n) value of each variable in candidate (i, j)
                vals[m] = np.repeat(x[:, m][:, None], n, axis=1)
                vals[others[0]] = np.repeat(x[:, others[0]][None, :], n, axis=0)  # row order kept
                vals[others[1]] = np.repeat(x[rng.permutation(n), others[1]][None, :], n, axis=0)  # permuted
                s = crit[vals[0], vals[1], vals[2]]
                s[torch.arange(n), torch.arange(n)] = crit[x[:, 0], x[:, 1], x[:, 2]]  # positives
            else:
                grids = np.meshgrid(*[x[:, k] for k in [m, *others]], indexing="ij")  # anchor axis first
                vals = [None] * 3
                for k, gk in zip([m, *others], grids, strict=True):
                    vals[k] = gk
                s = crit[vals[0], vals[1], vals[2]]
            scores.append(s)
        loss = float(symile_loss_from_scores(scores, negatives=negatives))
        bounds.append(bound_from_loss(loss, n, 3, negatives=negatives, base=math.e))
    assert abs(np.mean(bounds) - tc) < 0.05, (np.mean(bounds), tc)
