"""NumPy reference of the teacher-student objective: the formulas every other backend is held to.

All functions take students ``W`` (R, n, d) as validated float64 arrays and the teacher ``V``
(k, d), or None for the identity teacher (k = d). See :mod:`relufast.objectives.teacher` for the
objective and its conventions (dead neurons, angles from ``atan2``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["loss_grad", "hessian", "hvp"]

_INV2PI = 1.0 / (2.0 * np.pi)


def _teacher_rows(V, d):
    return np.eye(d) if V is None else V


def _unit(X):
    """Norms and unit rows of X (..., d); zero rows stay zero (dead neurons).

    Rows whose squared norm under- or overflows (outside [2^-900, 2^900]) are scaled by a power of
    two first (exact), as the C++ kernels do: a neuron at 1e-162 stays alive, one at 1e200 has a
    finite norm.
    """
    sq = np.einsum("...d,...d->...", X, X)
    norm = np.sqrt(sq)
    unit = X / np.where(norm > 0, norm, 1.0)[..., None]
    wide = ~((sq >= 2.0**-900) & (sq <= 2.0**900)) & np.any(X != 0, axis=-1)
    if wide.any():
        mx = np.max(np.abs(X[wide]), axis=-1)
        e = np.where(np.isfinite(mx), np.frexp(mx)[1], 0)
        Xs = np.ldexp(X[wide], -e[:, None])
        ns = np.sqrt(np.einsum("...d,...d->...", Xs, Xs))
        norm[wide] = np.ldexp(ns, e)
        unit[wide] = Xs / ns[:, None]
    return norm, unit


def _pair_geometry(ub, vb, vectors=True):
    """Angle t, sin t, cos t and unit vectors a, b between unit vectors ub, vb (broadcast, ..., d);
    a and b are None when ``vectors`` is False (callers that need only the angles).

    The sums D ~ |ub - vb|^2 and S ~ |ub + vb|^2 are taken of |vb| ub -+ |ub| vb, so that the
    rounding of the unit vectors' lengths cannot make exactly opposite (equal) directions look
    apart (as the C++ kernels do). a = (ub - cos t vb)/sin t and b = (vb - cos t ub)/sin t,
    written through whichever of 1 - cos t = D/2, 1 + cos t = S/2 is accurate; both are zero when
    sin t = 0.
    """
    nu = np.sqrt(np.einsum("...d,...d->...", ub, ub))[..., None]
    nv = np.sqrt(np.einsum("...d,...d->...", vb, vb))[..., None]
    dif, som = nv * ub - nu * vb, nv * ub + nu * vb
    D = np.einsum("...d,...d->...", dif, dif)
    S = np.einsum("...d,...d->...", som, som)
    rd, rs = np.sqrt(D), np.sqrt(S)
    t = 2.0 * np.arctan2(rd, rs)
    sint, cost = 0.5 * rd * rs, 0.25 * (S - D)
    if not vectors:
        return t, sint, cost, None, None
    inv = np.where(sint > 0, 1.0 / np.where(sint > 0, sint, 1.0), 0.0)[..., None]
    pos = (cost >= 0)[..., None]
    a = np.where(pos, dif + 0.5 * D[..., None] * vb, som - 0.5 * S[..., None] * vb) * inv
    b = np.where(pos, -dif + 0.5 * D[..., None] * ub, som - 0.5 * S[..., None] * ub) * inv
    return t, sint, cost, a, b


def _kappa(t, sint, cost):
    return (sint + (np.pi - t) * cost) * _INV2PI


@np.errstate(over="ignore")  # F overflows to inf for |W| >~ 1e154, as in the C++ kernels
def loss_grad(
    W: np.ndarray, V: np.ndarray | None, want_grad: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Loss F (R,) and gradient G (R, n, d) of students W (R, n, d); V (k, d) or None (identity)."""
    R, n, d = W.shape
    Vr = _teacher_rows(V, d)
    wn, wb = _unit(W)
    vn, vbu = _unit(Vr)
    alive = (wn > 0).astype(float)
    # student-student
    t, sint, cost, _, _ = _pair_geometry(wb[:, :, None, :], wb[:, None, :, :], vectors=False)
    both = alive[:, :, None] * alive[:, None, :] * (1.0 - np.eye(n))
    # teacher-teacher constant and student-teacher
    tv, sv, cv, _, _ = _pair_geometry(vbu[:, None, :], vbu[None, :, :], vectors=False)
    kvv = np.outer(vn, vn) * _kappa(tv, sv, cv)
    np.fill_diagonal(kvv, 0.5 * vn**2)
    tt, st, ct, _, _ = _pair_geometry(wb[:, :, None, :], vbu[None, None, :, :], vectors=False)
    F = (
        0.5 * kvv.sum()
        + 0.25 * np.sum(wn**2, axis=1)
        + 0.5 * np.einsum("rij,ri,rj->r", both * _kappa(t, sint, cost), wn, wn)  # 0 first: no 0 * inf
        - np.einsum("ri,j,rij->r", wn, vn, _kappa(tt, st, ct))
    )
    if not want_grad:
        return F, None
    coef_self = (np.einsum("rj,rij->ri", wn, both * sint) - alive * (st @ vn)) * _INV2PI
    G = (
        0.5 * W
        + coef_self[..., None] * wb
        + np.einsum("rij,rjd->rid", both * (np.pi - t) * _INV2PI, W)
        - np.einsum("rij,jd->rid", alive[..., None] * (np.pi - tt) * _INV2PI, Vr)
    )
    return F, G


