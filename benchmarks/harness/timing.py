"""Timing: wall and CPU clocks, calibration to a target time, round-robin medians, split batches."""

from __future__ import annotations

import statistics
import time

from .peers import has


class Clock:
    """Wall and process-CPU time of a block."""

    def __enter__(self):
        self.w0, self.c0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w0
        self.cpu = time.process_time() - self.c0


def calibrate(fn, units: int, target_s: float, lo: int = 1, hi: int = 10**9) -> int:
    """Units of work (steps, matrices...) so that ``fn(units)`` takes about ``target_s`` seconds.

    ``fn(units)`` must already be warm (compiled); it is run once or twice here.
    """
    units = max(lo, min(hi, units))
    for _ in range(4):
        with Clock() as c:
            fn(units)
        t = max(c.cpu, 1e-6)
        if t >= 0.2 * target_s or units >= hi:
            break
        units = max(lo, min(hi, int(units * min(100.0, 0.5 * target_s / t)) + 1))
    return max(lo, min(hi, int(units * target_s / t) + 1))


def round_robin(cases: dict, repeat: int) -> dict:
    """Run each callable of ``cases`` once per round, ``repeat`` rounds; medians of both clocks.

    Returns ``{name: {"wall": median_s, "cpu": median_s, "walls": [...], "cpus": [...]}}``.
    """
    walls = {k: [] for k in cases}
    cpus = {k: [] for k in cases}
    for _ in range(repeat):
        for name, fn in cases.items():
            with Clock() as c:
                fn()
            walls[name].append(c.wall)
            cpus[name].append(c.cpu)
    return {
        k: {
            "wall": statistics.median(walls[k]),
            "cpu": statistics.median(cpus[k]),
            "walls": walls[k],
            "cpus": cpus[k],
        }
        for k in cases
    }


def seconds(t: dict, threads: int) -> float:
    """The clock a rate is quoted on: CPU time for one pinned thread, wall time otherwise."""
    return t["cpu"] if threads == 1 else t["wall"]


def clock_name(threads: int) -> str:
    return "process CPU time (1 pinned core)" if threads == 1 else f"wall time ({threads} threads)"


def split_batch(fn, batch, threads: int):
    """Apply ``fn`` to ``threads`` slices of ``batch`` in parallel Python threads, with the BLAS/OpenMP
    pools limited to one thread each (the way to run independent small problems on several cores
    with libraries whose own threading only splits each small problem). Returns the concatenation.
    """
    import concurrent.futures

    import numpy as np

    if threads <= 1:
        return fn(batch)
    parts = np.array_split(batch, threads)
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return np.concatenate(list(pool.map(fn, parts)))


def one_thread_libraries():
    """Context manager limiting BLAS / OpenMP pools to one thread (threadpoolctl), or a no-op."""
    import contextlib

    if has("threadpoolctl"):
        import threadpoolctl

        return threadpoolctl.threadpool_limits(1)
    return contextlib.nullcontext()


def timed(cases: dict, target: float, repeat: int, threads: int, log) -> dict:
    """Warm each case {name: (fn(steps) -> work done, first steps)} (compiling it), calibrate its
    steps to ``target`` seconds, then time all of them round-robin; a case that fails is logged and
    left out. Returns {name: timings + work + rate (work per second)}."""
    calls, work = {}, {}
    for name, (fn, s0) in cases.items():
        try:
            with Clock() as c:
                fn(min(s0, 2))
        except Exception as exc:  # a peer that fails here is reported and left out
            log(f"    {name}: FAILED ({type(exc).__name__}: {str(exc)[:200]})")
            continue
        log(f"    {name}: warm-up/compile {c.wall:.2f}s")
        steps = calibrate(fn, s0, target, lo=1)
        work[name] = [0]

        def call(fn=fn, steps=steps, w=work[name]):
            w[0] = fn(steps)

        calls[name] = call
    times = round_robin(calls, repeat)
    return {
        name: dict(times[name], work=work[name][0], rate=work[name][0] / seconds(times[name], threads))
        for name in calls
    }
