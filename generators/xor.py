r"""The paper's Figure 3 data: a switched XOR of two uniform binary vectors.

Model (Saporta et al. 2024, Sec. 5.1): for :math:`j = 1, \dots, d`,
:math:`a_j, b_j \sim \mathrm{Bernoulli}(1/2)` independently; **one** switch
:math:`i \sim \mathrm{Bernoulli}(p)` per sample, shared by all coordinates; and

.. math:: c_j = \begin{cases} a_j \oplus b_j & i = 1 \\ a_j & i = 0. \end{cases}

``b`` is independent of ``a`` and of ``c`` separately (:math:`I(a;b) = I(b;c) = 0`), yet ``(a, c)``
reveal ``b`` whenever the switch is on: pairwise objectives (CLIP) cannot predict ``b``, the joint one
(Symile) can.

Integer encoding of a binary vector (used by the pmfs): bit ``j`` of the integer is coordinate
``j`` (coordinate 0 is the least significant bit), see :func:`encode_bits` / :func:`decode_bits`.
"""

from __future__ import annotations

import math

import numpy as np

from generators._common import (
    MAX_CELLS,
    as_rng,
    binary_entropy,
    check_base,
    check_int,
    check_n,
    check_probability,
    xlogx,
)

__all__ = [
    "BinaryXOR",
    "MAX_DENSE_D",
    "MAX_SPARSE_D",
    "encode_bits",
    "decode_bits",
    "xor_info_table",
    "xor_bayes_accuracy",
    "INFO_KEYS",
]

#: Largest ``d`` for which :meth:`BinaryXOR.joint_pmf` is dense: (2**8)**3 = 2**24 cells (128 MiB).
MAX_DENSE_D = 8
#: Largest ``d`` for :meth:`BinaryXOR.sparse_joint_pmf`: at most 2 * 2**22 ≈ 8.4 million outcomes.
MAX_SPARSE_D = 11

#: Keys of :func:`xor_info_table` and :meth:`BinaryXOR.info_table`, in display order.
INFO_KEYS = ("I(a;b)", "I(b;c)", "I(a;c)", "I(a;b|c)", "I(b;c|a)", "I(a;c|b)", "H(c|a)", "TC")


def encode_bits(bits) -> np.ndarray:
    """Encode binary vectors (last axis, length ``d``) as integers: bit ``j`` = ``bits[..., j]``.

    Parameters
    ----------
    bits : array_like of 0/1, shape (..., d), ``1 <= d <= 62``

    Returns
    -------
    numpy.ndarray of int64, shape (...)

    Examples
    --------
    >>> encode_bits([[1, 0, 0], [0, 1, 1]]).tolist()
    [1, 6]
    """
    bits = np.asarray(bits)
    if bits.dtype.kind not in "biuf":  # a complex or string 1 must not pass as a bit
        raise TypeError(f"bits must hold real 0/1 values, got dtype {bits.dtype}")
    if bits.ndim == 0:
        raise ValueError(f"bits must have at least one axis (the d coordinates), got {bits!r}")
    d = bits.shape[-1]
    if not 1 <= d <= 62:
        raise ValueError(f"bits must have 1 <= d <= 62 coordinates on its last axis, got d={d}")
    if bits.size and not np.isin(bits, (0, 1)).all():
        raise ValueError("bits must contain only 0 and 1")
    weights = np.left_shift(np.int64(1), np.arange(d, dtype=np.int64))
    return (bits.astype(np.int64) * weights).sum(axis=-1)


