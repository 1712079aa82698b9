"""Synthetic data that carries its exact information content.

Import rule: ``generators`` may import ``infotheory`` (and numpy/scipy/pandas), never
``symile_min`` or ``experiments``.

Every generator has a keyword-only constructor that validates its parameters, ``sample(n, rng)``
(``rng`` a ``numpy.random.Generator`` or an int seed; returns a dict name -> array), the exact
truth as closed forms (bits by default, ``base=`` to change) and, where discrete, ``joint_pmf()``.
"""

from generators.disease import DiseaseTemperature
from generators.gaussian import GaussianTC
from generators.m3 import SyntheticM3
from generators.parity import Parity
from generators.xor import (
    BinaryXOR,
    decode_bits,
    encode_bits,
    xor_bayes_accuracy,
    xor_info_table,
)

__all__ = [
    "BinaryXOR",
    "DiseaseTemperature",
    "GaussianTC",
    "Parity",
    "SyntheticM3",
    "decode_bits",
    "encode_bits",
    "xor_bayes_accuracy",
    "xor_info_table",
]
