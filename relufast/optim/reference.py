"""NumPy reference of the optimiser chunks: the same rules, in the same order, as the native kernels.

Registered as the ``"numpy"`` kernels ``("teacher", "gd_chunk")`` and ``("mlp", "train_chunk")``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..objectives.mlp import reference as _mlp_ref
from ..objectives.mlp.problem import Problem
from ..objectives.teacher import reference as _teacher_ref
from . import rules
from .batches import epoch_permutations
from .options import GDOptions, TrainOptions
from .status import Status

__all__ = ["teacher_gd_chunk", "mlp_train_chunk"]


def teacher_gd_chunk(s, V: np.ndarray | None, opt: GDOptions) -> None:
    """``opt.steps`` steps of teacher-student GD in place on a :class:`~relufast.optim.GDState`."""
    W, W0, step, iters, status, F, gmax = s.W, s.W0, s.step, s.iters, s.status, s.F, s.gmax
    for _ in range(opt.steps):
        run = status == Status.RUNNING
        if not run.any():
            break
        idx = np.flatnonzero(run)
        f, g = _teacher_ref.loss_grad(W[idx], V)
        assert g is not None
        if opt.frobenius:
            gm = np.sqrt(np.einsum("rnd,rnd->r", g, g))
        else:
            gm = np.sqrt(np.einsum("rnd,rnd->rn", g, g)).max(axis=1)
        F[idx], gmax[idx] = f, gm
        d = rules.teacher_stop(
            f,
            gm,
            iters[idx],
            tol=opt.tol,
            diverge=opt.diverge,
            f_stop=opt.f_stop,
            max_iters=opt.max_iters,
            frobenius=opt.frobenius,
        )
        bad = idx[d.bad]
        step[bad] *= 0.5
        status[idx[d.bad & (step[idx] < opt.min_step)]] = Status.DIVERGED
        W[bad] = W0[bad]
        status[idx[d.converged]] = Status.CONVERGED
        status[idx[d.small_loss]] = Status.SMALL_LOSS
        status[idx[d.capped]] = Status.MAX_ITERS
        m = idx[d.move]
        W[m] = rules.gd_update(W[m], g[d.move], step[m, None, None])
        iters[m] += 1


def mlp_train_chunk(problem: Problem, s, opt: TrainOptions) -> None:
    """``opt.steps`` training steps in place on a :class:`~relufast.train.TrainState` (p, m, v)."""
    p, m, v = s.p, s.m, s.v
    R, N, B = p.shape[0], problem.N, opt.batch
    spe = -(-N // B) if B else 1
    rows = np.arange(R)
    perm = None
    for t in range(opt.steps):
        step = opt.t0 + t
        if B:
            e, k = divmod(step, spe)
            if k == 0 or perm is None:
                perm = epoch_permutations(opt.seed, rows, e, N)
            idx = perm[:, k * B : min(N, (k + 1) * B)]
            batch = dataclasses.replace(
                problem,
                X=problem.X[idx],
                Y=None if problem.Y is None else problem.Y[idx],
                labels=None if problem.labels is None else problem.labels[idx],
            )
            g = _mlp_ref.loss_grad(batch, p)[1]
        else:
            g = _mlp_ref.loss_grad(problem, p)[1]
        assert g is not None
        if opt.optimizer == "adam":
            assert m is not None and v is not None
            rules.adam_update(p, m, v, g, step + 1, opt.lr, opt.beta1, opt.beta2, opt.eps)
        else:
            p[:] = rules.gd_update(p, g, opt.lr)
