"""Property-based fuzz of the public API (issue 10): bad input is a ValueError or TypeError, nothing else.

Every entry below is one public function or class with, for each argument, a pool of values: valid ones
first (hypothesis shrinks towards them) and then malformed ones of every kind issue 10 lists (nan, inf,
bases <= 1, float / string / huge seeds, sizes that cannot exist, float shapes, complex dtypes, empty
sequences, mixed dtypes, wrong objects). Hypothesis draws one value per argument (derandomized: the same
calls on every run) and each call must either

* raise ``ValueError`` or ``TypeError`` (the project's user errors), or
* return a finite result (every float, array and tensor in it finite; ``-inf`` only where the function
  documents it, e.g. pointwise measures of zero-probability cells).

Any other exception, a nan / inf result, or a call running past ``CALL_SECONDS`` fails the test. The CLI
part runs ``experiments.cli.main`` on drawn argument lists: exit status 0 or 2, and an error is one line
(argparse's usage lines aside) without a traceback. Counts of outcomes are printed at the end (``-s``).
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import signal
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import generators as G
import infotheory as it
import symile_min as S
from infotheory import decision, pid
from symile_min import bounds

#: examples per entry; ``FUZZ_EXAMPLES=500`` for a deeper run (the default suite keeps it under a minute)
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "24"))
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
ROOT = Path(__file__).resolve().parents[1]  # the repository (the CLI subprocess imports from it)
CALL_SECONDS = 20  # a call running longer than this is a hang (a size that should have been refused)
OUTCOMES: collections.Counter = collections.Counter()

NAN, INF = float("nan"), float("inf")


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: int):
    def _raise(*_):
        raise _Hang(f"call ran past {seconds} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _finite(out, allow_inf: bool = False) -> bool:
    """Every number in ``out`` (numbers, arrays, tensors, containers) finite (or +-inf if allowed)."""
    if out is None or isinstance(out, str | bool | type):
        return True
    if isinstance(out, dict):
        return all(_finite(v, allow_inf) for k, v in out.items() if k != "se")  # se: nan with one batch
    if isinstance(out, list | tuple):
        return all(_finite(v, allow_inf) for v in out)
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu()
        if not (out.is_floating_point() or out.is_complex()):
            return True
        return bool((~torch.isnan(out)).all()) if allow_inf else bool(torch.isfinite(out).all())
    if isinstance(out, it.SparsePMF):
        return _finite(out.probs)
    if isinstance(out, np.ndarray | np.generic | float | int):
        arr = np.asarray(out)
        if arr.dtype.kind not in "fc":
            return True
        return bool((~np.isnan(arr)).all()) if allow_inf else bool(np.isfinite(arr).all())
    return True  # objects (models, samplers, data frames of strings): constructed is the result


def _call(fn, kwargs, *, allow_inf: bool = False):
    """Run one fuzz call; fail on anything but a ValueError / TypeError or a finite result."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with _time_limit(CALL_SECONDS):
                out = fn(**kwargs)
        except (ValueError, TypeError) as err:
            OUTCOMES["rejected (ValueError/TypeError)"] += 1
            assert str(err), f"empty error message for {kwargs!r}"
            return
        except _Hang:
            OUTCOMES["hang"] += 1
            pytest.fail(f"hang: {kwargs!r}")
        except Exception as err:  # noqa: BLE001 - the point: nothing else may escape
            OUTCOMES[f"raw {type(err).__name__}"] += 1
            pytest.fail(f"raw {type(err).__name__}: {err} for {kwargs!r}")
    if not _finite(out, allow_inf):
        OUTCOMES["non-finite result"] += 1
        pytest.fail(f"non-finite result {out!r:.200} for {kwargs!r}")
    OUTCOMES["accepted, finite"] += 1


def teardown_module(module):
    print(f"\nfuzz outcomes ({sum(OUTCOMES.values())} calls): {dict(OUTCOMES)}")


# ------------------------------------------------------------------------------------------ value pools

JUNK = [None, "x", True, 1 + 1j, object()]
BASES = [2, math.e, 10, np.float64(2.0), 1, 0.5, 0, -2, NAN, INF, 1 + 0j, "2", True, None]
SEEDS = [0, 7, np.int64(3), 2**63 - 1, -1, 2**63, 1.5, 3.0, "3", True, None, np.float64(2.0)]
RNGS = [0, np.random.default_rng(1), np.int64(5), -1, 2**63, 1.5, "3", True, None, torch.Generator()]
SIZES = [2, 3, 1, np.int64(2), 0, -1, 2.0, 2.5, "3", True, None, 10**400, 2**63, 10**9]
COUNTS = [5, 1, 0, -1, 2.5, "5", True, None, np.int64(4)]  # cost parameters: no huge valid values
TOLS = [1e-9, 0.0, 1e-3, NAN, -1.0, INF, "x", True, None, 1j]
PROBS = [0.5, 0.0, 0.3, 1.0, -0.1, 1.1, NAN, INF, "0.5", True, None, 0.5 + 0j]
AXES = [0, 1, -1, (0,), (0, 1), 3, -4, 1.0, "a", None, True, (0, 0), [2]]


