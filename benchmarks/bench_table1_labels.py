"""Table 1 cell by cell: the capped, certified protocol against the uncapped one, label by label.

For every (k, n) cell of --ks x --extra (1000 runs, seed 0, the ICML 2018 protocol) it runs
``safran_shamir.run`` without a cap (``max_iters`` = --uncapped, far above any run seen) and with
each cap of --caps (the default protocol caps at 10^6 steps; runs the cap stops at F >= 1e-3 are
Newton-polished and certified, see ``run_shard``). It prints per cell and cap: the runs whose label
differs from the uncapped run's (the issue's requirement: 0), the runs certified at the cap, the
runs left "not converged", and both wall times. The uncapped column is the proof of the labels;
the time saved is the uncapped wall time minus the capped one.

    python benchmarks/bench_table1_labels.py [--ks 6-20] [--extra 0 1 2] [--runs 1000]
        [--caps 1000000 100000] [--out benchmarks/results/table1_labels.txt]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from relufast import backend
from relufast.experiments import safran_shamir as ss


def _ks(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def _timed_run(k: int, n: int, runs: int, max_iters: int):
    t0 = time.perf_counter()
    r = ss.run(k, n, runs, seed=0, max_iters=max_iters)
    return r, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ks", default="6-20")
    ap.add_argument("--extra", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--caps", nargs="+", type=int, default=[1_000_000, 100_000])
    ap.add_argument("--uncapped", type=int, default=20_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    backend.set_num_threads(args.threads)
    head = "k   n   spurious  max it      uncapped s"
    for cap in args.caps:
        head += f"  | cap {cap:.0e}: mismatched  certified  not conv.  s    "
    lines = [
        f"# Table 1 labels, capped + certified vs uncapped (max_iters {args.uncapped:.0e}); "
        f"{args.runs} runs per cell, seed 0, {args.threads} threads",
        head,
    ]
    print(*lines, sep="\n", flush=True)
    total = {"uncapped": 0.0, **{cap: 0.0 for cap in args.caps}}
    bad = {cap: 0 for cap in args.caps}
    for k in _ks(args.ks):
        for e in args.extra:
            n = k + e
            ref, t_ref = _timed_run(k, n, args.runs, args.uncapped)
            total["uncapped"] += t_ref
            row = (
                f"{k:<3d} {n:<3d} {ref.count('spurious'):<9d} {int(ref.iterations.max()):<11d} {t_ref:<10.1f}"
            )
            for cap in args.caps:
                r, t = _timed_run(k, n, args.runs, cap)
                total[cap] += t
                mism = int(np.sum(r.label != ref.label))
                bad[cap] += mism
                cert = 0 if r.certified is None else int(np.sum(r.certified))
                row += f"  | {'':11s}{mism:<12d}{cert:<11d}{r.count('not converged'):<11d}{t:<7.1f}"
            lines.append(row)
            print(row, flush=True)
    summary = [f"uncapped: {total['uncapped']:.1f} s in all"]
    for cap in args.caps:
        summary.append(
            f"cap {cap:.0e}: {bad[cap]} mismatched labels in all, {total[cap]:.1f} s "
            f"({total['uncapped'] - total[cap]:.1f} s saved)"
        )
    lines += summary
    print(*summary, sep="\n")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
