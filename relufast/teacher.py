"""Deprecated path: the teacher-student objective lives in :mod:`relufast.objectives.teacher`.

Kept for one release; ``from relufast import teacher`` keeps working.
"""

from .objectives.teacher import (  # noqa: F401
    check_students,
    check_teacher,
    grad,
    hessian,
    loss,
    loss_and_grad,
    reference,
    symmetry,
)

__all__ = ["loss", "grad", "hessian", "loss_and_grad", "check_students", "check_teacher"]
