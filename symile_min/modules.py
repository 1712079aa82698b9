r"""The losses as ``nn.Module`` objectives that own their learned logit scale, for your own training loop.

:class:`SymileLoss` and :class:`ClipLoss` hold the log logit-scale as a parameter (initialised at
``init_logit_scale``, the *log* of the multiplier, as in CLIP and the paper's reference code) and call
:func:`symile_min.symile_loss` / :func:`symile_min.clip_loss` with ``exp`` of it. Put the objective's
parameters into your optimiser next to your encoders'::

    objective = SymileLoss(negatives="n", init_logit_scale=-0.3)
    opt = torch.optim.AdamW([*encoders.parameters(), *objective.parameters()], lr=1e-3)
    reps = [F.normalize(enc(x), dim=-1) for enc, x in zip(encoders, batch)]   # M x (N, d)
    loss = objective(reps, generator=gen)                                     # scalar, nats
    loss.backward(); opt.step()

Losses in **nats**.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ._checks import NEGATIVES, check_choice, check_log_scale, check_reduction
from ._streamed import DEFAULT_CHUNK_ELEMENTS
from .losses import clip_loss, symile_loss

__all__ = ["SymileLoss", "ClipLoss"]


class _ScaledObjective(nn.Module):
    def __init__(self, init_logit_scale: float, learn_logit_scale: bool, reduction: str):
        super().__init__()
        init = check_log_scale(init_logit_scale, "init_logit_scale")  # exp(init) a positive finite float32
        if not isinstance(learn_logit_scale, bool):
            raise TypeError(f"learn_logit_scale must be a bool, got {learn_logit_scale!r}")
        self.reduction = check_reduction(reduction)
        self.log_scale = nn.Parameter(torch.tensor(init), requires_grad=learn_logit_scale)

    @property
    def logit_scale(self) -> torch.Tensor:
        """The positive multiplier ``exp(log_scale)`` (0-dim tensor, differentiable)."""
        return self.log_scale.exp()


class SymileLoss(_ScaledObjective):
    r"""Symile objective with a learned logit scale: ``forward(reps) = symile_loss(reps, exp(log_scale))``.

    Parameters
    ----------
    negatives : {"n", "n_squared"}
        Negative scheme (see :func:`symile_min.symile_loss`).
    init_logit_scale : float
        Initial *log* logit-scale (paper: -0.3; CLIP: ln(1 / 0.07)).
    learn_logit_scale : bool
        Learn the scale (default) or keep it fixed.
    chunk_elements : int
        Memory knob of ``"n_squared"``.
    reduction : {"mean", "sum", "none"}
        As in :func:`symile_min.symile_loss`.

    Examples
    --------
    >>> import math
    >>> objective = SymileLoss(init_logit_scale=0.0)  # scale exp(0) = 1
    >>> loss = objective([torch.eye(3)] * 2)  # each row: positive score 1, two negatives 0
    >>> round(loss.item(), 6) == round(math.log(1 + 2 / math.e), 6)
    True
    >>> [name for name, _ in objective.named_parameters()]
    ['log_scale']
    """

    def __init__(
        self,
        *,
        negatives: str = "n",
        init_logit_scale: float = -0.3,
        learn_logit_scale: bool = True,
        chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
        reduction: str = "mean",
    ):
        super().__init__(init_logit_scale, learn_logit_scale, reduction)
        self.negatives = check_choice("negatives", negatives, NEGATIVES)
        self.chunk_elements = chunk_elements

    def forward(self, reps: Sequence[torch.Tensor], *, generator: torch.Generator | None = None):
        """The loss (nats) of M (N, d) L2-normalised representations; ``generator`` draws the negatives."""
        return symile_loss(
            reps,
            self.logit_scale,
            negatives=self.negatives,
            generator=generator,
            chunk_elements=self.chunk_elements,
            reduction=self.reduction,
        )

    def extra_repr(self) -> str:
        return f"negatives={self.negatives!r}, reduction={self.reduction!r}"


class ClipLoss(_ScaledObjective):
    r"""Pairwise CLIP objective with a learned scale: ``forward(reps) = clip_loss(reps, exp(log_scale))``.

    Parameters
    ----------
    init_logit_scale : float
        Initial *log* logit-scale.
    learn_logit_scale : bool
        Learn the scale (default) or keep it fixed.
    reduction : {"mean", "sum", "none"}
        As in :func:`symile_min.clip_loss`.

    Examples
    --------
    >>> import math
    >>> loss = ClipLoss(init_logit_scale=0.0)([torch.eye(3)] * 2)  # scale 1
    >>> round(loss.item(), 6) == round(math.log(1 + 2 / math.e), 6)
    True
    """

    def __init__(
        self, *, init_logit_scale: float = -0.3, learn_logit_scale: bool = True, reduction: str = "mean"
    ):
        super().__init__(init_logit_scale, learn_logit_scale, reduction)

    def forward(self, reps: Sequence[torch.Tensor], *, generator: torch.Generator | None = None):
        """The loss (nats) of M (N, d) L2-normalised representations (``generator`` unused)."""
        return clip_loss(reps, self.logit_scale, reduction=self.reduction)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"

