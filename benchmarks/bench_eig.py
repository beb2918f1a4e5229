"""Smallest eigenvalue of batches of symmetric matrices: relufast (C++) vs numpy.linalg.eigvalsh.

Prints ms per matrix (wall, best of --repeat; and process CPU time) at 1 and 2 threads for real
teacher Hessians (k = n = 10 -> m = 100, k = n = 14 -> m = 196, k = n = 20 -> m = 400, at random W
and, with --minima, at GD endpoints) and random SPD matrices (lambda_min ~ 1e-3, lambda_max ~ 10),
plus the largest |d lambda_min| / max|lambda| against LAPACK.

    python benchmarks/bench_eig.py [--batch 100] [--repeat 3] [--threads 1 2] [--minima]

The two libraries run alternately in the same process (same machine state); the 1-thread runs are
pinned to one core where the OS allows it. The machine may be shared: compare columns of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time

import numpy as np

from relufast import backend, minima, teacher


def _limits(threads: int):
    try:
        import threadpoolctl

        return threadpoolctl.threadpool_limits(threads)
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()


def _spd(rng, R: int, m: int) -> np.ndarray:
    out = np.empty((R, m, m))
    for r in range(R):
        Q, _ = np.linalg.qr(rng.normal(size=(m, m)))
        ev = np.r_[10 ** rng.uniform(-3, -1.3), rng.uniform(0.05, 10, m - 1)]
        A = (Q * ev) @ Q.T
        out[r] = 0.5 * (A + A.T)
    return out


def _teacher(rng, R: int, k: int) -> np.ndarray:
    return teacher.hessian(rng.normal(size=(R, k, k)) / np.sqrt(k), backend="cpu")


def _endpoints(k: int, R: int) -> np.ndarray:
    from relufast.experiments import safran_shamir

    res = safran_shamir.run(k, k, restarts=R)
    return teacher.hessian(res.W[res.label != "not converged"], backend="cpu")


def _time(fn, H, repeat: int) -> tuple[float, float, np.ndarray]:
    best_wall, best_cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(H)
        best_wall = min(best_wall, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return 1e3 * best_wall / len(H), 1e3 * best_cpu / len(H), out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=100, help="matrices per case (m = 400: half)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--minima", action="store_true", help="also GD endpoints at k = n = 8 and 20")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    B = args.batch
    cases = [
        ("teacher k=n=10, random W", _teacher(rng, B, 10)),
        ("random SPD", _spd(rng, B, 100)),
        ("teacher k=n=14, random W", _teacher(rng, B, 14)),
        ("random SPD", _spd(rng, B, 200)),
        ("teacher k=n=20, random W", _teacher(rng, max(B // 2, 1), 20)),
        ("random SPD", _spd(rng, max(B // 2, 1), 400)),
    ]
    if args.minima:
        cases.append(("teacher k=n=8, GD endpoints", _endpoints(8, B)))
        cases.append(("teacher k=n=20, GD endpoints", _endpoints(20, max(B // 2, 1))))

    cpp = lambda H: minima.min_eigenvalues(H, backend="cpu")  # noqa: E731
    ref = lambda H: np.linalg.eigvalsh(H)[:, 0]  # noqa: E731
    n0 = backend.info().get("threads", 1)
    try:
        aff = os.sched_getaffinity(0)
    except AttributeError:  # pragma: no cover
        aff = None
    print(
        f"{'thr':>3}  {'m':>4}  {'case':<30} {'R':>4}  {'relufast ms':>11} {'(cpu)':>7}  "
        f"{'eigvalsh ms':>11} {'(cpu)':>7}  {'speedup':>7}  {'max|dlam|/|H|':>13}"
    )
    try:
        for t in args.threads:
            backend.set_num_threads(t)
            if aff is not None:
                os.sched_setaffinity(0, set(sorted(aff)[-t:]) if t < len(aff) else aff)
            with _limits(t):
                for name, H in cases:
                    cpp(H[:2]), ref(H[:2])  # warm up
                    w1, c1, got = _time(cpp, H, args.repeat)
                    w2, c2, want = _time(ref, H, args.repeat)
                    scale = np.abs(np.linalg.eigvalsh(H)).max(axis=1)
                    err = float(np.max(np.abs(got - want) / scale))
                    print(
                        f"{t:>3}  {H.shape[1]:>4}  {name:<30} {len(H):>4}  {w1:>11.3f} {c1:>7.3f}  "
                        f"{w2:>11.3f} {c2:>7.3f}  {w2 / w1:>6.2f}x  {err:>13.1e}",
                        flush=True,
                    )
    finally:
        backend.set_num_threads(n0)
        if aff is not None:
            os.sched_setaffinity(0, aff)


if __name__ == "__main__":
    main()
