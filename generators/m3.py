r"""A symbolic analog of the paper's Symile-M3 data: text + audio determine the image, no pair does.

Generative model (one sample):

* language :math:`L \sim \mathrm{Uniform}\{0, \dots, w-1\}`, class :math:`Y \sim \mathrm{Uniform}\{0, \dots,
  K-1\}` (``K = n_classes``), independent;
* **text**: ``w`` words, word :math:`\ell` is a class name written in language :math:`\ell`; word :math:`L` is
  :math:`Y`, the other :math:`w - 1` words are independent uniform classes (possibly equal to :math:`Y`);
* **audio**: reveals the language: :math:`L` with probability ``1 - audio_noise``, otherwise a uniform
  random language;
* **image**: reveals the class: :math:`Y` with probability ``1 - image_noise``, otherwise a uniform class.

The task is to predict the image's class :math:`Y` (``label``) from text and audio. The text is i.i.d.
uniform whatever :math:`L`, and the audio is independent of :math:`Y`: pairwise dependencies leave the
class ambiguous among the ``w`` words, while text and audio together pin it down.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import numpy as np

from generators._common import as_generator, check_base, check_int, check_n, check_probability

__all__ = ["SyntheticM3"]


def _partitions(k: int, max_part: int | None = None) -> Iterator[tuple[int, ...]]:
    """Integer partitions of ``k`` as non-increasing tuples (``()`` for ``k = 0``)."""
    if k == 0:
        yield ()
        return
    max_part = k if max_part is None else max_part
    for first in range(min(k, max_part), 0, -1):
        for rest in _partitions(k - first, first):
            yield (first, *rest)


def _log_profile_probability(parts: tuple[int, ...], n_classes: int) -> float:
    """log P(the non-zero class counts of k = sum(parts) i.i.d. uniform draws over n_classes = ``parts``)."""
    k, r = sum(parts), len(parts)
    log_assign = math.lgamma(n_classes + 1) - math.lgamma(n_classes - r + 1)  # which classes get the parts
    log_assign -= sum(math.lgamma(m + 1) for m in Counter(parts).values())  # equal parts are exchangeable
    log_multinomial = math.lgamma(k + 1) - sum(math.lgamma(x + 1) for x in parts)
    return log_assign + log_multinomial - k * math.log(n_classes)


def _posterior_stats(w: int, n_classes: int, eps: float) -> tuple[float, float]:
    r"""Exact :math:`E[\max_y p(y \mid \text{text}, \text{audio})]` and :math:`E[H(Y \mid \cdot)]` (nats).

    The text is i.i.d. uniform whatever :math:`L`, so :math:`p(L \mid \text{text}, \text{audio}) = p(L \mid
    \text{audio})` = ``pi`` at the heard language and ``eta`` elsewhere, and the class posterior is
    ``pi * [word at heard language = y] + eta * #{other positions whose word is y}``. Enumerating the
    partitions of the ``w - 1`` other words' class counts gives the exact expectation.
    ``eps = 1`` is an uninformative audio, i.e. text alone.
    """
    pi, eta = 1.0 - eps + eps / w, eps / w
    acc, ent = 0.0, 0.0
    for parts in _partitions(w - 1):
        if len(parts) > n_classes:
            continue
        weight = math.exp(_log_profile_probability(parts, n_classes))
        counts = list(parts)
        n_zero = n_classes - len(parts)
        # the heard position's word c is a uniform class: one of the counted classes or a zero-count one
        cases = [(k_c, i, 1.0 / n_classes) for i, k_c in enumerate(counts)]
        if n_zero:
            cases.append((0, None, n_zero / n_classes))
        for k_c, i, p_case in cases:
            others = [eta * k for j, k in enumerate(counts) if j != i]  # posteriors of the other classes
            s_c = pi + eta * k_c
            acc_case = max([s_c, *others])
            ent_case = -sum(s * math.log(s) for s in [s_c, *others] if s > 0)
            acc += weight * p_case * acc_case
            ent += weight * p_case * ent_case
    return acc, ent


class SyntheticM3:
    r"""Symbolic Symile-M3: ``w`` languages, ``n_classes`` classes, text + audio -> image.

    Parameters
    ----------
    w : int, default 2
        Number of languages (and of words in each text), ``>= 1``.
    n_classes : int, default 10
        Number of image classes, ``>= 2``.
    audio_noise, image_noise : float, default 0.0
        In [0, 1): probability that the audio (image) shows a uniformly random language (class) instead of
        the true one.

    Notes
    -----
    Encodings returned by :meth:`sample` (all float32 one-hots, ready for a linear encoder):

    * ``'text'``: shape (n, w * n_classes); block :math:`\ell` (columns ``l*n_classes : (l+1)*n_classes``)
      is the one-hot of the class word written in language :math:`\ell`; block ``language`` holds ``label``;
    * ``'audio'``: shape (n, w), one-hot of the (possibly noisy) language;
    * ``'image'``: shape (n, n_classes), one-hot of the (possibly noisy) class;
    * ``'language'``, ``'label'``: int64 (n,), the true :math:`L` and :math:`Y`;
      ``'words'``: int64 (n, w), the class index of each word.

    Exact values (bits by default where information): :meth:`bayes_accuracy` (1 without audio noise),
    :meth:`pairwise_accuracy` (best accuracy from text alone, which is all that pairwise dependencies carry),
    :meth:`chance_accuracy` = 1 / n_classes.

    Examples
    --------
    >>> m3 = SyntheticM3(w=2, n_classes=10)
    >>> s = m3.sample(3, rng=0)
    >>> s["text"].shape, s["audio"].shape, s["image"].shape
    ((3, 20), (3, 2), (3, 10))
    >>> m3.bayes_accuracy(), round(m3.pairwise_accuracy(), 4), m3.chance_accuracy()
    (1.0, 0.55, 0.1)
    """

    def __init__(
        self, *, w: int = 2, n_classes: int = 10, audio_noise: float = 0.0, image_noise: float = 0.0
    ):
        self.w = check_int("w", w, low=1)
        self.n_classes = check_int("n_classes", n_classes, low=2)
        self.audio_noise = check_probability("audio_noise", audio_noise, include_one=False)
        self.image_noise = check_probability("image_noise", image_noise, include_one=False)

    def __repr__(self) -> str:
        return (
            f"SyntheticM3(w={self.w!r}, n_classes={self.n_classes!r}, audio_noise={self.audio_noise!r}, "
            f"image_noise={self.image_noise!r})"
        )

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` samples; see the class Notes for the keys and encodings."""
        n = check_n(n)
        gen = as_generator(rng)
        w, K = self.w, self.n_classes
        language = gen.integers(0, w, size=n)  # (n,)
        label = gen.integers(0, K, size=n)  # (n,)
        words = gen.integers(0, K, size=(n, w))  # (n, w) distractor words ...
        rows = np.arange(n)
        words[rows, language] = label  # ... except the word in the spoken language
        # noise draws happen whatever the noise level, so the clean parts are identical across noise levels
        heard = np.where(gen.random(n) < self.audio_noise, gen.integers(0, w, size=n), language)
        seen = np.where(gen.random(n) < self.image_noise, gen.integers(0, K, size=n), label)
        text = np.zeros((n, w * K), dtype=np.float32)
        text[rows[:, None], np.arange(w)[None, :] * K + words] = 1.0
        audio = np.zeros((n, w), dtype=np.float32)
        audio[rows, heard] = 1.0
        image = np.zeros((n, K), dtype=np.float32)
        image[rows, seen] = 1.0
        return {
            "text": text,
            "audio": audio,
            "image": image,
            "language": language.astype(np.int64),
            "label": label.astype(np.int64),
            "words": words.astype(np.int64),
        }

    # ----------------------------------------------------------------------------------------- predictors
    def _words(self, text) -> np.ndarray:
        text = np.asarray(text)
        if text.ndim != 2 or text.shape[1] != self.w * self.n_classes:
            raise ValueError(f"text must have shape (n, {self.w * self.n_classes}), got {text.shape}")
        return text.reshape(len(text), self.w, self.n_classes).argmax(axis=-1)  # (n, w)

    def bayes_predict(self, text, audio) -> np.ndarray:
        """The Bayes-optimal class prediction from one-hot ``text`` (n, w*n_classes) and ``audio`` (n, w).

        Maximises the posterior ``pi * [word at heard language = y] + eta * #{other words = y}`` with
        ``pi = 1 - audio_noise + audio_noise / w`` and ``eta = audio_noise / w``; ties go to the smallest
        class.
        """
        words = self._words(text)
        audio = np.asarray(audio)
        if audio.shape != (len(words), self.w):
            raise ValueError(f"audio must have shape ({len(words)}, {self.w}), got {audio.shape}")
        n, K = len(words), self.n_classes
        eta = self.audio_noise / self.w
        pi = 1.0 - self.audio_noise + eta
        scores = np.zeros((n, K))
        np.add.at(scores, (np.repeat(np.arange(n), self.w), words.ravel()), eta)
        scores[np.arange(n), words[np.arange(n), audio.argmax(axis=1)]] += pi - eta
        return scores.argmax(axis=1)

    def pairwise_predict(self, text) -> np.ndarray:
        """The best prediction from text alone: the most frequent word (ties go to the smallest class)."""
        words = self._words(text)
        counts = np.zeros((len(words), self.n_classes))
        np.add.at(counts, (np.repeat(np.arange(len(words)), self.w), words.ravel()), 1.0)
        return counts.argmax(axis=1)

    # ----------------------------------------------------------------------------------------- exact truth
    def bayes_accuracy(self) -> float:
        r"""Bayes accuracy of predicting the class from text + audio (exact; 1 without audio noise).

        .. math:: \mathrm{acc} = E\left[\max_y p(Y = y \mid \text{text}, \text{audio})\right],

        computed exactly by enumerating the class-count profiles of the distractor words.
        """
        if self.audio_noise == 0:
            return 1.0  # the heard language's word is the class
        return _posterior_stats(self.w, self.n_classes, self.audio_noise)[0]

    def pairwise_accuracy(self) -> float:
        r"""Best accuracy from text alone (exact): :math:`E[\max_y \#\{\ell : t_\ell = y\}] / w`.

        The text is i.i.d. uniform and independent of the language, so :math:`p(y \mid \text{text}) =
        \#\{\ell : t_\ell = y\} / w`; the audio is independent of the class. A CLIP-style score
        :math:`f(\text{text}, y) + g(\text{audio}, y)` with the pairwise log-conditionals thus predicts the
        most frequent word. This is :math:`1/w` plus the chance that distractor words repeat: e.g. for
        ``w = 2`` it is :math:`(1 + 1/K)/2`. (Picking one word uniformly instead gives
        :meth:`uniform_word_accuracy`.)
        """
        return _posterior_stats(self.w, self.n_classes, 1.0)[0]

    def uniform_word_accuracy(self) -> float:
        r"""Accuracy of guessing one of the ``w`` text words uniformly: :math:`1/w + (1 - 1/w)/K`."""
        return 1.0 / self.w + (1.0 - 1.0 / self.w) / self.n_classes

    def chance_accuracy(self) -> float:
        """Chance accuracy ``1 / n_classes``."""
        return 1.0 / self.n_classes

    def info_table(self, base: float = 2) -> dict[str, float]:
        r"""Exact information about the class :math:`Y`, bits by default.

        .. math::
            I(Y; \text{audio}) = 0, \quad I(Y; \text{text}) = \log K - H(Y \mid \text{text}), \quad
            I(Y; \text{text}, \text{audio}) = \log K - H(Y \mid \text{text}, \text{audio}),

        with the conditional entropies computed exactly by enumeration (see :meth:`bayes_accuracy`);
        without audio noise :math:`I(Y; \text{text}, \text{audio}) = \log K`.

        Returns
        -------
        dict
            Keys ``"H(Y)"``, ``"I(Y;audio)"``, ``"I(Y;text)"``, ``"I(Y;text,audio)"``.
        """
        scale = 1.0 / math.log(check_base(base))
        log_K = math.log(self.n_classes)
        H_given_text = _posterior_stats(self.w, self.n_classes, 1.0)[1]
        H_given_both = _posterior_stats(self.w, self.n_classes, self.audio_noise)[1]
        return {
            "H(Y)": log_K * scale,
            "I(Y;audio)": 0.0,
            "I(Y;text)": (log_K - H_given_text) * scale,
            "I(Y;text,audio)": (log_K - H_given_both) * scale,
        }
