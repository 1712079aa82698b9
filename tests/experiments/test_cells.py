"""experiments._cells: caching, resume, atomic cache writes, determinism, parallel == serial."""

import json
import os
import sys

import numpy as np
import pytest

from experiments import _cells

# ----------------------------------------------------------------------------------------------
# module-level cell functions (picklable, so they also run under jobs=2)


def _noisy_cell(cell):
    """A cell whose result depends on its seed only (numpy + torch), like a real training cell."""
    import torch

    rng = np.random.default_rng(cell["seed"])
    torch.manual_seed(cell["seed"])
    x = torch.randn(64, 8) @ torch.randn(8, 8)
    return {"p": cell["p"], "value": float(rng.normal()) + float(x.sum()), "vec": rng.normal(size=3)}


def _counting_cell(cell):
    """Append one line per call to the log named in the cell (works across processes)."""
    with open(cell["log"], "a", encoding="utf-8") as fh:
        fh.write(f"{cell['i']}\n")
    if cell["i"] == cell.get("fail_at"):
        raise RuntimeError(f"cell {cell['i']} fails on purpose")
    return {"square": cell["i"] ** 2}


def _gc_threshold_cell(cell):
    """The collector's first-generation threshold while the cell runs."""
    import gc

    return {"threshold": gc.get_threshold()[0]}


def _calls(log):
    return sorted(int(line) for line in log.read_text().split()) if log.exists() else []


def _some_cells(n=6):
    return [{"p": round(0.2 * i, 10), "seed": _cells.cell_seed(7, "test", i)} for i in range(n)]


# ----------------------------------------------------------------------------------------------
# cell_seed / cell_key


def test_cell_seed_is_deterministic_and_depends_on_master_seed_and_identity():
    assert _cells.cell_seed(0, "a", 0.5, 1) == _cells.cell_seed(0, "a", 0.5, 1)
    seeds = {_cells.cell_seed(m, "a", p) for m in range(3) for p in (0.0, 0.5, 1.0)}
    assert len(seeds) == 9
    assert all(0 <= s < 2**63 for s in seeds)


def test_cell_seed_regression_value_is_stable_across_versions():
    # regression: issue 5 (seeds must not change silently, or committed figures stop reproducing)
    assert _cells.cell_seed(0, "figure3", 0.5) == _cells.cell_seed(0, *json.loads('["figure3", 0.5]'))
    assert _cells.cell_seed(0, "x") == 5116432057779419782


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, None])
def test_cell_seed_rejects_bad_master_seed(bad):
    with pytest.raises(ValueError, match="master_seed"):
        _cells.cell_seed(bad, "x")


def test_cell_key_ignores_key_order_but_not_values_or_function():
    a, b = {"p": 0.5, "n": 10}, {"n": 10, "p": 0.5}
    assert _cells.cell_key(a) == _cells.cell_key(b)
    assert _cells.cell_key(a) != _cells.cell_key({"p": 0.5, "n": 11})
    assert _cells.cell_key(a, _noisy_cell) != _cells.cell_key(a, _counting_cell)


@pytest.mark.parametrize("bad", [{"p": float("nan")}, {"p": float("inf")}])
def test_cell_key_rejects_non_finite_floats(bad):
    with pytest.raises(ValueError, match="non-finite"):
        _cells.cell_key(bad)


def test_run_cells_rejects_bad_jobs():
    with pytest.raises(ValueError, match="jobs"):
        _cells.run_cells(_noisy_cell, _some_cells(1), jobs=0)


# ----------------------------------------------------------------------------------------------
# run_cells


def test_results_come_back_in_cell_order_as_plain_json():
    cells = _some_cells()
    results = _cells.run_cells(_noisy_cell, cells)
    assert [r["p"] for r in results] == [c["p"] for c in cells]
    assert all(isinstance(r["vec"], list) for r in results)  # numpy array -> list


def test_same_seed_gives_byte_identical_results_and_cache_files(tmp_path):
    cells = _some_cells()
    first = _cells.run_cells(_noisy_cell, cells, cache_dir=tmp_path / "one")
    second = _cells.run_cells(_noisy_cell, cells, cache_dir=tmp_path / "two")
    assert json.dumps(first) == json.dumps(second)
    files = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "two").iterdir())
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_cached_results_equal_fresh_results(tmp_path):
    cells = _some_cells()
    fresh = _cells.run_cells(_noisy_cell, cells, cache_dir=tmp_path)
    cached = _cells.run_cells(_noisy_cell, cells, cache_dir=tmp_path)
    assert json.dumps(fresh) == json.dumps(cached)


