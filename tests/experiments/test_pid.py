"""``symile-lab pid`` (run here as ``python -m experiments.pid`` / ``main(argv)``): files, numbers, checks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments import pid as pid_experiment

COMMON = ["--jobs", "1", "--fresh", "--no-progress"]


@pytest.mark.parametrize(
    ("dist", "measure", "atoms"),
    [
        ("xor", "imin", [0.0, 0.0, 0.0, 1.0]),
        ("and", "imin", [0.3113, 0.0, 0.0, 0.5]),
        ("and", "ccs", [0.1038, 0.2075, 0.2075, 0.2925]),
        ("rdn", "broja", [1.0, 0.0, 0.0, 0.0]),
        ("unq", "mmi", [0.0, 1.0, 0.0, 0.0]),
    ],
)
def test_gate_writes_figure_csv_checks_and_config(tmp_path, capsys, dist, measure, atoms):
    assert pid_experiment.main(["--dist", dist, "--out", str(tmp_path), *COMMON]) == 0
    stem = f"pid_{dist}"
    for suffix in (".png", ".pdf", ".csv", "_checks.csv", "_config.json"):
        assert (tmp_path / f"{stem}{suffix}").is_file(), suffix
    frame = pd.read_csv(tmp_path / f"{stem}.csv")
    assert set(frame["measure"]) == set(pid_experiment.MEASURES) and len(frame) == 16
    got = frame.loc[frame["measure"] == measure, "bits"].tolist()
    assert got == pytest.approx(atoms, abs=1e-4)
    checks = pd.read_csv(tmp_path / f"{stem}_checks.csv")
    assert checks["passed"].all() and len(checks) == 4
    config = json.loads((tmp_path / f"{stem}_config.json").read_text())
    assert config["dist"] == dist and config["base"] == 2
    printed = capsys.readouterr().out
    assert "{1}{2}" in printed and printed.count("PASS") == 4 and "FAIL" not in printed


def test_xorp_sweep_matches_the_closed_forms(tmp_path, capsys):
    from generators import xor_info_table

    argv = ["--dist", "xorp", "--p", "0.3", "--quick", "--out", str(tmp_path), *COMMON]
    assert pid_experiment.main(argv) == 0
    frame = pd.read_csv(tmp_path / "pid_xorp.csv")
    config = json.loads((tmp_path / "pid_xorp_config.json").read_text())
    assert config["ds"] == [1, 2] and 0.3 in config["ps"] and config["d"] == 2
    # the sweep's grid holds the printed (d, p) = (2, 0.3)
    assert set(frame["d"]) == {1, 2} and set(frame["target"]) == {"b", "c"}
    t = xor_info_table(2, 0.3)
    at = frame[(frame["d"] == 2) & (frame["p"] == 0.3)]
    synergy_b = at[(at["target"] == "b") & (at["atom"] == "synergy")]["bits"]
    unique_a = at[(at["target"] == "c") & (at["atom"] == "unique to a")]["bits"]
    assert synergy_b.tolist() == pytest.approx([float(t["I(a;b|c)"])] * 4, abs=1e-9)
    assert unique_a.tolist() == pytest.approx([float(t["I(a;c)"])] * 4, abs=1e-9)
    checks = pd.read_csv(tmp_path / "pid_xorp_checks.csv")
    assert checks["passed"].all() and len(checks) == 2
    printed = capsys.readouterr().out
    assert "d = 2, p = 0.3: b from (a,c)" in printed and "unique to a" in printed


def test_xorp_truth_is_the_closed_form():
    from generators import xor_info_table

    t = xor_info_table(3, 0.6)
    assert pid_experiment.xorp_truth(3, 0.6, "b") == pytest.approx([0, 0, 0, float(t["I(a;b|c)"])])
    assert pid_experiment.xorp_truth(3, 0.6, "c") == pytest.approx(
        [0, float(t["I(a;c)"]), 0, float(t["I(b;c|a)"])]
    )


def test_a_wrong_decomposition_fails_the_checks():
    # the printed checks are ones a wrong measure fails: swap the two unique atoms of AND under I_ccs
    cfg = {"dist": "and", "measures": list(pid_experiment.MEASURES)}
    rows = []
    for measure in pid_experiment.MEASURES:
        values = [0.3113, 0.0, 0.0, 0.5] if measure != "ccs" else [0.2925, 0.2075, 0.2075, 0.1038]
        rows += [{"measure": measure, "bits": v} for v in values]
    checks = pid_experiment._checks(cfg, {"pid_and": pd.DataFrame(rows)})
    assert [c.passed for c in checks] == [False, False, False, False]  # 0.3113 is not h(1/4) - 1/2 to 1e-9


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dist", "nand"], "invalid choice: 'nand'"),
        (["--dist", "xorp", "--p", "1.5"], "must be a probability in [0, 1], got '1.5'"),
        (["--dist", "xorp", "--d", "0"], "must be an integer >= 1, got '0'"),
        (["--dist", "xorp", "--d", "5"], "--d must be at most 4"),
    ],
)
def test_bad_options_exit_with_one_line(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        pid_experiment.main([*argv, "--out", str(tmp_path), *COMMON])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_joint_pmf_rejects_unknown_names():
    with pytest.raises(ValueError, match="dist must be one of .*got 'nand'"):
        pid_experiment.joint_pmf("nand")


@pytest.mark.slow
def test_benchmark_runs_and_agrees_with_dit(capsys):
    pytest.importorskip("dit")
    import argparse

    from experiments import benchmark_pid

    parser = argparse.ArgumentParser()
    benchmark_pid.add_arguments(parser)
    rows = benchmark_pid.run(parser.parse_args(["--repeat", "1"]))
    assert [r["goal_ratio"] for r in rows] == [20.0, 20.0, 20.0, 5.0, None]
    assert all(r["value_reference"] <= 1e-8 for r in rows)  # every atom agrees with dit's
    assert "I_min PID, b from (a,c), d=3" in capsys.readouterr().out
