"""experiments/table1.py writes the table, its exact quantities and config into --out."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments import table1
from generators import DiseaseTemperature


def test_table1_writes_all_files_into_out(tmp_path):
    assert table1.main(["--out", str(tmp_path)]) == 0
    for name in [
        "table1.csv",
        "table1.md",
        "table1.tex",
        "table1_quantities.csv",
        "table1_predictions.csv",
        "table1_config.json",
    ]:
        assert (tmp_path / name).is_file(), name


def test_table1_csv_round_trips_the_joint_table(tmp_path):
    table1.main(["--out", str(tmp_path)])
    written = pd.read_csv(tmp_path / "table1.csv").set_index("quantity")
    pd.testing.assert_frame_equal(written, DiseaseTemperature().table1(), check_exact=False, atol=1e-9)


def test_table1_quantities_are_the_exact_values(tmp_path):
    table1.main(["--out", str(tmp_path)])
    q = pd.read_csv(tmp_path / "table1_quantities.csv").set_index("quantity")["value"]
    dt = DiseaseTemperature()
    assert q["I(y;t)"] == pytest.approx(dt.mutual_information(), abs=1e-9)
    assert q["I(y;T(t)), T = minimal sufficient statistic"] == pytest.approx(q["I(y;t)"], abs=1e-9)
    assert q["max I(y;T'(t)) over T' coarser than T"] < q["I(y;t)"] - 1e-3
    assert q["H(y)"] == pytest.approx(dt.entropy_y(), abs=1e-9)
    preds = pd.read_csv(tmp_path / "table1_predictions.csv").set_index("t")
    assert preds.loc[101, "Bayes argmax_y p(y|t)"] == "a" and preds.loc[101, "argmax_y PMI(y,t)"] == "b"


def test_table1_config_and_renderings(tmp_path):
    table1.main(["--out", str(tmp_path), "--quick"])
    config = json.loads((tmp_path / "table1_config.json").read_text())
    assert config["illustrative_default_table"] is True and config["temperatures"] == [99, 100, 101, 102]
    md = (tmp_path / "table1.md").read_text()
    assert "| p(y=a \\| t) | 0.9000 |" in md and "T(101) = 1" in md
    tex = (tmp_path / "table1.tex").read_text()
    assert tex.startswith(r"\begin{tabular}") and r"$p(y=a \mid t)$ & 0.9000" in tex
