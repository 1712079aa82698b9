"""Each package's public API: ``__all__`` lists real, documented objects, and the import rule holds."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGES = ["infotheory", "generators", "symile_min", "experiments"]
ROOT = Path(__file__).resolve().parents[1]

#: package -> top-level packages of this repository it must never import
FORBIDDEN_IMPORTS = {
    "infotheory": {"generators", "symile_min", "experiments", "torch"},
    "generators": {"symile_min", "experiments", "torch"},
    "symile_min": {"infotheory", "generators", "experiments"},
    "experiments": set(),
}


@pytest.mark.parametrize("name", PACKAGES)
def test_package_docstring_states_import_rule(name):
    module = importlib.import_module(name)
    assert module.__doc__ and "import" in module.__doc__.lower()


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_documented(name):
    module = importlib.import_module(name)
    assert isinstance(module.__all__, list | tuple)
    assert len(set(module.__all__)) == len(module.__all__), "duplicate names in __all__"
    for attr in module.__all__:
        obj = getattr(module, attr)  # AttributeError here means __all__ lists a missing name
        if callable(obj):
            assert obj.__doc__, f"{name}.{attr} has no docstring"


@pytest.mark.parametrize("name", PACKAGES)
def test_star_import_matches_all(name):
    namespace: dict = {}
    exec(f"from {name} import *", namespace)
    exported = {k for k in namespace if not k.startswith("__")}
    assert exported == set(importlib.import_module(name).__all__)


def _imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", PACKAGES)
def test_one_way_imports(name):
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_top_levels(path) & FORBIDDEN_IMPORTS[name])
        for path in (ROOT / name).rglob("*.py")
    }
    assert not {k: v for k, v in offenders.items() if v}
