"""Newton polishing of near-critical points of the teacher-student loss with exact Hessians."""

from __future__ import annotations

import numpy as np

from .._validate import positive_float, positive_int
from ..objectives import teacher as _teacher
from . import rules

__all__ = ["newton_polish"]

_BACKTRACK = 8  # step lengths 1, 1/2, ..., 1/128 before a point counts as stuck


def newton_polish(
    W, V=None, *, tol: float = 1e-13, max_steps: int = 30, backend: str = "auto"
) -> tuple[np.ndarray, np.ndarray | float]:
    """Polish near-critical points with exact Newton steps ``W <- W - H^{-1} grad``.

    Stops per point once ``max_i |grad_{w_i} F| <= tol`` or after ``max_steps``. A step that does
    not reduce a point's gradient norm is rejected, and a point whose Hessian is singular is left
    as it is; neither stops the other points.

    Returns
    -------
    W : ndarray (R, n, d) (or (n, d) for one point)
    grad_norm : ndarray (R,) (or a float)

    Examples
    --------
    >>> W, g = newton_polish(np.eye(2) + 1e-3, backend="numpy")
    >>> bool(g <= 1e-13), bool(np.allclose(W, np.eye(2)))
    (True, True)
    """
    W3, single = _teacher.check_students(W)
    tol = positive_float(tol, "tol", allow_zero=True)
    max_steps = positive_int(max_steps, "max_steps", minimum=0)
    W3 = W3.copy()
    V = _teacher.check_teacher(V, W3.shape[2])
    R, n, d = W3.shape

    def gnorm(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = _teacher.grad(X, V, backend=backend)
        return g, np.sqrt(np.einsum("rnd,rnd->rn", g, g)).max(axis=1)

    g, gn = gnorm(W3)
    stuck = np.zeros(R, dtype=bool)
    for _ in range(max_steps):
        todo = np.flatnonzero((gn > tol) & ~stuck)
        if todo.size == 0:
            break
        H = _teacher.hessian(W3[todo], V, backend=backend)
        dx, ok = rules.newton_step(H, g[todo].reshape(todo.size, n * d))
        dx = dx.reshape(-1, n, d)
        better = np.zeros(todo.size, dtype=bool)
        for t in 0.5 ** np.arange(_BACKTRACK):  # the full step first, then damped ones
            left = np.flatnonzero(ok & ~better)
            if left.size == 0:
                break
            trial = W3[todo[left]] - t * dx[left]
            gt, gnt = gnorm(trial)
            won = gnt < gn[todo[left]]
            rows = todo[left[won]]
            W3[rows], g[rows], gn[rows] = trial[won], gt[won], gnt[won]
            better[left[won]] = True
        stuck[todo[~better]] = True
    return (W3[0], float(gn[0])) if single else (W3, gn)
