r"""Every contrastive objective as an ``nn.Module`` that owns its learned scale, with a registry.

:class:`Objective` wraps one loss of :mod:`symile_min.losses`, :mod:`symile_min.objectives` or
:mod:`symile_min.gated` with the learned log logit-scale (and, for gated Symile, the gate), its zero-shot
scores (:meth:`Objective.scores`), the cross-entropy and cap of its held-out bound
(:meth:`Objective.bound_loss`, :meth:`Objective.bound_cap`) and the name of the information that bound
bounds (:attr:`Objective.bound_target`). :data:`OBJECTIVES` and :func:`make_objective` map a name to it:

===================  ===============================================  ==================================
name                 loss                                             ``log K - loss`` bounds
===================  ===============================================  ==================================
``symile``           :func:`~symile_min.symile_loss`, ``"n"``          TC
``symile_n_squared`` :func:`~symile_min.symile_loss`, ``"n_squared"``  TC (cap (M - 1) log N)
``clip``             :func:`~symile_min.clip_loss` (every pair)        :math:`\sum_{a<b} I(x_a; x_b)`
``anchor_clip``      :func:`~symile_min.objectives.anchor_clip_loss`   :math:`\sum_{k \ne a} I(x_a; x_k)`
``gram``             :func:`~symile_min.objectives.gram_loss`          mean over a of
                                                                      :math:`I(x_a; x_{-a})`
``triangle``         :func:`~symile_min.objectives.triangle_loss`      the same (M = 3 only)
``gated_symile``     :func:`~symile_min.gated.gated_symile_loss`       the same (without the
                                                                      distillation term)
===================  ===============================================  ==================================

Why: InfoNCE with K candidates per positive bounds the mutual information between the positive's anchor
and whatever the candidates are drawn from. Symile's candidate tuples are drawn from the product of the
marginals, so it bounds TC; CLIP's and anchor-pairwise's pairs bound pairwise informations; GRAM, TRIANGLE
and gated Symile contrast the anchor with *aligned* rows of the other modalities (drawn from their joint),
so they bound :math:`I(x_a; x_{-a})`, which is at most TC (:math:`\mathrm{TC} = I(x_a; x_{-a}) +
\mathrm{TC}(x_{-a})`). All bounds in bits by default (``base=``).
"""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn

from ._checks import NEGATIVES, as_int, as_real, check_choice, check_seed
from ._streamed import DEFAULT_CHUNK_ELEMENTS
from .evaluate import zero_shot_scores
from .gated import SymileGate, gated_symile_loss, gated_symile_scores
from .losses import clip_loss, symile_loss
from .objectives import (
    SQRT_EPS,
    _check_eps,
    _check_index,
    anchor_clip_loss,
    anchor_clip_scores,
    gram_loss,
    gram_scores,
    triangle_loss,
    triangle_scores,
)

__all__ = ["Objective", "OBJECTIVES", "BOUND_TARGETS", "make_objective"]

#: what ``log K - loss`` of each objective bounds (see the module docstring)
BOUND_TARGETS = ("TC", "pairwise_sum", "anchor_sum", "one_vs_rest")


