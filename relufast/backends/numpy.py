"""The NumPy reference backend: every kernel, always registered."""

from __future__ import annotations

import numpy as np

from .._kernels import register
from .._validate import require_finite
from ..objectives.mlp import reference as mlp_ref
from ..objectives.teacher import reference as teacher_ref
from ..objectives.teacher.operator import HessianOperator
from ..optim import reference as optim_ref

BACKEND = "numpy"


def teacher_loss_grad(W, V, want_grad):
    """The reference loss and gradient, after the finiteness check of W every loss_grad kernel makes."""
    require_finite(W, "W")
    return teacher_ref.loss_grad(W, V, want_grad)


register("teacher", "loss_grad", BACKEND, teacher_loss_grad)
register("teacher", "hessian", BACKEND, teacher_ref.hessian)
register("teacher", "hvp", BACKEND, teacher_ref.hvp)
register("teacher", "hessian_operator", BACKEND, HessianOperator)
register("teacher", "gd_chunk", BACKEND, optim_ref.teacher_gd_chunk)
register("mlp", "loss_grad", BACKEND, mlp_ref.loss_grad)
register("mlp", "hessian", BACKEND, mlp_ref.hessian)
register("mlp", "train_chunk", BACKEND, optim_ref.mlp_train_chunk)
register("mlp", "predict", BACKEND, mlp_ref.predict)
register("mlp", "kinks", BACKEND, mlp_ref.kinks)
register("linalg", "min_eigenvalues", BACKEND, lambda H: np.linalg.eigvalsh(H)[:, 0])
