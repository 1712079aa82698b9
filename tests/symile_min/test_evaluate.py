"""Zero-shot scores and accuracy: hand-computed values, the model's recorded objective, devices, errors."""

import math

import numpy as np
import pytest
import torch

from symile_min import zero_shot_accuracy, zero_shot_scores

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def test_symile_scores_are_the_mip_with_every_candidate_and_clip_the_sum_of_dot_products():
    q = [torch.tensor([[1.0, 2.0], [0.5, -1.0]]), torch.tensor([[3.0, 1.0], [2.0, 2.0]])]
    c = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    symile = torch.tensor([[3.0, 2.0, 5.0], [1.0, -2.0, -1.0]])  # sum_k q1_k q2_k c_k
    clip = torch.tensor([[4.0, 3.0, 7.0], [2.5, 1.0, 3.5]])  # (q1 + q2) . c
    torch.testing.assert_close(zero_shot_scores(q, c), symile)
    torch.testing.assert_close(zero_shot_scores(q, c, "clip"), clip)


def test_zero_shot_scores_add_the_log_prior_after_scaling():
    q, c = [torch.tensor([[1.0, 0.0]])], torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    prior = torch.log(torch.tensor([0.25, 0.75]))
    got = zero_shot_scores(q, c, "symile", prior, logit_scale=3.0)
    torch.testing.assert_close(got, torch.tensor([[3.0, 0.0]]) + prior)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(method="simile"), ValueError, "'simile'"),
        (dict(candidates=torch.ones(2, 3)), ValueError, "candidates have dim 3 but queries have dim 2"),
        (dict(log_prior=torch.zeros(3)), ValueError, r"log_prior must have shape \(2,\)"),
        (dict(log_prior=torch.tensor([0.0, math.nan])), ValueError, "nan or \\+inf"),
        (dict(logit_scale=0.0), ValueError, "logit_scale must be finite and > 0"),
        (dict(queries=torch.ones(1, 2)), TypeError, "list of tensors"),
    ],
)
def test_bad_zero_shot_inputs_are_named(kwargs, error, match):
    args = dict(queries=[torch.ones(1, 2)], candidates=torch.eye(2), method="symile")
    args.update(kwargs)
    with pytest.raises(error, match=match):
        zero_shot_scores(**args)


@pytest.mark.parametrize("device", DEVICES)
def test_zero_shot_scores_stay_on_the_queries_device(device):
    q, c = [torch.ones(3, 2, device=device)], torch.eye(2, device=device)
    scale, prior = torch.tensor(2.0, device=device), torch.zeros(2, device=device)
    got = zero_shot_scores(q, c, "symile", prior, logit_scale=scale)
    assert got.device.type == device and got.shape == (3, 2)


def _all_xor_tuples(repeats=1):
    a = np.array([0, 0, 1, 1] * repeats)[:, None]
    b = np.array([0, 1, 0, 1] * repeats)[:, None]
    return [a, b, a ^ b]


def test_symile_rule_of_the_optimal_critic_predicts_xor_perfectly(xor_critic_model):
    # MIP(r_a, r_b, r_c) = +1 exactly when c = a XOR b: the Symile rule is the Bayes rule
    acc = zero_shot_accuracy(xor_critic_model("symile"), _all_xor_tuples(), target=2, candidates=[[0], [1]])
    assert acc == 1.0


def test_clip_rule_of_the_same_encoders_is_right_on_one_of_four_tuples(xor_critic_model):
    # (r_a + r_b) . r_c: a = b = 0 -> scores (-2, 2) picks c = 1 (wrong); a = b = 1 -> (2, -2) picks 0
    # (right); a != b -> ties, the first candidate c = 0 (wrong, c = 1): 1 / 4
    acc = zero_shot_accuracy(xor_critic_model("clip"), _all_xor_tuples(3), target=2, candidates=[[0], [1]])
    assert acc == 0.25


def test_a_strong_prior_overrides_the_scores(xor_critic_model):
    # log prior (-1000, 0) after scaling by 100 puts every prediction on c = 1, true on half the rows
    model = xor_critic_model("symile")
    data, prior = _all_xor_tuples(), [-1000.0, 0.0]
    assert zero_shot_accuracy(model, data, target=2, candidates=[[0], [1]], log_prior=prior) == 0.5


def test_default_candidates_are_the_distinct_target_rows(xor_critic_model):
    model = xor_critic_model("symile")
    assert zero_shot_accuracy(model, _all_xor_tuples(), target=0) == 1.0


