"""Maximum-entropy joint with given marginals, on a list of cells: IPF, then Newton's method if IPF is slow.

The cells are the rows of a sparse joint (any set of outcomes); each constraint is a grouping of the
cells (an int64 key per cell) with the wanted total of every group. The maximum-entropy distribution on
the cells with those group totals is log-linear, :math:`q(x) \\propto \\exp \\sum_c \\theta_c[k_c(x)]`
(Csiszár 1975), and it is found in up to three steps:

1. **Iterative proportional fitting** from the uniform distribution: each sweep rescales the cells of
   every group to its wanted total, one constraint after the other (the scalings accumulate in
   :math:`\\theta`). It converges linearly, so most joints are done in a few sweeps.
2. If a first round of sweeps has not converged, one **linear programme** (scipy's HiGHS) finds the cells
   that some distribution with those totals makes positive at all; the others (zeros forced by the
   constraints, as on the AND gate, where IPF only creeps towards 0) are removed.
3. **Newton's method on the dual** :math:`\\min_\\theta \\log \\sum_x e^{(M\\theta)(x)} - \\theta^\\top t`
   (convex; :math:`M` the cells-by-groups incidence, :math:`t` the totals), started from the IPF
   scalings: quadratic convergence where IPF is slow because the maximum-entropy joint has tiny cells.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fit_marginals"]


def fit_marginals(constraints, n_cells: int, *, tol: float, max_sweeps: int = 200, max_newton: int = 100):
    """Maximum-entropy probabilities on ``n_cells`` cells matching every ``(key, n_groups, target)``.

    Parameters
    ----------
    constraints : sequence of (numpy.ndarray, int, numpy.ndarray)
        For each marginal: the group of every cell (int64 in ``[0, n_groups)``), the number of groups and
        the wanted probability of each group; every group holding a cell must have a positive target.
    n_cells : int
        Number of cells.
    tol : float
        Stop when every group total is within a relative error ``tol`` of its target.
    max_sweeps : int
        Budget of IPF sweeps before the linear programme and Newton's method take over.
    max_newton : int
        Budget of Newton steps.

    Returns
    -------
    (q, deviation, steps)
        The fitted probabilities (exactly 0 on the cells the constraints force to 0), the largest
        relative error of a group total (at most ``tol`` when converged) and the number of IPF sweeps
        plus Newton steps made.
    """
    q, theta, deviation, sweeps = _ipf(constraints, n_cells, tol=tol, max_sweeps=max_sweeps)
    if deviation <= tol:
        return q, deviation, sweeps
    cells = np.flatnonzero(_possible_cells(constraints, n_cells))
    reduced = [(key[cells], n_groups, target) for key, n_groups, target in constraints]
    q_cells, deviation, steps = _newton(reduced, theta, tol=tol, max_steps=max_newton)
    q = np.zeros(n_cells)
    q[cells] = q_cells
    return q, deviation, sweeps + steps


def _ipf(constraints, n_cells: int, *, tol: float, max_sweeps: int):
    """IPF sweeps from the uniform distribution: (q, log-scalings per constraint, deviation, sweeps)."""
    q = np.full(n_cells, 1.0 / n_cells)
    theta = [np.zeros(n_groups) for _, n_groups, _ in constraints]
    deviation = np.inf
    for sweep in range(1, max_sweeps + 1):
        deviation = 0.0
        for (key, n_groups, target), log_scale in zip(constraints, theta):
            current = np.bincount(key, weights=q, minlength=n_groups)
            held = current > 0
            ratio = np.ones(n_groups)
            ratio[held] = target[held] / current[held]
            deviation = max(deviation, float(np.max(np.abs(ratio[held] - 1.0))))
            q *= ratio[key]
            log_scale += np.log(ratio)
        if deviation <= tol:
            return q, theta, deviation, sweep
    return q, theta, deviation, max_sweeps


def _newton(constraints, theta, *, tol: float, max_steps: int):
    """Newton's method on the dual of the maximum-entropy problem, from the scalings ``theta``."""
    offsets = np.cumsum([0] + [n for _, n, _ in constraints])
    columns = np.stack([key + offset for (key, _, _), offset in zip(constraints, offsets)], axis=1)  # (n, C)
    targets = np.concatenate([target for _, _, target in constraints])
    held = np.zeros(offsets[-1], dtype=bool)
    held[columns.ravel()] = True  # groups that hold a cell (the others are left out of the problem)
    index = np.cumsum(held) - 1
    columns, targets = index[columns], targets[held]
    n_cells, n_constraints = columns.shape
    theta = np.concatenate(theta)[held]

    def dual(theta):  # log sum_x exp((M theta)(x)) - theta . t, and q
        s = theta[columns].sum(axis=1)
        top = s.max()
        w = np.exp(s - top)
        total = w.sum()
        return top + np.log(total) - np.dot(theta, targets), w / total

    value, q = dual(theta)
    deviation = np.inf
    for step in range(1, max_steps + 1):
        marginal = np.bincount(columns.ravel(), weights=np.repeat(q, n_constraints), minlength=targets.size)
        deviation = float(np.max(np.abs(marginal / targets - 1.0)))
        if deviation <= tol:
            return q, deviation, step - 1
        # Hessian M^T diag(q) M - m m^T (singular along the redundant directions: least squares)
        H = np.zeros((targets.size, targets.size))
        for i in range(n_constraints):
            for j in range(n_constraints):
                np.add.at(H, (columns[:, i], columns[:, j]), q)
        H -= np.outer(marginal, marginal)
        direction = -np.linalg.lstsq(H, marginal - targets, rcond=1e-13)[0]
        slope = float(np.dot(marginal - targets, direction))
        s = 1.0
        for _ in range(50):  # backtracking on the convex dual
            new_value, new_q = dual(theta + s * direction)
            if new_value <= value + 0.25 * s * slope or abs(slope) < 1e-15:
                break
            s *= 0.5
        theta, value, q = theta + s * direction, new_value, new_q
    marginal = np.bincount(columns.ravel(), weights=np.repeat(q, n_constraints), minlength=targets.size)
    return q, float(np.max(np.abs(marginal / targets - 1.0))), max_steps


