"""The per-restart update rules, written once in NumPy (the C++ core has the same rules in
``csrc/core``, and the tests hold the two to each other).

Every function works on a batch of restarts at once, row by row, in a fixed order of operations,
so that a NumPy run and a native run of the same rule agree to the last bit wherever the native
kernel evaluates the same expressions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["gd_update", "adam_update", "TeacherStop", "teacher_stop", "newton_step"]


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
