"""Reading the user's files for ``symile-lab train`` and ``symile-lab evaluate``: one reader, one rule.

The two commands must read ``--data`` / ``--val`` and build ``--model`` encoders the same way (a model
evaluated on arrays shaped otherwise than in training would fail or silently mean something else), so both
import these functions. Bad input is a :class:`~experiments._options.UsageError` naming the option and the
path or spec (the CLI prints it as one line).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments._options import UsageError

__all__ = ["load_arrays", "as_vectors", "load_model_factory", "build_model"]


def load_arrays(path: str | Path, *, option: str = "--data") -> dict[str, np.ndarray]:
    """The modalities stored at ``path``: an ``.npz`` (file order) or a folder of ``.npy`` (name order).

    Raises :class:`UsageError` naming ``option`` and the path when it is missing, of another kind, holds
    fewer than two arrays or an array that is not numeric.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.npy"))
        if not files:
            raise UsageError(f"{option} {str(path)!r}: the folder holds no .npy files")
        arrays = {f.stem: _read(lambda f=f: np.load(f, allow_pickle=False), option, f) for f in files}
    elif path.is_file() and path.suffix == ".npz":
        with _read(lambda: np.load(path, allow_pickle=False), option, path) as npz:
            arrays = {name: _read(lambda name=name: npz[name], option, path) for name in npz.files}
    elif path.exists():
        raise UsageError(f"{option} {str(path)!r}: expected an .npz file or a folder of .npy files")
    else:
        raise UsageError(f"{option} {str(path)!r}: no such file or folder")
    if len(arrays) < 2:
        raise UsageError(
            f"{option} {str(path)!r} holds {len(arrays)} array(s); need one per modality, M >= 2"
        )
    for name, arr in arrays.items():
        if arr.dtype.kind not in "biuf":
            raise UsageError(f"{option} {str(path)!r}: modality {name!r} has non-numeric dtype {arr.dtype}")
        if arr.ndim == 0:
            raise UsageError(f"{option} {str(path)!r}: modality {name!r} is a scalar, not one row per sample")
    return arrays


def _read(load, option, path):
    try:
        return load()
    except (OSError, ValueError) as err:  # unreadable, truncated, or pickled objects (refused)
        raise UsageError(f"{option} {str(path)!r}: cannot read it ({err})") from None


def as_vectors(arrays: dict[str, np.ndarray], *, quiet: bool = False) -> dict[str, np.ndarray]:
    """Every array as (N, d_m) for the built-in encoders: (N,) -> (N, 1), (N, a, b, ...) flattened."""
    out = {}
    for name, arr in arrays.items():
        if arr.ndim == 1:
            arr = arr[:, None]
        elif arr.ndim > 2:
            flat = arr.reshape(arr.shape[0], -1)
            if not quiet:
                print(f"note: modality {name!r} of shape {arr.shape} flattened to {flat.shape}")
            arr = flat
        out[name] = arr
    return out


def load_model_factory(spec: str):
    """The callable named by ``--model``: ``path/to/file.py:name`` or ``package.module:name``.

    Raises :class:`UsageError` naming the spec when the file or module cannot be imported or has no
    callable of that name.
    """
    import importlib
    import importlib.util

    module_name, sep, attr = str(spec).rpartition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"--model {spec!r}: expected FILE.py:FUNCTION or MODULE:FUNCTION")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise UsageError(f"--model {spec!r}: no such file {module_name!r}")
            loader_spec = importlib.util.spec_from_file_location(f"_symile_lab_model_{path.stem}", path)
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as err:
        raise UsageError(f"--model {spec!r}: cannot import {module_name!r} ({err})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise UsageError(f"--model {spec!r}: {module_name!r} has no callable {attr!r}")
    return factory


def build_model(spec: str):
    """Call the ``--model`` factory; its result must be a list of nn.Module or a module with ``encode``."""
    from torch import nn

    built = load_model_factory(spec)()
    ok = isinstance(built, list | tuple) and all(isinstance(m, nn.Module) for m in built)
    if not (ok or (isinstance(built, nn.Module) and callable(getattr(built, "encode", None)))):
        raise UsageError(
            f"--model {spec!r} returned {type(built).__name__}: expected a list of nn.Module (one per "
            f"modality) or a module with encode(batch)"
        )
    return list(built) if ok else built
