"""Minimal Symile and pairwise-CLIP objectives, encoders, trainer, zero-shot and retrieval, bounds.

Import rule: ``symile_min`` stands alone on torch (plus numpy/pandas/tqdm); it imports
neither ``infotheory`` nor ``generators`` nor ``experiments``.

Losses are in nats; bounds are in bits by default (``base=``). One module per job:

* :mod:`symile_min.losses`: :func:`mip`, :func:`symile_loss`, :func:`clip_loss` (and the ``"n"``
  candidate layout they share with the grouped loss and the exact-critic bound);
* :mod:`symile_min.modules`: the same objectives as ``nn.Module`` s owning their logit scale
  (:class:`SymileLoss`, :class:`ClipLoss`), for your own training loop;
* :mod:`symile_min._streamed`: the chunked all-combinations log-sum-exp behind ``"n_squared"``;
* :mod:`symile_min.grouped`: the same losses on distinct rows (discrete inputs);
* :mod:`symile_min.scores`: the loss core on precomputed scores (plug in any critic);
* :mod:`symile_min.bounds`: caps, ``log K - loss`` bounds, held-out and exact-critic estimates;
* :mod:`symile_min.evaluate`: zero-shot scores and accuracy, retrieval ranks and metrics;
* :mod:`symile_min.data`: the one data layer (lists, dicts, Datasets, DataLoaders of modalities);
* :mod:`symile_min.encoders`: small encoders for real modalities (images, UTF-8 text, log-mel audio) and
  the missing-input wrapper;
* :mod:`symile_min.model`, :mod:`symile_min.config`, :mod:`symile_min.train`: encoders (built-in or yours),
  the validated settings of a run (:class:`TrainConfig`) and the training loop;
* :mod:`symile_min.objectives`, :mod:`symile_min.gated`: more objectives for M >= 3 (anchor-pairwise, GRAM,
  TRIANGLE, gated Symile); :mod:`symile_min.objective_modules` (each as a module owning its scale, a
  registry) and :mod:`symile_min.objective_train` (train and evaluate under any of them);
* :mod:`symile_min.multi`: train K models of one architecture at once (:func:`train_many`; their batched
  losses are :mod:`symile_min._batched_loss`);
* :mod:`symile_min.held_out`: :func:`held_out_bound`, train on part of one sample and bound on the rows it
  never saw;
* :mod:`symile_min.checkpoint`: the checkpoint file format (``torch.load(weights_only=True)``);
* :mod:`symile_min.distributed`: DDP feature gathering.
"""

from .bounds import (
    bound_cap,
    bound_estimate,
    bound_from_loss,
    exact_critic_bound,
)
from .config import TrainConfig
from .encoders import ByteNgramEncoder, ImageCNN, LogMelEncoder, WithIndicator
from .evaluate import retrieval_metrics, retrieval_ranks, zero_shot_accuracy, zero_shot_scores
from .gated import SymileGate, gated_symile_loss
from .grouped import clip_loss_grouped, symile_loss_grouped
from .losses import clip_loss, mip, symile_loss
from .model import SymileModel, with_missingness
from .modules import ClipLoss, SymileLoss
from .multi import train_many
from .objective_modules import OBJECTIVES, Objective, make_objective
from .objective_train import (
    ObjectiveFit,
    fit_lr_grid,
    objective_accuracy,
    objective_bound,
    objective_retrieval_accuracy,
    objective_zero_shot_accuracy,
    train_objective,
)
from .objectives import anchor_clip_loss, gram_loss, triangle_loss
from .scores import infonce_from_scores, symile_loss_from_scores
from .train import EpochInfo, TrainResult, train

__all__ = [
    "mip",
    "symile_loss",
    "clip_loss",
    "anchor_clip_loss",
    "gram_loss",
    "triangle_loss",
    "gated_symile_loss",
    "SymileGate",
    "Objective",
    "OBJECTIVES",
    "make_objective",
    "train_objective",
    "fit_lr_grid",
    "ObjectiveFit",
    "objective_bound",
    "objective_accuracy",
    "objective_zero_shot_accuracy",
    "objective_retrieval_accuracy",
    "SymileLoss",
    "ClipLoss",
    "symile_loss_grouped",
    "clip_loss_grouped",
    "infonce_from_scores",
    "symile_loss_from_scores",
    "bound_cap",
    "bound_from_loss",
    "bound_estimate",
    "exact_critic_bound",
    "zero_shot_scores",
    "zero_shot_accuracy",
    "retrieval_ranks",
    "retrieval_metrics",
    "SymileModel",
    "ImageCNN",
    "ByteNgramEncoder",
    "LogMelEncoder",
    "WithIndicator",
    "with_missingness",
    "TrainConfig",
    "TrainResult",
    "EpochInfo",
    "train",
    "train_many",
]
