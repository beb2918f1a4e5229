"""The engine figure: how fast the kernels run on every backend here, and whether the backends agree.

The same inputs go to every backend that runs on this machine: the teacher-student loss, gradient,
Hessian and GD (k = n), and full-batch GD of the five-points one-unit net.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

__all__ = ["NUMPY_MAX_RESTARTS", "bench", "backend_agreement", "speedups"]

#: The NumPy reference is timed on at most this many restarts (its time and memory grow with them,
#: its per-restart cost does not): 4000 restarts at k = 16 took 9 minutes and 1.1 GB on it.
NUMPY_MAX_RESTARTS = 256


def _best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench(quick: bool = False, restarts: int = 1000, k: int = 10) -> list[dict]:
    """Time a few relufast kernels on every backend that runs here, on the same inputs.

    Parameters
    ----------
    quick : bool, default False
        At most 64 restarts and short GD runs (a smoke test).
    restarts : int, default 1000
        Students / nets per kernel call (the Hessian uses the first 100 at most, the NumPy backend
        the first :data:`NUMPY_MAX_RESTARTS`).
    k : int, default 10
        Teacher and student width of the teacher kernels.

    Returns
    -------
    list of dict
        One row per (task, backend): ``task``, ``backend``, ``seconds`` (best of a few calls),
        ``restarts``, ``per_restart_us``.
    """
    from .. import backend as _backend
    from .. import optim, teacher, train
    from . import five_points as fp
    from . import safran_shamir as ss

    if quick:
        restarts = min(restarts, 64)
    backends = ["numpy"] + (["cpu"] if _backend.has_core() else [])
    W0 = ss.initial_students(k, k, restarts, seed=0)
    steps = 20 if quick else 200
    P0 = fp.initial_params(restarts, seed=0)
    mlp_steps = 200 if quick else 2000
    rows = []
    for be in backends:
        m = min(restarts, NUMPY_MAX_RESTARTS) if be == "numpy" else restarts
        W, P = W0[:m], P0[:m]
        tasks = {
            f"teacher loss+grad (k = n = {k})": (lambda be=be, W=W: teacher.loss_and_grad(W, backend=be), 3),
            f"teacher Hessian (k = n = {k})": (lambda be=be, W=W: teacher.hessian(W[:100], backend=be), 3),
            f"teacher GD, {steps} steps (k = n = {k})": (
                lambda be=be, W=W: optim.teacher_gd(W, max_iters=steps, f_stop=0.0, chunk=steps, backend=be),
                1,
            ),
            f"one-unit net GD on five points, {mlp_steps} steps": (
                lambda be=be, P=P: train.train(
                    P,
                    fp.X,
                    fp.Y,
                    list(fp.SIZES),
                    optimizer="gd",
                    lr=0.01,
                    steps=mlp_steps,
                    loss="sse",
                    backend=be,
                ),
                1,
            ),
        }
        for task, (fn, repeat) in tasks.items():
            n = min(100, m) if "Hessian" in task else m  # W[:100]
            t = _best_time(fn, repeat)
            rows.append(
                {"task": task, "backend": be, "seconds": t, "restarts": n, "per_restart_us": 1e6 * t / n}
            )
    return rows


def backend_agreement(restarts: int = 200, k: int = 8) -> list[dict]:
    """Largest differences between the C++ core and the NumPy reference on the same students.

    Parameters
    ----------
    restarts : int, default 200
        Random students (seed 1).
    k : int, default 8
        k = n.

    Returns
    -------
    list of dict
        One row per kernel (loss F, gradient, Hessian): ``kernel``, ``max |cpu - numpy|``,
        ``max |numpy|``, ``restarts``, ``k = n``; empty when the C++ core is not built.
    """
    from .. import backend as _backend
    from .. import teacher
    from . import safran_shamir as ss

    if not _backend.has_core():
        return []
    W = ss.initial_students(k, k, restarts, seed=1)
    rows = []
    for what, fn in (("loss F", teacher.loss), ("gradient", teacher.grad), ("Hessian", teacher.hessian)):
        a, b = fn(W, backend="numpy"), fn(W, backend="cpu")
        rows.append(
            {
                "kernel": what,
                "max |cpu - numpy|": float(np.max(np.abs(a - b))),
                "max |numpy|": float(np.max(np.abs(a))),
                "restarts": restarts,
                "k = n": k,
            }
        )
    return rows


def speedups(rows: list[dict]) -> list[dict]:
    """The :func:`bench` rows as one row per task: the best time per backend, and the speed-up.

    Parameters
    ----------
    rows : list of dict
        With ``task``, ``backend`` and ``seconds`` (and ``per_restart_us``, which is compared
        instead when present: backends may be timed on different numbers of restarts).

    Returns
    -------
    list of dict
        Sorted by task: ``task``, then one key per backend (sorted by name; the smallest
        ``per_restart_us`` or ``seconds``, None where that backend has no row), then
        ``speed-up (numpy / cpu)`` when both backends ran.

    Examples
    --------
    >>> speedups([{"task": "b", "backend": "numpy", "seconds": 3.0},
    ...           {"task": "b", "backend": "cpu", "seconds": 0.5},
    ...           {"task": "b", "backend": "cpu", "seconds": 0.25},
    ...           {"task": "a", "backend": "numpy", "seconds": 1.0}])
    [{'task': 'a', 'cpu': None, 'numpy': 1.0, 'speed-up (numpy / cpu)': None},
     {'task': 'b', 'cpu': 0.25, 'numpy': 3.0, 'speed-up (numpy / cpu)': 12.0}]
    """
    best: dict = {}
    for r in rows:
        key = (r["task"], r["backend"])
        best[key] = min(best.get(key, float("inf")), float(r.get("per_restart_us", r["seconds"])))
    backends = sorted({b for _, b in best})
    both = {"numpy", "cpu"} <= set(backends)
    out = []
    for task in sorted({t for t, _ in best}):
        row = {"task": task}
        row.update({b: best.get((task, b)) for b in backends})
        if both:
            row["speed-up (numpy / cpu)"] = (
                row["numpy"] / row["cpu"] if row["numpy"] is not None and row["cpu"] is not None else None
            )
        out.append(row)
    return out
