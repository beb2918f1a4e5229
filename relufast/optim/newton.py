"""Newton polishing of near-critical points of the teacher-student loss with exact Hessians."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from .._kernels import get, nearest, resolve
from .._validate import positive_float, positive_int
from ..objectives import teacher as _teacher
from . import rules

__all__ = ["newton_polish"]

_BACKTRACK = 8  # step lengths 1, 1/2, ..., 1/128 before a point counts as stuck


#: Relative residual of the conjugate-gradient Newton steps: far below the gradient's own
#: reduction per step, so the steps stay as good as exact ones (checked against "dense" in tests).
CG_RTOL = 1e-10


def newton_polish(
    W,
    V=None,
    *,
    tol: float = 1e-13,
    max_steps: int = 30,
    method: str = "auto",
    backend: str = "auto",
) -> tuple[np.ndarray, np.ndarray | float]:
    """Polish near-critical points with exact Newton steps ``W <- W - H^{-1} grad``.

    Stops per point once ``max_i |grad_{w_i} F| <= tol`` or after ``max_steps``. A step that does
    not reduce a point's gradient norm is rejected, and a point whose Hessian is singular is left
    as it is; neither stops the other points.

    Parameters
    ----------
    method : {"auto", "dense", "cg"}
        "dense" forms each Hessian (8 (n d)^2 bytes) and solves it; "cg" solves by conjugate
        gradients on exact Hessian-vector products (:func:`relufast.optim.rules.newton_cg_step`,
        to a relative residual :data:`CG_RTOL`), with nothing of size (n d)^2 formed (at
        k = n = 100, "dense" would form an 800 MB matrix per point). CG
        assumes a positive-definite Hessian: a point where it meets a direction of curvature
        <= 0 is left where it is (near a saddle whose negative directions the gradient misses,
        it may converge to the saddle, as "dense" steps do). "auto": "dense" up to
        n d = ``objectives.teacher.DENSE_MAX``, "cg" above.

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
    if method not in ("auto", "dense", "cg"):
        raise ValueError(f"method must be 'auto', 'dense' or 'cg', got {method!r}")
    W3 = W3.copy()
    V = _teacher.check_teacher(V, W3.shape[2])
    R, n, d = W3.shape
    if method == "auto":
        method = "dense" if n * d <= _teacher.DENSE_MAX else "cg"

    def step(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        G = g[rows].reshape(rows.size, n * d)
        if method == "dense":
            return rules.newton_step(_teacher.hessian(W3[rows], V, backend=backend), G)
        obj = _teacher.OBJECTIVE
        hbe = nearest(resolve(backend, obj, "hessian"), obj, "hessian_operator")
        op = get(obj, "hessian_operator", hbe)(W3[rows], V)

        def matvec(X: np.ndarray, sub: np.ndarray) -> np.ndarray:
            return op(X.reshape(-1, n, d), sub).reshape(sub.size, n * d)

        with threadpool_limits(1, user_api="blas"):  # small products: see min_eigenvalues
            return rules.newton_cg_step(matvec, G, rtol=CG_RTOL, maxiter=2 * n * d)

    def gnorm(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = _teacher.grad(X, V, backend=backend)
        return g, np.sqrt(np.einsum("rnd,rnd->rn", g, g)).max(axis=1)

    g, gn = gnorm(W3)
    stuck = np.zeros(R, dtype=bool)
    for _ in range(max_steps):
        todo = np.flatnonzero((gn > tol) & ~stuck)
        if todo.size == 0:
            break
        dx, ok = step(todo)
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
