"""experiments._runner: one runner for every experiment; the CLI's user errors vs bugs."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from experiments import _options, _runner, cli


def _square_cell(cell: dict) -> dict:  # module level: picklable
    return {"square": cell["i"] ** 2}


def _demo(n_cells: int = 3, **overrides) -> _runner.Experiment:
    def tables(cfg, cells, results):
        squares = [r["square"] for r in results]
        return {"demo": pd.DataFrame({"i": [c["i"] for c in cells], "square": squares})}

    def checks(cfg, tables):
        sq = tables["demo"]["square"]
        return [("squares are non-decreasing", bool(sq.is_monotonic_increasing), f"{list(sq)}")]

    def plot(cfg, tables):
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot(tables["demo"]["i"], tables["demo"]["square"])
        return fig

    spec = dict(
        name="demo",
        version=3,
        config=lambda args: {"n": n_cells},
        cells=lambda cfg, seed: [{"i": i, "seed": seed} for i in range(cfg["n"])],
        cell=_square_cell,
        tables=tables,
        checks=checks,
        plot=plot,
        report=lambda cfg, tables: print("REPORT", len(tables["demo"])),
    )
    spec.update(overrides)
    return _runner.Experiment(**spec)


def _args(out, *argv):
    parser = argparse.ArgumentParser()
    _options.add_common_arguments(parser)
    return parser.parse_args(["--jobs", "1", "--no-progress", "--out", str(out), *argv])


def test_run_writes_tables_checks_config_and_figure(tmp_path, capsys):
    result = _runner.run(_demo(), _args(tmp_path, "--seed", "4"))
    assert list(pd.read_csv(tmp_path / "demo.csv")["square"]) == [0, 1, 4]
    checks = pd.read_csv(tmp_path / "demo_checks.csv")
    assert list(checks.columns) == ["name", "passed", "detail"] and bool(checks["passed"].iloc[0])
    config = json.loads((tmp_path / "demo_config.json").read_text())
    assert config == {"experiment": "demo", "version": 3, "seed": 4, "quick": False, "n": 3}
    assert (tmp_path / "demo.png").stat().st_size > 0 and (tmp_path / "demo.pdf").stat().st_size > 0
    out = capsys.readouterr().out
    assert "REPORT 3" in out and "PASS: squares are non-decreasing ([0, 1, 4])" in out
    assert result["checks"][0].passed and result["config"] == config


def test_a_failing_check_is_printed_as_fail(tmp_path, capsys):
    spec = _demo(checks=lambda cfg, t: [("always false", False, "by design of this test")])
    result = _runner.run(spec, _args(tmp_path))
    assert "FAIL: always false (by design of this test)" in capsys.readouterr().out
    assert not result["checks"][0].passed


def test_cells_are_cached_and_a_second_run_reuses_them(tmp_path):
    _runner.run(_demo(), _args(tmp_path))
    assert len(list((tmp_path / ".cache" / "demo").glob("*.json"))) == 3
    first = (tmp_path / "demo.csv").read_bytes()
    _runner.run(_demo(), _args(tmp_path))
    assert (tmp_path / "demo.csv").read_bytes() == first


def test_unwritable_out_fails_before_any_cell_runs(tmp_path):
    calls = []
    spec = _demo(cells=lambda cfg, seed: calls.append(1) or [])
    (tmp_path / "file").write_text("x")
    with pytest.raises(_options.UsageError, match="file"):
        _runner.run(spec, _args(tmp_path / "file"))
    assert calls == []


@pytest.mark.parametrize("out", ["/proc/nope", "/dev/null", "FILE/sub"])
def test_cli_unwritable_out_is_one_line_with_status_2(out, tmp_path, capsys):
    (tmp_path / "FILE").write_text("x")
    out = out.replace("FILE", str(tmp_path / "FILE"))
    with pytest.raises(SystemExit) as exc:
        cli.main(["figure3", "--quick", "--jobs", "1", "--no-progress", "--out", out])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("symile-lab figure3: error: cannot write to the output folder")
    assert out in err and len(err.strip().splitlines()) == 1


def test_cli_keeps_the_traceback_of_an_internal_error(monkeypatch, tmp_path):
    # regression: issue 9 (every ValueError used to be reported as bad user input)
    import experiments.figure3 as figure3

    def broken(args):
        raise ValueError("an internal bug, not the user's input")

    monkeypatch.setattr(figure3, "run", broken)
    with pytest.raises(ValueError, match="internal bug"):
        cli.main(["figure3", "--quick", "--out", str(tmp_path)])


def _square_cells(cells: list[dict]) -> list[dict]:  # module level: picklable
    return [{"square": cell["i"] ** 2, "batch": len(cells)} for cell in cells]


def test_run_computes_cells_through_the_experiments_batch_function(tmp_path):
    spec = _demo(n_cells=4, batch=_square_cells, batch_key=lambda c: c["i"] % 2)
    result = _runner.run(spec, _args(tmp_path))
    assert list(result["tables"]["demo"]["square"]) == [0, 1, 4, 9]
    cached = [json.loads(p.read_text())["result"] for p in (tmp_path / ".cache" / "demo").glob("*.json")]
    assert sorted(r["batch"] for r in cached) == [2, 2, 2, 2]  # two groups of two


def test_run_prints_the_ratio_to_a_reference_time(tmp_path, capsys):
    spec = _demo(reference_seconds=lambda cfg: (1e6, "a slow reference"))
    result = _runner.run(spec, _args(tmp_path))
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("demo: a slow reference: ≈ 1000000 s, ")
    assert line.endswith(f"{1e6 / result['wall_seconds']:.0f}x our wall time")
