"""Command-line options shared by the experiment scripts, validated when they are parsed.

Bad values are *user* errors: the argparse ``type=`` functions here raise
``argparse.ArgumentTypeError`` (argparse then exits with status 2 and one line naming the option and the
value), and checks that need several options at once raise :class:`UsageError`, which the command line
(:mod:`experiments.cli`) turns into the same one-line message and exit status 2. Any other exception is a
bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

__all__ = [
    "UsageError",
    "add_common_arguments",
    "add_seeds_argument",
    "cache_dir",
    "check_out",
    "log_base",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "probability",
    "seed",
    "want_progress",
]


class UsageError(ValueError):
    """A bad command-line value: reported as one line with exit status 2, never as a traceback."""


def _number(text: str, kind: type):
    try:
        value = kind(text)
    except (TypeError, ValueError):
        what = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value


def seed(text: str) -> int:
    """argparse type: a seed, an integer in [0, 2**63) (the project's one seed rule)."""
    value = non_negative_int(text)
    if value >= 2**63:
        raise argparse.ArgumentTypeError(f"a seed must be below 2**63, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = _number(text, float)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return value


def probability(text: str) -> float:
    """argparse type: a number in [0, 1]."""
    value = _number(text, float)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a probability in [0, 1], got {text!r}")
    return value


def log_base(text: str) -> float:
    """argparse type: a logarithm base, ``'e'`` or a finite number > 1 (2: bits, e: nats, 10).

    The library's one rule (:func:`infotheory._validation.check_base`): base 1 divides by zero and a base
    in (0, 1) flips the sign of every information quantity, so both are a one-line usage error here
    rather than a traceback from the library later.
    """
    from infotheory._validation import check_base

    try:
        value = math.e if text.strip().lower() == "e" else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"base must be 'e' or a finite number > 1, got {text!r}") from None
    try:
        return check_base(value)
    except (TypeError, ValueError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def check_out(path: str | os.PathLike) -> Path:
    """Create the output folder ``path`` if needed and make sure files can be written there.

    Raises :class:`UsageError` naming the folder and the reason (not a folder, permission denied, a
    read-only file system, a path under a file, ...), so that an unwritable ``--out`` is a one-line error.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(20, "not a directory")
        probe = path / f".symile-lab-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        reason = err.strerror or type(err).__name__
        raise UsageError(f"cannot write to the output folder {str(path)!r}: {reason}") from None
    return path


def add_common_arguments(parser: argparse.ArgumentParser, *, default_seed: int = 0) -> None:
    """Add the options every sweep shares: ``--out --seed --jobs --quick --fresh --no-progress``."""
    parser.add_argument("--out", default=None, help="output folder (default: <repo root>/figures)")
    parser.add_argument("--seed", type=seed, default=default_seed, help="master seed (default: %(default)s)")
    parser.add_argument(
        "--jobs", type=positive_int, default=2, help="worker processes, one cell each (default: %(default)s)"
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast version for tests and demos")
    parser.add_argument(
        "--fresh",
        "--no-cache",
        dest="fresh",
        action="store_true",
        help="ignore and do not write the per-cell cache under <out>/.cache/",
    )
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", help="hide the progress bar"
    )
    parser.set_defaults(progress=None)


def add_seeds_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--seeds K``: the number of training seeds per setting and method."""
    parser.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help="training seeds per setting (default: the experiment's own)",
    )


def want_progress(args: argparse.Namespace) -> bool:
    """Show a progress bar unless ``--no-progress`` was given or stderr is not a terminal."""
    if getattr(args, "progress", None) is False:
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def cache_dir(args: argparse.Namespace, out: str | os.PathLike, experiment: str) -> Path | None:
    """``<out>/.cache/<experiment>`` (``<experiment>-quick`` if ``--quick``); ``None`` with ``--fresh``."""
    if getattr(args, "fresh", False):
        return None
    name = f"{experiment}-quick" if getattr(args, "quick", False) else experiment
    return Path(out) / ".cache" / name
