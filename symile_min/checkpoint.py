"""Checkpoint files: model, objective, config and training state, loadable with ``weights_only=True``.

A checkpoint is one ``torch.save`` of a plain dict of tensors and python values (no pickled classes), so
``torch.load(path, weights_only=True)`` reads it: the safe loader, which never runs code from the file.

========================  ==============================================================================
key                       value
========================  ==============================================================================
``format``, ``version``   ``"symile_min.checkpoint"``, 1
``model``                 how to rebuild the model: ``kind`` (``"builtin"``, ``"encoders"``, ``"module"``),
                          the built-in encoders' ``input_dims``, ``rep_dim``, ``encoder``, ``hidden_dim``,
                          the modality ``names``, the objective (``method``, ``negatives``) and, for your
                          own modules, their class names (information only)
``state_dict``            the weights kept by training (the best-validation epoch), log logit-scale included
``config``                :meth:`symile_min.TrainConfig.to_dict`
``history``               ``columns`` and ``rows`` of the per-epoch history
``best_epoch``, ...       ``grouped``, ``seconds``
``train_state``           what :func:`symile_min.train` needs to continue the run exactly (``resume=``): the
                          last epoch's weights, optimizer and grad-scaler state, generator and RNG states,
                          epoch and step counters, best validation loss; None for a bare model
========================  ==============================================================================

A built-in model is rebuilt from ``model``; your own architecture cannot be rebuilt from weights, so
pass a fresh instance of it (``load_payload`` / :meth:`symile_min.TrainResult.load` with ``model=``).
Writes are atomic (a temporary file in the same folder, then ``os.replace``): a run killed while saving
leaves the previous checkpoint intact.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from .model import SymileModel

__all__ = ["FORMAT", "VERSION", "model_spec", "build_model", "save_payload", "load_payload", "atomic_write"]

FORMAT = "symile_min.checkpoint"
VERSION = 1


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def model_spec(model: SymileModel) -> dict:
    """How to rebuild ``model``: plain python values only (see the module docstring)."""
    if not isinstance(model, SymileModel):
        raise TypeError(f"model must be a SymileModel, got {type(model).__name__}")
    spec = {
        "method": model.method,
        "negatives": model.negatives,
        "names": list(model.names) if model.names is not None else None,
        "n_modalities": model.n_modalities,
    }
    if model.builtin:
        spec.update(
            kind="builtin",
            input_dims=[int(d) for d in model.input_dims],
            rep_dim=int(model.rep_dim),
            encoder=model.encoder_kind,
            hidden_dim=int(model.hidden_dim),
        )
    elif model.network is not None:
        spec.update(kind="module", classes=[_class_name(model.network)])
    else:
        spec.update(kind="encoders", classes=[_class_name(e) for e in model.encoders])
    return spec


def _class_name(module: nn.Module) -> str:
    return f"{type(module).__module__}.{type(module).__qualname__}"


def build_model(spec: dict, model=None) -> SymileModel:
    """A model with the architecture of ``spec`` (weights not loaded).

    Built-in encoders are rebuilt from the spec; your own need ``model``: a fresh instance of the same
    architecture (a :class:`SymileModel`, a list of per-modality modules, or a whole-batch module).
    """
    if model is None:
        if spec["kind"] != "builtin":
            classes = ", ".join(spec.get("classes", []))
            raise ValueError(
                f"this checkpoint holds your own encoders ({classes}): pass a fresh instance of the same "
                f"architecture as model= to load it"
            )
        return SymileModel(
            spec["input_dims"],
            spec["rep_dim"],
            spec["encoder"],
            hidden_dim=spec["hidden_dim"],
            method=spec["method"],
            negatives=spec["negatives"],
            names=spec["names"],
        )
    if not isinstance(model, SymileModel):
        model = SymileModel(encoders=model, names=spec["names"])
    if model.method is not None and spec["method"] is not None and model.method != spec["method"]:
        raise ValueError(f"model records method={model.method!r}, the checkpoint method={spec['method']!r}")
    model.method, model.negatives = spec["method"], spec["negatives"]
    if model.names is None and spec["names"] is not None:
        model.names = tuple(spec["names"])
    if spec.get("n_modalities") is not None:
        model.n_modalities = spec["n_modalities"]
    return model


def save_payload(path: str | os.PathLike, payload: dict) -> Path:
    """Write a checkpoint dict atomically (``torch.save``); returns the path."""
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_payload(path: str | os.PathLike, *, map_location="cpu") -> dict:
    """Read a checkpoint written by :func:`save_payload` with ``torch.load(weights_only=True)``.

    A folder is read as ``<folder>/checkpoint.pt`` (what ``symile-lab train --out`` writes). Raises
    ValueError naming the file if it is not a symile_min checkpoint or has a newer version.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "checkpoint.pt"
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    payload = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a symile_min checkpoint")
    if int(payload.get("version", 0)) > VERSION:
        raise ValueError(f"{str(path)!r} has checkpoint version {payload['version']}, newer than {VERSION}")
    return payload
