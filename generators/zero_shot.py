r"""Exact truth of a zero-shot task on a generator: predict one variable (the ``target``) from all the others.

:func:`zero_shot_truth` gives the accuracy of the Bayes rule and of the best query-free guess, the total
correlation, every pairwise mutual information and every :math:`I(x_a; x_{-a})`;
:func:`bound_targets` turns these into the exact value of each ``bound_target`` of the contrastive objectives
(``"TC"``, ``"pairwise_sum"``, ``"anchor_sum"``, ``"one_vs_rest"``); :func:`gaussian_retrieval_accuracy` is
the in-batch retrieval accuracy of the exact critic of a :class:`~generators.GaussianTC` (the Bayes rule of
a continuous target, a seeded Monte Carlo estimate). Information in bits by default (``base=``
keyword-only); accuracies are fractions in [0, 1].
"""

from __future__ import annotations

import numpy as np

from generators._common import as_rng, check_base, check_int
from generators.gaussian import GaussianTC
from generators.m3 import SyntheticM3
from generators.sampler import FiniteSampler

__all__ = ["GAUSSIAN_RETRIEVAL_ROWS", "zero_shot_truth", "bound_targets", "gaussian_retrieval_accuracy"]

#: fresh rows of the Monte Carlo estimate of :func:`gaussian_retrieval_accuracy` (se <= 0.0035)
GAUSSIAN_RETRIEVAL_ROWS = 20_000


def zero_shot_truth(gen, target: int, *, retrieval_batch: int = 100, base: float = 2) -> dict:
    r"""Exact reference values of predicting variable ``target`` of ``gen`` from all its other variables.

    With :math:`q = x_{-t}` the query (every variable but the target :math:`t`):

    .. math::
        \mathrm{bayes} = \sum_q \max_{x_t} p(q, x_t), \qquad \mathrm{chance} = \max_{x_t} p(x_t), \qquad
        \mathrm{TC} = \sum_a H(x_a) - H(x), \\
        \mathrm{pairs}_{(a, b)} = I(x_a; x_b), \qquad
        \mathrm{one\_vs\_rest}_a = I(x_a; x_{-a}) = \mathrm{TC} - I(x_b; x_c) \ (M = 3).

    A :class:`~generators.FiniteSampler` is measured with :mod:`infotheory` on its ``joint_pmf()``; for
    three variables :math:`I(x_a; x_{-a})` comes from the chain rule :math:`\mathrm{TC} = I(x_a; x_b, x_c)
    + I(x_b; x_c)` (as above), otherwise from the pmf directly. A :class:`~generators.SyntheticM3` (target
    2, the image) uses its closed forms (``bayes_accuracy``, ``info_table``; :math:`I(\text{text};
    \text{audio}) = 0`: the text is i.i.d. whatever the language). A :class:`~generators.GaussianTC` uses
    its determinants; its target is continuous, so the zero-shot task is in-batch retrieval among
    ``retrieval_batch`` rows: ``bayes`` is :func:`gaussian_retrieval_accuracy` (a seeded Monte Carlo
    estimate) and ``chance`` is ``1 / retrieval_batch``.

    Parameters
    ----------
    gen : FiniteSampler, SyntheticM3 or GaussianTC
        The generator; its variables are ``gen.names``, in that order.
    target : int
        Index of the predicted variable in ``gen.names``.
    retrieval_batch : int, default 100
        Candidates per query of the Gaussian retrieval task (``>= 2``; unused otherwise).
    base : float, default 2
        Logarithm base of the information values (keyword-only): bits by default.

    Returns
    -------
    dict
        ``"bayes"``, ``"chance"`` (fractions), ``"TC"`` (float), ``"pairs"`` (dict ``(a, b) -> float`` for
        every ``a < b``), ``"one_vs_rest"`` (list of float, one per variable); information in bits by default.

    Examples
    --------
    >>> from generators import Parity
    >>> t = zero_shot_truth(Parity(m=3), 2)  # XOR: all the information is three-way
    >>> t["bayes"], t["chance"], t["TC"], max(t["pairs"].values()), t["one_vs_rest"]
    (1.0, 0.5, 1.0, 0.0, [1.0, 1.0, 1.0])
    """
    from infotheory import mutual_information, total_correlation
    from infotheory.decision import bayes_accuracy, query_table

    base = check_base(base)
    m_count = len(gen.names)
    target = check_int("target", target, low=0, high=m_count - 1, why=f"gen has variables {gen.names}")
    pairs_of = [(a, b) for a in range(m_count) for b in range(a + 1, m_count)]
    if isinstance(gen, GaussianTC):
        retrieval_batch = check_int("retrieval_batch", retrieval_batch, low=2)
        out = {
            "bayes": gaussian_retrieval_accuracy(gen, target, retrieval_batch),
            "chance": 1.0 / retrieval_batch,
            "TC": gen.total_correlation(base=base),
            "pairs": {(a, b): gen.mutual_information(a, b, base=base) for a, b in pairs_of},
        }
        if m_count != 3:
            out["one_vs_rest"] = [_gaussian_one_vs_rest(gen, a, base) for a in range(m_count)]
            return out
    elif isinstance(gen, SyntheticM3):
        if target != 2:
            raise ValueError(f"target must be 2 (the image) for SyntheticM3's closed forms, got {target!r}")
        info = gen.info_table(base=base)
        out = {
            "bayes": gen.bayes_accuracy(),
            "chance": gen.chance_accuracy(),
            "TC": info["I(image;text,audio)"],  # + I(text; audio) = 0
            "pairs": {(0, 1): 0.0, (0, 2): info["I(image;text)"], (1, 2): info["I(image;audio)"]},
        }
    elif isinstance(gen, FiniteSampler):
        pmf = gen.joint_pmf()
        others = tuple(k for k in range(m_count) if k != target)
        out = {
            "bayes": bayes_accuracy(query_table(pmf, others, target)),
            "chance": float(pmf.sum(axis=others).max()),
            "TC": total_correlation(pmf, base=base),
            "pairs": {(a, b): mutual_information(pmf, a, b, base=base) for a, b in pairs_of},
        }
        if m_count != 3:
            out["one_vs_rest"] = [
                mutual_information(pmf, a, tuple(k for k in range(m_count) if k != a), base=base)
                for a in range(m_count)
            ]
            return out
    else:
        raise TypeError(
            f"gen must be a FiniteSampler (with joint_pmf), a SyntheticM3 or a GaussianTC, "
            f"got {type(gen).__name__}"
        )
    # three variables: I(x_a; x_b, x_c) = TC - I(x_b; x_c) (chain rule)
    pair = out["pairs"]
    out["one_vs_rest"] = [out["TC"] - pair[tuple(k for k in range(3) if k != a)] for a in range(3)]
    return out


