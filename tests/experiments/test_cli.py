"""The ``symile-lab`` command line: every subcommand is wired, and bad input exits cleanly."""

import importlib
import subprocess
import sys

import pytest

from experiments import cli

EXPECTED = {
    "figure3", "table1", "bounds", "sufficiency", "missing", "m3", "info", "idiagram", "benchmark",
    "benchmark-symile", "pid", "benchmark-pid", "train", "evaluate", "estimators", "benchmark-estimators",
    "m3-real", "benchmark-ddp", "objectives", "bounds-gaussian", "sufficiency-learned", "sufficiency-disease",
    "estimators-discrete",
}


def test_every_result_of_the_issues_has_a_subcommand():
    assert set(cli.COMMANDS) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_subcommand_module_has_the_script_interface(name):
    module = importlib.import_module(cli.COMMANDS[name][0])
    for attr in ("add_arguments", "run", "main"):
        assert callable(getattr(module, attr)), f"{module.__name__}.{attr}"
    assert module.__doc__, module.__name__


def test_info_prints_the_check_values_in_nats(capsys):
    assert cli.main(["info", "--d", "5", "--p", "0.5", "--base", "e"]) == 0
    out = capsys.readouterr().out
    assert "nats" in out
    for value in ("1.1097", "1.6845", "2.7942"):  # I(a;c), I(a;b|c), TC (issue 3's check values)
        assert value in out


def test_bad_value_exits_with_status_2_and_names_it(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["info", "--p", "1.5"])
    assert exc.value.code == 2
    assert "1.5" in capsys.readouterr().err


def test_python_dash_m_experiments_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "experiments", "info", "--d", "2", "--p", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "BinaryXOR(d=2, p=1" in done.stdout


def test_a_command_imports_only_its_own_module():
    code = (
        "import sys; from experiments.cli import build_parser; p = build_parser('info'); "
        "a = p.parse_args(['info', '--d', '2']); "
        "print(a.command, 'experiments.figure3' in sys.modules, 'experiments.info' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["info", "False", "True"]


def test_the_command_line_flushes_its_output_before_its_fast_exit(tmp_path):
    # main() called as the command line ends the process with os._exit after the atexit handlers and a flush
    code = (
        "import atexit, sys; atexit.register(lambda: print('atexit ran')); sys.argv = ['symile-lab', 'info', "
        "'--d', '2', '--p', '1']; from experiments.cli import main; main(); print('not reached')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Bayes accuracy" in done.stdout and "atexit ran" in done.stdout
    assert "not reached" not in done.stdout
