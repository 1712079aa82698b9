"""Each package's public API: ``__all__`` lists real, documented objects, and the import rule holds."""

import ast
import importlib
import subprocess
import sys
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


def _import_rule(doc: str) -> str:
    """The paragraph of a package docstring that starts with "Import rule:"."""
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    rules = [p for p in paragraphs if p.startswith("Import rule:")]
    assert len(rules) == 1, f"expected one 'Import rule:' paragraph, found {len(rules)}"
    return rules[0]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_docstring_states_the_import_rule_that_is_enforced(name):
    rule = _import_rule(importlib.import_module(name).__doc__ or "")
    # the rule names every package of this repository that the package must not import ...
    for forbidden in sorted(FORBIDDEN_IMPORTS[name] & set(PACKAGES)):
        assert f"``{forbidden}``" in rule, f"{name}'s import rule does not mention {forbidden}: {rule!r}"
    # ... and says what may import the package itself (experiments: nothing)
    if name == "experiments":
        assert "nothing imports it" in rule, rule


# regression: issue 9 (docstrings built with __doc__.replace crashed `python -OO -c "import infotheory"`)
def test_every_module_of_infotheory_and_generators_imports_under_python_OO():
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in ("infotheory", "generators")
        for path in (ROOT / package).rglob("*.py")
    )
    code = "import importlib as il, sys; [il.import_module(m) for m in sys.argv[1:]]; print(len(sys.argv)-1)"
    done = subprocess.run(
        [sys.executable, "-OO", "-c", code, *modules], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(modules))


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


def test_importing_infotheory_and_generators_leaves_scipy_unimported():
    # regression: issue 13 (scipy.special, scipy.spatial and scipy.linalg were ~0.5 s of every import of
    # infotheory, so of every symile-lab command and worker process; they are imported where they are used)
    code = "import sys, infotheory, generators; bad = sorted(m for m in sys.modules if m.startswith('scipy'))"
    code += "; assert not bad, bad[:5]"
    subprocess.run([sys.executable, "-c", code], check=True)
