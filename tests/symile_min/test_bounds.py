"""Bounds: caps and known values, the exact-critic bound (agrees with the losses on the same candidates),
and held-out estimates that take their objective from the model."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symile_min import (
    SymileModel,
    bound_cap,
    bound_estimate,
    bound_from_loss,
    clip_loss,
    exact_critic_bound,
    symile_loss,
)
from symile_min.bounds import batch_count, summarise_bounds

# --------------------------------------------------------------------------------------------------
# caps and single losses


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(n=1024, m=3), 10.0),
        (dict(n=1024, m=3, negatives="n_squared"), 20.0),
        (dict(n=1024, m=4, method="clip"), 60.0),  # 6 pairs
        (dict(n=1024, m=4, method="clip", negatives="n_squared"), 60.0),  # negatives ignored by CLIP
        (dict(n=8, m=2, base=math.e), math.log(8)),
    ],
)
def test_bound_cap_known_values(kwargs, expected):
    assert bound_cap(**kwargs) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(2, 64),
    m=st.integers(2, 5),
    negatives=st.sampled_from(["n", "n_squared"]),
    method=st.sampled_from(["symile", "clip"]),
    loss=st.floats(0, 50),
)
def test_bound_is_the_cap_minus_the_loss_in_the_requested_base(n, m, negatives, method, loss):
    cap_nats = bound_cap(n, m, method=method, negatives=negatives, base=math.e)
    bits = bound_from_loss(loss, n, m, method=method, negatives=negatives)
    assert bits == pytest.approx((cap_nats - loss) / math.log(2), abs=1e-9)
    assert bits <= bound_cap(n, m, method=method, negatives=negatives) + 1e-12


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: bound_cap(0, 3), "n must be an int >= 1, got 0"),
        (lambda: bound_cap(10, 1), "m must be an int >= 2, got 1"),
        (lambda: bound_cap(10, 3, base=0.5), r"base must be a finite real number > 1 .*, got 0.5"),
        (lambda: bound_cap(10, 3, method="simile"), "'simile'"),
        (lambda: bound_from_loss(-0.1, 10, 3), r"loss must be a finite cross-entropy >= 0 \(nats\), got -0"),
        (lambda: bound_from_loss(math.nan, 10, 3), "got nan"),
    ],
)
def test_bad_bound_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_summarise_bounds_of_losses_equal_to_log_n_is_exactly_zero():
    # regression: rounding noise of an all-constant critic used to read 1e-14 +- 0 (3 batches of N = 10)
    est = summarise_bounds([math.log(10)] * 3, 10, 3, method="symile", negatives="n", base=2)
    assert est["bound"] == 0.0 and est["se"] == 0.0
    assert est["cap"] == pytest.approx(math.log2(10)) and est["unit"] == "bits" and est["n_batches"] == 3


def test_summarise_bounds_mean_and_standard_error_known_values():
    losses = [math.log(100) - 1.0, math.log(100) - 2.0, math.log(100) - 3.0]  # bounds 1, 2, 3 nats
    est = summarise_bounds(losses, 100, 3, method="symile", base=math.e)
    assert est["bound"] == pytest.approx(2.0) and est["se"] == pytest.approx(1 / math.sqrt(3))
    assert est["unit"] == "nats" and est["loss"] == pytest.approx(math.log(100) - 2.0)
    assert math.isnan(summarise_bounds(losses[:1], 100, 3, method="symile")["se"])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((100, 1, None), "batch_size must be an int >= 2, got 1"),
        ((5, 10, None), "5 rows, fewer than"),
        ((100, 10, 11), r"n_batches must be an int in \[1, 10\], got 11"),
    ],
)
def test_batch_count_rejects_bad_batching_naming_the_value(args, match):
    with pytest.raises(ValueError, match=match):
        batch_count(*args)


# --------------------------------------------------------------------------------------------------
# the exact critic


def _full_support_pmf(shape, seed):
    return np.random.default_rng(seed).dirichlet(np.ones(int(np.prod(shape)))).reshape(shape)


def _sample_codes(pmf, n, seed):
    flat = np.random.default_rng(seed).choice(pmf.size, size=n, p=pmf.ravel())
    return list(np.unravel_index(flat, pmf.shape))


def _pointwise(pmf):
    """Pointwise TC and pairwise PMIs in nats, written out independently of symile_min.bounds."""
    m = pmf.ndim
    margs = [pmf.sum(axis=tuple(k for k in range(m) if k != j)) for j in range(m)]
    letters = "abcdefgh"[:m]
    indep = np.einsum(",".join(letters) + "->" + letters, *margs)
    pairs = {}
    for a in range(m):
        for b in range(a + 1, m):
            p_ab = pmf.sum(axis=tuple(k for k in range(m) if k not in (a, b)))
            pairs[(a, b)] = np.log(p_ab / np.outer(margs[a], margs[b]))
    return np.log(pmf / indep), pairs


def _cp_reps(joint):
    """Representations whose multilinear inner product *is* ``joint``: MIP(r_0[x_0], ..., r_M-1[x_M-1]).

    r_0(u) = joint[u, ...] flattened over the other axes; r_k(x) = indicator that the flat coordinate's
    k-th other axis equals x (a rank-prod(U_other) CP decomposition).
    """
    shape = joint.shape
    d = int(np.prod(shape[1:]))
    coords = np.unravel_index(np.arange(d), shape[1:])
    reps = [joint.reshape(shape[0], d)]
    for k, u in enumerate(shape[1:]):
        reps.append((coords[k][None, :] == np.arange(u)[:, None]).astype(np.float64))
    return [torch.from_numpy(np.ascontiguousarray(r)) for r in reps]


def _pair_reps(pairs, shape):
    """Representations whose pairwise dot products are the PMIs: r_a . r_b = pmi_ab(x_a, x_b)."""
    blocks = [(a, b) for a in range(len(shape)) for b in range(a + 1, len(shape))]
    reps = [np.zeros((u, sum(shape[b] for _, b in blocks))) for u in shape]
    col = 0
    for a, b in blocks:
        reps[a][:, col : col + shape[b]] = pairs[(a, b)]
        reps[b][:, col : col + shape[b]] = np.eye(shape[b])
        col += shape[b]
    return [torch.from_numpy(r) for r in reps]


@pytest.mark.parametrize("shape", [(2, 3, 2), (2, 2, 3, 2)])
@pytest.mark.parametrize("objective", ["n", "n_squared", "clip"])
def test_exact_critic_bound_is_the_loss_of_a_model_whose_scores_are_the_exact_critic(shape, objective):
    # the same batches and, for "n", the same candidate tuples as symile_loss draws from the same seed:
    # a bound that re-drew the permutations in another order would fail here
    pmf = _full_support_pmf(shape, seed=len(shape))
    codes = _sample_codes(pmf, 90, seed=1)
    joint, pairs = _pointwise(pmf)
    method, negatives = ("clip", "n") if objective == "clip" else ("symile", objective)
    est = exact_critic_bound(pmf, codes, method=method, negatives=negatives, batch_size=30, seed=11)
    table = _pair_reps(pairs, shape) if method == "clip" else _cp_reps(joint)
    gen = torch.Generator().manual_seed(11)
    losses = []
    for b in range(3):
        batch = [t[c[b * 30 : (b + 1) * 30]] for t, c in zip(table, codes, strict=True)]  # M x (30, d)
        if method == "clip":
            losses.append(float(clip_loss(batch, 1.0)))
        else:
            losses.append(float(symile_loss(batch, 1.0, negatives=negatives, generator=gen)))
    assert est["n_batches"] == 3
    assert est["loss"] == pytest.approx(np.mean(losses), abs=1e-10)
    expected = summarise_bounds(losses, 30, len(shape), method=method, negatives=negatives)
    assert est["bound"] == pytest.approx(expected["bound"], abs=1e-10)
    assert est["se"] == pytest.approx(expected["se"], abs=1e-10)


def test_exact_critic_n_bound_depends_on_the_seed_so_the_agreement_above_is_not_automatic():
    pmf = _full_support_pmf((2, 3, 2), seed=3)
    codes = _sample_codes(pmf, 150, seed=1)
    a, b = (exact_critic_bound(pmf, codes, method="symile", batch_size=50, seed=s)["loss"] for s in (11, 12))
    assert abs(a - b) > 1e-4


@pytest.mark.parametrize(("method", "negatives"), [("symile", "n"), ("symile", "n_squared"), ("clip", "n")])
def test_exact_critic_bound_of_independent_variables_is_exactly_zero(method, negatives):
    pmf = np.einsum("a,b,c->abc", [0.3, 0.7], [0.5, 0.25, 0.25], [0.1, 0.9])
    codes = _sample_codes(pmf, 400, seed=0)
    est = exact_critic_bound(pmf, codes, method=method, negatives=negatives, batch_size=100)
    assert est["bound"] == 0.0 and est["se"] == 0.0 and est["n_batches"] == 4


def test_exact_critic_n_squared_bound_on_a_balanced_xor_batch_is_one_bit(xor_pmf):
    # every anchor value u meets sum_v n_b(v) n_c(u ^ v) = 8 valid pairs out of 16, each scored log 2:
    # loss = log 8 per row, bound = 2 log 4 - log 8 = log 2 = 1 bit, the TC of XOR
    codes = [np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]), np.array([0, 1, 1, 0])]
    est = exact_critic_bound(xor_pmf, codes, method="symile", negatives="n_squared", batch_size=4)
    assert est["bound"] == pytest.approx(1.0, abs=1e-12)
    assert est["loss"] == pytest.approx(math.log(8), abs=1e-12)


_PMF = np.full((2, 2, 2), 1 / 8)
_CODES = [np.array([0, 1, 0, 1])] * 3


@pytest.mark.parametrize(
    ("pmf", "codes", "kwargs", "error", "match"),
    [
        (np.full((2, 2, 2), 1 / 4), _CODES, {}, ValueError, "sum to 1"),
        (-_PMF, _CODES, {}, ValueError, "non-negative"),
        (np.ones(4) / 4, _CODES, {}, ValueError, "one non-empty axis per modality"),
        (_PMF, _CODES[:2], {}, ValueError, "2 modalities, the pmf has 3"),
        (_PMF, [np.array([0, 1, 0, 2])] * 3, {}, ValueError, r"outside \[0, 2\)"),
        (_PMF, [np.array([0.0, 1.0, 0.0, 1.0])] * 3, {}, ValueError, "integer"),
        (
            _PMF,
            [np.array([0, 1, 0, 1]), np.array([0, 1, 0]), np.array([0, 1, 0, 1])],
            {},
            ValueError,
            "same length",
        ),
        (_PMF, _CODES, {"batch_size": 1}, ValueError, "batch_size"),
        (_PMF, _CODES, {"method": "gram"}, ValueError, "gram"),
        (_PMF, _CODES, {"seed": 1.5}, TypeError, "1.5"),
    ],
)
def test_bad_exact_critic_inputs_are_named(pmf, codes, kwargs, error, match):
    kwargs = {"method": "symile", "batch_size": 2, **kwargs}
    with pytest.raises(error, match=match):
        exact_critic_bound(pmf, codes, **kwargs)


# --------------------------------------------------------------------------------------------------
# held-out estimates of a model


@pytest.mark.parametrize(("negatives", "grouped"), [("n", False), ("n", True), ("n_squared", True)])
def test_bound_estimate_of_the_optimal_critic_model_equals_the_exact_critic_bound(
    xor_critic_model, xor_bits, xor_pmf, negatives, grouped
):
    # the hand-made model scores +100 on XOR tuples and -100 off them: e^-200 is 0 in float32, so its
    # loss is the exact critic's on the same batches and (for "n") the same permutations
    data = xor_bits(500, 0)
    model = xor_critic_model("symile", negatives)
    learned = bound_estimate(model, data, batch_size=100, seed=5, grouped=grouped)
    codes = [x[:, 0] for x in data]
    exact = exact_critic_bound(xor_pmf, codes, method="symile", negatives=negatives, batch_size=100, seed=5)
    assert learned["n_batches"] == exact["n_batches"] == 5
    for key in ("bound", "se", "cap"):
        assert learned[key] == pytest.approx(exact[key], abs=1e-5), key
    # TC = 1 bit; "n_squared" is not a strict bound at finite N (bias O(e^TC / N)): here 1.001 bits
    assert abs(learned["bound"] - 1.0) < 0.05


def test_bound_estimate_defaults_to_the_objective_the_model_records(xor_critic_model, xor_bits):
    data = xor_bits(400, 1)
    model = xor_critic_model("symile", "n_squared")
    default = bound_estimate(model, data, batch_size=100, grouped=True)
    assert default == bound_estimate(
        model, data, method="symile", negatives="n_squared", batch_size=100, grouped=True
    )
    assert default["cap"] == pytest.approx(2 * math.log2(100))
    # an explicit negatives chooses another estimator on purpose
    assert bound_estimate(model, data, negatives="n", batch_size=100)["cap"] == pytest.approx(math.log2(100))


def test_bound_estimate_refuses_a_method_that_contradicts_the_model(xor_critic_model, xor_bits):
    with pytest.raises(
        ValueError, match="method='symile' contradicts the model, which was trained with method='clip'"
    ):
        bound_estimate(xor_critic_model("clip"), xor_bits(200, 0), method="symile", batch_size=100)


def test_bound_estimate_of_a_bare_model_needs_an_explicit_method(xor_critic_model, xor_bits):
    bare, data = xor_critic_model(), xor_bits(200, 0)
    with pytest.raises(ValueError, match="records no training method"):
        bound_estimate(bare, data, batch_size=100)
    assert bound_estimate(bare, data, method="symile", batch_size=100)["n_batches"] == 2


@pytest.mark.parametrize(("seed", "error"), [(1.0, TypeError), ("0", TypeError), (-1, ValueError)])
def test_bound_estimate_validates_its_seed(xor_critic_model, xor_bits, seed, error):
    with pytest.raises(error, match="seed must be an int"):
        bound_estimate(xor_critic_model("symile"), xor_bits(200, 0), batch_size=100, seed=seed)


def test_bound_estimate_rejects_what_is_not_a_symile_model(xor_bits):
    with pytest.raises(TypeError, match="model must be a SymileModel, got Linear"):
        bound_estimate(torch.nn.Linear(1, 1), xor_bits(200, 0), method="symile", batch_size=100)


def test_bound_estimate_of_a_model_is_reproducible_from_its_seed(xor_bits):
    torch.manual_seed(0)
    model = SymileModel([1, 1, 1], rep_dim=4, method="symile")
    data = xor_bits(400, 2)
    runs = [bound_estimate(model, data, batch_size=100, seed=s)["bound"] for s in (3, 3, 4)]
    assert runs[0] == runs[1] != runs[2]


@pytest.mark.parametrize(
    ("base", "error"),
    [(1, ValueError), (0.5, ValueError), (math.nan, ValueError), (math.inf, ValueError), (True, TypeError),
     ("2", TypeError)],
)
def test_every_bound_refuses_a_base_that_is_not_finite_and_above_one(base, error):
    # regression: issue 10 -- base 1 divided by zero, base 0.5 gave a negative bound, base inf a zero cap
    calls = [
        lambda: bound_cap(8, 3, base=base),
        lambda: bound_from_loss(1.0, 8, 3, base=base),
        lambda: summarise_bounds([1.0, 1.1], 8, 3, method="symile", base=base),
    ]
    for call in calls:
        with pytest.raises(error, match="base must be a finite real number > 1"):
            call()


def test_an_empty_list_of_losses_is_an_error_not_a_nan_bound():
    # regression: issue 10 -- summarise_bounds([]) returned bound = nan
    with pytest.raises(ValueError, match="losses is empty"):
        summarise_bounds([], 8, 3, method="symile")
    with pytest.raises(ValueError, match="loss must be a finite cross-entropy"):
        summarise_bounds([math.nan], 8, 3, method="symile")


def test_numpy_ints_count_as_ints_in_the_bounds():
    # regression: issue 10 -- np.int64(8) was refused although the seed rule accepts numpy ints
    assert bound_cap(np.int64(8), np.int64(3)) == bound_cap(8, 3) == 3.0
    assert bound_from_loss(torch.tensor(0.0), 8, 3) == 3.0
