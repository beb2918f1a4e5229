"""The reference results the app opens on (``relufast/data/reference/*.json``), built from relufast only.

Each builder runs one experiment at the shipped size (or a tiny one with ``quick=True``) and returns
the dict stored in its file: the experiment's compact summary (the same one a live run of the app
produces) plus ``meta`` (where, when and how long). ``scripts/make_reference.py`` is the command line.

Keep the output small (a few hundred KB in all): aggregates, never per-restart arrays.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .summary import jsonable

__all__ = [
    "FILES",
    "BUILDERS",
    "meta",
    "load",
    "dumps",
    "write",
    "log_progress",
    "teacher_student",
    "teacher_student_2021",
    "five_points",
    "blind_spot",
    "initialisation",
    "initialisation_edge",
    "initialisation_long",
    "machine",
    "engine",
    "more_minima",
]

#: The file of each section, in ``relufast/data/reference``.
FILES = {
    "teacher": "teacher_student.json",
    "teacher_2021": "teacher_student_2021.json",
    "initialisation": "initialisation.json",
    "initialisation_edge": "initialisation_edge.json",
    "initialisation_long": "initialisation_long.json",
    "five_points": "five_points.json",
    "blind_spot": "blind_spot.json",
    "engine": "engine.json",
    "more_minima": "more_minima.json",
    "convergence": "convergence.json",
}

Log = Callable[[str], None] | None
Cached = Callable[[str, Callable[[], Any]], Any] | None


def _call(cached: Cached, name: str, compute: Callable[[], Any]) -> Any:
    return compute() if cached is None else cached(name, compute)


def _say(log: Log, msg: str) -> None:
    if log is not None:
        log(msg)


def meta(wall_s: float, backend: str, size: str, *, source: str = "reference") -> dict:
    """What a result says about itself: source, wall time, backend, threads, CPUs, version, date.

    Parameters
    ----------
    wall_s : float
        Seconds the run took (rounded to ms).
    backend : str
        The backend it ran on.
    size : str
        Its size in words (e.g. "1,000 restarts per cell, 45 cells").
    source : str, default "reference"

    Returns
    -------
    dict
        ``source``, ``wall_s``, ``backend``, ``threads``, ``cpu_count``, ``relufast``, ``when``
        (the date) and ``size``.

    Examples
    --------
    >>> m = meta(1.23456, "cpu", "tiny")
    >>> m["source"], m["wall_s"], m["backend"], m["size"]
    ('reference', 1.235, 'cpu', 'tiny')
    """
    import relufast

    info = relufast.info()
    return {
        "source": source,
        "wall_s": round(float(wall_s), 3),
        "backend": backend,
        "threads": info.get("threads", 1),
        "cpu_count": info.get("cpu_count"),
        "relufast": relufast.__version__,
        "when": time.strftime("%Y-%m-%d"),
        "size": size,
    }


def load(name: str) -> dict | None:
    """A shipped reference result, e.g. ``load("five_points.json")``; None if it is not there.

    Examples
    --------
    >>> load("five_points.json")["table"]["class"][:2]
    ['14', '18']
    >>> load("no_such_file.json") is None
    True
    """
    f = resources.files("relufast.data").joinpath("reference").joinpath(name)
    if not f.is_file():
        return None
    return json.loads(f.read_text())


def dumps(obj: dict) -> str:
    """``obj`` as the compact JSON text of a reference file (NaN and infinities as null).

    Examples
    --------
    >>> dumps({"a": float("nan"), "b": (1, 2.5)})
    '{"a":null,"b":[1,2.5]}'
    """
    return json.dumps(jsonable(obj), separators=(",", ":"), allow_nan=False)


def write(obj: dict, path: str | Path) -> Path:
    """Write ``obj`` to ``path`` with :func:`dumps` (folders made as needed); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj))
    return path


