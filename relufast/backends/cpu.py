"""The C++ backend: kernels of the compiled module ``relufast._core``, registered when it loads.

This module (with ``_native.py``, the glue it shares with the CUDA backend) is the only one that
calls ``relufast._core``'s kernels; everything else goes through the registry.
"""

from __future__ import annotations

from typing import Any

from .. import backend as _backend
from .._kernels import register
from ..objectives.teacher.operator import HessianOperator
from ._native import mlp_train_kernel, teacher_kernels

BACKEND = "cpu"


def _register(core: Any) -> None:
    for (objective, kernel), fn in teacher_kernels(core, core.teacher_evaluate, core.teacher_gd).items():
        register(objective, kernel, BACKEND, fn)
    register("teacher", "hessian", BACKEND, core.teacher_hessian)
    register("teacher", "hvp", BACKEND, core.teacher_hessian_vector)
    # the BLAS-3 form of the products (a few n x n x d matrix products) beats the C++ pair loop
    # about 12x at k = n = 100, so the host's operator is the NumPy one on every host backend
    register("teacher", "hessian_operator", BACKEND, HessianOperator)
    register("linalg", "min_eigenvalues", BACKEND, core.min_eigenvalues)

    if not hasattr(core, "mlp_eval"):  # an old build without the MLP kernels
        return

    def data_args(prob):  # the core's (X, Y, labels, sizes, loss, output_bias) of a Problem
        net = prob.net
        return prob.X, prob.Y, prob.labels, list(net.sizes), prob.loss_code, net.output_bias

    def mlp_loss_grad(prob, p2, want_grad):
        return core.mlp_eval(p2, *data_args(prob), want_grad, prob.net.activation_code)

    def mlp_hessian(prob, p2):
        return core.mlp_hessian(p2, *data_args(prob), prob.net.activation_code)

    register("mlp", "loss_grad", BACKEND, mlp_loss_grad)
    register("mlp", "hessian", BACKEND, mlp_hessian)
    register("mlp", "train_chunk", BACKEND, mlp_train_kernel(core, core.mlp_train))


if _backend.has_core():
    _register(_backend.core())
