"""Run a grid of independent experiment cells: cached, resumable, parallel and reproducible.

A *cell* is a plain JSON-able ``dict`` that fully determines one unit of work (its parameters, its
seed(s), the data sizes, a code version, ...). ``run_cells(fn, cells)`` calls ``fn(cell)`` for every
cell and returns the results in the order of ``cells``; each result is a JSON-able ``dict``.

Guarantees
----------
* **Caching / resume.** With ``cache_dir`` set, every finished cell is written atomically to
  ``<cache_dir>/<cell_key(cell, fn)>.json`` the moment it finishes (inside the worker), so a killed
  run resumes without recomputing or losing finished cells. The key is a SHA-256 of the key-sorted
  JSON of the cell plus the qualified name of ``fn``: put *everything* that determines the result into
  the cell, including the code it runs: a ``"version"`` entry to bump by hand and/or
  ``"code": code_fingerprint("symile_min", "generators", __name__)`` (a hash of their source).
* **Reproducibility.** Results are returned in the order of ``cells`` (never in completion order), and
  always round-tripped through JSON, so a fresh result and a cached one are identical objects. Seeds
  are derived from the master seed and the *identity* of a cell (:func:`cell_seed`), never from
  execution order. Every call of ``fn`` runs with ``torch.set_num_threads(threads)`` (default 1)
  and deterministic torch algorithms, so ``jobs=2`` gives bit-identical numbers to ``jobs=1`` (batched
  cells too: a model's numbers do not depend on the rest of its batch, see
  :mod:`symile_min._batched_loss`).
* **Parallelism.** ``jobs > 1`` runs cells in separate processes (joblib / loky); ``fn`` must then
  be a module-level (picklable) function.
* **Batching.** ``batch_fn(cells)`` computes several cells in one call (e.g. K models trained as one
  batched computation, :func:`symile_min.multi.train_many`) and must return ``[fn(cell) for cell in
  cells]``: the same numbers, whatever the batch holds. With ``batch_fn`` set, every cell to compute goes
  through it (alone or not), grouped by ``batch_key(cell)`` (cells with equal keys share a call; ``None``:
  a call of its own) and each group split into ``jobs`` chunks, one call each, so ``--jobs`` parallelises
  a group: contiguous chunks of equal size, or, with ``batch_cost(cell)`` (a cell's relative cost),
  chunks of equal total cost (greedy: the costliest cells first, each to the cheapest chunk so far; a
  chunk keeps its cells in their order). Cells are still cached one by one (written when their call
  finishes) under the key of ``fn``, so batched and unbatched runs share the cache.

Experiment scripts do not call this module directly: :mod:`experiments._runner` runs an experiment's
cells through :func:`run_cells` with the options of :mod:`experiments._options`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from experiments._io import atomic_write_text

__all__ = [
    "BatchFunction",
    "CellFunction",
    "canonical_json",
    "cell_key",
    "cell_seed",
    "code_fingerprint",
    "run_cells",
]

#: ``fn(cell) -> result``: both plain JSON-able dicts.
CellFunction = Callable[[dict], dict]
#: ``batch_fn(cells) -> [fn(cell) for cell in cells]``.
BatchFunction = Callable[[list[dict]], list[dict]]


def canonical_json(obj: Any) -> str:
    """Key-sorted, compact JSON of ``obj`` (the canonical form hashed by :func:`cell_key`).

    Raises ``ValueError`` for NaN/inf (not valid JSON, and not stable across readers) and ``TypeError``
    for objects JSON cannot encode (numpy scalars are converted to Python numbers first).
    """
    return json.dumps(_plain(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


def cell_key(cell: dict, fn: CellFunction | None = None) -> str:
    """A stable 32-hex-digit key of ``cell`` (and of ``fn``'s qualified name, if given).

    >>> cell_key({"p": 0.5, "seed": 1}) == cell_key({"seed": 1, "p": 0.5})
    True
    >>> len(cell_key({"p": 0.5}))
    32
    """
    if not isinstance(cell, dict):
        raise TypeError(f"a cell must be a dict, got {type(cell).__name__}: {cell!r}")
    payload = {"cell": cell}
    if fn is not None:
        payload["fn"] = f"{fn.__module__}.{fn.__qualname__}"
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()[:32]


def cell_seed(master_seed: int, *identity: Any) -> int:
    """An integer seed in ``[0, 2**63)`` derived from ``master_seed`` and a cell's identity.

    Uses ``numpy.random.SeedSequence`` seeded with the master seed and the SHA-256 of the canonical
    JSON of ``identity``; the same inputs always give the same seed, on every machine, whatever the
    order in which cells run, and different identities give (with overwhelming probability)
    independent streams.

    Parameters
    ----------
    master_seed : int
        The run's seed (``--seed``), a non-negative integer.
    *identity
        JSON-able values naming the cell, e.g. ``("figure3", "train", 0.5, 0)``.

    Examples
    --------
    >>> cell_seed(0, "figure3", 0.5) == cell_seed(0, "figure3", 0.5)
    True
    >>> cell_seed(0, "figure3", 0.5) != cell_seed(1, "figure3", 0.5)
    True
    """
    if isinstance(master_seed, bool) or not isinstance(master_seed, int | np.integer) or master_seed < 0:
        raise ValueError(f"master_seed must be a non-negative integer, got {master_seed!r}")
    digest = hashlib.sha256(canonical_json(list(identity)).encode("utf-8")).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, len(digest), 4)]
    state = np.random.SeedSequence([int(master_seed), *words]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def code_fingerprint(*modules: str) -> str:
    """A 16-hex-digit hash of the Python source of the named modules/packages (all their ``.py`` files).

    Put it into every cell (e.g. ``"code": code_fingerprint("symile_min", "generators", __name__)``) so
    that any edit of the code a result depends on invalidates the cached cells computed with the old code.

    >>> code_fingerprint("experiments._cells") == code_fingerprint("experiments._cells")
    True
    """
    import importlib.util

    digest = hashlib.sha256()
    for name in sorted(set(modules)):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ValueError(f"cannot find the source of module {name!r}")
        origin = Path(spec.origin)
        files = sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(f"{name}:{path.relative_to(origin.parent).as_posix()}\n".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def run_cells(
    fn: CellFunction,
    cells: Sequence[dict],
    *,
    cache_dir: str | os.PathLike | None = None,
    jobs: int = 1,
    progress: bool = False,
    desc: str = "cells",
    threads: int = 1,
    batch_fn: BatchFunction | None = None,
    batch_key: Callable[[dict], Any] | None = None,
    batch_cost: Callable[[dict], float] | None = None,
) -> list[dict]:
    """Compute ``fn(cell)`` for every cell (cached, optionally parallel and batched); results in cell order.

    Parameters
    ----------
    fn : callable
        ``fn(cell) -> dict`` of JSON-able results. A module-level function when ``jobs > 1``.
    cells : sequence of dict
        JSON-able cells; each must contain everything that determines its result (see module doc).
        Duplicate cells are computed once.
    cache_dir : path or None
        Folder of the per-cell cache (created if missing); ``None`` disables caching.
    jobs : int
        Number of worker processes (1 = run in this process).
    progress : bool
        Show a tqdm progress bar (on stderr) counting finished cells, cached ones included.
    desc : str
        Label of the progress bar.
    threads : int
        ``torch.set_num_threads`` inside every call of ``fn`` (restored afterwards when ``jobs == 1``);
        keep it fixed across runs for bit-identical numbers.
    batch_fn : callable, optional
        ``batch_fn(cells) -> [fn(cell) for cell in cells]``, computed together (module docstring); a
        module-level function when ``jobs > 1``.
    batch_key : callable, optional
        ``batch_key(cell)``: cells with equal (hashable) keys are computed in the same ``batch_fn`` calls;
        default: all cells in one group.
    batch_cost : callable, optional
        ``batch_cost(cell)``: a positive relative cost; a group is then split into chunks of equal total
        cost rather than equal size (module docstring). Default: equal sizes.

    Returns
    -------
    list of dict
        ``[fn(cell) for cell in cells]``, each round-tripped through JSON.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int | np.integer) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    for name, given in (("batch_key", batch_key), ("batch_cost", batch_cost)):
        if given is not None and batch_fn is None:
            raise ValueError(f"{name} needs batch_fn (the function that computes a group of cells)")
    cells = list(cells)
    keys = [cell_key(cell, fn) for cell in cells]  # also validates every cell up front
    cache = Path(cache_dir) if cache_dir is not None else None
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict] = {}
    todo: dict[str, dict] = {}
    for key, cell in zip(keys, cells):
        if key in results or key in todo:
            continue
        cached = _load_cached(cache, key, cell) if cache is not None else None
        if cached is not None:
            results[key] = cached
        else:
            todo[key] = cell

    from tqdm.auto import tqdm

    with tqdm(total=len(results) + len(todo), initial=len(results), desc=desc, disable=not progress) as bar:
        if batch_fn is None:
            for key, result in _execute(fn, todo, cache, jobs, threads):
                results[key] = result
                bar.update(1)
        else:
            batching = (batch_fn, batch_key, batch_cost)
            for pairs in _execute_batches(fn, batching, todo, cache, jobs, threads):
                results.update(pairs)
                bar.update(len(pairs))
    return [results[key] for key in keys]


