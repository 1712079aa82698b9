"""Synthetic data that carries its exact information content.

Import rule: ``generators`` may import ``infotheory`` (and numpy/scipy/pandas), never
``symile_min`` or ``experiments``.

Every generator follows :class:`~generators.Sampler` (bmi's sampler style): a keyword-only constructor
that validates its parameters, ``names`` (its variables, in natural order), ``sample(n, rng)`` (``rng`` a
``numpy.random.Generator`` or an int seed; returns a dict name -> array), the exact truth as closed forms
(bits by default, keyword-only ``base=`` to change) and, where the support is finite, ``joint_pmf()``
(:class:`~generators.FiniteSampler`).

Zero-shot tasks with their exact truth: :mod:`generators.zero_shot` (the truth of predicting one variable
from all the others) and :mod:`generators.tasks` (:class:`~generators.tasks.ZeroShotTask`,
:func:`~generators.tasks.benchmark_tasks`: the contrastive-objectives benchmark's 13 tasks, to benchmark
your own objective against exact truth).
"""

from generators.disease import DiseaseTemperature
from generators.gaussian import GaussianTC
from generators.m3 import SyntheticM3
from generators.m3_media import MediaM3
from generators.parity import Parity
from generators.sampler import FiniteSampler, Sampler
from generators.tasks import ZeroShotTask, benchmark_tasks
from generators.xor import (
    BinaryXOR,
    decode_bits,
    encode_bits,
    xor_bayes_accuracy,
    xor_info_table,
)

__all__ = [
    "Sampler",
    "FiniteSampler",
    "BinaryXOR",
    "DiseaseTemperature",
    "GaussianTC",
    "Parity",
    "SyntheticM3",
    "MediaM3",
    "ZeroShotTask",
    "benchmark_tasks",
    "decode_bits",
    "encode_bits",
    "xor_bayes_accuracy",
    "xor_info_table",
]
