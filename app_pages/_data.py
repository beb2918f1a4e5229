"""Compact, chartable summaries of experiment results, shared by the pages and
``scripts/make_reference.py`` (so the shipped reference and a live run have the same shape).

These only aggregate what :mod:`relufast.experiments` returns (histogram counts, top families, a
readable arrangement of a weight matrix); all the math stays in relufast.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# --------------------------------------------------------------------------- JSON helpers


def jsonable(x: Any) -> Any:
    """Plain JSON types: NumPy scalars and arrays to Python, NaN and infinities to None."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def rounded(a, digits: int = 4) -> list:
    return np.round(np.asarray(a, dtype=float), digits).tolist()


# --------------------------------------------------------------------------- histograms

#: Bins of log10(final loss) and of lambda_min used by every teacher-student histogram.
LOGF_EDGES = np.round(np.linspace(-8.0, 0.0, 81), 10)
LAM_EDGES = np.round(np.linspace(-0.01, 0.06, 71), 10)


def histogram(values, edges) -> list[int]:
    """Counts of finite ``values`` in ``edges``; values outside fall into the end bins."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    v = np.clip(v, edges[0], edges[-1])
    return np.histogram(v, bins=edges)[0].astype(int).tolist()


# --------------------------------------------------------------------------- teacher-student


def arrange_student(W) -> np.ndarray:
    """Rows and coordinates of a student W (n, k) permuted (jointly for coordinates) so that its
    structure shows: each neuron is matched to the coordinate it is most aligned with (greedy on
    |w_ij|), matched pairs are ordered by that diagonal entry (the odd neuron of a [1, k-1] family
    comes first), unmatched neurons go last. Neuron and coordinate permutations are symmetries of
    the identity teacher, so the loss is unchanged.
    """
    W = np.asarray(W, dtype=float)
    n, k = W.shape
    order = np.dstack(np.unravel_index(np.argsort(-np.abs(W), axis=None), W.shape))[0]
    row_of_col, used_rows = {}, set()
    for i, j in order:
        if i in used_rows or j in row_of_col:
            continue
        row_of_col[j] = i
        used_rows.add(i)
        if len(row_of_col) == min(n, k):
            break
    cols = sorted(row_of_col, key=lambda j: W[row_of_col[j], j])
    cols += [j for j in range(k) if j not in row_of_col]
    rows = [row_of_col[j] for j in cols if j in row_of_col]
    rows += [i for i in range(n) if i not in used_rows]
    return W[np.ix_(rows, cols)]


def teacher_cell(res, top_families: int = 6) -> dict:
    """A Safran-Shamir :class:`Result` as a small dict: its Table-1 row, label counts, histograms of
    log10 F (by label) and lambda_min (spurious and saddle endpoints), the largest families, and a
    readable arrangement of the largest family's representative."""
    from relufast.experiments import safran_shamir as ss

    summary = res.summary()
    summary.pop("families", None)
    logF = np.log10(np.maximum(res.F, 1e-300))
    hist_F = {lab: histogram(logF[res.label == lab], LOGF_EDGES) for lab in ss.LABELS
              if np.any(res.label == lab)}
    hist_lam = {lab: histogram(res.lambda_min[res.label == lab], LAM_EDGES)
                for lab in ("spurious", "saddle") if np.any(res.label == lab)}
    fams = [
        {"blocks": list(f.blocks), "count": f.count, "F": f.F, "lambda_min": f.lambda_min}
        for f in res.families[:top_families]
    ]
    rest = sum(f.count for f in res.families[top_families:])
    rep = None
    if res.families:
        rep = rounded(arrange_student(res.families[0].representative), 3)
    return jsonable({
        "k": res.k,
        "n": res.n,
        "summary": summary,
        "counts": {lab: res.count(lab) for lab in ss.LABELS},
        "hist_logF": hist_F,
        "hist_lambda": hist_lam,
        "families": fams,
        "n_families": len(res.families),
        "other_family_members": rest,
        "representative": rep,
        "wall_s": res.wall_time,
        "backend": res.backend,
    })


# --------------------------------------------------------------------------- engine


