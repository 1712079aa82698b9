r"""Zero-shot tasks with exact truth: a generator, the predicted variable, the encoder inputs, the candidates.

A :class:`ZeroShotTask` says which generator with which parameters (``kind``, ``params``), which variable
is predicted from all the others (``target``), how samples become encoder inputs (:meth:`~ZeroShotTask.draw`:
one float/uint8 array per variable, first axis ``n``), which values the target can take
(:meth:`~ZeroShotTask.candidates`, or ``None`` for in-batch retrieval of a continuous target) and the exact
truth of the task (:meth:`~ZeroShotTask.truth`: :func:`generators.zero_shot.zero_shot_truth`, information in
bits by default, keyword-only ``base=``). :func:`benchmark_tasks` lists the 13 tasks of the contrastive
objectives benchmark (``experiments/objectives.py``; ``docs/objectives.md``): benchmark your own objective
on them against exact truth.

The kinds, and the keys their ``params`` must hold:

* ``"xor"``: ``d``, ``p``: :class:`~generators.BinaryXOR`, the switched XOR (``p = 0`` copies ``a`` to ``c``);
* ``"missing"``: ``d``, ``p``, ``completeness``: a :class:`~generators.BinaryXOR` whose training rows miss
  each modality with probability ``1 - completeness`` (the inputs carry an observed-indicator column);
* ``"parity"``: ``m``: :class:`~generators.Parity`;
* ``"gaussian"``: ``dims``, ``tc_bits``: :meth:`generators.GaussianTC.from_total_correlation`;
* ``"m3"``: ``w``, ``n_classes``, ``audio_noise``: :class:`~generators.SyntheticM3` (target 2, the image).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping

import numpy as np

from generators._common import as_rng, check_int, check_n, check_probability
from generators.gaussian import GaussianTC
from generators.m3 import SyntheticM3
from generators.parity import Parity
from generators.xor import BinaryXOR
from generators.zero_shot import zero_shot_truth

__all__ = ["KINDS", "QUICK_TASKS", "ZeroShotTask", "benchmark_tasks"]

#: kind -> the keys its ``params`` must hold
KINDS = {
    "xor": ("d", "p"),
    "missing": ("d", "p", "completeness"),
    "parity": ("m",),
    "gaussian": ("dims", "tc_bits"),
    "m3": ("w", "n_classes", "audio_noise"),
}
#: the tasks of the quick benchmark: higher-order, purely pairwise, an unreliable modality
QUICK_TASKS = ("copy", "parity_m3", "unreliable")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ZeroShotTask:
    r"""Predict variable ``target`` of a generator from all its other variables, with the exact truth.

    Parameters
    ----------
    name : str
        A non-empty label (e.g. ``"parity_m3"``).
    kind : str
        One of :data:`KINDS` (see the module docstring for the generator of each).
    params : mapping
        The generator's parameters: exactly the keys ``KINDS[kind]``; their values are validated by the
        generator (a ``ValueError`` naming the bad value).
    target : int
        Index of the predicted variable in ``generator().names``; 2 (the image) for ``kind="m3"``.

    Notes
    -----
    ``ZeroShotTask(**task.to_dict())`` is ``task`` again (the JSON form of a config). Equal tasks hash
    alike (``params`` does not enter the hash).

    Examples
    --------
    >>> task = ZeroShotTask(name="xor", kind="parity", params={"m": 3}, target=2)
    >>> task.names, [x.shape for x in task.draw(4, seed=0)], task.candidates().ravel().tolist()
    (('x0', 'x1', 'x2'), [(4, 1), (4, 1), (4, 1)], [0, 1])
    >>> truth = task.truth()  # bits: all the information is three-way
    >>> truth["bayes"], truth["chance"], truth["TC"]
    (1.0, 0.5, 1.0)
    >>> ZeroShotTask(name="xor", kind="parity", params={"m": 3, "d": 5}, target=2)
    Traceback (most recent call last):
    ...
    ValueError: params of kind 'parity' must hold exactly the keys ['m'], got unknown keys ['d']
    """

    name: str
    kind: str
    params: Mapping = dataclasses.field(hash=False)
    target: int

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty str, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        if not isinstance(self.params, Mapping):
            raise ValueError(f"params must be a mapping of {list(KINDS[self.kind])}, got {self.params!r}")
        keys = KINDS[self.kind]
        unknown, missing = (
            [k for k in self.params if k not in keys],
            [k for k in keys if k not in self.params],
        )
        if unknown or missing:
            detail = ", ".join(
                f"{what} keys {names}"
                for what, names in (("unknown", unknown), ("missing", missing))
                if names
            )
            raise ValueError(
                f"params of kind {self.kind!r} must hold exactly the keys {list(keys)}, got {detail}"
            )
        params = copy.deepcopy(dict(self.params))  # the task owns its params
        if self.kind == "gaussian":  # a list (the JSON form), so that a tuple and a list give equal tasks
            if not isinstance(params["dims"], list | tuple):
                raise ValueError(f"params['dims'] must be a list of positive ints, got {params['dims']!r}")
            params["dims"] = list(params["dims"])
        if self.kind == "missing" and params["completeness"] == 0:
            raise ValueError(
                f"params['completeness'] must be in (0, 1], got {params['completeness']!r} (no row observed)"
            )
        object.__setattr__(self, "params", params)
        try:
            names = self.generator().names  # the generator validates the values
        except ValueError as err:
            raise ValueError(f"bad params {params!r} of kind {self.kind!r}: {err}") from err
        object.__setattr__(
            self,
            "target",
            check_int("target", self.target, low=0, high=len(names) - 1, why=f"the variables are {names}"),
        )
        if self.kind == "m3" and self.target != 2:
            raise ValueError(f"target must be 2 (the image) for kind 'm3', got {self.target!r}")

    def to_dict(self) -> dict:
        """The task as a plain dict ``{"name", "kind", "params", "target"}`` (a copy; JSON-ready)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "params": copy.deepcopy(self.params),
            "target": self.target,
        }

    def generator(self, *, complete: bool = False):
        """The task's generator; ``complete=True`` drops the missingness of ``kind="missing"`` (test data).

        Returns
        -------
        BinaryXOR, Parity, GaussianTC or SyntheticM3
        """
        p = self.params
        if self.kind == "xor":
            return BinaryXOR(d=p["d"], p=p["p"])
        if self.kind == "missing":
            completeness = check_probability("completeness", p["completeness"])
            p_missing = 0.0 if complete else round(1.0 - completeness, 10)
            return BinaryXOR(d=p["d"], p=p["p"], p_missing=p_missing)
        if self.kind == "parity":
            return Parity(m=p["m"])
        if self.kind == "gaussian":
            return GaussianTC.from_total_correlation(tuple(p["dims"]), p["tc_bits"])
        return SyntheticM3(w=p["w"], n_classes=p["n_classes"], audio_noise=p["audio_noise"])

    @property
    def names(self) -> tuple[str, ...]:
        """The variables (modalities) of the generator, in the order of :meth:`draw`."""
        return self.generator().names

    @property
    def modalities(self) -> int:
        """The number of variables."""
        return len(self.names)

    def draw(self, n: int, seed, *, complete: bool = False) -> list[np.ndarray]:
        """The encoder inputs of ``n`` samples drawn with ``seed``: one array per variable, first axis ``n``.

        The generator's samples as they are, except: parity bits become (n, 1) columns; with
        ``kind="missing"`` each variable is (n, d + 1) float64, its d bits (0 where the row is missing, the
        generator's placeholder) and an observed indicator (1 = observed), the layout of
        ``symile_min.with_missingness`` with placeholder 0. ``complete=True`` draws complete rows (indicator
        1 everywhere; for the test sets). Same ``seed``, same arrays.

        Parameters
        ----------
        n : int
            Number of samples, ``>= 0``.
        seed : int or numpy.random.Generator
            An int seed in ``[0, 2**63)`` (``numpy.random.default_rng(seed)``) or a Generator.
        complete : bool, default False
            Draw without missingness (only changes ``kind="missing"``).

        Returns
        -------
        list of numpy.ndarray
            One (n, input_dim) array per variable, in the order of :attr:`names`.

        Examples
        --------
        >>> params = {"d": 2, "p": 1.0, "completeness": 0.5}
        >>> task = ZeroShotTask(name="missing", kind="missing", params=params, target=1)
        >>> [x.shape for x in task.draw(3, 0)], task.draw(3, 0, complete=True)[0][:, -1].tolist()
        ([(3, 3), (3, 3), (3, 3)], [1.0, 1.0, 1.0])
        """
        n = check_n(n)
        gen = self.generator(complete=complete)
        sample = gen.sample(n, as_rng(seed, name="seed"))
        if self.kind == "missing":
            observed = {k: sample.get(f"mask_{k}", np.ones(n, dtype=bool)) for k in gen.names}  # (n,) each
            return [
                np.concatenate(
                    [sample[k].astype(np.float64), observed[k][:, None].astype(np.float64)], axis=1
                )
                for k in gen.names
            ]
        if self.kind == "parity":
            return [sample[k][:, None] for k in gen.names]  # (n, 1): one bit per modality
        return [sample[k] for k in gen.names]

    def candidates(self) -> np.ndarray | None:
        """Every value the target can take, as encoder inputs, or ``None`` (in-batch retrieval, Gaussian).

        Returns
        -------
        numpy.ndarray or None
            (2^d, d) bit vectors for ``xor`` (with an indicator column of ones, (2^d, d + 1), for
            ``missing``), ``[[0], [1]]`` for ``parity``, the (K, K) one-hot images for ``m3``.

        Examples
        --------
        >>> ZeroShotTask(name="c", kind="xor", params={"d": 2, "p": 0.0}, target=2).candidates().tolist()
        [[0, 0], [1, 0], [0, 1], [1, 1]]
        """
        p = self.params
        if self.kind in ("xor", "missing"):
            every = self.generator(complete=True).decode(np.arange(2 ** p["d"]))  # (2^d, d)
            return every if self.kind == "xor" else np.concatenate([every, np.ones((2 ** p["d"], 1))], axis=1)
        if self.kind == "parity":
            return np.array([[0], [1]], dtype=np.uint8)
        return np.eye(p["n_classes"], dtype=np.float32) if self.kind == "m3" else None

    def truth(self, *, retrieval_batch: int = 100, base: float = 2) -> dict:
        """The exact truth of the task on complete data: :func:`generators.zero_shot.zero_shot_truth`.

        Parameters
        ----------
        retrieval_batch : int, default 100
            Candidates per query of the in-batch retrieval of a ``gaussian`` task (``>= 2``).
        base : float, default 2
            Logarithm base of the information values (keyword-only): bits by default.

        Returns
        -------
        dict
            ``"bayes"``, ``"chance"`` (fractions in [0, 1]), ``"TC"``, ``"pairs"``, ``"one_vs_rest"``
            (information in bits by default); pass it to :func:`generators.zero_shot.bound_targets`.
        """
        return zero_shot_truth(
            self.generator(complete=True), self.target, retrieval_batch=retrieval_batch, base=base
        )


