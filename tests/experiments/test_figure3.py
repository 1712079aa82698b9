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
    assert len(list((out / ".cache" / "figure3-quick").glob("*.json"))) == 8  # 2 p x 2 methods x 2 seeds


def test_the_default_is_five_training_seeds_and_checks_use_their_mean_and_se():
    assert figure3.default_config()["seeds"] == 5
    rows = []
    spread = dict(acc_se=0.02, acc_se_test=0.001, acc_se_seed=0.02, n_seeds=5, n_test_sets=10, chance=2**-5)
    for p, gap in ((0.1, 0.05), (0.2, 0.07)):  # Symile 0.07 below Bayes at p = 0.2: the check must fail
        bayes = 2**-5 + p * (1 - 2**-5)
        for method, acc in (("symile", bayes - gap), ("clip", 2**-5)):
            rows.append(dict(p=p, method=method, acc_mean=acc, bayes=bayes, **spread))
    checks = figure3._checks({"quick": False}, {"figure3": pd.DataFrame(rows)})
    assert [ok for _, ok, _ in checks] == [False, True, False]
    assert "largest gap 0.0700 at p = 0.2" in checks[0].detail
    assert "se over 5 training seeds" in checks[0].detail


def test_the_reference_time_is_quoted_for_the_papers_settings_only():
    assert figure3._reference({**figure3.default_config(), "quick": False})[0] == figure3.REFERENCE_SECONDS
    assert figure3._reference({**figure3.default_config(), "quick": False, "seeds": 1}) is not None
    assert figure3._reference({**figure3.default_config(quick=True), "quick": True}) is None
    assert figure3._reference({**figure3.default_config(), "quick": False, "n_train": 500}) is None


def test_quick_run_reports_the_standard_error_over_training_seeds(quick):
    out, _ = quick
    acc = pd.read_csv(out / "figure3.csv")
    assert (acc["n_seeds"] == 2).all() and acc["acc_se_seed"].notna().all()


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
    # Symile within 0.06 of Bayes at every p, CLIP within 0.02 of chance, as a mean over the default 5
    # training seeds: the small-p gap of linear encoders is seed-dependent (experiments/figure3.py docstring)
    result = _run("--out", str(tmp_path), "--jobs", "2")
    assert all(ok for _, ok, _ in result["checks"]), result["checks"]
