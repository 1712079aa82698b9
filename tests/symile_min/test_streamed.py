"""The streamed all-combinations log-sum-exp ("n_squared") against the materialised logits."""

import pytest
import torch
import torch.nn.functional as F

from symile_min import symile_loss
from symile_min._streamed import _lse_all_combinations, symile_loss_materialised


def _reps(m, n, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [
        F.normalize(torch.randn(n, d, generator=g, dtype=torch.float64), dim=1).requires_grad_()
        for _ in range(m)
    ]


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


def test_weighted_lse_counts_each_combination_by_the_product_of_its_weights():
    # two non-anchor modalities with 2 and 3 values: weights exp(log_w) multiply, as counts would
    anchor = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    others = [
        torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64),
        torch.tensor([[1.0, 1.0], [2.0, 0.0], [0.0, 3.0]], dtype=torch.float64),
    ]
    counts = [torch.tensor([2.0, 1.0]).double(), torch.tensor([1.0, 4.0, 1.0]).double()]
    terms = [
        counts[0][v] * counts[1][w] * torch.exp(0.5 * (anchor[0] * others[0][v] * others[1][w]).sum())
        for v in range(2)
        for w in range(3)
    ]
    expected = torch.log(sum(terms))
    for chunk in (1, 4, 100):
        got = _lse_all_combinations(anchor, others, [c.log() for c in counts], 0.5, chunk)
        torch.testing.assert_close(got, expected.reshape(1), rtol=0, atol=1e-12)


@pytest.mark.parametrize("chunk_elements", [0, -3, 2.5])
def test_chunk_elements_must_be_a_positive_int(chunk_elements):
    with pytest.raises(ValueError, match=f"chunk_elements must be a positive int, got {chunk_elements!r}"):
        symile_loss(_reps(3, n=4), 1.0, negatives="n_squared", chunk_elements=chunk_elements)
