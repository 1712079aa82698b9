"""The data layer: every accepted form gives the same tensors; errors name the modality and the problem."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset

from symile_min.data import modalities, to_tensor_list


def _arrays(n=6):
    rng = np.random.default_rng(0)
    image, ids, bits = rng.normal(size=(n, 1, 2, 2)), rng.integers(0, 5, n), rng.integers(0, 2, (n, 3))
    return {"image": image, "ids": ids, "bits": bits}


class _DictItems(Dataset):
    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(next(iter(self.arrays.values())))

    def __getitem__(self, i):
        return {k: v[i] for k, v in self.arrays.items()}


class _TupleItems(_DictItems):
    def __getitem__(self, i):
        return tuple(v[i] for v in self.arrays.values())


def test_list_dict_and_tensor_dataset_give_the_same_tensors_and_keep_names():
    arrays = _arrays()
    from_list = modalities(list(arrays.values()))
    from_dict = modalities(arrays)
    from_ds = modalities(TensorDataset(*[torch.as_tensor(v) for v in arrays.values()]))
    assert from_list.names is None and from_dict.names == ("image", "ids", "bits")
    for a, b, c in zip(from_list.tensors, from_dict.tensors, from_ds.tensors, strict=True):
        assert torch.equal(a, b) and torch.equal(a, c.to(a.dtype))
    # conversion rule: floats -> float32, integers kept (token ids), shapes kept
    assert [t.dtype for t in from_dict.tensors] == [torch.float32, torch.int64, torch.int64]
    assert [tuple(t.shape) for t in from_dict.tensors] == [(6, 1, 2, 2), (6,), (6, 3)]


@pytest.mark.parametrize("items", [_DictItems, _TupleItems])
def test_a_map_style_dataset_is_indexed_in_the_given_order(items):
    arrays = _arrays()
    data = modalities(items(arrays))
    assert data.kind == "dataset" and data.n == 6 and data.m == 3
    batch = data.batch(torch.tensor([4, 0, 2]))
    expected = modalities(arrays).batch(torch.tensor([4, 0, 2]))
    for got, want in zip(batch, expected, strict=True):
        torch.testing.assert_close(got, want.to(got.dtype))
    assert data.names == (("image", "ids", "bits") if items is _DictItems else None)


def test_a_dataloader_is_iterated_as_built():
    arrays = _arrays(7)
    loader = DataLoader(_DictItems(arrays), batch_size=3)
    data = modalities(loader)
    assert data.kind == "loader" and data.n == 7
    batches = list(data.batches())
    assert [b[0].shape[0] for b in batches] == [3, 3, 1] and data.names == ("image", "ids", "bits")
    torch.testing.assert_close(torch.cat([b[1] for b in batches]), torch.as_tensor(arrays["ids"]))


def test_a_dict_is_reordered_to_the_expected_names_and_must_have_exactly_them():
    arrays = _arrays()
    shuffled = {k: arrays[k] for k in ("bits", "image", "ids")}
    data = modalities(shuffled, names=["image", "ids", "bits"])
    assert torch.equal(data.tensors[1], torch.as_tensor(arrays["ids"]))
    with pytest.raises(ValueError, match=r"expected \['image', 'ids', 'bits', 'x'\] \(missing \['x'\]\)"):
        modalities(arrays, names=["image", "ids", "bits", "x"])


def test_built_in_encoders_need_vectors_and_get_float32_everywhere():
    with pytest.raises(ValueError, match=r"train_data\['image'\] must have shape \(N, d_m\), got shape "
                                         r"\(6, 1, 2, 2\).*pass your own encoders"):
        modalities(_arrays(), name="train_data", flat=True)
    out = to_tensor_list([np.zeros((2, 3), np.int64), np.ones((2, 1), bool)])
    assert [t.dtype for t in out] == [torch.float32, torch.float32]


def test_nan_is_named_with_the_modality_and_hints_at_with_missingness():
    arrays = _arrays()
    arrays["image"][2, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"val_data\['image'\] contains non-finite values \(nan or inf\): "
                                         r"nan; if the modality is missing .*with_missingness"):
        modalities(arrays, name="val_data")
    with pytest.raises(ValueError, match=r"data\[1\] contains non-finite values \(nan or inf\): inf$"):
        modalities([np.zeros((2, 1)), np.full((2, 1), np.inf)])


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (np.zeros((4, 3)), TypeError, r"got a single ndarray of shape \(4, 3\) \(one array per modality"),
        ("abc", TypeError, "must be a list of M arrays or tensors"),
        ([np.zeros((4, 1))], ValueError, "at least 2 modalities, got M = 1"),
        ([np.zeros((4, 1)), np.zeros((5, 1))], ValueError, r"same number of rows \(ragged\?\), got \[4, 5\]"),
        ([np.zeros((4, 1)), np.array([["a"]] * 4)], TypeError, r"data\[1\] must be numeric"),
        ([np.zeros(0), np.zeros(0)], ValueError, "has no rows"),
    ],
)
def test_bad_data_is_named(data, error, match):
    with pytest.raises(error, match=match):
        modalities(data)


def test_an_iterable_dataset_must_come_in_a_dataloader():
    class Stream(IterableDataset):
        def __iter__(self):
            yield from ()

    with pytest.raises(TypeError, match="IterableDataset: wrap it in a DataLoader"):
        modalities(Stream(), name="train_data")


def test_a_loader_that_changes_its_modality_count_is_named():
    class Ragged(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return (np.zeros(2), np.zeros(2)) if i < 2 else (np.zeros(2),) * 3

    with pytest.raises(ValueError, match="yields batches of 3 modalities, expected 2"):
        list(modalities(DataLoader(Ragged(), batch_size=2)).batches())