def _best_time(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = __import__("time").perf_counter()
        fn()
        best = min(best, __import__("time").perf_counter() - t0)
    return best


def engine_bench(quick: bool = False, restarts: int = 1000, k: int = 10) -> list[dict]:
    """Time a few relufast kernels on every backend that runs here, on the same inputs: the
    teacher-student loss, gradient, Hessian and GD (k = n), and GD of the five-points one-unit net.

    Rows: ``task``, ``backend``, ``seconds`` (best of a few), ``restarts``, ``per_restart_us``.
    """
    from relufast import backend as _backend
    from relufast import optim, teacher, train
    from relufast.experiments import five_points as fp
    from relufast.experiments import safran_shamir as ss

    if quick:
        restarts = min(restarts, 64)
    backends = ["numpy"] + (["cpu"] if _backend.has_core() else [])
    W0 = ss.initial_students(k, k, restarts, seed=0)
    steps = 20 if quick else 200
    P0 = fp.initial_params(restarts, seed=0)
    mlp_steps = 200 if quick else 2000
    rows = []
    for be in backends:
        tasks = {
            f"teacher loss+grad (k = n = {k})": (lambda be=be: teacher.loss_and_grad(W0, backend=be), 3),
            f"teacher Hessian (k = n = {k})": (lambda be=be: teacher.hessian(W0[:100], backend=be), 3),
            f"teacher GD, {steps} steps (k = n = {k})": (
                lambda be=be: optim.teacher_gd(W0, max_iters=steps, f_stop=0.0, chunk=steps,
                                               backend=be), 1),
            f"one-unit net GD on five points, {mlp_steps} steps": (
                lambda be=be: train.train(P0, fp.X, fp.Y, list(fp.SIZES), optimizer="gd", lr=0.01,
                                          steps=mlp_steps, loss="sse", backend=be), 1),
        }
        for task, (fn, repeat) in tasks.items():
            n = 100 if "Hessian" in task else restarts
            t = _best_time(fn, repeat)
            rows.append({"task": task, "backend": be, "seconds": t, "restarts": n,
                         "per_restart_us": 1e6 * t / n})
    return rows


def backend_agreement(restarts: int = 200, k: int = 8) -> list[dict]:
    """Largest differences between the C++ core and the NumPy reference on the same students."""
    from relufast import backend as _backend
    from relufast import teacher
    from relufast.experiments import safran_shamir as ss

    if not _backend.has_core():
        return []
    W = ss.initial_students(k, k, restarts, seed=1)
    rows = []
    for what, fn in (("loss F", teacher.loss), ("gradient", teacher.grad), ("Hessian", teacher.hessian)):
        a, b = fn(W, backend="numpy"), fn(W, backend="cpu")
        rows.append({"kernel": what, "max |cpu - numpy|": float(np.max(np.abs(a - b))),
                     "max |numpy|": float(np.max(np.abs(a))), "restarts": restarts, "k = n": k})
    return rows


# --------------------------------------------------------------------------- five points

#: Bins of the final loss of the five-points basin runs.
BASIN_LOSS_EDGES = np.round(np.linspace(13.0, 23.0, 101), 10)


def basin_dict(b) -> dict:
    """A five_points :class:`BasinStatistics` as a small dict (per-class table + loss histogram)."""
    t = b.table()
    return jsonable({
        "table": {k: (list(v) if not isinstance(v, list) else v) for k, v in t.items()},
        "hist_loss": histogram(b.final_loss, BASIN_LOSS_EDGES),
        "loss_edges": BASIN_LOSS_EDGES,
        "config": b.config,
        "restarts": b.restarts,
        "wall_s": b.wall_time,
        "backend": b.backend,
    })


# --------------------------------------------------------------------------- blind spot


def blind_spot_sweep(lo: float, hi: float, points: int, restarts: int, h: int, wstd: float,
                     bstd: float, seed: int, progress=None) -> dict:
    """Both sweeps (weight mean, bias mean) of blind_spot.dead_fraction_vs_init_mean as lists."""
    from relufast.experiments import blind_spot as bs

    means = np.linspace(lo, hi, points)
    out = {}
    for i, which in enumerate(("weight", "bias")):
        if progress is not None:
            progress(i, 2)
        r = bs.dead_fraction_vs_init_mean(means, restarts, which=which, sizes=(1, h, 1),
                                          weight_std=wstd, bias_std=bstd, seed=seed)
        out[which] = jsonable({k: v for k, v in r.items()})
    if progress is not None:
        progress(2, 2)
    return {"sweeps": out, "params": {"lo": lo, "hi": hi, "points": points, "restarts": restarts,
                                      "h": h, "weight_std": wstd, "bias_std": bstd, "seed": seed}}


# --------------------------------------------------------------------------- initialisation


def init_run(widths, depths, seeds, steps, labels, lr, batch_size, backend="auto", progress=None) -> dict:
    """initialisation.run for each label set in ``labels``; one row per trained net, as lists."""
    from relufast.experiments import initialisation as ini

    rows, wall, be, majority = {}, 0.0, backend, {}
    n = len(widths) * len(depths)
    for i, lab in enumerate(labels):
        sub = None if progress is None else (lambda d, t, i=i: progress(i * n + d, len(labels) * n))
        r = ini.run(widths, depths, seeds=seeds, steps=steps, labels=lab, backend=backend,
                    progress=sub, lr=lr, batch_size=batch_size)
        for k, v in r.rows.items():
            rows.setdefault(k, []).extend(np.asarray(v).tolist())
        wall += r.wall_time
        be = r.backend
        majority[lab] = r.majority_rate
    return jsonable({
        "rows": rows, "majority_rate": majority, "wall_s": wall, "backend": be,
        "params": {"widths": list(widths), "depths": list(depths), "seeds": list(seeds),
                   "steps": steps, "labels": list(labels), "lr": lr, "batch_size": batch_size},
    })


def init_work(widths, depths, seeds, steps, labels, batch_size, n_columns: int = 5) -> float:
    """Multiply-adds of a run (nets x steps x batch x parameters), for the page's time estimate."""
    from relufast import mlp
    from relufast.experiments import initialisation as ini

    P = sum(mlp.num_params(ini.sizes_for(d, w)) for d in depths for w in widths)
    return float(P) * n_columns * len(seeds) * steps * (batch_size or 1797) * len(labels)