def test_resume_after_failure_recomputes_only_unfinished_cells(tmp_path):
    log = tmp_path / "calls.log"
    cells = [{"i": i, "log": str(log), "fail_at": 3} for i in range(6)]
    with pytest.raises(RuntimeError, match="on purpose"):
        _cells.run_cells(_counting_cell, cells, cache_dir=tmp_path / "cache")
    assert _calls(log) == [0, 1, 2, 3]
    # no partial or temporary files: exactly the three finished cells are cached
    assert len(os.listdir(tmp_path / "cache")) == 3
    assert all(name.endswith(".json") and not name.startswith(".") for name in os.listdir(tmp_path / "cache"))

    log.unlink()
    fixed = [{**c, "fail_at": None} for c in cells]  # a different cell dict -> different key ...
    done = [c for c in cells if c["i"] < 3]
    results = _cells.run_cells(_counting_cell, done, cache_dir=tmp_path / "cache")
    assert _calls(log) == []  # ... but the finished ones are found in the cache
    assert [r["square"] for r in results] == [0, 1, 4]
    _cells.run_cells(_counting_cell, fixed, cache_dir=tmp_path / "cache")
    assert _calls(log) == [0, 1, 2, 3, 4, 5]


def test_second_run_does_not_call_the_function_again(tmp_path):
    log = tmp_path / "calls.log"
    cells = [{"i": i, "log": str(log)} for i in range(4)]
    _cells.run_cells(_counting_cell, cells, cache_dir=tmp_path / "cache")
    _cells.run_cells(_counting_cell, cells, cache_dir=tmp_path / "cache")
    assert _calls(log) == [0, 1, 2, 3]


def test_duplicate_cells_are_computed_once(tmp_path):
    log = tmp_path / "calls.log"
    cell = {"i": 2, "log": str(log)}
    results = _cells.run_cells(_counting_cell, [cell, dict(cell)])
    assert _calls(log) == [2]
    assert results == [{"square": 4}, {"square": 4}]


def test_corrupt_cache_file_is_recomputed(tmp_path):
    log = tmp_path / "calls.log"
    cell = {"i": 5, "log": str(log)}
    _cells.run_cells(_counting_cell, [cell], cache_dir=tmp_path)
    (tmp_path / f"{_cells.cell_key(cell, _counting_cell)}.json").write_text('{"cell": ')  # truncated
    assert _cells.run_cells(_counting_cell, [cell], cache_dir=tmp_path) == [{"square": 25}]
    assert _calls(log) == [5, 5]


def test_no_cache_dir_means_nothing_is_written(tmp_path):
    log = tmp_path / "calls.log"
    cells = [{"i": i, "log": str(log)} for i in range(2)]
    _cells.run_cells(_counting_cell, cells)
    _cells.run_cells(_counting_cell, cells)
    assert _calls(log) == [0, 0, 1, 1]
    assert sorted(os.listdir(tmp_path)) == ["calls.log"]


def test_two_jobs_give_the_same_results_as_one_job(tmp_path):
    # pytest imports this file as ``tests.experiments.test_cells``, which worker processes cannot
    # import (a ``tests`` package may shadow it), so ship this module's functions by value.
    import cloudpickle  # a dependency of joblib >= 1.5

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    cells = _some_cells(4)
    serial = _cells.run_cells(_noisy_cell, cells, jobs=1)
    parallel = _cells.run_cells(_noisy_cell, cells, jobs=2, cache_dir=tmp_path)
    assert json.dumps(serial) == json.dumps(parallel)
    assert len(os.listdir(tmp_path)) == 4


def test_torch_thread_count_is_restored_after_a_serial_run():
    import torch

    before = torch.get_num_threads()
    _cells.run_cells(_noisy_cell, _some_cells(1), threads=1)
    assert torch.get_num_threads() == before
    assert not torch.are_deterministic_algorithms_enabled()


# ----------------------------------------------------------------------------------------------
# code fingerprints


def test_code_fingerprint_changes_when_the_source_changes(tmp_path, monkeypatch):
    pkg = tmp_path / "fp_demo_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    (pkg / "core.py").write_text("def f():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = _cells.code_fingerprint("fp_demo_pkg")
    assert before == _cells.code_fingerprint("fp_demo_pkg")
    (pkg / "core.py").write_text("def f():\n    return 2\n")
    assert _cells.code_fingerprint("fp_demo_pkg") != before


def test_code_fingerprint_rejects_unknown_modules():
    with pytest.raises(ValueError, match="no_such_module_xyz"):
        _cells.code_fingerprint("no_such_module_xyz")


# ----------------------------------------------------------------------------------------------
# batched cells (run_cells(..., batch_fn=...))


def _batched_cells(cells):
    """``[_noisy_cell(c) for c in cells]`` computed in one call, logging every call's size."""
    for cell in cells:
        if cell.get("log"):
            with open(cell["log"], "a", encoding="utf-8") as fh:
                fh.write(f"{len(cells)}\n")
    return [_noisy_cell(cell) for cell in cells]


def test_batched_cells_give_the_results_of_the_cell_function(tmp_path):
    cells = _some_cells(5)
    plain = _cells.run_cells(_noisy_cell, cells)
    batched = _cells.run_cells(_noisy_cell, cells, batch_fn=_batched_cells, cache_dir=tmp_path)
    assert json.dumps(plain) == json.dumps(batched)
    # cached per cell, under the cell function's key: an unbatched run reads the same cache
    assert len(os.listdir(tmp_path)) == 5
    assert json.dumps(_cells.run_cells(_noisy_cell, cells, cache_dir=tmp_path)) == json.dumps(plain)


