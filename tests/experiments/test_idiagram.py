"""Tests of the ``idiagram`` experiment: the files it writes and the numbers in them."""

import json

import pandas as pd
import pytest

from experiments import idiagram


@pytest.mark.parametrize(
    ("dist", "centre", "higher_order", "tc"),
    [("xor", -1.0, 1.0, 1.0), ("rdn", 1.0, -1.0, 2.0)],
)
def test_idiagram_writes_figure_csv_and_config(tmp_path, dist, centre, higher_order, tc):
    assert idiagram.main(["--dist", dist, "--out", str(tmp_path)]) == 0
    stem = f"idiagram_{dist}"
    for suffix in (".png", ".pdf", ".csv", "_config.json"):
        assert (tmp_path / f"{stem}{suffix}").is_file(), suffix
    frame = pd.read_csv(tmp_path / f"{stem}.csv")
    assert list(frame.columns) == ["kind", "quantity", "bits"]
    values = dict(zip(frame["quantity"], frame["bits"]))
    assert (frame["kind"] == "atom").sum() == 7
    assert values["I(X;Y;Z)"] == pytest.approx(centre, abs=1e-9)
    assert values["higher-order"] == pytest.approx(higher_order, abs=1e-9)
    assert values["TC"] == pytest.approx(tc, abs=1e-9)
    # the atoms add up to the joint entropy written beside them
    atoms = frame.loc[frame["kind"] == "atom", "bits"].sum()
    assert atoms == pytest.approx(values["H(X,Y,Z)"], abs=1e-9)
    config = json.loads((tmp_path / f"{stem}_config.json").read_text())
    assert config == {"base": 2, "command": "idiagram", "dist": dist}


def test_idiagram_xorp_centre_is_minus_the_closed_form_conditional_mi(tmp_path):
    from generators import BinaryXOR

    result = idiagram.main(["--dist", "xorp", "--d", "2", "--p", "0.3", "--out", str(tmp_path)])
    assert result == 0
    frame = pd.read_csv(tmp_path / "idiagram_xorp.csv")
    values = dict(zip(frame["quantity"], frame["bits"]))
    truth = BinaryXOR(d=2, p=0.3).info_table()
    assert values["I(a;b;c)"] == pytest.approx(-truth["I(a;b|c)"], abs=1e-9)
    assert values["I(a;c|b)"] == pytest.approx(truth["I(a;c|b)"], abs=1e-9)
    assert values["TC"] == pytest.approx(truth["TC"], abs=1e-9)
    config = json.loads((tmp_path / "idiagram_xorp_config.json").read_text())
    assert config["d"] == 2 and config["p"] == 0.3


def test_idiagram_and_gate_has_negative_centre(tmp_path):
    out = idiagram.run(idiagram_args(tmp_path, "and"))
    assert -0.2 < out["atoms"]["I(X;Y;Z)"] < -0.18  # -(3/4 h(1/3) - 1/2) = -0.1887 bits


def idiagram_args(tmp_path, dist, d=1, p=1.0):
    import argparse

    parser = argparse.ArgumentParser()
    idiagram.add_arguments(parser)
    return parser.parse_args(["--dist", dist, "--d", str(d), "--p", str(p), "--out", str(tmp_path)])


def test_idiagram_rejects_an_unknown_dist(tmp_path, capsys):
    with pytest.raises(SystemExit):
        idiagram.main(["--dist", "nope", "--out", str(tmp_path)])
    assert "nope" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "match"), [(["--p", "1.5"], "1.5"), (["--d", "0"], "0")])
def test_idiagram_bad_xorp_parameters_exit_with_a_message(tmp_path, capsys, args, match):
    with pytest.raises(SystemExit) as exc:
        idiagram.main(["--dist", "xorp", *args, "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert match in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written on bad input