def _gaussian_one_vs_rest(gen: GaussianTC, a: int, base: float) -> float:
    r""":math:`I(x_a; x_{-a}) = \tfrac12(\log\det R_{aa} + \log\det R_{-a,-a} - \log\det R)`, in ``base``."""
    R = gen.correlation_matrix
    blocks = gen._blocks()
    rest = np.concatenate([b for k, b in enumerate(blocks) if k != a])

    def logdet(idx):
        return np.linalg.slogdet(R[np.ix_(idx, idx)])[1]

    return float(0.5 * (logdet(blocks[a]) + logdet(rest) - np.linalg.slogdet(R)[1]) / np.log(base))


def bound_targets(truth: dict, target: int) -> dict:
    r"""The exact value of every ``bound_target`` of the contrastive objectives, from :func:`zero_shot_truth`.

    .. math::
        \mathrm{TC}, \qquad \mathrm{pairwise\_sum} = \sum_{a<b} I(x_a; x_b), \qquad
        \mathrm{anchor\_sum} = \sum_{k \ne t} I(x_t; x_k), \qquad
        \mathrm{one\_vs\_rest} = \frac1M \sum_a I(x_a; x_{-a}),

    with :math:`t` = ``target`` (the anchor of anchor-pairwise objectives): what Symile, CLIP,
    anchor-pairwise and GRAM / TRIANGLE / gated Symile bound (``symile_min.objective_modules``).

    Parameters
    ----------
    truth : dict
        The output of :func:`zero_shot_truth` (its information values, bits by default).
    target : int
        The predicted variable (the anchor).

    Returns
    -------
    dict
        ``"TC"``, ``"pairwise_sum"``, ``"anchor_sum"``, ``"one_vs_rest"``: floats in the unit of ``truth``.

    Examples
    --------
    >>> from generators import BinaryXOR
    >>> bound_targets(zero_shot_truth(BinaryXOR(d=1, p=1.0), 1), 1)  # XOR: nothing pairwise
    {'TC': 1.0, 'pairwise_sum': 0.0, 'anchor_sum': 0.0, 'one_vs_rest': 1.0}
    """
    pairs = truth["pairs"]
    m_count = len(truth["one_vs_rest"])
    target = check_int("target", target, low=0, high=m_count - 1)
    return {
        "TC": truth["TC"],
        "pairwise_sum": float(sum(pairs.values())),
        "anchor_sum": float(sum(v for k, v in pairs.items() if target in k)),
        "one_vs_rest": float(np.mean(truth["one_vs_rest"])),
    }


