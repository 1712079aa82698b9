r"""Symile-M3 in miniature with real modalities: digit images, multilingual digit names, synthetic speech.

The data-generating process of :class:`~generators.SyntheticM3` (``K = 10`` classes, ``w`` languages, no
noise), rendered into real modalities:

* **latent** (drawn by :meth:`SyntheticM3.sample`): the spoken language :math:`L \sim
  \mathrm{Uniform}\{0..w-1\}`, the class :math:`Y \sim \mathrm{Uniform}\{0..9\}`, and one class word per
  language: word :math:`L` is :math:`Y`, the other :math:`w - 1` are i.i.d. uniform classes (possibly
  equal to :math:`Y`);
* **text**: the ``w`` words written in their languages (:data:`DIGIT_NAMES`, native scripts), in a
  uniformly shuffled order, joined by spaces, as UTF-8 bytes (zero-padded to a fixed width);
* **audio**: a clip drawn uniformly from the speech bank's clips of language :math:`L`: espeak-ng reading
  a random integer (unrelated to :math:`Y`) with a random speed, pitch and voice variant, as a 32 x 64
  log-mel spectrogram (:mod:`generators._speech`);
* **image**: an 8 x 8 handwritten digit of class :math:`Y` (scikit-learn's bundled ``load_digits``), drawn
  uniformly from the split's images of that class; with ``exemplars=True`` one image per class is drawn
  per call and every row of that class shows it (the zero-shot candidates).

Splits: ``"train"`` and ``"test"`` use disjoint images (a fixed stratified third of each class is test)
and disjoint clips (the last quarter of each language's clips is test).

Exact truth: the rendering is injective on what matters, so every exact value is
:class:`SyntheticM3`'s with ``n_classes=10`` and no noise. The 10 x w word strings are distinct (the text
gives each word's language and class; the order carries nothing more), no clip of one language equals a
clip of another (the audio gives :math:`L`), and no two ``load_digits`` images are equal (the image gives
:math:`Y`; with exemplars the image *is* the class). Hence the Bayes accuracy of the image (its class) from
(text, audio) is 1, and the best accuracy from text alone, which is what CLIP's pairwise critics reach,

.. math:: A_\text{pair} = \frac{E[M]}{w} = \frac1w + \Big(1 - \frac1w\Big)\, q_w, \qquad
          q_w = \frac{E[M] - 1}{w - 1},

with :math:`M` the largest multiplicity among the ``w`` i.i.d. uniform words: the most frequent word is
named by the spoken language with probability :math:`E[M]/w`. The chance-level term :math:`q_w` is
:math:`1/K` for ``w = 2`` (the two words coincide) and 0.197 / 0.194 for ``w = 5`` / ``10``
(:meth:`MediaM3.pairwise_chance_term`); guessing one word uniformly would give :math:`q = 1/K` at every w.

Import rule: numpy (and the digits bundled with scikit-learn, read from its data file), no torch.
Build the speech bank with ``python -m generators.m3_media build`` (needs espeak-ng); the committed bank
``generators/data/m3_speech.npz`` loads without it.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
from pathlib import Path

import numpy as np

from generators import _speech
from generators._common import as_rng, check_int, check_n
from generators.m3 import SyntheticM3

__all__ = [
    "MediaM3",
    "DIGIT_NAMES",
    "LANGUAGES",
    "PAPER_LANGUAGES",
    "ESPEAK_VOICES",
    "SPEECH_BANK_PATH",
    "build_speech_bank",
    "load_speech_bank",
    "language_id_probe",
    "digit_images",
    "main",
]

#: the ten digit names, 0..9, in each language (native scripts, NFC); Japanese in hiragana so that it
#: shares no string with Chinese
DIGIT_NAMES: dict[str, tuple[str, ...]] = {
    "ar": ("صفر", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة"),
    "el": ("μηδέν", "ένα", "δύο", "τρία", "τέσσερα", "πέντε", "έξι", "επτά", "οκτώ", "εννέα"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "hi": ("शून्य", "एक", "दो", "तीन", "चार", "पाँच", "छह", "सात", "आठ", "नौ"),
    "ja": ("れい", "いち", "に", "さん", "よん", "ご", "ろく", "なな", "はち", "きゅう"),
    "ko": ("영", "일", "이", "삼", "사", "오", "육", "칠", "팔", "구"),
    "te": ("సున్నా", "ఒకటి", "రెండు", "మూడు", "నాలుగు", "ఐదు", "ఆరు", "ఏడు", "ఎనిమిది", "తొమ్మిది"),
    "th": ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า"),
    "uk": ("нуль", "один", "два", "три", "чотири", "пʼять", "шість", "сім", "вісім", "девʼять"),
    "zh": ("零", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
}
#: every language of the speech bank, in the bank's order (its index is the language id in clip seeds)
LANGUAGES: tuple[str, ...] = tuple(DIGIT_NAMES)
#: the paper's language sets
PAPER_LANGUAGES: dict[int, tuple[str, ...]] = {
    2: ("en", "el"),
    5: ("el", "en", "hi", "ja", "uk"),
    10: ("ar", "el", "en", "hi", "ja", "ko", "te", "th", "uk", "zh"),
}
#: espeak-ng voice of each language (Mandarin is ``cmn``)
ESPEAK_VOICES: dict[str, str] = {lang: ("cmn" if lang == "zh" else lang) for lang in LANGUAGES}
#: the committed speech bank (120 clips per language, seed 0)
SPEECH_BANK_PATH = Path(__file__).resolve().parent / "data" / "m3_speech.npz"
#: defaults of the committed bank
BANK_CLIPS, BANK_SEED = 120, 0
#: fraction of each language's clips (the last ones) and of each class's images held out for "test"
TEST_FRACTION_CLIPS, TEST_FRACTION_IMAGES = 0.25, 1.0 / 3.0
#: seed of the fixed stratified image split
IMAGE_SPLIT_SEED = 0
N_CLASSES = 10
SPLITS = ("train", "test")


def build_speech_bank(
    languages=LANGUAGES, *, n_clips: int = BANK_CLIPS, seed: int = BANK_SEED, executable: str = "espeak-ng"
) -> dict[str, np.ndarray]:
    """Synthesise the speech bank of ``languages`` with espeak-ng (see ``_speech.build_speech_bank``).

    Clip ``c`` of language ``lang`` depends only on ``(seed, LANGUAGES.index(lang), c)``, so the bank of a
    subset of the languages holds the same clips as the full one. Needs espeak-ng (FileNotFoundError).
    """
    languages = _check_languages(languages)
    return _speech.build_speech_bank(
        languages,
        [ESPEAK_VOICES[lang] for lang in languages],
        n_clips=n_clips,
        seed=seed,
        language_ids=[LANGUAGES.index(lang) for lang in languages],
        executable=executable,
    )


@functools.cache
def _cached_bank(path: str) -> dict[str, np.ndarray]:
    return _speech.load_speech_bank(path)


def load_speech_bank(path=None) -> dict[str, np.ndarray]:
    """The speech bank at ``path`` (default: the committed :data:`SPEECH_BANK_PATH`), read once and cached.

    The arrays are shared between calls: do not modify them.
    """
    return _cached_bank(str(Path(SPEECH_BANK_PATH if path is None else path).resolve()))


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits: pixels (1797, 64) float32 in [0, 1] (grey level / 16), labels (1797,).

    The data and target of ``sklearn.datasets.load_digits``, read straight from the CSV that
    ``load_digits`` parses, which skips importing ``sklearn.datasets`` (seconds on a busy machine); if
    that file is not where this scikit-learn keeps it, ``load_digits`` itself. Nothing is downloaded.
    """
    spec = importlib.util.find_spec("sklearn")
    csv = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz" if spec and spec.origin else None
    if csv is not None and csv.is_file():
        table = np.loadtxt(csv, delimiter=",")  # (1797, 65): 64 grey levels 0..16, then the class
        data, target = table[:, :-1], table[:, -1]
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        data, target = digits.data, digits.target
    return (data / 16.0).astype(np.float32), target.astype(np.int64)


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, ...]]]:
    """load_digits pixels (1797, 64) float32 in [0, 1], labels (1797,), each split's indices per class."""
    pixels, labels = digit_images()
    pools = {"train": [], "test": []}
    for c in range(N_CLASSES):
        members = np.flatnonzero(labels == c)
        members = members[np.random.default_rng([IMAGE_SPLIT_SEED, c]).permutation(len(members))]
        n_test = int(round(TEST_FRACTION_IMAGES * len(members)))
        pools["test"].append(np.sort(members[:n_test]))
        pools["train"].append(np.sort(members[n_test:]))
    return pixels, labels, {k: tuple(v) for k, v in pools.items()}