def test_zero_shot_accuracy_takes_the_method_from_the_model_and_refuses_a_contradiction(xor_critic_model):
    data = _all_xor_tuples()
    assert zero_shot_accuracy(xor_critic_model("clip"), data, target=2, method="clip") == 0.25
    with pytest.raises(ValueError, match="method='symile' contradicts the model, which was trained with "
                                         "method='clip'"):
        zero_shot_accuracy(xor_critic_model("clip"), data, target=2, method="symile")
    with pytest.raises(ValueError, match="records no training method"):
        zero_shot_accuracy(xor_critic_model(), data, target=2)
    assert zero_shot_accuracy(xor_critic_model(), data, target=2, method="symile") == 1.0  # bare + explicit


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(target=3), r"target must be a modality index in \[0, 3\), got 3"),
        (dict(target=True), "got True"),
        (dict(target=2, candidates=[[0]]), "row 1 of the target modality is not among the candidates"),
        (dict(target=2, candidates=[[0], [1], [1]]), "duplicate"),
        (dict(target=2, data=_all_xor_tuples()[:2]), "model has 3 modalities, data has 2"),
    ],
)
def test_bad_zero_shot_accuracy_inputs_are_named(xor_critic_model, kwargs, match):
    args = {"data": _all_xor_tuples(), **kwargs}
    with pytest.raises(ValueError, match=match):
        zero_shot_accuracy(xor_critic_model("symile"), args.pop("data"), **args)


# ------------------------------------------------------------------------------------------------
# retrieval against an arbitrary candidate set

from symile_min import SymileModel, retrieval_metrics, retrieval_ranks  # noqa: E402


def test_ranks_count_higher_scores_and_break_ties_towards_the_earlier_candidate():
    q = [torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 1.0]])]
    c = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    # scores: row0 (1, 0, 2), row1 (0, 1, 0), row2 (1, 1, 2), row3 (1, 1, 2)
    ranks = retrieval_ranks(q, c, torch.tensor([0, 1, 1, 0]))
    assert ranks.tolist() == [2, 1, 3, 2]  # row 2: candidate 1 ties candidate 0, which comes first


@pytest.mark.parametrize("method", ["symile", "clip"])
def test_rank_one_is_argmax_accuracy_and_batching_does_not_change_ranks(method):
    g = torch.Generator().manual_seed(0)
    q = [torch.randn(50, 4, generator=g) for _ in range(2)]
    c = torch.randn(30, 4, generator=g)
    labels = torch.randint(0, 30, (50,), generator=g)
    ranks = retrieval_ranks(q, c, labels, method=method, batch_size=50)
    assert torch.equal(ranks, retrieval_ranks(q, c, labels, method=method, batch_size=7))
    scores = zero_shot_scores(q, c, method)
    assert torch.equal(ranks == 1, scores.argmax(1) == labels)
    true = scores.gather(1, labels[:, None])
    assert torch.equal(ranks, 1 + (scores > true).sum(1))  # continuous scores: no ties


def test_distinct_candidates_reproduce_zero_shot_accuracy(xor_critic_model):
    data = _all_xor_tuples(3)
    for method in ("symile", "clip"):
        model = xor_critic_model(method)
        got = retrieval_metrics(model, data, target=2, candidates="distinct", ks=(1, 2))
        assert got["accuracy@1"] == zero_shot_accuracy(model, data, target=2)
        assert got["recall@2"] == 1.0 and got["n_candidates"] == 2 and got["chance@1"] == 0.5


def test_default_candidates_are_the_evaluation_rows_and_metrics_follow_the_ranks():
    # target rows equal to the queries (CLIP): row i's own candidate always scores highest -> all 1
    g = torch.Generator().manual_seed(3)
    a = torch.nn.functional.normalize(torch.randn(40, 6, generator=g), dim=1)
    perfect = retrieval_metrics([a, a], target=1, method="clip", ks=(1, 5))
    assert (perfect["accuracy@1"], perfect["recall@5"], perfect["mrr"]) == (1.0, 1.0, 1.0)
    b = torch.nn.functional.normalize(torch.randn(40, 6, generator=g), dim=1)  # unrelated target
    ranks = retrieval_ranks([a], b, method="clip").to(torch.float64)
    out = retrieval_metrics([a, b], target=1, method="clip", ks=(5,))
    assert out["recall@5"] == pytest.approx(float((ranks <= 5).double().mean()))
    assert out["mrr"] == pytest.approx(float((1 / ranks).mean()))
    assert out["mean_rank"] == pytest.approx(float(ranks.mean()))


