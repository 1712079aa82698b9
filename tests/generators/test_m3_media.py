"""MediaM3 (Symile-M3 with digit images, multilingual text and espeak-ng speech) and its speech bank.

Known values (the digit names, the paper's language sets, a pure tone's mel band), the rendering checked
against the latent draws it renders, the exact truth against what the rendered data let a rule reach,
validation, and the bank builder against the committed bank (where espeak-ng is installed).
"""

from __future__ import annotations

import shutil
import unicodedata

import numpy as np
import pytest

from generators import SyntheticM3, _speech
from generators.m3_media import (
    DIGIT_NAMES,
    LANGUAGES,
    PAPER_LANGUAGES,
    SPEECH_BANK_PATH,
    MediaM3,
    build_speech_bank,
    digit_images,
    language_id_probe,
    load_speech_bank,
    main,
)

#: the Unicode script every language's names are written in (the first word of each character's name)
SCRIPTS = {
    "ar": "ARABIC", "el": "GREEK", "en": "LATIN", "hi": "DEVANAGARI", "ja": "HIRAGANA", "ko": "HANGUL",
    "te": "TELUGU", "th": "THAI", "uk": "CYRILLIC", "zh": "CJK",
}  # fmt: skip
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")


@pytest.fixture(scope="module")
def m3_by_w():
    return {w: MediaM3(w=w) for w in (2, 5, 10)}


# ------------------------------------------------------------------------------------------ names


def test_the_paper_language_sets():
    assert PAPER_LANGUAGES == {
        2: ("en", "el"),
        5: ("el", "en", "hi", "ja", "uk"),
        10: ("ar", "el", "en", "hi", "ja", "ko", "te", "th", "uk", "zh"),
    }
    assert set(LANGUAGES) == set(PAPER_LANGUAGES[10])


@pytest.mark.parametrize("lang", sorted(DIGIT_NAMES))
def test_digit_names_are_ten_nfc_words_in_the_native_script(lang):
    names = DIGIT_NAMES[lang]
    assert len(names) == 10 and len(set(names)) == 10
    for name in names:
        assert unicodedata.normalize("NFC", name) == name and " " not in name
        # Ukrainian writes its apostrophe as U+02BC, a letter
        scripts = {unicodedata.name(ch).split()[0] for ch in name if ch != "\u02bc"}
        assert scripts == {SCRIPTS[lang]}, (name, scripts)


def test_known_digit_names():
    assert DIGIT_NAMES["en"][7] == "seven" and DIGIT_NAMES["el"][3] == "τρία" and DIGIT_NAMES["zh"][9] == "九"
    assert DIGIT_NAMES["ja"][4] == "よん" and DIGIT_NAMES["uk"][5] == "пʼять"
    assert DIGIT_NAMES["th"][2] == "สอง" and DIGIT_NAMES["hi"][8] == "आठ"


def test_all_hundred_word_strings_are_distinct_so_each_word_gives_its_language_and_class():
    every = [name for names in DIGIT_NAMES.values() for name in names]
    assert len(set(every)) == len(every) == 100


# ------------------------------------------------------------------------------------------ bank


def test_committed_bank_holds_120_clips_per_language_and_stays_small():
    bank = load_speech_bank()
    assert [str(x) for x in bank["languages"]] == list(LANGUAGES)
    assert bank["features"].shape == (10, 120, 32, 64) and bank["features"].dtype == np.uint8
    assert SPEECH_BANK_PATH.stat().st_size < 3e6
    assert str(bank["espeak_version"]).startswith("eSpeak NG")
    # the draws vary: speeds, pitches, voice variants, numbers
    assert bank["speed"].min() < 140 and bank["speed"].max() > 220 and len(np.unique(bank["variant"])) > 3
    assert len(np.unique(bank["number"])) > 1000


def test_no_clip_recurs_so_the_audio_gives_the_language():
    feats = load_speech_bank()["features"]
    assert len({clip.tobytes() for clip in feats.reshape(-1, 32 * 64)}) == feats.shape[0] * feats.shape[1]


def test_clip_parameters_are_seeded_per_clip():
    a = _speech.clip_parameters(0, 3, 7)
    assert a == _speech.clip_parameters(0, 3, 7) != _speech.clip_parameters(0, 3, 8)
    assert 120 <= a["speed"] <= 240 and 15 <= a["pitch"] <= 85 and 0 <= a["number"] < 10_000


