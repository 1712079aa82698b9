"""symile_min.encoders: shapes, input checks, the byte n-gram bag against a pure-python reference,
time-shift invariance of the audio encoder, the missingness wrapper, and that the image CNN learns."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from symile_min.encoders import ByteNgramEncoder, ImageCNN, LogMelEncoder, WithIndicator, utf8_bytes

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
WORDS = ["zero", "δύο", "तीन", "よん", "пʼять", "六", "เจ็ด", "팔", "తొమ్మిది", "ثلاثة"]


@pytest.mark.parametrize(
    ("make", "width"),
    [
        (lambda: ImageCNN(16, side=8), 64),
        (lambda: ImageCNN(16, side=4, channels=(2, 3)), 16),
        (lambda: ByteNgramEncoder(16), 40),
        (lambda: ByteNgramEncoder(16, ngrams=(2,), buckets=64), 5),
        (lambda: LogMelEncoder(16, n_mels=8, n_frames=12), 96),
        (lambda: WithIndicator(ImageCNN(16, side=8), 16), 65),
    ],
)
@pytest.mark.parametrize("device", DEVICES)
def test_every_encoder_maps_flat_rows_to_rep_dim_on_the_input_device(make, width, device):
    torch.manual_seed(0)
    enc = make().to(device)
    x = torch.randint(0, 5, (7, width), device=device).float()
    out = enc(x)
    assert out.shape == (7, 16) and out.device == x.device and out.dtype == torch.float32
    assert bool(torch.isfinite(out).all())


@pytest.mark.parametrize(
    ("enc", "shape", "match"),
    [
        (ImageCNN(4, side=8), (3, 63), r"ImageCNN expects input of shape \(N, 64\), got \(3, 63\)"),
        (ImageCNN(4, side=8), (3, 1, 8, 8), r"ImageCNN expects input of shape \(N, 64\)"),
        (LogMelEncoder(4, n_mels=8, n_frames=12), (2, 95), r"LogMelEncoder expects input of shape \(N, 96\)"),
        (ByteNgramEncoder(4), (2, 3, 4), r"ByteNgramEncoder expects input of shape \(N, L\)"),
        (ByteNgramEncoder(4, ngrams=(3,)), (2, 2), "shorter than every n-gram"),
        (WithIndicator(nn.Linear(1, 4), 4), (2, 1), r"WithIndicator expects input \[x \| observed\]"),
    ],
)
def test_encoders_reject_a_wrong_input_shape_naming_it(enc, shape, match):
    with pytest.raises(ValueError, match=match):
        enc(torch.zeros(shape))


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ImageCNN(0), "rep_dim must be an int >= 1, got 0"),
        (lambda: ImageCNN(4, side=7), "side must be even"),
        (lambda: ImageCNN(4, channels=(8, 2.5)), "channels must be an int >= 1, got 2.5"),
        (lambda: ByteNgramEncoder(4, ngrams=()), "at least one n-gram length"),
        (lambda: ByteNgramEncoder(4, buckets=0), "buckets must be an int >= 1, got 0"),
        (lambda: LogMelEncoder(4, kernel=4), "kernel must be odd"),
        (lambda: LogMelEncoder(4, n_mels=True), "n_mels must be an int >= 1, got True"),
    ],
)
def test_encoders_reject_bad_settings_naming_them(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_with_indicator_rejects_a_non_module():
    with pytest.raises(TypeError, match="encoder must be a torch.nn.Module, got function"):
        WithIndicator(lambda x: x, 4)


# ------------------------------------------------------------------------------------------ text


def _reference_ngram_ids(text: str, ngrams, buckets: int) -> list[int]:
    """The documented hash, computed word by word in pure python: h = n; h = (257 h + byte) mod buckets."""
    ids = []
    for word in text.split(" "):
        raw = word.encode("utf-8")
        for n in ngrams:
            for i in range(len(raw) - n + 1):
                h = n
                for byte in raw[i : i + n]:
                    h = (h * 257 + byte) % buckets
                ids.append(h)
    return ids


@pytest.mark.parametrize("buckets", [4096, 37])
def test_byte_ngram_ids_agree_with_a_word_by_word_pure_python_reference(buckets):
    texts = [" ".join(WORDS[:k]) for k in range(1, len(WORDS) + 1)]
    enc = ByteNgramEncoder(4, buckets=buckets)
    ids = enc.ngram_ids(torch.from_numpy(utf8_bytes(texts, width=120)))
    for row, text in zip(ids.tolist(), texts):
        got = sorted(i for i in row if i != buckets)  # `buckets` marks windows that are not n-grams
        assert got == sorted(_reference_ngram_ids(text, (1, 2, 3), buckets)), text


@settings(max_examples=10, deadline=None)
@given(st.permutations(WORDS), st.integers(0, 9))
def test_byte_ngram_bag_is_the_sum_of_its_words_whatever_their_order(words, pad):
    torch.manual_seed(0)
    enc = ByteNgramEncoder(8)
    text = " ".join(words)
    width = len(text.encode("utf-8")) + pad  # extra zero padding changes nothing either
    both = torch.from_numpy(utf8_bytes([text, " ".join(WORDS)], width=width)).float()
    singles = torch.from_numpy(utf8_bytes(words, width=width)).float()
    with torch.no_grad():
        r_text, r_sorted = enc(both)
        r_words = enc(singles) - enc.bias  # (w, 8): each word's n-gram sum
    torch.testing.assert_close(r_text, r_sorted, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(r_text, r_words.sum(0) + enc.bias, rtol=1e-5, atol=1e-5)


def test_byte_ngram_encoder_gives_distinct_words_distinct_representations():
    torch.manual_seed(0)
    enc = ByteNgramEncoder(16)
    with torch.no_grad():
        reps = enc(torch.from_numpy(utf8_bytes(WORDS)))  # uint8 input works as it is
    distances = torch.cdist(reps, reps) + torch.eye(len(WORDS)) * 1e9
    assert float(distances.min()) > 0.1


def test_utf8_bytes_round_trips_and_rejects_what_it_cannot_encode():
    codes = utf8_bytes(["abc", "δύο", ""], width=8)
    assert codes.dtype == np.uint8 and codes.shape == (3, 8)
    assert [bytes(r).rstrip(b"\0").decode() for r in codes] == ["abc", "δύο", ""]
    with pytest.raises(ValueError, match="text 1 has 6 UTF-8 bytes, more than width=5"):
        utf8_bytes(["abc", "δύο"], width=5)
    with pytest.raises(ValueError, match="NUL"):
        utf8_bytes(["a\0b"])
    with pytest.raises(TypeError, match="sequence of str"):
        utf8_bytes("abc")


# ------------------------------------------------------------------------------------------ audio


@pytest.mark.parametrize("shift", [1, 3, 7])
def test_log_mel_encoder_ignores_where_in_the_clip_a_sound_occurs(shift):
    # zero padding on both sides and content away from the edges: the conv outputs only move, and the
    # pooled mean and max over time are unchanged
    torch.manual_seed(0)
    enc = LogMelEncoder(8, n_mels=6, n_frames=40, channels=5, kernel=3)
    sound = torch.rand(2, 6, 10)
    x, moved = torch.zeros(2, 6, 40), torch.zeros(2, 6, 40)
    x[..., 10:20], moved[..., 10 + shift : 20 + shift] = sound, sound
    with torch.no_grad():
        torch.testing.assert_close(enc(x.reshape(2, -1)), enc(moved.reshape(2, -1)))
        assert not torch.allclose(enc(x.reshape(2, -1)), enc(torch.roll(x, 1, dims=1).reshape(2, -1)))


# ------------------------------------------------------------------------------------------ missing


def test_with_indicator_encodes_observed_rows_and_gives_missing_rows_the_learned_vector():
    torch.manual_seed(0)
    inner = nn.Linear(3, 4)
    enc = WithIndicator(inner, 4)
    x = torch.tensor([[1.0, 2.0, 3.0, 1.0], [0.0, 0.0, 0.0, 0.0], [9.0, -9.0, 7.0, 0.0]])
    out = enc(x)
    torch.testing.assert_close(out[0], inner(x[:1, :3])[0])
    assert torch.equal(out[1], enc.missing) and torch.equal(out[2], enc.missing)  # placeholder ignored
    out[1:].sum().backward()  # only missing rows: the inner encoder gets no gradient
    assert float(inner.weight.grad.abs().sum()) == 0.0 and float(enc.missing.grad.abs().sum()) > 0


# ------------------------------------------------------------------------------------------ learning


@pytest.fixture
def one_thread():
    """torch on one thread for the test (as the trainer runs): tiny models, a busy shared CPU."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_image_cnn_learns_the_digit_classes_of_held_out_images(one_thread):
    from generators.m3_media import digit_images  # load_digits' data, without importing sklearn.datasets

    pixels, labels = digit_images()
    x, y = torch.from_numpy(pixels), torch.from_numpy(labels)  # (1797, 64), (1797,)
    torch.manual_seed(0)
    perm = torch.randperm(len(y))
    train, test = perm[:1200], perm[1200:]
    enc = ImageCNN(10, side=8, channels=(8, 16))  # its 10 outputs used as class logits
    opt = torch.optim.Adam(enc.parameters(), lr=1e-2)
    for step in range(60):
        idx = train[(step * 100) % 1200 :][:100]
        loss = nn.functional.cross_entropy(enc(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        acc = float((enc(x[test]).argmax(1) == y[test]).float().mean())
    assert acc > 0.9, acc