def decode_bits(ints, d: int) -> np.ndarray:
    """Decode integers into binary vectors of length ``d``: ``out[..., j]`` = bit ``j`` of ``ints``.

    Inverse of :func:`encode_bits`.

    Parameters
    ----------
    ints : array_like of int in ``[0, 2**d)``
    d : int, ``1 <= d <= 62``

    Returns
    -------
    numpy.ndarray of uint8, shape ``(*ints.shape, d)``

    Examples
    --------
    >>> decode_bits([1, 6], 3).tolist()
    [[1, 0, 0], [0, 1, 1]]
    """
    d = check_int("d", d, low=1, high=62)
    ints = np.asarray(ints)
    if ints.size and (not np.issubdtype(ints.dtype, np.integer) or ints.min() < 0 or ints.max() >= 2**d):
        raise ValueError(f"ints must be integers in [0, 2**{d}), got values in [{ints.min()}, {ints.max()}]")
    shifts = np.arange(d, dtype=np.int64)
    return ((ints.astype(np.int64)[..., None] >> shifts) & 1).astype(np.uint8)


def _check_p_array(p) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if not np.all((p >= 0) & (p <= 1)):  # also rejects nan
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    return p


def xor_info_table(d: int, p, *, base: float = 2) -> dict[str, np.ndarray]:
    r"""Closed-form information quantities of :class:`BinaryXOR`, vectorised in p.

    With :math:`q = 2^{-d}` and :math:`h` the binary entropy,

    .. math::
        I(a;b) &= I(b;c) = 0, \\
        H(c \mid a) &= -(1 - p + pq)\log(1 - p + pq) - p(1-q)\log(pq), \\
        I(a;c) &= d \log 2 - H(c \mid a), \\
        I(a;b \mid c) &= I(b;c \mid a) = H(c \mid a) - (1-q)\,h(p), \\
        \mathrm{TC} &= I(a;c \mid b) = d \log 2 - (1-q)\,h(p),

    using :math:`0 \log 0 = 0` (so ``p = 0`` and ``p = 1`` are exact).

    Parameters
    ----------
    d : int, ``>= 1``
    p : float or array_like in [0, 1]
    base : float, default 2 (bits); ``numpy.e`` for nats

    Returns
    -------
    dict
        Keys :data:`INFO_KEYS`; each value a float64 array of ``numpy.shape(p)``, in units of ``log base``
        (bits by default).

    Examples
    --------
    >>> t = xor_info_table(5, [0.0, 0.5, 1.0])
    >>> [round(float(x), 4) for x in t["TC"]]
    [5.0, 4.0312, 5.0]
    >>> t = xor_info_table(5, 0.5, base=np.e)
    >>> round(float(t["I(a;c)"]), 4), round(float(t["I(a;b|c)"]), 4), round(float(t["TC"]), 4)
    (1.1097, 1.6845, 2.7942)
    """
    d = check_int("d", d, low=1, high=MAX_CELLS, why="one sample of d coordinates must fit in an array")
    base = check_base(base)
    p = _check_p_array(p)
    q = 2.0**-d
    log_q = -d * math.log(2.0)
    # nats throughout, converted at the end; 0 log 0 = 0 via xlogx
    H_c_given_a = -xlogx(1.0 - p + p * q) - (1.0 - q) * (xlogx(p) + p * log_q)
    h_p = binary_entropy(p)
    H_c_given_ab = (1.0 - q) * h_p  # c is determined by (a, b) except through the switch when b != 0
    d_log2 = d * math.log(2.0)
    tc = d_log2 - H_c_given_ab
    I_ab_given_c = H_c_given_a - H_c_given_ab
    zero = np.zeros_like(p)
    table = {
        "I(a;b)": zero,
        "I(b;c)": zero.copy(),
        "I(a;c)": d_log2 - H_c_given_a,
        "I(a;b|c)": I_ab_given_c,
        "I(b;c|a)": I_ab_given_c.copy(),
        "I(a;c|b)": tc.copy(),
        "H(c|a)": H_c_given_a,
        "TC": tc,
    }
    scale = 1.0 / math.log(base)
    # snap round-off below 1e-15 to exactly 0 (e.g. I(a;c) at p = 1 is 0 up to floating error)
    return {k: np.where(np.abs(v) < 1e-15, 0.0, v) * scale for k, v in table.items()}


