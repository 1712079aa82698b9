"""experiments/info.py prints the closed-form BinaryXOR table with its unit."""

from __future__ import annotations

import argparse
import math

import pytest

from experiments import info


def test_info_prints_the_paper_check_values_in_nats(capsys):
    assert info.main(["--d", "5", "--p", "0.5", "--base", "e"]) == 0
    out = capsys.readouterr().out
    assert "(nats)" in out.splitlines()[0]
    for value in ["1.1097", "1.6845", "2.7942", "0.515625", "0.031250"]:
        assert value in out


def test_info_defaults_to_bits(capsys):
    info.main([])
    out = capsys.readouterr().out
    assert "(bits)" in out and "4.0312" in out  # TC of d=5, p=0.5 in bits


@pytest.mark.parametrize(("text", "expected"), [("e", math.e), ("E", math.e), ("2", 2.0), ("10", 10.0)])
def test_parse_base(text, expected):
    assert info.parse_base(text) == expected


@pytest.mark.parametrize("text", ["1", "0", "-2", "x", "nan", "0.5"])  # regression: issue 10 (0.5)
def test_parse_base_rejects_bad_bases(text):
    with pytest.raises(argparse.ArgumentTypeError, match="base"):
        info.parse_base(text)


def test_invalid_p_exits_with_a_clear_message(capsys):
    with pytest.raises(SystemExit) as exc:
        info.main(["--p", "1.5"])
    assert exc.value.code == 2
    assert "argument --p: must be a probability in [0, 1], got '1.5'" in capsys.readouterr().err
