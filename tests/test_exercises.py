"""Every answer stated in docs/exercises.md is re-computed here with the toolkit and must match.

Each exercise in the Markdown ends with a line ``**Answer (exN):** `value` unit``. ``SOLUTIONS`` below
computes the same quantity from scratch; the test parses the stated value and compares it to the
computed one to the precision it is written with. Adding an exercise means adding both.
"""

import re
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "exercises.md"
ANSWER = re.compile(r"\*\*Answer \((ex\d+)\):\*\*\s*`(-?\d+(?:\.\d+)?)`")


def _thermometer_pmf(noise=0.2):
    """p(y, t, r) of notebook 1: the disease/temperature table and a reading r that is t w.p. 1 - noise."""
    from generators import DiseaseTemperature

    p_yt = DiseaseTemperature().joint_pmf()
    p_r_given_t = np.full((4, 4), noise / 3) + np.eye(4) * (1 - noise - noise / 3)
    return p_yt[:, :, None] * p_r_given_t[None, :, :]


def _gate(f):
    p = np.zeros((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            p[x, y, f(x, y)] = 0.25
    return p


def ex1():  # entropy of a coin with P(heads) = 0.1
    from infotheory import entropy

    return entropy(np.array([0.1, 0.9]))


def ex2():  # H(y | t) for the disease/temperature table
    from generators import DiseaseTemperature
    from infotheory import entropy

    return entropy(DiseaseTemperature().joint_pmf(), 0, given=1)


def ex3():  # I(y; r) for the noisy thermometer
    from infotheory import mutual_information

    return mutual_information(_thermometer_pmf(), 0, 2)


def ex4():  # co-information of (X, Y, X AND Y)
    from infotheory import co_information

    return co_information(_gate(lambda x, y: x & y))


def ex5():  # O-information of 5-bit parity, by enumeration
    from generators import Parity
    from infotheory import o_information

    return o_information(Parity(m=5).joint_pmf())


def ex6():  # interaction information of X = Y = Z (one fair bit)
    from infotheory import interaction_information

    p = np.zeros((2, 2, 2))
    p[0, 0, 0] = p[1, 1, 1] = 0.5
    return interaction_information(p)


def ex7():  # I(a; b | c) for BinaryXOR d = 2, p = 0.3, by enumeration
    from generators import BinaryXOR
    from infotheory import conditional_mutual_information

    return conditional_mutual_information(BinaryXOR(d=2, p=0.3).joint_pmf(), 0, 1, 2)


def ex8():  # total correlation of BinaryXOR d = 2, p = 0.3, by enumeration
    from generators import BinaryXOR
    from infotheory import total_correlation

    return total_correlation(BinaryXOR(d=2, p=0.3).joint_pmf())


def ex9():  # the p at which I(a;c) = I(a;b|c) for d = 1
    from scipy.optimize import brentq

    from generators import xor_info_table

    def gap(p):
        t = xor_info_table(1, p)
        return float(t["I(a;c)"] - t["I(a;b|c)"])

    return brentq(gap, 1e-9, 1 - 1e-9, xtol=1e-12)


def ex10():  # Bayes accuracy of predicting b from (a, c), d = 5, p = 0.5
    from generators import BinaryXOR

    return BinaryXOR(d=5, p=0.5).bayes_accuracy()


def ex11():  # I(x0; x1) for two unit Gaussians with correlation 0.8
    from generators import GaussianTC

    return GaussianTC(dims=(1, 1), correlation=0.8).total_correlation()


SOLUTIONS = {f.__name__: f for f in (ex1, ex2, ex3, ex4, ex5, ex6, ex7, ex8, ex9, ex10, ex11)}


def _stated_answers():
    return {key: value for key, value in ANSWER.findall(DOC.read_text(encoding="utf-8"))}


def test_every_exercise_has_exactly_one_stated_answer_and_a_solution():
    found = ANSWER.findall(DOC.read_text(encoding="utf-8"))
    keys = [key for key, _ in found]
    assert len(keys) == len(set(keys)), "an exercise has more than one answer line"
    assert set(keys) == set(SOLUTIONS)


@pytest.mark.parametrize("key", sorted(SOLUTIONS, key=lambda k: int(k[2:])))
def test_stated_answer_matches_the_toolkit(key):
    stated = _stated_answers()[key]
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    computed = SOLUTIONS[key]()
    # the stated value is the computed one rounded to the decimals it is written with (integers: exact)
    tolerance = 0.5 * 10.0**-decimals + 1e-12 if decimals else 1e-9
    assert abs(float(stated) - computed) <= tolerance, (key, stated, computed)
