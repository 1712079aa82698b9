"""generators.zero_shot: the exact truth of a zero-shot task, against closed forms, enumeration and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from generators import BinaryXOR, GaussianTC, Parity, SyntheticM3, xor_bayes_accuracy, xor_info_table
from generators.zero_shot import bound_targets, gaussian_retrieval_accuracy, zero_shot_truth
from infotheory import mutual_information, total_correlation

# ------------------------------------------------------------------------------------------------
# known values and closed forms


@pytest.mark.parametrize("p", [0.0, 0.25, 0.5, 1.0])
def test_switched_xor_truth_is_the_closed_form(p):
    truth = zero_shot_truth(BinaryXOR(d=3, p=p), 1)
    table = xor_info_table(3, p)
    assert truth["bayes"] == pytest.approx(float(xor_bayes_accuracy(3, p)))
    assert truth["TC"] == pytest.approx(float(table["TC"]))
    assert truth["pairs"][(0, 2)] == pytest.approx(float(table["I(a;c)"]))
    assert truth["pairs"][(0, 1)] == pytest.approx(0.0, abs=1e-12) and truth["chance"] == 2**-3


@pytest.mark.parametrize("m", [3, 4, 5])
def test_parity_has_one_bit_all_of_it_in_the_m_way_interaction(m):
    truth = zero_shot_truth(Parity(m=m), m - 1)
    assert truth["bayes"] == 1.0 and truth["chance"] == 0.5 and truth["TC"] == pytest.approx(1.0)
    assert len(truth["pairs"]) == m * (m - 1) // 2
    assert max(truth["pairs"].values()) == pytest.approx(0.0, abs=1e-12)
    assert truth["one_vs_rest"] == pytest.approx([1.0] * m)


def test_two_variables_have_one_pair_whose_information_is_all_of_it():
    from generators import DiseaseTemperature

    gen = DiseaseTemperature()
    truth = zero_shot_truth(gen, 0)
    assert truth["TC"] == pytest.approx(gen.mutual_information()) and list(truth["pairs"]) == [(0, 1)]
    assert truth["one_vs_rest"] == pytest.approx([truth["TC"], truth["TC"]])
    assert truth["bayes"] >= truth["chance"] == pytest.approx(gen.p_y().max())


def test_bound_targets_of_the_copy_task():
    # c = a (5 bits), b independent: every pairwise objective's target is the 5 bits of I(a; c)
    targets = bound_targets(zero_shot_truth(BinaryXOR(d=5, p=0.0), 2), target=2)
    assert targets["TC"] == pytest.approx(5.0) and targets["pairwise_sum"] == pytest.approx(5.0)
    assert targets["anchor_sum"] == pytest.approx(5.0)
    assert targets["one_vs_rest"] == pytest.approx(10 / 3)  # I(a; b,c) = I(c; a,b) = 5, I(b; a,c) = 0


def test_anchor_sum_counts_only_the_pairs_of_the_anchor():
    truth = {"TC": 9.0, "pairs": {(0, 1): 1.0, (0, 2): 2.0, (1, 2): 4.0}, "one_vs_rest": [3.0, 5.0, 6.0]}
    assert bound_targets(truth, 0) == {
        "TC": 9.0,
        "pairwise_sum": 7.0,
        "anchor_sum": 3.0,
        "one_vs_rest": 14 / 3,
    }
    assert bound_targets(truth, 2)["anchor_sum"] == 6.0


def test_base_changes_the_unit_of_the_information_not_the_accuracies():
    bits, nats = (
        zero_shot_truth(BinaryXOR(d=2, p=0.5), 1),
        zero_shot_truth(BinaryXOR(d=2, p=0.5), 1, base=math.e),
    )
    assert nats["TC"] == pytest.approx(bits["TC"] * math.log(2))
    assert nats["one_vs_rest"] == pytest.approx([v * math.log(2) for v in bits["one_vs_rest"]])
    assert (nats["bayes"], nats["chance"]) == (bits["bayes"], bits["chance"])


# ------------------------------------------------------------------------------------------------
# agreement with references: enumeration, regrouped generators, scipy's densities


def test_three_variable_chain_rule_equals_the_direct_one_vs_rest_information():
    gen = BinaryXOR(d=2, p=0.3)
    pmf = gen.joint_pmf()
    truth = zero_shot_truth(gen, 1)
    direct = [mutual_information(pmf, a, tuple(k for k in range(3) if k != a)) for a in range(3)]
    assert truth["one_vs_rest"] == pytest.approx(direct, abs=1e-12)


@pytest.mark.parametrize("audio_noise", [0.0, 0.5])
def test_m3_closed_forms_equal_the_enumerated_joint_pmf(audio_noise):
    gen = SyntheticM3(w=2, n_classes=4, audio_noise=audio_noise)
    truth, pmf = zero_shot_truth(gen, 2), gen.joint_pmf()
    assert truth["TC"] == pytest.approx(total_correlation(pmf), abs=1e-9)
    for a in range(3):
        rest = tuple(k for k in range(3) if k != a)
        assert truth["one_vs_rest"][a] == pytest.approx(mutual_information(pmf, a, rest), abs=1e-9)
        assert truth["pairs"][rest] == pytest.approx(mutual_information(pmf, *rest), abs=1e-9)


def test_gaussian_one_vs_rest_equals_the_regrouped_generator():
    gen = GaussianTC.from_total_correlation((2, 2, 2), 4.0)
    truth = zero_shot_truth(gen, 2, retrieval_batch=50)
    regrouped = GaussianTC(dims=(2, 4), correlation=gen.correlation_matrix)  # block 0 vs blocks 1, 2
    assert truth["one_vs_rest"][0] == pytest.approx(regrouped.total_correlation(), abs=1e-12)
    assert truth["TC"] == pytest.approx(4.0) and truth["chance"] == 1 / 50
    assert 1 / 50 < truth["bayes"] < 1  # the exact critic's in-batch retrieval accuracy (Monte Carlo)


@pytest.mark.parametrize("dims", [(1, 2), (1, 1, 2, 1)])
def test_gaussian_one_vs_rest_beyond_three_blocks_equals_the_regrouped_generator(dims):
    gen = GaussianTC.from_total_correlation(dims, 1.5)
    truth = zero_shot_truth(gen, 0)
    for a, d in enumerate(dims):
        order = [a] + [k for k in range(len(dims)) if k != a]
        idx = np.concatenate([gen._blocks()[k] for k in order])
        regrouped = GaussianTC(dims=(d, sum(dims) - d), correlation=gen.correlation_matrix[np.ix_(idx, idx)])
        assert truth["one_vs_rest"][a] == pytest.approx(regrouped.total_correlation(), abs=1e-12)


def test_gaussian_retrieval_is_the_argmax_of_the_exact_density_ratio():
    # brute force: score candidate j by log p(x_t_j, q_i) - log p(x_t_j) from scipy's densities
    from scipy.stats import multivariate_normal

    gen = GaussianTC.from_total_correlation((2, 1, 2), 3.0)
    rows, batch, target = 300, 20, 2
    ours = gaussian_retrieval_accuracy(gen, target, batch, rows=rows)
    R = gen.correlation_matrix
    x = np.concatenate([gen.sample(rows, np.random.default_rng(0))[k] for k in gen.names], axis=1)
    t_idx, q_idx = np.arange(3, 5), np.arange(0, 3)
    joint = multivariate_normal(np.zeros(5), R)
    marginal = multivariate_normal(np.zeros(2), R[np.ix_(t_idx, t_idx)])
    hits = []
    for start in range(0, rows, batch):
        xb = x[start : start + batch]
        pairs = np.concatenate([np.repeat(xb[:, q_idx], batch, 0), np.tile(xb[:, t_idx], (batch, 1))], axis=1)
        scores = (joint.logpdf(pairs) - marginal.logpdf(pairs[:, 3:])).reshape(batch, batch)  # (query, cand)
        hits.append(scores.argmax(axis=1) == np.arange(batch))
    assert ours == pytest.approx(float(np.concatenate(hits).mean()), abs=1e-12)
    assert 1 / batch < ours < 1


def test_gaussian_retrieval_is_seeded_and_ignores_invertible_transforms():
    plain = GaussianTC.from_total_correlation((1, 1, 1), 2.0)
    seen = GaussianTC.from_total_correlation((1, 1, 1), 2.0, transforms=("cube", "exp", None))
    acc = gaussian_retrieval_accuracy(plain, 1, 10, rows=500, seed=3)
    assert acc == gaussian_retrieval_accuracy(plain, 1, 10, rows=500, seed=3)
    assert acc == gaussian_retrieval_accuracy(seen, 1, 10, rows=500, seed=3)  # the critic acts on the latent
    assert acc != gaussian_retrieval_accuracy(plain, 1, 10, rows=500, seed=4)


def test_more_dependence_gives_a_higher_gaussian_retrieval_accuracy():
    weak, strong = (GaussianTC.from_total_correlation((1, 1), tc) for tc in (0.5, 4.0))
    assert gaussian_retrieval_accuracy(weak, 1, 10, rows=2000) < gaussian_retrieval_accuracy(
        strong, 1, 10, rows=2000
    )


# ------------------------------------------------------------------------------------------------
# bad input


@pytest.mark.parametrize("target", [-1, 3, 1.0, True])
def test_a_bad_target_is_a_value_error_naming_it(target):
    with pytest.raises(ValueError, match="target"):
        zero_shot_truth(BinaryXOR(d=1), target)


def test_m3_closed_forms_need_the_image_as_target():
    with pytest.raises(ValueError, match="target must be 2"):
        zero_shot_truth(SyntheticM3(w=2), 0)


def test_an_unknown_generator_is_a_type_error():
    class Bare:
        names = ("a", "b")

    with pytest.raises(TypeError, match="Bare"):
        zero_shot_truth(Bare(), 0)


@pytest.mark.parametrize("base", [1, 0.5, -2])
def test_a_bad_base_is_a_value_error(base):
    with pytest.raises(ValueError, match="base"):
        zero_shot_truth(Parity(m=3), 2, base=base)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"batch": 1}, "batch"), ({"batch": 10, "rows": 5}, "rows"), ({"batch": 10, "target": 2}, "target")],
)
def test_bad_retrieval_arguments_are_value_errors(kwargs, match):
    gen = GaussianTC(dims=(1, 1), correlation=0.5)
    kwargs = {"target": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        gaussian_retrieval_accuracy(gen, kwargs.pop("target"), kwargs.pop("batch"), **kwargs)


def test_retrieval_of_a_discrete_generator_is_a_type_error():
    with pytest.raises(TypeError, match="GaussianTC"):
        gaussian_retrieval_accuracy(Parity(m=3), 0, 10)
    with pytest.raises(ValueError, match="retrieval_batch"):
        zero_shot_truth(GaussianTC(dims=(1, 1), correlation=0.5), 0, retrieval_batch=1)
