"""``symile-lab sufficiency``: the exact claims on switched XOR to 1e-12, and the command's outputs."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from experiments import sufficiency
from generators import xor_info_table

P_GRID = [round(0.1 * i, 1) for i in range(11)]


def _parse(argv):
    parser = argparse.ArgumentParser()
    sufficiency.add_arguments(parser)
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------------
# known values: the exact claims on XOR, every p


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_symile_optimal_score_reaches_bayes_accuracy_exactly(d):
    table = sufficiency.exact_xor_table([d], P_GRID)
    q = 2.0**-d
    expected = q + np.asarray(P_GRID) * (1 - q)
    np.testing.assert_allclose(table["symile_optimal_accuracy"], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["bayes_enumerated"], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["bayes_closed_form"], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3, 5])
def test_pairwise_optimal_score_is_exactly_chance_for_every_p(d):
    table = sufficiency.exact_xor_table([d], P_GRID)
    np.testing.assert_allclose(table["pairwise_optimal_accuracy"], 2.0**-d, rtol=0, atol=1e-12)
    np.testing.assert_allclose(table["I_b_pairwise_argmax"], 0.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("d", [2, 3])
def test_bayes_argmax_is_a_sufficient_statistic_on_xor(d):
    # the posterior of b depends on (a, c) only through a XOR c, which is what the optimal rule outputs
    table = sufficiency.exact_xor_table([d], P_GRID)
    np.testing.assert_allclose(table["I_b_symile_argmax"], table["I_b_ac"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.3, 0.5, 1.0])
def test_information_of_the_full_query_matches_the_closed_form(p):
    # reference: I(b; a, c) = I(b; c) + I(a; b | c) from generators' closed forms
    table = sufficiency.exact_xor_table([3], [p])
    closed = xor_info_table(3, p)
    assert table["I_b_ac"].iloc[0] == pytest.approx(float(closed["I(b;c)"] + closed["I(a;b|c)"]), abs=1e-12)


# --------------------------------------------------------------------------------------------------
# the command in quick form


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sufficiency")
    return out, sufficiency.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))


def test_quick_run_writes_every_output(quick_run):
    out, _ = quick_run
    for name in ["sufficiency.png", "sufficiency.pdf", "sufficiency.csv", "sufficiency_config.json"]:
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "sufficiency.csv")
    assert list(table.columns) == list(sufficiency.exact_xor_row(1, 0.0))  # the row's order, not key-sorted
    assert table[["d", "p"]].values.tolist() == [[3, 0.0], [3, 0.5], [3, 1.0]]


def test_quick_run_prints_the_table_and_no_check_that_holds_by_construction(quick_run, capsys):
    out, res = quick_run
    assert res["checks"] == []  # every claim here is an identity: the unit tests above
    assert pd.read_csv(out / "sufficiency_checks.csv").empty
    sufficiency.run(_parse(["--quick", "--out", str(out), "--jobs", "1", "--no-progress"]))  # from the cache
    printed = capsys.readouterr().out
    assert (
        "Exact optimal rules on switched XOR" in printed and "PASS" not in printed and "FAIL" not in printed
    )


def test_quick_run_table_is_the_library_computation(quick_run):
    out, _ = quick_run
    expected = sufficiency.exact_xor_table([3], [0.0, 0.5, 1.0])
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "sufficiency.csv"), expected, check_exact=False, check_dtype=False, rtol=1e-9
    )


@pytest.mark.parametrize("bad", [["--ps", "1.5"], ["--ds", "0"]])
def test_bad_options_exit_with_status_2_naming_the_value(bad, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        _parse(["--quick", "--out", str(tmp_path), *bad])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {bad[0]}:" in err and repr(bad[1]) in err
