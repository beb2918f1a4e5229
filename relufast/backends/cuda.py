"""The CUDA backend: registered only when ``relufast._core`` was built with CUDA and a device is visible.

What runs on the device (one warp per restart, through ``csrc/teacher/restart.hpp``: the pair
terms and the GD stopping rule the C++ lane kernel calls, in the same order):

- ("teacher", "loss_grad"): ``_core.cuda_teacher_evaluate``, identity or general teacher V;
- ("teacher", "gd_chunk"): ``_core.cuda_teacher_gd``, a whole chunk of steps in one launch with the
  per-restart protocol of the C++ kernel (stopping rule, divergence guard restarting from W0 with
  half the step, F < f_stop, max_iters, status codes, iteration counts);
- ("teacher", "hessian") and ("teacher", "hvp"): ``_core.cuda_teacher_hessian`` /
  ``cuda_teacher_hessian_vector`` (``csrc/teacher/hessian_restart.hpp``, the closed form the C++
  kernels run);
- ("teacher", "smallest_eigenpairs"): ``_core.cuda_teacher_smallest_eigenpairs``, the whole Lanczos
  of each restart on its warp (``csrc/core/lanczos_restart.hpp``: full reorthogonalisation,
  Sturm bisection, the residual recomputed), so ``teacher.min_eigenvalues`` never brings a Hessian
  to the host.

Nothing else is registered: the general MLP kernels and the dense symmetric eigensolver of
("linalg", "min_eigenvalues") have no device kernel, so ``backend="cuda"`` for them is a ValueError
naming what is available, and "auto" picks the C++ core for them. Registering a host computation
under "cuda" would make the registry lie about where work runs.

Results equal the C++ backend's to about 1e-12 per evaluation (same formulas and order of sums; the
lane kernel's AVX-512 square-root and division estimates are within ~1 ulp of the exact ones the
device uses), so GD endpoints agree to ~1e-10 after the same steps. The host twins of the device
path (``_core.teacher_evaluate_per_restart``, ``teacher_gd_per_restart``,
``teacher_smallest_eigenpairs_per_restart``) are tested on every machine, a GPU or not, also with
each restart split over an OpenMP team as a warp splits it (``team=``): the same GD endpoints bit
for bit, F (a sum over the team) within rounding.
"""

from __future__ import annotations

from typing import Any

from .. import backend as _backend
from .._kernels import register
from ._native import smallest_eigenpairs, teacher_kernels

BACKEND = "cuda"


def usable() -> bool:
    """Whether the extension was built with CUDA and sees at least one device."""
    if not _backend.has_core():
        return False
    core = _backend.core()
    return bool(core.built_with_cuda) and core.cuda_device_count() > 0


def _register(core: Any) -> None:  # pragma: no cover - needs a GPU
    for (objective, kernel), fn in teacher_kernels(
        core, core.cuda_teacher_evaluate, core.cuda_teacher_gd
    ).items():
        register(objective, kernel, BACKEND, fn)
    register("teacher", "hessian", BACKEND, core.cuda_teacher_hessian)
    register("teacher", "hvp", BACKEND, core.cuda_teacher_hessian_vector)
    register(
        "teacher", "smallest_eigenpairs", BACKEND, smallest_eigenpairs(core.cuda_teacher_smallest_eigenpairs)
    )


if usable():  # pragma: no cover - needs a GPU
    _register(_backend.core())
