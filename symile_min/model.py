"""Encoders (one per modality, linear by default as in the paper), learned logit scale, missingness input.

A :class:`SymileModel` records the objective it was trained with (``method``, ``negatives``; set by
:func:`symile_min.train`), so that evaluation (:func:`symile_min.bound_estimate`,
:func:`symile_min.zero_shot_accuracy`) defaults to it and refuses a contradicting ``method``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import METHODS, NEGATIVES, check_choice

__all__ = [
    "SymileModel",
    "make_encoder",
    "with_missingness",
    "to_tensor_list",
    "resolve_objective",
    "LOG_SCALE_MAX",
]

#: CLIP's upper clamp of the log logit-scale (scale <= 100); opt in with ``TrainConfig(logit_scale_max=...)``
LOG_SCALE_MAX = math.log(100.0)

ENCODERS = ("linear", "mlp")


def make_encoder(in_dim: int, rep_dim: int, kind: str = "linear", *, hidden_dim: int = 64) -> nn.Module:
    """One modality's encoder: ``nn.Linear(in_dim, rep_dim)`` or a one-hidden-layer ReLU MLP.

    Parameters
    ----------
    in_dim : int
        Input width d_m (>= 1).
    rep_dim : int
        Representation width d (>= 1).
    kind : {"linear", "mlp"}
        Architecture.
    hidden_dim : int
        Hidden width of the MLP.

    Returns
    -------
    torch.nn.Module
        Maps (N, in_dim) to (N, rep_dim) (not normalised; :meth:`SymileModel.encode` normalises).

    Examples
    --------
    >>> make_encoder(5, 16)
    Linear(in_features=5, out_features=16, bias=True)
    """
    for name, value in (("in_dim", in_dim), ("rep_dim", rep_dim), ("hidden_dim", hidden_dim)):
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    if kind == "linear":
        return nn.Linear(in_dim, rep_dim)
    if kind == "mlp":
        return nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, rep_dim))
    raise ValueError(f"encoder must be one of {list(ENCODERS)}, got {kind!r}")


def to_tensor_list(
    data,
    *,
    name: str = "data",
    min_modalities: int = 2,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
) -> list[torch.Tensor]:
    """Validate a list of M arrays/tensors (N, d_m) with a common N and return float32 tensors.

    Parameters
    ----------
    data : sequence of array-like
        One (N, d_m) array or tensor per modality (numeric, finite).
    name : str
        Name used in error messages.
    min_modalities : int
        Smallest accepted M.
    dtype : torch.dtype
        Floating dtype of the result.
    device : torch.device or str, optional
        Device of the result (default: a tensor stays where it is, an array goes to the CPU).

    Returns
    -------
    list of torch.Tensor
        (N, d_m) tensors of ``dtype`` (copies only where a conversion is needed).
    """
    if isinstance(data, np.ndarray | torch.Tensor) or not isinstance(data, Sequence):
        raise TypeError(
            f"{name} must be a list of (N, d_m) arrays, one per modality, got {type(data).__name__}"
        )
    if len(data) < min_modalities:
        raise ValueError(f"{name} needs at least {min_modalities} modalities, got M = {len(data)}")
    out = []
    for m, x in enumerate(data):
        if isinstance(x, torch.Tensor):
            t = x.detach()
        else:
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{name}[{m}] must be numeric, got dtype {arr.dtype}")
            t = torch.from_numpy(arr)
        if not (t.is_floating_point() or t.dtype in _INT_DTYPES or t.dtype == torch.bool):
            raise TypeError(f"{name}[{m}] must be numeric, got dtype {t.dtype}")
        if t.ndim != 2:
            raise ValueError(f"{name}[{m}] must have shape (N, d_m), got shape {tuple(t.shape)}")
        t = t.to(dtype=dtype, device=device)
        if not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name}[{m}] contains non-finite values (nan or inf)")
        out.append(t)
    lengths = [int(t.shape[0]) for t in out]
    if len(set(lengths)) != 1:
        raise ValueError(f"{name} modalities must have the same number of rows (ragged?), got {lengths}")
    if lengths[0] < 1:
        raise ValueError(f"{name} has no rows")
    return out


_INT_DTYPES = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def with_missingness(x, observed, placeholder: float = 0.0):
    r"""Encoder input for a possibly-missing modality: placeholder value plus a missingness indicator.

    As in the paper, a missing row is replaced by a fixed placeholder and a 0/1 *indicator* column
    (1 = observed) is appended, so the encoder sees d_m + 1 inputs:

    .. math::

        \tilde x_i = \bigl[x_i\, o_i + \text{placeholder}\,(1 - o_i),\; o_i\bigr]

    Parameters
    ----------
    x : numpy.ndarray or torch.Tensor
        (N, d_m) values (whatever sits in missing rows is ignored; it may be nan).
    observed : array-like of bool
        (N,) True where the row is observed.
    placeholder : float
        Value written into missing rows.

    Returns
    -------
    numpy.ndarray or torch.Tensor
        (N, d_m + 1) float array of the same kind as ``x`` (float32 tensor on its device / float64 ndarray).

    Examples
    --------
    >>> with_missingness(np.array([[1, 1], [1, 0]]), np.array([True, False]), placeholder=-1.0).tolist()
    [[1.0, 1.0, 1.0], [-1.0, -1.0, 0.0]]
    """
    is_tensor = isinstance(x, torch.Tensor)
    xa = x.detach().cpu().numpy() if is_tensor else np.asarray(x)
    obs = observed.detach().cpu().numpy() if isinstance(observed, torch.Tensor) else np.asarray(observed)
    if xa.ndim != 2:
        raise ValueError(f"x must have shape (N, d_m), got shape {xa.shape}")
    if obs.shape != (xa.shape[0],) or obs.dtype != bool:
        raise ValueError(
            f"observed must be a bool array of shape ({xa.shape[0]},), got {obs.dtype} {obs.shape}"
        )
    if not np.isfinite(placeholder):
        raise ValueError(f"placeholder must be finite, got {placeholder!r}")
    filled = np.where(obs[:, None], xa.astype(np.float64), float(placeholder))  # (N, d_m)
    if not np.isfinite(filled).all():
        raise ValueError("x contains non-finite values in observed rows")
    out = np.concatenate([filled, obs[:, None].astype(np.float64)], axis=1)  # (N, d_m + 1)
    return torch.from_numpy(out).to(device=x.device, dtype=torch.float32) if is_tensor else out


class SymileModel(nn.Module):
    """One encoder per modality plus a learned log logit-scale; outputs L2-normalised representations.

    Parameters
    ----------
    input_dims : sequence of int
        Input width d_m of each of the M >= 2 modalities.
    rep_dim : int
        Representation width d.
    encoder : {"linear", "mlp"}
        Architecture of every encoder (see :func:`make_encoder`).
    hidden_dim : int
        MLP hidden width.
    logit_scale_init : float
        Initial *log* scale (the paper and its reference code use -0.3 on the XOR data);
        ``logit_scale = exp(log_scale)``. Learned freely: the model never clamps it by itself
        (:meth:`clamp_logit_scale` does, when the trainer is configured to call it).
    method : {"symile", "clip"}, optional
        Objective the model is (to be) trained with; :func:`symile_min.train` sets it. None: a bare
        model, evaluation must then be told the method.
    negatives : {"n", "n_squared"}, optional
        Symile negatives of training (recorded for CLIP too, where it is unused).

    Attributes
    ----------
    method, negatives : str or None
        The recorded objective (constructor arguments above).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> model = SymileModel([5, 5, 5], rep_dim=4, method="symile")
    >>> [tuple(r.shape) for r in model.encode([np.zeros((2, 5))] * 3)]
    [(2, 4), (2, 4), (2, 4)]
    >>> round(float(model.logit_scale.detach()), 4), model.method  # exp(-0.3)
    (0.7408, 'symile')
    """

    def __init__(
        self,
        input_dims: Sequence[int],
        rep_dim: int = 16,
        encoder: str = "linear",
        *,
        hidden_dim: int = 64,
        logit_scale_init: float = -0.3,
        method: str | None = None,
        negatives: str | None = None,
    ):
        super().__init__()
        input_dims = list(input_dims)
        if len(input_dims) < 2:
            raise ValueError(f"input_dims needs at least 2 modalities, got {input_dims!r}")
        if not (isinstance(logit_scale_init, int | float) and math.isfinite(logit_scale_init)):
            raise ValueError(f"logit_scale_init must be a finite number, got {logit_scale_init!r}")
        if method is not None:
            check_choice("method", method, METHODS)
        if negatives is not None:
            check_choice("negatives", negatives, NEGATIVES)
        self.method, self.negatives = method, negatives
        self.input_dims = input_dims
        self.encoders = nn.ModuleList(
            [make_encoder(d, rep_dim, encoder, hidden_dim=hidden_dim) for d in input_dims]
        )
        self.log_scale = nn.Parameter(torch.tensor(float(logit_scale_init)))

    @property
    def logit_scale(self) -> torch.Tensor:
        """The positive multiplier ``exp(log_scale)`` (0-dim tensor, differentiable)."""
        return self.log_scale.exp()

    def clamp_logit_scale(self, low: float | None = None, high: float | None = None) -> None:
        """Clamp the *log* scale to [low, high] in place (None: that side unbounded).

        :func:`symile_min.train` calls it after every optimiser step only when ``TrainConfig`` sets
        ``logit_scale_min`` / ``logit_scale_max`` (CLIP's choice is ``high=LOG_SCALE_MAX``, ln 100).
        """
        if low is None and high is None:
            return
        with torch.no_grad():
            self.log_scale.clamp_(low, high)

    def extra_repr(self) -> str:
        return f"method={self.method!r}, negatives={self.negatives!r}"

    def encode_modality(self, m: int, x) -> torch.Tensor:
        """L2-normalised representation (N, rep_dim) of modality ``m``'s input ``x`` (N, d_m)."""
        if not (isinstance(m, int) and 0 <= m < len(self.encoders)):
            raise ValueError(f"modality index must be in [0, {len(self.encoders)}), got {m!r}")
        (t,) = to_tensor_list(
            [x],
            name=f"input of modality {m}",
            min_modalities=1,
            dtype=self.log_scale.dtype,
            device=self.log_scale.device,
        )
        if t.shape[1] != self.input_dims[m]:
            raise ValueError(f"modality {m} expects {self.input_dims[m]} input columns, got {t.shape[1]}")
        return F.normalize(self.encoders[m](t), dim=-1)

    def encode(self, data) -> list[torch.Tensor]:
        """L2-normalised representations, one (N, rep_dim) tensor per modality.

        Parameters
        ----------
        data : sequence of array-like
            M inputs (N, d_m), numpy arrays or tensors.

        Returns
        -------
        list of torch.Tensor
            M unit-norm tensors (N, rep_dim) on the model's device.
        """
        xs = to_tensor_list(data, name="data", dtype=self.log_scale.dtype, device=self.log_scale.device)
        if len(xs) != len(self.encoders):
            raise ValueError(f"model has {len(self.encoders)} modalities, data has {len(xs)}")
        for m, x in enumerate(xs):
            if x.shape[1] != self.input_dims[m]:
                raise ValueError(f"modality {m} expects {self.input_dims[m]} input columns, got {x.shape[1]}")
        return self._encode(xs)

    def _encode(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        # unchecked fast path used inside the training loop
        return [F.normalize(enc(x), dim=-1) for enc, x in zip(self.encoders, xs, strict=True)]

    def forward(self, data) -> list[torch.Tensor]:
        """Same as :meth:`encode`."""
        return self.encode(data)


def resolve_objective(model: SymileModel, method: str | None, negatives: str | None, *, caller: str):
    """The (method, negatives) to evaluate ``model`` with: the recorded ones unless given explicitly.

    An explicit ``method`` that contradicts the one the model records is a ValueError naming both (a
    CLIP model scored with Symile's multilinear product, or the reverse, is meaningless). An explicit
    ``negatives`` is honoured: it only chooses the estimator (e.g. the ``"n_squared"`` bound of a model
    trained with ``"n"``). A bare model (nothing recorded) needs an explicit ``method``; its negatives
    default to ``"n"``.
    """
    if not isinstance(model, SymileModel):
        raise TypeError(f"{caller}: model must be a SymileModel, got {type(model).__name__}")
    if method is not None:
        check_choice("method", method, METHODS)
    if negatives is not None:
        check_choice("negatives", negatives, NEGATIVES)
    if method is None:
        if model.method is None:
            raise ValueError(
                f"{caller}: the model records no training method (a bare SymileModel): pass method="
                f"'symile' or 'clip'"
            )
        method = model.method
    elif model.method is not None and method != model.method:
        raise ValueError(
            f"{caller}: method={method!r} contradicts the model, which was trained with "
            f"method={model.method!r}"
        )
    if negatives is None:
        negatives = model.negatives if model.negatives is not None else "n"
    return method, negatives
