"""The one data layer: the user's M aligned modalities, in any container, as the tensors training reads.

Accepted forms (:func:`modalities`), row i of every modality belonging to sample i:

* a list or tuple of M arrays or tensors, each (N, ...) (what the built-in encoders and the experiments use);
* a dict of named modalities ``{"image": (N, 1, 8, 8), "key": (N, 10), ...}`` (what ``generators`` return);
  the names are kept, so evaluation can take the dict in any key order;
* a map-style ``torch.utils.data.Dataset`` whose items are per-modality tuples or dicts (a
  ``TensorDataset`` is read as its tensors); the trainer indexes it in its own seeded order;
* a ``torch.utils.data.DataLoader`` the user built, iterated as it is (its order, its workers).

Conversion rules: floating inputs become ``dtype`` (float32); integer and bool inputs stay as they are
(token ids for an ``nn.Embedding``), except for the built-in linear/MLP encoders (``flat=True``), which
need (N, d_m) inputs and get every modality as float32. Validation errors name the modality
(``train_data['image']`` or ``train_data[2]``) and the problem; a nan hints at
:func:`symile_min.with_missingness`, the way to feed a modality that is missing in some rows. Values are
checked where they sit on the CPU (arrays, CPU tensors, every loader batch before it moves); tensors the
user already placed on an accelerator are not read back.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["Modalities", "modalities", "to_tensor_list", "ACCEPTED"]

#: the accepted data forms, quoted by every "wrong type" error
ACCEPTED = (
    "a list of M arrays or tensors (one per modality, row i of each = sample i), a dict of named "
    "modalities, a torch Dataset of per-modality tuples or dicts, or a DataLoader yielding them"
)

_NAN_HINT = (
    "; if the modality is missing in some rows, feed it as symile_min.with_missingness(x, observed) "
    "(a placeholder plus an observed-indicator column)"
)
_FLAT_HINT = (
    "; the built-in linear/MLP encoders take (N, d_m) vectors: flatten it, or pass your own encoders "
    "(train(..., model=[encoder_0, encoder_1, ...]) takes any input shape)"
)


def _label(name: str, key) -> str:
    return f"{name}[{key!r}]"


def _as_tensor(x, label: str, *, flat: bool, dtype: torch.dtype) -> torch.Tensor:
    """One modality as a tensor (conversion rules in the module docstring); errors name ``label``."""
    if isinstance(x, torch.Tensor):
        t = x.detach()
    else:
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{label} must be numeric, got dtype {arr.dtype}")
        t = torch.from_numpy(np.ascontiguousarray(arr))
    if not (t.is_floating_point() or t.dtype in _INT_DTYPES or t.dtype == torch.bool):
        raise TypeError(f"{label} must be numeric, got dtype {t.dtype}")
    if flat and t.ndim != 2:
        raise ValueError(f"{label} must have shape (N, d_m), got shape {tuple(t.shape)}{_FLAT_HINT}")
    if t.ndim < 1:
        raise ValueError(f"{label} must have a first axis of rows (N, ...), got a scalar")
    if flat or t.is_floating_point():
        t = t.to(dtype=dtype)
    return t


_INT_DTYPES = tuple(
    getattr(torch, t) for t in ("uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64")
    if hasattr(torch, t)
)


def _check_finite(t: torch.Tensor, label: str) -> None:
    """nan / inf in a floating CPU tensor: ValueError naming ``label`` (elsewhere a host sync: skipped)."""
    if not t.is_floating_point() or t.device.type != "cpu":
        return
    if bool(torch.isnan(t).any()):
        raise ValueError(f"{label} contains non-finite values (nan or inf): nan{_NAN_HINT}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{label} contains non-finite values (nan or inf): inf")


def _split(item, name: str, names: tuple[str, ...] | None) -> tuple[list, tuple[str, ...] | None]:
    """A per-modality container (list/tuple or dict) -> (values in modality order, names or None)."""
    if isinstance(item, Mapping):
        keys = tuple(str(k) for k in item)
        if names is not None:
            missing = [k for k in names if k not in keys]
            extra = [k for k in keys if k not in names]
            if missing or extra:
                raise ValueError(
                    f"{name} has modalities {list(keys)}, expected {list(names)}"
                    + (f" (missing {missing})" if missing else "")
                    + (f" (unexpected {extra})" if extra else "")
                )
            by_name = {str(k): v for k, v in item.items()}
            return [by_name[k] for k in names], names
        return list(item.values()), keys
    if isinstance(item, list | tuple):
        return list(item), names
    if isinstance(item, np.ndarray | torch.Tensor):
        raise TypeError(
            f"{name} must be {ACCEPTED}, got a single {type(item).__name__} of shape {tuple(item.shape)} "
            f"(one array per modality: split your columns into a list)"
        )
    raise TypeError(f"{name} must be {ACCEPTED}, got {type(item).__name__}")


def _convert(values, name, labels, *, flat, dtype, device, min_modalities) -> list[torch.Tensor]:
    """Validate and convert M per-modality values with a common number of rows."""
    if len(values) < min_modalities:
        raise ValueError(f"{name} needs at least {min_modalities} modalities, got M = {len(values)}")
    out = []
    for key, x in zip(labels, values, strict=True):
        t = _as_tensor(x, _label(name, key), flat=flat, dtype=dtype)
        _check_finite(t, _label(name, key))  # on the CPU, before any move (no host sync per batch)
        out.append(t.to(device=device) if device is not None else t)
    lengths = [int(t.shape[0]) for t in out]
    if len(set(lengths)) != 1:
        raise ValueError(f"{name} modalities must have the same number of rows (ragged?), got {lengths}")
    if lengths[0] < 1:
        raise ValueError(f"{name} has no rows")
    return out


@dataclass
class Modalities:
    """M aligned modalities in one of three storage kinds (built by :func:`modalities`).

    Attributes
    ----------
    kind : {"tensors", "dataset", "loader"}
        In memory (``tensors``), an indexable ``dataset``, or the user's ``loader``.
    names : tuple of str or None
        Modality names (dict input), else None (positional).
    m : int
        Number of modalities (for a loader: known after its first batch, else 0).
    n : int or None
        Number of rows (None for a loader over an iterable dataset).
    tensors : list of torch.Tensor or None
        The M (N, ...) tensors of kind ``tensors``.
    """

    kind: str
    names: tuple[str, ...] | None
    m: int
    n: int | None
    tensors: list[torch.Tensor] | None = None
    dataset: object = None
    loader: object = None
    name: str = "data"
    flat: bool = False
    dtype: torch.dtype = torch.float32

    def _labels(self) -> list:
        return list(self.names) if self.names is not None else list(range(self.m))

    def batch(self, idx: torch.Tensor) -> list[torch.Tensor]:
        """The rows ``idx`` (a (B,) int64 tensor) of every modality: M tensors (B, ...)."""
        if self.kind == "tensors":
            return [x[idx] for x in self.tensors]
        if self.kind != "dataset":
            raise TypeError(f"{self.name} is a DataLoader: it is iterated, not indexed")
        from torch.utils.data import default_collate

        items = [self.dataset[i] for i in idx.tolist()]  # idx lives on the CPU: no device sync
        return self.convert(default_collate(items))

    def convert(self, batch, device=None) -> list[torch.Tensor]:
        """One collated batch (tuple/list or dict of per-modality values) as M validated tensors."""
        values, names = _split(batch, self.name, self.names)
        if self.m and len(values) != self.m:
            raise ValueError(f"{self.name} yields batches of {len(values)} modalities, expected {self.m}")
        if self.names is None and names is not None:
            self.names = names
        self.m = len(values)
        return _convert(
            values, self.name, self._labels(), flat=self.flat, dtype=self.dtype, device=device,
            min_modalities=2,
        )

    def batches(self, device=None) -> Iterator[list[torch.Tensor]]:
        """The loader's batches in its own order, each as M tensors (B, ...) on ``device``."""
        if self.kind != "loader":
            raise TypeError(f"{self.name} is not a DataLoader")
        for batch in self.loader:
            yield self.convert(batch, device)


