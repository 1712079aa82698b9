r"""Synthetic speech for :mod:`generators.m3_media`: espeak-ng clips of random numbers, as log-mel features.

A *speech bank* holds, for each of a set of languages, ``n_clips`` clips of a random integer read aloud
by espeak-ng in that language, each with its own speed, pitch and voice variant, cut or padded to a
fixed length and turned into a log-mel spectrogram (numpy/scipy only, no audio library). Every clip's
parameters are drawn from its own generator ``numpy.random.default_rng([seed, language_id, clip])``, so
a bank is deterministic given its seed (and the espeak-ng version, which is recorded) and any one clip
can be rebuilt alone.

Features of one clip: power spectra of Hann-windowed frames (``n_fft`` samples, ``hop`` apart, no
centring) of the 22.05 kHz waveform, a triangular mel filterbank (HTK mel scale
:math:`m = 2595 \log_{10}(1 + f / 700)`, ``n_mels`` bands in [``fmin``, ``fmax``] Hz), then decibels
relative to the clip's loudest cell, floored at ``-DB_RANGE`` dB:

.. math:: S_{bt} = \max\left(10 \log_{10} \frac{\epsilon + \sum_f M_{bf} |X_{ft}|^2}
                                       {\epsilon + \max_{b't'} \sum_f M_{b'f} |X_{ft'}|^2},\; -80\right)

(:math:`\epsilon = 10^{-10}`), stored as ``uint8`` codes ``round((S + 80) / 80 * 255)`` (0.31 dB steps).

The bank is saved as one ``.npz`` (no pickled objects) and loaded without espeak-ng.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

__all__ = [
    "FEATURE_PARAMS",
    "DB_RANGE",
    "VARIANTS",
    "espeak_version",
    "synthesize",
    "log_mel",
    "clip_parameters",
    "clip_features",
    "build_speech_bank",
    "save_speech_bank",
    "load_speech_bank",
]

#: log-mel settings of the committed bank: 32 bands, 64 frames of 20 ms (1.28 s of speech)
FEATURE_PARAMS = {
    "sample_rate": 22050,
    "n_fft": 512,
    "hop": 441,
    "n_mels": 32,
    "n_frames": 64,
    "fmin": 50.0,
    "fmax": 8000.0,
}
#: decibels below the clip's maximum that the features keep (the floor is -DB_RANGE dB)
DB_RANGE = 80.0
#: espeak-ng voice variants a clip is read with (``""`` is the language's default voice)
VARIANTS = ("", "+m1", "+m3", "+m5", "+f1", "+f2", "+f4")
#: ranges of the per-clip draws: speed in words per minute, pitch on espeak's 0-99 scale, the number read
SPEED_RANGE = (120, 240)
PITCH_RANGE = (15, 85)
NUMBER_RANGE = (0, 10_000)
_EPS = 1e-10
BANK_KEYS = ("features", "languages", "number", "speed", "pitch", "variant", "offset", "duration")


def _executable(executable: str) -> str:
    path = shutil.which(executable)
    if path is None:
        raise FileNotFoundError(
            f"{executable!r} not found: install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng) to "
            f"build a speech bank; the committed bank loads without it"
        )
    return path


def espeak_version(executable: str = "espeak-ng") -> str:
    """espeak-ng's version line (e.g. ``'eSpeak NG text-to-speech: 1.51'``); FileNotFoundError if absent."""
    out = subprocess.run([_executable(executable), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().split("  Data at:")[0]


def synthesize(
    text: str, *, voice: str, speed: int = 175, pitch: int = 50, executable: str = "espeak-ng"
) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng: ``(waveform float32 (n_samples,) in [-1, 1), sample rate in Hz)``.

    ``voice`` is an espeak-ng voice name, optionally with a variant (``'el'``, ``'cmn+f2'``); ``speed``
    in words per minute, ``pitch`` on espeak's 0-99 scale. FileNotFoundError if espeak-ng is absent.
    """
    from scipy.io import wavfile

    exe = _executable(executable)
    with tempfile.TemporaryDirectory() as tmp:
        # a file rather than --stdout: espeak-ng prints some diagnostics (e.g. Arabic's "Invalid phoneme
        # code") to stdout, interleaved with a --stdout WAV stream
        wav = Path(tmp) / "clip.wav"
        cmd = [exe, "-w", str(wav), "-v", voice, "-s", str(int(speed)), "-p", str(int(pitch)), text]
        subprocess.run(cmd, capture_output=True, check=True)
        rate, data = wavfile.read(wav)
    if data.dtype != np.int16 or data.ndim != 1:
        raise ValueError(f"espeak-ng wrote {data.dtype} audio of shape {data.shape}, expected mono int16")
    return data.astype(np.float32) / 32768.0, int(rate)


def _mel_filterbank(n_mels: int, n_fft: int, sample_rate: int, fmin: float, fmax: float) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters, equally spaced on the HTK mel scale, peak 1."""

    def to_mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)

    def to_hz(m):
        return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)

    edges = to_hz(np.linspace(to_mel(fmin), to_mel(fmax), n_mels + 2))  # (n_mels + 2,) Hz
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sample_rate)  # (n_fft // 2 + 1,)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs[None, :] - lower) / (centre - lower)
    falling = (upper - freqs[None, :]) / (upper - centre)
    return np.clip(np.minimum(rising, falling), 0.0, None)


