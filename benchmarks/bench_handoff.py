"""When should GD hand its slow runs to Newton and the certificate? Table 1 at several ``certify_after``.

For every (k, n) cell of --ks x --extra (the ICML 2018 protocol as shipped, seed 0, --runs
restarts) it runs ``safran_shamir.run`` once per value of --after (the first is the reference,
the shipped 20,000 by default) and prints per cell and value the wall time, the GD steps, the runs
certified and the labels that differ from the reference's (the reference's labels equal the
uncapped protocol's on every cell, ``results/table1_labels.txt``). A hand-off earlier than the
shipped one saves GD steps on the spurious runs of the n = k cells (their linear tail from a
gradient of 1e-5 to the protocol's 1e-9), at the price of one certificate per such run.

    python benchmarks/bench_handoff.py [--ks 6-20] [--extra 0 1 2] [--runs 200]
        [--after 20000 6000 3000] [--threads 2] [--out benchmarks/results/handoff.txt]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from relufast import backend
from relufast.experiments import safran_shamir as ss

sys.path.insert(0, str(Path(__file__).parent))
from harness import cells


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", type=cells.ks, default=cells.ks("6-20"))
    ap.add_argument("--extra", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--after", type=int, nargs="+", default=[20_000, 6_000, 3_000])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    backend.set_num_threads(args.threads)
    lines = [
        f"# Table 1 hand-off at certify_after = {', '.join(map(str, args.after))} (the first is the "
        f"reference); {args.runs} runs per cell, seed 0, {args.threads} threads",
        f"# machine: {cells.machine()}, SIMD lanes {backend.info()['simd_lanes']}",
        "k   n   "
        + "  ".join(f"{'s @' + str(a):>9} {'steps':>9} {'cert':>4} {'mism':>4}" for a in args.after),
    ]
    print(*lines, sep="\n", flush=True)
    ss.run(6, 6, 16, seed=1)  # warm-up: the first run's start-up costs stay out of the table
    total = {a: [0.0, 0] for a in args.after}
    for k in args.ks:
        for e in args.extra:
            cols, ref = [], None
            for a in args.after:
                t0 = time.perf_counter()
                r = ss.run(k, k + e, args.runs, seed=0, certify_after=a)
                dt = time.perf_counter() - t0
                ref = r.label if ref is None else ref
                steps = int(r.iterations.sum())
                total[a][0] += dt
                total[a][1] += steps
                cols.append(
                    f"{dt:9.2f} {steps:9.3e} {int(r.certified.sum()):4d} {int(np.sum(r.label != ref)):4d}"
                )
            lines.append(f"{k:<3d} {k + e:<3d} " + "  ".join(cols))
            print(lines[-1], flush=True)
    ref_s, ref_steps = total[args.after[0]]
    for a, (s, steps) in total.items():
        lines.append(
            f"certify_after {a}: {s:.1f} s, {steps:.3e} GD steps "
            f"({s / ref_s:.2f}x the time and {steps / ref_steps:.2f}x the steps of {args.after[0]})"
        )
        print(lines[-1], flush=True)
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
