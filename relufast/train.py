"""Batched training of dense MLPs (:mod:`relufast.mlp`): initialisation and chunked trainers.

R restarts (each with its own parameters, all on the same data) train at once. Every step of a
chunk runs in native code (``backend="cpu"``); Python only loops over chunks, records the full-data
loss after each and calls ``progress``. ``backend="numpy"`` runs the same math in NumPy (the
reference the C++ trainers are tested against).

Optimizers
----------
``"gd"``
    Full-batch gradient descent, ``p -= lr * g``.
``"sgd"``
    The same update on mini-batches of ``batch_size`` points (full batch when ``batch_size`` is
    None, which is then identical to ``"gd"``).
``"adam"``
    Adam (Kingma & Ba) with bias correction, full batch or mini-batch; at step t = 1, 2, ...::

        m = b1 m + (1 - b1) g
        v = b2 v + (1 - b2) g**2
        p -= (lr / (1 - b1**t)) * (m / (sqrt(v) * (1 / sqrt(1 - b2**t)) + eps))

Mini-batches
------------
Training runs in epochs of ``ceil(N / batch_size)`` steps. In each epoch every restart walks its own
random permutation of the N points (the last batch holds the ``N mod batch_size`` leftovers). The
permutation of restart r (its row in ``params``) in epoch e is a function of ``(seed, r, e)`` only
(Fisher-Yates driven by a splitmix64 hash), so results do not depend on R, on the chunking, on the
thread count or on the backend. The batch loss is the chosen loss on the batch's points (``"sse"``:
their sum; ``"mse"``, ``"ce"``: their mean).
"""

from __future__ import annotations

import dataclasses
import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._kernels import get, registered, resolve
from ._seeding import block_normals
from ._validate import check_memory, positive_float, positive_int
from .objectives.mlp import Net, Problem, check_params
from .optim import Batch, TrainOptions, epoch_permutations, run_chunks
from .optim.batches import check_seed

__all__ = [
    "OPTIMIZERS",
    "INIT_SCHEMES",
    "init_params",
    "train",
    "TrainResult",
    "TrainState",
    "epoch_permutations",
]

OPTIMIZERS = ("gd", "adam", "sgd")
INIT_SCHEMES = ("normal", "he", "xavier")


# --------------------------------------------------------------------------- initialisation


def _per_layer(value, nl: int, name: str, allow_none: bool = False, nonneg: bool = False):
    """A scalar or a length-nl sequence -> list of nl floats (None kept where allowed)."""
    if value is None or isinstance(value, numbers.Real):
        vals = [value] * nl
    elif isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, (str, bytes)):
        vals = list(value)
        if len(vals) != nl:
            raise ValueError(
                f"{name} must be a number or a sequence of {nl} (one per layer), got {len(vals)}"
            )
    else:
        raise ValueError(f"{name} must be a number or a sequence of {nl} numbers, got {value!r}")
    out: list[float | None] = []
    for v in vals:
        if v is None:
            if not allow_none:
                raise ValueError(f"{name} must not be None")
            out.append(None)
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not np.isfinite(float(v)):
            raise ValueError(f"{name} must hold finite real numbers, got {v!r}")
        if nonneg and v < 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")
        out.append(float(v))
    return out


