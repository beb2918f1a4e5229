"""Typed stub of relufast._core, the private native kernels (pybind11; see csrc/bind/).

Arrays are float64 (labels int64), C-contiguous, batch-first. Read-only inputs are converted when
needed (``ArrayLike``); in/out buffers (``NDArray``) must already have the right dtype and layout.
"""

from collections.abc import Sequence
from typing import ClassVar, SupportsIndex, SupportsInt

import numpy
from numpy.typing import ArrayLike, NDArray

_Int = SupportsInt | SupportsIndex

__version__: str
lanes: int
has_openmp: bool
built_with_cuda: bool

# ---------------------------------------------------------------------------------------- module

def max_threads() -> int:
    """Threads the kernels use: one process-wide setting (every Python thread sees it)."""

def set_num_threads(n: _Int) -> None:
    """Set the threads every kernel uses, process-wide: 1 <= n <= thread_limit() (ValueError
    otherwise); RuntimeError where the threads cannot be started.
    """

def thread_limit() -> int:
    """The most threads set_num_threads accepts: 4 x the hardware threads of this process."""

def cuda_device_count() -> int:
    """CUDA devices visible (0 without CUDA)."""

# --------------------------------------------------------------------------------------- teacher

class Status:
    """Stop codes of a restart in teacher_gd (the int8 status array holds their values)."""

    RUNNING: ClassVar[Status]
    CONVERGED: ClassVar[Status]
    SMALL_LOSS: ClassVar[Status]
    MAX_ITERS: ClassVar[Status]
    DIVERGED: ClassVar[Status]
    __members__: ClassVar[dict[str, Status]]
    def __init__(self, value: _Int) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __int__(self) -> int: ...
    def __getstate__(self) -> int: ...
    def __setstate__(self, state: _Int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class GDOptions:
    """Options of one teacher_gd chunk (the stopping rule of teacher/gd_rule.hpp)."""

    steps: int
    max_iters: int
    tol: float
    diverge: float
    f_stop: float
    min_step: float
    frobenius: bool
    def __init__(
        self,
        *,
        steps: _Int = 1000,
        max_iters: _Int = 0,
        tol: float = 1e-9,
        diverge: float = 1e4,
        f_stop: float = 0.0,
        min_step: float = 1e-12,
        frobenius: bool = False,
    ) -> None: ...

def teacher_evaluate(
    W: ArrayLike, V: ArrayLike | None = None, want_grad: bool = True
) -> tuple[NDArray[numpy.float64], NDArray[numpy.float64] | None, NDArray[numpy.float64]]:
    """(F (R,), G (R, n, d) or None, max_i |grad_i| (R,)) of students W (R, n, d) against teacher V
    (k, d) (the identity if None).
    """

def teacher_hessian(W: ArrayLike, V: ArrayLike | None = None) -> NDArray[numpy.float64]:
    """Exact Hessians (R, n*d, n*d), neuron-major."""

def teacher_hessian_vector(W: ArrayLike, X: ArrayLike, V: ArrayLike | None = None) -> NDArray[numpy.float64]:
    """Hessian-vector products H(W_r) X_r (R, n, d), without forming the Hessians."""

def teacher_gd(
    W: NDArray[numpy.float64],
    W0: ArrayLike,
    step: NDArray[numpy.float64],
    iters: NDArray[numpy.int64],
    status: NDArray[numpy.int8],
    F: NDArray[numpy.float64],
    gmax: NDArray[numpy.float64],
    V: ArrayLike | None = None,
    options: GDOptions = ...,
) -> None:
    """One chunk of gradient descent in place for every restart whose status is RUNNING (0)."""

def teacher_evaluate_per_restart(
    W: ArrayLike, V: ArrayLike | None = None, want_grad: bool = True
) -> tuple[NDArray[numpy.float64], NDArray[numpy.float64] | None, NDArray[numpy.float64]]:
    """teacher_evaluate restart by restart on doubles: the CUDA kernel's arithmetic, on the host."""

def teacher_gd_per_restart(
    W: NDArray[numpy.float64],
    W0: ArrayLike,
    step: NDArray[numpy.float64],
    iters: NDArray[numpy.int64],
    status: NDArray[numpy.int8],
    F: NDArray[numpy.float64],
    gmax: NDArray[numpy.float64],
    V: ArrayLike | None = None,
    options: GDOptions = ...,
) -> None:
    """teacher_gd restart by restart on doubles: the CUDA kernel's arithmetic, on the host."""

def teacher_smallest_eigenpairs_per_restart(
    W: ArrayLike,
    V: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    basis: int = 300,
    max_restarts: int = 50,
    seed: int = 0,
    team: int = 1,
) -> tuple[
    NDArray[numpy.float64],
    NDArray[numpy.float64],
    NDArray[numpy.float64],
    NDArray[numpy.int64],
    NDArray[numpy.bool_],
]:
    """(value, vector, residual, products, converged) of each Hessian's smallest eigenpair by
    Lanczos on Hessian-vector products, restart by restart: the CUDA kernel's arithmetic, on the host.
    """

# ------------------------------------------------------------------------------------ cuda (only
# in CUDA builds: ``built_with_cuda``; RuntimeError when no device is visible)

def cuda_teacher_evaluate(
    W: ArrayLike, V: ArrayLike | None = None, want_grad: bool = True
) -> tuple[NDArray[numpy.float64], NDArray[numpy.float64] | None, NDArray[numpy.float64]]:
    """teacher_evaluate on the CUDA device (one warp per restart)."""

def cuda_teacher_gd(
    W: NDArray[numpy.float64],
    W0: ArrayLike,
    step: NDArray[numpy.float64],
    iters: NDArray[numpy.int64],
    status: NDArray[numpy.int8],
    F: NDArray[numpy.float64],
    gmax: NDArray[numpy.float64],
    V: ArrayLike | None = None,
    options: GDOptions = ...,
) -> None:
    """teacher_gd on the CUDA device (one warp per restart, the whole chunk in one launch)."""

def cuda_teacher_hessian(W: ArrayLike, V: ArrayLike | None = None) -> NDArray[numpy.float64]:
    """teacher_hessian on the CUDA device (one warp per restart)."""

def cuda_teacher_hessian_vector(
    W: ArrayLike, X: ArrayLike, V: ArrayLike | None = None
) -> NDArray[numpy.float64]:
    """teacher_hessian_vector on the CUDA device (one warp per restart)."""

def cuda_teacher_smallest_eigenpairs(
    W: ArrayLike,
    V: ArrayLike | None = None,
    *,
    tol: float = 1e-10,
    basis: int = 300,
    max_restarts: int = 50,
    seed: int = 0,
) -> tuple[
    NDArray[numpy.float64],
    NDArray[numpy.float64],
    NDArray[numpy.float64],
    NDArray[numpy.int64],
    NDArray[numpy.bool_],
]:
    """teacher_smallest_eigenpairs_per_restart on the CUDA device (no Hessian leaves it)."""

def cuda_mlp_tiny_train(
    params: NDArray[numpy.float64],
    m: NDArray[numpy.float64] | None,
    v: NDArray[numpy.float64] | None,
    X: ArrayLike,
    Y: ArrayLike | None,
    labels: ArrayLike | None,
    net: Net,
    loss: _Int,
    options: TrainOptions,
) -> None:
    """mlp_train on the CUDA device for [1, h, 1] ReLU nets, h <= 8, sse/mse, full batch (one
    thread per restart, the whole chunk in one launch); ValueError for any other problem.
    """

# ------------------------------------------------------------------------------------------- mlp

class Optimizer:
    """Optimizer of mlp_train (GD is SGD with a batch size). Ints 0 and 1 convert."""

    GD: ClassVar[Optimizer]
    ADAM: ClassVar[Optimizer]
    __members__: ClassVar[dict[str, Optimizer]]
    def __init__(self, value: _Int) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __ne__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
    def __index__(self) -> int: ...
    def __int__(self) -> int: ...
    def __getstate__(self) -> int: ...
    def __setstate__(self, state: _Int) -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def value(self) -> int: ...

class Net:
    """Layer sizes [d_in, h_1, ..., d_out], the hidden activation (0 relu, 1 sigmoid), the layout."""

    def __init__(self, sizes: Sequence[_Int], output_bias: bool = True, activation: _Int = 0) -> None: ...
    @property
    def sizes(self) -> list[int]: ...
    @property
    def output_bias(self) -> bool: ...
    @property
    def activation(self) -> int: ...
    @property
    def layers(self) -> int: ...
    @property
    def n_params(self) -> int: ...

class TrainOptions:
    """Options of one mlp_train chunk."""

    optimizer: Optimizer
    lr: float
    steps: int
    t0: int
    batch: int
    seed: int
    beta1: float
    beta2: float
    eps: float
    def __init__(
        self,
        *,
        optimizer: Optimizer | int = ...,
        lr: float = 0.01,
        steps: _Int = 0,
        t0: _Int = 0,
        batch: _Int = 0,
        seed: _Int = 0,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None: ...

def mlp_eval(
    params: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike | None,
    labels: ArrayLike | None,
    sizes: Sequence[_Int],
    loss: _Int,
    output_bias: bool,
    want_grad: bool = True,
    activation: _Int = 0,
) -> tuple[NDArray[numpy.float64], NDArray[numpy.float64] | None]:
    """(F (R,), G (R, P) or None) of R MLPs; loss 0 sse, 1 mse, 2 ce (labels); activation 0 relu,
    1 sigmoid.
    """

def mlp_hessian(
    params: ArrayLike,
    X: ArrayLike,
    Y: ArrayLike | None,
    labels: ArrayLike | None,
    sizes: Sequence[_Int],
    loss: _Int,
    output_bias: bool,
    activation: _Int = 0,
) -> NDArray[numpy.float64]:
    """Exact Hessians (R, P, P) of R MLPs (relu'' = 0, relu'(0) = 0; or sigmoid), symmetrised."""

def mlp_train(
    params: NDArray[numpy.float64],
    m: NDArray[numpy.float64] | None,
    v: NDArray[numpy.float64] | None,
    X: ArrayLike,
    Y: ArrayLike | None,
    labels: ArrayLike | None,
    net: Net,
    loss: _Int,
    options: TrainOptions,
) -> None:
    """One chunk of training in place (m, v: Adam's moments, None for GD)."""

def mlp_tiny_train_per_restart(
    params: NDArray[numpy.float64],
    m: NDArray[numpy.float64] | None,
    v: NDArray[numpy.float64] | None,
    X: ArrayLike,
    Y: ArrayLike | None,
    labels: ArrayLike | None,
    net: Net,
    loss: _Int,
    options: TrainOptions,
) -> None:
    """mlp_train restart by restart on doubles (the CUDA tiny-net kernel's arithmetic, on the
    host): [1, h, 1] ReLU nets, h <= 8, sse/mse, full batch only (ValueError otherwise).
    """

def mlp_permutation(seed: _Int, r: _Int, epoch: _Int, N: _Int) -> NDArray[numpy.int64]:
    """The data order of restart r in epoch ``epoch`` (mini-batch training)."""

# ---------------------------------------------------------------------------------------- linalg

def min_eigenvalues(A: ArrayLike) -> NDArray[numpy.float64]:
    """Smallest eigenvalue of each symmetric matrix in A (R, m, m)."""
