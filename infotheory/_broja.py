"""The BROJA optimisation: the least synergistic joint with the same source–target marginals (2 sources).

Given :math:`P(s_1, t)` and :math:`P(s_2, t)`, find

.. math::

    f^* = \\min_{Q \\in \\Delta_P} f(Q), \\quad f(Q) = -H_Q(T \\mid S_1, S_2), \\qquad
    \\Delta_P = \\{Q \\ge 0 : Q(s_1, t) = P(s_1, t),\\ Q(s_2, t) = P(s_2, t)\\},

a convex problem (it minimises :math:`I_Q(T; S_1, S_2)`, :math:`H(T)` being fixed on :math:`\\Delta_P`).
The unknowns are the cells :math:`(s_1, s_2, t)` with :math:`P(s_1, t) P(s_2, t) > 0` (every other
cell of a :math:`Q \\in \\Delta_P` is 0); write the marginal constraints as :math:`A Q = b`.

**Method.** For each :math:`t` the cells form a grid :math:`R_t \\times C_t` with fixed row and column
sums. With a reference row :math:`r_t` and column :math:`c_t` (the largest marginals), the cells off
them are free coordinates :math:`z` and the others follow from the sums: :math:`Q = Q_0 + N z`, so every
iterate lies exactly on :math:`A Q = b` (rounding is never accumulated). A barrier (interior-point)
method minimises :math:`f(Q) - \\mu \\sum \\log Q` over :math:`z` by Newton's method for decreasing
:math:`\\mu`. The reduced Hessian is :math:`N^\\top (D - E \\Lambda E^\\top) N`: :math:`D` diagonal,
:math:`E` the cells-to-pairs incidence, :math:`\\Lambda = \\mathrm{diag}(1 / Q(s_1, s_2))`.
:math:`K = N^\\top D N` is block-diagonal over :math:`t`, so a Newton step is a batch of small
per-:math:`t` solves and one Woodbury correction of the size of the number of pairs. The flat
directions of :math:`f` (it is positively homogeneous on each pair block) are not feasible, so the
reduced system stays well conditioned; the feasible flat ones (a non-unique optimum) leave :math:`f`
unchanged.

**Certificate.** For any multipliers :math:`\\nu` the Lagrange dual gives the lower bound

.. math::

    f^* \\ge b^\\top \\nu - \\max_{s_1, s_2} \\log \\sum_t e^{(A^\\top \\nu)(s_1, s_2, t)}

(:math:`f` is positively homogeneous, so its conjugate is the indicator of :math:`\\log\\sum_t e^c \\le 0`
per pair; subtracting the maximum makes any :math:`\\nu` dual feasible). :math:`\\nu` is the weighted
least-squares solution of :math:`A^\\top \\nu = \\nabla f - \\mu / Q` (exact on the central path). The
solver stops once :math:`f(Q)` minus this bound is at most the tolerance, so the optimum is known to
within the returned gap (nats), whatever went on inside.
"""

from __future__ import annotations

import numpy as np

__all__ = ["broja_minimum", "MAX_BROJA_UNKNOWNS"]

#: barrier weight reduction per stage
_MU_FACTOR = 10.0
#: smallest barrier weight tried
_MU_MIN = 1e-16
#: largest (free coordinates x pairs) for which the dense Woodbury factors are formed
MAX_BROJA_UNKNOWNS = 2**23