def init_params(
    sizes,
    R: int,
    *,
    seed: int = 0,
    weight_mean=0.0,
    weight_std=None,
    bias_mean=0.0,
    bias_std=0.0,
    scheme: str = "normal",
    output_bias: bool = True,
) -> np.ndarray:
    """Random initial parameters for R restarts, shape (R, P), layout of :mod:`relufast.mlp`.

    Every weight of layer l is drawn from N(weight_mean[l], weight_std[l]^2) and every bias from
    N(bias_mean[l], bias_std[l]^2), independently.

    Parameters
    ----------
    sizes : sequence of int
        ``[d_in, h_1, ..., d_out]``.
    R : int
        Number of restarts.
    seed : int
        Restart i is reproducible alone: its parameters depend only on (seed, i, sizes,
        distributions), never on R. Restarts are drawn in blocks of ``INIT_BLOCK`` = 1024; block b
        uses ``numpy.random.SeedSequence(seed, spawn_key=(b,))`` and fills a (1024, P) array of
        standard normals, row by row; the first R rows overall are kept (only those are drawn, so
        the memory is that of the result).
    weight_mean, bias_mean : float or sequence of float (one per layer)
        Means (very negative values put the net in the "blind spot").
    weight_std : float, sequence of float/None, or None
        None (or a None entry) takes the scheme's value for that layer.
    bias_std : float or sequence of float
        Default 0: biases start exactly at ``bias_mean``.
    scheme : {"normal", "he", "xavier"}
        Default weight std: 1 ("normal"), sqrt(2 / fan_in) ("he"), sqrt(2 / (fan_in + fan_out))
        ("xavier").
    output_bias : bool

    Returns
    -------
    ndarray (R, P)

    Examples
    --------
    The five-point protocol (all four parameters N(0, 1)):

    >>> p = init_params([1, 1, 1], 4000, seed=0, bias_std=1.0)
    >>> p.shape
    (4000, 4)
    """
    net = Net.of(sizes, output_bias)
    R = positive_int(R, "R")
    seed = check_seed(seed)
    if not isinstance(scheme, str) or scheme not in INIT_SCHEMES:
        raise ValueError(f"scheme must be one of {INIT_SCHEMES}, got {scheme!r}")
    check_memory(8.0 * (R + 2) * net.P, f"init_params with R={R} restarts of P={net.P} parameters")
    nl = len(net.sizes) - 1
    wm = _per_layer(weight_mean, nl, "weight_mean")
    ws = _per_layer(weight_std, nl, "weight_std", allow_none=True, nonneg=True)
    bm = _per_layer(bias_mean, nl, "bias_mean")
    bs = _per_layer(bias_std, nl, "bias_std", nonneg=True)
    mean = np.zeros(net.P)
    std = np.zeros(net.P)
    for l, layer in enumerate(net.layers):
        w, b, dout, din = layer.w, layer.b, layer.out, layer.inp
        s = ws[l]
        if s is None:
            s = {"normal": 1.0, "he": np.sqrt(2.0 / din), "xavier": np.sqrt(2.0 / (din + dout))}[scheme]
        mean[w : w + dout * din] = wm[l]
        std[w : w + dout * din] = s
        if b is not None:
            mean[b : b + dout] = bm[l]
            std[b : b + dout] = bs[l]
    Z = block_normals(seed, R, (net.P,))
    Z *= std  # in place: the memory is that of the result
    Z += mean
    return Z


# --------------------------------------------------------------------------- trainers


