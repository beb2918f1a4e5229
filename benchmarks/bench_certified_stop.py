"""How much of Table 1's time a proven early stop can save: GD to a cap, certify, resume the rest.

For each (k, n) cell (paper protocol, seed 0, --runs restarts) it runs the uncapped protocol
(GD until ``2 pi max_i |g_i| <= 1e-9`` or F < 1e-6), then the certified early stop at each cap C
of --caps:

1. GD from the same initial points for C steps;
2. every run still open at C with F >= 1e-3 is Newton-polished and passed to
   :func:`relufast.objectives.teacher.certificate.certify_minimum` with GD's point and step; a run
   whose ``basin`` holds (GD provably converges to the certified strict minimum: the GD map
   contracts towards it on a ball that holds GD's point) stops there, labelled by that minimum;
3. the other open runs resume GD (bit for bit the uncapped trajectory) to the protocol's end.

It prints, per cell and cap: open and proven runs, label mismatches against the uncapped run
(must be 0: the stop is a proof), wall times of the uncapped run and of steps 1-3, and the share
of the uncapped GD iterations the stop saves. The last lines extrapolate to the whole Table 1.

    python benchmarks/bench_certified_stop.py [--cells 10,10 13,14 17,18 20,20] [--runs 200]
        [--caps 4000 6000 8000] [--out benchmarks/results/certified_stop.txt]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np

from relufast import backend, optim
from relufast.experiments import safran_shamir as ss
from relufast.objectives.teacher.certificate import certify_minimum

PROTOCOL = dict(step=0.1, tol=1e-9, f_stop=1e-6)
MAX_ITERS = 20_000_000  # far above any run seen (the slowest Table 1 run needs 1.99e6)


def _labels(F: np.ndarray) -> np.ndarray:
    return np.where(F >= ss.SPURIOUS_F, "spurious", "global")


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def _certified_stop(W0: np.ndarray, cap: int, uncapped_label: np.ndarray) -> dict:
    gd, t_gd = _timed(optim.teacher_gd, W0, max_iters=cap, **PROTOCOL)
    label = _labels(gd.F)
    iters = gd.iterations.astype(np.int64)
    t0 = time.perf_counter()
    open_ = np.flatnonzero(gd.status == optim.Status.MAX_ITERS)
    cand = open_[gd.F[open_] >= ss.SPURIOUS_F]
    proven = np.zeros(0, dtype=np.intp)
    if cand.size:
        S = gd.W[cand]
        W, _ = optim.newton_polish(S)
        cert = certify_minimum(W, start=S, step=gd.step[cand])
        proven = cand[cert.basin]
        label[proven] = _labels(cert.F_low[cert.basin])
    t_cert = time.perf_counter() - t0
    rest = np.setdiff1d(open_, proven)
    t_rest = 0.0
    if rest.size:
        assert np.all(gd.step[rest] == PROTOCOL["step"])  # no divergence restart before the cap
        on, t_rest = _timed(optim.teacher_gd, gd.W[rest], max_iters=MAX_ITERS - cap, **PROTOCOL)
        assert np.all(np.isin(on.status, optim.FINISHED_OK)), "a resumed run did not finish"
        label[rest] = _labels(on.F)
        iters[rest] += on.iterations
    return {
        "open": open_.size,
        "cand": cand.size,
        "proven": proven.size,
        "mismatch": int(np.sum(label != uncapped_label)),
        "t_gd": t_gd,
        "t_cert": t_cert,
        "t_rest": t_rest,
        "iterations": int(iters.sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", nargs="+", default=["10,10", "13,14", "17,18", "20,20"])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--caps", nargs="+", type=int, default=[4000, 6000, 8000])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    backend.set_num_threads(args.threads)
    lines = [
        f"# certified early stop vs the uncapped ICML 2018 protocol ({args.runs} runs per cell, "
        f"seed 0, {args.threads} threads)",
        "k   n   cap     open  F>=1e-3  proven  mismatched  uncapped s  GD to cap s  certify s  "
        "resume s  total s  speed-up  GD iterations saved",
    ]
    print(*lines, sep="\n", flush=True)
    tot_unc, tot_best = 0.0, 0.0
    for cell in args.cells:
        k, n = (int(x) for x in cell.split(","))
        W0 = ss.initial_students(k, n, args.runs, 0)
        full, t_full = _timed(optim.teacher_gd, W0, max_iters=MAX_ITERS, **PROTOCOL)
        # the protocol's own labels, before any Hessian: a certified stop can only change which
        # side of F = 1e-3 a run ends on, so that is what must match
        ref = _labels(full.F)
        assert np.all(np.isin(full.status, optim.FINISHED_OK)), "a reference run did not finish"
        base = int(full.iterations.sum())
        best = np.inf
        for cap in args.caps:
            r = _certified_stop(W0, cap, ref)
            total = r["t_gd"] + r["t_cert"] + r["t_rest"]
            best = min(best, total)
            row = (
                f"{k:<3d} {n:<3d} {cap:<7d} {r['open']:<5d} {r['cand']:<8d} {r['proven']:<7d} "
                f"{r['mismatch']:<11d} {t_full:<11.2f} {r['t_gd']:<12.2f} {r['t_cert']:<10.2f} "
                f"{r['t_rest']:<9.2f} {total:<8.2f} {t_full / total:<9.2f} "
                f"{1 - r['iterations'] / base:.1%}"
            )
            lines.append(row)
            print(row, flush=True)
        tot_unc += t_full
        tot_best += best
    summary = (
        f"these cells: uncapped {tot_unc:.1f} s, best certified stop per cell {tot_best:.1f} s "
        f"({tot_unc / tot_best:.2f}x)"
    )
    table1 = Path(__file__).parent / "results" / "table1_labels.txt"  # bench_table1_labels.py
    text = table1.read_text() if table1.exists() else ""
    found = re.search(r"cap 1e\+06: \d+ mismatched labels in all, ([\d.]+) s", text)
    if found:
        t1 = float(found.group(1))
        summary += (
            f"; at that speed-up the {t1:.0f} s Table 1 of {table1.name} (default protocol) would "
            f"take {t1 * tot_best / tot_unc:.0f} s (target 60 s: {t1 / 60:.1f}x needed)"
        )
    lines.append(summary)
    print(summary)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