#: largest scaling of the marginal totals in the linear programme of ``_possible_cells``
_MAX_SCALE = 1e6


def _possible_cells(constraints, n_cells: int) -> np.ndarray:
    """Which cells some non-negative solution of the marginal constraints makes positive (one LP).

    On the cone ``{q >= 0 : group sums of q = lam * target}`` every such cell can be made >= 1 by scaling,
    so ``max sum y`` subject to ``0 <= y <= 1``, ``y <= q`` puts ``y = 1`` exactly on those cells. The
    scale ``lam`` is capped at 1e6 (which keeps HiGHS's absolute feasibility tolerance meaningful): a cell
    that no distribution with these marginals makes larger than about 1e-6 counts as forced to 0.
    """
    import scipy.optimize  # only needed on this slow path
    import scipy.sparse

    offset = 0
    rows, cols, vals = [], [], []
    for key, n_groups, target in constraints:
        rows.append(offset + key)
        cols.append(np.arange(n_cells))
        vals.append(np.ones(n_cells))
        rows.append(offset + np.arange(n_groups))
        cols.append(np.full(n_groups, 2 * n_cells))
        vals.append(-np.asarray(target, dtype=np.float64))
        offset += n_groups
    A_eq = scipy.sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(offset, 2 * n_cells + 1)
    )
    eye = scipy.sparse.identity(n_cells, format="csr")
    A_ub = scipy.sparse.hstack([-eye, eye, scipy.sparse.csr_matrix((n_cells, 1))], format="csr")  # y - q <= 0
    cost = np.concatenate([np.zeros(n_cells), -np.ones(n_cells), [0.0]])
    bounds = [(0, None)] * n_cells + [(0, 1)] * n_cells + [(0, _MAX_SCALE)]
    result = scipy.optimize.linprog(
        cost,
        A_ub=A_ub,
        b_ub=np.zeros(n_cells),
        A_eq=A_eq,
        b_eq=np.zeros(offset),
        bounds=bounds,
        method="highs",
    )
    if result.status != 0:  # cannot happen for consistent marginals; keep every cell
        return np.ones(n_cells, dtype=bool)
    return result.x[n_cells : 2 * n_cells] > 0.5
