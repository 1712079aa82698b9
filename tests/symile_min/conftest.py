"""Shared fixtures of the symile_min tests: a hand-made model that *is* the optimal critic of 3-bit XOR."""

import math

import numpy as np
import pytest
import torch

from symile_min import SymileModel


def _xor_bits(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 2, (2, n, 1))
    return [a, b, a ^ b]


@pytest.fixture
def xor_bits():
    """``xor_bits(n, seed)``: a, b fair bits and c = a XOR b, each an (n, 1) int array."""
    return _xor_bits


@pytest.fixture
def xor_pmf() -> np.ndarray:
    """Joint pmf (2, 2, 2) of ``xor_bits``: 1/4 on each tuple with c = a XOR b."""
    p = np.zeros((2, 2, 2))
    for a in range(2):
        for b in range(2):
            p[a, b, a ^ b] = 0.25
    return p


@pytest.fixture
def xor_critic_model():
    """``make(method)``: linear encoders r_a = 2a - 1, r_b = 2b - 1, r_c = 1 - 2c (rep_dim 1, so +-1 after
    normalisation) and scale 100: MIP = +1 exactly on the XOR tuples, -1 off them -- the paper's hardcoded
    encoders, a scaled version of XOR's optimal critic (pointwise TC log 2 on the support, -inf off it)."""

    def make(method=None, negatives=None) -> SymileModel:
        model = SymileModel(
            [1, 1, 1], rep_dim=1, logit_scale_init=math.log(100.0), method=method, negatives=negatives
        )
        with torch.no_grad():
            for enc, (w, b) in zip(model.encoders, [(2.0, -1.0), (2.0, -1.0), (-2.0, 1.0)], strict=True):
                enc.weight.fill_(w)
                enc.bias.fill_(b)
        return model.eval()

    return make
