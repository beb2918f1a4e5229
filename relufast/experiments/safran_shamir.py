"""Teacher-student experiment of Safran & Shamir (ICML 2018): how often does GD end in a spurious
local minimum? Reproduces their Table 1 (papers.md B2-B4).

Protocol (from the authors' code): a k-neuron identity teacher (d = k), an n-neuron student with
W_ij ~ N(0, 1/d), plain full-batch gradient descent with step 0.1 on the closed-form population
loss, stopped when ``2 pi max_i |grad_{w_i} F| <= 1e-9``; when that norm exceeds 1e4 the run restarts
from the same init with the step halved. Endpoints with F >= 1e-3 are spurious-minimum candidates;
a positive-definite exact Hessian certifies them (else: saddle).

Project choices, all visible in :class:`Result.config`:
- early stop at F < 1e-6 (``f_stop``; on by default): convergence to the global manifold for n > k is
  very slow and GD decreases F monotonically at this step, so the label cannot change;
- a safety cap ``max_iters`` (the paper has none); capped runs are labelled "not converged";
- restart i's init depends only on (seed, k, n, i), never on how many restarts run.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass, field
from importlib import resources
from typing import Callable, Iterable, Optional

import numpy as np
from numpy.typing import ArrayLike

from .. import backend as _backend
from .. import minima, optim, teacher
from .._validate import positive_float, positive_int
from .._seeding import block_normals
from ..stats import wilson
from .summary import histogram, jsonable, rounded

__all__ = [
    "run",
    "table",
    "Result",
    "initial_students",
    "paper_value",
    "PAPER_TABLE",
    "LABELS",
    "SPURIOUS_F",
    "TABLE_COLUMNS",
    "z_vs_paper",
    "agrees_with_paper",
    "paper_within_ci",
    "PAPER_K6_MINIMUM",
    "LOGF_EDGES",
    "LAMBDA_EDGES",
    "arrange_student",
    "table_summary",
    "estimate_seconds",
]

SPURIOUS_F = 1e-3  # endpoints with F >= this are spurious-minimum candidates (paper)
LABELS = ("global", "spurious", "saddle", "not converged")


def _load_paper_table() -> dict:
    text = resources.files("relufast.data").joinpath("safran_shamir_table1.csv").read_text()
    out = {}
    for row in csv.DictReader(text.splitlines()):
        val = lambda s: float(s) if s else float("nan")  # noqa: E731
        out[int(row["k"]), int(row["n"])] = {
            "pct": val(row["pct_spurious"]),
            "lambda_min": val(row["avg_lambda_min"]),
            "F": val(row["avg_F"]),
        }
    return out


#: Safran & Shamir's Table 1 (1000 runs per cell): {(k, n): {"pct", "lambda_min", "F"}}.
PAPER_TABLE = _load_paper_table()


def paper_value(k: int, n: int) -> Optional[dict]:
    """The paper's Table 1 cell for (k, n), or None where the paper reports none.

    Examples
    --------
    >>> paper_value(8, 8)["pct"]
    12.6
    >>> paper_value(20, 21) is None
    True
    """
    return PAPER_TABLE.get((k, n))


#: The paper's worked example, the k = n = 6 spurious minimum (papers.md B4).
PAPER_K6_MINIMUM = {"k": 6, "n": 6, "F": 0.02508058, "lambda_min": 0.004700}


def initial_students(k: int, n: int, restarts: int, seed: int = 0) -> np.ndarray:
    """Initial students (restarts, n, k) with entries N(0, 1/k), reproducible per restart.

    Restarts come in blocks of 1024 drawn from ``SeedSequence([seed, k, n], spawn_key=(block,))``,
    so restart i is the same whether 10 or 10^6 restarts are drawn.
    """
    k = positive_int(k, "k")
    n = positive_int(n, "n")
    restarts = positive_int(restarts, "restarts")
    seed = positive_int(seed, "seed", minimum=0)
    return block_normals([seed, k, n], restarts, (n, k), scale=1.0 / math.sqrt(k))


@dataclass
class Result:
    """Endpoints of one (k, n) cell. Per-restart arrays have length ``restarts``."""

    k: int
    n: int
    W: np.ndarray  # (R, n, k) endpoints
    F: np.ndarray  # final loss
    grad_norm: np.ndarray  # max_i |grad_{w_i} F| at the endpoint
    iterations: np.ndarray  # GD steps taken
    step: np.ndarray  # final step (0.1 unless halved by the divergence guard)
    lambda_min: np.ndarray  # smallest exact-Hessian eigenvalue (NaN where not computed)
    label: np.ndarray  # one of LABELS
    status: np.ndarray  # optim.Status codes
    families: list = field(default_factory=list)  # minima.Family of the spurious endpoints
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    backend: str = ""

    @property
    def restarts(self) -> int:
        return int(self.F.size)

    def count(self, label: str) -> int:
        if label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {label!r}")
        return int(np.sum(self.label == label))

    def to_summary(self, top_families: int = 6) -> dict:
        """This cell as a small JSON-ready dict (a cell of the shipped ``teacher_student.json``).

        Parameters
        ----------
        top_families : int, default 6
            How many of the largest families to keep.

        Returns
        -------
        dict
            ``k``, ``n``; ``summary``: :meth:`summary` without its ``families`` text; ``counts``
            per label; ``hist_logF``: counts of log10 F in :data:`LOGF_EDGES` per label present;
            ``hist_lambda``: counts of lambda_min in :data:`LAMBDA_EDGES` for the spurious and
            saddle endpoints present; ``families``: the largest ones (``blocks``, ``count``,
            ``F``, ``lambda_min``); ``n_families``; ``other_family_members``: runs in the
            families left out; ``representative``: the largest family's representative arranged
            by :func:`arrange_student`, rounded to 3 decimals (None without a family);
            ``wall_s`` and ``backend``. NaN and infinities are None.
        """
        summary = self.summary()
        summary.pop("families", None)
        logF = np.log10(np.maximum(self.F, 1e-300))
        hist_F = {
            lab: histogram(logF[self.label == lab], LOGF_EDGES) for lab in LABELS if np.any(self.label == lab)
        }
        hist_lam = {
            lab: histogram(self.lambda_min[self.label == lab], LAMBDA_EDGES)
            for lab in ("spurious", "saddle")
            if np.any(self.label == lab)
        }
        fams = [
            {"blocks": list(f.blocks), "count": f.count, "F": f.F, "lambda_min": f.lambda_min}
            for f in self.families[:top_families]
        ]
        rest = sum(f.count for f in self.families[top_families:])
        rep = None
        if self.families:
            rep = rounded(arrange_student(self.families[0].representative), 3)
        return jsonable(
            {
                "k": self.k,
                "n": self.n,
                "summary": summary,
                "counts": {lab: self.count(lab) for lab in LABELS},
                "hist_logF": hist_F,
                "hist_lambda": hist_lam,
                "families": fams,
                "n_families": len(self.families),
                "other_family_members": rest,
                "representative": rep,
                "wall_s": self.wall_time,
                "backend": self.backend,
            }
        )

    def summary(self) -> dict:
        """One row of Table 1: ours beside the paper's."""
        spur = self.label == "spurious"
        s, R = int(spur.sum()), self.restarts
        lo, hi = wilson(s, R)
        paper = paper_value(self.k, self.n) or {}
        mean = lambda a: float(np.mean(a)) if a.size else float("nan")  # noqa: E731
        return {
            "k": self.k,
            "n": self.n,
            "runs": R,
            "spurious": s,
            "pct_spurious": 100.0 * s / R,
            "ci_lo": 100.0 * lo,
            "ci_hi": 100.0 * hi,
            "avg_lambda_min": mean(self.lambda_min[spur]),
            "avg_F": mean(self.F[spur]),
            "saddles": self.count("saddle"),
            "not_converged": self.count("not converged"),
            "families": "; ".join(f.describe() for f in self.families),
            "median_iterations": float(np.median(self.iterations)),
            "wall_s": self.wall_time,
            "backend": self.backend,
            "paper_pct": paper.get("pct", float("nan")),
            "paper_lambda_min": paper.get("lambda_min", float("nan")),
            "paper_F": paper.get("F", float("nan")),
            "z_vs_paper": z_vs_paper(s, R, paper.get("pct", float("nan"))),
        }


