"""experiments._io: atomic writes and figure saving."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

from experiments import _io  # noqa: E402


def _figure():
    fig, (left, right) = plt.subplots(1, 2, figsize=(6, 3), constrained_layout=True)
    left.plot([0, 1], [0, 1], label="a long legend label")
    left.set_ylabel("information (bits)")
    left.legend()
    right.set_title("a title that needs room")
    fig.suptitle("suptitle")
    return fig


def test_save_figure_writes_png_and_pdf_and_keeps_the_layout_engine(tmp_path):
    fig = _figure()
    paths = _io.save_figure(fig, tmp_path, "fig")
    assert [p.name for p in paths] == ["fig.png", "fig.pdf"]
    assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)  # restored for later draws
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.pdf", "fig.png"]  # no temp file left
    plt.close(fig)


def test_save_figure_pdf_has_the_constrained_layout_of_the_png(tmp_path):
    # the PDF is drawn with the positions the constrained layout found for the PNG; laying it out again
    # for the PDF renderer would place the axes within a pixel of the same spot
    fig = _figure()
    fig.savefig(tmp_path / "alone.pdf", format="pdf")  # the layout computed for the PDF renderer itself
    alone = [x for ax in fig.axes for x in ax.get_position().bounds]
    plt.close(fig)
    fig = _figure()
    untouched = [x for ax in fig.axes for x in ax.get_position().bounds]
    _io.save_figure(fig, tmp_path, "fig")
    saved = [x for ax in fig.axes for x in ax.get_position().bounds]
    assert saved != untouched  # the layout engine did move the axes
    assert saved == pytest.approx(alone, abs=1e-3)
    plt.close(fig)


def test_save_figure_restores_the_engine_when_a_save_fails(tmp_path, monkeypatch):
    fig = _figure()
    calls = []

    def failing(path, **kwargs):
        calls.append(kwargs["format"])
        if kwargs["format"] == "pdf":
            raise OSError("disk full")
        return original(path, **kwargs)

    original = fig.savefig
    monkeypatch.setattr(fig, "savefig", failing)
    with pytest.raises(OSError, match="disk full"):
        _io.save_figure(fig, tmp_path, "fig")
    assert calls == ["png", "pdf"]
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]  # the failed PDF left no temp file
    plt.close(fig)


def test_save_figure_without_a_layout_engine(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    _io.save_figure(fig, tmp_path, "plain", close=True)
    assert fig.get_layout_engine() is None
    assert not plt.fignum_exists(fig.number)
    assert (tmp_path / "plain.pdf").stat().st_size > 0


def test_save_figure_lays_the_figure_out_once(tmp_path, monkeypatch):
    # the PNG's draw runs the constrained layout; the PDF reuses its positions instead of a second run
    runs = []
    execute = ConstrainedLayoutEngine.execute

    def counted(self, fig):
        runs.append(1)
        return execute(self, fig)

    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", counted)
    fig = _figure()
    _io.save_figure(fig, tmp_path, "fig")
    assert len(runs) == 1
    fig.canvas.draw()  # a later draw lays it out again: the engine is back
    assert len(runs) == 2
    plt.close(fig)