class Objective(nn.Module):
    """One contrastive objective with its learned log logit-scale (and any other parameters).

    ``objective(reps, generator=None)`` is the training loss (nats); :meth:`scores` the zero-shot rule;
    :meth:`bound_loss` / :meth:`bound_cap` the held-out bound's cross-entropy and cap;
    :attr:`bound_target` names what ``cap - bound_loss`` bounds (one of :data:`BOUND_TARGETS`).
    Build one with :func:`make_objective`.

    Parameters
    ----------
    m : int
        Number of modalities.
    init_logit_scale : float
        Initial *log* scale (as :class:`symile_min.SymileModel`: -0.3 by default).
    """

    name = ""
    paper = ""
    bound_target = "TC"
    min_modalities = 2
    max_modalities: int | None = None

    def __init__(self, m: int, *, init_logit_scale: float = -0.3):
        super().__init__()
        if isinstance(m, bool) or not isinstance(m, int) or m < self.min_modalities or (
            self.max_modalities is not None and m > self.max_modalities
        ):
            allowed = (
                f"exactly {self.min_modalities}" if self.max_modalities == self.min_modalities
                else f">= {self.min_modalities}"
            )
            raise ValueError(f"objective {self.name!r} needs {allowed} modalities, got M = {m!r}")
        init_logit_scale = as_real(init_logit_scale, "init_logit_scale")
        self.m = m
        self.log_scale = nn.Parameter(torch.tensor(init_logit_scale))

    @property
    def logit_scale(self) -> torch.Tensor:
        """The positive multiplier ``exp(log_scale)`` (0-dim, differentiable)."""
        return self.log_scale.exp()

    def extra_repr(self) -> str:
        return f"name={self.name!r}, m={self.m}"

    def _check(self, reps):
        if len(reps) != self.m:
            raise ValueError(f"objective {self.name!r} is built for M = {self.m}, got {len(reps)} modalities")

    def forward(self, reps, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """The training loss (nats) of M (N, d) L2-normalised representations."""
        self._check(reps)
        return self.loss(reps, self.logit_scale, generator=generator)

    def loss(self, reps, logit_scale, *, generator=None) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def bound_loss(self, reps, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """The cross-entropy whose ``cap - loss`` is the bound (the training loss, minus any extra terms)."""
        return self(reps, generator=generator)

    def bound_cap(self, n: int, *, base: float = 2) -> float:
        """log K per positive summed over the loss's InfoNCE terms, in units of ``base`` (bits)."""
        return self._cap_multiple() * math.log(n) / math.log(base)

    def _cap_multiple(self) -> int:
        return 1

    def scores(self, queries, candidates, *, target: int, query_modalities=None, log_prior=None):
        """(N, C) zero-shot scores of the target's candidates given the other modalities' representations.

        ``queries`` are the representations of the other modalities (by default all of them, in index
        order); scores use the learned scale (it matters only with a ``log_prior``).
        """
        target = _check_index("target", target, self.m)
        if query_modalities is None:
            query_modalities = [k for k in range(self.m) if k != target]
        return self._scores(list(queries), candidates, target, list(query_modalities), log_prior)

    def _scores(self, queries, candidates, target, mods, log_prior):  # pragma: no cover - abstract
        raise NotImplementedError


class SymileObjective(Objective):
    name = "symile"
    paper = "Saporta, Puli, Goldstein, Ranganath, NeurIPS 2024"

    def __init__(self, m: int, *, negatives: str = "n", chunk_elements: int = DEFAULT_CHUNK_ELEMENTS, **kw):
        super().__init__(m, **kw)
        self.negatives = check_choice("negatives", negatives, NEGATIVES)
        self.chunk_elements = chunk_elements

    def loss(self, reps, logit_scale, *, generator=None):
        return symile_loss(
            reps, logit_scale, negatives=self.negatives, generator=generator,
            chunk_elements=self.chunk_elements,
        )

    def _cap_multiple(self):
        return self.m - 1 if self.negatives == "n_squared" else 1

    def _scores(self, queries, candidates, target, mods, log_prior):
        return zero_shot_scores(queries, candidates, "symile", log_prior, logit_scale=self.logit_scale)


class ClipObjective(Objective):
    name = "clip"
    paper = "Radford et al., ICML 2021 (pairwise over all modality pairs)"
    bound_target = "pairwise_sum"

    def loss(self, reps, logit_scale, *, generator=None):
        return clip_loss(reps, logit_scale)

    def _cap_multiple(self):
        return self.m * (self.m - 1) // 2

    def _scores(self, queries, candidates, target, mods, log_prior):
        return zero_shot_scores(queries, candidates, "clip", log_prior, logit_scale=self.logit_scale)


class AnchorClipObjective(Objective):
    name = "anchor_clip"
    paper = "Girdhar et al. (ImageBind), CVPR 2023"
    bound_target = "anchor_sum"

    def __init__(self, m: int, *, anchor: int = 0, **kw):
        super().__init__(m, **kw)
        self.anchor = _check_index("anchor", anchor, m)

    def loss(self, reps, logit_scale, *, generator=None):
        return anchor_clip_loss(reps, logit_scale, anchor=self.anchor)

    def _cap_multiple(self):
        return self.m - 1

    def _scores(self, queries, candidates, target, mods, log_prior):
        return anchor_clip_scores(
            queries, candidates, self.logit_scale, query_modalities=mods, target=target, anchor=self.anchor,
            log_prior=log_prior,
        )


class GramObjective(Objective):
    name = "gram"
    paper = "Cicchetti, Grassucci, Sigillo, Comminiello, ICLR 2025"
    bound_target = "one_vs_rest"

    def __init__(self, m: int, *, anchor: int | None = None, eps: float = SQRT_EPS, **kw):
        super().__init__(m, **kw)
        self.anchor = _check_index("anchor", anchor, m, allow_none=True)
        self.eps = _check_eps(eps)

    def loss(self, reps, logit_scale, *, generator=None):
        return gram_loss(reps, logit_scale, anchor=self.anchor, eps=self.eps)

    def _scores(self, queries, candidates, target, mods, log_prior):
        return gram_scores(queries, candidates, self.logit_scale, eps=self.eps, log_prior=log_prior)


class TriangleObjective(Objective):
    name = "triangle"
    paper = "Cicchetti, Grassucci, Comminiello, NeurIPS 2025"
    bound_target = "one_vs_rest"
    min_modalities = 3
    max_modalities = 3

    def __init__(
        self, m: int, *, anchor: int | None = None, squared: bool = True, eps: float = SQRT_EPS, **kw
    ):
        super().__init__(m, **kw)
        self.anchor = _check_index("anchor", anchor, m, allow_none=True)
        self.squared, self.eps = bool(squared), _check_eps(eps)

    def loss(self, reps, logit_scale, *, generator=None):
        return triangle_loss(reps, logit_scale, anchor=self.anchor, squared=self.squared, eps=self.eps)

    def _scores(self, queries, candidates, target, mods, log_prior):
        return triangle_scores(
            queries, candidates, self.logit_scale, squared=self.squared, eps=self.eps, log_prior=log_prior
        )


class GatedSymileObjective(Objective):
    name = "gated_symile"
    paper = "Rheude, Hegselmann, Eils, Wild, 2026 (arXiv:2604.05834)"
    bound_target = "one_vs_rest"

    def __init__(self, m: int, *, rep_dim: int, d_k: int = 256, distill_weight: float = 0.1, **kw):
        super().__init__(m, **kw)
        self.gate = SymileGate(m, rep_dim, d_k=d_k)
        self.distill_weight = distill_weight

    def loss(self, reps, logit_scale, *, generator=None):
        return gated_symile_loss(reps, logit_scale, gate=self.gate, distill_weight=self.distill_weight)

    def bound_loss(self, reps, *, generator=None):
        self._check(reps)
        return gated_symile_loss(reps, self.logit_scale, gate=self.gate, distill_weight=0.0)

    def _scores(self, queries, candidates, target, mods, log_prior):
        return gated_symile_scores(
            queries, candidates, self.logit_scale, gate=self.gate, query_modalities=mods, target=target,
            log_prior=log_prior,
        )


#: name -> objective class (options of :func:`make_objective`)
OBJECTIVES: dict[str, type[Objective]] = {
    "symile": SymileObjective,
    "symile_n_squared": SymileObjective,
    "clip": ClipObjective,
    "anchor_clip": AnchorClipObjective,
    "gram": GramObjective,
    "triangle": TriangleObjective,
    "gated_symile": GatedSymileObjective,
}


def make_objective(name: str, *, m: int, rep_dim: int | None = None, seed: int | None = None, **options):
    """Build the objective ``name`` of :data:`OBJECTIVES` for ``m`` modalities.

    Parameters
    ----------
    name : str
        A key of :data:`OBJECTIVES` (``"symile_n_squared"`` is Symile with ``negatives="n_squared"``).
    m : int
        Number of modalities (TRIANGLE: exactly 3, else a ValueError).
    rep_dim : int, optional
        Representation width (needed by ``"gated_symile"``, whose gate has weights of that width).
    seed : int, optional
        Seeds the initial parameters (the gate) without touching torch's global RNG.
    **options
        Keyword options of the objective: ``init_logit_scale`` (all; the *log* scale, -0.3 by default),
        ``negatives`` and ``chunk_elements`` (Symile), ``anchor`` (anchor-pairwise, GRAM, TRIANGLE),
        ``eps`` (GRAM, TRIANGLE), ``squared`` (TRIANGLE), ``d_k`` and ``distill_weight`` (gated Symile).
        Any other is a ValueError naming it.

    Returns
    -------
    Objective

    Examples
    --------
    >>> obj = make_objective("gram", m=3)
    >>> obj.name, obj.bound_target, round(obj.bound_cap(1024), 6)
    ('gram', 'one_vs_rest', 10.0)
    >>> make_objective("triangle", m=4)
    Traceback (most recent call last):
    ...
    ValueError: objective 'triangle' needs exactly 3 modalities, got M = 4
    """
    if not isinstance(name, str) or name not in OBJECTIVES:
        raise ValueError(f"objective must be one of {list(OBJECTIVES)}, got {name!r}")
    cls = OBJECTIVES[name]
    allowed = {p for c in (cls, Objective) for p in inspect.signature(c.__init__).parameters}
    allowed -= {"self", "m", "kw", "rep_dim"} | ({"negatives"} if name == "symile_n_squared" else set())
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise ValueError(f"objective {name!r} takes the options {sorted(allowed)}, not {unknown}")
    if name == "symile_n_squared":
        options = {**options, "negatives": "n_squared"}
    if name == "gated_symile":
        options = {**options, "rep_dim": as_int(rep_dim, "gated_symile needs rep_dim, which")}
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(check_seed(seed))
        obj = cls(m, **options)
    obj.name = name
    return obj
