"""experiments/benchmark_symile.py: every implementation it times computes the same loss and gradient."""

import argparse

import pytest

from experiments import benchmark_symile


def _args(**kw):
    parser = argparse.ArgumentParser()
    benchmark_symile.add_arguments(parser)
    args = parser.parse_args([])
    for k, v in kw.items():
        setattr(args, k, v)
    return args


def test_baseline_source_is_the_pinned_commit_or_says_why_not(tmp_path):
    path, why = benchmark_symile._baseline_source(tmp_path)
    if path is None:
        assert benchmark_symile.BASELINE_COMMIT in why or "git" in why
    else:
        assert "_lse_all_combinations" in path.read_text()


@pytest.mark.slow
@pytest.mark.parametrize("impl", ["baseline", "materialised"])
def test_each_case_agrees_with_symile_loss(impl, tmp_path):
    # a few seconds per subprocess (torch start-up); the benchmark compares the same numbers at every N
    args = _args(repeat=1, threads=1)
    baseline, _ = benchmark_symile._baseline_source(tmp_path)
    if impl == "baseline" and baseline is None:
        pytest.skip("not a git checkout with the baseline commit")
    ref = benchmark_symile._case("symile_loss", 24, args, baseline)
    got = benchmark_symile._case(impl, 24, args, baseline)
    assert abs(got["loss"] - ref["loss"]) < 1e-5
    assert max(abs(a - b) for a, b in zip(got["grad"], ref["grad"], strict=True)) < 1e-5
    assert ref["seconds"] > 0 and ref["extra_mib"] >= 0


@pytest.mark.parametrize("text", ["1", "0", "x"])
def test_fewer_than_two_modalities_is_a_usage_error(text):
    parser = argparse.ArgumentParser()
    benchmark_symile.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--m", text])
