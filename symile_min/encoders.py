"""Small reusable encoders for real modalities: grey images, UTF-8 text, log-mel audio, missing inputs.

Every encoder is an ``nn.Module`` mapping a flat 2-D float input (N, d_in), the form the trainer and
:func:`symile_min.with_missingness` use, to (N, rep_dim) representations (not normalised: the model
normalises). Inputs are reshaped inside, so the data stay plain (N, d) arrays:

* :class:`ImageCNN`: (N, side * side) pixels -> two 3 x 3 convolutions, 2 x 2 max-pool, linear;
* :class:`ByteNgramEncoder`: (N, L) UTF-8 byte codes (0 = padding, :func:`utf8_bytes`) -> the sum of
  learned embeddings of the hashed byte 1-, 2- and 3-grams within words (a bag of character n-grams,
  fastText-style; linear in the n-gram counts);
* :class:`LogMelEncoder`: (N, n_mels * n_frames) log-mel features -> two 1-D convolutions over time, mean-
  and max-pooled over time, linear;
* :class:`WithIndicator`: wraps any of them for inputs ``[x | observed]`` (:func:`with_missingness`): an
  observed row gets the wrapped encoder's output, a missing row a learned "missing" vector.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ._checks import as_int

__all__ = ["ImageCNN", "ByteNgramEncoder", "LogMelEncoder", "WithIndicator", "utf8_bytes"]


def _check_width(x: torch.Tensor, width: int, name: str) -> None:
    # shape checks only: they read metadata, never the values (no host sync per step)
    if x.ndim != 2 or x.shape[1] != width:
        raise ValueError(f"{name} expects input of shape (N, {width}), got {tuple(x.shape)}")


class ImageCNN(nn.Module):
    """A small CNN for square grey images given flat: (N, side * side) -> (N, rep_dim).

    ``Conv3x3(1 -> c1) - ReLU - Conv3x3(c1 -> c2) - ReLU - MaxPool2 - Linear``, padding 1 (sizes kept
    until the pool). For scikit-learn's 8 x 8 digits: ``ImageCNN(rep_dim, side=8)``.

    Parameters
    ----------
    rep_dim : int
        Output width.
    side : int
        Image height = width (an even number >= 2); the input has ``side ** 2`` columns, row-major.
    channels : tuple of two int
        Channels of the two convolutions.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> ImageCNN(16, side=8)(torch.zeros(3, 64)).shape
    torch.Size([3, 16])
    """

    def __init__(self, rep_dim: int, *, side: int = 8, channels: tuple[int, int] = (16, 32)):
        super().__init__()
        rep_dim = as_int(rep_dim, "rep_dim")
        self.side = as_int(side, "side", minimum=2)
        if self.side % 2:
            raise ValueError(f"side must be even (a 2 x 2 max-pool follows the convolutions), got {side!r}")
        c1, c2 = (as_int(c, "channels") for c in channels)
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.head = nn.Linear(c2 * (self.side // 2) ** 2, rep_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_width(x, self.side**2, "ImageCNN")
        images = x.reshape(-1, 1, self.side, self.side)  # (N, 1, side, side)
        return self.head(self.features(images))  # (N, rep_dim)


class ByteNgramEncoder(nn.Module):
    r"""Bag of hashed UTF-8 byte n-grams: (N, L) byte codes (0 = padding) -> (N, rep_dim).

    .. math:: r(x) = b + \sum_{n \in \text{ngrams}} \sum_{i} E\big[h_n(x_i, \dots, x_{i+n-1})\big]

    over the windows of ``n`` consecutive bytes that contain neither the padding byte 0 nor the
    ``separator`` (an n-gram stays within one word), with :math:`h_n` a fixed polynomial hash into
    ``buckets`` rows of the learned table :math:`E`. Linear in the n-gram counts and blind to the order
    of the words: a text gets (up to hash collisions) the sum of its words' embeddings.

    Parameters
    ----------
    rep_dim : int
        Output width.
    ngrams : tuple of int
        The n-gram lengths (each >= 1).
    buckets : int
        Rows of the hash table.
    separator : int
        Byte separating words (default 32, the space).

    Notes
    -----
    Integer inputs are used as they are, floating ones rounded; values outside 0..255 are not checked
    (that would read the data on every step): :func:`utf8_bytes` makes valid inputs.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> enc = ByteNgramEncoder(8)
    >>> x = torch.from_numpy(utf8_bytes(["one two", "two one", "one one"], width=10)).float()
    >>> r = enc(x)
    >>> r.shape, bool(torch.allclose(r[0], r[1])), bool(torch.allclose(r[0], r[2]))  # order is invisible
    (torch.Size([3, 8]), True, False)
    """

    _PRIME = 257

    def __init__(
        self, rep_dim: int, *, ngrams: tuple[int, ...] = (1, 2, 3), buckets: int = 4096, separator: int = 32
    ):
        super().__init__()
        rep_dim = as_int(rep_dim, "rep_dim")
        self.ngrams = tuple(as_int(n, "ngrams") for n in ngrams)
        if not self.ngrams:
            raise ValueError("ngrams must hold at least one n-gram length")
        self.buckets = as_int(buckets, "buckets")
        self.separator = as_int(separator, "separator", minimum=1)
        # row `buckets` is the padding row: zero and excluded from the sum
        self.table = nn.EmbeddingBag(self.buckets + 1, rep_dim, mode="sum", padding_idx=self.buckets)
        self.bias = nn.Parameter(torch.zeros(rep_dim))

    def ngram_ids(self, x: torch.Tensor) -> torch.Tensor:
        """(N, L) byte codes -> (N, W) hashed n-gram ids, ``buckets`` for a window that is not an n-gram."""
        if x.ndim != 2:
            raise ValueError(f"ByteNgramEncoder expects input of shape (N, L), got {tuple(x.shape)}")
        codes = (x.round() if x.is_floating_point() else x).to(torch.int64)  # (N, L), integer byte codes
        ids = []
        for n in self.ngrams:
            if codes.shape[1] < n:
                continue
            win = codes.unfold(1, n, 1)  # (N, L - n + 1, n)
            valid = ((win != 0) & (win != self.separator)).all(dim=-1)  # within one word, no padding
            h = torch.full_like(win[..., 0], n)  # the length seeds the hash: equal bytes, different n differ
            for k in range(n):
                h = (h * self._PRIME + win[..., k]) % self.buckets
            ids.append(torch.where(valid, h, torch.full_like(h, self.buckets)))
        if not ids:
            raise ValueError(f"input of width {codes.shape[1]} is shorter than every n-gram {self.ngrams}")
        return torch.cat(ids, dim=1)  # (N, W)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.table(self.ngram_ids(x)) + self.bias  # (N, rep_dim)


class LogMelEncoder(nn.Module):
    """A small audio encoder on flat log-mel features: (N, n_mels * n_frames) -> (N, rep_dim).

    The input is the spectrogram mel-band major (``x.reshape(N, n_mels, n_frames)``); the bands are the
    channels of ``Conv1d(n_mels -> c, k) - ReLU - Conv1d(c -> c, k) - ReLU`` over time (padding k // 2),
    whose outputs are averaged and max-pooled over time (2c numbers) and mapped linearly to ``rep_dim``.
    Pooling over time makes it insensitive to where in the clip a sound occurs.

    Parameters
    ----------
    rep_dim : int
        Output width.
    n_mels, n_frames : int
        Spectrogram size.
    channels : int
        Convolution channels.
    kernel : int
        Odd kernel width (frames).

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> LogMelEncoder(16, n_mels=32, n_frames=64)(torch.zeros(2, 32 * 64)).shape
    torch.Size([2, 16])
    """

    def __init__(
        self, rep_dim: int, *, n_mels: int = 32, n_frames: int = 64, channels: int = 64, kernel: int = 5
    ):
        super().__init__()
        rep_dim = as_int(rep_dim, "rep_dim")
        self.n_mels, self.n_frames = as_int(n_mels, "n_mels"), as_int(n_frames, "n_frames")
        channels, kernel = as_int(channels, "channels"), as_int(kernel, "kernel")
        if kernel % 2 == 0:
            raise ValueError(f"kernel must be odd (same-length convolutions), got {kernel!r}")
        self.conv = nn.Sequential(
            nn.Conv1d(self.n_mels, channels, kernel, padding=kernel // 2),
            nn.ReLU(),
            nn.Conv1d(channels, channels, kernel, padding=kernel // 2),
            nn.ReLU(),
        )
        self.head = nn.Linear(2 * channels, rep_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_width(x, self.n_mels * self.n_frames, "LogMelEncoder")
        h = self.conv(x.reshape(-1, self.n_mels, self.n_frames))  # (N, c, n_frames)
        pooled = torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)  # (N, 2c)
        return self.head(pooled)  # (N, rep_dim)


class WithIndicator(nn.Module):
    r"""An encoder for inputs with a trailing missingness indicator, ``[x | o]`` (:func:`with_missingness`).

    .. math:: r([x, o]) = o\, f(x) + (1 - o)\, m

    with :math:`f` the wrapped encoder and :math:`m` a learned (rep_dim,) vector: observed rows
    (:math:`o = 1`) are encoded as usual, missing rows (:math:`o = 0`, whatever placeholder fills
    :math:`x`) all get :math:`m`. The input has one column more than ``encoder`` takes.

    Parameters
    ----------
    encoder : nn.Module
        Maps (N, d) to (N, rep_dim).
    rep_dim : int
        Its output width.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> enc = WithIndicator(nn.Linear(2, 3), 3)
    >>> r = enc(torch.tensor([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [5.0, 5.0, 0.0]]))
    >>> bool(torch.equal(r[1], r[2])), bool(torch.equal(r[1], enc.missing.detach()))
    (True, True)
    """

    def __init__(self, encoder: nn.Module, rep_dim: int):
        super().__init__()
        if not isinstance(encoder, nn.Module):
            raise TypeError(f"encoder must be a torch.nn.Module, got {type(encoder).__name__}")
        self.encoder = encoder
        # small random init: a zero vector has no direction to normalise
        self.missing = nn.Parameter(0.1 * torch.randn(as_int(rep_dim, "rep_dim")))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 2 or x.shape[1] < 2:
            raise ValueError(
                f"WithIndicator expects input [x | observed] of shape (N, d + 1), got {tuple(x.shape)}"
            )
        observed = x[:, -1:]  # (N, 1), 1 = observed, 0 = missing
        return observed * self.encoder(x[:, :-1]) + (1.0 - observed) * self.missing  # (N, rep_dim)


def utf8_bytes(texts, width: int | None = None) -> np.ndarray:
    """Strings -> (N, width) uint8 UTF-8 byte codes, zero-padded on the right (the input of ByteNgramEncoder).

    Parameters
    ----------
    texts : sequence of str
    width : int, optional
        Columns; default the longest text's byte length. A longer text is a ValueError naming it.

    Examples
    --------
    >>> utf8_bytes(["ab", "δ"]).tolist()
    [[97, 98], [206, 180]]
    """
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a sequence of str")
    raw = [t.encode("utf-8") for t in texts]
    if any(b"\0" in r for r in raw):
        raise ValueError("texts must not contain NUL characters (byte 0 is the padding)")
    longest = max((len(r) for r in raw), default=0)
    width = longest if width is None else as_int(width, "width")
    out = np.zeros((len(raw), width), dtype=np.uint8)
    for i, r in enumerate(raw):
        if len(r) > width:
            raise ValueError(f"text {i} has {len(r)} UTF-8 bytes, more than width={width}")
        out[i, : len(r)] = np.frombuffer(r, dtype=np.uint8)
    return out