#: The keys of :meth:`Result.summary`, in order (the CLI's CSV header).
TABLE_COLUMNS = [
    "k",
    "n",
    "runs",
    "spurious",
    "pct_spurious",
    "ci_lo",
    "ci_hi",
    "avg_lambda_min",
    "avg_F",
    "saddles",
    "not_converged",
    "families",
    "median_iterations",
    "wall_s",
    "backend",
    "paper_pct",
    "paper_lambda_min",
    "paper_F",
    "z_vs_paper",
]


def z_vs_paper(spurious: int, runs: int, paper_pct: float, paper_runs: int = 1000) -> float:
    """Two-proportion z statistic of our rate against the paper's (both binomial samples).

    |z| < 1.96 means the two rates agree at the 5 % level; NaN where the paper has no value.
    """
    if not np.isfinite(paper_pct):
        return float("nan")
    p1, p2 = spurious / runs, paper_pct / 100.0
    pool = (spurious + p2 * paper_runs) / (runs + paper_runs)
    se = np.sqrt(pool * (1 - pool) * (1 / runs + 1 / paper_runs))
    return 0.0 if se == 0 else float((p1 - p2) / se)


def agrees_with_paper(z: float, level: float = 1.96) -> Optional[bool]:
    """Whether a :func:`z_vs_paper` statistic says our rate agrees with the paper's.

    Parameters
    ----------
    z : float
        The two-proportion z statistic (NaN where the paper has no value).
    level : float, default 1.96
        Two-sided critical value (1.96: the 5 % level).

    Returns
    -------
    bool or None
        ``|z| < level``; None where ``z`` is NaN (nothing to compare with).

    Examples
    --------
    >>> agrees_with_paper(z_vs_paper(126, 1000, 12.6))
    True
    >>> agrees_with_paper(z_vs_paper(300, 1000, 12.6))
    False
    >>> agrees_with_paper(float("nan")) is None
    True
    """
    if z is None or not np.isfinite(z):
        return None
    return bool(abs(z) < level)


