"""Exact information measures on joint pmfs, plus sample estimators.

Import rule: ``infotheory`` imports only numpy and scipy (matplotlib lazily, in
``infotheory.plot``). Nothing in this package imports ``generators``,
``symile_min`` or ``experiments``.

All measures return plain floats in **bits** by default; pass ``base=`` to change
the unit (``base=np.e`` for nats).
"""

__all__: list[str] = []
