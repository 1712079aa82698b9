"""Minimal Symile and pairwise-CLIP objectives, encoders, trainer, zero-shot prediction, bounds.

Import rule: ``symile_min`` stands alone on torch (plus numpy/pandas/tqdm); it imports
neither ``infotheory`` nor ``generators`` nor ``experiments``.

Losses are in nats; bounds are in bits by default (``base=``). Distributed (DDP) feature gathering
lives in :mod:`symile_min.distributed`.
"""

from .evaluate import batch_count, bound_estimate, summarise_bounds, zero_shot_accuracy, zero_shot_scores
from .losses import (
    bound_cap,
    bound_from_loss,
    clip_loss,
    clip_loss_grouped,
    infonce_from_scores,
    mip,
    symile_loss,
    symile_loss_from_scores,
    symile_loss_grouped,
    symile_loss_materialised,
)
from .model import SymileModel, make_encoder, with_missingness
from .train import TrainConfig, TrainResult, train

__all__ = [
    "mip",
    "symile_loss",
    "clip_loss",
    "symile_loss_grouped",
    "clip_loss_grouped",
    "symile_loss_materialised",
    "infonce_from_scores",
    "symile_loss_from_scores",
    "bound_cap",
    "bound_from_loss",
    "zero_shot_scores",
    "zero_shot_accuracy",
    "bound_estimate",
    "batch_count",
    "summarise_bounds",
    "SymileModel",
    "make_encoder",
    "with_missingness",
    "TrainConfig",
    "TrainResult",
    "train",
]