def benchmark_tasks(*, quick: bool = False) -> tuple[ZeroShotTask, ...]:
    r"""The tasks of the contrastive objectives benchmark (``experiments/objectives.py``), in its order.

    Switched XOR of 5-bit vectors predicting ``b`` with the switch on with probability 0.25, 0.5 and 1
    (``xor_p*``) and off (``copy``: c = a, predicting c); parity over 3, 4, 5 bits (``parity_m*``, predicting
    the last); three 2-dimensional Gaussian blocks with a total correlation of 4 bits (``gaussian``, in-batch
    retrieval of the last block); symbolic Symile-M3 with 10 classes and 2, 5, 10 languages (``m3_w*``);
    the switched XOR (p = 1) with half the training rows' modalities missing (``missing``); M3 with half the
    audio replaced by noise (``unreliable``). ``quick=True`` keeps :data:`QUICK_TASKS`.

    Returns
    -------
    tuple of ZeroShotTask
        13 tasks, or 3 with ``quick=True``.

    Examples
    --------
    >>> [t.name for t in benchmark_tasks(quick=True)]
    ['copy', 'parity_m3', 'unreliable']
    >>> tasks = benchmark_tasks()
    >>> len(tasks), tasks[4].name, tasks[4].truth()["TC"]  # bits
    (13, 'parity_m3', 1.0)
    """
    m3 = {"n_classes": 10, "audio_noise": 0.0}
    rows = [
        ("xor_p0.25", "xor", {"d": 5, "p": 0.25}, 1),
        ("xor_p0.5", "xor", {"d": 5, "p": 0.5}, 1),
        ("xor_p1", "xor", {"d": 5, "p": 1.0}, 1),
        ("copy", "xor", {"d": 5, "p": 0.0}, 2),
        ("parity_m3", "parity", {"m": 3}, 2),
        ("parity_m4", "parity", {"m": 4}, 3),
        ("parity_m5", "parity", {"m": 5}, 4),
        ("gaussian", "gaussian", {"dims": [2, 2, 2], "tc_bits": 4.0}, 2),
        ("m3_w2", "m3", {"w": 2, **m3}, 2),
        ("m3_w5", "m3", {"w": 5, **m3}, 2),
        ("m3_w10", "m3", {"w": 10, **m3}, 2),
        ("missing", "missing", {"d": 5, "p": 1.0, "completeness": 0.5}, 1),
        ("unreliable", "m3", {"w": 2, "n_classes": 10, "audio_noise": 0.5}, 2),
    ]
    tasks = tuple(ZeroShotTask(name=n, kind=k, params=p, target=t) for n, k, p, t in rows)
    return tuple(t for t in tasks if t.name in QUICK_TASKS) if quick else tasks
