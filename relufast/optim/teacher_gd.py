"""Full-batch gradient descent on the teacher-student loss for R restarts at once."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .._kernels import get
from .._validate import BadTypeError, positive_float, positive_int
from ..objectives import teacher as _teacher
from .loop import Batch, ProgressFn, run_chunks
from .options import GDOptions
from .status import Status

__all__ = ["GDResult", "GDState", "NORMS", "teacher_gd"]

#: The gradient norms of the stopping rule: 2 pi max_i |grad_i| (2018) or |grad F|_F (2021).
NORMS = ("max", "frobenius")


@dataclass
class GDState(Batch):
    """Per-restart state of teacher GD, updated in place by the ``("teacher", "gd_chunk")`` kernels."""

    W: np.ndarray  # (R, n, d) current weights
    W0: np.ndarray  # (R, n, d) initial weights (a diverged restart starts again from here)
    step: np.ndarray  # (R,) step size (halved on each divergence restart)
    iters: np.ndarray  # (R,) int64 gradient steps taken
    status: np.ndarray  # (R,) int8 Status codes
    F: np.ndarray  # (R,) loss at the last evaluation
    gmax: np.ndarray  # (R,) max_i |grad_{w_i} F| at the last evaluation


@dataclass
class GDResult:
    """Per-restart endpoints of :func:`teacher_gd` (arrays of length R unless noted)."""

    W: np.ndarray  # (R, n, d) final weights
    F: np.ndarray  # loss at the last evaluation
    grad_norm: np.ndarray  # max_i |grad_{w_i} F| (or |grad F|_F with norm="frobenius"), last evaluation
    iterations: np.ndarray  # gradient steps taken (divergence restarts included)
    step: np.ndarray  # final step size (halved on each divergence restart)
    status: np.ndarray  # Status codes (int8); RUNNING where progress cancelled the run

    def take(self, idx) -> GDResult:
        """The restarts ``idx`` (an index or an index array) as a result of their own."""
        return GDResult(**{f.name: getattr(self, f.name)[idx] for f in dataclasses.fields(self)})

    def put(self, idx, other: GDResult) -> None:
        """Write ``other``'s restarts into rows ``idx``, in place."""
        for f in dataclasses.fields(self):
            getattr(self, f.name)[idx] = getattr(other, f.name)


def teacher_gd(
    W0,
    V=None,
    *,
    step: float = 0.1,
    tol: float = 1e-9,
    diverge: float = 1e4,
    f_stop: float = 1e-6,
    max_iters: int = 1_000_000,
    norm: str = "max",
    chunk: int = 2000,
    backend: str = "auto",
    progress: ProgressFn | None = None,
    resume: GDResult | None = None,
) -> GDResult:
    """Full-batch gradient descent on the teacher-student loss for R restarts at once.

    Each restart stops on the first of: ``|grad| <= tol`` (CONVERGED), ``F < f_stop`` (SMALL_LOSS;
    0 disables it) or ``max_iters`` steps (MAX_ITERS), where ``|grad|`` is ``2 pi max_i
    |grad_{w_i} F|`` (``norm="max"``, Safran & Shamir 2018) or the Frobenius norm ``|grad F|_F``
    (``norm="frobenius"``, Safran, Yehudai & Shamir 2021). When the same norm exceeds ``diverge``
    the restart starts again from its initial point with the step halved.

    Parameters
    ----------
    W0 : array_like, shape (R, n, d) or (n, d)
        Initial students; for one (n, d) student the result's arrays drop the R axis.
    V : array_like, shape (k, d), optional
        Teacher (identity if None).
    step, tol, diverge, f_stop, max_iters, norm
        The protocol's knobs, as above.
    chunk : int
        Steps per chunk; finished restarts are compacted away between chunks, and each chunk runs
        as native calls of about 0.2 s (:data:`relufast.optim.loop.CALL_SECONDS`), so that Ctrl-C
        lands within about that; results do not depend on either.
    backend : {"auto", "cpu", "numpy", "cuda"}
    progress : callable(done, total), optional
        Called after every chunk with the number of finished restarts; returning False stops the
        run there (unfinished restarts keep status RUNNING).
    resume : GDResult, optional
        An earlier call's endpoints on the same ``W0`` (and ``step``): its CONVERGED, MAX_ITERS and
        RUNNING restarts go on from where they stopped under this call's ``tol`` and ``max_iters``
        (the others keep their endpoints). A restart resumed this way ends bit for bit where one
        call with these settings would have ended it: the stopping rule only ever halts a restart,
        it never changes a step.

    Returns
    -------
    GDResult

    Examples
    --------
    >>> from relufast.optim import Status
    >>> r = teacher_gd(np.eye(3) + 0.1, backend="numpy")   # one student, near the teacher
    >>> Status(r.status).name, bool(r.F < 1e-6), r.W.shape
    ('SMALL_LOSS', True, (3, 3))
    """
    W0, single = _teacher.check_students(W0)
    V = _teacher.check_teacher(V, W0.shape[2])
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    opts = GDOptions(
        steps=positive_int(chunk, "chunk"),
        max_iters=positive_int(max_iters, "max_iters"),
        tol=positive_float(tol, "tol"),
        diverge=positive_float(diverge, "diverge"),
        f_stop=positive_float(f_stop, "f_stop", allow_zero=True),
        frobenius=norm == "frobenius",
    )
    step = positive_float(step, "step")
    kernel = get("teacher", "gd_chunk", backend)

    R = W0.shape[0]
    state = GDState(
        W=W0.copy(),
        W0=W0,
        step=np.full(R, step),
        iters=np.zeros(R, dtype=np.int64),
        status=np.zeros(R, dtype=np.int8),
        F=np.full(R, np.nan),
        gmax=np.full(R, np.nan),
    )
    if resume is not None:
        _resume_into(state, resume, single)

    def advance(part: GDState, n: int, t0: int) -> None:
        kernel(part, V, dataclasses.replace(opts, steps=n))

    run_chunks(state, advance, chunk=opts.steps, status=state.status, progress=progress)
    out = GDResult(
        W=state.W,
        F=state.F,
        grad_norm=state.gmax,
        iterations=state.iters,
        step=state.step,
        status=state.status,
    )
    return out.take(0) if single else out


#: The statuses :func:`teacher_gd` resumes: stopped by its tolerance or cap, or not stopped at all.
_RESUMABLE = (Status.RUNNING, Status.CONVERGED, Status.MAX_ITERS)


def _resume_into(state: GDState, resume: GDResult, single: bool) -> None:
    """Load an earlier call's endpoints into ``state``, its resumable restarts set RUNNING."""
    if not isinstance(resume, GDResult):
        raise BadTypeError(
            f"resume must be a GDResult of an earlier teacher_gd call, got {type(resume).__name__}"
        )
    R = state.W.shape[0]
    shapes = {
        "W": state.W.shape,
        "F": (R,),
        "grad_norm": (R,),
        "iterations": (R,),
        "step": (R,),
        "status": (R,),
    }
    fields = {}
    for name, shape in shapes.items():
        a = np.asarray(getattr(resume, name))
        a = a[None] if single else a
        if a.shape != shape:
            raise ValueError(f"resume.{name} has shape {a.shape}, expected {shape} (the W0 of this call)")
        fields[name] = a
    state.W[:] = fields["W"]
    state.F[:], state.gmax[:] = fields["F"], fields["grad_norm"]
    state.iters[:], state.step[:] = fields["iterations"], fields["step"]
    status = fields["status"].astype(np.int8)
    state.status[:] = np.where(np.isin(status, _RESUMABLE), Status.RUNNING, status)
