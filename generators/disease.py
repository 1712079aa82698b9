r"""A toy joint of a disease ``y`` and a body temperature ``t`` (the paper's appendix Table 1, illustrative).

The paper's appendix uses a small joint table of disease and temperature to illustrate minimal
sufficient statistics and the difference between predicting with the pointwise mutual information
(PMI) and with the posterior. Its cell values are not reproduced here: the **default table is an
illustrative one** chosen so that it shows both points exactly:

* temperatures 99 and 100 have the same :math:`p(y \mid t)` ("no fever"), so the minimal sufficient
  statistic groups them, keeps :math:`I(y; T(t)) = I(y; t)`, and every coarser grouping loses information;
* disease ``a`` is common (:math:`p(a) = 0.72`), so at ``t = 101`` the Bayes prediction
  :math:`\arg\max_y p(y \mid t)` is ``a`` while :math:`\arg\max_y \mathrm{PMI}(y, t)` is ``b``; adding
  :math:`\log p(y)` to the PMI recovers the Bayes prediction.

========  =====  =====  =====  =====
y / t       99    100    101    102
========  =====  =====  =====  =====
a          0.27   0.27   0.15   0.03
b          0.03   0.03   0.10   0.12
========  =====  =====  =====  =====
"""

from __future__ import annotations

import numpy as np

from generators._common import as_rng, check_n
from infotheory.decision import minimal_sufficient_partition
from infotheory.measures import entropy, mutual_information
from infotheory.pointwise import pointwise_mutual_information

__all__ = ["DiseaseTemperature", "DEFAULT_TABLE", "DEFAULT_TEMPERATURES", "DEFAULT_DISEASES"]

#: Illustrative default joint p(y, t): rows y = (a, b), columns t = (99, ..., 102). Not the paper's values.
DEFAULT_TABLE = np.array([[0.27, 0.27, 0.15, 0.03], [0.03, 0.03, 0.10, 0.12]])
DEFAULT_TEMPERATURES = (99, 100, 101, 102)
DEFAULT_DISEASES = ("a", "b")