def _check_languages(languages) -> tuple[str, ...]:
    if isinstance(languages, str):
        raise ValueError(f"languages must be a sequence of language codes, got the string {languages!r}")
    languages = tuple(languages)
    unknown = [lang for lang in languages if lang not in DIGIT_NAMES]
    if unknown:
        raise ValueError(f"unknown languages {unknown}; known: {list(LANGUAGES)}")
    if len(set(languages)) != len(languages) or not languages:
        raise ValueError(f"languages must be distinct and non-empty, got {list(languages)}")
    return languages


def _utf8_rows(texts: list[str], width: int) -> np.ndarray:
    """Strings -> (n, width) uint8 UTF-8 bytes, zero-padded on the right."""
    out = np.zeros((len(texts), width), dtype=np.uint8)
    for i, text in enumerate(texts):
        raw = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        out[i, : len(raw)] = raw
    return out


class MediaM3:
    r"""Symile-M3 with real modalities: text (UTF-8 digit names), audio (espeak-ng log-mel), image (digits).

    Parameters
    ----------
    w : int, default 2
        Number of languages (words per text). With ``languages=None`` it must be 2, 5 or 10 and the paper's
        set :data:`PAPER_LANGUAGES` ``[w]`` is used.
    languages : sequence of str, optional
        The ``w`` languages (codes of :data:`LANGUAGES`); language index ``l`` in :meth:`sample` is
        ``languages[l]``.
    split : {"train", "test"}
        Which images and clips are drawn (disjoint; see the module docstring).
    bank : str or path, optional
        Speech bank file (default: the committed :data:`SPEECH_BANK_PATH`); it must hold every language.

    Notes
    -----
    :meth:`sample` returns

    * ``'text'``: uint8 (n, :attr:`text_width`) UTF-8 bytes, zero-padded;
    * ``'audio'``: float32 (n, :attr:`audio_width`) = (n, 32 * 64) log-mel features in [0, 1] (mel band
      major: ``audio.reshape(n, 32, 64)`` is the spectrogram);
    * ``'image'``: float32 (n, 64) pixels in [0, 1] (``image.reshape(n, 8, 8)``);
    * ``'language'``, ``'label'``, ``'words'`` (n, w): the latent draws of :class:`SyntheticM3`;
      ``'order'`` (n, w): the language of each text position; ``'clip'``: the clip's index among the
      split's clips of its language; ``'image_index'``: the row of ``load_digits``;
    * with ``exemplars=True`` also ``'candidates'``: float32 (10, 64), the image of each class.

    Exact values: :meth:`bayes_accuracy` (1), :meth:`pairwise_accuracy` (text alone: CLIP's pairwise-critic
    ceiling), :meth:`uniform_word_accuracy`, :meth:`chance_accuracy` (0.1), :meth:`info_table`.

    Examples
    --------
    >>> m3 = MediaM3(w=2)
    >>> s = m3.sample(4, rng=0)
    >>> s["text"].shape[0], s["audio"].shape, s["image"].shape
    (4, (4, 2048), (4, 64))
    >>> m3.decode_text(s["text"][:1])[0].count(" ")
    1
    >>> m3.bayes_accuracy(), round(m3.pairwise_accuracy(), 4), m3.chance_accuracy()
    (1.0, 0.55, 0.1)
    """

    def __init__(self, *, w: int = 2, languages=None, split: str = "train", bank=None):
        if languages is None:
            w = check_int("w", w, low=1)
            if w not in PAPER_LANGUAGES:
                raise ValueError(f"w must be one of {sorted(PAPER_LANGUAGES)} without languages=..., got {w}")
            languages = PAPER_LANGUAGES[w]
        languages = _check_languages(languages)
        if w != len(languages):
            raise ValueError(f"w={w!r} but {len(languages)} languages were given: {list(languages)}")
        if split not in SPLITS:
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        self.w, self.languages, self.split = len(languages), languages, split
        self.n_classes = N_CLASSES
        self.bank_path = None if bank is None else str(bank)
        full = load_speech_bank(bank)
        have = [str(x) for x in full["languages"]]
        missing = [lang for lang in languages if lang not in have]
        if missing:
            where = self.bank_path or SPEECH_BANK_PATH
            raise ValueError(f"the speech bank {where} lacks languages {missing}")
        n_clips = full["features"].shape[1]
        n_test = int(round(TEST_FRACTION_CLIPS * n_clips))
        if n_test < 1 or n_test >= n_clips:
            raise ValueError(f"the speech bank has {n_clips} clips per language: too few to split")
        clips = slice(n_clips - n_test, n_clips) if split == "test" else slice(0, n_clips - n_test)
        rows = [have.index(lang) for lang in languages]
        self._clips = full["features"][rows, clips]  # (w, C, n_mels, n_frames) uint8
        # the exact truth needs the audio to give the language: no clip may recur in another language
        owners = {}
        for lang, clips_of_lang in zip(languages, self._clips):
            for clip in clips_of_lang:
                owner = owners.setdefault(clip.tobytes(), lang)
                if owner != lang:
                    raise ValueError(f"the speech bank has a clip shared by {owner} and {lang}")
        self._symbolic = SyntheticM3(w=self.w, n_classes=N_CLASSES)
        # the word strings' UTF-8 bytes, and the fixed text width: the w longest names plus w - 1 spaces
        self._names = [[name.encode("utf-8") for name in DIGIT_NAMES[lang]] for lang in languages]
        self.text_width = sum(max(len(b) for b in names) for names in self._names) + self.w - 1

    def __repr__(self) -> str:
        return f"MediaM3(w={self.w!r}, languages={list(self.languages)!r}, split={self.split!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The modalities ``('text', 'audio', 'image')``: the first keys of :meth:`sample`."""
        return ("text", "audio", "image")

    @property
    def audio_shape(self) -> tuple[int, int]:
        """(mel bands, frames) of one clip's features."""
        return tuple(int(x) for x in self._clips.shape[2:])

    @property
    def audio_width(self) -> int:
        """Columns of ``sample()['audio']``: mel bands x frames."""
        return int(np.prod(self.audio_shape))

    @property
    def n_clips(self) -> int:
        """Clips per language in this split."""
        return int(self._clips.shape[1])

    def clip_features(self) -> np.ndarray:
        """Every clip of this split as ``'audio'`` rows: float32 (w, n_clips, audio_width), by language."""
        return _speech.dequantize(self._clips).reshape(self.w, self.n_clips, self.audio_width)

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng, *, exemplars: bool = False) -> dict[str, np.ndarray]:
        """Draw ``n`` rows; see the class Notes for the keys (``exemplars``: one image per class, shared)."""
        n = check_n(n)
        gen = as_rng(rng, name="rng")
        latent = self._symbolic.sample(n, gen)
        language, label, words = latent["language"], latent["label"], latent["words"]  # (n,), (n,), (n, w)
        order = np.argsort(gen.random((n, self.w)), axis=1)  # (n, w): language shown at each text position
        clip = gen.integers(0, self.n_clips, size=n)  # (n,)
        pixels, _, pools = _digits()
        pool = pools[self.split]
        if exemplars:
            chosen = np.array([p[gen.integers(len(p))] for p in pool])  # (10,) one image per class
            image_index = chosen[label]
        else:
            u = gen.random(n)
            image_index = np.array([pool[y][int(v * len(pool[y]))] for y, v in zip(label, u)], dtype=np.int64)
        texts = [  # position j of row i shows the word of language order[i, j]
            b" ".join(self._names[lang][words[i, lang]] for lang in order[i]).decode("utf-8")
            for i in range(n)
        ]
        out = {
            "text": _utf8_rows(texts, self.text_width),
            "audio": _speech.dequantize(self._clips[language, clip]).reshape(n, -1),
            "image": pixels[image_index],
            "language": language,
            "label": label,
            "words": words,
            "order": order.astype(np.int64),
            "clip": clip.astype(np.int64),
            "image_index": image_index.astype(np.int64),
        }
        if exemplars:
            out["candidates"] = pixels[chosen]
        return out

    def decode_text(self, text) -> list[str]:
        """UTF-8 byte rows (n, width) back to strings (trailing zero padding dropped)."""
        text = np.asarray(text)
        bad_range = text.size and (text.min() < 0 or text.max() > 255)
        if text.ndim != 2 or text.dtype.kind not in "ui" or bad_range:
            raise ValueError(f"text must be (n, width) byte codes 0..255, got {text.dtype} {text.shape}")
        return [bytes(row.astype(np.uint8)).rstrip(b"\0").decode("utf-8") for row in text]

    # ----------------------------------------------------------------------------------------- exact truth
    def bayes_accuracy(self) -> float:
        """Bayes accuracy of the image's class (the exemplar image) from text + audio: 1 (a fraction)."""
        return self._symbolic.bayes_accuracy()

    def pairwise_accuracy(self) -> float:
        r"""Best accuracy from text alone, :math:`E[M]/w` (exact; see the module docstring), a fraction.

        The accuracy of CLIP's zero-shot rule at its optimal (pairwise PMI) critics; an arbitrary additive
        score could in principle do somewhat better (see :class:`SyntheticM3.pairwise_accuracy`).
        """
        return self._symbolic.pairwise_accuracy()

    def drawn_pairwise_accuracy(self, sample) -> float:
        r"""The best text-only accuracy on the rows drawn, exact given their texts: :math:`\bar M / w`.

        :math:`\bar M = \frac1n \sum_i M_i`, :math:`M_i` the largest multiplicity among row ``i``'s ``w``
        words. Given the text the spoken language is uniform over the ``w`` positions, so any
        most-frequent-word rule (whatever its tie-breaking) is right with conditional probability
        :math:`M_i / w`. The expectation is :meth:`pairwise_accuracy`; on a drawn test set this is the ceiling
        CLIP's optimal critics reach on it (a fraction).

        Parameters
        ----------
        sample : dict
            A :meth:`sample` result (its ``'words'``, (n, w) class ids, are used).
        """
        words = np.asarray(sample.get("words")) if isinstance(sample, dict) else None
        if words is None or words.ndim != 2 or words.shape[1] != self.w or words.dtype.kind not in "iu":
            raise ValueError(f"sample must be a MediaM3(w={self.w}).sample() result ((n, {self.w}) words)")
        counts = np.zeros((len(words), self.n_classes))
        np.add.at(counts, (np.repeat(np.arange(len(words)), self.w), words.ravel()), 1.0)
        return float(counts.max(axis=1).mean() / self.w)

    def pairwise_chance_term(self) -> float:
        r""":math:`q_w = (w A_\text{pair} - 1)/(w - 1)` with :math:`A_\text{pair} = 1/w + (1 - 1/w) q_w`.

        A fraction: :math:`1/K` at ``w = 2``; for ``w = 1`` (no distractors) 0.
        """
        if self.w == 1:
            return 0.0
        return (self.w * self.pairwise_accuracy() - 1.0) / (self.w - 1.0)

    def uniform_word_accuracy(self) -> float:
        r"""Accuracy of guessing one text word uniformly: :math:`1/w + (1 - 1/w)/K` (a fraction)."""
        return self._symbolic.uniform_word_accuracy()

    def chance_accuracy(self) -> float:
        """Chance accuracy 1 / 10 (a fraction)."""
        return self._symbolic.chance_accuracy()

    def info_table(self, *, base: float = 2) -> dict[str, float]:
        """Exact information about the class Y (bits by default), :meth:`SyntheticM3.info_table`'s Y rows.

        Keys ``"H(Y)"``, ``"I(Y;audio)"`` (0), ``"I(Y;text)"``, ``"I(Y;text,audio)"`` (= H(Y)).
        """
        table = self._symbolic.info_table(base=base)
        return {k: table[k] for k in ("H(Y)", "I(Y;audio)", "I(Y;text)", "I(Y;text,audio)")}


