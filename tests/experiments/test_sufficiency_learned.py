"""``symile-lab sufficiency-learned``: the statistic and scores of a model, its checks, the quick command."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from experiments import sufficiency_learned as learned
from generators import decode_bits


def _parse(argv):
    parser = argparse.ArgumentParser()
    learned.add_arguments(parser)
    return parser.parse_args(argv)


def _cell(d: int, p: float, method: str) -> dict:
    return {"d": d, "p": p, "method": method, "group_decimals": learned.GROUP_DECIMALS}


def _parity(d: int) -> np.ndarray:
    return 1.0 - 2.0 * decode_bits(np.arange(2**d), d)  # (2^d, d) codes in {+1, -1}: the optimal Symile code


def _table(reps_of, d: int = 2, ps=(0.5, 1.0)) -> pd.DataFrame:
    """The table of hand-made 'models': ``reps_of(method)`` gives the three (2^d, k) representations."""
    rows = [
        learned.learned_row(_cell(d, p, m), {"reps": reps_of(m), "scale": 50.0, "best_epoch": 0})
        for p in ps
        for m in ("symile", "clip")
    ]
    return pd.DataFrame(rows)


CFG = {"min_argmax_ratio": learned.MIN_ARGMAX_RATIO, "max_accuracy_gap": learned.MAX_ACCURACY_GAP}


# --------------------------------------------------------------------------------------------------
# known values without training


@pytest.mark.parametrize("method", ["symile", "clip"])
def test_statistic_is_the_rules_whole_query(method):
    rng = np.random.default_rng(0)
    reps = [rng.normal(size=(4, 3)) for _ in range(3)]
    T, S = learned.statistic_and_scores(reps, method)
    ra, rb, rc = reps
    assert T.shape == (16, 3) and S.shape == (16, 4)
    combine = {"symile": np.multiply, "clip": np.add}[method]
    np.testing.assert_allclose(T[1 * 4 + 2], combine(ra[1], rc[2]))  # query (a, c) = (1, 2) is row a * C + c
    np.testing.assert_allclose(S, T @ rb.T, atol=1e-12)


def test_the_optimal_parity_code_keeps_all_the_information_and_clip_cannot():
    d = 2
    row = learned.learned_row(
        _cell(d, 1.0, "symile"), {"reps": [_parity(d)] * 3, "scale": 50.0, "best_epoch": 0}
    )
    assert row["accuracy"] == pytest.approx(1.0) and row["argmax_ratio"] == pytest.approx(1.0)
    assert row["I_b_ac"] == pytest.approx(d)  # bits: b = a xor c at p = 1
    clip = learned.learned_row(
        _cell(d, 1.0, "clip"), {"reps": [_parity(d)] * 3, "scale": 50.0, "best_epoch": 0}
    )
    assert clip["argmax_ratio"] < 0.5 and clip["grouping_ratio"] == pytest.approx(1.0)  # kept, not usable


def test_checks_pass_for_the_optimal_code():
    checks = learned._checks(CFG, {"sufficiency_learned": _table(lambda m: [_parity(2)] * 3)})
    assert len(checks) == 2 and all(c.passed for c in checks), checks


def test_checks_fail_for_an_untrained_model():
    # an untrained linear encoder: random weights, so random representations of the codes
    rng = np.random.default_rng(0)
    codes = decode_bits(np.arange(4), 2).astype(float)
    weights = [rng.normal(size=(2, 16)) for _ in range(3)]
    checks = learned._checks(CFG, {"sufficiency_learned": _table(lambda m: [codes @ w for w in weights])})
    assert not any(c.passed for c in checks), checks


def test_a_relabelled_prediction_keeps_the_ratio_but_fails_the_accuracy_check():
    # shuffling the candidates' representations relabels b-hat: I(b; b-hat) is unchanged, accuracy is not
    perm = [1, 2, 3, 0]  # a derangement: no candidate keeps its representation
    table = _table(lambda m: [_parity(2), _parity(2)[perm], _parity(2)])
    ratio, accuracy = learned._checks(CFG, {"sufficiency_learned": table})
    assert ratio.passed and not accuracy.passed, (ratio, accuracy)


# --------------------------------------------------------------------------------------------------
# the command in quick form (trains 6 small models)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sufficiency_learned")
    return out, learned.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))


def test_quick_run_writes_every_output(quick_run):
    out, _ = quick_run
    for name in ["png", "pdf", "csv"]:
        assert (out / f"sufficiency_learned.{name}").stat().st_size > 0, name
    for name in ["checks.csv", "config.json"]:
        assert (out / f"sufficiency_learned_{name}").stat().st_size > 0, name


def test_quick_run_every_check_passes(quick_run):
    out, _ = quick_run
    checks = pd.read_csv(out / "sufficiency_learned_checks.csv")
    assert len(checks) == 2 and checks["passed"].all(), checks.to_string()


def test_quick_run_learned_symile_beats_clip_where_b_is_predictable(quick_run):
    _, res = quick_run
    table = res["tables"]["sufficiency_learned"]
    at_one = table[table["p"] == 1.0].set_index("method")
    assert at_one.loc["symile", "accuracy"] > 0.9
    assert at_one.loc["clip", "accuracy"] < 0.3
    # the (almost) injective query statistic keeps all the information for both methods
    assert (table.loc[table["p"] > 0, "grouping_ratio"] > 0.99).all()
    assert table.loc[table["p"] == 0, "argmax_ratio"].isna().all()  # I(b; a, c) = 0: undefined


def test_quick_run_is_reproducible_from_its_cache(quick_run):
    out, _ = quick_run
    before = (out / "sufficiency_learned.csv").read_bytes()
    learned.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))
    assert (out / "sufficiency_learned.csv").read_bytes() == before


@pytest.mark.parametrize("bad", [["--ps", "1.5"], ["--learned-d", "0"], ["--epochs", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        _parse(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}:" in err and repr(bad[1]) in err


@pytest.mark.slow
def test_fresh_quick_runs_with_one_or_two_jobs_are_byte_identical(tmp_path):
    for name, jobs in (("one", "1"), ("two", "2")):
        learned.run(
            _parse(["--quick", "--fresh", "--jobs", jobs, "--no-progress", "--out", str(tmp_path / name)])
        )
    csv = "sufficiency_learned.csv"
    assert (tmp_path / "one" / csv).read_bytes() == (tmp_path / "two" / csv).read_bytes()