def _validate_table(table, atol: float = 1e-9):
    """Return (float64 (2, 4) array, disease labels, temperature labels) or raise ValueError."""
    y_labels, temperatures = DEFAULT_DISEASES, DEFAULT_TEMPERATURES
    if hasattr(table, "to_numpy") and hasattr(table, "columns"):  # a pandas DataFrame: keep its labels
        y_labels, temperatures = tuple(table.index), tuple(table.columns)
        table = table.to_numpy()
    try:
        arr = np.asarray(table, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"table must be numeric, got {table!r}") from err
    if arr.shape != (2, 4):
        raise ValueError(f"table must have shape (2, 4) (diseases x temperatures), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"table must be finite, got {arr.tolist()}")
    if (arr < 0).any():
        raise ValueError(f"table must be non-negative, got {arr.tolist()}")
    if abs(arr.sum() - 1.0) > atol:
        raise ValueError(f"table must sum to 1, got sum {float(arr.sum())!r}")
    if (arr.sum(axis=0) <= 0).any() or (arr.sum(axis=1) <= 0).any():
        raise ValueError(
            f"every disease and every temperature needs positive probability "
            f"(p(y) = {arr.sum(axis=1).tolist()}, p(t) = {arr.sum(axis=0).tolist()})"
        )
    if len(set(temperatures)) != 4 or len(set(y_labels)) != 2:
        raise ValueError(f"labels must be distinct, got diseases {y_labels} and temperatures {temperatures}")
    return arr / arr.sum(), y_labels, temperatures


class DiseaseTemperature:
    r"""Joint distribution of a disease ``y`` (2 values) and a temperature ``t`` (4 values).

    Parameters
    ----------
    table : array_like of shape (2, 4) or pandas.DataFrame, optional
        Joint probabilities :math:`p(y, t)`, rows = diseases, columns = temperatures; non-negative, finite,
        summing to 1, with every row and column positive. A DataFrame's index and columns become the disease
        and temperature labels. Default: the **illustrative** :data:`DEFAULT_TABLE` (not the paper's values;
        see the module docstring), diseases ``('a', 'b')``, temperatures ``(99, 100, 101, 102)``.

    Notes
    -----
    Encoding: :meth:`joint_pmf` has axes ``(y, t)``; :meth:`sample` returns integer codes ``y`` in {0, 1}
    (index into :attr:`diseases`) and ``t`` in {0, 1, 2, 3} (index into :attr:`temperatures`). Methods taking
    a temperature take its label (e.g. ``101``) and return disease labels. Information is in bits unless
    ``base=`` says otherwise.

    Examples
    --------
    >>> dt = DiseaseTemperature()
    >>> dt.minimal_sufficient_statistic()
    {99: 0, 100: 0, 101: 1, 102: 2}
    >>> dt.bayes_prediction(101), dt.pmi_prediction(101)
    ('a', 'b')
    >>> round(dt.mutual_information(), 4)
    0.223
    """

    def __init__(self, *, table=None):
        table = DEFAULT_TABLE if table is None else table
        self._joint, self.diseases, self.temperatures = _validate_table(table)

    def __repr__(self) -> str:
        return f"DiseaseTemperature(table={self._joint.tolist()!r})"

    @property
    def names(self) -> tuple[str, ...]:
        """The variables ``('y', 't')``: the keys of :meth:`sample`, the axes of :meth:`joint_pmf`."""
        return ("y", "t")

    # ----------------------------------------------------------------------------------------- distributions
    def joint_pmf(self) -> np.ndarray:
        """The joint :math:`p(y, t)` as a (2, 4) float64 array, axes ``(y, t)`` in label order (a copy)."""
        return self._joint.copy()

    def p_y(self) -> np.ndarray:
        """Marginal :math:`p(y)`, shape (2,)."""
        return self._joint.sum(axis=1)

    def p_t(self) -> np.ndarray:
        """Marginal :math:`p(t)`, shape (4,)."""
        return self._joint.sum(axis=0)

    def p_y_given_t(self) -> np.ndarray:
        r"""Conditional :math:`p(y \mid t) = p(y, t) / p(t)`, shape (2, 4); each column sums to 1."""
        return self._joint / self.p_t()[None, :]

    def _t_index(self, t) -> int:
        try:
            return self.temperatures.index(t)
        except ValueError:
            raise ValueError(f"unknown temperature {t!r}; expected one of {self.temperatures}") from None

    # ----------------------------------------------------------------------------------------- the table
    def table1(self):
        """The joint table with both marginals and the conditionals, as a pandas DataFrame.

        Rows (index ``quantity``): ``p(y=<y>, t)`` for each disease, ``p(t)``, ``p(y=<y> | t)`` for each
        disease. Columns: one per temperature (``"t=99"``, ...) and ``"p(y)"``. The ``p(y)`` column holds the
        marginal :math:`p(y)` on the joint rows and on the conditional rows (where it is the
        :math:`p(t)`-average of :math:`p(y \\mid t)`), and 1 on the ``p(t)`` row.
        """
        import pandas as pd

        p_y, p_t, cond = self.p_y(), self.p_t(), self.p_y_given_t()
        rows, index = [], []
        for k, y in enumerate(self.diseases):
            rows.append([*self._joint[k], p_y[k]])
            index.append(f"p(y={y}, t)")
        rows.append([*p_t, p_t.sum()])
        index.append("p(t)")
        for k, y in enumerate(self.diseases):
            rows.append([*cond[k], p_y[k]])
            index.append(f"p(y={y} | t)")
        columns = [f"t={t}" for t in self.temperatures] + ["p(y)"]
        return pd.DataFrame(rows, index=pd.Index(index, name="quantity"), columns=columns)

    # ----------------------------------------------------------------------------------------- information
    def entropy_y(self, *, base: float = 2) -> float:
        r"""Entropy :math:`H(y) = -\sum_y p(y) \log p(y)`, bits by default (units of ``log base``)."""
        return entropy(self._joint, 0, base=base)

    def grouped_mutual_information(self, grouping, *, base: float = 2) -> float:
        r"""Mutual information :math:`I(y; T(t))` of ``y`` with a grouping ``T`` of the temperatures.

        .. math:: I(y; T) = \sum_{y, g} p(y, g) \log \frac{p(y, g)}{p(y)\, p(g)}, \qquad
                  p(y, g) = \sum_{t : T(t) = g} p(y, t).

        Parameters
        ----------
        grouping : mapping temperature -> hashable group label, covering every temperature
        base : float, default 2 (bits)

        Returns
        -------
        float
            :math:`I(y; T)` in bits (units of ``log base``).
        """
        missing = [t for t in self.temperatures if t not in grouping]
        if missing:
            raise ValueError(f"grouping must map every temperature; missing {missing}")
        labels = list(dict.fromkeys(grouping[t] for t in self.temperatures))
        joint = np.zeros((2, len(labels)))  # (y, group)
        for j, t in enumerate(self.temperatures):
            joint[:, labels.index(grouping[t])] += self._joint[:, j]
        return mutual_information(joint, 0, 1, base=base)

    def mutual_information(self, *, base: float = 2) -> float:
        r"""Mutual information :math:`I(y;t) = \sum_{y,t} p(y,t) \log \frac{p(y,t)}{p(y)p(t)}`, in bits.

        (The unit is ``log base``.)
        """
        return mutual_information(self._joint, 0, 1, base=base)

    def minimal_sufficient_statistic(self, atol: float = 1e-9) -> dict:
        r"""The minimal sufficient statistic of ``t`` for ``y``: temperatures with equal :math:`p(y \mid t)`.

        :math:`T(t) = T(t')` iff :math:`\max_y |p(y \mid t) - p(y \mid t')| \le` ``atol`` (chained by single
        linkage, :func:`infotheory.decision.minimal_sufficient_partition`). Groups are labelled 0, 1, ... in
        order of first appearance. It keeps :math:`I(y; T(t)) = I(y; t)`; merging any two of its groups
        strictly lowers the mutual information.

        Returns
        -------
        dict
            temperature label -> group label (int).
        """
        labels = minimal_sufficient_partition(self._joint.T, atol=atol)  # queries t, candidates y
        return {t: int(g) for t, g in zip(self.temperatures, labels)}

    def pmi(self, *, base: float = 2):
        r"""Pointwise mutual information table :math:`\mathrm{PMI}(y, t) = \log \frac{p(y, t)}{p(y)\,p(t)}`.

        Rows are diseases, columns temperatures; bits by default (units of ``log base``); ``-inf`` where
        :math:`p(y, t) = 0`. The values are :func:`infotheory.pointwise_mutual_information` of the joint.
        """
        import pandas as pd

        return pd.DataFrame(
            pointwise_mutual_information(self._joint, 0, 1, base=base),
            index=pd.Index(self.diseases, name="y"),
            columns=pd.Index(self.temperatures, name="t"),
        )

    # ----------------------------------------------------------------------------------------- prediction
    def bayes_prediction(self, t):
        r"""The Bayes prediction :math:`\arg\max_y p(y \mid t) = \arg\max_y [\mathrm{PMI}(y,t) + \log p(y)]`.

        Ties go to the first disease label.
        """
        j = self._t_index(t)
        return self.diseases[int(np.argmax(self._joint[:, j]))]

    def pmi_prediction(self, t):
        r"""The PMI prediction :math:`\arg\max_y \mathrm{PMI}(y, t)`, i.e. :math:`\arg\max_y p(t \mid y)`.

        It ignores the prior :math:`p(y)`, so it can differ from :meth:`bayes_prediction` when ``p(y)`` is
        not uniform. Ties go to the first disease label.
        """
        j = self._t_index(t)
        return self.diseases[int(np.argmax(self._joint[:, j] / self.p_y()))]

    # ----------------------------------------------------------------------------------------- sampling
    def sample(self, n: int, rng) -> dict[str, np.ndarray]:
        """Draw ``n`` pairs ``(y, t)`` from the joint.

        Returns
        -------
        dict
            ``'y'``: int64 codes in {0, 1} (index into :attr:`diseases`), ``'t'``: int64 codes in {0, 1, 2, 3}
            (index into :attr:`temperatures`), each of shape (n,).
        """
        n = check_n(n)
        gen = as_rng(rng, name="rng")
        flat = gen.choice(8, size=n, p=self._joint.ravel())  # row-major: flat = 4 * y + t
        return {"y": (flat // 4).astype(np.int64), "t": (flat % 4).astype(np.int64)}