class _Problem:
    """Cells, free coordinates ``Q = Q0 + N z`` in per-t blocks, constraint rows and pairs of one problem."""

    def __init__(self, P1: np.ndarray, P2: np.ndarray):
        m1, mt = P1.shape
        m2 = P2.shape[0]
        p_t = P1.sum(axis=0)
        cand = (P1[:, None, :] > 0) & (P2[None, :, :] > 0)  # (m1, m2, mt)
        s1, s2, t = np.nonzero(cand)
        self.shape = (m1, m2, mt)
        self.cells = (s1, s2, t)
        n = self.n = s1.size
        cell_id = np.full(cand.shape, -1, dtype=np.int64)
        cell_id[s1, s2, t] = np.arange(n)
        _, pair = np.unique(s1 * m2 + s2, return_inverse=True)
        self.pair = pair.ravel()
        self.n_pairs = int(self.pair.max()) + 1

        # ---- per-t blocks: reference row r0 / column c0 = the largest marginal; local grid coordinates
        r0 = np.argmax(P1, axis=0)  # (mt,)
        c0 = np.argmax(P2, axis=0)
        rank1 = np.cumsum(P1 > 0, axis=0) - 1  # position of s1 among the rows of t
        rank2 = np.cumsum(P2 > 0, axis=0) - 1
        # local row index of s1 in t's block, skipping r0 (likewise columns)
        loc_r = rank1[s1, t] - (rank1[s1, t] > rank1[r0[t], t])
        loc_c = rank2[s2, t] - (rank2[s2, t] > rank2[c0[t], t])
        self.Rb = max(int((P1 > 0).sum(axis=0).max()) - 1, 1)
        self.Cb = max(int((P2 > 0).sum(axis=0).max()) - 1, 1)
        free = (s1 != r0[t]) & (s2 != c0[t])
        on_col = (s2 == c0[t]) & (s1 != r0[t])  # reference column: one per local row
        on_row = (s1 == r0[t]) & (s2 != c0[t])  # reference row: one per local column
        corner = (s1 == r0[t]) & (s2 == c0[t])
        self.free, self.on_col, self.on_row, self.corner = (
            np.flatnonzero(x) for x in (free, on_col, on_row, corner)
        )
        self.dof = self.free.size
        self.mt = mt
        # padded block layout (mt, Rb, Cb) of the free coordinates
        self.slot = (t[self.free], loc_r[self.free], loc_c[self.free])
        self.col_slot = (t[self.on_col], loc_r[self.on_col])
        self.row_slot = (t[self.on_row], loc_c[self.on_row])
        self.corner_t = t[self.corner]
        valid = np.zeros((mt, self.Rb, self.Cb), dtype=bool)
        valid[self.slot] = True
        self.valid = valid.reshape(mt, -1)
        nb = self.Rb * self.Cb
        self.pad_eye = np.where(self.valid, 0.0, 1.0)[:, :, None] * np.eye(nb)[None]  # identity on padding
        self.pair_mask = self.valid[:, :, None] & self.valid[:, None, :]

        # ---- N (cells x dof) and Q0
        fs1, fs2, ft = s1[free], s2[free], t[free]
        rows = np.concatenate(
            [self.free, cell_id[r0[ft], fs2, ft], cell_id[fs1, c0[ft], ft], cell_id[r0[ft], c0[ft], ft]]
        )
        vals = np.concatenate([np.ones(self.dof), -np.ones(self.dof), -np.ones(self.dof), np.ones(self.dof)])
        cols = np.tile(np.arange(self.dof), 4)
        from scipy import sparse  # lazy: kept out of ``import infotheory``

        self.N = sparse.csr_matrix((vals, (rows, cols)), shape=(n, self.dof))
        self.Nt = self.N.T.tocsr()
        q_base = np.zeros(n)
        q_base[self.on_col] = P1[s1[self.on_col], t[self.on_col]]
        q_base[self.on_row] = P2[s2[self.on_row], t[self.on_row]]
        s1c, s2c, tc = s1[self.corner], s2[self.corner], t[self.corner]
        q_base[self.corner] = P1[s1c, tc] - (p_t[tc] - P2[s2c, tc])
        self.q_base = q_base
        # W = N^T E (dof x pairs), in the padded block layout (mt, nb, pairs)
        W = np.zeros((mt, self.Rb, self.Cb, self.n_pairs))
        for cell_rows, sign in ((self.free, 1.0), (rows[self.dof : 2 * self.dof], -1.0),
                                (rows[2 * self.dof : 3 * self.dof], -1.0), (rows[3 * self.dof :], 1.0)):
            np.add.at(W, self.slot + (self.pair[cell_rows],), sign)
        self.W = W.reshape(mt, nb, self.n_pairs)

        # ---- constraint rows for the certificate: all P(s1, t) rows, the P(s2, t) rows but c0's
        row1 = np.full((m1, mt), -1, dtype=np.int64)
        n1 = int((P1 > 0).sum())
        row1[P1 > 0] = np.arange(n1)
        keep2 = P2 > 0
        keep2[c0, np.arange(mt)] = False  # follows from the others (both sides sum to P(t))
        row2 = np.full((m2, mt), -1, dtype=np.int64)
        row2[keep2] = n1 + np.arange(int(keep2.sum()))
        self.m = n1 + int(keep2.sum())
        self.r1 = row1[s1, t]
        r2 = row2[s2, t]
        self.has2 = r2 >= 0
        self.r2 = r2[self.has2]
        self.b = np.concatenate([P1[P1 > 0], P2[keep2]])
        # start: the conditionally independent joint P(s1 | t) P(s2 | t) P(t), every cell > 0
        self.z0 = (P1[s1, t] * P2[s2, t] / p_t[t])[self.free]

    def A(self, v: np.ndarray) -> np.ndarray:
        return np.bincount(self.r1, weights=v, minlength=self.m) + np.bincount(
            self.r2, weights=v[self.has2], minlength=self.m
        )

    def q(self, z: np.ndarray) -> np.ndarray:
        return self.q_base + self.N @ z

    def objective(self, q: np.ndarray) -> float:
        """``f(Q) = sum Q log Q - sum_g Q_g log Q_g = -H_Q(T | S1, S2)`` in nats (every cell > 0)."""
        q_pair = np.bincount(self.pair, weights=q, minlength=self.n_pairs)
        return float(np.dot(q, np.log(q)) - np.dot(q_pair, np.log(q_pair)))

    def newton_step(self, D: np.ndarray, inv_pair: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``-(K - W diag(inv_pair) W^T)^{-1} grad`` by per-t solves and a Woodbury correction."""
        from scipy import linalg  # lazy: kept out of ``import infotheory``

        mt, Rb, Cb = self.mt, self.Rb, self.Cb
        # K_t = N_t^T D N_t: free cell diagonal + same-column (reference row cell) + same-row (reference
        # column cell) + the corner, on every pair of free coordinates of t
        d_free = np.zeros((mt, Rb, Cb))
        d_free[self.slot] = D[self.free]
        d_row = np.zeros((mt, Cb))  # D of the reference-row cell (r0, c) for local column c
        d_row[self.row_slot] = D[self.on_row]
        d_col = np.zeros((mt, Rb))  # D of the reference-column cell (r, c0) for local row r
        d_col[self.col_slot] = D[self.on_col]
        d_corner = np.zeros(mt)
        d_corner[self.corner_t] = D[self.corner]
        same_r = np.eye(Rb)[None, :, None, :, None]
        same_c = np.eye(Cb)[None, None, :, None, :]
        K = (
            same_r * same_c * d_free[:, :, :, None, None]
            + same_c * d_row[:, None, :, None, None]
            + same_r * d_col[:, :, None, None, None]
            + d_corner[:, None, None, None, None]
        ).reshape(mt, Rb * Cb, Rb * Cb)
        K = np.where(self.pair_mask, K, 0.0) + self.pad_eye
        g = np.zeros((mt, Rb * Cb))
        g.reshape(mt, Rb, Cb)[self.slot] = grad
        solved = np.linalg.solve(K, np.concatenate([self.W, g[:, :, None]], axis=2))  # K^-1 [W, g]
        Y, x = solved[:, :, :-1], solved[:, :, -1]
        inner = np.diag(1.0 / inv_pair) - np.einsum("tkg,tkh->gh", self.W, Y)
        u = np.einsum("tkg,tk->g", self.W, x)
        try:
            factor = linalg.cho_factor(inner, check_finite=False)
            v = linalg.cho_solve(factor, u, check_finite=False)
        except np.linalg.LinAlgError:  # numerically singular (a flat direction): least squares
            v = linalg.lstsq(inner, u, check_finite=False)[0]
        step = -(x + np.einsum("tkg,g->tk", Y, v))
        return step.reshape(mt, Rb, Cb)[self.slot]

    def lower_bound(self, c: np.ndarray, weights: np.ndarray) -> float:
        """The dual bound (nats) for the weighted least-squares multipliers of ``A^T nu = c``."""
        from scipy import linalg  # lazy: kept out of ``import infotheory``

        gram = np.zeros((self.m, self.m))  # A diag(w) A^T; each (row, row) couple is met by at most one cell
        diag = np.arange(self.m)
        gram[diag, diag] = self.A(weights)
        gram[self.r1[self.has2], self.r2] = weights[self.has2]
        gram[self.r2, self.r1[self.has2]] = weights[self.has2]
        try:
            factor = linalg.cho_factor(gram, check_finite=False)
            nu = linalg.cho_solve(factor, self.A(weights * c), check_finite=False)
        except np.linalg.LinAlgError:
            return -np.inf
        c_nu = nu[self.r1]
        c_nu[self.has2] += nu[self.r2]
        c_max = np.full(self.n_pairs, -np.inf)
        np.maximum.at(c_max, self.pair, c_nu)
        summed = np.bincount(self.pair, weights=np.exp(c_nu - c_max[self.pair]), minlength=self.n_pairs)
        lse = c_max + np.log(summed)
        return float(np.dot(self.b, nu) - np.max(lse))


def broja_minimum(P1: np.ndarray, P2: np.ndarray, *, tol: float, max_newton: int = 300):
    """Minimise :math:`-H_Q(T \\mid S_1, S_2)` over :math:`\\Delta_P` to a certified gap (nats).

    Parameters
    ----------
    P1, P2 : numpy.ndarray, shapes (m1, mt) and (m2, mt)
        :math:`P(s_1, t)` and :math:`P(s_2, t)`, with the same column sums :math:`P(t) > 0`.
    tol : float
        Wanted bound on the optimality gap, in nats.
    max_newton : int
        Budget of Newton steps.

    Returns
    -------
    (f, gap, Q)
        ``f`` the objective at the returned point of :math:`\\Delta_P` (nats; an upper bound on
        :math:`f^*`), ``gap`` a certified bound on :math:`f - f^*` (nats) and ``Q`` the optimising joint
        as a dense (m1, m2, mt) array.
    """
    prob = _Problem(P1, P2)
    z = prob.z0
    q = prob.q(z)

    def as_joint(q):
        Q = np.zeros(prob.shape)
        Q[prob.cells] = q
        return Q

    f = prob.objective(q)
    if prob.dof == 0:  # Delta_P is a single point: nothing to optimise
        return f, 0.0, as_joint(q)

    pair = prob.pair
    state = {"z": z, "q": q, "f": f, "steps": 0}

    def centre(mu: float, decrement_goal: float, max_steps: int) -> None:
        """Newton's method on f(Q) - mu sum log Q until the decrement is below the goal."""
        z, q, f = state["z"], state["q"], state["f"]
        for _ in range(max_steps):
            if state["steps"] >= max_newton:
                break
            state["steps"] += 1
            q_pair = np.bincount(pair, weights=q, minlength=prob.n_pairs)
            grad = prob.Nt @ (np.log(q) - np.log(q_pair)[pair] - mu / q)
            step_z = prob.newton_step(1.0 / q + mu / (q * q), 1.0 / q_pair, grad)
            decrement = float(-np.dot(grad, step_z))  # Newton decrement squared
            step_q = prob.N @ step_z
            shrinking = step_q < 0
            s = min(1.0, 0.99 * float(np.min(-q[shrinking] / step_q[shrinking]))) if shrinking.any() else 1.0
            F = f - mu * float(np.sum(np.log(q)))
            for _ in range(40):  # backtracking on the barrier objective
                z_new = z + s * step_z
                q_new = prob.q(z_new)
                if (q_new > 0).all():
                    f_new = prob.objective(q_new)
                    # a decrease below ~1e-13 is lost in the rounding of F: there (the zone of quadratic
                    # convergence) the Newton step is taken as it is
                    F_new = f_new - mu * float(np.sum(np.log(q_new)))
                    if decrement <= 1e-13 or F_new <= F - 0.25 * s * decrement:
                        break
                s *= 0.5
            else:
                break  # no decrease at float64 resolution: centred as well as it can be
            z, q, f = z_new, q_new, f_new
            if decrement <= decrement_goal:
                break
        state.update(z=z, q=q, f=f)

    def certified_gap(mu: float) -> float:
        q = state["q"]
        q_pair = np.bincount(pair, weights=q, minlength=prob.n_pairs)
        c = np.log(q) - np.log(q_pair)[pair] - mu / q
        return max(state["f"] - prob.lower_bound(c, q * q / (q + mu)), 0.0)

    mu = 1.0 / prob.n
    best = (f, np.inf, q)
    while state["steps"] < max_newton:
        centre(mu, 1e-3 * mu, 50)
        gap = certified_gap(mu)
        if gap > tol and prob.n * mu <= 0.1 * tol:
            # the barrier's own gap (about n mu) is negligible: the certificate is limited by how well the
            # point is centred (its error is first order in the gradient), so polish with Newton steps
            centre(mu, 1e-26, 10)
            gap = certified_gap(mu)
        if gap < best[1]:
            best = (state["f"], gap, state["q"])
        if gap <= tol or mu <= _MU_MIN:
            break
        mu /= _MU_FACTOR
    f, gap, q = best
    return f, gap, as_joint(q)
