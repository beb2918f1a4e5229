"""The one chunk loop of every optimiser: native chunks, progress and cancellation between them,
per-restart status masks, and compaction of finished restarts so they stop costing work.

A chunk runs as native calls of about ``CALL_SECONDS`` each, sized from the time the previous ones
took: Python sees Ctrl-C only between native calls (they release the GIL and run to the end), so a
KeyboardInterrupt lands within about that, whatever the size of the problem. Splitting changes no
result: a call of n steps equals n calls of one step (the kernels keep no state between calls), and
restarts are independent, so where the loop compacts them (``status`` given) it also splits them.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from .status import Status

__all__ = ["ProgressFn", "Batch", "LoopResult", "run_chunks", "CALL_SECONDS"]

#: Target wall time of one native call: about the longest a Ctrl-C waits.
CALL_SECONDS = 0.2

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

    def rows(self: B, start: int, stop: int) -> B:
        """Rows ``start:stop`` as views (C-contiguous still): kernels update them in place."""
        return dataclasses.replace(  # type: ignore[type-var]
            self, **{k: a[start:stop] for k, a in self.arrays().items()}
        )

    def put(self, idx: np.ndarray, part: Batch) -> None:
        """Write the rows of ``part`` (from :meth:`take`) back to rows ``idx``."""
        for k, a in self.arrays().items():
            a[idx] = getattr(part, k)


class _Pacer:
    """Plans the native calls of a chunk (rows x steps each) to take about ``CALL_SECONDS``, from the
    seconds per row-step the last call took; the first is small, and each at most 8 x the last.
    """

    def __init__(self, split_rows: bool):
        self.split_rows = split_rows
        self.work = 64  # row-steps of the next call

    def run(self, part: B, advance: Callable[[B, int, int], Any], n: int, t0: int) -> None:
        """``advance(part, n, t0)`` as several calls of about CALL_SECONDS each."""
        R = next(iter(part.arrays().values())).shape[0]
        done = 0
        while done < n:
            steps = max(1, min(n - done, self.work // max(R, 1)))
            r0 = 0
            while r0 < R:  # all rows, or slices of them when one step of all would take too long
                r1 = R if steps > 1 or not self.split_rows else min(R, r0 + max(8, self.work // 8 * 8))
                t = time.perf_counter()
                advance(part if r1 - r0 == R else part.rows(r0, r1), steps, t0 + done)
                seconds = max(time.perf_counter() - t, 1e-6)
                work = (r1 - r0) * steps
                self.work = max(1, min(8 * work, int(work * CALL_SECONDS / seconds)))
                r0 = r1
            done += steps


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
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}")
    R = None if status is None else status.shape[0]
    pacer = _Pacer(split_rows=status is not None)
    done = 0
    while steps is None or done < steps:
        n = chunk if steps is None else min(chunk, steps - done)
        active = None if status is None else np.flatnonzero(status == Status.RUNNING)
        if active is not None and active.size == 0:
            break
        if active is None or active.size == R:
            pacer.run(state, advance, n, done)
        else:
            part = state.take(active)
            pacer.run(part, advance, n, done)
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
