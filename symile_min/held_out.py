r"""A learned estimate from one sample: train on part of the rows, bound on the rows the model never saw.

:func:`held_out_bound` splits one aligned sample of M modalities into training, validation and held-out
rows (in order), trains a model with :func:`symile_min.train` and estimates the contrastive bound
``log K - loss`` on the held-out rows (:func:`symile_min.bound_estimate`). For Symile it is an estimate
of a lower bound on the total correlation TC(x_1, ..., x_M), for CLIP on the sum of the pairwise mutual
informations; bits by default (``base=``). Comparable with the sample estimators of ``infotheory`` (same
sample, same unit), which is what ``symile-lab estimators`` does.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from ._checks import as_int, check_base
from .bounds import bound_estimate
from .config import TrainConfig
from .train import train

__all__ = ["held_out_bound"]


def _check_fraction(name: str, value) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")
    return float(value)


def held_out_bound(
    data,
    config: TrainConfig,
    *,
    train_fraction: float = 0.7,
    val_fraction: float = 0.1,
    max_batch: int = 256,
    base: float = 2,
) -> dict:
    r"""Train on the first rows of ``data`` and estimate the bound on the last ones, which training never saw.

    With N rows, the first :math:`n_\text{train} = \lfloor 0.7 N \rfloor` train the model (``config``), the
    next :math:`n_\text{val} = \lfloor 0.1 N \rfloor` choose its best epoch, and the remaining
    :math:`n_\text{held} = N - n_\text{train} - n_\text{val}` are cut into :math:`B \ge 4` batches of
    :math:`K = \min(\text{max\_batch}, \lfloor n_\text{held} / 4 \rfloor)` rows (also the training batch
    size, so that the bound's cap :math:`\log K` is the one the model was trained for):

    .. math::
        \hat I = \frac1B \sum_{b=1}^{B} \bigl(\log K - \mathcal{L}_b\bigr), \qquad
        \mathrm{se} = \frac{\operatorname{sd}_b(\log K - \mathcal{L}_b)}{\sqrt{B}}.

    Parameters
    ----------
    data : list of array_like
        M aligned modalities, each (N, d_m) float (converted to float32). Draw them in random order: the
        split takes the rows as they come.
    config : TrainConfig
        The training run; its ``batch_size`` is replaced by K.
    train_fraction, val_fraction : float
        Shares of the rows for training and validation, each in (0, 1), their sum below 1.
    max_batch : int
        Largest K.
    base : float
        Log base of the result (keyword-only): bits by default.

    Returns
    -------
    dict
        ``bound``, ``se`` (in units of ``base``: bits by default), ``cap`` (:math:`\log K` for Symile's
        ``"n"`` negatives, the largest possible bound), ``batch`` (K), ``n_train``, ``n_val``, ``n_held``.

    Examples
    --------
    >>> import numpy as np
    >>> bits = np.random.default_rng(0).integers(0, 2, (200, 2))
    >>> xor = [bits[:, :1], bits[:, 1:], bits[:, :1] ^ bits[:, 1:]]  # TC = 1 bit, all of it three-way
    >>> est = held_out_bound(xor, TrainConfig(epochs=1, seed=0))  # 140 / 20 / 40 rows
    >>> est["batch"], est["n_held"], est["bound"] <= est["cap"]
    (10, 40, True)
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    train_fraction = _check_fraction("train_fraction", train_fraction)
    val_fraction = _check_fraction("val_fraction", val_fraction)
    if train_fraction + val_fraction >= 1.0:
        raise ValueError(
            f"train_fraction + val_fraction must be below 1 (rows must be left to hold out), got "
            f"{train_fraction!r} + {val_fraction!r}"
        )
    max_batch = as_int(max_batch, "max_batch", minimum=2)
    base = check_base(base)
    if isinstance(data, str | bytes | dict) or not hasattr(data, "__len__") or len(data) < 2:
        raise ValueError(f"data must be a list of at least 2 aligned modalities, got {type(data).__name__}")
    xs = [np.asarray(x, dtype=np.float32) for x in data]
    rows = {x.shape[0] if x.ndim else 0 for x in xs}
    if len(rows) != 1:
        raise ValueError(f"every modality must have the same number of rows, got {[len(x) for x in xs]}")
    n = rows.pop()
    n_train, n_val = int(train_fraction * n), int(val_fraction * n)
    n_held = n - n_train - n_val
    batch = min(max_batch, n_held // 4)  # >= 4 held-out batches for the standard error
    if batch < 2 or n_train < 1 or n_val < 1:
        raise ValueError(
            f"{n} rows are too few: the split gives {n_train} training, {n_val} validation and {n_held} "
            f"held-out rows (at least 1, 1 and 8 needed)"
        )
    config = dataclasses.replace(config, batch_size=batch)
    result = train([x[:n_train] for x in xs], [x[n_train : n_train + n_val] for x in xs], config)
    held = [x[n_train + n_val :] for x in xs]
    est = bound_estimate(
        result.model, held, method=config.method, negatives=config.negatives, batch_size=batch, base=base
    )
    return {
        "bound": float(est["bound"]),
        "se": float(est["se"]),
        "cap": float(est["cap"]),
        "batch": batch,
        "n_train": n_train,
        "n_val": n_val,
        "n_held": n_held,
    }
