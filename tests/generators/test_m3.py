"""SyntheticM3: exact accuracies by brute-force enumeration, encodings, sampling, validation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import infotheory as it
from generators import SyntheticM3
from infotheory.decision import bayes_accuracy, query_table


def _brute_force(w: int, K: int, eps: float, *, use_audio: bool = True) -> tuple[float, float]:
    """E[max posterior] and E[posterior entropy] (nats) of the class, enumerating the generative model."""
    joint: dict[tuple, np.ndarray] = {}
    for L, words in itertools.product(range(w), itertools.product(range(K), repeat=w)):
        y = words[L]  # the word in the spoken language is the class; the rest are uniform distractors
        p_lw = 1.0 / w / K**w
        for alpha in range(w) if use_audio else [None]:
            p_alpha = ((1 - eps) * (alpha == L) + eps / w) if use_audio else 1.0
            key = (words, alpha)
            joint.setdefault(key, np.zeros(K))[y] += p_lw * p_alpha
    acc = sum(v.max() for v in joint.values())
    ent = 0.0
    for v in joint.values():
        post = v[v > 0] / v.sum()
        ent -= v.sum() * float((post * np.log(post)).sum())
    return acc, ent


@pytest.mark.parametrize(("w", "K", "eps"), [(1, 3, 0.2), (2, 2, 0.0), (2, 5, 0.3), (3, 3, 0.5), (4, 2, 0.9)])
def test_bayes_accuracy_and_information_equal_brute_force_enumeration(w, K, eps):
    m3 = SyntheticM3(w=w, n_classes=K, audio_noise=eps)
    acc, ent = _brute_force(w, K, eps)
    assert m3.bayes_accuracy() == pytest.approx(acc, abs=1e-12)
    info = m3.info_table(base=math.e)
    assert info["I(Y;text,audio)"] == pytest.approx(math.log(K) - ent, abs=1e-12)


@pytest.mark.parametrize(("w", "K"), [(1, 3), (2, 2), (2, 5), (3, 4), (5, 2)])
def test_pairwise_accuracy_and_text_information_equal_brute_force(w, K):
    m3 = SyntheticM3(w=w, n_classes=K)
    acc, ent = _brute_force(w, K, 0.0, use_audio=False)
    assert m3.pairwise_accuracy() == pytest.approx(acc, abs=1e-12)
    assert m3.info_table(base=math.e)["I(Y;text)"] == pytest.approx(math.log(K) - ent, abs=1e-12)


@pytest.mark.parametrize("K", [2, 10, 1000])
def test_known_values_for_two_languages(K):
    m3 = SyntheticM3(w=2, n_classes=K)
    assert m3.bayes_accuracy() == 1.0
    assert m3.pairwise_accuracy() == pytest.approx((1 + 1 / K) / 2)
    assert m3.uniform_word_accuracy() == pytest.approx(0.5 + 0.5 / K)
    assert m3.chance_accuracy() == 1 / K
    assert m3.info_table()["I(Y;text,audio)"] == pytest.approx(math.log2(K))
    assert m3.info_table()["I(Y;audio)"] == 0.0


@pytest.mark.parametrize(("w", "K", "eps"), [(2, 10, 0.0), (3, 5, 0.4), (10, 20, 0.0)])
def test_predictors_on_samples_reach_the_exact_accuracies(w, K, eps):
    m3 = SyntheticM3(w=w, n_classes=K, audio_noise=eps)
    n = 40_000
    s = m3.sample(n, rng=11)
    for predicted, exact in [
        (m3.bayes_predict(s["text"], s["audio"]), m3.bayes_accuracy()),
        (m3.pairwise_predict(s["text"]), m3.pairwise_accuracy()),
    ]:
        se = math.sqrt(max(exact * (1 - exact), 1e-12) / n)
        assert abs((predicted == s["label"]).mean() - exact) < 5 * se + 1e-12


def test_sample_encodings_are_documented_one_hots():
    w, K, n = 3, 4, 500
    s = SyntheticM3(w=w, n_classes=K).sample(n, rng=0)
    assert s["text"].shape == (n, w * K) and s["text"].dtype == np.float32
    blocks = s["text"].reshape(n, w, K)
    np.testing.assert_array_equal(blocks.sum(-1), 1.0)
    np.testing.assert_array_equal(blocks.argmax(-1), s["words"])
    np.testing.assert_array_equal(s["words"][np.arange(n), s["language"]], s["label"])
    np.testing.assert_array_equal(s["audio"].argmax(1), s["language"])  # noise-free audio
    np.testing.assert_array_equal(s["image"].argmax(1), s["label"])  # noise-free image
    assert s["language"].dtype == np.int64 and s["label"].dtype == np.int64


def test_noise_changes_only_the_noisy_views_for_a_given_seed():
    clean = SyntheticM3(w=3, n_classes=5).sample(2000, rng=4)
    noisy = SyntheticM3(w=3, n_classes=5, audio_noise=0.5, image_noise=0.5).sample(2000, rng=4)
    for key in ("text", "language", "label", "words"):
        np.testing.assert_array_equal(clean[key], noisy[key])
    wrong_audio = (noisy["audio"].argmax(1) != noisy["language"]).mean()
    assert abs(wrong_audio - 0.5 * (1 - 1 / 3)) < 0.04


def test_same_seed_same_samples():
    a, b = SyntheticM3().sample(20, rng=9), SyntheticM3().sample(20, rng=9)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"w": 0}, r"w must be >= 1, got 0"),
        ({"n_classes": 1}, r"n_classes must be >= 2, got 1"),
        ({"audio_noise": 1.0}, r"audio_noise must be in \[0, 1\), got 1\.0"),
        ({"image_noise": -0.1}, r"image_noise must be in \[0, 1\), got -0\.1"),
    ],
)
def test_invalid_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SyntheticM3(**kwargs)


def test_predictors_check_input_shapes():
    m3 = SyntheticM3(w=2, n_classes=3)
    with pytest.raises(ValueError, match=r"text must have shape \(n, 6\), got \(4, 5\)"):
        m3.pairwise_predict(np.zeros((4, 5)))


# --------------------------------------------------------------------------------------------------
# image noise (issue 9) and the joint pmf


def _brute_force_image(w: int, K: int, eps_a: float, eps_i: float, *, use_audio: bool = True) -> dict:
    """Enumerate L, the words, the heard language and the shown class: the joint p((words, heard), image)."""
    joint: dict[tuple, np.ndarray] = {}
    for L, words in itertools.product(range(w), itertools.product(range(K), repeat=w)):
        y = words[L]
        p_lw = 1.0 / w / K**w
        p_image = np.array([(1 - eps_i) * (s == y) + eps_i / K for s in range(K)])
        for alpha in range(w) if use_audio else [None]:
            p_alpha = ((1 - eps_a) * (alpha == L) + eps_a / w) if use_audio else 1.0
            joint.setdefault((words, alpha), np.zeros(K))
            joint[(words, alpha)] += p_lw * p_alpha * p_image
    return joint


def _acc_and_entropy(joint: dict) -> tuple[float, float]:
    acc = sum(v.max() for v in joint.values())
    ent = 0.0
    for v in joint.values():
        post = v[v > 0] / v.sum()
        ent -= v.sum() * float((post * np.log(post)).sum())
    return acc, ent


NOISY = [(1, 3, 0.2, 0.5), (2, 2, 0.0, 0.3), (2, 5, 0.3, 0.1), (3, 3, 0.5, 0.6), (4, 2, 0.9, 0.2)]


# regression: issue 9 (bayes_accuracy / info_table ignored image_noise while experiments score the image)
@pytest.mark.parametrize(("w", "K", "eps_a", "eps_i"), NOISY)
def test_image_accuracies_and_information_equal_brute_force_enumeration(w, K, eps_a, eps_i):
    m3 = SyntheticM3(w=w, n_classes=K, audio_noise=eps_a, image_noise=eps_i)
    acc, ent = _acc_and_entropy(_brute_force_image(w, K, eps_a, eps_i))
    assert m3.bayes_accuracy() == pytest.approx(acc, abs=1e-12)
    info = m3.info_table(base=math.e)
    assert info["I(image;text,audio)"] == pytest.approx(math.log(K) - ent, abs=1e-12)
    acc_text, ent_text = _acc_and_entropy(_brute_force_image(w, K, eps_a, eps_i, use_audio=False))
    assert m3.pairwise_accuracy() == pytest.approx(acc_text, abs=1e-12)
    assert info["I(image;text)"] == pytest.approx(math.log(K) - ent_text, abs=1e-12)
    assert info["I(image;audio)"] == 0.0 and info["H(image)"] == pytest.approx(math.log(K))
    if eps_i > 0:  # the image is a noisy view: strictly less predictable than its class
        assert m3.bayes_accuracy() < m3.bayes_accuracy(target="label") - 1e-3
        assert info["I(image;text,audio)"] < info["I(Y;text,audio)"] - 1e-3


@pytest.mark.parametrize(("w", "K", "eps_a", "eps_i"), NOISY)
def test_label_target_ignores_image_noise(w, K, eps_a, eps_i):
    noisy = SyntheticM3(w=w, n_classes=K, audio_noise=eps_a, image_noise=eps_i)
    clean = SyntheticM3(w=w, n_classes=K, audio_noise=eps_a)
    for method in ("bayes_accuracy", "pairwise_accuracy", "uniform_word_accuracy"):
        assert getattr(noisy, method)(target="label") == getattr(clean, method)()
    for key in ("I(Y;text)", "I(Y;text,audio)"):
        assert noisy.info_table()[key] == clean.info_table()[key]


# regression: issue 9 (Monte Carlo check of the corrected reference line)
@pytest.mark.parametrize(
    ("w", "K", "eps_a", "eps_i"), [(2, 10, 0.0, 0.3), (5, 10, 0.0, 0.5), (3, 5, 0.4, 0.2)]
)
def test_bayes_and_pairwise_predictors_score_the_noisy_image_at_the_exact_accuracy(w, K, eps_a, eps_i):
    # tolerance: 5 binomial standard errors at n = 40000 (seed 5)
    m3 = SyntheticM3(w=w, n_classes=K, audio_noise=eps_a, image_noise=eps_i)
    n = 40_000
    s = m3.sample(n, rng=5)
    shown = s["image"].argmax(axis=1)
    for predicted, exact in [
        (m3.bayes_predict(s["text"], s["audio"]), m3.bayes_accuracy()),
        (m3.pairwise_predict(s["text"]), m3.pairwise_accuracy()),
    ]:
        se = math.sqrt(exact * (1 - exact) / n)
        assert abs((predicted == shown).mean() - exact) < 5 * se


@pytest.mark.parametrize(("w", "K", "eps_a", "eps_i"), NOISY)
def test_joint_pmf_equals_brute_force_enumeration_and_its_measures_equal_the_closed_forms(w, K, eps_a, eps_i):
    m3 = SyntheticM3(w=w, n_classes=K, audio_noise=eps_a, image_noise=eps_i)
    P = m3.joint_pmf()  # axes (text, audio, image)
    assert P.shape == (K**w, w, K)
    for (words, alpha), row in _brute_force_image(w, K, eps_a, eps_i).items():
        np.testing.assert_allclose(P[np.ravel_multi_index(words, (K,) * w), alpha], row, atol=1e-15)
    info = m3.info_table()
    assert it.mutual_information(P, 2, (0, 1)) == pytest.approx(info["I(image;text,audio)"], abs=1e-12)
    assert it.mutual_information(P, 2, 0) == pytest.approx(info["I(image;text)"], abs=1e-12)
    assert it.mutual_information(P, 2, 1) == pytest.approx(0.0, abs=1e-12)
    assert bayes_accuracy(query_table(P, (0, 1), 2)) == pytest.approx(m3.bayes_accuracy(), abs=1e-12)


def test_joint_pmf_refuses_more_than_two_to_the_24_cells():
    with pytest.raises(ValueError, match=r"K\*\*w \* w \* K = 1000000000000 cells \(limit 16777216\)"):
        SyntheticM3(w=10, n_classes=10).joint_pmf()


def test_unknown_target_is_rejected():
    with pytest.raises(ValueError, match=r"target must be 'image' .* got 'class'"):
        SyntheticM3().bayes_accuracy(target="class")


@pytest.mark.parametrize("w", [10**9, 10**400])
def test_a_number_of_languages_whose_text_cannot_exist_is_a_value_error(w):
    # regression: issue 10 -- w = 10**9 hung in joint_pmf (K**w) and sampling ran out of memory
    with pytest.raises(ValueError, match="text .* could not be allocated"):
        SyntheticM3(w=w)


def test_joint_pmf_refuses_a_large_w_without_computing_k_to_the_w():
    # regression: issue 10
    with pytest.raises(ValueError, match=r"more than 2\*\*30 cells"):
        SyntheticM3(w=30).joint_pmf()
