#!/usr/bin/env python
"""Regenerate the reference results the app opens on (relufast/data/reference/*.json).

Each page of ``app.py`` renders at once from one of these files and recomputes live on request
through the same code path: the builders in ``relufast.experiments.reference`` store the compact
summary that the experiment's module makes (e.g. ``safran_shamir.table_summary``), the one a live run
of the page shows. This script imports relufast only, so anyone can regenerate them::

    python scripts/make_reference.py                 # every section, shipped sizes
    python scripts/make_reference.py teacher engine  # some sections
    python scripts/make_reference.py --quick         # tiny sizes (smoke test, not for shipping)
    python scripts/make_reference.py --out /tmp/ref  # somewhere else (e.g. to compare)

Environment: RELUFAST_REF_RESTARTS (teacher restarts per cell), RELUFAST_REF_WIDTHS (e.g.
"16,32,64,128,256", the shipped initialisation file), RELUFAST_REF_STEPS (its Adam updates) and
RELUFAST_REF_MM_RESTARTS / RELUFAST_REF_MM_STEPS (the more-minima basins), RELUFAST_REF_EDGE_SEEDS
(nets per mean of initialisation_edge) and RELUFAST_REF_LONG_WIDTHS / RELUFAST_REF_LONG_BUDGETS
(initialisation_long, e.g. "8,16,32" and "1000,10000"). Each section prints how long it took and
on what machine.

Keep the output small (a few hundred KB in all): store aggregates, never per-restart arrays.
"""

from __future__ import annotations

import argparse
import os
import pickle
import time
from pathlib import Path

from relufast.experiments import reference

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "relufast" / "data" / "reference"
SECTIONS = list(reference.BUILDERS)


def log(msg: str) -> None:
    print(msg, flush=True)


def make_cache(folder):
    """--cache DIR: keep raw results (pickles) so that re-formatting needs no recompute."""
    if folder is None:
        return None

    def cached(name, compute):
        path = Path(folder) / f"{name}.pkl"
        if path.exists():
            with path.open("rb") as f:
                return pickle.load(f)
        out = compute()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            pickle.dump(out, f)
        return out

    return cached


def build(name: str, quick: bool, cached) -> dict:
    """The builder of section ``name`` with this script's options and environment."""
    env = os.environ.get
    if name == "teacher":
        restarts = env("RELUFAST_REF_RESTARTS")
        return reference.teacher_student(
            quick, restarts=None if restarts is None else int(restarts), cached=cached, log=log
        )
    if name == "initialisation":
        widths = env("RELUFAST_REF_WIDTHS")
        steps = env("RELUFAST_REF_STEPS")
        return reference.initialisation(
            quick,
            widths=None if widths is None else tuple(int(w) for w in widths.split(",")),
            steps=None if steps is None else int(steps),
            cached=cached,
            log=log,
        )
    if name == "initialisation_edge":
        seeds = env("RELUFAST_REF_EDGE_SEEDS")
        return reference.initialisation_edge(quick, seeds=None if seeds is None else int(seeds), log=log)
    if name == "initialisation_long":
        widths, budgets = env("RELUFAST_REF_LONG_WIDTHS"), env("RELUFAST_REF_LONG_BUDGETS")
        return reference.initialisation_long(
            quick,
            widths=None if widths is None else tuple(int(w) for w in widths.split(",")),
            budgets=None if budgets is None else tuple(int(b) for b in budgets.split(",")),
            log=log,
        )
    if name in ("five_points", "teacher_2021", "convergence"):
        return reference.BUILDERS[name](quick, cached=cached, log=log)
    if name == "more_minima":
        restarts, steps = env("RELUFAST_REF_MM_RESTARTS"), env("RELUFAST_REF_MM_STEPS")
        return reference.more_minima(
            quick,
            restarts=None if restarts is None else int(restarts),
            steps=None if steps is None else int(steps),
            cached=cached,
            log=log,
        )
    return reference.BUILDERS[name](quick, log=log)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sections", nargs="*", help=f"which to make (default all): {', '.join(SECTIONS)}")
    p.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    p.add_argument("--cache", metavar="DIR", help="keep raw results here and reuse them")
    p.add_argument("--out", metavar="DIR", default=str(OUT), help=f"where to write (default {OUT})")
    args = p.parse_args(argv)
    unknown = [s for s in args.sections if s not in SECTIONS]
    if unknown:
        p.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    cached = make_cache(args.cache)
    for name in args.sections or SECTIONS:
        log(f"== {name}")
        t0 = time.perf_counter()
        path = reference.write(build(name, args.quick, cached), Path(args.out) / reference.FILES[name])
        log(f"wrote {path} ({path.stat().st_size / 1024:.1f} KB)")
        log(f"{name} took {time.perf_counter() - t0:.1f} s on {reference.machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