def xor_bayes_accuracy(d: int, p) -> np.ndarray:
    r"""Bayes accuracy of predicting ``b`` from ``(a, c)`` among its :math:`2^d` values, vectorised over p.

    .. math:: \mathrm{acc} = q + p(1 - q), \qquad q = 2^{-d}.

    When ``c = a`` (probability :math:`1 - p + pq`: the switch is off, or on with ``b = 0``) the posterior
    favours ``b = 0``, and that guess is right with probability :math:`q / (1 - p + pq)`; when ``c != a``
    (probability :math:`p(1 - q)`) the switch was on and ``b = a XOR c`` exactly. Together:
    :math:`(1 - p + pq) \cdot q / (1 - p + pq) + p(1 - q) = q + p(1 - q)`. Chance accuracy is ``q``.

    Examples
    --------
    >>> float(xor_bayes_accuracy(5, 0.5))
    0.515625
    """
    d = check_int("d", d, low=1, high=MAX_CELLS, why="one sample of d coordinates must fit in an array")
    p = _check_p_array(p)
    q = 2.0**-d
    return q + p * (1.0 - q)


class BinaryXOR:
    r"""Switched XOR data of the paper's Figure 3, with its exact information content.

    :math:`a, b \sim \mathrm{Uniform}\{0,1\}^d`; one switch :math:`i \sim \mathrm{Bernoulli}(p)` per sample;
    :math:`c = a \oplus b` if :math:`i = 1` else :math:`c = a`. Closed forms: :func:`xor_info_table`.

    Parameters
    ----------
    d : int, default 5
        Number of binary coordinates per modality, ``>= 1``.
    p : float, default 0.5
        Probability in [0, 1] that the XOR switch is on.
    p_missing : float, default 0.0
        Each modality of each sample is independently missing with this probability, in [0, 1).
        Missing rows hold ``placeholder`` and are flagged False in the masks.
    placeholder : int, default 0
        Value (0..255, stored as uint8) written in every coordinate of a missing modality. With the default 0
        a missing row looks like the all-zero vector; the masks tell them apart.

    Notes
    -----
    Units: every information quantity is in bits unless ``base=`` says otherwise.
    Encoding of the pmfs: each length-``d`` vector is the integer with bit ``j`` = coordinate ``j``
    (:func:`encode_bits`); axes are ``(a, b, c)``.

    Examples
    --------
    >>> xor = BinaryXOR(d=5, p=0.5)
    >>> s = xor.sample(4, rng=0)
    >>> sorted(s), s["a"].shape, s["a"].dtype.name
    (['a', 'b', 'c'], (4, 5), 'uint8')
    >>> round(xor.total_correlation(), 4), xor.bayes_accuracy(), xor.chance_accuracy()
    (4.0312, 0.515625, 0.03125)
    """

    def __init__(self, *, d: int = 5, p: float = 0.5, p_missing: float = 0.0, placeholder: int = 0):
        why = "one sample of d coordinates must fit in an array"
        self.d = check_int("d", d, low=1, high=MAX_CELLS, why=why)
        self.p = check_probability("p", p)
        self.p_missing = check_probability("p_missing", p_missing, include_one=False)
        self.placeholder = check_int("placeholder", placeholder, low=0, high=255)

    def __repr__(self) -> str:
        extra = f", p_missing={self.p_missing!r}, placeholder={self.placeholder!r}" if self.p_missing else ""
        return f"BinaryXOR(d={self.d!r}, p={self.p!r}{extra})"

    @property
    def names(self) -> tuple[str, ...]:
        """The modalities ``("a", "b", "c")``: the first keys of :meth:`sample`, the axes of the pmfs."""
        return ("a", "b", "c")

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` samples.

        Parameters
        ----------
        n : int, ``>= 0``
        rng : numpy.random.Generator or int seed

        Returns
        -------
        dict
            ``'a'``, ``'b'``, ``'c'``: uint8 arrays of shape (n, d) with 0/1 values. When ``p_missing > 0``
            also ``'mask_a'``, ``'mask_b'``, ``'mask_c'``: bool arrays of shape (n,), True where the
            modality is observed; unobserved rows hold ``placeholder``. The complete data are drawn first,
            so for a given seed the observed rows equal the rows drawn with ``p_missing = 0``.
        """
        n = check_n(n, row_cells=3 * self.d)  # ValueError, not MemoryError, if the arrays cannot exist
        gen = as_rng(rng, name="rng")
        a = gen.integers(0, 2, size=(n, self.d), dtype=np.uint8)
        b = gen.integers(0, 2, size=(n, self.d), dtype=np.uint8)
        switch = gen.random(n) < self.p  # one switch per sample, shared by all d coordinates
        c = np.where(switch[:, None], a ^ b, a).astype(np.uint8)
        out = {"a": a, "b": b, "c": c}
        if self.p_missing > 0:
            observed = gen.random((3, n)) >= self.p_missing  # independent per modality and sample
            for name, mask in zip("abc", observed):
                out[name][~mask] = self.placeholder
                out[f"mask_{name}"] = mask
        return out

    # ----------------------------------------------------------------------------------------- encodings
    def encode(self, bits) -> np.ndarray:
        """Encode (..., d) bit vectors as integers (bit ``j`` = coordinate ``j``), see :func:`encode_bits`."""
        bits = np.asarray(bits)
        if bits.ndim == 0 or bits.shape[-1] != self.d:
            raise ValueError(f"bits must have last axis of length d={self.d}, got shape {bits.shape}")
        return encode_bits(bits)

    def decode(self, ints) -> np.ndarray:
        """Decode integers in ``[0, 2**d)`` into (..., d) uint8 bit vectors, see :func:`decode_bits`."""
        return decode_bits(ints, self.d)

    # ----------------------------------------------------------------------------------------- pmfs
    def joint_pmf(self) -> np.ndarray:
        r"""Dense joint pmf with axes ``(a, b, c)``, each of length :math:`2^d` (integer encoding).

        .. math::
            P(a, b, c) = q^2 \left[(1-p)\,[c = a] + p\,[c = a \oplus b]\right], \qquad q = 2^{-d}.

        Raises
        ------
        ValueError
            If ``d > MAX_DENSE_D`` (= 8, i.e. 2**24 cells); use :meth:`sparse_joint_pmf` instead.
        """
        if self.d > MAX_DENSE_D:
            raise ValueError(
                f"d={self.d} is too large for a dense joint pmf ((2**{self.d})**3 cells; the limit is "
                f"d <= {MAX_DENSE_D}); use sparse_joint_pmf() instead"
            )
        N = 2**self.d
        q2 = 1.0 / (N * N)
        a, b = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")  # (N, N) each
        P = np.zeros((N, N, N))
        P[a, b, a] = q2 * (1.0 - self.p)
        P[a, b, a ^ b] += q2 * self.p  # (a, b) pairs are unique, so += is safe; b = 0 adds onto c = a
        return P

    def sparse_joint_pmf(self):
        """The joint pmf as an :class:`infotheory.SparsePMF` holding only the non-zero outcomes.

        Outcomes are rows ``(a, b, c)`` of integer codes (bit ``j`` = coordinate ``j``), shape
        ``(2**d,) * 3``. For each of the :math:`2^{2d}` pairs ``(a, b)`` there are at most two values of
        ``c`` (``a`` and ``a XOR b``), so ``d = 10`` has about 2**21 outcomes. Limited to
        ``d <= MAX_SPARSE_D`` (= 11).
        """
        if self.d > MAX_SPARSE_D:
            raise ValueError(
                f"d={self.d} is too large even for sparse_joint_pmf() (limit d <= {MAX_SPARSE_D}, "
                f"about 2**{2 * MAX_SPARSE_D + 1} outcomes)"
            )
        from infotheory import SparsePMF

        N = 2**self.d
        q2 = 1.0 / (N * N)
        a, b = (x.ravel() for x in np.meshgrid(np.arange(N), np.arange(N), indexing="ij"))
        b_zero = b == 0
        # b = 0: c = a whatever the switch; b != 0: c = a (switch off) or c = a XOR b (switch on)
        rows = [
            (a[b_zero], b[b_zero], a[b_zero], np.full(int(b_zero.sum()), q2)),
            (a[~b_zero], b[~b_zero], a[~b_zero], np.full(int((~b_zero).sum()), q2 * (1.0 - self.p))),
            (a[~b_zero], b[~b_zero], (a ^ b)[~b_zero], np.full(int((~b_zero).sum()), q2 * self.p)),
        ]
        outcomes = np.concatenate([np.stack(r[:3], axis=1) for r in rows]).astype(np.int64)
        probs = np.concatenate([r[3] for r in rows])
        keep = probs > 0  # p = 0 or p = 1 leaves only one c per pair
        return SparsePMF(outcomes[keep], probs[keep], shape=(N, N, N))

    # ----------------------------------------------------------------------------------------- truth
    def info_table(self, *, base: float = 2) -> dict[str, float]:
        """Closed-form information quantities (see :func:`xor_info_table`), in bits by default.

        Returns
        -------
        dict
            Keys ``"I(a;b)", "I(b;c)", "I(a;c)", "I(a;b|c)", "I(b;c|a)", "I(a;c|b)", "H(c|a)", "TC"``;
            float values in units of ``log base``.

        Examples
        --------
        >>> t = BinaryXOR(d=1, p=1.0).info_table()
        >>> t["I(a;b)"], t["I(a;b|c)"], t["TC"]
        (0.0, 1.0, 1.0)
        """
        return {k: float(v) for k, v in xor_info_table(self.d, self.p, base=base).items()}

    def total_correlation(self, *, base: float = 2) -> float:
        r"""Total correlation :math:`\mathrm{TC}(a;b;c) = d\log 2 - (1 - 2^{-d})\,h(p)`, bits by default."""
        return float(xor_info_table(self.d, self.p, base=base)["TC"])

    def pairwise_mutual_information_sum(self, *, base: float = 2) -> float:
        r"""Sum of the pairwise mutual informations, the target of CLIP's bound, in bits by default.

        .. math::
            I(a;b) + I(b;c) + I(a;c) = I(a;c) = d \log 2 - H(c \mid a)

        since :math:`I(a;b) = I(b;c) = 0` (see :func:`xor_info_table` for :math:`H(c \mid a)`).

        Returns
        -------
        float
            In units of ``log base`` (bits by default); 0 at ``p = 1`` (plain XOR: no pairwise dependence).

        Examples
        --------
        >>> round(BinaryXOR(d=5, p=0.5).pairwise_mutual_information_sum(), 4)
        1.601
        >>> BinaryXOR(d=1, p=1.0).pairwise_mutual_information_sum(), BinaryXOR(d=3, p=0.0).total_correlation()
        (0.0, 3.0)
        """
        table = xor_info_table(self.d, self.p, base=base)
        return float(table["I(a;b)"] + table["I(b;c)"] + table["I(a;c)"])

    def bayes_accuracy(self) -> float:
        r"""Bayes accuracy of predicting ``b`` from ``(a, c)``: :math:`q + p(1-q)`, :math:`q = 2^{-d}`."""
        return float(xor_bayes_accuracy(self.d, self.p))

    def chance_accuracy(self) -> float:
        r"""Chance accuracy of predicting ``b`` among its :math:`2^d` values: :math:`q = 2^{-d}`."""
        return 2.0**-self.d
