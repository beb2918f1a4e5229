"""How far below the whole Table 1's measured time its GD steps could go on this machine.

Runs every cell with the default protocol (``safran_shamir.run``, 1000 runs, seed 0), cell after
cell on the native threads, and records its wall time and the GD steps its runs took (the steps
the protocol needs: labels identical to GD run to the end, see ``bench_table1_labels.py``). Then
it prices those steps at a floor: each restart-iteration's angles, square roots, exact roots and
divisions at the throughput ``harness/ops.py`` measures for the kernel's own code, plus its useful
FMAs at the measured peak (``bench_teacher_roofline.step_floor``, identity
teacher), shared perfectly over the threads, with no lane left idle and nothing else (Hessians,
eigenvalues, Newton, the certificate) costing anything. Time below that floor needs fewer GD steps
or a cheaper formulation of the step, not a faster kernel.

    python benchmarks/bench_table1_floor.py [--ks 6-20] [--runs 1000] [--threads 2]
        [--out benchmarks/results/table1_floor.txt]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from relufast import backend
from relufast.experiments import safran_shamir as ss

sys.path.insert(0, str(Path(__file__).parent))
from bench_table1_tail import block_steps
from bench_teacher_roofline import step_floor
from harness import cells
from harness.ops import measure_ops
from harness.peak import measure_peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="6-20")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    ops, peak = measure_ops(), measure_peak()  # before the cells: one idle core each
    if "error" in ops or "error" in peak:
        sys.exit(f"cannot measure the floor here: {ops.get('error') or peak.get('error')}")
    backend.set_num_threads(args.threads)
    lanes = ops["lanes"]
    lines = [
        f"# Table 1 (k = {args.ks}, n = k, k+1, k+2, {args.runs} runs, seed 0), {args.threads} threads, "
        "cell after cell",
        f"# machine: {cells.machine()}, SIMD lanes {lanes}; per lane: angle {ops['angle']:.3g} ns, root "
        f"{ops['root']:.3g} ns, exact root {ops['exact_root']:.3g} ns, exact division "
        f"{ops['exact_divide']:.3g} ns; FMA peak {peak['measured_flops']:.3g} flop/s",
        "k   n      wall s   GD steps   floor s  lanes   (floor: the steps at the kernel's operation "
        "floor over the threads; lanes: the occupancy model's block-steps / full blocks)",
    ]
    print(*lines, sep="\n", flush=True)
    wall = steps = floor = 0.0
    for k in cells.ks(args.ks):
        for n in (k, k + 1, k + 2):
            t0 = time.perf_counter()
            res = ss.run(k, n, restarts=args.runs)
            w = time.perf_counter() - t0
            it = res.iterations
            f = it.sum() * sum(step_floor(n, k, ops, peak["measured_flops"])) / args.threads
            occupancy = block_steps(it, args.threads, lanes) / (it.sum() / (args.threads * lanes))
            wall, steps, floor = wall + w, steps + it.sum(), floor + f
            row = f"{k:<3} {n:<3} {w:9.2f} {it.sum():10.4g} {f:9.2f} {occupancy:6.2f}"
            lines.append(row)
            print(row, flush=True)
    tail = [
        f"all cells: {wall:.1f} s measured, {steps:.4g} GD steps, floor {floor:.1f} s "
        f"({floor / wall:.0%} of the measured time)",
    ]
    print(*tail, sep="\n")
    if args.out:
        Path(args.out).write_text("\n".join(lines + tail) + "\n")


if __name__ == "__main__":
    main()