def modalities(
    data,
    *,
    name: str = "data",
    flat: bool = False,
    names: Sequence[str] | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    min_modalities: int = 2,
) -> Modalities:
    """Read any accepted data form (module docstring) into :class:`Modalities`.

    Parameters
    ----------
    data : list, tuple, dict, Dataset or DataLoader
        The M aligned modalities.
    name : str
        Name used in error messages (``train_data``, ``val_data``, ...).
    flat : bool
        The built-in encoders' rule: every modality must be (N, d_m) and becomes float32.
    names : sequence of str, optional
        Expected modality names (a model trained on a dict): a dict is reordered to them and must have
        exactly these keys; a list is taken in order.
    dtype : torch.dtype
        Floating dtype of the result.
    device : torch.device or str, optional
        Device of in-memory tensors (default: a tensor stays where it is, an array goes to the CPU).
    min_modalities : int
        Smallest accepted M.

    Returns
    -------
    Modalities

    Examples
    --------
    >>> d = modalities({"x": np.zeros((3, 2)), "ids": np.arange(3)})
    >>> d.kind, d.names, d.n, [t.dtype for t in d.tensors]
    ('tensors', ('x', 'ids'), 3, [torch.float32, torch.int64])
    """
    from torch.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset

    names = tuple(str(k) for k in names) if names is not None else None
    common = dict(name=name, flat=flat, dtype=dtype)
    if isinstance(data, DataLoader):
        n = len(data.dataset) if not isinstance(data.dataset, IterableDataset) else None
        return Modalities("loader", names, len(names) if names else 0, n, loader=data, **common)
    if isinstance(data, TensorDataset):
        data = list(data.tensors)
    elif isinstance(data, IterableDataset):
        raise TypeError(f"{name} is an IterableDataset: wrap it in a DataLoader (it cannot be indexed)")
    elif isinstance(data, Dataset):
        if not hasattr(data, "__len__"):
            raise TypeError(f"{name} is a Dataset without __len__: wrap it in a DataLoader")
        out = Modalities("dataset", names, 0, len(data), dataset=data, **common)
        if len(data) < 1:
            raise ValueError(f"{name} has no rows")
        out.convert(_collate_one(data[0]))  # validate the first item: modality count, names, dtypes
        return out
    values, found = _split(data, name, names)
    labels = list(found) if found is not None else list(range(len(values)))
    tensors = _convert(
        values, name, labels, flat=flat, dtype=dtype, device=device, min_modalities=min_modalities
    )
    return Modalities("tensors", found, len(tensors), int(tensors[0].shape[0]), tensors=tensors, **common)