def paper_within_ci(
    paper_pct: Optional[float], ci_lo: float, ci_hi: float, tol: float = 1e-9
) -> Optional[bool]:
    """Whether the paper's percentage lies in our confidence interval (the table's verdict).

    Parameters
    ----------
    paper_pct : float or None
        The paper's % of spurious endpoints (NaN or None where it gives none).
    ci_lo, ci_hi : float
        Our interval in % (e.g. ``summary["ci_lo"]``, ``summary["ci_hi"]``, Wilson 95 %).
    tol : float, default 1e-9
        Slack on both ends (an interval that ends exactly at the paper's value covers it).

    Returns
    -------
    bool or None
        None where the paper has no value.

    Examples
    --------
    >>> paper_within_ci(12.6, 10.2, 14.9)
    True
    >>> paper_within_ci(0.3, 0.0, 0.2)
    False
    >>> paper_within_ci(float("nan"), 0.0, 1.0) is None
    True
    """
    if paper_pct is None or not np.isfinite(paper_pct):
        return None
    return bool((paper_pct >= ci_lo - tol) and (paper_pct <= ci_hi + tol))


# --------------------------------------------------------------------------- summaries and estimates

#: Bins of log10(final loss) and of lambda_min used by every :meth:`Result.to_summary` histogram.
LOGF_EDGES = np.round(np.linspace(-8.0, 0.0, 81), 10)
LAMBDA_EDGES = np.round(np.linspace(-0.01, 0.06, 71), 10)