def _xor_pmf():
    p = np.zeros((2, 2, 2))
    for a in range(2):
        for b in range(2):
            p[a, b, a ^ b] = 0.25
    return p


XOR = _xor_pmf()
PMFS = [
    XOR,
    np.full((2, 2, 2), 1 / 8),
    XOR.tolist(),
    np.full((3, 2, 2), 1 / 12, dtype=np.float32),
    XOR.astype(complex),
    np.where(XOR > 0, NAN, 0.0),
    XOR * 2,
    XOR - 0.25,
    np.zeros((2, 0, 2)),
    np.array(1.0),
    np.array([["a", "b"]]),
    np.full((2, 2, 2), 1 / 8, dtype=object),
    "xor",
    None,
]
PMFS_2D = [np.full((2, 2), 0.25), np.array([[0.5, 0.0], [0.0, 0.5]]), *PMFS[4:]]

_RNG = np.random.default_rng(0)
DISCRETE = [
    _RNG.integers(0, 2, (40, 3)),
    {"a": _RNG.integers(0, 3, 40), "b": _RNG.integers(0, 2, 40)},
    _RNG.integers(0, 2, (40, 3)).astype(complex),
    np.zeros((0, 3), dtype=int),
    _RNG.normal(size=(40, 3)),
    np.full((40, 3), NAN),
    [[0, 1], [1]],
    "samples",
    None,
]
CONTINUOUS = [
    _RNG.normal(size=(60, 3)),
    {"a": _RNG.normal(size=(60, 2)), "b": _RNG.normal(size=60), "c": _RNG.normal(size=60)},
    _RNG.normal(size=(60, 3)) + 1j,
    np.zeros((0, 3)),
    np.full((60, 3), INF),
    np.ones((60, 3)),  # constant: a singular covariance
    _RNG.normal(size=(2, 3)),
    "samples",
    None,
]