# --------------------------------------------------------------------------------------------------
# internals


def _plain(obj: Any) -> Any:
    """Convert numpy scalars/arrays and tuples into plain JSON types (recursively)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"cell/result keys must be strings, got {k!r}")
            out[k] = _plain(v)
        return out
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        obj = float(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"non-finite float {obj!r} cannot be cached as JSON")
    return obj


def _roundtrip(result: Any) -> dict:
    if not isinstance(result, dict):
        raise TypeError(f"a cell function must return a dict, got {type(result).__name__}")
    return json.loads(canonical_json(result))


def _load_cached(cache: Path, key: str, cell: dict) -> dict | None:
    path = cache / f"{key}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return None  # missing or unreadable (e.g. written by hand): recompute
    if record.get("cell") != json.loads(canonical_json(cell)) or not isinstance(record.get("result"), dict):
        return None  # hash collision or a stale format: recompute
    return record["result"]


#: the garbage collector's first-generation threshold while cells run (Python's default: 700 allocations)
_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Run with the cyclic garbage collector's youngest generation collected every 100,000 allocations
    instead of 700, restored afterwards.

    A cell's first imports (torch, in every worker process) allocate millions of objects that all stay
    alive, and the default threshold makes the collector walk them again and again: importing what a
    Figure 3 cell needs (torch, symile_min, generators, pandas) ran 458 collections taking 0.31-0.37 s with
    the default threshold, and 3 taking 0.13-0.16 s with this one, on this project's 2-core machine. The
    loops of a cell free their objects by reference counting, so collecting more rarely keeps little more
    memory alive.
    """
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], _GC_THRESHOLD), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


