"""experiments._markdown: ``mean ± spread`` cells for the markdown reports."""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments._io import markdown_table
from experiments._markdown import pm_cells


def test_cells_follow_the_index_and_columns_of_the_mean_and_leave_nan_empty():
    mean = pd.DataFrame({"n = 10": [0.1234, np.nan], "n = 20": [-0.5, 2.0]}, index=["plug-in", "NSB"])
    spread = pd.DataFrame({"n = 20": [0.25, 0.125], "n = 10": [0.01, 9.9]}, index=["NSB", "plug-in"])
    cells = pm_cells(mean, spread.loc[mean.index, mean.columns], fmt="{:+.3f}")
    assert cells.to_dict() == {
        "n = 10": {"plug-in": "+0.123 ± 9.900", "NSB": ""},
        "n = 20": {"plug-in": "-0.500 ± 0.125", "NSB": "+2.000 ± 0.250"},
    }


def test_the_cells_make_a_markdown_table_with_the_strings_as_they_are():
    cells = pm_cells(pd.DataFrame({"a": [1.0]}, index=["x"]), pd.DataFrame({"a": [0.5]}, index=["x"]))
    assert markdown_table(cells, index_name="row") == "| row | a |\n|---|---|\n| x | 1.000 ± 0.500 |"