def _collate_one(item):
    """One dataset item as a batch of one row (``default_collate([item])``), for validation."""
    from torch.utils.data import default_collate

    return default_collate([item])


def to_tensor_list(
    data,
    *,
    name: str = "data",
    min_modalities: int = 2,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    names: Sequence[str] | None = None,
) -> list[torch.Tensor]:
    """In-memory (N, d_m) modalities (list or dict) as float32 tensors: the built-in encoders' input.

    Parameters
    ----------
    data : list or dict of array-like
        One (N, d_m) array or tensor per modality (numeric, finite), or a ``TensorDataset``.
    name : str
        Name used in error messages.
    min_modalities : int
        Smallest accepted M.
    dtype : torch.dtype
        Floating dtype of the result.
    device : torch.device or str, optional
        Device of the result (default: a tensor stays where it is, an array goes to the CPU).
    names : sequence of str, optional
        Expected names of a dict's modalities (see :func:`modalities`).

    Returns
    -------
    list of torch.Tensor
        (N, d_m) tensors of ``dtype`` (copies only where a conversion is needed).
    """
    out = modalities(
        data, name=name, flat=True, names=names, dtype=dtype, device=device, min_modalities=min_modalities
    )
    if out.kind != "tensors":
        raise TypeError(f"{name} must be in memory here (a list or dict of arrays), got a {out.kind}")
    return out.tensors
