"""Deprecated path: the finite-data MLP objective lives in :mod:`relufast.objectives.mlp`.

Kept for one release; ``from relufast import mlp`` keeps working.
"""

from .objectives.mlp import (  # noqa: F401
    ACTIVATIONS,
    LOSSES,
    Net,
    Problem,
    check_activation,
    check_data,
    check_params,
    check_sizes,
    grad,
    hessian,
    hvp,
    kinks,
    layout,
    loss,
    loss_and_grad,
    num_params,
    pack,
    predict,
    problem,
    reference,
    unpack,
)

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "num_params",
    "unpack",
    "pack",
    "loss",
    "grad",
    "loss_and_grad",
    "hessian",
    "hvp",
    "predict",
    "kinks",
    "check_sizes",
    "check_params",
    "check_data",
]
