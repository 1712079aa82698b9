"""Synthetic data that carries its exact information content.

Import rule: ``generators`` may import ``infotheory`` (and numpy/scipy/pandas), never
``symile_min`` or ``experiments``.
"""

__all__: list[str] = []
