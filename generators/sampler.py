"""The interface every generator follows (bmi's sampler style): named variables, seeded samples, exact truth.

A :class:`Sampler` has

* ``names``: the variables (modalities), a tuple of str in a fixed, natural order;
* ``sample(n, rng)``: ``n`` draws as a dict with one array per variable (first axis ``n``), whose first
  keys are ``names`` in that order; a generator may add further keys after them (missingness masks,
  latent variables), documented in its own ``sample``. ``rng`` is a ``numpy.random.Generator`` (used and
  advanced as it is) or an int seed in ``[0, 2**63)`` (same seed, same numbers); anything else is a
  ``TypeError``/``ValueError`` naming the value (:func:`infotheory._validation.as_rng`).

A :class:`FiniteSampler` also has ``joint_pmf()``: the exact joint pmf as a dense array with one axis per
name, in the order of ``names`` (each generator documents how a sample maps to its integer codes).
Continuous generators (:class:`~generators.GaussianTC`) have no pmf; their truth is a closed form.

Truth methods (``total_correlation``, ``info_table``, ...) return bits by default and take ``base=`` as a
keyword-only argument (a finite real > 1).

Both are ``typing.Protocol`` classes checked structurally, e.g. ``isinstance(g, FiniteSampler)``: a new
generator needs no base class, only these members.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Sampler", "FiniteSampler"]


@runtime_checkable
class Sampler(Protocol):
    """A generator of named variables with seeded sampling (see the module docstring)."""

    @property
    def names(self) -> tuple[str, ...]:
        """The variables, in their natural order (the first keys of :meth:`sample`)."""
        ...

    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """``n`` draws: one array per variable (first axis ``n``), keyed by ``names`` (then any extras)."""
        ...


@runtime_checkable
class FiniteSampler(Sampler, Protocol):
    """A :class:`Sampler` with a finite support and its exact joint pmf."""

    def joint_pmf(self) -> np.ndarray:
        """The exact joint pmf: a dense array with one axis per name, in the order of ``names``."""
        ...