def arrange_student(W: ArrayLike) -> np.ndarray:
    """A student W (n, k) with rows and columns permuted so that its structure shows.

    Each neuron is matched to the coordinate it is most aligned with (greedy on |w_ij|), matched
    pairs are ordered by that diagonal entry (the odd neuron of a [1, k-1] family comes first),
    unmatched neurons go last. Neuron and coordinate permutations are symmetries of the identity
    teacher, so the loss is unchanged.

    Parameters
    ----------
    W : array_like (n, k)

    Returns
    -------
    ndarray (n, k)

    Examples
    --------
    >>> arrange_student([[0.1, 0.9], [-0.8, 0.2], [0.3, 0.3]]).tolist()
    [[-0.8, 0.2], [0.1, 0.9], [0.3, 0.3]]
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


# Cost model of :func:`estimate_seconds`, measured on 2 AVX-512 cores: the C++ core takes ~4.6 ms
# per restart and thread at k = n = 10, growing like k^4.3; n = k+1 is ~2.6x slower (GD crawls
# towards the global manifold); the NumPy backend (one thread) is ~37x slower than 2 threads.
_SECONDS_PER_RESTART = 0.0046  # k = n = 10, one thread of the C++ core
_K_POWER = 4.3
_EXTRA_FACTOR = {0: 1.0, 1: 2.6, 2: 0.85, 3: 0.85}
_NUMPY_FACTOR = 18.5  # NumPy (one thread) vs one thread of the C++ core


def estimate_seconds(
    ks: Iterable[int], extras: Iterable[int], restarts: int, backend: str, threads: int = 1
) -> float:
    """Rough wall time of :func:`table_summary` (the app's "this will take" estimate).

    Parameters
    ----------
    ks, extras : iterable of int
        Teacher widths and student excesses (n = k + e) of the cells.
    restarts : int
        Restarts per cell.
    backend : {"auto", "cpu", "numpy"}
        The backend the run will use; anything but "numpy" is costed as the C++ core when it is
        built here, as NumPy otherwise.
    threads : int, default 1
        OpenMP threads of the C++ core (e.g. ``relufast.info()["threads"]``).

    Returns
    -------
    float
        Seconds: 4.6 ms x (k / 10)^4.3 per restart and cell (x 2.6 for n = k+1, x 0.85 for
        n = k+2 and k+3), divided by ``threads`` on the C++ core, x 18.5 on NumPy.

    Examples
    --------
    >>> round(estimate_seconds([10], [0], 1000, "numpy"), 6)
    85.1
    >>> round(estimate_seconds([6, 7], [0, 1], 100, "numpy", threads=2), 6)  # threads: C++ only
    10.015569
    """
    ks, extras = list(ks), list(extras)
    threads = max(1, int(threads))
    per = sum(
        _SECONDS_PER_RESTART * (k / 10) ** _K_POWER * _EXTRA_FACTOR.get(e, 1.0) for k in ks for e in extras
    )
    if backend == "numpy" or not _backend.has_core():
        return per * restarts * _NUMPY_FACTOR
    return per * restarts / threads


_HESSIAN_BYTES = 64 << 20  # memory for Hessians held at once


def _chunks(indices, m: int, max_bytes: int):
    """Split ``indices`` into pieces whose m x m float64 matrices fit in ``max_bytes``."""
    indices = np.asarray(indices, dtype=np.intp)
    step = max(1, max_bytes // (8 * m * m))
    return [indices[s : s + step] for s in range(0, indices.size, step)]


def _labels(F, status, lam, pd_tol):
    label = np.full(F.shape, "global", dtype=object)
    cand = F >= SPURIOUS_F
    label[cand & (lam > pd_tol)] = "spurious"
    label[cand & ~(lam > pd_tol)] = "saddle"
    stuck = (status == optim.Status.MAX_ITERS) | (status == optim.Status.DIVERGED)
    label[stuck] = "not converged"
    return label.astype(str)


def _stage_backend(be: str, objective: str, kernel: str) -> str:
    """``be`` if it provides ``kernel`` of ``objective`` here, else the fastest backend that does."""
    have = _backend.registered(objective, kernel)
    return be if be in have else have[0]


def run(
    k: int,
    n: int,
    restarts: int = 1000,
    seed: int = 0,
    step: float = 0.1,
    tol: float = 1e-9,
    backend: str = "auto",
    *,
    f_stop: float = 1e-6,
    max_iters: int = 1_000_000,
    diverge: float = 1e4,
    polish: bool = False,
    hessian_for: str = "candidates",
    pd_tol: float = 0.0,
    chunk: int = 2000,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Result:
    """Train ``restarts`` students of n neurons against the k-neuron identity teacher and classify
    each endpoint as a global minimum, a spurious minimum, a saddle, or not converged.

    Parameters
    ----------
    k, n : int
        Teacher and student widths (d = k).
    restarts, seed : int
        Number of GD runs; restart i's init depends only on (seed, k, n, i).
    step, tol : float
        GD step and the stopping threshold on ``2 pi max_i |grad_{w_i} F|`` (paper: 0.1, 1e-9).
    backend : {"auto", "cuda", "cpu", "numpy"}
        Runs the gradient descent; the Hessian stage runs there too where that backend has the
        kernels, else on the fastest one that has them (``config["hessian_backend"]``).
    f_stop : float
        Early stop once F < f_stop (0 disables; labels are unaffected, see module notes).
    max_iters : int
        Safety cap on GD steps per run; capped runs are labelled "not converged".
    polish : bool
        Newton-polish spurious endpoints with the exact Hessian to ``|grad| ~ 1e-13``.
    hessian_for : {"candidates", "all"}
        Compute lambda_min for endpoints with F >= 1e-3 only, or for all converged endpoints.
    pd_tol : float
        A candidate is a spurious minimum when lambda_min > pd_tol.
    progress : callable(done, total), optional
        Called between GD chunks with the number of finished runs.
    """
    k = positive_int(k, "k")
    n = positive_int(n, "n")
    restarts = positive_int(restarts, "restarts")
    seed = positive_int(seed, "seed", minimum=0)
    step = positive_float(step, "step")
    tol = positive_float(tol, "tol")
    if hessian_for not in ("candidates", "all"):
        raise ValueError(f"hessian_for must be 'candidates' or 'all', got {hessian_for!r}")
    be = _backend.resolve(backend, "teacher", "gd_chunk")
    # Hessians, eigenvalues and the Newton polish run on ``be`` where it has those kernels, else on
    # the fastest backend that has them (the CUDA backend runs GD only; see config["hessian_backend"]).
    hbe = _stage_backend(be, "teacher", "hessian")
    ebe = _stage_backend(be, "linalg", "min_eigenvalues")
    config = dict(
        seed=seed,
        step=step,
        tol=tol,
        f_stop=f_stop,
        max_iters=max_iters,
        diverge=diverge,
        polish=polish,
        hessian_for=hessian_for,
        pd_tol=pd_tol,
        hessian_backend=hbe,
    )

    t0 = time.perf_counter()
    W0 = initial_students(k, n, restarts, seed)
    gd = optim.teacher_gd(
        W0,
        step=step,
        tol=tol,
        diverge=diverge,
        f_stop=f_stop,
        max_iters=max_iters,
        chunk=chunk,
        backend=be,
        progress=progress,
    )
    W, F, gnorm = gd.W, gd.F, gd.grad_norm
    converged = gd.status == optim.Status.CONVERGED
    cand = np.flatnonzero(converged & (F >= SPURIOUS_F))
    lam = np.full(restarts, np.nan)
    finished = np.isin(gd.status, (optim.Status.CONVERGED, optim.Status.SMALL_LOSS))
    which = cand if hessian_for == "candidates" else np.flatnonzero(finished)
    # Hessians are (n k)^2 doubles each (1.3 GB for 1000 at k = n = 20): work in bounded chunks.
    for part in _chunks(cand if polish else [], n * k, _HESSIAN_BYTES):
        W[part], gnorm[part] = optim.newton_polish(W[part], backend=hbe)
        F[part] = teacher.loss(W[part], backend=hbe)
    for part in _chunks(which, n * k, _HESSIAN_BYTES):
        lam[part] = minima.min_eigenvalues(teacher.hessian(W[part], backend=hbe), backend=ebe)
    label = _labels(F, gd.status, lam, pd_tol)
    spur = np.flatnonzero(label == "spurious")
    fams = minima.families(W[spur], F[spur], lam[spur]) if spur.size else []
    for fam in fams:  # members index the spurious endpoints; report restart indices
        fam.members = spur[fam.members]
    return Result(
        k=k,
        n=n,
        W=W,
        F=F,
        grad_norm=gnorm,
        iterations=gd.iterations,
        step=gd.step,
        lambda_min=lam,
        label=label,
        status=gd.status,
        families=fams,
        config=config,
        wall_time=time.perf_counter() - t0,
        backend=be,
    )


def table(
    ks: Iterable[int],
    extra: Iterable[int] = (0, 1, 2),
    restarts: int = 1000,
    seed: int = 0,
    *,
    backend: str = "auto",
    progress: Optional[Callable[[int, int], None]] = None,
    on_row: Optional[Callable[[dict], None]] = None,
    **run_kwargs,
) -> list[dict]:
    """Table 1 as rows (one per (k, n = k + e)), ours beside the paper's values.

    ``progress(done, total)`` counts finished runs over the whole table; ``on_row(row)`` is called
    as each row finishes (the CLI writes it out at once, so an interrupt keeps finished rows).
    """
    ks = [positive_int(k, "ks") for k in ks]
    extra = [positive_int(e, "extra", minimum=0) for e in extra]
    if not ks or not extra:
        raise ValueError("ks and extra must not be empty")
    restarts = positive_int(restarts, "restarts")
    cells = [(k, k + e) for k in ks for e in extra]
    rows = []
    for c, (k, n) in enumerate(cells):
        cell_progress = None
        if progress is not None:
            cell_progress = lambda done, total, c=c: progress(c * restarts + done, len(cells) * restarts)  # noqa: E731
        row = run(k, n, restarts, seed, backend=backend, progress=cell_progress, **run_kwargs).summary()
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def table_summary(
    ks: Iterable[int],
    extras: Iterable[int] = (0, 1, 2),
    restarts: int = 1000,
    seed: int = 0,
    *,
    backend: str = "auto",
    progress: Optional[Callable[[int, int], None]] = None,
    runner: Optional[Callable[..., Result]] = None,
    on_cell: Optional[Callable[[dict, Result], None]] = None,
) -> dict:
    """Table 1 as the compact dict the app charts (``teacher_student.json`` without its ``meta``).

    Parameters
    ----------
    ks, extras : iterable of int
        Cells (k, n = k + e) for every k in ``ks`` and e in ``extras``, in that order.
    restarts, seed : int
        Per cell, as in :func:`run`.
    backend : {"auto", "cpu", "numpy"}
    progress : callable(done, total), optional
        Finished runs over the whole table.
    runner : callable, optional
        Called as ``runner(k, n, restarts, seed, backend=..., progress=...)`` instead of
        :func:`run` (e.g. to cache the raw results).
    on_cell : callable(cell, result), optional
        Called as each cell finishes, with its summary and its :class:`Result`.

    Returns
    -------
    dict
        ``params`` (``ks``, ``extra``, ``restarts``, ``seed``), ``logF_edges``, ``lambda_edges``
        and ``cells`` (one :meth:`Result.to_summary` each).
    """
    ks, extras = list(ks), list(extras)
    runner = run if runner is None else runner
    cells_kn = [(k, k + e) for k in ks for e in extras]
    total = len(cells_kn) * restarts
    cells = []
    for c, (k, n) in enumerate(cells_kn):
        sub = None
        if progress is not None:
            sub = lambda d, t, c=c: progress(c * restarts + d, total)  # noqa: E731
        res = runner(k, n, restarts, seed, backend=backend, progress=sub)
        cell = res.to_summary()
        cells.append(cell)
        if on_cell is not None:
            on_cell(cell, res)
    return {
        "params": {"ks": ks, "extra": extras, "restarts": restarts, "seed": seed},
        "logF_edges": LOGF_EDGES.tolist(),
        "lambda_edges": LAMBDA_EDGES.tolist(),
        "cells": cells,
    }
