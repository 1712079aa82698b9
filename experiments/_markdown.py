"""Markdown cells shared by the experiment reports: ``mean ± spread`` tables for ``_io.markdown_table``."""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["pm_cells"]


def pm_cells(mean: pd.DataFrame, spread: pd.DataFrame, *, fmt: str = "{:.3f}", spread_fmt: str = "{:.3f}"):
    """The ``"mean ± spread"`` strings of two aligned frames (index and columns of ``mean``).

    A cell whose mean is NaN (a combination that was not run) is the empty string. Pass the result to
    :func:`experiments._io.markdown_table`.

    Examples
    --------
    >>> mean = pd.DataFrame({"n = 10": [0.5, float("nan")]}, index=["a", "b"])
    >>> pm_cells(mean, mean / 10, fmt="{:+.2f}").to_dict()
    {'n = 10': {'a': '+0.50 ± 0.050', 'b': ''}}
    """
    cells = pd.DataFrame("", index=mean.index, columns=mean.columns, dtype=object)
    for row in mean.index:
        for col in mean.columns:
            value = float(mean.loc[row, col])
            if not math.isnan(value):
                cells.loc[row, col] = f"{fmt.format(value)} ± {spread_fmt.format(spread.loc[row, col])}"
    return cells