def gaussian_retrieval_accuracy(
    gen: GaussianTC, target: int, batch: int, *, rows: int = GAUSSIAN_RETRIEVAL_ROWS, seed=0
) -> float:
    r"""In-batch retrieval accuracy of the exact critic of a :class:`~generators.GaussianTC` (Monte Carlo).

    ``rows`` fresh samples are cut into batches of ``batch`` rows (a last partial batch is dropped). Within
    a batch, row i's query :math:`q_i` (every block but ``target``) scores candidate j by the exact log
    density ratio

    .. math::
        \log \frac{p(x_j \mid q_i)}{p(x_j)} = x_j^\top S^{-1} A q_i
        - \tfrac12 x_j^\top (S^{-1} - R_{tt}^{-1}) x_j + c(q_i), \qquad
        A = R_{tq} R_{qq}^{-1}, \quad S = R_{tt} - A R_{qt},

    and the Bayes rule picks the argmax (every candidate is drawn from the marginal, so there is no prior
    term); the accuracy is the fraction of rows whose own target wins. Computed on the latent Gaussian:
    per-block ``transforms`` are invertible and change nothing. Same ``seed``, same value.

    Parameters
    ----------
    gen : GaussianTC
    target : int
        The retrieved block.
    batch : int
        Candidates per query, ``>= 2`` (chance is ``1 / batch``).
    rows : int, default :data:`GAUSSIAN_RETRIEVAL_ROWS`
        Samples of the estimate, ``>= batch``; its standard error is at most
        :math:`\sqrt{1 / (4\,\mathrm{rows})}`.
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    float
        The accuracy, a fraction in [0, 1].

    Examples
    --------
    >>> g = GaussianTC.from_total_correlation((1, 1), 3.0)
    >>> acc = gaussian_retrieval_accuracy(g, 1, 10, rows=1000)
    >>> 0.1 < acc < 1.0
    True
    """
    if not isinstance(gen, GaussianTC):
        raise TypeError(f"gen must be a GaussianTC, got {type(gen).__name__}")
    target = check_int("target", target, low=0, high=len(gen.dims) - 1)
    batch = check_int("batch", batch, low=2)
    rows = check_int("rows", rows, low=batch, why=f"at least one batch of {batch}")
    R = gen.correlation_matrix
    blocks = gen._blocks()
    t_idx = blocks[target]
    q_idx = np.concatenate([b for k, b in enumerate(blocks) if k != target])
    A = R[np.ix_(t_idx, q_idx)] @ np.linalg.inv(R[np.ix_(q_idx, q_idx)])
    S_inv = np.linalg.inv(R[np.ix_(t_idx, t_idx)] - A @ R[np.ix_(q_idx, t_idx)])
    quad = S_inv - np.linalg.inv(R[np.ix_(t_idx, t_idx)])
    latent = GaussianTC(dims=gen.dims, correlation=R)  # without the transforms: the critic is on the latent
    sample = latent.sample(rows, as_rng(seed, name="seed"))
    x = np.concatenate([sample[k] for k in gen.names], axis=1)
    hits = []
    for start in range(0, rows - batch + 1, batch):
        xb = x[start : start + batch]
        xt, q = xb[:, t_idx], xb[:, q_idx]  # (B, d_t), (B, d_q)
        scores = (q @ A.T @ S_inv) @ xt.T - 0.5 * np.einsum("jd,de,je->j", xt, quad, xt)[None, :]  # (B, B)
        hits.append(scores.argmax(axis=1) == np.arange(batch))
    return float(np.concatenate(hits).mean())
