"""The C++ backend: kernels of the compiled module ``relufast._core``, registered when it loads.

This is the only module that calls ``relufast._core``'s kernels; everything else goes through the
registry.
"""

from __future__ import annotations

from typing import Any

from .. import backend as _backend
from .._kernels import register

BACKEND = "cpu"


def _register(core: Any) -> None:
    def teacher_loss_grad(W, V, want_grad):
        F, G, _ = core.teacher_evaluate(W, V, want_grad)
        return F, G

    def teacher_gd_chunk(s, V, opt):
        core.teacher_gd(s.W, s.W0, s.step, s.iters, s.status, s.F, s.gmax, V, opt.steps,
                        opt.max_iters, opt.tol, opt.diverge, opt.f_stop)

    register("teacher", "loss_grad", BACKEND, teacher_loss_grad)
    register("teacher", "hessian", BACKEND, core.teacher_hessian)
    register("teacher", "gd_chunk", BACKEND, teacher_gd_chunk)
    register("linalg", "min_eigenvalues", BACKEND, core.min_eigenvalues)

    if not hasattr(core, "mlp_eval"):  # an old build without the MLP kernels
        return

    def mlp_loss_grad(prob, p2, want_grad):
        net = prob.net
        return core.mlp_eval(p2, prob.X, prob.Y, prob.labels, list(net.sizes), prob.loss_code,
                             net.output_bias, want_grad)

    def mlp_hessian(prob, p2):
        net = prob.net
        return core.mlp_hessian(p2, prob.X, prob.Y, prob.labels, list(net.sizes), prob.loss_code,
                                net.output_bias)

    def mlp_train_chunk(prob, s, opt):
        net = prob.net
        core.mlp_train(s.p, s.m, s.v, prob.X, prob.Y, prob.labels, list(net.sizes), prob.loss_code,
                       net.output_bias, int(opt.optimizer == "adam"), opt.lr, opt.steps, opt.t0,
                       opt.batch, opt.seed, opt.beta1, opt.beta2, opt.eps)

    register("mlp", "loss_grad", BACKEND, mlp_loss_grad)
    register("mlp", "hessian", BACKEND, mlp_hessian)
    register("mlp", "train_chunk", BACKEND, mlp_train_chunk)


if _backend.has_core():
    _register(_backend.core())
