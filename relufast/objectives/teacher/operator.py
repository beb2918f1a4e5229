"""The exact Hessian at fixed students as a fast linear operator: a few matrix products per apply.

Every Hessian block is a multiple of the identity plus rank-one terms in the pair geometry
(:func:`relufast.objectives.teacher.reference.hessian`), and every unit vector in those terms is a
combination of two neurons' (or a neuron's and a teacher row's) directions: for a pair at angle t,

    a_ij = (wb_i - cos t wb_j) / sin t,    b_ij = (wb_j - cos t wb_i) / sin t.

So ``H X`` needs only the matrices ``P = Wb X^T`` (n x n) and ``X Vb^T`` (n x k), scalar pair
coefficients, and products of (n x n) or (n x k) coefficient matrices with ``Wb``, ``X`` and ``Vb``:
about six BLAS-3 products of n x n x d per apply, against O(n (n + k) d) scalar pair loops for
:func:`relufast.objectives.teacher.reference.hvp` (the per-pair oracle it is tested against) and
the C++ kernel. The pair angles come once, accurately (``atan2`` of half-chords), from the
constructor. Cancellation in ``(wb_i . x_j - cos t wb_j . x_j) / sin t`` is harmless: that factor
always multiplies ``wb_j - cos t wb_i``, of length sin t, so each pair's term keeps an absolute
error of order eps |x|, however aligned the pair.
"""

from __future__ import annotations

import numpy as np

from .reference import _INV2PI, _pair_geometry, _teacher_rows, _unit

__all__ = ["HessianOperator"]

#: Bytes of (restarts, n, m, d) intermediates the constructor holds at once (it works in slices of
#: restarts): the angles it keeps are only (R, n, m).
_SLICE_BYTES = 64 * 2**20


def _pair_angles(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """t, sin t, cos t between rows i of A (R, n, d) and j of B (R, m, d), as (R, n, m) arrays."""
    R, n, d = A.shape
    m = B.shape[1]
    out = np.empty((3, R, n, m))
    step = max(1, _SLICE_BYTES // (8 * 4 * n * m * d))  # dif, som and their products
    for lo in range(0, R, step):
        sl = slice(lo, lo + step)
        out[:, sl] = _pair_geometry(A[sl, :, None, :], B[sl, None, :, :], vectors=False)[:3]
    return out[0], out[1], out[2]


class HessianOperator:
    """``X -> H(W_r) X_r`` for a batch of students W (R, n, d) and teacher V (k, d) or None.

    Parameters
    ----------
    W : ndarray (R, n, d)
        Validated float64 students (see :func:`relufast.objectives.teacher.check_students`).
    V : ndarray (k, d) or None
        Teacher rows; None for the identity (k = d).

    Examples
    --------
    >>> from relufast.objectives.teacher import hessian
    >>> W = np.random.default_rng(0).normal(size=(2, 3, 3)); X = np.ones((2, 3, 3))
    >>> HX = HessianOperator(W)(X)
    >>> bool(np.allclose(HX[1].ravel(), hessian(W[1]) @ X[1].ravel()))
    True
    """

    def __init__(self, W: np.ndarray, V: np.ndarray | None = None):
        R, n, d = W.shape
        self.shape = (R, n, d)
        self.identity = V is None
        wn, self.wb = _unit(W)
        vn, self.vb = _unit(_teacher_rows(V, d))
        alive = wn > 0
        inv_wn = np.where(alive, 1.0 / np.where(alive, wn, 1.0), 0.0)
        both = alive[:, :, None] & alive[:, None, :] & ~np.eye(n, dtype=bool)
        t, sint, cost = _pair_angles(self.wb, self.wb)
        sint = np.where(both, sint, 0.0)
        inv_s = np.where(sint > 0, 1.0 / np.where(sint > 0, sint, 1.0), 0.0)
        self.A = np.where(both, np.pi - t, 0.0) * _INV2PI  # coefficient of x_j in (H X)_i
        self.S = sint * _INV2PI
        self.C = np.where(both, cost, 0.0)
        self.inv_s = inv_s
        # diagonal blocks: |w_j| / (2 pi |w_i|) times sin t (the I - wb wb^T part) or / sin t (b b^T)
        ratio = wn[:, None, :] * inv_wn[:, :, None] * _INV2PI
        self.E = ratio * inv_s
        self.c1 = (ratio * sint).sum(axis=2)
        _, st, ct = _pair_angles(self.wb, np.broadcast_to(self.vb, (R, *self.vb.shape)))
        st = np.where(alive[..., None], st, 0.0)
        inv_st = np.where(st > 0, 1.0 / np.where(st > 0, st, 1.0), 0.0)
        ratio_t = vn[None, None, :] * inv_wn[:, :, None] * _INV2PI
        self.Ct = np.where(alive[..., None], ct, 0.0)
        self.Et = ratio_t * inv_st
        self.c1 -= (ratio_t * st).sum(axis=2)

    def __call__(self, X: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """H(W_r) X_r for the restarts ``rows`` (default all); X has shape (len(rows), n, d)."""
        wb, vb = self.wb[rows], self.vb
        A, S, C, inv_s, E = self.A[rows], self.S[rows], self.C[rows], self.inv_s[rows], self.E[rows]
        q = np.einsum("rjd,rjd->rj", wb, X)  # wb_j . x_j
        P = wb @ X.transpose(0, 2, 1)  # P_ij = wb_i . x_j
        M = (P - C * q[:, None, :]) * inv_s  # a_ij . x_j
        N = (P.transpose(0, 2, 1) - C * q[:, :, None]) * E  # |w_j| / (2 pi |w_i|) b_ij . x_i
        K = M * _INV2PI + N  # each times wb_j - cos t wb_i (= sin t b_ij)
        HX = A @ X + K @ wb
        coef = np.einsum("rij,rj->ri", S, q) - np.einsum("rij,rij->ri", K, C)
        HX += coef[..., None] * wb + self.c1[rows][..., None] * (X - q[..., None] * wb)
        # teacher rows: minus |v_j| / (2 pi |w_i|) b_ij (b_ij . x_i), b_ij = (vb_j - cos wb_i) / sin
        Ct, Et = self.Ct[rows], self.Et[rows]
        Pt = X if self.identity else X @ vb.T  # x_i . vb_j
        Nt = (Pt - Ct * q[:, :, None]) * Et
        HX -= Nt if self.identity else Nt @ vb
        HX += np.einsum("rij,rij->ri", Nt, Ct)[..., None] * wb
        return HX + 0.5 * X
