"""Minimal Symile and pairwise-CLIP objectives, encoders, trainer, zero-shot prediction, bounds.

Import rule: ``symile_min`` stands alone on torch (plus numpy/pandas/tqdm); it imports
neither ``infotheory`` nor ``generators`` nor ``experiments``.
"""

__all__: list[str] = []
