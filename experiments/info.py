"""Print the closed-form information table of the switched-XOR data (BinaryXOR) for given d and p.

Example: ``symile-lab info --d 5 --p 0.5 --base e`` prints I(a;c) = 1.1097, I(a;b|c) = 1.6845 and
TC = 2.7942 nats, plus the Bayes and chance accuracies of predicting b from (a, c).
"""

from __future__ import annotations

import argparse
import math

from experiments import _options
from experiments._options import positive_int, probability
from generators import BinaryXOR

__all__ = ["add_arguments", "run", "main", "parse_base", "unit_name", "format_info"]


def parse_base(text: str) -> float:
    """Parse a logarithm base: ``'e'`` -> math.e, otherwise a finite number > 1 (``'2'``, ``'10'``).

    The library's one rule (:func:`experiments._options.log_base`): base 1 divides by zero and a base in
    (0, 1) flips the sign of every information quantity, so both are one-line usage errors.
    """
    return _options.log_base(text)


def unit_name(base: float) -> str:
    """'bits' for base 2, 'nats' for base e, 'dits' for base 10, else 'log-base-<b> units'."""
    for value, name in ((2.0, "bits"), (math.e, "nats"), (10.0, "dits")):
        if math.isclose(base, value, rel_tol=0, abs_tol=1e-12):
            return name
    return f"log-base-{base:g} units"


def format_info(d: int, p: float, base: float = 2) -> str:
    """The information table of ``BinaryXOR(d=d, p=p)`` as aligned text, unit in the header."""
    xor = BinaryXOR(d=d, p=p)
    table = xor.info_table(base=base)
    unit = unit_name(base)
    width = max(len(k) for k in table)
    lines = [f"BinaryXOR(d={d}, p={p:g}): closed-form information ({unit})"]
    lines += [f"  {key:<{width}}  {value:10.4f}" for key, value in table.items()]
    lines.append(f"Predicting b from (a, c) among 2^{d} = {2**d} values:")
    lines.append(f"  {'Bayes accuracy':<16}  {xor.bayes_accuracy():.6f}   (q + p(1-q), q = 2^-d)")
    lines.append(f"  {'chance accuracy':<16}  {xor.chance_accuracy():.6f}   (q)")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab info``."""
    parser.add_argument(
        "--d", type=positive_int, default=5, help="binary coordinates per modality (default 5)"
    )
    parser.add_argument(
        "--p", type=probability, default=0.5, help="probability the XOR switch is on (default 0.5)"
    )
    parser.add_argument(
        "--base", type=parse_base, default=2.0, help="logarithm base: 2 (bits, default), e (nats) or 10"
    )


def run(args: argparse.Namespace) -> str:
    """Print (and return) the table (``--d`` and ``--p`` are validated when parsed)."""
    text = format_info(args.d, args.p, args.base)
    print(text)
    return text


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.info``: same as ``symile-lab info``."""
    from experiments.cli import run_command

    return run_command("info", argv)


if __name__ == "__main__":
    raise SystemExit(main())
