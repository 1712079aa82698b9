r"""The contrastive loss core on precomputed scores: plug in any critic (e.g. an exact one).

The losses of :mod:`symile_min.losses` score tuples with ``logit_scale * MIP``; these functions take the
score tensors themselves, so that a critic that is not a multilinear inner product (the exact pointwise
total correlation :math:`\log p(x_1, \dots, x_M) / \prod_m p(x_m)` of a known pmf, see
:func:`symile_min.exact_critic_bound`) gets the same cross-entropies. All values in **nats**.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from ._checks import NEGATIVES, check_choice, check_score_tensors

__all__ = ["infonce_from_scores", "symile_loss_from_scores"]


def infonce_from_scores(scores: torch.Tensor, *, symmetric: bool = False) -> torch.Tensor:
    r"""InfoNCE cross-entropy from a score matrix whose positive for row i is column i.

    .. math::

        \mathrm{CE}_{\mathrm{rows}} = \frac1N \sum_i \Bigl[\log \sum_j e^{S_{ij}} - S_{ii}\Bigr]

    Parameters
    ----------
    scores : torch.Tensor
        Real floating (N, K) with K >= N >= 2, finite; scores already include any scale (e.g. an exact
        critic's log density ratio).
    symmetric : bool
        If True (square ``scores`` only), return ``(CE_rows + CE_cols) / 2``.

    Returns
    -------
    torch.Tensor
        Scalar, nats.

    Examples
    --------
    >>> import math
    >>> float(round(infonce_from_scores(torch.zeros(4, 4)).item(), 6)) == round(math.log(4), 6)
    True
    """
    (scores,) = check_score_tensors(scores, name="scores")  # real floating, N >= 2 rows, finite
    n, k = scores.shape if scores.ndim == 2 else (scores.shape[0], -1)
    if scores.ndim != 2 or k < n:
        raise ValueError(f"scores must have shape (N, K) with K >= N >= 2, got {tuple(scores.shape)}")
    labels = torch.arange(n, device=scores.device)
    rows = F.cross_entropy(scores, labels)
    if not symmetric:
        return rows
    if k != n:
        raise ValueError(f"symmetric=True needs a square score matrix, got shape {tuple(scores.shape)}")
    return (rows + F.cross_entropy(scores.T, labels)) / 2


def symile_loss_from_scores(scores: Sequence[torch.Tensor], *, negatives: str = "n") -> torch.Tensor:
    r"""Symile loss (mean over anchors of InfoNCE) from precomputed per-anchor score tensors.

    Parameters
    ----------
    scores : list of torch.Tensor
        One real floating tensor per anchor modality m (M >= 2, one dtype and device, one N >= 2, finite),
        scores already scaled (e.g. the exact critic
        :math:`\log p(x_1..x_M) / \prod_m p(x_m)`). For ``"n"``: shape (N, N), row i = anchor sample i,
        column j = its j-th candidate, the positive at j = i. For ``"n_squared"``: shape (N,) * M with the
        anchor axis first and then one axis per non-anchor modality in index order; the positive of row i
        is at (i, i, ..., i) and every other entry is a negative.
    negatives : {"n", "n_squared"}
        Layout of ``scores`` (above).

    Returns
    -------
    torch.Tensor
        Scalar, nats.

    Examples
    --------
    >>> import math
    >>> s = [torch.zeros(4, 4, 4) for _ in range(3)]  # uninformative critic: loss = log N^2
    >>> float(round(symile_loss_from_scores(s, negatives="n_squared").item(), 6)) == round(math.log(16), 6)
    True
    """
    check_choice("negatives", negatives, NEGATIVES)
    if isinstance(scores, torch.Tensor):
        raise TypeError("scores must be a list of at least 2 per-anchor score tensors, got one tensor")
    scores = check_score_tensors(scores, name="scores", min_count=2)  # one dtype, device and N; finite
    losses = []
    for m, s in enumerate(scores):
        if negatives == "n":
            if not isinstance(s, torch.Tensor) or s.ndim != 2 or s.shape[0] != s.shape[1]:
                raise ValueError(f"scores[{m}] must be a square (N, N) tensor for negatives='n'")
            losses.append(infonce_from_scores(s))
            continue
        if not isinstance(s, torch.Tensor) or s.ndim != len(scores) or len(set(s.shape)) != 1:
            raise ValueError(
                f"scores[{m}] must have shape (N,) * {len(scores)} for negatives='n_squared', "
                f"got {tuple(getattr(s, 'shape', ()))}"
            )
        n = s.shape[0]
        flat = s.reshape(n, -1)  # (N, N^(M-1))
        stride = sum(n**k for k in range(len(scores) - 1))
        diag = torch.arange(n, device=s.device) * stride  # (N,) flat index of (i, ..., i)
        losses.append(_ce_at(flat, diag))
    return torch.stack(losses).mean()


def _ce_at(flat: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(flat, target)  # (N, K) scores already checked finite
