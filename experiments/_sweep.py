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
  and deterministic torch algorithms, so ``jobs=2`` gives bit-identical numbers to ``jobs=1``.
* **Parallelism.** ``jobs > 1`` runs cells in separate processes (joblib / loky); ``fn`` must then
  be a module-level (picklable) function.

Typical use in an experiment script::

    from experiments import _sweep

    def add_arguments(parser):
        _sweep.add_common_arguments(parser)

    def run(args):
        out = _io.resolve_out(args.out)
        cells = [{"p": p, "seed": _sweep.cell_seed(args.seed, "figure3", p), "version": 1} for p in ps]
        results = _sweep.run_sweep(_one_cell, cells, args, out, "figure3")  # run_cells, options from args

Train-then-test sweeps (Symile vs CLIP zero-shot: figure3, missing, m3) build their cells with
:func:`training_cells`, run each with :func:`train_and_test` and summarise them with
:func:`accuracy_table`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from experiments._io import atomic_write_text

__all__ = [
    "CellFunction",
    "accuracy_table",
    "add_common_arguments",
    "add_seeds_argument",
    "cache_dir",
    "cell_key",
    "cell_seed",
    "canonical_json",
    "code_fingerprint",
    "config_with_seeds",
    "print_checks",
    "print_wall_time",
    "run_cells",
    "run_config",
    "run_sweep",
    "summarise_accuracy",
    "train_and_test",
    "training_cells",
    "want_progress",
]

#: ``fn(cell) -> result``: both plain JSON-able dicts.
CellFunction = Callable[[dict], dict]


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

    >>> code_fingerprint("experiments._sweep") == code_fingerprint("experiments._sweep")
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
) -> list[dict]:
    """Compute ``fn(cell)`` for every cell (cached, optionally in parallel); results in cell order.

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

    Returns
    -------
    list of dict
        ``[fn(cell) for cell in cells]``, each round-tripped through JSON.
    """
    if isinstance(jobs, bool) or not isinstance(jobs, int | np.integer) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
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
        for key, result in _execute(fn, todo, cache, jobs, threads):
            results[key] = result
            bar.update(1)
    return [results[key] for key in keys]


def add_common_arguments(parser: argparse.ArgumentParser, *, default_seed: int = 0) -> None:
    """Add the options every sweep shares: ``--out --seed --jobs --quick --fresh --no-progress``."""
    parser.add_argument("--out", default=None, help="output folder (default: <repo root>/figures)")
    parser.add_argument("--seed", type=int, default=default_seed, help="master seed (default: %(default)s)")
    parser.add_argument(
        "--jobs", type=int, default=2, help="worker processes, one cell each (default: %(default)s)"
    )
    parser.add_argument("--quick", action="store_true", help="a small, fast version for tests and demos")
    parser.add_argument(
        "--fresh",
        "--no-cache",
        dest="fresh",
        action="store_true",
        help="ignore and do not write the per-cell cache under <out>/.cache/",
    )
    parser.add_argument(
        "--no-progress", dest="progress", action="store_false", help="hide the progress bar"
    )
    parser.set_defaults(progress=None)


def want_progress(args: argparse.Namespace) -> bool:
    """Show a progress bar unless ``--no-progress`` was given or stderr is not a terminal."""
    import sys

    if getattr(args, "progress", None) is False:
        return False
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def cache_dir(args: argparse.Namespace, out: str | os.PathLike, experiment: str) -> Path | None:
    """``<out>/.cache/<experiment>`` (``<experiment>-quick`` if ``--quick``); ``None`` with ``--fresh``."""
    if getattr(args, "fresh", False):
        return None
    name = f"{experiment}-quick" if getattr(args, "quick", False) else experiment
    return Path(out) / ".cache" / name


def run_sweep(
    fn: CellFunction, cells: Sequence[dict], args: argparse.Namespace, out, experiment: str
) -> list[dict]:
    """:func:`run_cells` as every experiment script calls it: cache, jobs and progress bar from ``args``."""
    return run_cells(
        fn,
        cells,
        cache_dir=cache_dir(args, out, experiment),
        jobs=args.jobs,
        progress=want_progress(args),
        desc=experiment,
    )



