"""Fit the cost model of ``safran_shamir.estimate_seconds`` (the app's "this will take") here.

Runs every Table 1 cell (default protocol) cell after cell on ``--threads`` native threads and
fits, per student excess e = n - k, seconds per restart and thread = a_e (k / 10)^p_e by least
squares on the logs; then times the NumPy backend against the C++ core on one thread on a few
small cells for the NumPy factor. Prints the constants, each cell's measured and modelled time
and the whole table's, under the model shipped and the one fitted.

    python benchmarks/bench_estimate.py [--ks 6-20] [--runs 1000] [--threads 2]
        [--numpy-ks 6-8] [--numpy-runs 100] [--out benchmarks/results/estimate_fit.txt]
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


def _seconds(k: int, n: int, runs: int, be: str = "auto") -> float:
    t0 = time.perf_counter()
    ss.run(k, n, restarts=runs, backend=be)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="6-20")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--numpy-ks", default="6-8")
    ap.add_argument("--numpy-runs", type=int, default=100)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    ks, extras = cells.ks(args.ks), (0, 1, 2)
    lines = [
        f"# estimate_seconds fit: Table 1 cells k = {ks[0]}..{ks[-1]}, n = k + e, {args.runs} runs, "
        f"{args.threads} threads, cell after cell",
        f"# machine: {cells.machine()}",
    ]
    backend.set_num_threads(args.threads)
    wall = {(k, e): _seconds(k, k + e, args.runs) for k in ks for e in extras}
    shipped = {c: ss.estimate_seconds([c[0]], [c[1]], args.runs, "cpu", threads=args.threads) for c in wall}
    fit = {}
    for e in extras:
        x = np.log([k / 10 for k in ks])
        y = np.log([wall[k, e] * args.threads / args.runs for k in ks])
        p, log_a = np.polyfit(x, y, 1)
        fit[e] = (float(np.exp(log_a)), float(p))
        lines.append(
            f"e = {e}: a = {fit[e][0]:.5f} s per restart and thread at k = 10, power {fit[e][1]:.2f}"
        )
    model = {(k, e): fit[e][0] * (k / 10) ** fit[e][1] * args.runs / args.threads for (k, e) in wall}
    lines.append("k   n   measured s  fitted s  shipped model s")
    lines += [
        f"{k:<3} {k + e:<3} {wall[k, e]:<11.2f} {model[k, e]:<9.2f} {shipped[k, e]:.2f}" for (k, e) in wall
    ]
    total = sum(wall.values())
    worst = max(abs(model[c] / wall[c] - 1) for c in wall)
    lines.append(
        f"whole table: measured {total:.1f} s, fitted {sum(model.values()):.1f} s (worst cell off by "
        f"{worst:.0%}), shipped model {sum(shipped.values()):.1f} s"
    )
    backend.set_num_threads(1)
    nks = cells.ks(args.numpy_ks)
    t_np = sum(_seconds(k, k, args.numpy_runs, "numpy") for k in nks)
    t_core = sum(_seconds(k, k, args.numpy_runs, "cpu") for k in nks)
    lines.append(
        f"NumPy vs the C++ core, one thread, k = n = {nks[0]}..{nks[-1]}, {args.numpy_runs} runs: "
        f"{t_np:.1f} s vs {t_core:.2f} s, factor {t_np / t_core:.1f}"
    )
    print(*lines, sep="\n")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
