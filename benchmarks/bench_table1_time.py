"""The whole Table 1 on this machine: cell after cell, and as shards on a thread pool.

Cell after cell (``safran_shamir.table`` as the CLI runs it), each cell's restarts share the
native threads, and a cell's last slow runs (one block of restarts) leave the other cores idle.
As shards (``table(..., executor=ThreadPoolExecutor(T), shard_size=S, threads_per_worker=1)``),
T single-thread shards run at once, so one cell's stragglers overlap other cells' work; the rows
are the same bit for bit (shard seeds depend only on (seed, k, n, restart)), which the script
checks. Prints both wall times.

    python benchmarks/bench_table1_time.py [--ks 6-20] [--runs 1000] [--threads 2] [--shard 250]
        [--out benchmarks/results/table1_time.txt]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from relufast import backend
from relufast.experiments import safran_shamir as ss

sys.path.insert(0, str(Path(__file__).parent))
from harness import cells


def _same(a: list[dict], b: list[dict]) -> bool:
    keys = ("k", "n", "runs", "spurious", "avg_lambda_min", "avg_F", "not_converged", "certified", "families")
    keys += ("median_iterations", "saddles")

    def equal(u: object, v: object) -> bool:  # NaN (an empty cell's averages) equals NaN here
        return u == v or (isinstance(u, float) and isinstance(v, float) and math.isnan(u) and math.isnan(v))

    return all(all(equal(x.get(key), y.get(key)) for key in keys) for x, y in zip(a, b, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="6-20")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--shard", type=int, default=250)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    ks = cells.ks(args.ks)
    backend.set_num_threads(args.threads)
    t0 = time.perf_counter()
    rows = ss.table(ks, restarts=args.runs)
    t_seq = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.threads) as ex:
        sharded = ss.table(ks, restarts=args.runs, executor=ex, shard_size=args.shard, threads_per_worker=1)
    t_par = time.perf_counter() - t0
    lines = [
        f"# Table 1 (k = {ks[0]}..{ks[-1]}, n = k, k+1, k+2, {args.runs} runs, seed 0), {args.threads} cores",
        f"cell after cell, {args.threads} native threads per cell: {t_seq:.1f} s",
        f"shards of {args.shard} on ThreadPoolExecutor({args.threads}), 1 thread each: {t_par:.1f} s "
        f"({t_seq / t_par:.2f}x); rows identical: {_same(rows, sharded)}",
    ]
    print(*lines, sep="\n")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