# --------------------------------------------------------------------------------------------------
# train-then-test sweeps (figure3, missing, m3): every setting x training seed x method is one cell
# that trains a model and scores it zero-shot on test sets shared by the seeds and the methods


def add_seeds_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--seeds K``: the number of training seeds per setting and method."""
    parser.add_argument("--seeds", type=int, default=None, help="training seeds per cell (default: 1)")


def config_with_seeds(cfg: dict, args: argparse.Namespace) -> dict:
    """Check ``--seeds`` and ``--jobs``, then set ``cfg["seeds"]`` from ``--seeds`` if given; return ``cfg``.

    Raises ``ValueError`` naming the bad value for ``--seeds < 1`` or ``--jobs < 1``.
    """
    if args.seeds is not None:
        if args.seeds < 1:
            raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
        cfg["seeds"] = args.seeds
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    return cfg


def run_config(args: argparse.Namespace, experiment: str, version: int, cfg: dict) -> dict:
    """The resolved configuration written next to the results (``<experiment>_config.json``)."""
    return {"experiment": experiment, "version": version, "seed": args.seed, "quick": bool(args.quick), **cfg}


def training_cells(
    cfg: dict,
    master_seed: int,
    *,
    experiment: str,
    version: int,
    code: str,
    methods: Sequence[str],
    setting: dict,
    identity: tuple,
    test_identity: tuple,
) -> list[dict]:
    """The cells of one setting: one per training seed ``k < cfg["seeds"]`` and method.

    Every cell holds ``experiment``, ``version``, ``code``, the ``setting`` entries, its ``method`` and
    ``seed_index``, its seeds and the sizes ``n_train``, ``n_val``, ``n_test`` and ``train`` options of
    ``cfg``. The methods of one training seed share the training and validation data (a paired
    comparison) and each has its own model seed; ``identity`` names the setting in those seeds. The
    ``cfg["n_test_sets"]`` test sets are shared by every seed and method; ``test_identity`` names them,
    so settings with the same ``test_identity`` are tested on the same data.
    """
    test_seeds = [
        cell_seed(master_seed, experiment, "test", *test_identity, j) for j in range(cfg["n_test_sets"])
    ]
    cells = []
    for k in range(cfg["seeds"]):
        for method in methods:
            cells.append(
                {
                    "experiment": experiment,
                    "version": version,
                    "code": code,
                    **setting,
                    "method": method,
                    "seed_index": k,
                    "data_seed": cell_seed(master_seed, experiment, "train", *identity, k),
                    "val_seed": cell_seed(master_seed, experiment, "val", *identity, k),
                    "model_seed": cell_seed(master_seed, experiment, "model", *identity, method, k),
                    "test_seeds": test_seeds,
                    "n_train": cfg["n_train"],
                    "n_val": cfg["n_val"],
                    "n_test": cfg["n_test"],
                    "train": cfg["train"],
                }
            )
    return cells


def train_and_test(
    cell: dict,
    train_data: list[np.ndarray],
    val_data: list[np.ndarray],
    test_data: Callable[[int], list[np.ndarray]],
    *,
    target: int,
    candidates: np.ndarray,
) -> dict:
    """Train the cell's model and return its zero-shot accuracies on the cell's test sets.

    Parameters
    ----------
    cell : dict
        A cell of :func:`training_cells` (``method``, ``model_seed``, ``train`` options, ``test_seeds``).
    train_data, val_data : list of ndarray
        The encoder inputs, one (n, d_m) array per modality.
    test_data : callable
        ``test_data(seed)``: the encoder inputs of the test set drawn with that seed.
    target, candidates
        The modality to predict and every value it can take (see ``symile_min.zero_shot_accuracy``).

    Returns
    -------
    dict
        ``acc``: the accuracy (fraction) on each test set, in the order of ``cell["test_seeds"]``;
        ``best_epoch``: the epoch of the best-validation checkpoint.
    """
    from symile_min import TrainConfig, train, zero_shot_accuracy

    config = TrainConfig(method=cell["method"], seed=cell["model_seed"], **cell["train"])
    result = train(train_data, val_data, config)
    accs = [
        zero_shot_accuracy(
            result.model, test_data(seed), target=target, candidates=candidates, method=cell["method"]
        )
        for seed in cell["test_seeds"]
    ]
    return {"acc": accs, "best_epoch": int(result.best_epoch)}


def summarise_accuracy(acc) -> dict:
    r"""Mean and standard errors of an accuracy array of shape (training seeds K, test sets T).

    The test sets are shared by the seeds (a crossed design), so the two sources of noise are estimated
    separately: ``acc_se_test`` = sd over test sets of the seed-averaged accuracy / sqrt(T),
    ``acc_se_seed`` = sd over seeds of the test-averaged accuracy / sqrt(K) (nan for K = 1), and the
    plotted error bar ``acc_se`` = :math:`\sqrt{se_{test}^2 + se_{seed}^2}` (= ``acc_se_test`` for K = 1).
    With T = 1 ``acc_se_test`` is nan.
    """
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 2 or acc.size == 0:
        raise ValueError(f"acc must be a non-empty (seeds, test sets) array, got shape {acc.shape}")
    k, t = acc.shape
    nan = float("nan")
    se_test = float(acc.mean(axis=0).std(ddof=1) / np.sqrt(t)) if t > 1 else nan
    se_seed = float(acc.mean(axis=1).std(ddof=1) / np.sqrt(k)) if k > 1 else nan
    se = float(np.sqrt(np.nansum([se_test**2, se_seed**2]))) if (t > 1 or k > 1) else nan
    return {"acc_mean": float(acc.mean()), "acc_se": se, "acc_se_test": se_test, "acc_se_seed": se_seed}


def accuracy_table(
    cells: Sequence[dict],
    results: Sequence[dict],
    *,
    by: str,
    values: Iterable,
    methods: Sequence[str],
    columns: Callable[[Any, list[dict]], dict],
):
    """One row per method and value of ``cell[by]``: the accuracies over training seeds x test sets.

    Columns: ``by``, ``method``, those of :func:`summarise_accuracy`, ``n_seeds``, ``n_test_sets``,
    then ``columns(value, runs)`` (the setting's own numbers; ``runs`` are the results of its cells
    for that method, in training-seed order), then ``best_epoch_mean``.
    """
    import pandas as pd

    values = list(values)
    rows = []
    for method in methods:
        for value in values:
            pairs = [(c, r) for c, r in zip(cells, results) if c["method"] == method and c[by] == value]
            runs = [r for _, r in sorted(pairs, key=lambda cr: cr[0]["seed_index"])]
            acc = np.array([r["acc"] for r in runs])  # (seeds, test sets)
            rows.append(
                {
                    by: value,
                    "method": method,
                    **summarise_accuracy(acc),
                    "n_seeds": acc.shape[0],
                    "n_test_sets": acc.shape[1],
                    **columns(value, runs),
                    "best_epoch_mean": float(np.mean([r["best_epoch"] for r in runs])),
                }
            )
    return pd.DataFrame(rows)


def print_checks(checks: Iterable[tuple[str, bool, str]]) -> None:
    """Print one ``PASS: name (detail)`` or ``FAIL: ...`` line per check."""
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}: {name} ({detail})")


def print_wall_time(experiment: str, n_cells: int, wall: float, jobs: int, out) -> None:
    """Print the closing line of a sweep: cells, wall time (seconds), ``--jobs`` and the output folder."""
    print(f"{experiment}: {n_cells} cells, wall time {wall:.1f} s with --jobs {jobs}; outputs in {out}")


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
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)


def _work(fn: CellFunction, key: str, cell: dict, cache: Path | None, threads: int) -> tuple[str, dict]:
    """Run one cell (in a worker or in-process) and, if caching, persist it atomically at once."""
    with _torch_threads(threads):
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