def log_mel(
    wave, *, sample_rate: int, n_fft: int, hop: int, n_mels: int, fmin: float, fmax: float
) -> np.ndarray:
    """Log-mel spectrogram (n_mels, n_frames) of ``wave`` in dB relative to its loudest cell, floor -80 dB.

    Frames: ``n_frames = 1 + (len(wave) - n_fft) // hop`` Hann-windowed frames (no padding); see the
    module docstring for the formula. Returns float64 decibels in [-80, 0].
    """
    wave = np.asarray(wave, dtype=np.float64)
    if wave.ndim != 1 or len(wave) < n_fft:
        raise ValueError(f"wave must be 1-D with at least n_fft={n_fft} samples, got shape {wave.shape}")
    n_frames = 1 + (len(wave) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]  # (T, n_fft)
    hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)  # periodic Hann window
    frames = wave[idx] * hann  # (T, n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (T, n_fft // 2 + 1)
    mel = _mel_filterbank(n_mels, n_fft, sample_rate, fmin, fmax) @ power.T  # (n_mels, T)
    db = 10.0 * np.log10((mel + _EPS) / (mel.max() + _EPS))  # <= 0 dB; eps keeps silence finite
    return np.maximum(db, -DB_RANGE)


def quantize_db(db) -> np.ndarray:
    """Decibels in [-80, 0] -> uint8 codes ``round((db + 80) / 80 * 255)``."""
    return np.round((np.asarray(db) + DB_RANGE) / DB_RANGE * 255.0).astype(np.uint8)


def dequantize(codes) -> np.ndarray:
    """uint8 codes -> float32 features in [0, 1] (0 = the -80 dB floor, 1 = the clip's loudest cell)."""
    return np.asarray(codes, dtype=np.float32) / 255.0


def clip_parameters(seed: int, language_id: int, clip: int) -> dict:
    """The random draws of one clip, from ``default_rng([seed, language_id, clip])``.

    Keys: ``number`` (the integer read aloud, uniform in [0, 10000)), ``speed`` (words per minute,
    uniform in [120, 240]), ``pitch`` (uniform in [15, 85]), ``variant`` (index into :data:`VARIANTS`)
    and ``u_offset`` (uniform in [0, 1): where a long clip is cut, as a fraction of the slack).
    """
    gen = np.random.default_rng([int(seed), int(language_id), int(clip)])
    return {
        "number": int(gen.integers(*NUMBER_RANGE)),
        "speed": int(gen.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1)),
        "pitch": int(gen.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1)),
        "variant": int(gen.integers(len(VARIANTS))),
        "u_offset": float(gen.random()),
    }


def clip_features(voice: str, params: dict, *, executable: str = "espeak-ng") -> tuple[np.ndarray, int, int]:
    """Synthesise one clip and return ``(uint8 features (n_mels, n_frames), offset, duration)``.

    The waveform (``duration`` samples) is cut to the ``(n_frames - 1) * hop + n_fft`` samples the
    frames need, starting at ``offset = floor(u_offset * slack)``, or padded with silence at the end
    when shorter (``offset = 0``).
    """
    p = FEATURE_PARAMS
    wave, rate = synthesize(
        str(params["number"]),
        voice=voice + VARIANTS[params["variant"]],
        speed=params["speed"],
        pitch=params["pitch"],
        executable=executable,
    )
    if rate != p["sample_rate"]:
        raise ValueError(f"espeak-ng returned {rate} Hz audio, expected {p['sample_rate']} Hz")
    need = (p["n_frames"] - 1) * p["hop"] + p["n_fft"]
    slack = len(wave) - need
    offset = int(np.floor(params["u_offset"] * slack)) if slack > 0 else 0
    window = np.zeros(need, dtype=np.float32)
    piece = wave[offset : offset + need]
    window[: len(piece)] = piece
    db = log_mel(
        window,
        sample_rate=rate,
        n_fft=p["n_fft"],
        hop=p["hop"],
        n_mels=p["n_mels"],
        fmin=p["fmin"],
        fmax=p["fmax"],
    )
    return quantize_db(db), offset, len(wave)


