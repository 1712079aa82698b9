r"""A symbolic analog of the paper's Symile-M3 data: text + audio determine the image, no pair does.

Generative model (one sample):

* language :math:`L \sim \mathrm{Uniform}\{0, \dots, w-1\}`, class :math:`Y \sim \mathrm{Uniform}\{0, \dots,
  K-1\}` (``K = n_classes``), independent;
* **text**: ``w`` words, word :math:`\ell` is a class name written in language :math:`\ell`; word :math:`L` is
  :math:`Y`, the other :math:`w - 1` words are independent uniform classes (possibly equal to :math:`Y`);
* **audio**: reveals the language: :math:`L` with probability ``1 - audio_noise``, otherwise a uniform
  random language;
* **image**: reveals the class: :math:`Y` with probability ``1 - image_noise``, otherwise a uniform class.

The task is to predict the image from text and audio: the zero-shot experiments score the image *as
shown* (its class is :math:`Y` only with probability ``1 - image_noise``), so the exact accuracies and
informations are given for the image (the default) and for the true class :math:`Y` (``target="label"``);
the two agree without image noise. The text is i.i.d. uniform whatever :math:`L`, and the audio is
independent of :math:`Y`: pairwise dependencies leave the class ambiguous among the ``w`` words, while
text and audio together pin it down.

Image noise enters every exact value in closed form. The image is independent of (text, audio) given
:math:`Y`, with :math:`p(s \mid y) = (1 - \epsilon_I)[s = y] + \epsilon_I / K`, so

.. math:: p(\text{image} = s \mid \text{text}, \text{audio})
          = (1 - \epsilon_I)\, p(Y = s \mid \text{text}, \text{audio}) + \epsilon_I / K,

an increasing affine map of the class posterior: the Bayes prediction of the image is the Bayes
prediction of :math:`Y`, and its accuracy is :math:`(1 - \epsilon_I)\,\mathrm{acc}_Y + \epsilon_I / K`
(likewise for every predictor of :math:`Y`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

import numpy as np

from generators._common import as_rng, check_base, check_cells, check_int, check_n, check_probability

__all__ = ["SyntheticM3", "MAX_PMF_CELLS"]

#: Largest number of cells of :meth:`SyntheticM3.joint_pmf` (K**w * w * K <= 2**24, 128 MiB).
MAX_PMF_CELLS = 2**24
#: The two prediction targets: the image as shown (possibly noisy) or the true class Y.
TARGETS = ("image", "label")


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


def _posterior_stats(w: int, n_classes: int, eps: float, image_noise: float = 0.0) -> tuple[float, ...]:
    r"""Exact accuracy of Y, expected entropy of Y and of the image given (text, audio).

    That is :math:`E[\max_y p(y \mid \cdot)]`, :math:`E[H(Y \mid \cdot)]` and
    :math:`E[H(\text{image} \mid \cdot)]`.

    Entropies in nats; :math:`\cdot` = (text, audio). The text is i.i.d. uniform whatever :math:`L`, so
    :math:`p(L \mid \text{text}, \text{audio}) = p(L \mid \text{audio})` = ``pi`` at the heard language and
    ``eta`` elsewhere, and the class posterior is ``pi * [word at heard language = y] + eta * #{other
    positions whose word is y}``. The image posterior is ``(1 - image_noise) * that + image_noise / K``
    (see the module docstring). Enumerating the partitions of the ``w - 1`` other words' class counts gives
    the exact expectations. ``eps = 1`` is an uninformative audio, i.e. text alone.
    """
    K = n_classes
    pi, eta = 1.0 - eps + eps / w, eps / w
    floor = image_noise / K  # the image posterior of a class of posterior 0

    def entropy_nats(values):
        return -sum(v * math.log(v) for v in values if v > 0)  # 0 log 0 = 0

    acc, ent, ent_image = 0.0, 0.0, 0.0
    for parts in _partitions(w - 1):
        if len(parts) > K:
            continue
        weight = math.exp(_log_profile_probability(parts, K))
        counts = list(parts)
        n_zero = K - len(parts)
        # the heard position's word c is a uniform class: one of the counted classes or a zero-count one
        cases = [(k_c, i, 1.0 / K) for i, k_c in enumerate(counts)]
        if n_zero:
            cases.append((0, None, n_zero / K))
        for k_c, i, p_case in cases:
            others = [eta * k for j, k in enumerate(counts) if j != i]  # posteriors of the other classes
            posterior = [pi + eta * k_c, *others]  # distinct classes; the K - len(posterior) others have 0
            image = [(1.0 - image_noise) * v + floor for v in posterior]
            image += [floor] * (K - len(posterior))
            acc += weight * p_case * max(posterior)
            ent += weight * p_case * entropy_nats(posterior)
            ent_image += weight * p_case * entropy_nats(image)
    return acc, ent, ent_image


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
        w_k = self.w * self.n_classes
        check_cells(f"one sample's text (w * n_classes = {self.w} * {self.n_classes})", w_k)
        self.audio_noise = check_probability("audio_noise", audio_noise, include_one=False)
        self.image_noise = check_probability("image_noise", image_noise, include_one=False)

    def __repr__(self) -> str:
        return (
            f"SyntheticM3(w={self.w!r}, n_classes={self.n_classes!r}, audio_noise={self.audio_noise!r}, "
            f"image_noise={self.image_noise!r})"
        )

    @property
    def names(self) -> tuple[str, ...]:
        """The modalities ``('text', 'audio', 'image')``: the first keys of :meth:`sample`, the axes of
        :meth:`joint_pmf`."""
        return ("text", "audio", "image")

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` samples; see the class Notes for the keys and encodings."""
        w, K = self.w, self.n_classes
        n = check_n(n, row_cells=w * K + w + K)  # text, audio, image: ValueError if they cannot exist
        gen = as_rng(rng, name="rng")
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
    def _check_target(self, target) -> str:
        if target not in TARGETS:
            raise ValueError(f"target must be 'image' (as shown, possibly noisy) or 'label', got {target!r}")
        return target

    def _for_target(self, accuracy_of_label: float, target) -> float:
        """An accuracy of predicting Y turned into the accuracy of predicting the image, if asked."""
        if self._check_target(target) == "label":
            return accuracy_of_label
        # p(image = guess) = (1 - eps_I) p(Y = guess) + eps_I / K for any guess made from text and audio
        return (1.0 - self.image_noise) * accuracy_of_label + self.image_noise / self.n_classes

    def bayes_accuracy(self, *, target: str = "image") -> float:
        r"""Bayes accuracy of predicting the image (or its true class) from text + audio, exact.

        .. math:: \mathrm{acc}_Y = E\left[\max_y p(Y = y \mid \text{text}, \text{audio})\right], \qquad
                  \mathrm{acc}_\text{image} = (1 - \epsilon_I)\, \mathrm{acc}_Y + \epsilon_I / K,

        with :math:`\epsilon_I` = ``image_noise``; :math:`\mathrm{acc}_Y` is computed exactly by enumerating
        the class-count profiles of the distractor words (1 without audio noise). The Bayes prediction is
        :meth:`bayes_predict` for both targets.

        Parameters
        ----------
        target : {"image", "label"}
            ``"image"``: the image as shown, what the zero-shot experiments score; ``"label"``: the class Y.

        Returns
        -------
        float
            The accuracy, a fraction in [0, 1].
        """
        if self.audio_noise == 0:
            acc = 1.0  # the heard language's word is the class
        else:
            acc = _posterior_stats(self.w, self.n_classes, self.audio_noise)[0]
        return self._for_target(acc, target)

    def pairwise_accuracy(self, *, target: str = "image") -> float:
        r"""Best accuracy from text alone (exact): :math:`E[\max_y \#\{\ell : t_\ell = y\}] / w` for Y.

        The text is i.i.d. uniform and independent of the language, so :math:`p(y \mid \text{text}) =
        \#\{\ell : t_\ell = y\} / w`; the audio is independent of the class. A CLIP-style score
        :math:`f(\text{text}, y) + g(\text{audio}, y)` with the pairwise log-conditionals thus predicts the
        most frequent word (:meth:`pairwise_predict`). For Y this is :math:`1/w` plus the chance that
        distractor words repeat: e.g. for ``w = 2`` it is :math:`(1 + 1/K)/2`. For the image it is
        :math:`(1 - \epsilon_I)` times that plus :math:`\epsilon_I / K`. (Picking one word uniformly instead
        gives :meth:`uniform_word_accuracy`.)

        Parameters
        ----------
        target : {"image", "label"}
            ``"image"``: the image as shown; ``"label"``: the class Y.

        Returns
        -------
        float
            The accuracy, a fraction in [0, 1].
        """
        return self._for_target(_posterior_stats(self.w, self.n_classes, 1.0)[0], target)

    def uniform_word_accuracy(self, *, target: str = "image") -> float:
        r"""Accuracy of guessing one of the ``w`` text words uniformly: :math:`1/w + (1 - 1/w)/K` for Y.

        For the image: :math:`(1 - \epsilon_I)` times that plus :math:`\epsilon_I / K`.
        """
        return self._for_target(1.0 / self.w + (1.0 - 1.0 / self.w) / self.n_classes, target)

    def chance_accuracy(self) -> float:
        """Chance accuracy ``1 / n_classes`` (the same for the image and for Y: both are uniform)."""
        return 1.0 / self.n_classes

    def info_table(self, *, base: float = 2) -> dict[str, float]:
        r"""Exact information about the class :math:`Y` and about the image, bits by default.

        .. math::
            I(Y; \text{audio}) = 0, \quad I(Y; \text{text}) = \log K - H(Y \mid \text{text}), \quad
            I(Y; \text{text}, \text{audio}) = \log K - H(Y \mid \text{text}, \text{audio}),

        and the same with the image in place of :math:`Y` (the image is uniform too, so
        :math:`H(\text{image}) = \log K`), where :math:`H(\text{image} \mid \cdot)` is the expected entropy of
        the image posterior :math:`(1 - \epsilon_I)\, p(y \mid \cdot) + \epsilon_I / K`. The conditional
        entropies are computed exactly by enumeration (see :meth:`bayes_accuracy`). Without audio noise
        :math:`I(Y; \text{text}, \text{audio}) = \log K`; without image noise the image rows equal the Y rows.

        Returns
        -------
        dict
            Keys ``"H(Y)"``, ``"I(Y;audio)"``, ``"I(Y;text)"``, ``"I(Y;text,audio)"``, ``"H(image)"``,
            ``"I(image;audio)"``, ``"I(image;text)"``, ``"I(image;text,audio)"``; floats in units of
            ``log base`` (bits by default).
        """
        scale = 1.0 / math.log(check_base(base))
        log_K = math.log(self.n_classes)
        _, H_given_text, H_image_given_text = _posterior_stats(self.w, self.n_classes, 1.0, self.image_noise)
        _, H_given_both, H_image_given_both = _posterior_stats(
            self.w, self.n_classes, self.audio_noise, self.image_noise
        )
        return {
            "H(Y)": log_K * scale,
            "I(Y;audio)": 0.0,
            "I(Y;text)": (log_K - H_given_text) * scale,
            "I(Y;text,audio)": (log_K - H_given_both) * scale,
            "H(image)": log_K * scale,
            "I(image;audio)": 0.0,
            "I(image;text)": (log_K - H_image_given_text) * scale,
            "I(image;text,audio)": (log_K - H_image_given_both) * scale,
        }

    # ----------------------------------------------------------------------------------------- joint pmf
    def joint_pmf(self) -> np.ndarray:
        r"""Dense joint pmf of (text, audio, image), axes in that order, integer codes.

        .. math::
            P(t, h, s) = \frac{1}{w K^w} \sum_{\ell=0}^{w-1}
                \Big((1 - \epsilon_A)[h = \ell] + \frac{\epsilon_A}{w}\Big)
                \Big((1 - \epsilon_I)[s = t_\ell] + \frac{\epsilon_I}{K}\Big)

        (sum over the spoken language :math:`\ell`, whose word :math:`t_\ell` is the class), with
        :math:`\epsilon_A` = ``audio_noise`` and :math:`\epsilon_I` = ``image_noise``.

        Encoding: the text axis has :math:`K^w` values, the code of the words :math:`(t_0, \dots, t_{w-1})`
        being ``numpy.ravel_multi_index(words, (K,) * w)`` (word 0 most significant; ``words`` as in
        :meth:`sample`); the audio axis is the heard language (``audio.argmax(1)``), the image axis the
        shown class (``image.argmax(1)``). The latent language and class are summed out.

        Raises
        ------
        ValueError
            If :math:`K^w \cdot w \cdot K` exceeds :data:`MAX_PMF_CELLS` (:math:`2^{24}`), e.g. ``w = 10``.
        """
        w, K = self.w, self.n_classes
        # exact python ints; K**w >= 2**w, so w > 24 exceeds the limit without computing a huge power
        n_cells = K**w * w * K if w <= 24 else None
        if n_cells is None or n_cells > MAX_PMF_CELLS:
            n_cells = n_cells if n_cells is not None else f"more than 2**{w}"
            raise ValueError(
                f"the joint pmf of w={w}, n_classes={K} has K**w * w * K = {n_cells} cells "
                f"(limit {MAX_PMF_CELLS}); use the closed forms (bayes_accuracy, info_table) instead"
            )
        words = np.indices((K,) * w).reshape(w, -1)  # (w, K^w): words[l, t] = class of word l of text t
        heard = (1.0 - self.audio_noise) * np.eye(w) + self.audio_noise / w  # (w, w): P(h | L = l)
        onehot = np.eye(K)
        P = np.zeros((K**w, w, K))
        for language in range(w):
            seen = (1.0 - self.image_noise) * onehot[words[language]] + self.image_noise / K  # (K^w, K)
            P += heard[language][None, :, None] * seen[:, None, :]
        return P / (w * K**w)
