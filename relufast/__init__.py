"""relufast: batched training and exact Hessians of tiny ReLU networks.

Spurious local minima of ReLU networks, made explorable: thousands to millions of random restarts of
small networks are trained at once by a C++ core (OpenMP across restarts, one restart per SIMD lane),
their endpoints classified with exact Hessians, and the lecture's figures reproduced in
:mod:`relufast.experiments`.

Every kernel has interchangeable implementations, looked up in a registry by (objective, kernel,
backend) and selected by ``backend=``: ``"numpy"`` (the reference), ``"cpu"`` (the C++ core),
``"cuda"`` (when built with CUDA and a device is visible) and ``"auto"`` (the fastest registered).

Modules
-------
objectives  one package per objective (teacher, mlp): public API, NumPy reference, symmetries
teacher     Safran-Shamir population loss (closed form): loss, grad, hessian
mlp         finite-data dense ReLU MLPs: loss, grad, hessian, kinks, flat parameter layout
optim       the chunk loop, GD/Adam/Newton rules, Status, teacher-student GD, Newton polish
train       batched initialisation and trainers (GD, SGD, Adam) for MLPs
minima      smallest Hessian eigenvalues (families of minima live with the teacher objective)
backend     the kernel registry: get, resolve, available; threads and build facts
landscape   1-D and 2-D loss slices
stats       Wilson intervals for the reported rates
datasets    digits, permuted labels, local MNIST files
experiments one module per figure: five_points, blind_spot, initialisation, safran_shamir
"""

from importlib.metadata import PackageNotFoundError, version

from . import backend, datasets, landscape, minima, mlp, objectives, optim, stats, teacher, train
from .backend import info, set_num_threads

try:
    __version__ = version("relufast")  # the one place it is written is pyproject.toml
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "backend",
    "datasets",
    "landscape",
    "minima",
    "mlp",
    "objectives",
    "optim",
    "stats",
    "teacher",
    "train",
    "info",
    "set_num_threads",
    "__version__",
]
