"""One script per figure, table or claim, and the ``symile-lab`` command line.

Import rule: ``experiments`` may import every other package; nothing imports it.
Every script writes PNG + PDF + CSV + config JSON into ``figures/`` (resolved from the
repository root) or into ``--out``.
"""

__all__ = ["main"]

from experiments.cli import main  # noqa: E402
