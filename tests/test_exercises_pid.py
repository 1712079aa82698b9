"""Every answer stated in docs/exercises_pid.md (session 5, PID) is re-computed here and must match.

Each exercise ends with a line ``**Answer (pidN):** `value` unit``. ``SOLUTIONS`` computes the same
quantity from scratch with the toolkit; the test compares it with the stated value to the precision the
value is written with. Adding an exercise means adding both.
"""

import re
from pathlib import Path

import numpy as np
import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "exercises_pid.md"
ANSWER = re.compile(r"\*\*Answer \((pid\d+)\):\*\*\s*`(-?\d+(?:\.\d+)?)`")


def _gate(table):
    """S1, S2 fair independent bits, T = table[S1][S2]; axes (S1, S2, T)."""
    p = np.zeros((2, 2, 1 + max(map(max, table))))
    for s1, s2 in np.ndindex(2, 2):
        p[s1, s2, table[s1][s2]] = 0.25
    return p


def _atoms(p, measure="imin", sources=(0, 1), target=2):
    from infotheory.pid import pid

    return [r["value"] for r in pid(p, list(sources), target, measure=measure)]


def pid1():  # I_min redundancy of AND
    return _atoms(_gate([[0, 0], [0, 1]]))[0]


def pid2():  # I_ccs synergy of AND
    return _atoms(_gate([[0, 0], [0, 1]]), "ccs")[3]


def pid3():  # COPY: I_min redundancy and BROJA unique information of S1 (both 1 bit)
    copy = _gate([[0, 1], [2, 3]])
    redundancy, unique = _atoms(copy)[0], _atoms(copy, "broja")[1]
    assert redundancy == pytest.approx(unique, abs=1e-9)
    return unique


def pid4():  # BROJA synergy of SUM
    return _atoms(_gate([[0, 1], [1, 2]]), "broja")[3]


def pid5():  # switched XOR d = 2, p = 0.3: synergy about c from (a, b)
    from generators import BinaryXOR

    return _atoms(BinaryXOR(d=2, p=0.3).joint_pmf())[3]


def pid6():  # I_ccs unique information of the imperfect copy S2
    p = np.zeros((2, 2, 2))
    p[0, 0, 0], p[0, 1, 0], p[1, 1, 1] = 0.499, 0.001, 0.5
    return _atoms(p, "ccs")[2]


def pid7():  # three-source parity: the top atom {123}
    from infotheory.examples import parity
    from infotheory.pid import pid

    return pid(parity(4), [0, 1, 2], 3)[-1]["value"]


SOLUTIONS = {f.__name__: f for f in (pid1, pid2, pid3, pid4, pid5, pid6, pid7)}


def _stated_answers():
    return dict(ANSWER.findall(DOC.read_text(encoding="utf-8")))


def test_every_exercise_has_exactly_one_stated_answer_and_a_solution():
    keys = [key for key, _ in ANSWER.findall(DOC.read_text(encoding="utf-8"))]
    assert len(keys) == len(set(keys)), "an exercise has more than one answer line"
    assert set(keys) == set(SOLUTIONS)


@pytest.mark.parametrize("key", sorted(SOLUTIONS, key=lambda k: int(k[3:])))
def test_stated_answer_matches_the_toolkit(key):
    stated = _stated_answers()[key]
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    computed = SOLUTIONS[key]()
    # the stated value is the computed one rounded to the decimals it is written with (integers: exact)
    tolerance = 0.5 * 10.0**-decimals + 1e-12 if decimals else 1e-9
    assert abs(float(stated) - computed) <= tolerance, (key, stated, computed)


def test_the_other_measures_keep_the_imperfect_copy_non_negative():
    # exercise 6's contrast: only I_ccs gives S2 a negative unique information
    p = np.zeros((2, 2, 2))
    p[0, 0, 0], p[0, 1, 0], p[1, 1, 1] = 0.499, 0.001, 0.5
    for measure in ("imin", "mmi", "broja"):
        assert _atoms(p, measure)[2] == pytest.approx(0.0, abs=1e-9)