@pytest.mark.parametrize("freq", [300.0, 1000.0, 4000.0])
def test_log_mel_of_a_pure_tone_peaks_in_the_band_centred_nearest_to_it(freq):
    p = _speech.FEATURE_PARAMS
    t = np.arange(30_000) / p["sample_rate"]
    kwargs = {k: p[k] for k in ("sample_rate", "n_fft", "hop", "n_mels", "fmin", "fmax")}
    db = _speech.log_mel(np.sin(2 * np.pi * freq * t), **kwargs)
    assert db.shape == (32, 1 + (30_000 - 512) // 441) and db.max() == 0.0 and db.min() >= -80.0
    mel = 2595 * np.log10(1 + np.array([p["fmin"], p["fmax"], freq]) / 700)
    centres = np.linspace(mel[0], mel[1], 34)[1:-1]
    assert db.mean(axis=1).argmax() == np.abs(centres - mel[2]).argmin()


def test_quantised_decibels_round_trip_within_half_a_step():
    db = np.linspace(-80, 0, 1001)
    back = _speech.dequantize(_speech.quantize_db(db)) * 80.0 - 80.0
    assert np.abs(back - db).max() <= 80.0 / 255 / 2 + 1e-5


def test_loading_a_missing_or_foreign_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no speech bank at"):
        load_speech_bank(tmp_path / "absent.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ValueError, match="is not a speech bank: missing arrays"):
        load_speech_bank(tmp_path / "other.npz")


# ------------------------------------------------------------------------------------------ sampling


@pytest.mark.parametrize("w", [2, 5, 10])
def test_sample_renders_its_latent_draws(m3_by_w, w):
    m3 = m3_by_w[w]
    s = m3.sample(200, rng=1)
    n = 200
    assert s["text"].shape == (n, m3.text_width) and s["text"].dtype == np.uint8
    assert s["audio"].shape == (n, 2048) and s["audio"].dtype == np.float32
    assert s["image"].shape == (n, 64) and s["image"].dtype == np.float32
    assert list(s)[:3] == ["text", "audio", "image"]
    bank, pixels_labels = load_speech_bank(), digit_images()
    rows = [list(LANGUAGES).index(lang) for lang in m3.languages]
    for i, text in enumerate(m3.decode_text(s["text"])):
        order = s["order"][i]
        assert sorted(order) == list(range(w))
        # position j shows language order[j]'s word, naming the class words[order[j]]
        expected = [DIGIT_NAMES[m3.languages[lang]][s["words"][i, lang]] for lang in order]
        assert text.split(" ") == expected
        assert s["words"][i, s["language"][i]] == s["label"][i]  # the spoken language names the class
        clip = bank["features"][rows[s["language"][i]], s["clip"][i]]  # a train clip of the spoken language
        np.testing.assert_array_equal(s["audio"][i], _speech.dequantize(clip).ravel())
    pixels, labels = pixels_labels
    np.testing.assert_array_equal(labels[s["image_index"]], s["label"])
    np.testing.assert_array_equal(s["image"], pixels[s["image_index"]])


def test_same_seed_same_sample_and_the_latent_draws_are_syntheticm3s(m3_by_w):
    a, b = m3_by_w[5].sample(50, rng=3), m3_by_w[5].sample(50, rng=3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    latent = SyntheticM3(w=5, n_classes=10).sample(50, rng=3)
    assert all(np.array_equal(a[k], latent[k]) for k in ("language", "label", "words"))
    assert not np.array_equal(a["text"], m3_by_w[5].sample(50, rng=4)["text"])


def test_train_and_test_splits_use_disjoint_images_and_clips():
    train, test = MediaM3(w=2, split="train"), MediaM3(w=2, split="test")
    assert (train.n_clips, test.n_clips) == (90, 30)
    a, b = train.sample(12_000, rng=0), test.sample(12_000, rng=0)
    assert not set(a["image_index"]) & set(b["image_index"])
    # every digit is drawn (each train image 10 times on average): a third of each class is test
    assert (len(set(a["image_index"])), len(set(b["image_index"]))) == (1797 - 599, 599)
    # test clips are the bank's last 30 of each language, train clips the first 90
    assert set(a["clip"]) == set(range(90)) and set(b["clip"]) == set(range(30))
    features = load_speech_bank()["features"]
    rows = [list(LANGUAGES).index(lang) for lang in test.languages]
    np.testing.assert_array_equal(
        test.clip_features(), _speech.dequantize(features[rows, 90:]).reshape(2, 30, 2048)
    )
    for i in range(20):
        row = list(LANGUAGES).index(test.languages[b["language"][i]])
        clip = features[row, 90 + b["clip"][i]]
        np.testing.assert_array_equal(b["audio"][i], _speech.dequantize(clip).ravel())


def test_exemplars_give_every_row_its_classs_one_image(m3_by_w):
    s = MediaM3(w=2, split="test").sample(300, rng=5, exemplars=True)
    assert s["candidates"].shape == (10, 64)
    np.testing.assert_array_equal(s["image"], s["candidates"][s["label"]])
    _, labels = digit_images()
    assert sorted(labels[np.unique(s["image_index"])]) == list(range(10))


# ------------------------------------------------------------------------------------------ truth


@pytest.mark.parametrize("w", [2, 5, 10])
def test_exact_truth_is_syntheticm3s(m3_by_w, w):
    m3, ref = m3_by_w[w], SyntheticM3(w=w, n_classes=10)
    assert m3.bayes_accuracy() == 1.0 and m3.chance_accuracy() == 0.1
    assert m3.pairwise_accuracy() == ref.pairwise_accuracy()
    assert m3.uniform_word_accuracy() == pytest.approx(1 / w + (1 - 1 / w) / 10)
    q = m3.pairwise_chance_term()
    assert m3.pairwise_accuracy() == pytest.approx(1 / w + (1 - 1 / w) * q)
    info = m3.info_table()
    assert info["I(Y;text,audio)"] == pytest.approx(np.log2(10)) and info["I(Y;audio)"] == 0.0


def test_chance_term_is_one_over_k_at_w_2_and_the_known_values_above():
    assert MediaM3(w=2).pairwise_chance_term() == pytest.approx(0.1)
    assert MediaM3(w=5).pairwise_chance_term() == pytest.approx(0.196975, abs=1e-6)
    assert MediaM3(w=10).pairwise_chance_term() == pytest.approx(0.1942988, abs=1e-6)


@pytest.mark.parametrize("w", [2, 5, 10])
def test_rules_on_the_rendered_data_reach_the_exact_accuracies(m3_by_w, w):
    # the (text, audio) rule: name the clip's language by lookup, read that language's word -> always right;
    # the text-only rule (most frequent word, ties to the smallest class) -> the exact pairwise accuracy
    m3 = m3_by_w[w]
    s = MediaM3(w=w, split="test").sample(20_000, rng=7, exemplars=True)
    bank = load_speech_bank()
    owner = {}
    for lang in m3.languages:
        for clip in bank["features"][list(LANGUAGES).index(lang)]:
            owner[_speech.dequantize(clip).tobytes()] = lang
    to_class = {name: c for lang in m3.languages for c, name in enumerate(DIGIT_NAMES[lang])}
    to_lang = {name: lang for lang in m3.languages for name in DIGIT_NAMES[lang]}
    texts = [t.split(" ") for t in m3.decode_text(s["text"])]
    heard = [owner[a.tobytes()] for a in s["audio"]]
    bayes = np.array([next(to_class[x] for x in t if to_lang[x] == h) for t, h in zip(texts, heard)])
    assert np.array_equal(bayes, s["label"])
    counts = np.zeros((len(texts), 10))
    for i, t in enumerate(texts):
        for x in t:
            counts[i, to_class[x]] += 1
    acc = float((counts.argmax(1) == s["label"]).mean())
    se = np.sqrt(m3.pairwise_accuracy() * (1 - m3.pairwise_accuracy()) / len(texts))
    assert abs(acc - m3.pairwise_accuracy()) < 4 * se, (acc, m3.pairwise_accuracy())
    # given these texts the rule is right with probability M_i / w: the exact ceiling of the rows drawn
    drawn = m3.drawn_pairwise_accuracy(s)
    assert drawn == pytest.approx(float((counts.max(1) / w).mean()))
    assert abs(acc - drawn) < 4 * se and abs(drawn - m3.pairwise_accuracy()) < 4 * se


def test_drawn_pairwise_accuracy_known_values(m3_by_w):
    # rows (1, 1) and (2, 3): the most frequent word is certain in the first, a coin flip in the second
    assert m3_by_w[2].drawn_pairwise_accuracy({"words": np.array([[1, 1], [2, 3]])}) == 0.75
    assert m3_by_w[5].drawn_pairwise_accuracy({"words": np.array([[4, 4, 4, 0, 0]])}) == 0.6
    with pytest.raises(ValueError, match=r"sample must be a MediaM3\(w=2\).sample\(\) result"):
        m3_by_w[2].drawn_pairwise_accuracy({"words": np.zeros((3, 5), dtype=np.int64)})
    with pytest.raises(ValueError, match="sample must be"):
        m3_by_w[2].drawn_pairwise_accuracy(np.zeros((3, 2)))


def test_language_id_probe_on_the_audio_features_is_far_above_chance():
    probe = language_id_probe(PAPER_LANGUAGES[2])
    assert probe["chance"] == 0.5 and (probe["n_train"], probe["n_test"]) == (180, 60)
    assert probe["test_acc"] > 0.9, probe  # 0.95 with the committed bank


def test_language_id_probe_for_ten_languages():
    probe = language_id_probe(PAPER_LANGUAGES[10])
    assert probe["test_acc"] > 0.7, probe  # 0.847 with the committed bank (chance 0.1)
    with pytest.raises(ValueError, match="shrinkage must be a number in"):
        language_id_probe(PAPER_LANGUAGES[2], shrinkage=2)


# ------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"w": 3}, r"w must be one of \[2, 5, 10\] without languages=..., got 3"),
        ({"w": 2.0}, "w must be an int, got 2.0"),
        ({"w": 2, "languages": ("en", "fr")}, r"unknown languages \['fr'\]"),
        ({"w": 2, "languages": ("en", "en")}, "languages must be distinct"),
        ({"w": 3, "languages": ("en", "el")}, "w=3 but 2 languages were given"),
        ({"w": 1, "languages": "en"}, "languages must be a sequence of language codes"),
        ({"split": "val"}, "split must be 'train' or 'test', got 'val'"),
    ],
)
def test_bad_parameters_are_rejected_naming_them(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MediaM3(**kwargs)


def test_a_bank_that_lacks_a_language_or_shares_a_clip_is_rejected(tmp_path):
    bank = {k: v for k, v in load_speech_bank().items()}
    keep = {k: (v[:2] if k in _speech.BANK_KEYS else v) for k, v in bank.items()}  # ar, el only
    _speech.save_speech_bank(tmp_path / "two.npz", keep)
    with pytest.raises(ValueError, match=r"lacks languages \['en'\]"):
        MediaM3(w=2, bank=tmp_path / "two.npz")
    shared = {**keep, "features": keep["features"].copy()}
    shared["features"][1, 0] = shared["features"][0, 0]
    _speech.save_speech_bank(tmp_path / "shared.npz", shared)
    with pytest.raises(ValueError, match="a clip shared by ar and el"):
        MediaM3(w=2, languages=("ar", "el"), bank=tmp_path / "shared.npz")
    assert MediaM3(w=2, languages=("ar", "el"), bank=tmp_path / "two.npz").n_clips == 90


def test_decode_text_rejects_non_byte_rows(m3_by_w):
    with pytest.raises(ValueError, match="text must be"):
        m3_by_w[2].decode_text(np.full((1, 3), 300))


# ------------------------------------------------------------------------------------------ builder


@needs_espeak
def test_builder_command_reproduces_the_committed_clips(tmp_path, capsys):
    committed = load_speech_bank()
    if str(committed["espeak_version"]) != _speech.espeak_version():  # another espeak, other waveforms
        here, there = _speech.espeak_version(), str(committed["espeak_version"])
        pytest.skip(f"espeak-ng here ({here}) differs from the bank's ({there})")
    out = tmp_path / "bank.npz"
    assert main(["build", "--out", str(out), "--clips", "4", "--languages", "th", "el"]) == 0
    assert "wrote" in capsys.readouterr().out
    built = load_speech_bank(out)
    assert [str(x) for x in built["languages"]] == ["th", "el"]
    for i, lang in enumerate(["th", "el"]):  # same seeds by language id: the first 4 committed clips
        j = list(LANGUAGES).index(lang)
        np.testing.assert_array_equal(built["features"][i], committed["features"][j, :4])
        for key in ("number", "speed", "pitch", "variant", "offset", "duration"):
            np.testing.assert_array_equal(built[key][i], committed[key][j, :4])


@needs_espeak
def test_builder_is_deterministic_and_records_each_clips_draws():
    # whatever the espeak-ng version: same seed -> same bank, the recorded draws are clip_parameters'
    a = build_speech_bank(["uk", "ja"], n_clips=2, seed=5)
    b = build_speech_bank(["uk", "ja"], n_clips=2, seed=5)
    assert all(np.array_equal(a[k], b[k]) for k in _speech.BANK_KEYS)
    assert a["features"].shape == (2, 2, 32, 64) and a["features"].dtype == np.uint8
    for i, lang in enumerate(["uk", "ja"]):
        for c in range(2):
            params = _speech.clip_parameters(5, list(LANGUAGES).index(lang), c)
            assert [a[k][i, c] for k in ("number", "speed", "pitch", "variant")] == [
                params[k] for k in ("number", "speed", "pitch", "variant")
            ]
            assert a["duration"][i, c] > 0 and a["features"][i, c].max() == 255  # speech, peak at 0 dB
    assert not np.array_equal(a["features"][0], a["features"][1])
    assert str(a["espeak_version"]) == _speech.espeak_version()


def test_builder_without_espeak_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="'no-such-espeak' not found: install espeak-ng"):
        build_speech_bank(["en"], n_clips=1, seed=0, executable="no-such-espeak")


def test_builder_command_rejects_too_few_clips(capsys):
    with pytest.raises(SystemExit):
        main(["build", "--clips", "2"])
    assert "--clips must be >= 4" in capsys.readouterr().err