def _unit(n, d, dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.normalize(torch.randn(n, d, generator=g, dtype=dtype), dim=1)


REPS = [
    [_unit(5, 3, seed=m) for m in range(3)],
    [_unit(6, 4, torch.float64, seed=m) for m in range(2)],
    [_unit(5, 3), _unit(5, 3, torch.float64), _unit(5, 3)],  # mixed dtypes
    [_unit(5, 3), torch.full((5, 3), NAN), _unit(5, 3)],
    [_unit(5, 3), torch.full((5, 3), INF), _unit(5, 3)],
    [torch.zeros(5, 0)] * 3,
    [_unit(1, 3)] * 3,
    [_unit(5, 3), _unit(4, 3), _unit(5, 3)],
    [_unit(5, 3), _unit(5, 2), _unit(5, 3)],
    [_unit(5, 3).to(torch.complex64)] * 3,
    [torch.ones(5, 3, dtype=torch.long)] * 3,
    [_unit(5, 3) * 1e20] * 3,  # finite, but scale * scores overflows float32
    [_unit(5, 3)],
    _unit(5, 3),
    [np.ones((5, 3))] * 3,
    None,
]
SCALES = [
    1.0,
    2.0,
    torch.tensor(3.0),
    torch.tensor([2.0]),
    torch.tensor(2, dtype=torch.int64),
    1e30,
    1e39,
    1e300,
    0.0,
    -1.0,
    NAN,
    INF,
    torch.ones(2),
    torch.ones(1, 1),
    torch.tensor(1 + 0j),
    torch.tensor(True),
    1 + 0j,
    "1",
    None,
]
NEGATIVES = ["n", "n_squared", "n3", None, 1]
METHODS = ["symile", "clip", "pairwise", None]
REDUCTIONS = ["mean", "sum", "none", "avg", None]

# ------------------------------------------------------------------------------------------ entries

ENTRIES: dict[str, tuple] = {}  # name -> (function of keyword arguments, {argument: pool}, allow_inf)


def entry(name, params, *, allow_inf=False):
    def register(fn):
        ENTRIES[name] = (fn, params, allow_inf)
        return fn

    return register


# ---- infotheory: exact measures and decision tools
def _with_base(measure):
    return lambda p, base: measure(p, base=base)


for _measure in (
    "entropy",
    "total_correlation",
    "dual_total_correlation",
    "o_information",
    "s_information",
    "co_information",
    "interaction_information",
):
    entry(f"it.{_measure}", {"p": PMFS, "base": BASES})(_with_base(getattr(it, _measure)))
entry(
    "it.mutual_information",
    {"p": PMFS, "x": AXES, "y": [1, 2, *AXES], "given": [(), 2, *AXES], "base": BASES},
)(lambda p, x, y, given, base: it.mutual_information(p, x, y, given=given, base=base))
entry("it.conditional_mutual_information", {"p": PMFS, "z": [2, (), *AXES], "base": BASES})(
    lambda p, z, base: it.conditional_mutual_information(p, 0, 1, given=z, base=base)
)
# D(p || q) = inf where q(x) = 0 < p(x) (documented)
entry(
    "it.kl_divergence", {"p": PMFS, "q": [np.full((2, 2, 2), 1 / 8), *PMFS], "base": BASES}, allow_inf=True
)(lambda p, q, base: it.kl_divergence(p, q, base=base))
entry("it.marginal", {"p": PMFS, "axes": AXES})(lambda p, axes: it.marginal(p, axes))
entry("it.conditional", {"p": PMFS, "x": AXES, "given": [2, *AXES]})(
    lambda p, x, given: it.conditional(p, x, given)
)
entry("it.pointwise_mutual_information", {"p": PMFS, "x": AXES, "base": BASES}, allow_inf=True)(
    lambda p, x, base: it.pointwise_mutual_information(p, x, 2, base=base)
)
entry("it.pointwise_total_correlation", {"p": PMFS, "base": BASES}, allow_inf=True)(
    lambda p, base: it.pointwise_total_correlation(p, base=base)
)
entry("it.validate_pmf", {"p": PMFS, "atol": TOLS})(lambda p, atol: it.validate_pmf(p, atol=atol))
entry(
    "it.SparsePMF",
    {
        "outcomes": [
            [[0, 0], [1, 1]],
            [[0.0, 0.5], [1, 1]],
            [[0, 0], [1, 1 + 1j]],
            [[0, -1], [1, 1]],
            [[]],
            None,
        ],
        "probs": [[0.5, 0.5], [0.5, 0.6], [NAN, 1.0], [0.5 + 0j, 0.5], [], None],
        "shape": [None, (2, 2), (2.5, 2), (2,), (1, 1), ("2", 2), (True, 2), 2, (10**400, 2)],
        "atol": TOLS,
    },
)(lambda outcomes, probs, shape, atol: it.SparsePMF(outcomes, probs, shape=shape, atol=atol))
entry("decision.bayes_accuracy", {"P": PMFS_2D})(lambda P: decision.bayes_accuracy(P))
entry("decision.query_table", {"p": PMFS, "query": [(0, 1), 0, *AXES], "candidate": [2, *AXES]})(
    lambda p, query, candidate: decision.query_table(p, query, candidate)
)
entry(
    "decision.rule_accuracy",
    {
        "P": PMFS_2D,
        "scores": [
            np.eye(2),
            np.zeros((2, 2)),
            np.full((2, 2), NAN),
            np.eye(2) + 0j,
            np.eye(3),
            [[1, 0], [0]],
        ],
        "tie_atol": TOLS,
    },
)(lambda P, scores, tie_atol: decision.rule_accuracy(P, scores, tie_atol=tie_atol))
entry(
    "decision.statistic_information",
    {"P": PMFS_2D, "labels": [[0, 1], [0, 0], [0.5, 1], [0, 1, 2], [0, 1 + 0j], [], None], "base": BASES},
)(lambda P, labels, base: decision.statistic_information(P, labels, base=base))
entry(
    "decision.partition_rows",
    {"X": [np.eye(3), np.zeros((0, 2)), np.full((2, 2), NAN), np.eye(2) + 1j, [[1, 2], [3]]], "tol": TOLS},
)(lambda X, tol: decision.partition_rows(X, tol=tol))
entry("decision.minimal_sufficient_partition", {"P": PMFS_2D, "atol": TOLS})(
    lambda P, atol: decision.minimal_sufficient_partition(P, atol=atol)
)
entry("decision.symile_optimal_scores", {"p": PMFS, "base": BASES}, allow_inf=True)(
    lambda p, base: decision.symile_optimal_scores(p, (0, 1), 2, base=base)
)
entry(
    "pid.pid",
    {
        "p": PMFS,
        "sources": [(0, 1), [0, 1], (0,), (0, 0), (0, 5), 0, "ab", None],
        "target": [2, -1, 0, 3, 2.0, None],
        "measure": ["imin", "mmi", "broja", "ccs", "bogus", None],
        "base": BASES,
        "tol": [1e-10, 1e-6, *TOLS],
    },
)(
    lambda p, sources, target, measure, base, tol: pid.pid(
        p, sources, target, measure=measure, base=base, tol=tol
    )
)

# ---- infotheory: estimators
entry(
    "it.empirical_pmf",
    {
        "samples": DISCRETE,
        "sparse": [None, True, False, "yes", 1],
        "max_dense_cells": [2**22, 1, 0, -1, 2.5, None],
    },
)(
    lambda samples, sparse, max_dense_cells: it.empirical_pmf(
        samples, sparse=sparse, max_dense_cells=max_dense_cells
    )
)
entry(
    "it.plugin_estimate",
    {
        "measure": ["entropy", "mutual_information", "total_correlation", "bogus", None],
        "samples": DISCRETE,
        "correction": [None, "miller_madow", "jackknife", "chao_shen", "nsb", "bogus", 1],
        "base": BASES,
    },
)(
    lambda measure, samples, correction, base: it.plugin_estimate(
        measure,
        samples,
        *((0, 1) if measure == "mutual_information" else ()),
        correction=correction,
        base=base,
    )
)
entry(
    "it.bootstrap_ci",
    {
        "samples": DISCRETE,
        "level": [0.9, 0.0, 1.0, NAN, -0.5, "0.9", None],
        "n_boot": COUNTS,
        "seed": SEEDS,
        "method": ["basic", "percentile", "bca", "bogus", None],
        "base": BASES,
    },
)(
    lambda samples, level, n_boot, seed, method, base: it.bootstrap_ci(
        "entropy", samples, level=level, n_boot=n_boot, seed=seed, method=method, base=base
    )
)
for _name, _fn in (("gaussian_estimate", it.gaussian_estimate), ("copula_estimate", it.copula_estimate)):
    entry(
        f"it.{_name}",
        {
            "measure": ["mutual_information", "total_correlation", "entropy", "bogus", None],
            "samples": CONTINUOUS,
            "bias_correction": [True, False, "yes", None],
            "base": BASES,
        },
    )(
        lambda measure, samples, bias_correction, base, _f=_fn: _f(
            measure,
            samples,
            *((0, 1) if measure == "mutual_information" else ()),
            bias_correction=bias_correction,
            base=base,
        )
    )
entry(
    "it.ksg_estimate",
    {
        "measure": ["mutual_information", "total_correlation", "entropy", "bogus", None],
        "samples": CONTINUOUS,
        "k": [3, 1, 0, -1, 2.5, 10**400, 10**9, "3", True, None],
        "base": BASES,
    },
)(
    lambda measure, samples, k, base: it.ksg_estimate(
        measure, samples, *((0, 1) if measure == "mutual_information" else ()), k=k, base=base
    )
)

# ---- generators
entry(
    "G.BinaryXOR",
    {
        "d": SIZES,
        "p": PROBS,
        "p_missing": [0.0, 0.3, 1.0, NAN, -0.1, "0", None],
        "placeholder": [0, 255, 256, -1, 1.5, None],
        "n": SIZES,
        "rng": RNGS,
        "method": ["sample", "info_table", "total_correlation", "bayes_accuracy", "joint_pmf"],
        "base": BASES,
    },
)(
    lambda d, p, p_missing, placeholder, n, rng, method, base: _sampler_call(
        G.BinaryXOR(d=d, p=p, p_missing=p_missing, placeholder=placeholder), method, n, rng, base
    )
)
entry("G.xor_info_table", {"d": SIZES, "p": [*PROBS, [0.0, 0.5], np.array([0.5, NAN]), []], "base": BASES})(
    lambda d, p, base: G.xor_info_table(d, p, base=base)
)
entry("G.xor_bayes_accuracy", {"d": SIZES, "p": PROBS})(lambda d, p: G.xor_bayes_accuracy(d, p))
entry(
    "G.encode_bits",
    {
        "bits": [
            [[1, 0, 1]],
            [[1, 0, 2]],
            [[1.0, 0.0]],
            [[1 + 0j, 0]],
            [[True, False]],
            np.zeros((2, 70)),
            1,
            "ab",
            None,
        ]
    },
)(lambda bits: G.encode_bits(bits))
entry("G.decode_bits", {"ints": [[1, 2], [-1], [1.5], [4], [], [1 + 0j], None], "d": SIZES})(
    lambda ints, d: G.decode_bits(np.asarray(ints) if ints is not None else ints, d)
)
entry(
    "G.Parity",
    {
        "m": SIZES,
        "n": SIZES,
        "rng": RNGS,
        "method": ["sample", "joint_pmf", "total_correlation", "entropy"],
        "base": BASES,
    },
)(lambda m, n, rng, method, base: _sampler_call(G.Parity(m=m), method, n, rng, base))
entry(
    "G.GaussianTC",
    {
        "dims": [
            (1, 1),
            (2, 1, 1),
            (10**9, 1),
            (0, 1),
            (1.5, 1),
            (1,),
            (),
            (10**400, 1),
            (np.int64(2), 1),
            "ab",
            None,
        ],
        "correlation": [
            0.5,
            0.0,
            -0.2,
            0.99,
            1.0,
            -1.0,
            NAN,
            0.5 + 0j,
            np.eye(2),
            np.full((2, 2), 2.0),
            "0.5",
            None,
        ],
        "n": SIZES,
        "rng": RNGS,
        "method": ["sample", "total_correlation", "mutual_information"],
        "base": BASES,
    },
)(
    lambda dims, correlation, n, rng, method, base: _sampler_call(
        G.GaussianTC(dims=dims, correlation=correlation), method, n, rng, base
    )
)
entry(
    "G.SyntheticM3",
    {
        "w": SIZES,
        "n_classes": [3, 2, 1, 10**400, 10**9, 2.5, None],
        "audio_noise": [0.0, 0.2, 1.0, NAN, -0.1, None],
        "image_noise": [0.0, 0.2, 1.0, NAN, None],
        "n": SIZES,
        "rng": RNGS,
        "method": ["sample", "joint_pmf", "info_table", "bayes_accuracy", "chance_accuracy"],
        "base": BASES,
    },
)(
    lambda w, n_classes, audio_noise, image_noise, n, rng, method, base: _sampler_call(
        G.SyntheticM3(w=w, n_classes=n_classes, audio_noise=audio_noise, image_noise=image_noise),
        method,
        n,
        rng,
        base,
    )
)
entry(
    "G.DiseaseTemperature",
    {
        "table": [
            None,
            np.full((2, 4), 1 / 8),
            np.full((2, 4), 1 / 8) + 0j,
            np.full((2, 4), NAN),
            np.ones((2, 4)),
            np.full((3, 3), 1 / 9),
            [],
            "t",
        ],
        "n": SIZES,
        "rng": RNGS,
        "method": ["sample", "joint_pmf", "mutual_information", "entropy_y"],
        "base": BASES,
    },
)(lambda table, n, rng, method, base: _sampler_call(G.DiseaseTemperature(table=table), method, n, rng, base))


def _sampler_call(sampler, method, n, rng, base):
    if method == "sample":
        return sampler.sample(n, rng)
    fn = getattr(sampler, method)
    try:
        return fn(base=base)
    except TypeError as err:
        if "base" not in str(err):
            raise
        return fn()


# ---- symile_min: losses, scores, bounds, evaluation, model
entry(
    "S.symile_loss",
    {
        "reps": REPS,
        "logit_scale": SCALES,
        "negatives": NEGATIVES,
        "reduction": REDUCTIONS,
        "chunk_elements": [2**19, 7, 1, 0, -1, 2.5, None],
    },
)(
    lambda reps, logit_scale, negatives, reduction, chunk_elements: S.symile_loss(
        reps,
        logit_scale,
        negatives=negatives,
        reduction=reduction,
        chunk_elements=chunk_elements,
        generator=torch.Generator().manual_seed(0),
    )
)
entry("S.clip_loss", {"reps": REPS, "logit_scale": SCALES, "reduction": REDUCTIONS})(
    lambda reps, logit_scale, reduction: S.clip_loss(reps, logit_scale, reduction=reduction)
)
entry("S.mip", {"reps": REPS})(lambda reps: S.mip(*reps) if isinstance(reps, list) else S.mip(reps))
_IDS = [torch.tensor([0, 1, 2, 0, 1])] * 3
entry(
    "S.symile_loss_grouped",
    {
        "unique_reps": REPS,
        "ids": [
            _IDS,
            [torch.tensor([0, 1, 9, 0, 1])] * 3,
            [torch.tensor([0.0, 1, 2, 0, 1])] * 3,
            [torch.tensor([0, 1])] * 3,
            [torch.tensor([0])] * 3,
            _IDS[:2],
            torch.zeros(3, 5, dtype=torch.long),
            None,
        ],
        "logit_scale": SCALES,
        "negatives": NEGATIVES,
        "method": ["symile", "clip"],
    },
)(
    lambda unique_reps, ids, logit_scale, negatives, method: (
        S.symile_loss_grouped(unique_reps, ids, logit_scale, negatives=negatives)
        if method == "symile"
        else S.clip_loss_grouped(unique_reps, ids, logit_scale)
    )
)
_SCORES = [
    torch.randn(4, 4, generator=torch.Generator().manual_seed(1)),
    torch.zeros(3, 5, dtype=torch.float64),
    torch.zeros(1, 1),
    torch.zeros(4, 3),
    torch.full((3, 3), NAN),
    torch.full((3, 3), INF),
    torch.zeros(3, 3, dtype=torch.complex64),
    torch.zeros(3, 3, dtype=torch.long),
    torch.zeros(3),
    torch.zeros(0, 0),
    [[0.0, 1.0], [1.0, 0.0]],
    None,
]
entry("S.infonce_from_scores", {"scores": _SCORES, "symmetric": [False, True, "yes"]})(
    lambda scores, symmetric: S.infonce_from_scores(scores, symmetric=symmetric)
)
entry(
    "S.symile_loss_from_scores",
    {
        "scores": [
            [torch.zeros(3, 3)] * 3,
            [torch.zeros(3, 3, 3)] * 3,
            [torch.zeros(3, 3), torch.zeros(2, 2)],
            [torch.zeros(3, 3), torch.zeros(3, 3, dtype=torch.float64)],
            [torch.full((3, 3), NAN)] * 2,
            [torch.zeros(1, 1)] * 2,
            [],
            [torch.zeros(3, 3)],
            torch.zeros(3, 3),
            None,
        ],
        "negatives": NEGATIVES,
    },
)(lambda scores, negatives: S.symile_loss_from_scores(scores, negatives=negatives))
entry(
    "S.bound_cap",
    {
        "n": SIZES,
        "m": [3, 2, 1, 3.0, np.int64(4), None],
        "method": METHODS,
        "negatives": NEGATIVES,
        "base": BASES,
    },
)(lambda n, m, method, negatives, base: S.bound_cap(n, m, method=method, negatives=negatives, base=base))
entry(
    "S.bound_from_loss",
    {
        "loss": [1.0, 0.0, torch.tensor(0.5), -1.0, NAN, INF, 1j, "1.0", torch.ones(2), None],
        "n": SIZES,
        "base": BASES,
    },
)(lambda loss, n, base: S.bound_from_loss(loss, n, 3, base=base))
entry(
    "bounds.summarise_bounds",
    {
        "losses": [[1.0, 1.1], [1.0], [], [NAN], ["1.0"], [1j], torch.ones(2), 1.0, None],
        "batch_size": SIZES,
        "base": BASES,
    },
)(lambda losses, batch_size, base: bounds.summarise_bounds(losses, batch_size, 3, method="symile", base=base))
_CODES = [_RNG.integers(0, 2, 40) for _ in range(2)]
_CODES.append(_CODES[0] ^ _CODES[1])
entry(
    "S.exact_critic_bound",
    {
        "pmf": PMFS,
        "codes": [
            _CODES,
            [c.astype(float) for c in _CODES],
            [c + 5 for c in _CODES],
            _CODES[:2],
            [c[:10] for c in _CODES[:2]] + [_CODES[2]],
            [],
            np.stack(_CODES),
            None,
        ],
        "method": METHODS,
        "negatives": NEGATIVES,
        "batch_size": [20, *SIZES],
        "seed": SEEDS,
        "base": BASES,
    },
)(
    lambda pmf, codes, method, negatives, batch_size, seed, base: S.exact_critic_bound(
        pmf, codes, method=method, negatives=negatives, batch_size=batch_size, seed=seed, base=base
    )
)


def _model(method="symile", dims=(2, 2, 2)):
    torch.manual_seed(0)
    return S.SymileModel(list(dims), rep_dim=3, method=method)


_DATA = [np.asarray(_RNG.integers(0, 2, (12, 2)), dtype=np.float32) for _ in range(3)]
DATAS = [
    _DATA,
    [x.astype(np.float64) for x in _DATA],
    [_DATA[0], _DATA[1], np.full((12, 2), NAN, dtype=np.float32)],
    [_DATA[0], _DATA[1], _DATA[2] + 1j],
    [_DATA[0], _DATA[1]],
    [_DATA[0], _DATA[1], _DATA[2][:5]],
    [_DATA[0], _DATA[1], np.zeros((12, 5), dtype=np.float32)],
    [x[:0] for x in _DATA],
    "data",
    None,
]
MODELS = ["symile", "clip", "bare", "object", "string"]


def _model_arg(kind):
    if kind in ("symile", "clip"):
        return _model(kind)
    if kind == "bare":
        return _model(None)
    return object() if kind == "object" else "model"


entry(
    "S.bound_estimate",
    {
        "model": MODELS,
        "data": DATAS,
        "method": METHODS,
        "negatives": NEGATIVES,
        "batch_size": [6, *SIZES],
        "seed": SEEDS,
        "base": BASES,
        "grouped": [False, True, "yes"],
    },
)(
    lambda model, data, method, negatives, batch_size, seed, base, grouped: S.bound_estimate(
        _model_arg(model),
        data,
        method=method,
        negatives=negatives,
        batch_size=batch_size,
        seed=seed,
        base=base,
        grouped=grouped,
    )
)
entry(
    "S.zero_shot_scores",
    {
        "queries": REPS,
        "candidates": [
            _unit(4, 3),
            _unit(4, 5),
            _unit(4, 3, torch.float64),
            torch.full((4, 3), NAN),
            torch.zeros(0, 3),
            _unit(4, 3).to(torch.complex64),
            np.ones((4, 3)),
            None,
        ],
        "method": METHODS,
        "log_prior": [
            None,
            torch.zeros(4),
            torch.zeros(3),
            torch.full((4,), NAN),
            torch.full((4,), -INF),
            torch.zeros(4, dtype=torch.complex64),
            np.zeros(4) + 1j,
            [0.0, 0.0, 0.0, 0.0],
            "prior",
        ],
        "logit_scale": SCALES,
    },
)(
    lambda queries, candidates, method, log_prior, logit_scale: S.zero_shot_scores(
        queries, candidates, method, log_prior, logit_scale=logit_scale
    ),
    # -inf priors are documented (an impossible candidate): its scores are -inf
)
ENTRIES["S.zero_shot_scores"] = (*ENTRIES["S.zero_shot_scores"][:2], True)
entry(
    "S.zero_shot_accuracy",
    {
        "model": MODELS,
        "data": DATAS,
        "target": [0, 2, -1, 3, 1.0, "a", None, True],
        "candidates": [
            None,
            np.eye(2, dtype=np.float32)[[0, 1]],
            np.zeros((3, 5)),
            np.full((2, 2), NAN),
            [[0, 0], [0, 1], [1, 0], [1, 1]],
            np.zeros((2, 2)) + 1j,
            "all",
        ],
        "method": METHODS,
    },
)(
    lambda model, data, target, candidates, method: S.zero_shot_accuracy(
        _model_arg(model), data, target=target, candidates=candidates, method=method
    )
)
entry(
    "S.retrieval_ranks",
    {
        "queries": REPS,
        "candidates": [_unit(5, 3), _unit(7, 3), _unit(5, 4), _unit(3, 3), torch.full((5, 3), NAN), None],
        "labels": [
            None,
            torch.arange(5),
            torch.tensor([0, 1, 2, 3, 9]),
            torch.arange(5.0),
            torch.arange(4),
            [0, 1, 2, 3, 4],
        ],
        "method": METHODS,
        "batch_size": [1024, 2, *SIZES],
    },
)(
    lambda queries, candidates, labels, method, batch_size: S.retrieval_ranks(
        queries[:2] if isinstance(queries, list) else queries,
        candidates,
        labels,
        method=method,
        batch_size=batch_size,
    )
)
entry(
    "S.retrieval_metrics",
    {
        "source": [*MODELS, "reps"],
        "data": DATAS,
        "target": [0, 2, -1, 3, 1.0, None],
        "candidates": [None, "distinct", "all", np.eye(2, dtype=np.float32)],
        "method": METHODS,
        "ks": [(1, 5), (1,), (), (0,), (1.5,), 3, None],
    },
)(
    lambda source, data, target, candidates, method, ks: S.retrieval_metrics(
        REPS[0] if source == "reps" else _model_arg(source),
        None if source == "reps" else data,
        target=target,
        candidates=candidates,
        method=method,
        ks=ks,
    )
)
entry(
    "S.SymileModel",
    {
        "input_dims": [
            [2, 2, 2],
            [2, 3],
            [2],
            [],
            [2.5, 2],
            [0, 2],
            [10**9, 2],
            [10**400, 2],
            [np.int64(2), 2],
            "22",
            None,
        ],
        "rep_dim": SIZES,
        "encoder": ["linear", "mlp", "cnn", None],
        "hidden_dim": [8, 1, 0, 10**12, 2.5, None],
        "logit_scale_init": [-0.3, 0.0, 4.6, 100.0, -200.0, NAN, INF, 1j, "0", None],
    },
)(
    lambda input_dims, rep_dim, encoder, hidden_dim, logit_scale_init: (
        S.SymileModel(
            input_dims, rep_dim, encoder, hidden_dim=hidden_dim, logit_scale_init=logit_scale_init
        ).logit_scale
    )
)
entry(
    "S.with_missingness",
    {
        "x": [
            np.ones((3, 2)),
            torch.ones(3, 2),
            torch.ones(3, 2, dtype=torch.complex64),
            np.ones((3, 2)) + 1j,
            np.full((3, 2), NAN),
            np.ones(3),
            "x",
            None,
        ],
        "observed": [
            np.array([True, False, True]),
            np.ones(3),
            np.ones(4, dtype=bool),
            torch.tensor([True, True, False]),
            None,
        ],
        "placeholder": [0.0, -1.0, NAN, INF, 1j, "0", None],
    },
)(lambda x, observed, placeholder: S.with_missingness(x, observed, placeholder))
entry(
    "S.SymileLoss",
    {
        "negatives": NEGATIVES,
        "init_logit_scale": [-0.3, 0.0, 100.0, 1e3, -200.0, NAN, 1j, None],
        "reduction": REDUCTIONS,
        "reps": REPS,
        "clip": [False, True],
    },
)(
    lambda negatives, init_logit_scale, reduction, reps, clip: (
        S.ClipLoss(init_logit_scale=init_logit_scale, reduction=reduction)
        if clip
        else S.SymileLoss(negatives=negatives, init_logit_scale=init_logit_scale, reduction=reduction)
    )(reps)
)


@pytest.mark.parametrize("name", sorted(ENTRIES))
@FUZZ
@given(data=st.data())
def test_public_functions_raise_only_value_or_type_errors_and_return_finite_results(name, data):
    # regression: issue 10
    fn, params, allow_inf = ENTRIES[name]
    _call(fn, _draw_kwargs(data, params), allow_inf=allow_inf)


def _draw_kwargs(data, params: dict) -> dict:
    """Either one argument drawn from its pool and the others valid (each pool's first value), so that a
    single bad value is seen alone and valid combinations get exercised, or every argument drawn."""
    if data.draw(st.booleans(), label="one argument only"):
        kwargs = {k: pool[0] for k, pool in params.items()}
        key = data.draw(st.sampled_from(sorted(params)), label="argument")
        kwargs[key] = data.draw(st.sampled_from(params[key]), label=key)
        return kwargs
    return {k: data.draw(st.sampled_from(pool), label=k) for k, pool in params.items()}


# ------------------------------------------------------------------------------------------ trainer

_TRAIN_DATA = [np.asarray(_RNG.integers(0, 2, (16, 2)), dtype=np.float32) for _ in range(3)]
CONFIG_FIELDS = {
    "method": ["symile", "clip", "bogus", None],
    "negatives": ["n", "n_squared", "bogus"],
    "rep_dim": [3, 0, 2.5, 10**9, None],
    "lr": [0.1, 0.0, -1.0, NAN, INF, "0.1"],
    "batch_size": [8, 1, 0, 2.5, 10**400],
    "epochs": [1, 0, -1, 1.5],
    "logit_scale_init": [-0.3, 100.0, -200.0, NAN, 1j],
    "seed": SEEDS,
    "patience": [None, 0, 1, -1, 1.5],
    "grad_clip": [None, 1.0, 0.0, -1.0, NAN],
    "precision": ["32", "16", "bf16", "64", None],
    "device": ["cpu", "tpu", None],
}


@FUZZ
@given(data=st.data())
def test_train_config_and_train_raise_only_value_or_type_errors(data):
    # regression: issue 10 -- a config that TrainConfig accepts must train to a finite history
    kwargs = _draw_kwargs(data, CONFIG_FIELDS)

    def run(**fields):
        config = S.TrainConfig(**fields)
        result = S.train(_TRAIN_DATA, _TRAIN_DATA, config)
        numbers = result.history.select_dtypes("number").to_numpy()
        return numbers, result.model.logit_scale

    _call(run, kwargs)


# ------------------------------------------------------------------------------------------ command line

#: (subcommand, option, values): every combination is run (exhaustive, not drawn: there are few)
CLI_CASES = [
    ("info", "--d", ["3", "0", "-1", "2.5", "nan", "inf", "1e400", "x", "10**400"]),
    ("info", "--p", ["0.5", "1", "-0.1", "1.5", "nan", "x"]),
    ("info", "--base", ["2", "e", "10", "1", "0", "-2", "nan", "x", "0.5", "0.1"]),
    ("table1", "--out", ["/proc/nope", "/dev/null", "{file}/sub", "{file}", "{tmp}/ok"]),
    ("idiagram", "--out", ["/proc/nope", "/dev/null", "{file}/sub", "{tmp}/ok"]),
    ("evaluate", "--checkpoint", ["/nonexistent.pt", "{file}", "/dev/null", "{tmp}"]),
    ("train", "--data", ["/nonexistent.npz", "{file}", "/dev/null", "{tmp}"]),
    ("train", "--epochs", ["-1", "nan", "x"]),
    ("train", "--out", ["/proc/nope", "/dev/null", "{file}/sub"]),
    ("nosuchcommand", None, [None]),
    ("info", "--bogus", [None]),
]

#: runs every case in one fresh interpreter (in-process, pytest may have imported experiments._options
#: twice, so that the UsageError class the CLI catches is not the one raised) and prints one JSON line each
_CLI_RUNNER = """
import contextlib, io, json, sys, traceback, warnings
warnings.simplefilter("ignore")
from experiments import cli
for argv in json.loads(sys.stdin.read()):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = cli.main(argv)
        except SystemExit as exc:
            status = exc.code
        except BaseException:
            traceback.print_exc(file=err)
            status = "raw"
    print(json.dumps({"argv": argv, "status": status, "err": err.getvalue()}), flush=True)
"""


def _cli_argvs(tmp) -> list[list[str]]:
    afile = tmp / "a_file"
    afile.write_text("not a folder")
    argvs = []
    for command, option, values in CLI_CASES:
        for value in values:
            argv = (
                [command]
                + ([option] if option else [])
                + ([value.format(file=afile, tmp=tmp)] if value else [])
            )
            if command == "train":
                argv += [] if option == "--data" else ["--data", str(afile)]
                argv += [] if option == "--out" else ["--out", str(tmp / "run")]
            argvs.append(argv)
    return argvs


def test_every_cli_error_is_one_line_with_exit_status_2(tmp_path):
    # regression: issue 10 -- an OSError from --out (or any bad value) is one line, exit 2, no traceback
    import json
    import subprocess
    import sys

    argvs = _cli_argvs(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _CLI_RUNNER],
        input=json.dumps(argvs),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),  # a subcommand that writes by default writes there, not into the checkout
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(argvs), done.stderr[-2000:]
    bad = []
    for r in results:
        lines = [line for line in r["err"].splitlines() if line.strip()]
        errors = [line for line in lines if "error:" in line]
        one_line = len(errors) == 1 and all(line.startswith(("usage:", " ", "symile-lab")) for line in lines)
        if r["status"] == 0:
            OUTCOMES["cli ran"] += 1
        elif r["status"] == 2 and one_line and "Traceback" not in r["err"]:
            OUTCOMES["cli error, one line"] += 1
        else:
            OUTCOMES[f"cli bad (status {r['status']})"] += 1
            bad.append((r["argv"], r["status"], r["err"][-400:]))
    assert not bad, bad


