"""Where one Table 1 cell's time goes: its slowest runs and the lanes they leave idle.

Runs the cell with the default protocol (``safran_shamir.run``), then prints

* the GD steps in all and those taken past ``certify_after``;
* a lane-occupancy model from the measured per-run steps: while r runs are left, each of T
  threads steps ceil(r / T) of them in blocks of ``_core.lanes`` (one block-step per block, full
  or not), against the ideal of full blocks (what the stragglers cost beyond their own steps);
* the slowest runs, each rerun alone under GD (bit for bit the cell's own GD, which the
  hand-off resumes unchanged where it proves nothing): F, the gradient norm and lambda_min at
  ``certify_after`` and at doublings of it, so that a run parked beside a saddle (F flat, the
  gradient tiny, lambda_min < 0) shows where its steps went.

    python benchmarks/bench_table1_tail.py [--cell 17 18] [--runs 1000] [--threads 2] [--slowest 5]
        [--out benchmarks/results/table1_tail.txt]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from relufast import _core, backend, optim
from relufast.experiments import safran_shamir as ss
from relufast.objectives import teacher as objective

sys.path.insert(0, str(Path(__file__).parent))
from harness import cells


def block_steps(iterations: np.ndarray, threads: int, lanes: int) -> float:
    """Block-steps per thread of the occupancy model: restarts shared evenly, blocks of ``lanes``."""
    its = np.sort(iterations)
    left = its.size - np.arange(its.size)  # runs still going during each stretch
    stretch = np.diff(np.concatenate([[0], its]))
    return float((stretch * np.ceil(np.ceil(left / threads) / lanes)).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", type=int, nargs=2, default=(17, 18), metavar=("K", "N"))
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--slowest", type=int, default=5)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    k, n = args.cell
    backend.set_num_threads(args.threads)
    t0 = time.perf_counter()
    res = ss.run(k, n, restarts=args.runs)
    wall = time.perf_counter() - t0
    spec = ss.cell_spec(k, n)
    it = res.iterations
    late = np.maximum(it - spec.certify_after, 0).sum()
    lanes = int(_core.lanes)
    ideal = it.sum() / (args.threads * lanes)
    model = block_steps(it, args.threads, lanes)
    lines = [
        f"# Table 1 cell (k, n) = ({k}, {n}), {args.runs} runs, seed 0, default protocol, "
        f"{args.threads} threads",
        f"# machine: {cells.machine()}, SIMD lanes {lanes}",
        f"wall {wall:.1f} s; GD steps {it.sum():.4g}, past certify_after = {spec.certify_after}: "
        f"{late:.4g} ({late / it.sum():.0%})",
        f"lane-occupancy model: {model:.4g} block-steps per thread against {ideal:.4g} with every lane "
        f"full ({model / ideal:.2f}x)",
        f"the {args.slowest} slowest runs (rerun alone under GD; lambda_min of the exact Hessian there):",
        "run   steps    label     certified  at step: F, 2 pi max|g|, lambda_min",
    ]
    W0 = ss.initial_students(k, n, args.runs, 0)
    gd_kw = dict(step=spec.step, diverge=spec.diverge, f_stop=spec.f_stop, norm=spec.norm)
    slow = np.argsort(it, kind="stable")[::-1][: args.slowest]
    for r in slow:
        caps = [spec.certify_after * 2**j for j in range(64) if spec.certify_after * 2**j < it[r]]
        gd, seen = None, []
        for cap in (*caps, int(it[r])):  # doublings of certify_after, then where the run ended
            gd = optim.teacher_gd(W0[[r]], spec.V, tol=spec.tol, max_iters=cap, resume=gd, **gd_kw)
            lam = objective.min_eigenvalues(gd.W, spec.V)[0]
            seen.append(f"{cap}: {gd.F[0]:.8f}, {2 * np.pi * gd.grad_norm[0]:.1e}, {lam:.1e}")
        certified = bool(res.certified[r]) if res.certified is not None else False
        lines.append(f"{r:<5} {it[r]:<8} {res.label[r]:<9} {certified!s:<10} {'; '.join(seen)}")
    print(*lines, sep="\n")
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
