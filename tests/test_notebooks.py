"""Notebook hygiene: every course notebook is a jupytext pair (.py percent + .ipynb) in sync, without outputs.

Executing the notebooks is a separate test (``python -m pytest --nbmake notebooks/*.ipynb``); these checks
are cheap and keep the committed ``.ipynb`` files small and identical in content to their ``.py`` twins.
"""

import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPECTED = ["01_entropy_mi_cmi", "02_synergy", "03_p_family", "04_symile_vs_clip", "05_pid", "06_own_data"]


def test_the_course_notebooks_exist_as_pairs():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.py")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_ipynb_has_no_outputs_and_is_paired(name):
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, "strip the outputs"
    assert any("assert " in "".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("name", EXPECTED)
def test_ipynb_and_py_have_the_same_cells(name):
    jupytext = pytest.importorskip("jupytext")
    from_py = jupytext.read(NOTEBOOKS / f"{name}.py")
    from_ipynb = jupytext.read(NOTEBOOKS / f"{name}.ipynb")

    def cells(nb):
        return [(c.cell_type, c.source.strip()) for c in nb.cells]

    assert cells(from_py) == cells(from_ipynb), "run `jupytext --sync notebooks/*.ipynb`"
