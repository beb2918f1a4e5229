"""relufast: batched training and exact Hessians of tiny ReLU networks.

Spurious local minima of ReLU networks, made explorable: thousands to millions of random restarts of
small networks are trained at once by a C++ core (OpenMP across restarts, one restart per SIMD lane),
their endpoints classified with exact Hessians, and the lecture's figures reproduced in
:mod:`relufast.experiments`.

Every objective has interchangeable implementations selected by ``backend=``: ``"numpy"`` (the
reference), ``"cpu"`` (the C++ core) and ``"auto"`` (the fastest one built).

Modules
-------
teacher     Safran-Shamir population loss (closed form): loss, grad, hessian
mlp         finite-data dense ReLU MLPs: loss, grad, hessian, kinks, flat parameter layout
train       batched initialisation and trainers (GD, SGD, Adam) for MLPs
optim       gradient descent on the teacher loss in native chunks, Newton polish
minima      smallest Hessian eigenvalues, families of minima up to symmetry
landscape   1-D and 2-D loss slices
stats       Wilson intervals for the reported rates
datasets    digits, permuted labels, local MNIST files
experiments one module per figure: five_points, blind_spot, initialisation, safran_shamir
"""

from . import backend, datasets, landscape, minima, mlp, optim, stats, teacher, train
from .backend import info, set_num_threads

__version__ = "0.1.0"

__all__ = [
    "backend",
    "datasets",
    "landscape",
    "minima",
    "mlp",
    "optim",
    "stats",
    "teacher",
    "train",
    "info",
    "set_num_threads",
    "__version__",
]