def log_progress(label: str, log: Log) -> Callable[[int, int], None] | None:
    """A progress callback that logs ``label: done/total`` at most every 10 s (and at the end)."""
    if log is None:
        return None
    last = [0.0]

    def cb(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            log(f"  {label}: {done}/{total}")

    return cb


# --------------------------------------------------------------------------- builders


def teacher_student(
    quick: bool = False, *, restarts: int | None = None, cached: Cached = None, log: Log = None
) -> dict:
    """Safran-Shamir Table 1: k = 6..20, n = k, k+1, k+2, seed 0 (the teacher-student page).

    Parameters
    ----------
    quick : bool, default False
        k = 6 and 8 only, 20 restarts per cell.
    restarts : int, optional
        Restarts per cell (default 1000, or 20 when quick).
    cached : callable(name, compute), optional
        Returns ``compute()``'s value, possibly kept from an earlier call under ``name``
        (the raw :class:`~relufast.experiments.safran_shamir.Result` of each cell).
    log : callable(str), optional
        Progress and one line per cell.
    """
    from .. import backend as _backend
    from . import safran_shamir as ss

    ks = list(range(6, 21)) if not quick else [6, 8]
    extra = [0, 1, 2]
    restarts = int(restarts if restarts is not None else (20 if quick else 1000))
    seed = 0

    def runner(k, n, restarts, seed, backend, progress):
        return _call(
            cached,
            f"teacher_{k}_{n}_{restarts}_{seed}",
            lambda: ss.run(k, n, restarts, seed, backend=backend, progress=log_progress(f"k={k} n={n}", log)),
        )

    def on_cell(cell, res):
        s = cell["summary"]
        _say(
            log,
            f"k={res.k} n={res.n}: {s['pct_spurious']:.1f}% spurious "
            f"(paper {s['paper_pct']}) in {res.wall_time:.1f} s",
        )

    t0 = time.perf_counter()
    out = ss.table_summary(ks, extra, restarts, seed, backend="auto", runner=runner, on_cell=on_cell)
    return {
        "meta": meta(
            time.perf_counter() - t0,
            _backend.resolve("auto"),
            f"{restarts:,} restarts per cell, {len(out['cells'])} cells",
        ),
        **out,
    }


def teacher_student_2021(quick: bool = False, *, cached: Cached = None, log: Log = None) -> dict:
    """The 2021 protocol at n = k for k = 6..50 (:data:`~relufast.experiments.colt2021.RUNS`),
    seed 0: the teacher-student page's "beyond the paper" section.

    Parameters
    ----------
    quick : bool, default False
        k = 6 and 8, 20 runs each.
    cached, log : optional
        As for :func:`teacher_student`.
    """
    from .. import backend as _backend
    from . import colt2021
    from . import safran_shamir as ss

    runs = colt2021.QUICK_RUNS if quick else colt2021.RUNS

    def runner(k, n, restarts, seed, backend, protocol):
        return _call(
            cached,
            f"teacher2021_{k}_{n}_{restarts}_{seed}",
            lambda: ss.run(
                k, n, restarts, seed, backend=backend, protocol=protocol, progress=log_progress(f"k={k}", log)
            ),
        )

    spent = [0.0]  # the cells' own compute time, also when they come from the cache

    def on_cell(cell, res):
        s = cell["summary"]
        spent[0] += res.wall_time
        _say(log, f"k={res.k}: {s['pct_spurious']:.1f}% spurious of {s['runs']} in {res.wall_time:.1f} s")

    out = colt2021.sweep(runs, 0, runner=runner, on_cell=on_cell)
    fit = colt2021.fit_a_over_k(colt2021.family_rows(out["cells"]))
    if fit is not None:
        _say(
            log,
            f"F along {fit['family']} = a/k + b/k^2: a = {fit['a']:.3f}, b = {fit['b']:.3f} "
            f"(k = {fit['ks'][0]}..{fit['ks'][-1]}, largest misfit {100 * fit['max_rel_err']:.1f} %)",
        )
    size = ", ".join(f"k={k}: {r}" for k, r in sorted(runs.items()))
    return {"meta": meta(spent[0], _backend.resolve("auto"), f"runs per k: {size}"), **out}


def engine(quick: bool = False, *, log: Log = None) -> dict:
    """A small timing of the kernels on every backend (the engine page's chart)."""
    import relufast

    from . import engine as eng

    t0 = time.perf_counter()
    rows = eng.bench(quick=quick)
    return {
        "meta": meta(
            time.perf_counter() - t0,
            relufast.backend.resolve("auto"),
            "1,000 restarts: teacher kernels (k = n = 10) and five-points GD",
        ),
        "info": relufast.info(),
        "rows": rows,
    }


def five_points(quick: bool = False, *, cached: Cached = None, log: Log = None) -> dict:
    """Basin statistics of the one-unit model on D1: 100,000 restarts x 20,000 GD steps, lr 0.01.

    ``quick``: 1000 restarts. ``cached`` and ``log`` as in :func:`teacher_student`.
    """
    from . import five_points as fp

    restarts, steps, lr, seed = (1000 if quick else 100_000), 20_000, 0.01, 0
    b = _call(
        cached,
        f"five_points_{restarts}_{steps}_{lr}_{seed}",
        lambda: fp.basin_statistics(restarts, seed, steps, lr, "auto", progress=log_progress("basins", log)),
    )
    out = b.to_summary()
    out["meta"] = meta(b.wall_time, b.backend, f"{restarts:,} restarts x {steps:,} GD steps, lr {lr:g}")
    out["params"] = {"restarts": restarts, "steps": steps, "lr": lr, "seed": seed}
    return out


def blind_spot(quick: bool = False, *, log: Log = None) -> dict:
    """Chance of starting in the blind spot vs the init mean: 25 means in [-4, 2], 10,000 inits each,
    h = 3, weight std 1, bias std 0, seed 0 (the blind-spot page's defaults). ``quick``: 1000 inits.
    """
    from . import blind_spot as bs

    t0 = time.perf_counter()
    restarts = 1000 if quick else 10_000
    out = bs.sweep_summary(-4.0, 2.0, 25, restarts, 3, 1.0, 0.0, 0)
    out["meta"] = meta(time.perf_counter() - t0, "numpy", f"25 means x {restarts:,} inits x 2 sweeps, h = 3")
    return out


def initialisation(
    quick: bool = False,
    *,
    widths: Sequence[int] | None = None,
    steps: int | None = None,
    cached: Cached = None,
    log: Log = None,
) -> dict:
    """Training accuracy vs width, five inits, 2 and 5 hidden layers, real and permuted labels.

    Parameters
    ----------
    quick : bool, default False
        Widths 16 and 32, one seed, 100 updates.
    widths : sequence of int, optional
        Default (16, 32, 64, 128) (the shipped file used 16..256).
    steps : int, optional
        Adam updates per net, default 600.
    cached, log
        As in :func:`teacher_student`.
    """
    from . import initialisation as ini

    seeds: tuple[int, ...]
    if quick:
        widths, seeds, steps = (16, 32), (0,), 100
    else:
        widths = tuple(widths) if widths is not None else (16, 32, 64, 128)
        seeds, steps = (0, 1), int(steps if steps is not None else 600)
    depths, labels, lr, batch = (2, 5), ("real", "permuted"), 3e-3, 128
    out = _call(
        cached,
        f"init_{widths}_{seeds}_{steps}",
        lambda: ini.figure_summary(
            widths, depths, seeds, steps, labels, lr, batch, "auto", progress=log_progress("groups", log)
        ),
    )
    out["meta"] = meta(
        out["wall_s"], out["backend"], f"{len(out['rows']['column'])} nets, {steps:,} Adam updates each"
    )
    return out


def initialisation_edge(quick: bool = False, *, seeds: int | None = None, log: Log = None) -> dict:
    """The edge between "trains" and "stuck": both mean sweeps of
    :func:`~relufast.experiments.initialisation.edge_sweep` at 2 and 5 hidden layers of 32 units,
    600 Adam updates, 32 nets per mean (the initialisation page's "The edge").

    Parameters
    ----------
    quick : bool, default False
        2 hidden layers only, 4 nets per mean, 100 updates.
    seeds : int, optional
        Nets per mean (default 32).
    log : callable(str), optional
    """
    from . import initialisation as ini

    depths = (2,) if quick else (2, 5)
    n = int(seeds if seeds is not None else (4 if quick else 32))
    steps = 100 if quick else ini.EDGE_DEFAULTS["steps"]
    out = ini.edge_summary(
        depths=depths, seeds=tuple(range(n)), steps=steps, progress=log_progress("means", log)
    )

    def g(x):
        return "never" if x is None else f"{x:.3g}"

    for s in out["sweeps"]:
        c = s["crossings"]
        _say(
            log,
            f"{s['param']} depth {s['depth']}: 50 % stuck at {g(c['stuck'])}, 50 % in the blind spot at "
            f"init at {g(c['dead_at_init'])}, first layer dead at init at {g(c['first_layer_dead_at_init'])} "
            f"(closed form: {g(c['layer_dead_mc'])}, bounds {g(c['layer_dead_upper'])} .. "
            f"{g(c['layer_dead_lower'])}) in {s['wall_s']:.1f} s",
        )
    out["meta"] = meta(
        out["wall_s"],
        out["backend"],
        f"{n} nets per mean, {steps:,} Adam updates each, "
        f"{sum(len(s['points']['mean']) for s in out['sweeps'])} means",
    )
    return out


def machine() -> str:
    """The CPU this process runs on, its cores and relufast's threads, in words.

    Examples
    --------
    >>> "relufast threads" in machine()
    True
    """
    import os
    import platform

    import relufast

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = relufast.info()
    omp = os.environ.get("OMP_NUM_THREADS")
    return (
        f"{model}, {info.get('cpu_count')} CPUs, {info.get('threads')} relufast threads"
        + (f" (OMP_NUM_THREADS={omp})" if omp else "")
        + f", backend {info.get('default_backend')}"
    )


def initialisation_long(
    quick: bool = False,
    *,
    widths: Sequence[int] | None = None,
    budgets: Sequence[int] | None = None,
    log: Log = None,
) -> dict:
    """A longer Adam budget on the permuted digits: training accuracy vs width after 10^3, 10^4 and
    10^5 updates, the two zero-mean columns, 2 hidden layers, seed 0
    (:data:`~relufast.experiments.initialisation.LONG_BUDGET`; the page's "longer budget").

    Parameters
    ----------
    quick : bool, default False
        Widths 8 and 16, budgets 10 and 100.
    widths, budgets : sequence of int, optional
        Override the defaults.
    log : callable(str), optional
    """
    from . import initialisation as ini

    if quick:
        widths, budgets = (8, 16), (10, 100)
    ws: tuple[int, ...] = tuple(widths) if widths is not None else ini.LONG_BUDGET["widths"]
    bs: tuple[int, ...] = tuple(budgets) if budgets is not None else ini.LONG_BUDGET["budgets"]
    where = machine()
    _say(log, f"on {where}")
    out = ini.budget_sweep(ws, bs, progress=log_progress("(budget, width)", log))
    for b, w in out["first_width_at_100"].items():
        _say(log, f"{int(b):,} updates: every net reaches 100 % training accuracy from width {w}")
    nets = len(out["rows"]["width"])
    out["meta"] = meta(out["wall_s"], out["backend"], f"{nets} nets, up to {max(bs):,} Adam updates each")
    out["meta"]["machine"] = where
    return out


def more_minima(
    quick: bool = False,
    *,
    restarts: int | None = None,
    steps: int | None = None,
    cached: Cached = None,
    log: Log = None,
) -> dict:
    """Props. 2 and 3: every printed point checked, and GD basins on D2 and D3.

    Parameters
    ----------
    quick : bool, default False
        200 restarts x 20,000 steps per proposition (default: 10,000 x 300,000, lr 1e-3, seed 0).
    restarts, steps : int, optional
        Override the sizes.
    cached, log
        As in :func:`teacher_student`.

    Returns
    -------
    dict
        ``meta``, ``params``, ``published`` (key -> :meth:`PointCheck.to_summary`) and ``basins``
        (prop -> :meth:`BasinStatistics.to_summary`).
    """
    from .. import backend as _backend
    from . import more_minima as mm

    d = mm.DEFAULTS
    restarts = int(restarts if restarts is not None else (200 if quick else d["restarts"]))
    steps = int(steps if steps is not None else (20_000 if quick else d["steps"]))
    lr, seed = float(d["lr"]), int(d["seed"])
    basins, wall = {}, 0.0

    def run(key: str) -> mm.BasinStatistics:
        return mm.basin_statistics(key, restarts, seed, steps, lr, "auto", progress=log_progress(key, log))

    for key in mm.PROPS:
        b = _call(cached, f"more_minima_{key}_{restarts}_{steps}_{lr}_{seed}", functools.partial(run, key))
        basins[key] = b.to_summary()
        wall += b.wall_time
        _say(log, f"{key}: {len(b.minima)} distinct minima in {b.wall_time:.1f} s")
    return {
        "meta": meta(
            wall,
            _backend.resolve("auto"),
            f"{restarts:,} restarts x {steps:,} GD steps, lr {lr:g}, per proposition",
        ),
        "params": {"restarts": restarts, "steps": steps, "lr": lr, "seed": seed},
        "published": {k: c.to_summary() for k, c in mm.check_all().items()},
        "basins": basins,
    }


def convergence(
    quick: bool = False,
    *,
    runs: int | None = None,
    steps: int | None = None,
    cached: Cached = None,
    log: Log = None,
) -> dict:
    """The paper's Table 1 (XOR and jellyfish, 2-h-1 nets), its sensitivity and Fig. 3's two nets.

    Parameters
    ----------
    quick : bool, default False
        50 runs x 2000 steps per cell, h = 2 and 3, a 2 x 2 sensitivity grid of 20 runs.
    runs, steps : int, optional
        Runs per cell and steps per run of the table (default 2000 x 100,000; the sensitivity
        grid runs a quarter as many runs at 1/3, 1 and 3 times the learning rates and 10^3, 10^4
        and 10^5 steps).
    cached, log
        As in :func:`teacher_student`.

    Returns
    -------
    dict
        ``meta``, ``table`` and ``sensitivity`` (:func:`convergence.table` / ``sensitivity``
        results) and ``examples`` (activation -> :func:`convergence.examples` on the jellyfish
        data, h = 2, GD).
    """
    from .. import backend as _backend
    from . import convergence as cv

    d = cv.DEFAULTS
    widths: tuple[int, ...]
    if quick:
        runs, steps, widths = int(runs or 50), int(steps or 2000), (2, 3)
        sens: dict[str, Any] = {"runs": 20, "lr_factors": (1.0, 3.0), "steps": (200, 2000)}
    else:
        runs, steps, widths = int(runs or d["runs"]), int(steps or d["steps"]), cv.WIDTHS
        sens = {"runs": max(1, runs // 4), "lr_factors": (1 / 3, 1.0, 3.0), "steps": (1000, 10_000, steps)}
    table = _call(
        cached,
        f"convergence_table_{runs}_{steps}_{widths}",
        lambda: cv.table(runs, steps, widths=widths, progress=log_progress("cells", log)),
    )
    _say(log, f"table: {len(table['rows']['h'])} cells in {table['wall_s']:.1f} s")
    _say(log, cv.text_table(table["rows"]))
    sensitivity = _call(
        cached,
        f"convergence_sensitivity_{sens}_{widths}",
        lambda: cv.sensitivity(widths=widths, progress=log_progress("settings", log), **sens),
    )
    _say(log, f"sensitivity: {len(sensitivity['rows']['h'])} cells in {sensitivity['wall_s']:.1f} s")
    examples = {a: cv.examples("jellyfish", a, "gd", 2, 200, steps=steps) for a in cv.ACTIVATIONS}
    wall = table["wall_s"] + sensitivity["wall_s"]
    return {
        "meta": meta(wall, _backend.resolve("auto"), f"{runs:,} runs x {steps:,} steps per cell"),
        "table": table,
        "sensitivity": sensitivity,
        "examples": examples,
    }


#: Section name -> builder, in the order ``make_reference.py`` runs them.
BUILDERS = {
    "teacher": teacher_student,
    "teacher_2021": teacher_student_2021,
    "initialisation": initialisation,
    "initialisation_edge": initialisation_edge,
    "initialisation_long": initialisation_long,
    "five_points": five_points,
    "blind_spot": blind_spot,
    "engine": engine,
    "more_minima": more_minima,
    "convergence": convergence,
}