def test_batched_cells_are_grouped_by_key_and_computed_one_call_per_group(tmp_path):
    log = tmp_path / "calls.log"
    cells = [{**c, "log": str(log)} for c in _some_cells(6)]
    _cells.run_cells(_noisy_cell, cells, batch_fn=_batched_cells, batch_key=lambda c: c["p"] < 0.5)
    assert _calls(log) == [3] * 3 + [3] * 3  # two groups of three: one call each with jobs=1
    log.unlink()
    _cells.run_cells(_noisy_cell, cells, batch_fn=_batched_cells, batch_key=lambda c: None)
    assert _calls(log) == [1] * 6  # key None: every cell alone


@pytest.mark.slow  # starts a worker process (seconds of imports)
def test_batched_cells_with_two_jobs_equal_one_job_and_resume_only_the_missing(tmp_path):
    import cloudpickle  # a dependency of joblib >= 1.5

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    log = tmp_path / "calls.log"
    cells = [{**c, "log": str(log)} for c in _some_cells(6)]
    serial = _cells.run_cells(_noisy_cell, cells, batch_fn=_batched_cells)
    cache = tmp_path / "cache"
    _cells.run_cells(_noisy_cell, cells[:2], batch_fn=_batched_cells, cache_dir=cache)
    log.unlink()
    parallel = _cells.run_cells(_noisy_cell, cells, jobs=2, batch_fn=_batched_cells, cache_dir=cache)
    assert json.dumps(serial) == json.dumps(parallel)
    assert _calls(log) == [2] * 4  # only the 4 missing cells, in two chunks of 2 (one per job)


@pytest.mark.slow  # starts a worker process (seconds of imports)
def test_several_groups_with_two_jobs_compute_every_chunk_once(tmp_path):
    import cloudpickle  # a dependency of joblib >= 1.5

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    log = tmp_path / "calls.log"
    cells = [{**c, "log": str(log)} for c in _some_cells(9)]
    serial = _cells.run_cells(_noisy_cell, cells)

    def key(cell):  # three groups of two cells (two chunks of one each) and three cells alone
        return None if cell["p"] >= 1.2 else int(cell["p"] / 0.4 + 1e-9)

    parallel = _cells.run_cells(_noisy_cell, cells, jobs=2, batch_fn=_batched_cells, batch_key=key)
    assert json.dumps(serial) == json.dumps(parallel)
    assert _calls(log) == [1] * 9  # 9 chunks of one cell, each computed once (in a worker or here)


def test_batch_key_without_batch_fn_is_rejected():
    with pytest.raises(ValueError, match="batch_key needs batch_fn"):
        _cells.run_cells(_noisy_cell, _some_cells(1), batch_key=lambda c: 0)
    with pytest.raises(ValueError, match="batch_cost needs batch_fn"):
        _cells.run_cells(_noisy_cell, _some_cells(1), batch_cost=lambda c: 1.0)


def test_chunks_of_equal_cost_keep_each_chunk_in_cell_order():
    # regression: issue 13 (equal numbers of cells gave one --jobs process five more Symile models)
    members = [f"c{i}" for i in range(10)]
    costs = [3.0, 1.0] * 5  # e.g. Symile and CLIP cells alternating
    chunks = _cells._chunks(members, 2, costs)
    totals = [sum(costs[members.index(m)] for m in chunk) for chunk in chunks]
    assert totals == [10.0, 10.0]
    assert sorted(m for chunk in chunks for m in chunk) == sorted(members)
    assert all(chunk == sorted(chunk, key=members.index) for chunk in chunks)
    front = [3.0] * 5 + [1.0] * 5  # contiguous halves would cost 15 and 5
    front_heavy = _cells._chunks(members, 2, front)
    assert [sum(front[members.index(m)] for m in chunk) for chunk in front_heavy] == [10.0, 10.0]
    assert _cells._chunks(members, 2, None) == [members[:5], members[5:]]  # no costs: contiguous halves


@pytest.mark.parametrize("cost", [0.0, -1.0, float("nan"), "3", True])
def test_a_bad_batch_cost_names_the_value(cost):
    with pytest.raises((ValueError, TypeError), match="batch_cost must return"):
        _cells.run_cells(_noisy_cell, _some_cells(2), batch_fn=_batched_cells, batch_cost=lambda c: cost)


def test_a_batch_function_must_return_one_result_per_cell():
    with pytest.raises(TypeError, match="one result per cell"):
        _cells.run_cells(_noisy_cell, _some_cells(2), batch_fn=lambda cells: [{}])


@pytest.mark.parametrize("batched", [False, True], ids=["one-by-one", "batched"])
def test_cells_run_with_rare_garbage_collections_and_the_threshold_is_restored(batched):
    # regression: issue 13 (a cell's imports walked by the collector hundreds of times)
    import gc

    before = gc.get_threshold()
    cells = _some_cells(2)
    batch = (lambda cs: [_gc_threshold_cell(c) for c in cs]) if batched else None
    results = _cells.run_cells(_gc_threshold_cell, cells, batch_fn=batch)
    assert [r["threshold"] for r in results] == [_cells._GC_THRESHOLD] * 2
    assert gc.get_threshold() == before