@pytest.mark.parametrize("base", ["0.5", "0.1"])
def test_info_refuses_a_base_below_one_in_one_line(base, capfd):
    # regression: issue 10 -- found by the fuzz above
    from experiments import cli

    with pytest.raises(SystemExit) as exc:
        cli.main(["info", "--base", base])
    assert exc.value.code == 2
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("where", ["/proc/nope", "/dev/null", "{file}/sub"])
def test_an_unwritable_out_folder_is_one_usage_error_naming_path_and_reason(where, tmp_path):
    # regression: issue 10 -- every OSError of the output folder is a UsageError (one line, exit 2)
    from experiments._options import UsageError, check_out

    afile = tmp_path / "a_file"
    afile.write_text("")
    path = where.format(file=afile)
    with pytest.raises(UsageError, match=rf"cannot write to the output folder '{path}': \w"):
        check_out(path)


@pytest.mark.parametrize("text", ["0.5", "1", "0", "-2", "nan", "x"])
def test_log_base_option_is_the_library_rule(text):
    # regression: issue 10 -- the CLI accepted bases the library then refused with a traceback
    import argparse

    from experiments._options import log_base

    with pytest.raises(argparse.ArgumentTypeError):
        log_base(text)
    assert log_base("e") == math.e and log_base("2") == 2.0