@dataclass
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    params : ndarray (R, P)
        Final parameters.
    loss : ndarray (R,)
        Final full-data loss of each restart.
    history : ndarray (C + 1, R)
        Full-data loss at the start and after each of the C chunks that ran.
    history_steps : ndarray (C + 1,)
        Step count at each row of ``history``.
    steps : int
        Steps that ran (fewer than asked when ``progress`` returned False).
    m, v : ndarray (R, P) or None
        Adam's moment estimates after the last step (None for "gd"/"sgd").
    """

    params: np.ndarray
    loss: np.ndarray
    history: np.ndarray
    history_steps: np.ndarray
    steps: int
    optimizer: str
    lr: float
    batch_size: int | None
    loss_kind: str
    backend: str
    seconds: float
    m: np.ndarray | None = field(default=None, repr=False)
    v: np.ndarray | None = field(default=None, repr=False)


@dataclass
class TrainState(Batch):
    """Per-restart state of the MLP trainers, updated in place by the ``("mlp", "train_chunk")`` kernels."""

    p: np.ndarray  # (R, P) parameters
    m: np.ndarray | None  # (R, P) Adam's first moments (None for GD/SGD)
    v: np.ndarray | None  # (R, P) Adam's second moments


def train(
    params,
    X,
    Y,
    sizes,
    *,
    optimizer: str = "gd",
    lr: float,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
    backend: str = "auto",
    chunk: int = 1000,
    progress: Callable[[int, int], object] | None = None,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> TrainResult:
    """Train R restarts of an MLP at once; all steps of a chunk run in native code.

    Parameters
    ----------
    params : array_like, shape (P,) or (R, P)
        Initial parameters (e.g. from :func:`init_params`); not modified.
    X, Y, sizes, loss, output_bias, activation
        As in :func:`relufast.mlp.loss`.
    optimizer : {"gd", "adam", "sgd"}
        See the module docstring. "gd" is full-batch only.
    lr : float
        Learning rate (> 0).
    steps : int
        Number of optimizer steps (>= 0).
    batch_size : int, optional
        Mini-batch size in [1, N] for "sgd"/"adam"; None (or N) means full batch.
    seed : int
        Seed of the mini-batch data order (unused for full batch).
    backend : {"auto", "cuda", "cpu", "numpy"}
        "cuda" trains [1, h, 1] ReLU nets (h <= 8) with sse/mse on the full batch only (ValueError
        otherwise); "auto" takes the fastest backend that trains this net.
    chunk : int
        Steps per chunk; the loss history is recorded and ``progress`` called after each (native
        calls of about 0.2 s each run it, so that Ctrl-C lands within about that).
    progress : callable(done_steps, total_steps), optional
        Called after every chunk. If it returns False (exactly), training stops there.
    betas, eps
        Adam's (b1, b2) in [0, 1) and eps > 0.

    Returns
    -------
    TrainResult

    Notes
    -----
    Results are identical for any thread count and any R (a restart's arithmetic never depends
    on its neighbours), and the C++ and NumPy trainers agree to rounding.
    """
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    lr = positive_float(lr, "lr")
    steps = positive_int(steps, "steps", minimum=0)
    chunk = positive_int(chunk, "chunk")
    seed = check_seed(seed)
    try:
        b1, b2 = (float(b) for b in betas)
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair of floats in [0, 1), got {betas!r}") from None
    if not (0.0 <= b1 < 1.0 and 0.0 <= b2 < 1.0):
        raise ValueError(f"betas must be a pair of floats in [0, 1), got {betas!r}")
    eps = positive_float(eps, "eps")
    prob = Problem.of(X, Y, sizes, loss, output_bias, activation)
    p2, _ = check_params(params, prob.net)
    p = np.array(p2, dtype=np.float64, order="C", copy=True)
    N = prob.N
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
        if batch_size > N:
            raise ValueError(f"batch_size must be at most N = {N}, got {batch_size}")
    B = 0 if batch_size is None or batch_size == N else batch_size
    if optimizer == "gd" and B:
        raise ValueError("batch_size: optimizer='gd' is full-batch; use optimizer='sgd' for mini-batches")
    adam = optimizer == "adam"
    R, P = p.shape
    state = TrainState(p, np.zeros((R, P)) if adam else None, np.zeros((R, P)) if adam else None)
    opts = TrainOptions(
        optimizer="adam" if adam else "gd", lr=lr, batch=B, seed=seed, beta1=b1, beta2=b2, eps=eps
    )
    # the trainer's case: some backends train some nets only (the CUDA one: [1, h, 1], full batch)
    case = (prob, opts)
    be = resolve(backend, "mlp", "train_chunk", case=case)
    step_chunk = get("mlp", "train_chunk", be, case=case)
    # the recorded full-data loss runs where the trainer runs, or on the fastest backend that has
    # the kernel (the CUDA backend has only the trainer)
    loss_be = be if be in registered("mlp", "loss_grad") else "auto"
    loss_grad = get("mlp", "loss_grad", loss_be)

    def full_loss() -> np.ndarray:
        # a diverging restart is a legitimate outcome (its loss becomes inf/nan), not a warning
        with np.errstate(over="ignore", invalid="ignore"):
            return loss_grad(prob, state.p, False)[0]

    def advance(part: TrainState, n: int, t0: int) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            step_chunk(prob, part, dataclasses.replace(opts, steps=n, t0=t0))

    hist, hsteps = [full_loss()], [0]

    def record(done: int) -> None:
        hist.append(full_loss())
        hsteps.append(done)

    t_start = time.perf_counter()
    run = run_chunks(state, advance, chunk=chunk, steps=steps, progress=progress, after_chunk=record)
    return TrainResult(
        params=p,
        loss=hist[-1].copy(),
        history=np.array(hist),
        history_steps=np.array(hsteps, dtype=np.int64),
        steps=run.steps,
        optimizer=optimizer,
        lr=lr,
        batch_size=batch_size,
        loss_kind=prob.loss,
        backend=be,
        seconds=time.perf_counter() - t_start,
        m=state.m,
        v=state.v,
    )
