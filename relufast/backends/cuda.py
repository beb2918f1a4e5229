"""The CUDA backend: registered only when ``relufast._core`` was built with CUDA and a device is visible.

What runs on the device (one warp per teacher restart, one thread per tiny-net restart):

- ("teacher", "loss_grad"): ``_core.cuda_teacher_evaluate``, identity or general teacher V;
- ("teacher", "gd_chunk"): ``_core.cuda_teacher_gd``, a whole chunk of steps in one launch with the
  per-restart protocol of the C++ kernel (stopping rule, divergence guard restarting from W0 with
  half the step, F < f_stop, max_iters, status codes, iteration counts); both through
  ``csrc/teacher/restart.hpp`` (the pair terms and the GD stopping rule the C++ lane kernel calls,
  in the same order);
- ("teacher", "hessian") and ("teacher", "hvp"): ``_core.cuda_teacher_hessian`` /
  ``cuda_teacher_hessian_vector`` (``csrc/teacher/hessian_restart.hpp``, the closed form the C++
  kernels run);
- ("teacher", "smallest_eigenpairs"): ``_core.cuda_teacher_smallest_eigenpairs``, the whole Lanczos
  of each restart on its warp (``csrc/core/lanczos_restart.hpp``: full reorthogonalisation,
  Sturm bisection, the residual recomputed), so ``teacher.min_eigenvalues`` never brings a Hessian
  to the host;
- ("mlp", "train_chunk"), for [1, h, 1] ReLU nets with h <= 8, the sse or mse loss and the full
  batch only: ``_core.cuda_mlp_tiny_train``, GD or Adam, a whole chunk in one launch, parameters
  and moments in registers (``csrc/mlp/tiny_restart.hpp``: the formulas and order of sums of the
  C++ tiny-net lane kernel). It is registered with ``accepts`` (:func:`tiny_case_reason`), so
  "auto" trains every other net on the C++ core and ``backend="cuda"`` for one is a ValueError
  saying why.

Nothing else is registered: the MLP loss/gradient and Hessian, the other MLP trainers and the dense
symmetric eigensolver of ("linalg", "min_eigenvalues") have no device kernel, so ``backend="cuda"``
for them is a ValueError
naming what is available, and "auto" picks the C++ core for them. Registering a host computation
under "cuda" would make the registry lie about where work runs.

Results equal the C++ backend's to about 1e-12 per evaluation (same formulas and order of sums; the
lane kernel's AVX-512 square-root and division estimates are within ~1 ulp of the exact ones the
device uses), so GD endpoints agree to ~1e-10 after the same steps. The host twins of the device
path (``_core.teacher_evaluate_per_restart``, ``teacher_gd_per_restart``,
``teacher_smallest_eigenpairs_per_restart``) are tested on every machine, a GPU or not, also with
each restart split over an OpenMP team as a warp splits it (``team=``): the same GD endpoints bit
for bit, F (a sum over the team) within rounding.
The tiny-net trainer's host twin is ``_core.mlp_tiny_train_per_restart``, held to the lane kernel
(bit for bit on AVX-512, GD and Adam: the same fmas, and the lane kernel's square-root and
division estimates rounded as the exact ones on these runs) and to the NumPy reference (6e-16).
"""

from __future__ import annotations

from typing import Any

from .. import backend as _backend
from .._kernels import register
from ._native import mlp_train_kernel, smallest_eigenpairs, teacher_kernels

BACKEND = "cuda"


def usable() -> bool:
    """Whether the extension was built with CUDA and sees at least one device."""
    if not _backend.has_core():
        return False
    core = _backend.core()
    return bool(core.built_with_cuda) and core.cuda_device_count() > 0


#: The widest hidden layer the device's tiny-net trainer takes (csrc/mlp/tiny_restart.hpp).
TINY_MAX_H = 8


def tiny_case_reason(case: Any) -> str | None:
    """None if the device's tiny-net trainer can run ``case`` = (Problem, TrainOptions), else why.

    It takes [1, h, 1] ReLU nets with h <= 8, the sse or mse loss, on the full batch.
    """
    prob, opt = case
    net = prob.net
    sizes = tuple(net.sizes)
    if len(sizes) != 3 or sizes[0] != 1 or sizes[2] != 1:
        return f"the CUDA trainer takes [1, h, 1] nets only, not {list(sizes)}"
    if sizes[1] > TINY_MAX_H:
        return f"the CUDA trainer takes hidden widths h <= {TINY_MAX_H}, not {sizes[1]}"
    if net.activation != "relu":
        return f"the CUDA trainer takes ReLU nets only, not {net.activation}"
    if prob.loss not in ("sse", "mse"):
        return f"the CUDA trainer takes the sse and mse losses only, not {prob.loss}"
    if opt.batch and opt.batch < prob.N:
        return f"the CUDA trainer trains on the full batch only, not batches of {opt.batch}"
    return None


def _register_mlp(core: Any) -> None:  # pragma: no cover - needs a GPU
    if not hasattr(core, "cuda_mlp_tiny_train"):  # a build without the device's MLP trainer
        return
    register(
        "mlp",
        "train_chunk",
        BACKEND,
        mlp_train_kernel(core, core.cuda_mlp_tiny_train),
        accepts=tiny_case_reason,
    )


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
    _register_mlp(core)


if usable():  # pragma: no cover - needs a GPU
    _register(_backend.core())