@np.errstate(over="ignore")
def hessian(W: np.ndarray, V: np.ndarray | None) -> np.ndarray:
    """Exact Hessians (R, n*d, n*d), neuron-major, of students W (R, n, d)."""
    R, n, d = W.shape
    Vr = _teacher_rows(V, d)
    wn, wb = _unit(W)
    vn, vbu = _unit(Vr)
    alive = wn > 0
    eye = np.eye(d)
    H = np.zeros((R, n, d, n, d))

    # h1(w, v) = |v| sin t / (2 pi |w|) (I - wb wb^T + b b^T)
    def h1(sint, vnorm, b):
        c = vnorm * sint * _INV2PI / np.where(alive, wn, 1.0)[..., None]
        proj = eye - np.einsum("rip,riq->ripq", wb, wb)[:, :, None]
        return c[..., None, None] * (proj + np.einsum("rijp,rijq->rijpq", b, b))

    t, sint, cost, a, b = _pair_geometry(wb[:, :, None, :], wb[:, None, :, :])
    both = alive[:, :, None] & alive[:, None, :] & ~np.eye(n, dtype=bool)
    sint = np.where(both, sint, 0.0)
    diag = h1(sint, wn[:, None, :], b).sum(axis=2)
    tt, st, ct, at, bt = _pair_geometry(wb[:, :, None, :], vbu[None, None, :, :])
    st = np.where(alive[..., None], st, 0.0)
    diag -= h1(st, vn[None, None, :], bt).sum(axis=2)
    h2 = _INV2PI * (
        ((np.pi - t) * both)[..., None, None] * eye
        + sint[..., None, None] * (np.einsum("rip,rjq->rijpq", wb, wb) + np.einsum("rijp,rijq->rijpq", b, a))
    )
    idx = np.arange(n)
    H[:] = h2.transpose(0, 1, 3, 2, 4)
    H[:, idx, :, idx, :] = (diag + 0.5 * eye).transpose(1, 0, 2, 3)
    return H.reshape(R, n * d, n * d)


def hvp(W: np.ndarray, X: np.ndarray, V: np.ndarray | None) -> np.ndarray:
    """Hessian-vector products H(W_r) X_r (R, n, d) without forming H: O(n (n + k) d) per restart.

    Each Hessian block is the identity plus rank-one terms in the pair geometry (see
    :func:`hessian`), so ``H_ij x_j`` needs only the dot products of x_j with wb_j and a_ij.
    """
    R, n, d = W.shape
    Vr = _teacher_rows(V, d)
    wn, wb = _unit(W)
    vn, vbu = _unit(Vr)
    alive = wn > 0
    both = alive[:, :, None] & alive[:, None, :] & ~np.eye(n, dtype=bool)
    t, sint, _, a, b = _pair_geometry(wb[:, :, None, :], wb[:, None, :, :])
    sint = np.where(both, sint, 0.0)
    tt, st, _, _, bt = _pair_geometry(wb[:, :, None, :], vbu[None, None, :, :])
    st = np.where(alive[..., None], st, 0.0)
    inv_wn = np.where(alive, 1.0 / np.where(alive, wn, 1.0), 0.0)
    q = np.einsum("rjd,rjd->rj", wb, X)  # wb_j . x_j
    qi = q[:, :, None]
    # off-diagonal blocks: ((pi - t) x_j + sin t (wb_i q_j + b_ij (a_ij . x_j))) / 2 pi
    HX = np.einsum("rij,rjd->rid", (np.pi - t) * both, X)
    HX += wb * np.einsum("rij,rj->ri", sint, q)[..., None]
    HX += np.einsum("rijd,rij->rid", b, sint * np.einsum("rijd,rjd->rij", a, X))
    HX *= _INV2PI
    # diagonal blocks: sum over partners of c (I - wb wb^T + b b^T) x_i, c = |partner| sin t / 2 pi |w_i|
    c = sint * wn[:, None, :] * (inv_wn * _INV2PI)[..., None]
    ct = st * vn[None, None, :] * (inv_wn * _INV2PI)[..., None]
    proj = X - wb * qi
    HX += (c.sum(axis=2) - ct.sum(axis=2))[..., None] * proj
    HX += np.einsum("rijd,rij->rid", b, c * np.einsum("rijd,rid->rij", b, X))
    HX -= np.einsum("rijd,rij->rid", bt, ct * np.einsum("rijd,rid->rij", bt, X))
    return HX + 0.5 * X
