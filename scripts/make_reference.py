#!/usr/bin/env python
"""Regenerate the reference results the app opens on (relufast/data/reference/*.json).

Each page of ``app.py`` renders at once from one of these files and recomputes live on request
through the same code path (``app_pages/_data.py`` turns an experiment's result into the small dict
that is stored here and that a live run produces), so anyone can regenerate them::

    python scripts/make_reference.py                 # every section, shipped sizes
    python scripts/make_reference.py teacher engine  # some sections
    python scripts/make_reference.py --quick         # tiny sizes (smoke test, not for shipping)

Keep the output small (a few hundred KB in all): store aggregates, never per-restart arrays.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import relufast  # noqa: E402
from app_pages import _data  # noqa: E402

OUT = ROOT / "relufast" / "data" / "reference"


def meta(wall_s: float, backend: str, size: str) -> dict:
    info = relufast.info()
    return {
        "source": "reference",
        "wall_s": round(float(wall_s), 3),
        "backend": backend,
        "threads": info.get("threads", 1),
        "cpu_count": info.get("cpu_count"),
        "relufast": relufast.__version__,
        "when": time.strftime("%Y-%m-%d"),
        "size": size,
    }


def write(name: str, obj: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(_data.jsonable(obj), separators=(",", ":"), allow_nan=False))
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.1f} KB)", flush=True)


def log_progress(label: str):
    last = [0.0]

    def cb(done, total):
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            print(f"  {label}: {done}/{total}", flush=True)

    return cb


CACHE = None  # --cache DIR: keep raw results (pickles) so that re-formatting needs no recompute


def _cached(name: str, compute):
    if CACHE is None:
        return compute()
    path = Path(CACHE) / f"{name}.pkl"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    out = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(out, f)
    return out


# --------------------------------------------------------------------------- sections


def teacher(quick: bool) -> None:
    """Safran-Shamir Table 1: k = 6..20, n = k, k+1, k+2 (the app's teacher-student page)."""
    from relufast.experiments import safran_shamir as ss

    ks = list(range(6, 21)) if not quick else [6, 8]
    extra = [0, 1, 2]
    restarts = int(os.environ.get("RELUFAST_REF_RESTARTS", 20 if quick else 1000))
    seed = 0
    t0 = time.perf_counter()
    cells = []
    for k in ks:
        for e in extra:
            res = _cached(f"teacher_{k}_{k + e}_{restarts}_{seed}", lambda: ss.run(
                k, k + e, restarts, seed, backend="auto", progress=log_progress(f"k={k} n={k + e}")))
            cell = _data.teacher_cell(res)
            cells.append(cell)
            s = cell["summary"]
            print(f"k={k} n={k + e}: {s['pct_spurious']:.1f}% spurious "
                  f"(paper {s['paper_pct']}) in {res.wall_time:.1f} s", flush=True)
    wall = time.perf_counter() - t0
    write("teacher_student.json", {
        "meta": meta(wall, relufast.backend.resolve("auto"),
                     f"{restarts:,} restarts per cell, {len(cells)} cells"),
        "params": {"ks": ks, "extra": extra, "restarts": restarts, "seed": seed},
        "logF_edges": _data.LOGF_EDGES, "lambda_edges": _data.LAM_EDGES,
        "cells": cells,
    })


def engine(quick: bool) -> None:
    """A small timing of the kernels on every backend (the engine page's chart)."""
    t0 = time.perf_counter()
    rows = _data.engine_bench(quick=quick)
    write("engine.json", {
        "meta": meta(time.perf_counter() - t0, relufast.backend.resolve("auto"),
                     "1,000 restarts: teacher kernels (k = n = 10) and five-points GD"),
        "info": relufast.info(),
        "rows": rows,
    })


def five_points(quick: bool) -> None:
    """Basin statistics of the one-unit model on D1 (the app's five-points page)."""
    from relufast.experiments import five_points as fp

    restarts, steps, lr, seed = (1000 if quick else 100_000), 20_000, 0.01, 0
    b = _cached(f"five_points_{restarts}_{steps}_{lr}_{seed}", lambda: fp.basin_statistics(
        restarts, seed, steps, lr, "auto", progress=log_progress("basins")))
    out = _data.basin_dict(b)
    out["meta"] = meta(b.wall_time, b.backend, f"{restarts:,} restarts x {steps:,} GD steps, lr {lr:g}")
    out["params"] = {"restarts": restarts, "steps": steps, "lr": lr, "seed": seed}
    write("five_points.json", out)


def blind_spot(quick: bool) -> None:
    """Chance of starting in the blind spot vs the init mean (the app's blind-spot page defaults)."""
    t0 = time.perf_counter()
    restarts = 1000 if quick else 10_000
    out = _data.blind_spot_sweep(-4.0, 2.0, 25, restarts, 3, 1.0, 0.0, 0)
    out["meta"] = meta(time.perf_counter() - t0, "numpy",
                       f"25 means x {restarts:,} inits x 2 sweeps, h = 3")
    write("blind_spot.json", out)


def initialisation(quick: bool) -> None:
    """Training accuracy vs width, five inits, 2 and 5 hidden layers, real and permuted labels."""
    if quick:
        widths, seeds, steps = (16, 32), (0,), 100
    else:
        widths = tuple(int(w) for w in os.environ.get("RELUFAST_REF_WIDTHS", "16,32,64,128").split(","))
        seeds, steps = (0, 1), int(os.environ.get("RELUFAST_REF_STEPS", 600))
    depths, labels, lr, batch = (2, 5), ("real", "permuted"), 3e-3, 128
    out = _cached(f"init_{widths}_{seeds}_{steps}", lambda: _data.init_run(
        widths, depths, seeds, steps, labels, lr, batch, "auto", progress=log_progress("groups")))
    out["meta"] = meta(out["wall_s"], out["backend"],
                       f"{len(out['rows']['column'])} nets, {steps:,} Adam updates each")
    write("initialisation.json", out)


SECTIONS = {"teacher": teacher, "initialisation": initialisation, "five_points": five_points, "blind_spot": blind_spot, "engine": engine}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sections", nargs="*",
                   help=f"which to make (default all): {', '.join(SECTIONS)}")
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--cache", metavar="DIR", help="keep raw results here and reuse them")
    args = p.parse_args(argv)
    global CACHE
    CACHE = args.cache
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    for name in args.sections or list(SECTIONS):
        print(f"== {name}", flush=True)
        SECTIONS[name](args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
