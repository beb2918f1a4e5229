"""Batched optimisation drivers: native gradient descent run in chunks, and Newton polishing.

Python only loops over chunks (progress callbacks and Ctrl-C work between chunks); every step of a
chunk runs in the C++ core, or in the equivalent vectorised NumPy loop for ``backend="numpy"``.
Converged restarts are compacted away between chunks, so they stop costing work.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from . import backend as _backend
from . import teacher as _teacher
from ._validate import positive_float, positive_int

ProgressFn = Callable[[int, int], None]


class Status(enum.IntEnum):
    """Why a restart's gradient descent stopped (RUNNING while it has not)."""

    RUNNING = 0
    CONVERGED = 1  # gradient rule met
    SMALL_LOSS = 2  # early stop: F below f_stop
    MAX_ITERS = 3  # safety cap reached (reported, never silent)
    DIVERGED = 4  # step halved below min_step without taming the gradient


@dataclass
class GDResult:
    """Per-restart endpoints of :func:`teacher_gd` (arrays of length R unless noted)."""

    W: np.ndarray  # (R, n, d) final weights
    F: np.ndarray  # loss at the last evaluation
    grad_norm: np.ndarray  # max_i |grad_{w_i} F| at the last evaluation
    iterations: np.ndarray  # gradient steps taken (divergence restarts included)
    step: np.ndarray  # final step size (halved on each divergence restart)
    status: np.ndarray  # Status codes (int8)


def _np_gd_chunk(W, W0, step, iters, status, F, gmax, V, steps, max_iters, tol, diverge, f_stop,
                 min_step=1e-12):
    """NumPy twin of the C++ chunk: same rule order, vectorised over restarts."""
    for _ in range(steps):
        run = status == Status.RUNNING
        if not run.any():
            break
        idx = np.flatnonzero(run)
        f, g = _teacher._np_loss_grad(W[idx], V)
        gm = np.sqrt(np.einsum("rnd,rnd->rn", g, g)).max(axis=1)
        F[idx], gmax[idx] = f, gm
        norm = 2 * np.pi * gm
        bad = ~(norm <= diverge) | ~np.isfinite(f)
        conv = ~bad & (norm <= tol)
        small = ~bad & ~conv & (f < f_stop)
        cap = ~bad & ~conv & ~small & (max_iters > 0) & (iters[idx] >= max_iters)
        move = ~(bad | conv | small | cap)
        step[idx[bad]] *= 0.5
        status[idx[bad & (step[idx] < min_step)]] = Status.DIVERGED
        W[idx[bad]] = W0[idx[bad]]
        status[idx[conv]] = Status.CONVERGED
        status[idx[small]] = Status.SMALL_LOSS
        status[idx[cap]] = Status.MAX_ITERS
        m = idx[move]
        W[m] -= step[m, None, None] * g[move]
        iters[m] += 1


def teacher_gd(
    W0,
    V=None,
    *,
    step: float = 0.1,
    tol: float = 1e-9,
    diverge: float = 1e4,
    f_stop: float = 1e-6,
    max_iters: int = 1_000_000,
    chunk: int = 2000,
    backend: str = "auto",
    progress: Optional[ProgressFn] = None,
) -> GDResult:
    """Full-batch gradient descent on the teacher-student loss for R restarts at once.

    Each restart stops on the first of: ``2 pi max_i |grad_{w_i} F| <= tol`` (CONVERGED),
    ``F < f_stop`` (SMALL_LOSS; 0 disables it) or ``max_iters`` steps (MAX_ITERS). When the same norm
    exceeds ``diverge`` the restart starts again from its initial point with the step halved.

    Parameters
    ----------
    W0 : array_like, shape (R, n, d)
        Initial students.
    V : array_like, shape (k, d), optional
        Teacher (identity if None).
    progress : callable(done, total), optional
        Called between chunks with the number of finished restarts.
    """
    W0, single = _teacher.check_students(W0)
    V = _teacher.check_teacher(V, W0.shape[2])
    positive_float(step, "step")
    positive_float(tol, "tol")
    positive_float(diverge, "diverge")
    positive_float(f_stop, "f_stop", allow_zero=True)
    positive_int(max_iters, "max_iters")
    positive_int(chunk, "chunk")
    be = _backend.resolve(backend)

    R = W0.shape[0]
    W = W0.copy()
    steps = np.full(R, float(step))
    iters = np.zeros(R, dtype=np.int64)
    status = np.zeros(R, dtype=np.int8)
    F = np.full(R, np.nan)
    gmax = np.full(R, np.nan)
    total = 0
    while True:
        active = np.flatnonzero(status == Status.RUNNING)
        if progress is not None:
            progress(R - active.size, R)
        if active.size == 0:
            break
        # Work on a compacted copy of the running restarts only.
        sub = [np.ascontiguousarray(a[active]) for a in (W, steps, iters, status, F, gmax)]
        args = (sub[0], np.ascontiguousarray(W0[active]), *sub[1:])
        if be == "cpu":
            core = _backend.core()
            core.teacher_gd(*args, V, core.GDOptions(steps=chunk, max_iters=max_iters, tol=tol,
                                                     diverge=diverge, f_stop=f_stop))
        else:
            _np_gd_chunk(*args, V, chunk, max_iters, tol, diverge, f_stop)
        for full, part in zip((W, steps, iters, status, F, gmax), sub):
            full[active] = part
        total += chunk
    return GDResult(W=W, F=F, grad_norm=gmax, iterations=iters, step=steps, status=status)


def newton_polish(W, V=None, *, tol: float = 1e-13, max_steps: int = 30, backend: str = "auto"):
    """Polish near-critical points with exact Newton steps ``W <- W - H^{-1} grad``.

    Stops per point once ``max_i |grad_{w_i} F| <= tol`` or after ``max_steps``; a step that does
    not reduce the gradient norm is rejected (the point is returned as it was).

    Returns
    -------
    W : ndarray (R, n, d), grad_norm : ndarray (R,)
    """
    W3, single = _teacher.check_students(W)
    W3 = W3.copy()
    V = _teacher.check_teacher(V, W3.shape[2])
    R, n, d = W3.shape

    def gnorm(X):
        g = _teacher.grad(X, V, backend=backend)
        return g, np.sqrt(np.einsum("rnd,rnd->rn", g, g)).max(axis=1)

    g, gn = gnorm(W3)
    for _ in range(max_steps):
        todo = np.flatnonzero(gn > tol)
        if todo.size == 0:
            break
        H = _teacher.hessian(W3[todo], V, backend=backend)
        try:
            dx = np.linalg.solve(H, g[todo].reshape(todo.size, n * d, 1))[..., 0]
        except np.linalg.LinAlgError:
            break
        trial = W3[todo] - dx.reshape(-1, n, d)
        gt, gnt = gnorm(trial)
        better = gnt < gn[todo]
        if not better.any():
            break
        keep = todo[better]
        W3[keep], g[keep], gn[keep] = trial[better], gt[better], gnt[better]
    return (W3[0], gn[0]) if single else (W3, gn)
