"""How long the 2021 protocol takes at large k: measured GD rates, extrapolated to 500 runs.

Measures teacher GD restart-iterations/s at k = n in --ks (the 2021 step 5/k, no early stop,
--steps steps of --restarts restarts), in this process on --threads native threads and on a Dask
LocalCluster of --workers single-thread worker processes (the restarts sharded over them, the way
``safran_shamir.run(..., executor=...)`` runs a cell). The GD steps a run needs come from the
shipped reference (``teacher_student_2021.json``): its median per k, fitted linearly in k over
k >= 20 and extrapolated. Estimate = runs x median steps / rate, plus lambda_min per run (Lanczos,
timed here on the endpoints of the measured GD); the mean run is longer than the median (a tail
of slow runs), which the last column shows from the reference cells.

    python benchmarks/bench_colt2021.py [--ks 50 100] [--runs 500] [--workers 2] [--measure 50]

``--measure K ...`` then runs the whole protocol (``safran_shamir.run(k, k, runs, 0,
protocol="colt2021")``: GD, lambda_min, labels, families) at each K and prints its wall time beside
the estimate.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from relufast import backend, optim
from relufast.experiments import reference
from relufast.experiments import safran_shamir as ss
from relufast.objectives import teacher


def _gd(W0, k, steps, threads):
    backend.set_num_threads(threads)
    gd = optim.teacher_gd(
        W0, None, step=5.0 / k, tol=1e-300, f_stop=0.0, max_iters=steps, norm="frobenius", chunk=steps
    )
    return gd.W, int(gd.iterations.sum())


def _rate_local(k, R, steps, threads):
    W0 = ss.initial_students(k, k, R, 0)
    t0 = time.perf_counter()
    W, its = _gd(W0, k, steps, threads)
    return its / (time.perf_counter() - t0), W


def _rate_dask(k, R, steps, workers):
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster) as c,
    ):
        ex = c.get_executor()
        shards = np.array_split(np.arange(R), workers)
        W0s = [ss.initial_students(k, k, len(s), 0, start=int(s[0])) for s in shards]
        list(ex.map(_gd, W0s[:1], [k], [2], [1]))  # warm the workers
        t0 = time.perf_counter()
        its = sum(n for _, n in ex.map(_gd, W0s, [k] * workers, [steps] * workers, [1] * workers))
        return its / (time.perf_counter() - t0)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", type=int, nargs="+", default=[50, 100])
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--restarts", type=int, default=16, help="restarts timed per k")
    ap.add_argument("--steps", type=int, default=200, help="GD steps timed per k")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (0: skip)")
    ap.add_argument("--measure", type=int, nargs="*", default=[], help="k values to run in full and time")
    args = ap.parse_args(argv)

    ref = reference.load(reference.FILES["teacher_2021"])
    cells = [c for c in ref["cells"] if c["k"] >= 20]
    kk = np.array([c["k"] for c in cells], dtype=float)
    med = np.array([c["summary"]["median_iterations"] for c in cells])
    slope, icpt = np.polyfit(kk, med, 1)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"relufast {backend.info()['version']}; {os.cpu_count()} CPUs; load average {load}")
    print(f"median GD steps of the reference (k >= 20): {icpt:.0f} + {slope:.1f} k")
    cols = [
        "k",
        f"rate/s ({args.threads} threads)",
        f"rate/s (Dask, {args.workers} workers)",
        "median steps (fit)",
        "lambda_min s/run",
        f"{args.runs} runs, h (threads)",
        f"{args.runs} runs, h (Dask)",
        "worker-hours",
    ]
    print(" | ".join(cols))
    for k in args.ks:
        rate, W = _rate_local(k, args.restarts, args.steps, args.threads)
        t0 = time.perf_counter()
        teacher.min_eigenvalues(W[:2], method="lanczos")
        eig = (time.perf_counter() - t0) / 2
        drate = _rate_dask(k, args.restarts, args.steps, args.workers) if args.workers else float("nan")
        steps = icpt + slope * k
        gd_h = args.runs * steps / rate / 3600
        dask_h = args.runs * steps / drate / 3600 if args.workers else float("nan")
        eig_h = args.runs * eig / 3600
        row = [
            str(k),
            f"{rate:.3g}",
            f"{drate:.3g}",
            f"{steps:.0f}",
            f"{eig:.2f}",
            f"{gd_h + eig_h:.2f}",
            f"{dask_h + eig_h / max(args.workers, 1):.2f}",
            f"{(dask_h + eig_h / max(args.workers, 1)) * args.workers:.2f}",
        ]
        print(" | ".join(row), flush=True)
    print(
        "one worker of N like these: the Dask column x workers / N (shards are independent; the driver only "
        "collects endpoints)"
    )
    if args.measure:
        cols = "k | runs | wall s | spurious % | families | mean steps"
        print(f"measured in full ({args.threads} threads): {cols}")
    for k in args.measure:
        backend.set_num_threads(args.threads)
        t0 = time.perf_counter()
        res = ss.run(k, k, args.runs, 0, protocol="colt2021")
        wall = time.perf_counter() - t0
        summary = res.summary()
        print(
            f"{k} | {args.runs} | {wall:.1f} | {summary['pct_spurious']:.1f} | {len(res.families)} | "
            f"{res.iterations.mean():.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