def language_id_probe(languages, *, bank=None, shrinkage: float = 0.5) -> dict[str, float]:
    r"""Accuracy of a linear language-ID probe on the audio features: can the audio tell the language?

    Linear discriminant analysis (numpy) on per-band statistics of each clip's log-mel features over time
    (mean, standard deviation and mean absolute frame-to-frame change: 3 x 32 numbers): class means
    :math:`\mu_\ell` and the pooled within-language covariance :math:`S`, shrunk halfway to its diagonal
    (:math:`S_\lambda = (1 - \lambda) S + \lambda\, \mathrm{diag}(S)`, :math:`\lambda` = ``shrinkage``);
    a clip goes to the language of the nearest mean in the metric :math:`S_\lambda^{-1}` (equal priors:
    every language has as many clips). Fit on the train clips of ``languages``, scored on their test clips.

    Returns
    -------
    dict
        ``train_acc``, ``test_acc`` (fractions), ``chance`` (1 / len(languages)), ``n_train``, ``n_test``.
    """
    languages = _check_languages(languages)
    if not (isinstance(shrinkage, int | float) and 0.0 <= shrinkage <= 1.0):
        raise ValueError(f"shrinkage must be a number in [0, 1], got {shrinkage!r}")

    def stats(split):
        gen = MediaM3(w=len(languages), languages=languages, split=split, bank=bank)
        x = gen.clip_features().astype(np.float64).reshape(gen.w, gen.n_clips, *gen.audio_shape)
        feats = np.concatenate([x.mean(-1), x.std(-1), np.abs(np.diff(x, axis=-1)).mean(-1)], axis=-1)
        y = np.repeat(np.arange(len(languages)), x.shape[1])
        return feats.reshape(-1, feats.shape[-1]), y  # (w C, 3 n_mels), (w C,); x: (w, C, n_mels, T)

    x_train, y_train = stats("train")
    x_test, y_test = stats("test")
    means = np.stack([x_train[y_train == k].mean(axis=0) for k in range(len(languages))])  # (w, F)
    resid = x_train - means[y_train]
    cov = resid.T @ resid / len(resid)  # (F, F) pooled within-language covariance
    cov = (1.0 - shrinkage) * cov + shrinkage * np.diag(np.diag(cov))
    precision = np.linalg.pinv(cov)

    def accuracy(x, y):
        diff = x[:, None, :] - means[None, :, :]  # (n, w, F)
        dist = np.einsum("nkf,fg,nkg->nk", diff, precision, diff)  # squared Mahalanobis distances
        return float((dist.argmin(axis=1) == y).mean())

    return {
        "train_acc": accuracy(x_train, y_train),
        "test_acc": accuracy(x_test, y_test),
        "chance": 1.0 / len(languages),
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m generators.m3_media build [--out PATH] [--clips N] [--seed S]``: build the speech bank."""
    parser = argparse.ArgumentParser(prog="python -m generators.m3_media", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="synthesise the speech bank with espeak-ng and save it as .npz")
    build.add_argument(
        "--out", type=Path, default=SPEECH_BANK_PATH, help="output .npz (default: the committed bank)"
    )
    build.add_argument("--clips", type=int, default=BANK_CLIPS, help="clips per language")
    build.add_argument("--seed", type=int, default=BANK_SEED, help="master seed of the clips")
    build.add_argument("--languages", nargs="+", default=list(LANGUAGES), help="language codes")
    args = parser.parse_args(argv)
    if args.clips < 4:
        parser.error(f"--clips must be >= 4 (a quarter of them are test clips), got {args.clips}")
    try:
        bank = build_speech_bank(args.languages, n_clips=args.clips, seed=args.seed)
    except (FileNotFoundError, ValueError) as err:
        parser.exit(2, f"{parser.prog}: error: {err}\n")
    path = _speech.save_speech_bank(args.out, bank)
    print(f"wrote {path}: {bank['features'].shape} uint8 features, {path.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
