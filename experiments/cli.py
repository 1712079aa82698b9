"""The ``symile-lab`` command line: one subcommand per figure, table or claim.

Each subcommand lives in its own module under ``experiments/`` exposing
``add_arguments(parser)`` and ``run(args)``; this file only dispatches. Bad values are reported as one
line with exit status 2 (argparse's own errors and :class:`experiments._options.UsageError`, which covers
an unwritable ``--out``); every other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from experiments._options import UsageError

__all__ = ["COMMANDS", "build_parser", "main", "run_command"]

#: subcommand name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "figure3": (
        "experiments.figure3",
        "Figure 3: zero-shot accuracy of Symile vs CLIP on switched-XOR data, and its exact information",
    ),
    "table1": (
        "experiments.table1",
        "write Table 1: the disease/temperature joint, its minimal sufficient statistic and PMI vs Bayes",
    ),
    "bounds": (
        "experiments.bounds",
        "learned Symile/CLIP bounds on switched XOR vs exact TC and pairwise MI, and the exact critic",
    ),
    "bounds-gaussian": (
        "experiments.bounds_gaussian",
        "learned Symile/CLIP bounds on correlated Gaussian blocks (MLP encoders) vs exact TC and pairwise MI",
    ),
    "sufficiency": (
        "experiments.sufficiency",
        "sufficiency, exactly: Symile-optimal score = Bayes rule, pairwise-optimal = chance on switched XOR",
    ),
    "sufficiency-learned": (
        "experiments.sufficiency_learned",
        "sufficiency, learned: how much of I(b; a, c) trained Symile/CLIP zero-shot rules keep on XOR",
    ),
    "sufficiency-disease": (
        "experiments.sufficiency_disease",
        "sufficiency on disease/temperature: learned partition vs minimal sufficient one, log prior vs Bayes",
    ),
    "missing": (
        "experiments.missing",
        "Symile vs CLIP trained with missing modalities on XOR data (analog of Fig. 4c)",
    ),
    "m3": (
        "experiments.m3",
        "Symile vs CLIP on symbolic Symile-M3 data with w languages (analog of Fig. 4b)",
    ),
    "m3-real": (
        "experiments.m3_real",
        "Symile vs CLIP on Symile-M3 in miniature: digits, espeak-ng speech, multilingual text (Fig. 4b/c)",
    ),
    "objectives": (
        "experiments.objectives",
        "benchmark of multimodal contrastive objectives (Symile, CLIP, GRAM, ...) against exact truth",
    ),
    "train": ("experiments.train_cmd", "train Symile or CLIP on your own data (.npz or a folder of .npy)"),
    "evaluate": ("experiments.evaluate_cmd", "retrieval metrics of a trained checkpoint on held-out data"),
    "estimators": (
        "experiments.estimators",
        "continuous estimators vs exact truth vs n (log-det, copula, KSG, Symile bound), interval coverage",
    ),
    "estimators-discrete": (
        "experiments.estimators_discrete",
        "discrete bias corrections vs exact truth vs n (plug-in, Miller–Madow, jackknife, Chao–Shen, NSB)",
    ),
    "benchmark-estimators": (
        "experiments.benchmark_estimators",
        "time KSG and Gaussian-copula O-information against infomeasure and hoi (speed ratios)",
    ),
    "pid": (
        "experiments.pid",
        "partial information decomposition (redundancy, unique, synergy): xor, and, rdn, unq, xorp",
    ),
    "benchmark-pid": (
        "experiments.benchmark_pid",
        "time infotheory.pid against dit's PID measures (speed ratios)",
    ),
    "info": ("experiments.info", "print the closed-form information table of the XOR-style data"),
    "benchmark": ("experiments.benchmark", "time infotheory against dit and infomeasure (speed ratios)"),
    "benchmark-symile": (
        "experiments.benchmark_symile",
        "time and peak memory of the chunked all-combinations Symile loss vs materialised logits",
    ),
    "benchmark-ddp": (
        "experiments.benchmark_ddp",
        "time per training step with 1 vs K processes under torchrun (DDP, gloo on CPU)",
    ),
    "idiagram": (
        "experiments.idiagram",
        "draw the information diagram (I-diagram) of a 3-variable distribution: xor, and, rdn, xorp",
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``symile-lab`` parser; with ``only``, just that subcommand's module is imported (the others are
    listed by name and help line), so a command does not pay for importing every other one."""
    parser = argparse.ArgumentParser(
        prog="symile-lab",
        description="Regenerate the figures, tables and claims of the symile-lab toolkit.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        sp = sub.add_parser(name, help=help_text, description=(module.__doc__ or help_text).strip())
        module.add_arguments(sp)
        sp.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``symile-lab`` / ``python -m experiments``; returns the exit status.

    With ``argv`` given (tests, scripts, ``python -m experiments.<module>``) it returns. Without (the console
    command) the process ends when the command is done: idle sweep workers are stopped and the interpreter's
    module teardown is skipped (:func:`_exit_now`), which saves 1-2 s per command.
    """
    words = sys.argv[1:] if argv is None else list(argv)
    command = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser(command if command in COMMANDS else None)
    args = parser.parse_args(words)
    try:
        args._run(args)
    except UsageError as err:  # a bad value on the command line: one line, no traceback
        parser.exit(2, f"symile-lab {args.command}: error: {err}\n")
    # anything else is a bug in the code, not in the input: it keeps its traceback
    if argv is None:  # the command line's own call: the process ends here
        _stop_workers()
        _exit_now(0)
    return 0


def _exit_now(status: int) -> None:
    """End the process without the interpreter's teardown of torch and the other big modules (about 1 s on
    this project's machine): the ``atexit`` handlers run and the streams are flushed first, as at a normal
    exit; only the freeing of every module's objects, which the operating system does anyway, is skipped."""
    import atexit
    import os

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _stop_workers() -> None:
    """Stop the parallel sweeps' reusable worker processes now (they are idle; their results are in)."""
    module = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(module, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=False, kill_workers=True)


def run_command(name: str, argv: list[str] | None = None) -> int:
    """``python -m experiments.<module>``: exactly ``symile-lab <name> [argv]`` (same options and errors)."""
    return main([name, *(sys.argv[1:] if argv is None else argv)])
