"""symile_min._rows: distinct rows with ids (torch.unique's result, faster) and exact candidate labels."""

import numpy as np
import pytest
import torch

from symile_min._rows import _ranks, row_labels, unique_rows


def _rows(kind: str) -> torch.Tensor:
    rng = np.random.default_rng(3)
    if kind == "bits":
        return torch.from_numpy(rng.integers(0, 2, (500, 5)).astype(np.float32))
    if kind == "signed-zeros":  # -0.0 and 0.0 are one value
        x = torch.from_numpy(rng.integers(-1, 2, (300, 3)).astype(np.float32))
        return torch.where(torch.from_numpy(rng.random((300, 3)) < 0.5), x, -x)
    if kind == "continuous":  # every row distinct: the codes span too many values to count
        return torch.from_numpy(rng.normal(size=(400, 4)))
    if kind == "wide":  # 5^40 codes overflow int64: the code is made dense column by column
        return torch.from_numpy(rng.integers(0, 5, (300, 40)).astype(np.float64))
    if kind == "large-integers":  # int64 far beyond any float's exact range, few values: ranked by counting
        return torch.from_numpy(2**53 + 3 + rng.integers(-2, 9, (250, 2)))
    if kind == "float16":  # whole numbers beyond float16's exact integers (2048) take the sort
        return torch.from_numpy(rng.choice([-3.0, 0.0, 2.0, 4096.0, 4100.0], (200, 2)).astype(np.float16))
    if kind == "fractions-and-inf":  # not whole numbers, or not finite: the sort
        return torch.from_numpy(rng.choice([0.5, 1.0, 2.0, np.inf, -np.inf], (200, 3)))
    return torch.from_numpy(rng.integers(0, 7, (200, 1)).astype(np.int64))  # one integer column


KINDS = ["bits", "signed-zeros", "continuous", "wide", "large-integers", "float16", "fractions-and-inf"]


@pytest.mark.parametrize("kind", [*KINDS, "one-column"])
def test_unique_rows_is_torch_unique_with_return_inverse(kind):
    x = _rows(kind)
    values, ids = unique_rows(x)
    ref_values, ref_ids = torch.unique(x, dim=0, return_inverse=True)
    assert torch.equal(values, ref_values) and torch.equal(ids, ref_ids)


@pytest.mark.parametrize("kind", KINDS)
def test_column_ranks_by_counting_equal_the_sorted_ranks(kind):
    # regression: issue 13 (whole-number columns are ranked by counting, the rest by torch.unique's sort)
    for column in _rows(kind).T.contiguous():
        levels, ref = torch.unique(column, return_inverse=True)
        count, rank = _ranks(column)
        assert count == levels.numel() and torch.equal(rank, ref)


def _brute_force_labels(target: torch.Tensor, cand: torch.Tensor) -> torch.Tensor:
    """Index of each target row among the candidates by an (N, C) comparison of whole rows."""
    same = (target.reshape(len(target), 1, -1) == cand.reshape(1, len(cand), -1)).all(dim=2)  # (N, C)
    return same.int().argmax(dim=1)


@pytest.mark.parametrize("shape", [(3,), (2, 2, 2)])
def test_row_labels_match_a_brute_force_comparison(shape):
    rng = np.random.default_rng(4)
    width = int(np.prod(shape))
    codes = rng.permutation(2**width)[:8]
    cand = torch.tensor([[int(c) for c in f"{v:0{width}b}"] for v in codes], dtype=torch.float32)
    cand = cand.reshape(8, *shape)
    target = cand[torch.from_numpy(rng.integers(0, 8, 50))]
    assert torch.equal(row_labels(target, cand), _brute_force_labels(target, cand))


def test_row_labels_name_a_missing_row_and_refuse_duplicates_and_other_widths():
    cand = torch.tensor([[int(c) for c in f"{v:03b}"] for v in range(8)])
    with pytest.raises(ValueError, match="row 0 of the target modality is not among the candidates"):
        row_labels(torch.full((2, 3), 5), cand)
    with pytest.raises(ValueError, match="candidates contain duplicate rows"):
        row_labels(cand[:4], torch.cat([cand, cand[:1]]))
    with pytest.raises(ValueError, match="candidates have rows of shape"):
        row_labels(cand[:, :2], cand)