def build_speech_bank(
    languages, voices, *, n_clips: int, seed: int, language_ids=None, executable: str = "espeak-ng"
) -> dict[str, np.ndarray]:
    """Synthesise ``n_clips`` clips per language: the bank as a dict of arrays (see :func:`save_speech_bank`).

    Parameters
    ----------
    languages : sequence of str
        Language codes (the bank's labels).
    voices : sequence of str
        The espeak-ng voice of each language (e.g. ``'cmn'`` for ``'zh'``).
    n_clips : int
        Clips per language.
    seed : int
        Master seed; clip ``c`` of language ``languages[i]`` uses :func:`clip_parameters` with
        ``(seed, language_ids[i], c)``.
    language_ids : sequence of int, optional
        Fixed ids of the languages in the seeds (default ``0, 1, ...``), so a bank of a subset of the
        languages holds the same clips as the full bank.

    Returns
    -------
    dict
        ``features`` uint8 (L, n_clips, n_mels, n_frames); ``languages`` str (L,); per clip (L, n_clips)
        int64 arrays ``number``, ``speed``, ``pitch``, ``variant``, ``offset`` and ``duration`` (samples
        before cutting); ``espeak_version``, ``seed``, ``language_ids`` and the feature settings.
    """
    languages, voices = list(languages), list(voices)
    if len(languages) != len(voices) or not languages:
        raise ValueError(f"need one voice per language, got {len(languages)} languages, {len(voices)} voices")
    if isinstance(n_clips, bool) or not isinstance(n_clips, int | np.integer) or n_clips < 1:
        raise ValueError(f"n_clips must be an int >= 1, got {n_clips!r}")
    ids = list(range(len(languages))) if language_ids is None else [int(i) for i in language_ids]
    p = FEATURE_PARAMS
    shape = (len(languages), int(n_clips))
    feats = np.zeros((*shape, p["n_mels"], p["n_frames"]), dtype=np.uint8)
    columns = ("number", "speed", "pitch", "variant", "offset", "duration")
    cols = {k: np.zeros(shape, dtype=np.int64) for k in columns}
    for i, (voice, lid) in enumerate(zip(voices, ids, strict=True)):
        for c in range(int(n_clips)):
            params = clip_parameters(seed, lid, c)
            feats[i, c], cols["offset"][i, c], cols["duration"][i, c] = clip_features(
                voice, params, executable=executable
            )
            for k in ("number", "speed", "pitch", "variant"):
                cols[k][i, c] = params[k]
    return {
        "features": feats,
        "languages": np.array(languages),
        **cols,
        "espeak_version": np.array(espeak_version(executable)),
        "seed": np.array(int(seed)),
        "language_ids": np.array(ids, dtype=np.int64),
        "voices": np.array(voices),
        **{f"param_{k}": np.array(v) for k, v in p.items()},
    }


def save_speech_bank(path, bank: dict) -> Path:
    """Write ``bank`` (from :func:`build_speech_bank`) to ``path`` as a compressed ``.npz``, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez_compressed(tmp, **bank)
    tmp.replace(path)
    return path


def load_speech_bank(path) -> dict[str, np.ndarray]:
    """Read a bank written by :func:`save_speech_bank` (no pickles) and check its arrays fit together."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no speech bank at {path}")
    with np.load(path, allow_pickle=False) as data:
        bank = {k: data[k] for k in data.files}
    missing = [k for k in BANK_KEYS if k not in bank]
    if missing:
        raise ValueError(f"{path} is not a speech bank: missing arrays {missing}")
    feats = bank["features"]
    if feats.ndim != 4 or feats.dtype != np.uint8 or feats.shape[0] != len(bank["languages"]):
        raise ValueError(
            f"{path}: features must be uint8 (languages, clips, mels, frames), "
            f"got {feats.dtype} {feats.shape}"
        )
    return bank
