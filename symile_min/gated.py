r"""Gated Symile (Rheude, Hegselmann, Eils, Wild, 2026): Symile's MIP on per-candidate gated embeddings.

Rheude et al., "Hidden in the Multiplicative Interaction: Uncovering Fragility in Multimodal Contrastive
Learning" (arXiv:2604.05834): Symile's multiplicative score is fragile when one modality is unreliable,
since one noisy factor corrupts the whole product. A learned gate moves each query modality's embedding
towards a learned neutral direction, per (query, candidate) pair, before the MIP is taken.

* :class:`SymileGate`: the attention-based per-candidate gate (the variant implemented; see its
  docstring for the formula and the initial values);
* :func:`gated_symile_loss`: the loss, with the signature of :func:`symile_min.symile_loss` plus ``gate=``;
* :func:`gated_symile_scores`: the zero-shot score (the training score with target = the predicted modality).

All losses in **nats**.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import as_int, as_real, check_reduction, check_reps, scale_like
from .objectives import _add_prior, _check_queries, _labels, _query_modalities, _reduce

__all__ = ["SymileGate", "gated_symile_loss", "gated_symile_scores"]


class SymileGate(nn.Module):
    r"""The per-candidate attention gate of Gated Symile (Rheude, Hegselmann, Eils, Wild, 2026).

    Variant implemented: the attention-based, per-candidate gate with a sigmoid gate, the NULL option,
    trainable random neutral directions and renormalisation (the reference code
    ``TillmannRheude/gated_symile``, class ``ModalityAttentionGate`` with ``gate_mode="attention"``,
    ``gate_type="sigmoid"``, ``use_null=True``, ``neutral_type="random_trainable"``, ``renormalize=True``),
    with the query of the attention taken from the *candidate* (the target's row j) and the key from the
    query row i, so that every (query, candidate) pair has its own gate. For a target modality t with
    candidate embedding :math:`c` and a query modality m with embedding :math:`e_m`,

    .. math::

        \tau = \operatorname{softplus}(\log\tau_0) + 0.1, \qquad
        w_m = \sigma\Bigl(\frac{\hat q_t(c) \cdot \hat k_m(e_m)}{\tau}\Bigr)
              \Bigl(1 - \sigma\Bigl(\frac{h(c) + \nu_t}{\tau}\Bigr)\Bigr), \\
        g_m = \frac{(1 - \alpha(1 - w_m))\, e_m + \alpha (1 - w_m)\, \hat n_m}
                   {\bigl\|(1 - \alpha(1 - w_m))\, e_m + \alpha (1 - w_m)\, \hat n_m\bigr\|},
        \qquad \alpha = \sigma(\beta),

    where :math:`\hat q_t, \hat k_m` are L2-normalised linear projections to ``d_k`` (per modality, no
    bias), :math:`h` the NULL head (LayerNorm, Linear, ReLU, Linear to 1) and :math:`\nu_t` a learned NULL
    logit (so a candidate can switch every query modality off), :math:`\hat n_m` a learned unit "neutral"
    direction, :math:`\beta` the learned gate strength (initial -3 here, so the gate starts almost open:
    :math:`\alpha = 0.047`) and :math:`\tau_0` the temperature init (0.7 here). The target itself is not
    gated (weight 1). The initial values are this implementation's defaults: the reference class's own
    defaults are :math:`\tau_0 = 1`, :math:`\beta = -6` and a softmax gate (the values its experiments
    pass were not re-checked here).

    Parameters
    ----------
    m : int
        Number of modalities M (>= 2).
    rep_dim : int
        Representation width d.
    d_k : int
        Width of the attention projections (256, the reference default).
    temperature_init, gate_strength_init : float
        :math:`\tau_0` and :math:`\beta` at initialisation.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> gate = SymileGate(3, 4, d_k=8)
    >>> round(float(torch.sigmoid(gate.logit_gate_strength.detach())), 4), tuple(gate.neutral.shape)
    (0.0474, (3, 4))
    """

    def __init__(
        self,
        m: int,
        rep_dim: int,
        *,
        d_k: int = 256,
        temperature_init: float = 0.7,
        gate_strength_init: float = -3.0,
    ):
        super().__init__()
        m, rep_dim, d_k = as_int(m, "m", minimum=2), as_int(rep_dim, "rep_dim"), as_int(d_k, "d_k")
        temperature_init = as_real(temperature_init, "temperature_init", what="a finite number > 0")
        if temperature_init <= 0:
            raise ValueError(f"temperature_init must be a finite number > 0, got {temperature_init!r}")
        gate_strength_init = as_real(gate_strength_init, "gate_strength_init")
        self.m, self.rep_dim, self.d_k = m, rep_dim, d_k
        self.q_proj = nn.ModuleList([nn.Linear(rep_dim, d_k, bias=False) for _ in range(m)])
        self.k_proj = nn.ModuleList([nn.Linear(rep_dim, d_k, bias=False) for _ in range(m)])
        self.null_head = nn.Sequential(
            nn.LayerNorm(rep_dim), nn.Linear(rep_dim, d_k), nn.ReLU(), nn.Linear(d_k, 1)
        )
        self.null_logit = nn.Parameter(torch.zeros(m))
        self.neutral = nn.Parameter(F.normalize(torch.randn(m, rep_dim), dim=1, eps=1e-6))
        self.log_temp = nn.Parameter(torch.tensor(float(temperature_init)).log())
        self.logit_gate_strength = nn.Parameter(torch.tensor(float(gate_strength_init)))

    def extra_repr(self) -> str:
        return f"m={self.m}, rep_dim={self.rep_dim}, d_k={self.d_k}"

    def weights(self, target: int, queries: dict[int, torch.Tensor], candidates: torch.Tensor):
        """Gate weights :math:`w_m` (N, C) of every query modality m for every (query row, candidate).

        ``queries`` maps each query modality m (!= ``target``) to its (N, d) embeddings, ``candidates``
        holds the target's (C, d) embeddings. Also returns :math:`\\alpha` (0-dim).
        """
        temp = F.softplus(self.log_temp) + 0.1
        q = F.normalize(self.q_proj[target](candidates), dim=-1, eps=1e-6)  # (C, d_k)
        null = (self.null_head(candidates).squeeze(-1) + self.null_logit[target]) / temp  # (C,)
        keep = 1.0 - torch.sigmoid(null)  # (C,) probability that the candidate does not pick NULL
        out = {}
        for k, e in queries.items():
            key = F.normalize(self.k_proj[k](e), dim=-1, eps=1e-6)  # (N, d_k)
            out[k] = torch.sigmoid(key @ q.T / temp) * keep[None, :]  # (N, C)
        return out, torch.sigmoid(self.logit_gate_strength)

    def neutral_directions(self) -> torch.Tensor:
        """The unit neutral directions (M, d)."""
        return F.normalize(self.neutral, dim=1, eps=1e-6)


def _check_gate(gate, m_count: int, rep_dim: int) -> SymileGate:
    if not isinstance(gate, SymileGate):
        raise TypeError(f"gate must be a SymileGate, got {type(gate).__name__}")
    if gate.m != m_count or gate.rep_dim != rep_dim:
        raise ValueError(
            f"gate was built for M = {gate.m}, d = {gate.rep_dim} but the representations have "
            f"M = {m_count}, d = {rep_dim}"
        )
    return gate


def _gated_mip(gate: SymileGate, target: int, queries: dict[int, torch.Tensor], candidates: torch.Tensor):
    r"""Unscaled gated MIP (N, C): :math:`\hat c_j \cdot \bigodot_m g_m(i, j)`, and the gate coefficients.

    Never materialises the (N, C, d) gated embeddings: with :math:`g_m = (A_m e_m + B_m n_m) / Z_m`, the
    product over the query modalities expands into :math:`2^{M-1}` terms, one per subset S of modalities
    that contribute their embedding (the rest their neutral direction), each a single (N, d) x (d, C)
    product: :math:`\sum_S \prod_{m \in S} A_m \prod_{m \notin S} B_m\,
    [(\bigodot_{m \in S} e_m \odot \bigodot_{m \notin S} n_m) \cdot \hat c] / \prod_m Z_m`.
    """
    w, alpha = gate.weights(target, queries, candidates)
    neutral = gate.neutral_directions()  # (M, d)
    cand = F.normalize(candidates, dim=-1, eps=1e-6)  # (C, d): the (ungated) target, renormalised
    order = sorted(queries)
    coef_e, coef_n, norm = {}, {}, {}
    for k in order:
        e, n_k = queries[k], neutral[k]
        coef_e[k] = 1.0 - alpha * (1.0 - w[k])  # (N, C) weight of the embedding
        coef_n[k] = alpha * (1.0 - w[k])  # (N, C) weight of the neutral direction
        ee = (e * e).sum(dim=1)[:, None]  # (N, 1)
        en = (e @ n_k)[:, None]  # (N, 1)
        sq = coef_e[k] ** 2 * ee + coef_n[k] ** 2 * (n_k @ n_k) + 2 * coef_e[k] * coef_n[k] * en
        norm[k] = sq.clamp_min(0).sqrt().clamp_min(1e-6)  # (N, C), F.normalize's floor
    total = None
    for picks in itertools.product((True, False), repeat=len(order)):
        vec = None  # (N, d) or (d,): elementwise product of the picked vectors
        coef = None  # (N, C)
        for k, use_e in zip(order, picks, strict=True):
            v = queries[k] if use_e else neutral[k]
            vec = v if vec is None else vec * v
            c_k = coef_e[k] if use_e else coef_n[k]
            coef = c_k if coef is None else coef * c_k
        dots = vec @ cand.T  # (N, C) or (C,)
        term = coef * (dots if dots.ndim == 2 else dots[None, :])
        total = term if total is None else total + term
    for k in order:
        total = total / norm[k]
    return total, coef_e, coef_n, norm


def gated_symile_loss(
    reps: Sequence[torch.Tensor],
    logit_scale,
    *,
    gate: SymileGate,
    distill_weight: float = 0.1,
    reduction: str = "mean",
) -> torch.Tensor:
    r"""Gated Symile loss: per-candidate gated MIP, target rows as candidates, plus a distillation term.

    For every target modality t, query row i (the other modalities of sample i) and candidate j (row j of
    the target), the score is the MIP of the target's candidate with the query modalities' *gated*
    embeddings :math:`g_m(i, j)` (:class:`SymileGate`):

    .. math::

        S^{(t)}_{ij} = s\ \hat r_t[j] \cdot \bigodot_{m \ne t} g_m(i, j), \qquad
        \mathcal{L} = \frac1M \sum_t \Bigl[\mathrm{CE}_{\mathrm{rows}}(S^{(t)})
        + \lambda \frac1M \sum_m \operatorname{MSE}\bigl(r_m, \operatorname{sg}[g_m(i, i)]\bigr)\Bigr]

    with :math:`\lambda` = ``distill_weight`` (0.1 by default; sg = stop-gradient, the positive's gated
    embeddings; the target's own term is :math:`\|r_t - \hat r_t\|^2 = 0`). This is the reference code's
    ``negative_sampling="pair"`` scheme (Rheude et al., "Hidden in the Multiplicative Interaction:
    Uncovering Fragility in Multimodal Contrastive Learning", arXiv:2604.05834, 2026) except that every
    other row of the batch is a negative (the code samples 128 with replacement) and without its
    deterministic-variance factor :math:`d^{(M-1)/2}` on the scores (a constant factor on the learned
    scale). With ``distill_weight=0`` the loss is a pure cross-entropy whose ``log N - loss`` bounds the
    mean over t of :math:`I(x_t; x_{-t})`.

    Parameters
    ----------
    reps : list of torch.Tensor
        M >= 2 tensors (N, d), L2-normalised by the caller.
    logit_scale : float or torch.Tensor
        Positive multiplier.
    gate : SymileGate
        The (learned) gate, built for this M and d.
    distill_weight : float
        :math:`\lambda` >= 0.
    reduction : {"mean", "sum", "none"}
        ``"none"``: the (N,) per-sample losses (their mean is the ``"mean"`` loss), ``"sum"`` their sum.

    Returns
    -------
    torch.Tensor
        Loss in nats on the device of ``reps``: a scalar, or (N,) for ``reduction="none"``.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> reps = [F.normalize(torch.randn(6, 4), dim=1) for _ in range(3)]
    >>> loss = gated_symile_loss(reps, 2.0, gate=SymileGate(3, 4, d_k=8))
    >>> loss.shape, bool(loss > 0)
    (torch.Size([]), True)
    """
    reps = check_reps(reps, min_rows=2)
    gate = _check_gate(gate, len(reps), reps[0].shape[1])
    distill_weight = as_real(distill_weight, "distill_weight", what="a finite number >= 0")
    if distill_weight < 0:
        raise ValueError(f"distill_weight must be a finite number >= 0, got {distill_weight!r}")
    check_reduction(reduction)
    scale = scale_like(logit_scale, reps[0])
    n, m_count = reps[0].shape[0], len(reps)
    labels = _labels(n, reps[0])
    neutral = gate.neutral_directions() if distill_weight > 0 else None
    losses = []
    for t in range(m_count):
        queries = {k: r for k, r in enumerate(reps) if k != t}
        raw, coef_e, coef_n, norm = _gated_mip(gate, t, queries, reps[t])  # (N, N): query i, candidate j
        loss = F.cross_entropy(scale * raw, labels, reduction="none")  # (N,)
        if distill_weight > 0:
            target_sg = F.normalize(reps[t], dim=-1, eps=1e-6).detach()  # the ungated target, renormalised
            mse = [((reps[t] - target_sg) ** 2).mean(dim=1)]  # (N,) per-row mean squared error
            for k, e in queries.items():
                diag = [torch.diagonal(x)[:, None] for x in (coef_e[k], coef_n[k], norm[k])]  # (N, 1)
                positive = (diag[0] * e + diag[1] * neutral[k]) / diag[2]  # (N, d) g_k(i, i)
                mse.append(((e - positive.detach()) ** 2).mean(dim=1))
            loss = loss + distill_weight * torch.stack(mse).mean(dim=0)
        losses.append(loss)
    return _reduce(torch.stack(losses).mean(dim=0), reduction)  # mean over targets, then rows



def gated_symile_scores(
    queries, candidates, logit_scale=1.0, *, gate: SymileGate, query_modalities, target: int, log_prior=None
):
    r"""Zero-shot scores of gated Symile: the per-candidate gated MIP (the training score, target = t).

    .. math:: S_{nc} = s\ \hat c_c \cdot \bigodot_{m \ne t} g_m(n, c) + \log \pi_c

    Every non-target modality must be a query. Arguments as in :func:`anchor_clip_scores`.
    """
    queries, candidates = _check_queries(queries, candidates)
    mods = _query_modalities(query_modalities, target, len(queries))
    gate = _check_gate(gate, len(queries) + 1, candidates.shape[1])
    if sorted([*mods, target]) != list(range(gate.m)):
        raise ValueError(f"gated Symile needs every modality but the target as a query, got {mods}")
    scale = scale_like(logit_scale, candidates)
    raw, *_ = _gated_mip(gate, target, dict(zip(mods, queries, strict=True)), candidates)
    return _add_prior(scale * raw, log_prior)
