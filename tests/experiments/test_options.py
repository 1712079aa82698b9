"""experiments._options: shared command-line options, validated at parse time; unwritable --out."""

from __future__ import annotations

import argparse
import os

import pytest

from experiments import _options


def _parser():
    parser = argparse.ArgumentParser(prog="demo", exit_on_error=False)
    _options.add_common_arguments(parser)
    _options.add_seeds_argument(parser)
    return parser


def test_common_arguments_and_cache_dir(tmp_path):
    parser = _parser()
    args = parser.parse_args(["--quick", "--jobs", "1", "--no-progress"])
    assert (args.quick, args.jobs, args.seed, args.fresh, args.seeds) == (True, 1, 0, False, None)
    assert not _options.want_progress(args)
    assert _options.cache_dir(args, tmp_path, "demo") == tmp_path / ".cache" / "demo-quick"
    assert _options.cache_dir(parser.parse_args(["--no-cache"]), tmp_path, "demo") is None
    assert _options.cache_dir(parser.parse_args([]), tmp_path, "demo") == tmp_path / ".cache" / "demo"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--jobs", "0"], "must be an integer >= 1, got '0'"),
        (["--jobs", "1.5"], "expected an integer, got '1.5'"),
        (["--seeds", "-2"], "must be an integer >= 1, got '-2'"),
        (["--seed", "-1"], "must be an integer >= 0, got '-1'"),
        (["--seed", str(2**63)], "below 2**63"),
        (["--seed", "abc"], "expected an integer, got 'abc'"),
    ],
)
def test_bad_values_are_rejected_when_parsed_naming_the_value(argv, message):
    with pytest.raises(argparse.ArgumentError, match=message.replace("*", r"\*")):
        _parser().parse_args(argv)


@pytest.mark.parametrize(
    "kind, good, bad",
    [
        (_options.probability, {"0": 0.0, "1": 1.0, "0.25": 0.25}, ["1.5", "-0.1", "nan", "x"]),
        (_options.positive_float, {"0.5": 0.5, "3": 3.0}, ["0", "-1", "inf", "nan"]),
        (_options.positive_int, {"1": 1, "12": 12}, ["0", "-3", "2.0", "x"]),
        (_options.non_negative_int, {"0": 0, "7": 7}, ["-1", "1e3"]),
    ],
)
def test_argparse_types(kind, good, bad):
    for text, value in good.items():
        assert kind(text) == value
    for text in bad:
        with pytest.raises(argparse.ArgumentTypeError, match=repr(text).replace("(", r"\(")):
            kind(text)


def test_check_out_creates_nested_folders(tmp_path):
    out = _options.check_out(tmp_path / "a" / "b")
    assert out.is_dir() and list(out.iterdir()) == []  # the write probe leaves nothing behind


def test_check_out_under_a_file_is_a_usage_error_naming_the_path(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(_options.UsageError, match="file/sub"):
        _options.check_out(blocker / "sub")
    with pytest.raises(_options.UsageError, match="not a directory|exists"):
        _options.check_out(blocker)


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write anywhere")
def test_check_out_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    with pytest.raises(_options.UsageError, match="ro"):
        _options.check_out(ro)


def test_check_out_in_proc_is_a_usage_error():
    with pytest.raises(_options.UsageError, match="/proc/nope"):
        _options.check_out("/proc/nope")


def test_usage_error_is_a_value_error():
    assert issubclass(_options.UsageError, ValueError)
