"""The one chunk loop of every optimiser: native chunks, progress and cancellation between them,
per-restart status masks, and compaction of finished restarts so they stop costing work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .status import Status

__all__ = ["ProgressFn", "Batch", "LoopResult", "run_chunks"]

#: ``progress(done, total)``, called after every chunk; returning False (exactly) stops the loop.
ProgressFn = Callable[[int, int], object]

B = TypeVar("B", bound="Batch")


class Batch:
    """Base of the per-restart state of an optimiser: a dataclass whose array fields have R rows.

    Fields that are None (e.g. Adam's moments under plain GD) are carried along untouched.
    """

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def take(self: B, idx: np.ndarray) -> B:
        """A compact copy of rows ``idx`` (C-contiguous, as the native kernels need)."""
        return dataclasses.replace(  # type: ignore[type-var]
            self, **{k: np.ascontiguousarray(a[idx]) for k, a in self.arrays().items()}
        )

    def put(self, idx: np.ndarray, part: Batch) -> None:
        """Write the rows of ``part`` (from :meth:`take`) back to rows ``idx``."""
        for k, a in self.arrays().items():
            a[idx] = getattr(part, k)


@dataclass
class LoopResult:
    steps: int  # steps run (the chunks' lengths added up)
    cancelled: bool  # progress returned False


def run_chunks(
    state: B,
    advance: Callable[[B, int, int], Any],
    *,
    chunk: int,
    steps: int | None = None,
    status: np.ndarray | None = None,
    progress: ProgressFn | None = None,
    after_chunk: Callable[[int], Any] | None = None,
) -> LoopResult:
    """Run ``advance`` chunk after chunk on the restarts that are still running.

    Parameters
    ----------
    state : Batch
        Per-restart arrays, updated in place.
    advance : callable(part, n, t0)
        Runs ``n`` steps in place on ``part`` (``state``, or a compact copy of its running rows),
        ``t0`` steps having run before.
    chunk : int
        Steps per call of ``advance``.
    steps : int, optional
        Total steps; None runs until no restart's ``status`` is RUNNING.
    status : ndarray, optional
        The per-restart status array of ``state`` (a field of it). Rows that left RUNNING are
        compacted away: ``advance`` only sees the running ones.
    progress : callable(done, total), optional
        Called after every chunk with finished restarts over R (when ``steps`` is None) or steps
        done over ``steps``; returning False stops the loop (``cancelled``).
    after_chunk : callable(t), optional
        Called after every chunk with the steps done so far (e.g. to record a loss history).
    """
    if steps is None and status is None:
        raise ValueError("run_chunks needs steps or a status array to know when to stop")
    R = None if status is None else status.shape[0]
    done = 0
    while steps is None or done < steps:
        n = chunk if steps is None else min(chunk, steps - done)
        active = None if status is None else np.flatnonzero(status == Status.RUNNING)
        if active is not None and active.size == 0:
            break
        if active is None or active.size == R:
            advance(state, n, done)
        else:
            part = state.take(active)
            advance(part, n, done)
            state.put(active, part)
        done += n
        if after_chunk is not None:
            after_chunk(done)
        if progress is not None:
            if steps is None:
                assert status is not None and R is not None
                report = progress(R - int(np.count_nonzero(status == Status.RUNNING)), R)
            else:
                report = progress(done, steps)
            if report is False:
                return LoopResult(done, True)
    return LoopResult(done, False)