def test_retrieval_takes_any_encode_callable_and_candidate_inputs_with_labels():
    torch.manual_seed(0)
    model = SymileModel([2, 2, 2], rep_dim=3, method="symile")
    x = [np.random.default_rng(s).normal(size=(20, 2)).astype(np.float32) for s in range(3)]
    from_model = retrieval_metrics(model, x, target=0, batch_size=6)
    from_callable = retrieval_metrics(model.encode, x, target=0, method="symile", batch_size=6)
    from_reps = retrieval_metrics(model.encode(x), target=0, method="symile")
    for key in ("accuracy@1", "recall@5", "mrr"):
        assert from_model[key] == pytest.approx(from_callable[key]) == pytest.approx(from_reps[key])
    # candidates as inputs, each row's answer given by labels: extra distractors append to the rows
    extra = np.random.default_rng(9).normal(size=(15, 2)).astype(np.float32)
    with_distractors = retrieval_metrics(
        model, x, target=0, candidates=np.concatenate([x[0], extra]), labels=np.arange(20)
    )
    assert with_distractors["n_candidates"] == 35
    assert with_distractors["mrr"] <= from_model["mrr"] + 1e-12  # more candidates never raise a rank


def test_retrieval_from_a_model_trained_on_a_dict_takes_the_target_by_name(xor_critic_model):
    model = xor_critic_model("symile")
    model.names = ("a", "b", "c")
    a, b, c = _all_xor_tuples()
    out = retrieval_metrics(model, {"c": c, "a": a, "b": b}, target="c", candidates="distinct")
    assert out["accuracy@1"] == 1.0 and out["target"] == "c"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(source=[torch.ones(3, 2)] * 2, target=0), ValueError, "needs method="),
        (dict(source=lambda xs: xs, data=[np.ones((3, 2))] * 2, target=0), ValueError, "pass method="),
        (dict(source=42, data=[np.ones((3, 2))] * 2, target=0, method="clip"), TypeError, "source must be"),
        (dict(source=[torch.ones(3, 2)] * 2, target=5, method="clip"), ValueError, r"in \[0, 2\), got 5"),
        (dict(source=[torch.ones(3, 2)] * 2, target=0, method="clip", candidates=torch.ones(4, 2)),
         ValueError, "need labels="),
        (dict(source=[torch.ones(3, 2)] * 2, target=0, method="clip", ks=(0,)), ValueError, "ks must be"),
    ],
)
def test_bad_retrieval_inputs_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        retrieval_metrics(**kwargs)


def test_retrieval_ranks_run_on_the_meta_device_without_host_sync():
    q = [torch.randn(10, 4, device="meta")] * 2
    labels = torch.zeros(10, dtype=torch.long, device="meta")
    ranks = retrieval_ranks(q, torch.randn(7, 4, device="meta"), labels)
    assert ranks.device.type == "meta" and ranks.shape == (10,)


def test_exact_candidate_labels_need_no_n_by_c_by_d_comparison():
    # regression: issue 11 -- matching N targets against C candidates built an (N, C, d) bool tensor
    # (here 4000 x 4000 x 64 = 1 GiB); the unique-based match needs O((N + C) d)
    from symile_min.evaluate import _row_labels

    rng = np.random.default_rng(0)
    cand = torch.from_numpy(rng.integers(0, 2, (4000, 64))).float()
    pick = torch.from_numpy(rng.integers(0, 4000, 4000))
    assert torch.equal(_row_labels(cand[pick], cand), pick)


def test_zero_shot_scores_refuse_queries_and_candidates_of_different_dtypes():
    # regression: issue 10 -- a float32 query against float64 candidates was a raw RuntimeError
    q = [torch.eye(3)] * 2
    with pytest.raises(ValueError, match="share one dtype and device"):
        zero_shot_scores(q, torch.eye(3, dtype=torch.float64))


@pytest.mark.parametrize(
    ("log_prior", "error"),
    [
        (torch.zeros(3, dtype=torch.complex64), TypeError),
        (np.zeros(3) + 1j, TypeError),
        (["a"] * 3, TypeError),
    ],
)
def test_a_complex_log_prior_is_refused_not_cast(log_prior, error):
    # regression: issue 10 -- a complex prior silently lost its imaginary part
    with pytest.raises(error, match="log_prior must"):
        zero_shot_scores([torch.eye(3)], torch.eye(3), log_prior=log_prior)


def test_a_scale_that_overflows_the_scores_is_refused_in_zero_shot_scores():
    # regression: issue 10
    with pytest.raises(ValueError, match="overflows"):
        zero_shot_scores([torch.eye(3)], torch.eye(3), log_prior=torch.zeros(3), logit_scale=1e39)


def test_zero_shot_accuracy_names_a_candidate_width_that_is_not_the_targets():
    # regression: issue 10 -- candidates of the wrong width were a raw RuntimeError from torch.cat
    from symile_min import SymileModel

    model = SymileModel([2, 2, 2], rep_dim=3, method="symile")
    data = [np.eye(2, dtype=np.float32)[[0, 1, 1, 0]]] * 3
    with pytest.raises(ValueError, match=r"candidates have rows of shape \(5,\), the target modality's"):
        zero_shot_accuracy(model, data, target=0, candidates=np.zeros((3, 5)))
    with pytest.raises(TypeError, match="model must be a SymileModel, got object"):
        zero_shot_accuracy(object(), data, target=0)