@contextlib.contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """Run with a fixed number of torch threads and deterministic algorithms (if torch is installed)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a hard dependency of the project
        yield
        return
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    _deterministic(torch, True)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        _deterministic(torch, old_det)


def _deterministic(torch, mode: bool) -> None:
    """``torch.use_deterministic_algorithms(mode)`` for eager ops, without its import of ``torch._inductor``.

    The public function also sets the compiler's flag, importing ``torch._inductor`` and ``torch._dynamo``
    (2-7 s of CPU per process here, more than a small sweep's training); no cell compiles anything, so
    only the eager switch is set, where this torch has it.
    """
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None:  # pragma: no cover - other torch versions: the public function
        torch.use_deterministic_algorithms(mode)
    else:
        setter(mode, warn_only=False)


def _work(fn: CellFunction, key: str, cell: dict, cache: Path | None, threads: int) -> tuple[str, dict]:
    """Run one cell (in a worker or in-process) and, if caching, persist it atomically at once."""
    with _rare_collections(), _torch_threads(threads):
        result = _roundtrip(fn(cell))
    if cache is not None:
        record = {"cell": cell, "fn": f"{fn.__module__}.{fn.__qualname__}", "result": result}
        atomic_write_text(cache / f"{key}.json", canonical_json(record) + "\n")
    return key, result


def _execute(
    fn: CellFunction, todo: dict[str, dict], cache: Path | None, jobs: int, threads: int
) -> Iterator[tuple[str, dict]]:
    if not todo:
        return
    if jobs == 1 or len(todo) == 1:
        for key, cell in todo.items():
            yield _work(fn, key, cell, cache, threads)
        return
    from joblib import Parallel, delayed

    # one cell per dispatch: cells are long and uneven, so batching would leave a worker idle at the end
    parallel = Parallel(n_jobs=min(jobs, len(todo)), return_as="generator_unordered", batch_size=1)
    yield from parallel(delayed(_work)(fn, key, cell, cache, threads) for key, cell in todo.items())


def _work_batch(
    fn: CellFunction,
    batch_fn: BatchFunction,
    keys: list[str],
    cells: list[dict],
    cache: Path | None,
    threads: int,
) -> list[tuple[str, dict]]:
    """Run one batch of cells (in a worker or in-process) and cache every result at once."""
    with _rare_collections(), _torch_threads(threads):
        out = batch_fn(list(cells))
    if not isinstance(out, list | tuple) or len(out) != len(cells):
        raise TypeError(
            f"a batch function must return one result per cell ({len(cells)}), got {type(out).__name__}"
        )
    pairs = []
    for key, cell, result in zip(keys, cells, out, strict=True):
        result = _roundtrip(result)
        if cache is not None:
            record = {"cell": cell, "fn": f"{fn.__module__}.{fn.__qualname__}", "result": result}
            atomic_write_text(cache / f"{key}.json", canonical_json(record) + "\n")
        pairs.append((key, result))
    return pairs


def _chunks(members: list[str], parts: int, costs: list[float] | None) -> list[list[str]]:
    """``members`` split into ``parts`` chunks: contiguous and of equal size, or of equal total ``costs``.

    With costs: greedy longest-first (each member, costliest first, goes to the chunk of least total so
    far; ties to the earlier chunk), every chunk keeping its members in their order.
    """
    if costs is None:
        bounds = [round(i * len(members) / parts) for i in range(parts + 1)]
        return [members[bounds[i] : bounds[i + 1]] for i in range(parts)]
    totals, picked = [0.0] * parts, [[] for _ in range(parts)]
    for i in sorted(range(len(members)), key=lambda i: -costs[i]):  # stable: equal costs in order
        chunk = min(range(parts), key=lambda c: totals[c])
        totals[chunk] += costs[i]
        picked[chunk].append(i)
    return [[members[i] for i in sorted(chunk)] for chunk in picked]


def _cost(batch_cost: Callable[[dict], float], cell: dict) -> float:
    cost = batch_cost(cell)
    if isinstance(cost, bool) or not isinstance(cost, int | float | np.integer | np.floating):
        raise TypeError(f"batch_cost must return a number, got {type(cost).__name__} for cell {cell!r}")
    if not (math.isfinite(cost) and cost > 0):
        raise ValueError(f"batch_cost must return a finite cost > 0, got {cost!r} for cell {cell!r}")
    return float(cost)


def _execute_batches(
    fn: CellFunction,
    batching: tuple[BatchFunction, Callable[[dict], Any] | None, Callable[[dict], float] | None],
    todo: dict[str, dict],
    cache: Path | None,
    jobs: int,
    threads: int,
) -> Iterator[list[tuple[str, dict]]]:
    if not todo:
        return
    batch_fn, batch_key, batch_cost = batching
    groups: dict[Any, list[str]] = {}
    for key, cell in todo.items():
        label = batch_key(cell) if batch_key is not None else 0
        groups.setdefault(("alone", key) if label is None else ("group", label), []).append(key)
    chunks = []  # each group split into up to `jobs` balanced chunks
    for members in groups.values():
        costs = None if batch_cost is None else [_cost(batch_cost, todo[k]) for k in members]
        chunks += _chunks(members, min(jobs, len(members)), costs)
    tasks = [(chunk, [todo[k] for k in chunk]) for chunk in chunks]
    if jobs == 1 or len(tasks) == 1:
        for chunk, cells in tasks:
            yield _work_batch(fn, batch_fn, chunk, cells, cache, threads)
        return
    # a shared queue: jobs - 1 workers take chunks from the front, this process from the back (one worker
    # fewer to start). One feeder thread per worker hands it its next chunk as soon as it is free, so no
    # worker waits while this process computes a long chunk.
    import threading
    from concurrent.futures import wait

    from joblib.externals.loky import get_reusable_executor

    workers = min(jobs, len(tasks)) - 1
    executor = get_reusable_executor(max_workers=workers)
    queue, futures, lock = list(tasks), [], threading.Lock()

    def feed() -> None:
        while True:
            with lock:
                if not queue:
                    return
                chunk, cells = queue.pop(0)
            future = executor.submit(_work_batch, fn, batch_fn, chunk, cells, cache, threads)
            with lock:
                futures.append(future)
            wait([future])
            if future.exception() is not None:
                return  # raised below, in this process

    feeders = [threading.Thread(target=feed, daemon=True) for _ in range(workers)]
    for thread in feeders:
        thread.start()
    try:
        while True:
            with lock:
                if not queue:
                    break
                chunk, cells = queue.pop()
            yield _work_batch(fn, batch_fn, chunk, cells, cache, threads)
    finally:
        with lock:
            queue.clear()  # after an error here: the workers stop after their current chunk
        for thread in feeders:
            thread.join()
    for future in futures:
        yield future.result()
