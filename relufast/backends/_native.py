"""Glue shared by the native backends (the C++ core and its CUDA kernels): one teacher calling convention."""

from __future__ import annotations

import functools
from typing import Any

from ..lanczos import Smallest

__all__ = ["gd_options", "teacher_kernels", "smallest_eigenpairs", "mlp_train_kernel"]


def gd_options(core: Any, opt: Any) -> Any:
    """The bound ``GDOptions`` of a :class:`relufast.optim.GDOptions`."""
    return core.GDOptions(
        steps=opt.steps,
        max_iters=opt.max_iters,
        tol=opt.tol,
        diverge=opt.diverge,
        f_stop=opt.f_stop,
        min_step=opt.min_step,
        frobenius=opt.frobenius,
    )


def teacher_kernels(core: Any, evaluate: Any, gd: Any) -> dict[tuple[str, str], Any]:
    """The registry's teacher kernels over bindings ``evaluate`` and ``gd`` (the signatures of
    ``_core.teacher_evaluate`` / ``teacher_gd``, which the CUDA bindings share).
    """

    def teacher_loss_grad(W, V, want_grad):
        F, G, _ = evaluate(W, V, want_grad)
        return F, G

    def teacher_gd_chunk(s, V, opt):
        gd(s.W, s.W0, s.step, s.iters, s.status, s.F, s.gmax, V, gd_options(core, opt))

    return {("teacher", "loss_grad"): teacher_loss_grad, ("teacher", "gd_chunk"): teacher_gd_chunk}


def smallest_eigenpairs(binding: Any) -> Any:
    """The registry's ("teacher", "smallest_eigenpairs") kernel over a binding with the signature of
    ``_core.teacher_smallest_eigenpairs_per_restart``: (W, V, tol) -> :class:`relufast.lanczos.Smallest`.
    """

    def teacher_smallest_eigenpairs(W, V, tol):
        value, vector, residual, products, converged = binding(W, V, tol=tol)
        return Smallest(value, vector, residual, products, converged)

    return teacher_smallest_eigenpairs


def mlp_train_kernel(core: Any, train: Any) -> Any:
    """The registry's ("mlp", "train_chunk") over binding ``train`` (the signature of
    ``_core.mlp_train``, which the tiny-net bindings share).
    """

    @functools.lru_cache(maxsize=64)
    def native_net(net):
        return core.Net(list(net.sizes), net.output_bias, net.activation_code)

    def mlp_train_chunk(prob, s, opt):
        options = core.TrainOptions(
            optimizer=core.Optimizer.ADAM if opt.optimizer == "adam" else core.Optimizer.GD,
            lr=opt.lr,
            steps=opt.steps,
            t0=opt.t0,
            batch=opt.batch,
            seed=opt.seed,
            beta1=opt.beta1,
            beta2=opt.beta2,
            eps=opt.eps,
        )
        train(s.p, s.m, s.v, prob.X, prob.Y, prob.labels, native_net(prob.net), prob.loss_code, options)

    return mlp_train_chunk
