r"""Safran-Shamir population loss of a two-layer ReLU student against a ReLU teacher.

.. math::

    F(W) = \tfrac12\,\mathbb E_{x\sim N(0, I_d)}\Big[\Big(\sum_i \mathrm{relu}(w_i\cdot x)
           - \sum_j \mathrm{relu}(v_j\cdot x)\Big)^2\Big]

in closed form, with :math:`E[\mathrm{relu}(w\cdot x)\,\mathrm{relu}(v\cdot x)] =
|w||v|(\sin t + (\pi - t)\cos t)/2\pi` for the angle :math:`t` between :math:`w` and :math:`v`.
The student ``W`` has shape ``(n, d)`` (one row per neuron) or ``(R, n, d)`` for a batch of R
students; the teacher ``V`` has shape ``(k, d)`` and defaults to the identity :math:`I_d` (k = d).

Numerics: angles come from ``2 atan2(|u - v|, |u + v|)`` of the unit vectors (and, for the identity
teacher, from prefix sums of squares), never from ``arccos`` of a clipped cosine, so gradients stay
accurate as neurons align (t -> 0) or oppose (t -> pi). A neuron with ``w_i = 0`` is *dead*: we take
relu'(0) = 0, so every cross term involving it has zero gradient and Hessian; only the smooth
``|w_i|^2/4`` term remains (gradient ``w_i/2 = 0``, Hessian block ``I/2``).

References
----------
I. Safran and O. Shamir, "Spurious local minima are common in two-layer ReLU neural networks",
ICML 2018.
"""

from __future__ import annotations

import numpy as np

from . import backend as _backend
from ._validate import float_array

__all__ = ["loss", "grad", "hessian", "loss_and_grad", "check_students", "check_teacher"]

_INV2PI = 1.0 / (2.0 * np.pi)


def check_students(W) -> tuple[np.ndarray, bool]:
    """Validate W; return it as (R, n, d) and whether a single (n, d) point was given."""
    W = float_array(W, "W", (2, 3))
    return (W[None], True) if W.ndim == 2 else (W, False)


def check_teacher(V, d: int) -> np.ndarray | None:
    """Validate V (k, d); None stands for the identity teacher (which needs k = d)."""
    if V is None:
        return None
    V = float_array(V, "V", (2,))
    if V.shape[1] != d:
        raise ValueError(f"V must have shape (k, d={d}) to match W, got {V.shape}")
    return V


# --------------------------------------------------------------------------- NumPy reference


def _teacher_rows(V, d):
    return np.eye(d) if V is None else V


def _unit(X):
    """Norms and unit rows of X (..., d); zero rows stay zero (dead neurons)."""
    norm = np.sqrt(np.einsum("...d,...d->...", X, X))
    safe = np.where(norm > 0, norm, 1.0)
    return norm, X / safe[..., None]


def _pair_geometry(ub, vb):
    """Angle t, sin t, cos t and unit vectors a, b between unit vectors ub, vb (broadcast, ..., d).

    a = (ub - cos t vb)/sin t and b = (vb - cos t ub)/sin t, written through whichever of
    1 - cos t = D/2, 1 + cos t = S/2 is accurate; both are zero when sin t = 0.
    """
    dif, som = ub - vb, ub + vb
    D = np.einsum("...d,...d->...", dif, dif)
    S = np.einsum("...d,...d->...", som, som)
    rd, rs = np.sqrt(D), np.sqrt(S)
    t = 2.0 * np.arctan2(rd, rs)
    sint, cost = 0.5 * rd * rs, 0.25 * (S - D)
    inv = np.where(sint > 0, 1.0 / np.where(sint > 0, sint, 1.0), 0.0)[..., None]
    pos = (cost >= 0)[..., None]
    a = np.where(pos, dif + 0.5 * D[..., None] * vb, som - 0.5 * S[..., None] * vb) * inv
    b = np.where(pos, -dif + 0.5 * D[..., None] * ub, som - 0.5 * S[..., None] * ub) * inv
    return t, sint, cost, a, b


def _kappa(t, sint, cost):
    return (sint + (np.pi - t) * cost) * _INV2PI


