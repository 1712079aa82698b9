"""experiments/figure3.py: the paper's Figure 3 (quick form by default; the full run is opt-in)."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from experiments import figure3

ACC_COLUMNS = [
    "p", "method", "acc_mean", "acc_se", "acc_se_test", "acc_se_seed", "n_seeds", "n_test_sets",
    "bayes", "chance", "best_epoch_mean",
]  # fmt: skip
INFO_COLUMNS = ["p", "I(a;b)", "I(b;c)", "I(a;c)", "I(a;b|c)", "I(b;c|a)", "TC"]


def _run(*argv):
    parser = argparse.ArgumentParser()
    figure3.add_arguments(parser)
    return figure3.run(parser.parse_args(["--jobs", "1", "--no-progress", *argv]))


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("figure3")
    return out, _run("--quick", "--out", str(out))


def test_quick_run_writes_every_output(quick):
    out, _ = quick
    for name in ["figure3.png", "figure3.pdf", "figure3.csv", "figure3_info.csv", "figure3_config.json",
                 "figure3_checks.csv"]:
        assert (out / name).stat().st_size > 0, name
    assert list(pd.read_csv(out / "figure3.csv").columns) == ACC_COLUMNS
    assert list(pd.read_csv(out / "figure3_info.csv").columns) == INFO_COLUMNS
    config = json.loads((out / "figure3_config.json").read_text())
    assert config["quick"] is True and config["d"] == 5 and config["train"]["negatives"] == "n"


def test_quick_run_symile_solves_p1_and_clip_stays_at_chance(quick):
    out, result = quick
    acc = pd.read_csv(out / "figure3.csv").set_index(["method", "p"])
    assert acc.loc[("symile", 1.0), "acc_mean"] >= 0.9
    assert acc.loc[("symile", 0.0), "acc_mean"] == pytest.approx(2**-5, abs=0.05)
    for p in (0.0, 1.0):
        assert acc.loc[("clip", p), "acc_mean"] == pytest.approx(2**-5, abs=0.05)
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]


def test_reference_lines_are_the_closed_forms(quick):
    out, _ = quick
    acc = pd.read_csv(out / "figure3.csv")
    q = 2.0**-5
    np.testing.assert_allclose(acc["bayes"], q + acc["p"] * (1 - q))
    np.testing.assert_allclose(acc["chance"], q)
    info = pd.read_csv(out / "figure3_info.csv")
    np.testing.assert_allclose(info[["I(a;b)", "I(b;c)"]], 0.0)
    np.testing.assert_allclose(info["I(a;b|c)"], info["I(b;c|a)"])
    # p = 0: c = a (I(a;c) = d bits, nothing about b); p = 1: c = a XOR b (TC = d bits, I(a;c) = 0)
    ends = info.set_index("p").loc[[0.0, 1.0]]
    np.testing.assert_allclose(ends["I(a;c)"], [5.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ends["TC"], [5.0, 5.0], atol=1e-12)


def test_rerun_from_cache_and_fresh_run_are_byte_identical(quick, tmp_path):
    out, _ = quick
    _run("--quick", "--out", str(tmp_path), "--fresh")  # recomputes everything, writes no cache
    assert not (tmp_path / ".cache").exists()
    _run("--quick", "--out", str(out))  # every cell comes from the cache
    for name in ["figure3.csv", "figure3_info.csv", "figure3_config.json"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert len(list((out / ".cache" / "figure3-quick").glob("*.json"))) == 4  # 2 p x 2 methods


@pytest.mark.parametrize("argv", [["--seeds", "0"], ["--jobs", "0"]])
def test_bad_options_exit_with_a_clear_message(argv, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        figure3.main(["--quick", "--out", str(tmp_path), *argv])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {argv[0]}: must be an integer >= 1, got '0'" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_full_figure3_over_five_training_seeds_meets_the_papers_claims(tmp_path):
    # Symile within 0.06 of Bayes at every p, CLIP within 0.02 of chance, as a mean over 5 training
    # seeds (figures/figure3_seeds5/). With the single committed seed the gap at p = 0.2 is 0.062: the
    # small-p gap of linear encoders is seed-dependent (experiments/figure3.py docstring).
    result = _run("--out", str(tmp_path), "--jobs", "2", "--seeds", "5")
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]
