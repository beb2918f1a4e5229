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

from .. import backend as _backend
from .. import minima, optim, teacher
from .._validate import positive_float, positive_int
from ..stats import wilson

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
]

SPURIOUS_F = 1e-3  # endpoints with F >= this are spurious-minimum candidates (paper)
LABELS = ("global", "spurious", "saddle", "not converged")
_BLOCK = 1024  # restarts per seed block: restart i's init never depends on the batch size


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
    """The paper's Table 1 cell for (k, n), or None where the paper reports none."""
    return PAPER_TABLE.get((k, n))


def initial_students(k: int, n: int, restarts: int, seed: int = 0) -> np.ndarray:
    """Initial students (restarts, n, k) with entries N(0, 1/k), reproducible per restart.

    Restarts come in blocks of 1024 drawn from ``SeedSequence([seed, k, n], spawn_key=(block,))``,
    so restart i is the same whether 10 or 10^6 restarts are drawn.
    """
    k = positive_int(k, "k")
    n = positive_int(n, "n")
    restarts = positive_int(restarts, "restarts")
    seed = positive_int(seed, "seed", minimum=0)
    blocks = []
    for b in range(math.ceil(restarts / _BLOCK)):
        ss = np.random.SeedSequence([seed, k, n], spawn_key=(b,))
        blocks.append(np.random.default_rng(ss).normal(0.0, 1.0 / math.sqrt(k), (_BLOCK, n, k)))
    return np.concatenate(blocks)[:restarts]


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
    "k", "n", "runs", "spurious", "pct_spurious", "ci_lo", "ci_hi", "avg_lambda_min", "avg_F",
    "saddles", "not_converged", "families", "median_iterations", "wall_s", "backend",
    "paper_pct", "paper_lambda_min", "paper_F", "z_vs_paper",
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
    backend : {"auto", "cpu", "numpy"}
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
    be = _backend.resolve(backend)
    config = dict(seed=seed, step=step, tol=tol, f_stop=f_stop, max_iters=max_iters,
                  diverge=diverge, polish=polish, hessian_for=hessian_for, pd_tol=pd_tol)

    t0 = time.perf_counter()
    W0 = initial_students(k, n, restarts, seed)
    gd = optim.teacher_gd(W0, step=step, tol=tol, diverge=diverge, f_stop=f_stop,
                          max_iters=max_iters, chunk=chunk, backend=be, progress=progress)
    W, F, gnorm = gd.W, gd.F, gd.grad_norm
    converged = gd.status == optim.Status.CONVERGED
    cand = np.flatnonzero(converged & (F >= SPURIOUS_F))
    lam = np.full(restarts, np.nan)
    which = cand if hessian_for == "candidates" else np.flatnonzero(gd.status <= 2)
    # Hessians are (n k)^2 doubles each (1.3 GB for 1000 at k = n = 20): work in bounded chunks.
    for part in _chunks(cand if polish else [], n * k, _HESSIAN_BYTES):
        W[part], gnorm[part] = optim.newton_polish(W[part], backend=be)
        F[part] = teacher.loss(W[part], backend=be)
    for part in _chunks(which, n * k, _HESSIAN_BYTES):
        lam[part] = minima.min_eigenvalues(teacher.hessian(W[part], backend=be), backend=be)
    label = _labels(F, gd.status, lam, pd_tol)
    spur = np.flatnonzero(label == "spurious")
    fams = minima.families(W[spur], F[spur], lam[spur]) if spur.size else []
    for fam in fams:  # members index the spurious endpoints; report restart indices
        fam.members = spur[fam.members]
    return Result(k=k, n=n, W=W, F=F, grad_norm=gnorm, iterations=gd.iterations, step=gd.step,
                  lambda_min=lam, label=label, status=gd.status, families=fams, config=config,
                  wall_time=time.perf_counter() - t0, backend=be)


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
