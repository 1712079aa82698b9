"""Encoders (built-in linear/MLP or the user's own modules), the objective's learned logit scale, missingness.

A :class:`SymileModel` holds the encoders (one per modality, or one module encoding a whole batch) and the
objective's state: the learned log logit-scale and the objective it was trained with (``method``,
``negatives``; set by :func:`symile_min.train`), so that evaluation (:func:`symile_min.bound_estimate`,
:func:`symile_min.zero_shot_accuracy`, :func:`symile_min.retrieval_metrics`) defaults to it and refuses a
contradicting ``method``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._checks import METHODS, NEGATIVES, as_int, as_real, check_choice, check_log_scale, check_weight_size
from .data import _as_tensor, modalities, to_tensor_list

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
    in_dim, rep_dim, hidden_dim = (as_int(v, k) for k, v in [("in_dim", in_dim), ("rep_dim", rep_dim),
                                                              ("hidden_dim", hidden_dim)])
    check_choice("encoder", kind, ENCODERS)
    if kind == "linear":
        check_weight_size(in_dim, rep_dim, what=f"a linear encoder {in_dim} -> {rep_dim}")
        return nn.Linear(in_dim, rep_dim)
    check_weight_size(in_dim, hidden_dim, what=f"an MLP encoder {in_dim} -> {hidden_dim} (hidden)")
    check_weight_size(hidden_dim, rep_dim, what=f"an MLP encoder {hidden_dim} (hidden) -> {rep_dim}")
    return nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, rep_dim))


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
    if xa.dtype.kind not in "biuf":  # a complex x would lose its imaginary part in the float cast below
        raise TypeError(f"x must hold real numbers, got dtype {xa.dtype}")
    if xa.ndim != 2:
        raise ValueError(f"x must have shape (N, d_m), got shape {xa.shape}")
    if obs.shape != (xa.shape[0],) or obs.dtype != bool:
        raise ValueError(
            f"observed must be a bool array of shape ({xa.shape[0]},), got {obs.dtype} {obs.shape}"
        )
    placeholder = as_real(placeholder, "placeholder", what="a finite real number")
    filled = np.where(obs[:, None], xa.astype(np.float64), float(placeholder))  # (N, d_m)
    if not np.isfinite(filled).all():
        raise ValueError("x contains non-finite values in observed rows")
    out = np.concatenate([filled, obs[:, None].astype(np.float64)], axis=1)  # (N, d_m + 1)
    return torch.from_numpy(out).to(device=x.device, dtype=torch.float32) if is_tensor else out


class SymileModel(nn.Module):
    """Encoders (one per modality, or one module for all) plus the objective's learned log logit-scale.

    Two ways to build one:

    * ``SymileModel(input_dims, rep_dim, encoder)``: the built-in linear (paper) or MLP encoders on
      (N, d_m) vector inputs;
    * ``SymileModel(encoders=...)``: your own ``nn.Module`` encoders, one per modality, taking any input
      shape (images, sequences, token ids, tabular) and returning (N, d) with the same d for every
      modality; or a single module whose ``encode(batch)`` maps the list of M inputs to M (N, d) outputs
      (and, optionally, ``encode_modality(m, x)`` to encode one modality alone, needed to score
      candidate *inputs* of one modality).

    Outputs are L2-normalised here, so encoders need not normalise. The learned logit scale belongs to
    the objective, not to the encoders: the model carries it (``log_scale``) next to the objective it was
    trained with (``method``, ``negatives``; set by :func:`symile_min.train`), so that evaluation
    (:func:`symile_min.bound_estimate`, :func:`symile_min.zero_shot_accuracy`,
    :func:`symile_min.retrieval_metrics`) defaults to it and refuses a contradicting ``method``.

    Parameters
    ----------
    input_dims : sequence of int, optional
        Input width d_m of each of the M >= 2 modalities (built-in encoders; omit with ``encoders=``).
    rep_dim : int
        Representation width d of the built-in encoders.
    encoder : {"linear", "mlp"}
        Architecture of every built-in encoder (see :func:`make_encoder`).
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
    encoders : sequence of nn.Module, or nn.Module with ``encode``, optional
        Your own encoders (instead of ``input_dims``).
    names : sequence of str, optional
        Modality names (set by :func:`symile_min.train` from dict data): a dict passed to :meth:`encode`
        is then read in this order.

    Attributes
    ----------
    method, negatives : str or None
        The recorded objective (constructor arguments above).
    builtin : bool
        Whether the encoders are the built-in ones (then ``input_dims`` is their input widths).
    n_modalities : int or None
        M (None for a whole-batch module until it has encoded data).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> model = SymileModel([5, 5, 5], rep_dim=4, method="symile")
    >>> [tuple(r.shape) for r in model.encode([np.zeros((2, 5))] * 3)]
    [(2, 4), (2, 4), (2, 4)]
    >>> round(float(model.logit_scale.detach()), 4), model.method  # exp(-0.3)
    (0.7408, 'symile')
    >>> own = SymileModel(encoders=[nn.Sequential(nn.Flatten(), nn.Linear(4, 3)), nn.Embedding(10, 3)])
    >>> [tuple(r.shape) for r in own.encode([np.zeros((2, 2, 2)), np.array([3, 7])])]
    [(2, 3), (2, 3)]
    """

    def __init__(
        self,
        input_dims: Sequence[int] | None = None,
        rep_dim: int = 16,
        encoder: str = "linear",
        *,
        hidden_dim: int = 64,
        logit_scale_init: float = -0.3,
        method: str | None = None,
        negatives: str | None = None,
        encoders: Sequence[nn.Module] | nn.Module | None = None,
        names: Sequence[str] | None = None,
    ):
        super().__init__()
        if (input_dims is None) == (encoders is None):
            raise ValueError(
                "pass either input_dims (the built-in encoders) or encoders= (your own modules), not "
                f"{'both' if encoders is not None else 'neither'}"
            )
        logit_scale_init = check_log_scale(logit_scale_init)  # exp of it a positive finite float32
        if method is not None:
            check_choice("method", method, METHODS)
        if negatives is not None:
            check_choice("negatives", negatives, NEGATIVES)
        self.method, self.negatives = method, negatives
        self.network = None  # a whole-batch module (encode(batch)), else None
        if encoders is None:
            if isinstance(input_dims, str | bytes) or not isinstance(input_dims, Sequence | np.ndarray):
                raise TypeError(f"input_dims must be a list of ints, one per modality, got {input_dims!r}")
            input_dims = [as_int(d, f"input_dims[{m}]") for m, d in enumerate(input_dims)]
            if len(input_dims) < 2:
                raise ValueError(f"input_dims needs at least 2 modalities, got {input_dims!r}")
            rep_dim, hidden_dim = as_int(rep_dim, "rep_dim"), as_int(hidden_dim, "hidden_dim")
            self.builtin, self.input_dims = True, input_dims
            self.rep_dim, self.encoder_kind, self.hidden_dim = rep_dim, encoder, hidden_dim
            self.encoders = nn.ModuleList(
                [make_encoder(d, rep_dim, encoder, hidden_dim=hidden_dim) for d in input_dims]
            )
            self.n_modalities = len(input_dims)
        else:
            self.builtin, self.input_dims = False, None
            self.encoders, self.n_modalities = _user_encoders(encoders)
            if self.encoders is None:
                self.network = encoders
        self.names = tuple(str(k) for k in names) if names is not None else None
        if self.names is not None and self.n_modalities is not None and len(self.names) != self.n_modalities:
            raise ValueError(f"names {list(self.names)} do not match the {self.n_modalities} modalities")
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

    def inputs(self, data, *, name: str = "data") -> list[torch.Tensor]:
        """In-memory ``data`` (list or dict) as the M input tensors this model's encoders take, on its device.

        Built-in encoders: (N, d_m) float tensors of the right widths. Own encoders: any shape, floats as
        the model's dtype, integers kept (see :mod:`symile_min.data`). A dict is read in ``names`` order.
        """
        device, dtype = self.log_scale.device, self.log_scale.dtype
        xs = modalities(data, name=name, flat=self.builtin, names=self.names, dtype=dtype, device=device)
        if xs.kind != "tensors":
            raise TypeError(f"{name} must be in memory here (a list or dict of arrays), got a {xs.kind}")
        xs = xs.tensors
        if self.n_modalities is not None and len(xs) != self.n_modalities:
            raise ValueError(f"model has {self.n_modalities} modalities, data has {len(xs)}")
        if self.builtin:
            for m, x in enumerate(xs):
                if x.shape[1] != self.input_dims[m]:
                    raise ValueError(
                        f"modality {m} expects {self.input_dims[m]} input columns, got {x.shape[1]}"
                    )
        return xs

    def encode_modality(self, m: int, x) -> torch.Tensor:
        """L2-normalised representation (N, d) of modality ``m``'s input ``x`` (N, ...)."""
        count = self.n_modalities
        if not (isinstance(m, int) and not isinstance(m, bool) and (count is None or 0 <= m < count)):
            raise ValueError(f"modality index must be in [0, {count}), got {m!r}")
        label = f"input of modality {m}"
        t = _as_tensor(x, label, flat=self.builtin, dtype=self.log_scale.dtype).to(self.log_scale.device)
        if self.builtin and t.shape[1] != self.input_dims[m]:
            raise ValueError(f"modality {m} expects {self.input_dims[m]} input columns, got {t.shape[1]}")
        if self.network is not None:
            if not callable(getattr(self.network, "encode_modality", None)):
                raise TypeError(
                    f"{type(self.network).__name__} encodes whole batches only (it has no "
                    f"encode_modality(m, x)): score candidates given as representations instead"
                )
            rep = self.network.encode_modality(m, t)
        else:
            rep = self.encoders[m](t)
        _check_outputs([rep], int(t.shape[0]), names=[m])
        return F.normalize(rep, dim=-1)

    def encode(self, data) -> list[torch.Tensor]:
        """L2-normalised representations, one (N, d) tensor per modality.

        Parameters
        ----------
        data : list or dict of array-like
            M inputs (N, ...), numpy arrays or tensors ((N, d_m) for the built-in encoders).

        Returns
        -------
        list of torch.Tensor
            M unit-norm tensors (N, d) on the model's device.
        """
        xs = self.inputs(data)
        reps = self._raw(xs)
        _check_outputs(reps, int(xs[0].shape[0]), names=self.names or range(len(reps)))
        return [F.normalize(r, dim=-1) for r in reps]

    def _raw(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Unnormalised encoder outputs (unchecked)."""
        if self.network is not None:
            reps = self.network.encode(list(xs))
            if isinstance(reps, torch.Tensor) or not isinstance(reps, Sequence) or len(reps) != len(xs):
                raise ValueError(
                    f"{type(self.network).__name__}.encode must return a list of {len(xs)} (N, d) tensors, "
                    f"got {type(reps).__name__}"
                    + (f" of length {len(reps)}" if isinstance(reps, Sequence) else "")
                )
            self.n_modalities = len(xs)
            return list(reps)
        return [enc(x) for enc, x in zip(self.encoders, xs, strict=True)]

    def _encode(self, xs: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        # unchecked fast path used inside the training loop
        if self.network is not None:
            return [F.normalize(r, dim=-1) for r in self._raw(xs)]
        return [F.normalize(enc(x), dim=-1) for enc, x in zip(self.encoders, xs, strict=True)]

    def forward(self, data) -> list[torch.Tensor]:
        """Same as :meth:`encode`."""
        return self.encode(data)


def _user_encoders(encoders) -> tuple[nn.ModuleList | None, int | None]:
    """(ModuleList, M) for a sequence of per-modality modules, (None, None) for one whole-batch module."""
    if isinstance(encoders, nn.Module) and not isinstance(encoders, nn.ModuleList | nn.ModuleDict):
        if not callable(getattr(encoders, "encode", None)):
            raise TypeError(
                f"encoders must be a list of nn.Module (one per modality) or a module with encode(batch) "
                f"-> list of (N, d) tensors; {type(encoders).__name__} has no encode method"
            )
        return None, None
    if isinstance(encoders, nn.ModuleDict):
        encoders = list(encoders.values())
    if not isinstance(encoders, Sequence | nn.ModuleList):
        raise TypeError(
            f"encoders must be a list of nn.Module, one per modality, got {type(encoders).__name__}"
        )
    encoders = list(encoders)
    for m, enc in enumerate(encoders):
        if not isinstance(enc, nn.Module):
            raise TypeError(f"encoders[{m}] must be an nn.Module, got {type(enc).__name__}")
    if len(encoders) < 2:
        raise ValueError(f"encoders needs at least 2 modalities, got {len(encoders)}")
    return nn.ModuleList(encoders), len(encoders)


def _check_outputs(reps, n: int, *, names) -> None:
    """Encoder outputs must be floating (N, d) tensors with one d: errors name the modality (shape only)."""
    names = list(names)
    widths = []
    for key, r in zip(names, reps, strict=True):
        if not isinstance(r, torch.Tensor) or not r.is_floating_point():
            raise TypeError(f"the encoder of modality {key!r} must return a floating tensor, got {r!r:.60}")
        if r.ndim != 2 or int(r.shape[0]) != n:
            raise ValueError(
                f"the encoder of modality {key!r} must return shape (N, d) = ({n}, d), got {tuple(r.shape)}"
            )
        widths.append(int(r.shape[1]))
    if len(set(widths)) > 1:
        raise ValueError(
            f"encoders must all map to the same representation width d, got "
            f"{dict(zip(names, widths, strict=True))}"
        )


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
