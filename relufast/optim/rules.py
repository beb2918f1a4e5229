"""The per-restart update rules, written once in NumPy (the C++ core has the same rules in
``csrc/core``, and the tests hold the two to each other).

Every function works on a batch of restarts at once, row by row, in a fixed order of operations,
so that a NumPy run and a native run of the same rule agree to the last bit wherever the native
kernel evaluates the same expressions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["gd_update", "adam_update", "TeacherStop", "teacher_stop", "newton_step", "newton_cg_step"]


def gd_update(p: np.ndarray, g: np.ndarray, lr: float | np.ndarray) -> np.ndarray:
    """One gradient step ``p - lr g`` (returned; ``lr`` may be per restart, broadcast)."""
    return p - lr * g


def adam_update(
    p: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    g: np.ndarray,
    t: int,
    lr: float,
    b1: float,
    b2: float,
    eps: float,
) -> None:
    """Adam step number ``t`` (1, 2, ...) with bias correction, in place on p, m and v::

    m = b1 m + (1 - b1) g
    v = b2 v + (1 - b2) g**2
    p -= (lr / (1 - b1**t)) * (m / (sqrt(v) * (1 / sqrt(1 - b2**t)) + eps))
    """
    tt = float(t)
    a1 = lr / (1.0 - b1**tt)
    c2 = 1.0 / np.sqrt(1.0 - b2**tt)
    m[:] = b1 * m + (1.0 - b1) * g
    v[:] = b2 * v + (1.0 - b2) * (g * g)
    p -= a1 * (m / (np.sqrt(v) * c2 + eps))


@dataclass
class TeacherStop:
    """What the teacher-student GD rule decides for each restart after one evaluation (bool masks)."""

    bad: np.ndarray  # the gradient blew up: restart from W0 with half the step
    converged: np.ndarray
    small_loss: np.ndarray
    capped: np.ndarray
    move: np.ndarray  # none of the above: take the step


def teacher_stop(
    F: np.ndarray,
    gnorm: np.ndarray,
    iters: np.ndarray,
    *,
    tol: float,
    diverge: float,
    f_stop: float,
    max_iters: int,
    frobenius: bool = False,
) -> TeacherStop:
    """The stopping rule of the Safran-Shamir protocol, in its order of precedence.

    With ``norm = 2 pi max_i |grad_{w_i} F|`` (``gnorm`` the max of the neurons' gradient norms;
    ICML 2018) or, with ``frobenius``, ``norm = |grad F|_F`` (``gnorm`` itself; COLT 2021):
    diverged when ``norm > diverge`` or F is not finite; else converged when ``norm <= tol``; else
    small loss when ``F < f_stop``; else capped when ``max_iters > 0`` and the restart has taken
    ``max_iters`` steps; else it moves.
    """
    norm = gnorm if frobenius else 2 * np.pi * gnorm
    bad = ~(norm <= diverge) | ~np.isfinite(F)
    conv = ~bad & (norm <= tol)
    small = ~bad & ~conv & (f_stop > 0) & (F < f_stop)  # 0 disables it, even where rounding gives F < 0
    cap = ~bad & ~conv & ~small & (max_iters > 0) & (iters >= max_iters)
    return TeacherStop(bad, conv, small, cap, ~(bad | conv | small | cap))


def newton_step(H: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newton directions ``H^{-1} g`` for a batch (R, m, m) and (R, m); and which rows were solvable.

    A singular Hessian leaves only its own row unsolved (direction 0, ``ok`` False): it never
    stops the others.
    """
    try:
        return np.linalg.solve(H, g[..., None])[..., 0], np.ones(g.shape[0], dtype=bool)
    except np.linalg.LinAlgError:
        pass
    dx = np.zeros_like(g)
    ok = np.zeros(g.shape[0], dtype=bool)
    for r in range(g.shape[0]):
        try:
            dx[r] = np.linalg.solve(H[r], g[r])
            ok[r] = True
        except np.linalg.LinAlgError:
            pass
    return dx, ok


def newton_cg_step(
    matvec: Callable[[np.ndarray, np.ndarray], np.ndarray], g: np.ndarray, *, rtol: float, maxiter: int
) -> tuple[np.ndarray, np.ndarray]:
    """Newton directions ``H^{-1} g`` by conjugate gradients on products ``matvec(X, rows)`` alone.

    Each row r of g (R, m) is solved against its own operator (``matvec(X, rows)`` returns
    ``H_r X_r`` for the rows ``rows``) until ``|H dx - g| <= rtol |g|`` or ``maxiter`` products; the
    rows still iterating share every product. A row that meets a direction of curvature ``<= 0``
    (H not positive definite: a saddle) stops there, unsolved; an unconverged row keeps its
    iterate (an inexact Newton step; callers check the gradient it gives).

    Returns
    -------
    dx : ndarray (R, m)
    ok : ndarray (R,) bool
        Positive curvature in every direction met, and a finite direction.

    Examples
    --------
    >>> H = np.array([[[2.0, 1.0], [1.0, 3.0]]])
    >>> dx, ok = newton_cg_step(lambda X, rows: np.einsum("rij,rj->ri", H[rows], X), np.ones((1, 2)),
    ...                         rtol=1e-14, maxiter=10)
    >>> bool(ok[0]), bool(np.allclose(H[0] @ dx[0], 1.0))
    (True, True)
    """
    R = g.shape[0]
    dx = np.zeros_like(g)
    res = g.copy()
    p = g.copy()
    rs = np.einsum("ri,ri->r", res, res)
    goal = rtol**2 * rs
    ok = np.ones(R, dtype=bool)
    live = rs > goal
    for _ in range(maxiter):
        rows = np.flatnonzero(live)
        if rows.size == 0:
            break
        Hp = matvec(p[rows], rows)
        curv = np.einsum("ri,ri->r", p[rows], Hp)
        bent = ~(curv > 0)  # also NaN
        ok[rows[bent]] = False
        live[rows[bent]] = False
        keep = ~bent
        rows, Hp, curv = rows[keep], Hp[keep], curv[keep]
        alpha = rs[rows] / curv
        dx[rows] += alpha[:, None] * p[rows]
        res[rows] -= alpha[:, None] * Hp
        rs_new = np.einsum("ri,ri->r", res[rows], res[rows])
        p[rows] = res[rows] + (rs_new / rs[rows])[:, None] * p[rows]
        rs[rows] = rs_new
        live[rows] = rs_new > goal[rows]
    ok &= np.isfinite(dx).all(axis=1) & np.isfinite(g).all(axis=1)
    dx[~ok] = 0.0
    return dx, ok
