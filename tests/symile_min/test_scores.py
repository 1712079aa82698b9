"""Score-level losses: known values, the layouts they expect, and recovery of TC with an exact critic."""

import itertools
import math

import numpy as np
import pytest
import torch

from symile_min import bound_from_loss, infonce_from_scores, symile_loss_from_scores


def test_infonce_of_a_constant_critic_is_log_k():
    loss = infonce_from_scores(torch.zeros(4, 6, dtype=torch.float64))
    assert loss.item() == pytest.approx(math.log(6), abs=1e-12)


def test_infonce_rows_and_symmetric_known_values():
    s = torch.tensor([[2.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    rows = (math.log(math.exp(2) + 1) - 2 + math.log(2)) / 2  # row 0: lse(2, 0) - 2; row 1: log 2
    cols = (math.log(math.exp(2) + math.e) - 2 + math.log(1 + math.e) - 1) / 2  # column j: lse_i - s_jj
    assert infonce_from_scores(s).item() == pytest.approx(rows, abs=1e-12)
    assert infonce_from_scores(s, symmetric=True).item() == pytest.approx((rows + cols) / 2, abs=1e-12)


def test_symile_from_scores_n_squared_targets_the_all_equal_index():
    # anchor axis first; the positive of row i is (i, i): put a large score there only
    s = torch.full((3, 3, 3), -50.0, dtype=torch.float64)
    for i in range(3):
        s[i, i, i] = 0.0
    loss = symile_loss_from_scores([s, s, s], negatives="n_squared")
    assert loss.item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    ("scores", "kwargs", "match"),
    [
        (torch.zeros(3), {}, r"shape \(N, K\)"),
        (torch.zeros(4, 3), {}, "K >= N"),
        (torch.zeros(2, 3), {"symmetric": True}, "square"),
        (torch.tensor([[0.0, math.nan], [0.0, 0.0]]), {}, "non-finite"),
    ],
)
def test_bad_infonce_scores_are_named(scores, kwargs, match):
    with pytest.raises(ValueError, match=match):
        infonce_from_scores(scores, **kwargs)


@pytest.mark.parametrize(
    ("scores", "negatives", "match"),
    [
        ([torch.zeros(3, 3)], "n", "at least 2"),
        ([torch.zeros(3, 3), torch.zeros(3, 2)], "n", r"scores\[1\] must be a square"),
        ([torch.zeros(3, 3)] * 3, "n_squared", r"\(N,\) \* 3"),
        ([torch.zeros(3, 3)] * 2, "n3", "'n3'"),
    ],
)
def test_bad_symile_scores_are_named(scores, negatives, match):
    with pytest.raises(ValueError, match=match):
        symile_loss_from_scores(scores, negatives=negatives)


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
def test_exact_critic_scores_recover_total_correlation(negatives, n):
    # a hand-built critic and layout, independent of symile_min.bounds (which shares the loss's layout)
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


@pytest.mark.parametrize(
    ("scores", "error", "match"),
    [
        ([torch.zeros(3, 3), torch.zeros(2, 2)], ValueError, "same N rows"),
        ([torch.zeros(3, 3), torch.zeros(3, 3, dtype=torch.float64)], ValueError, "share one dtype"),
        ([torch.zeros(1, 1)] * 2, ValueError, "N >= 2"),
        ([torch.zeros(3, 3, dtype=torch.complex64)] * 2, TypeError, "real floating"),
    ],
)
def test_score_level_losses_make_the_checks_of_symile_loss(scores, error, match):
    # regression: issue 10 -- anchors of different N and mixed dtypes were silently accepted
    with pytest.raises(error, match=match):
        symile_loss_from_scores(scores)


def test_a_one_row_score_matrix_is_an_error_not_a_zero_loss():
    # regression: issue 10 -- as for symile_loss: a contrastive batch needs negatives
    with pytest.raises(ValueError, match="N >= 2"):
        infonce_from_scores(torch.zeros(1, 1))