def _np_loss_grad(W, V):
    R, n, d = W.shape
    Vr = _teacher_rows(V, d)
    wn, wb = _unit(W)
    vn, vbu = _unit(Vr)
    alive = (wn > 0).astype(float)
    # student-student
    t, sint, cost, _, _ = _pair_geometry(wb[:, :, None, :], wb[:, None, :, :])
    both = alive[:, :, None] * alive[:, None, :] * (1.0 - np.eye(n))
    # teacher-teacher constant and student-teacher
    tv, sv, cv, _, _ = _pair_geometry(vbu[:, None, :], vbu[None, :, :])
    kvv = np.outer(vn, vn) * _kappa(tv, sv, cv)
    np.fill_diagonal(kvv, 0.5 * vn**2)
    tt, st, ct, _, _ = _pair_geometry(wb[:, :, None, :], vbu[None, None, :, :])
    F = (
        0.5 * kvv.sum()
        + 0.25 * np.sum(wn**2, axis=1)
        + 0.5 * np.einsum("ri,rj,rij->r", wn, wn, both * _kappa(t, sint, cost))
        - np.einsum("ri,j,rij->r", wn, vn, _kappa(tt, st, ct))
    )
    coef_self = (np.einsum("rj,rij->ri", wn, both * sint) - alive * (st @ vn)) * _INV2PI
    G = (
        0.5 * W
        + coef_self[..., None] * wb
        + np.einsum("rij,rjd->rid", both * (np.pi - t) * _INV2PI, W)
        - np.einsum("rij,jd->rid", alive[..., None] * (np.pi - tt) * _INV2PI, Vr)
    )
    return F, G


def _np_hessian(W, V):
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
        + sint[..., None, None]
        * (np.einsum("rip,rjq->rijpq", wb, wb) + np.einsum("rijp,rijq->rijpq", b, a))
    )
    idx = np.arange(n)
    H[:] = h2.transpose(0, 1, 3, 2, 4)
    H[:, idx, :, idx, :] = (diag + 0.5 * eye).transpose(1, 0, 2, 3)
    return H.reshape(R, n * d, n * d)


# --------------------------------------------------------------------------- public API


def _dispatch(W, V, backend):
    W3, single = check_students(W)
    V = check_teacher(V, W3.shape[2])
    return W3, single, V, _backend.resolve(backend)


def loss_and_grad(W, V=None, *, backend: str = "auto"):
    """Loss F and gradient dF/dW of students W (n, d) or (R, n, d); shapes follow W."""
    W3, single, V, be = _dispatch(W, V, backend)
    if be == "cpu":
        F, G, _ = _backend.core().teacher_evaluate(W3, V, True)
    else:
        F, G = _np_loss_grad(W3, V)
    return (F[0], G[0]) if single else (F, G)


def loss(W, V=None, *, backend: str = "auto"):
    """Population loss F(W): a float for W (n, d), an array (R,) for W (R, n, d).

    Parameters
    ----------
    W : array_like, shape (n, d) or (R, n, d)
        Student first-layer weights, one row per neuron (output layer fixed to ones).
    V : array_like, shape (k, d), optional
        Teacher rows; default the identity (k = d).
    backend : {"auto", "cpu", "numpy"}
    """
    W3, single, V, be = _dispatch(W, V, backend)
    if be == "cpu":
        F = _backend.core().teacher_evaluate(W3, V, False)[0]
    else:
        F = _np_loss_grad(W3, V)[0]
    return float(F[0]) if single else F


def grad(W, V=None, *, backend: str = "auto"):
    """Gradient dF/dW, same shape as W. Dead neurons (w_i = 0) get gradient 0 (relu'(0) = 0)."""
    return loss_and_grad(W, V, backend=backend)[1]


def hessian(W, V=None, *, backend: str = "auto"):
    """Exact Hessian, (n*d, n*d) for W (n, d) or (R, n*d, n*d) for W (R, n, d).

    Rows and columns are neuron-major: index ``i*d + m`` is coordinate m of neuron i.
    """
    W3, single, V, be = _dispatch(W, V, backend)
    if be == "cpu":
        H = _backend.core().teacher_hessian(W3, V)
    else:
        H = _np_hessian(W3, V)
    return H[0] if single else H
