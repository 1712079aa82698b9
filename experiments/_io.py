"""Output helpers shared by the experiment scripts: where results go and how they are written.

Every file is written atomically (temporary file in the same folder, then ``os.replace``),
so a killed run never leaves a half-written result behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "repo_root",
    "resolve_out",
    "atomic_write",
    "atomic_write_text",
    "write_json",
    "write_csv",
    "save_figure",
    "markdown_table",
]


def repo_root() -> Path:
    """The repository root (the folder holding ``pyproject.toml``), or the cwd if not in a checkout."""
    here = Path(__file__).resolve().parents[1]
    if (here / "pyproject.toml").is_file():
        return here
    return Path.cwd()


def resolve_out(out: str | os.PathLike | None) -> Path:
    """The output folder: ``out`` if given, else ``<repo root>/figures``; created if missing.

    Raises :class:`experiments._options.UsageError` (one line naming the folder and the reason) when the
    folder cannot be created or written.
    """
    from experiments._options import check_out

    return check_out(Path(out) if out is not None else repo_root() / "figures")


def atomic_write(path: str | os.PathLike, write: Callable[[Path], Any]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as pretty, key-sorted JSON atomically (byte-identical for equal objects)."""
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=_jsonable) + "\n")


def write_csv(path: str | os.PathLike, frame) -> Path:
    """Write a pandas DataFrame as CSV (no index, fixed float format) atomically."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format="%.10g", lineterminator="\n"))


def save_figure(fig, out: str | os.PathLike, stem: str, *, close: bool = False) -> list[Path]:
    """Save a matplotlib figure as ``<out>/<stem>.png`` and ``.pdf`` (atomically, reproducible metadata).

    With ``close=True`` the figure is closed afterwards (``plt.close(fig)``), freeing its memory.
    """
    out = Path(out)
    paths = []
    engine = fig.get_layout_engine()
    try:
        for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None})):
            target = out / f"{stem}.{ext}"
            atomic_write(
                target, lambda tmp, ext=ext, meta=meta: fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
            )
            paths.append(target)
            # the layout engine (constrained layout) placed the axes while drawing the PNG: the PDF keeps
            # those positions instead of laying the figure out again (a third of a figure's saving time)
            fig.set_layout_engine("none")
    finally:
        fig.set_layout_engine(engine)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return paths


def _jsonable(obj: Any) -> Any:
    """Fallback JSON encoder for numpy scalars/arrays, paths and dataclasses."""
    import dataclasses

    import numpy as np

    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serialisable: {obj!r}")


def markdown_table(frame, index_name: str | None = None, fmt: str = "{:.4f}") -> str:
    """A GitHub-markdown table of a DataFrame, written by hand so the bytes never depend on tabulate.

    Floats are formatted with ``fmt`` (NaN as an empty cell), other values with ``str``; pipes are
    escaped so that ``p(y | t)`` does not split a cell. The index is a first column named
    ``index_name`` when given, and left out otherwise.
    """
    import math

    def cell(value) -> str:
        return str(value).replace("|", "\\|")

    cols = ([index_name] if index_name is not None else []) + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cell(c) for c in cols) + " |", "|" + "|".join(["---"] * len(cols)) + "|"]
    for idx, row in frame.iterrows():
        cells = [cell(idx)] if index_name is not None else []
        for v in row:
            if isinstance(v, float):
                cells.append("" if math.isnan(v) else fmt.format(v))
            else:
                cells.append(cell(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
