"""Teacher-student experiment of Safran & Shamir (ICML 2018): how often does GD end in a spurious
local minimum? Reproduces their Table 1 (papers.md B2-B4).

Protocol (from the authors' code): a k-neuron identity teacher (d = k), an n-neuron student with
W_ij ~ N(0, 1/d), plain full-batch gradient descent with step 0.1 on the closed-form population
loss, stopped when ``2 pi max_i |grad_{w_i} F| <= 1e-9``; when that norm exceeds 1e4 the run restarts
from the same init with the step halved. Endpoints with F >= 1e-3 are spurious-minimum candidates;
a positive-definite exact Hessian certifies them (else: saddle).

Project choices, all visible in :class:`Result.config`:
- early stop at F < 1e-3 (``f_stop`` = :data:`SPURIOUS_F`; the 2021 protocol keeps 1e-6):
  convergence to the global manifold for n > k is very slow and GD decreases F monotonically at
  this step, so a run that is under the spurious threshold stays under it and its label ("global")
  cannot change;
- a hand-off to Newton's method for slow runs (``certify_after``, ``certify_tol``): a run GD has not
  finished after 20,000 steps is Newton-polished and certified once its gradient norm is 1e-5
  instead of waited out at GD's linear rate; a run the certificate does not prove goes on under GD,
  bit for bit the run it would have been, and is tried again at 40,000, 80,000, ... steps
  (:func:`run_shard`);
- a safety cap ``max_iters`` (the paper has none); capped runs are labelled "not converged" unless
  certified;
- restart i's init depends only on (seed, k, n, i), never on how many restarts run.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import math
import numbers
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .. import backend as _backend
from .. import minima, optim
from .. import sweep as _sweep
from .._seeding import block_normals
from .._validate import BadTypeError, check_memory, flag, float_array, positive_float, positive_int
from .._validate import seed as check_seed
from ..objectives import teacher as objective
from ..objectives.teacher import symmetry
from ..objectives.teacher.certificate import certify_minimum
from ..stats import wilson
from .summary import histogram, jsonable, rounded

__all__ = [
    "run",
    "sweep",
    "run_shard",
    "cell_spec",
    "classify",
    "CellSpec",
    "Protocol",
    "PROTOCOLS",
    "TEACHERS",
    "get_protocol",
    "make_teacher",
    "table",
    "Result",
    "initial_students",
    "paper_value",
    "PAPER_TABLE",
    "PAPER_SOURCES",
    "PAPER_2021",
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
    "estimate_bytes",
    "check_run_memory",
]

SPURIOUS_F = 1e-3  # endpoints with F >= this are spurious-minimum candidates (paper)
LABELS = ("global", "spurious", "saddle", "not converged", "candidate")  # candidate: no Hessian asked


def _load_paper_table() -> dict:
    text = resources.files("relufast.data").joinpath("safran_shamir_table1.csv").read_text()
    out = {}
    for row in csv.DictReader(text.splitlines()):
        val = lambda s: float(s) if s else float("nan")  # noqa: E731
        out[int(row["k"]), int(row["n"])] = {
            "pct": val(row["pct_spurious"]),
            "lambda_min": val(row["avg_lambda_min"]),
            "F": val(row["avg_F"]),
            "source": row["source"],
        }
    return out


#: Where each paper value comes from (papers.md B3): read from the authors' result files, inferred
#: from their missing files (the n = k + 2 zeros), or unknown (cells that may never have run).
PAPER_SOURCES = {
    "reconstructed": "from the authors' stored result files",
    "inferred": "inferred: the authors' files hold no spurious endpoint (not a printed number)",
    "unknown": "unknown: this cell may never have been run",
    "approximate": "stated approximately in the text (COLT 2021)",
}

#: Safran & Shamir's Table 1 (1000 runs per cell): {(k, n): {"pct", "lambda_min", "F", "source"}};
#: ``source`` is a key of :data:`PAPER_SOURCES` and ``pct`` is NaN where it is "unknown".
PAPER_TABLE = _load_paper_table()


#: Safran, Yehudai & Shamir (COLT 2021, 500 runs per k, n = k): the fractions their text states,
#: approximately (papers.md B5): about 99.6 % spurious at k = 30, 100 % for k >= 50 (to k = 100).
PAPER_2021 = {30: 99.6, **{k: 100.0 for k in range(50, 101)}}


def paper_value(k: int, n: int, protocol: str = "icml2018") -> dict | None:
    """The paper's Table 1 cell for (k, n), or None where the paper reports none.

    With ``protocol="colt2021"``: the fractions the 2021 paper states (n = k only, approximate,
    500 runs; :data:`PAPER_2021`), without lambda_min or F.

    Examples
    --------
    >>> paper_value(8, 8)["pct"], paper_value(8, 8)["source"]
    (12.6, 'reconstructed')
    >>> paper_value(8, 10)["source"], paper_value(20, 22)["source"]
    ('inferred', 'unknown')
    >>> paper_value(20, 21) is None
    True
    >>> paper_value(30, 30, "colt2021")["pct"]
    99.6
    """
    if protocol == "colt2021":
        if n != k or k not in PAPER_2021:
            return None
        return {
            "pct": PAPER_2021[k],
            "lambda_min": float("nan"),
            "F": float("nan"),
            "source": "approximate",
            "runs": 500,
        }
    if protocol != "icml2018":
        return None
    return PAPER_TABLE.get((k, n))


#: The paper's worked example, the k = n = 6 spurious minimum (papers.md B4).
PAPER_K6_MINIMUM = {"k": 6, "n": 6, "F": 0.02508058, "lambda_min": 0.004700}


def initial_students(
    k: int, n: int, restarts: int, seed: int = 0, *, d: int | None = None, start: int = 0
) -> np.ndarray:
    """Initial students (restarts, n, d) with entries N(0, 1/d), reproducible per restart.

    Restarts come in blocks of 1024 drawn from ``SeedSequence([seed, k, n], spawn_key=(block,))``
    (``[seed, k, n, d]`` when d != k), so restart i is the same whether 10 or 10^6 restarts are drawn,
    and ``start`` draws restarts ``start .. start + restarts - 1`` alone (a shard of a larger run).

    Examples
    --------
    >>> W = initial_students(6, 7, 3000)
    >>> bool(np.array_equal(initial_students(6, 7, 5, start=2000), W[2000:2005]))
    True
    """
    k = positive_int(k, "k")
    n = positive_int(n, "n")
    restarts = positive_int(restarts, "restarts")
    seed = check_seed(seed)
    start = positive_int(start, "start", minimum=0)
    d = k if d is None else positive_int(d, "d")
    check_memory(8.0 * restarts * n * d, f"initial_students with n={n}, d={d}, restarts={restarts}")
    key = [seed, k, n] if d == k else [seed, k, n, d]
    return block_normals(key, restarts, (n, d), scale=1.0 / math.sqrt(d), start=start)


# --------------------------------------------------------------------------- protocols and teachers


@dataclass(frozen=True)
class Protocol:
    """The knobs of a published gradient-descent protocol (every one overridable in :func:`run`).

    Attributes
    ----------
    name : str
    step : float
        GD step; divided by k when ``step_over_k`` (COLT 2021: 5 / k).
    step_over_k : bool
    tol : float
        CONVERGED once the gradient norm is at most this.
    norm : {"max", "frobenius"}
        ``2 pi max_i |grad_{w_i} F|`` (ICML 2018) or ``|grad F|_F`` (COLT 2021); see
        :func:`relufast.optim.teacher_gd`.
    f_stop : float
        Project choice: stop once F < f_stop (the label cannot change, see the module notes).
    max_iters : int
        Project choice: a safety cap; capped runs are reported as "not converged".
    certify_after, certify_tol : int, float
        Project choice: a run GD has not finished after ``certify_after`` steps is handed to
        Newton's method and the certificate once its gradient norm (the same norm as ``tol``) is
        at most ``certify_tol`` and F >= 1e-3 (:func:`run_shard`); one not proven goes on under
        GD to ``tol`` and is tried again at 2, 4, 8, ... x ``certify_after`` steps.
        ``certify_after = 0`` (or ``certify_tol <= tol``) turns this off.
    diverge : float
        Restart from the initial point with half the step when the norm exceeds this.
    restarts : int
        The paper's runs per cell.
    reference : str
    """

    name: str
    step: float
    step_over_k: bool
    tol: float
    norm: str
    f_stop: float
    max_iters: int
    diverge: float
    restarts: int
    reference: str
    certify_after: int = 0
    certify_tol: float = 0.0

    def step_for(self, k: int) -> float:
        """The GD step at teacher width k."""
        return self.step / k if self.step_over_k else self.step


#: The protocols by name: Safran & Shamir (ICML 2018, Table 1) and its follow-up regime
#: (Safran, Yehudai & Shamir, COLT 2021: k = n up to 100, 500 runs, step 5/k, |grad F|_F <= 1e-12).
PROTOCOLS = {
    "icml2018": Protocol(
        "icml2018",
        step=0.1,
        step_over_k=False,
        tol=1e-9,
        norm="max",
        f_stop=SPURIOUS_F,
        max_iters=1_000_000,
        diverge=1e4,
        restarts=1000,
        reference="Safran & Shamir, ICML 2018",
        certify_after=20_000,
        certify_tol=1e-5,
    ),
    "colt2021": Protocol(
        "colt2021",
        step=5.0,
        step_over_k=True,
        tol=1e-12,
        norm="frobenius",
        f_stop=1e-6,
        max_iters=1_000_000,
        diverge=1e4,
        restarts=500,
        reference="Safran, Yehudai & Shamir, COLT 2021",
    ),
}

#: Teachers by name: the identity (the papers'), a random one with orthonormal rows, or a random
#: Gaussian one with N(0, 1/d) entries (seeded by ``teacher_seed``).
TEACHERS = ("identity", "orthogonal", "gaussian")


def get_protocol(protocol: str | Protocol) -> Protocol:
    """A :class:`Protocol` by name (a key of :data:`PROTOCOLS`), or the one given."""
    if isinstance(protocol, Protocol):
        return protocol
    if not isinstance(protocol, str) or protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {tuple(PROTOCOLS)}, got {protocol!r}")
    return PROTOCOLS[protocol]


def make_teacher(
    teacher: str | ArrayLike | None, k: int, d: int | None = None, seed: int = 0
) -> np.ndarray | None:
    """The teacher's rows V (k, d), or None for the identity teacher (which needs d = k).

    Parameters
    ----------
    teacher : None, "identity", "orthogonal", "gaussian" or array_like (k, d)
        A name (see :data:`TEACHERS`) or the rows themselves (finite, d >= k).
    k : int
        Teacher width.
    d : int, optional
        Input dimension (default k; d >= k).
    seed : int
        Seed of the random teachers (``SeedSequence([seed, k, d, 1])``).

    Examples
    --------
    >>> V = make_teacher("orthogonal", 3, 5, seed=1)
    >>> V.shape, bool(np.allclose(V @ V.T, np.eye(3)))
    ((3, 5), True)
    >>> make_teacher("identity", 4) is None
    True
    """
    k = positive_int(k, "k")
    d = k if d is None else positive_int(d, "d")
    seed = check_seed(seed, "teacher_seed")  # checked even where unused (the identity teacher)
    if d < k:
        raise ValueError(f"d must be >= k = {k} (a teacher of k rows in dimension d), got d={d}")
    if teacher is None or (isinstance(teacher, str) and teacher == "identity"):
        if d != k:
            return np.eye(k, d)  # e_1 .. e_k of R^d
        return None
    if isinstance(teacher, str):
        if teacher not in TEACHERS:
            raise ValueError(f"teacher must be one of {TEACHERS} or an array (k, d), got {teacher!r}")
        rng = np.random.default_rng(np.random.SeedSequence([seed, k, d, 1]))
        if teacher == "gaussian":
            return rng.normal(0.0, 1.0 / math.sqrt(d), (k, d))
        q, r = np.linalg.qr(rng.standard_normal((d, k)))
        return np.ascontiguousarray((q * np.sign(np.diag(r))).T)  # a Haar-random orthonormal frame
    V = float_array(teacher, "teacher", (2,))
    if V.shape[0] != k:
        raise ValueError(f"teacher must have k = {k} rows, got shape {V.shape}")
    if V.shape[1] < k:
        raise ValueError(f"teacher must have d >= k = {k} columns, got shape {V.shape}")
    if d != V.shape[1] and d != k:
        raise ValueError(f"teacher has d = {V.shape[1]} columns but d = {d} was asked for")
    return V


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
    certified: np.ndarray | None = None  # slow or capped runs proven next to a strict local minimum

    @property
    def restarts(self) -> int:
        return int(self.F.size)

    def count(self, label: str) -> int:
        if label not in LABELS:
            raise ValueError(f"label must be one of {LABELS}, got {label!r}")
        return int(np.sum(self.label == label))

    def to_summary(self, top_families: int = 6) -> dict:
        """The cell as a small JSON-ready dict (a cell of the shipped ``teacher_student.json``).

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
        # the papers' values apply to their own protocol and the identity teacher only
        same_setup = (
            self.config.get("teacher", "identity") == "identity" and self.config.get("d", self.k) == self.k
        )
        paper = (
            paper_value(self.k, self.n, self.config.get("protocol", "icml2018")) if same_setup else None
        ) or {}
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
            "candidates": self.count("candidate"),
            "certified": 0 if self.certified is None else int(np.sum(self.certified)),
            "families": "; ".join(f.describe() for f in self.families),
            "median_iterations": float(np.median(self.iterations)),
            "wall_s": self.wall_time,
            "backend": self.backend,
            "paper_pct": paper.get("pct", float("nan")),
            "paper_lambda_min": paper.get("lambda_min", float("nan")),
            "paper_F": paper.get("F", float("nan")),
            "paper_source": paper.get("source", ""),
            "z_vs_paper": z_vs_paper(s, R, paper.get("pct", float("nan")), paper.get("runs", 1000)),
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
    "candidates",
    "certified",
    "families",
    "median_iterations",
    "wall_s",
    "backend",
    "paper_pct",
    "paper_lambda_min",
    "paper_F",
    "paper_source",
    "z_vs_paper",
]


def z_vs_paper(spurious: int, runs: int, paper_pct: float, paper_runs: int = 1000) -> float:
    """Two-proportion z statistic of our rate against the paper's (both binomial samples).

    |z| < 1.96 means the two rates agree at the 5 % level; NaN where the paper has no value.

    Parameters
    ----------
    spurious, runs : int
        Our count of spurious endpoints out of ``runs`` >= 1.
    paper_pct : float
        The paper's percentage in [0, 100], or NaN.
    paper_runs : int, default 1000
        The paper's runs (>= 1).

    Examples
    --------
    >>> round(z_vs_paper(126, 1000, 12.6), 6)
    0.0
    """
    runs = positive_int(runs, "runs")
    spurious = positive_int(spurious, "spurious", minimum=0, maximum=runs)
    paper_runs = positive_int(paper_runs, "paper_runs")
    if isinstance(paper_pct, (bool, np.bool_)) or not isinstance(paper_pct, numbers.Real):
        raise BadTypeError(f"paper_pct must be a number in [0, 100] or NaN, got {paper_pct!r}")
    if np.isnan(paper_pct):
        return float("nan")
    if not 0 <= paper_pct <= 100:
        raise ValueError(f"paper_pct must be a number in [0, 100] or NaN, got {paper_pct!r}")
    p1, p2 = spurious / runs, paper_pct / 100.0
    pool = (spurious + p2 * paper_runs) / (runs + paper_runs)
    se = np.sqrt(pool * (1 - pool) * (1 / runs + 1 / paper_runs))
    return 0.0 if se == 0 else float((p1 - p2) / se)


def agrees_with_paper(z: float, level: float = 1.96) -> bool | None:
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
    level = positive_float(level, "level")
    if z is None:
        return None
    if isinstance(z, (bool, np.bool_)) or not isinstance(z, numbers.Real):
        raise BadTypeError(f"z must be a real number (a z_vs_paper statistic) or NaN, got {z!r}")
    if not np.isfinite(z):
        return None
    return bool(abs(z) < level)


def paper_within_ci(paper_pct: float | None, ci_lo: float, ci_hi: float, tol: float = 1e-9) -> bool | None:
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
    for name, v in (("ci_lo", ci_lo), ("ci_hi", ci_hi), ("tol", tol)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise BadTypeError(f"{name} must be a finite real number, got {v!r}")
    if ci_lo > ci_hi:
        raise ValueError(f"ci_lo must be <= ci_hi, got ci_lo={ci_lo!r} > ci_hi={ci_hi!r}")
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
    W = float_array(W, "W", (2,))
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


# Cost model of :func:`estimate_seconds`, fitted by benchmarks/bench_estimate.py on 2 AVX-512 cores
# (results/estimate_fit.txt: the whole Table 1 modelled at 397 s, measured 413 s): per student
# excess e = n - k, seconds per restart and thread of the C++ core at k = 10 and their power of k
# (n = k+1 grows fastest: its slow runs crawl towards the global manifold); e >= 3 costs as e = 2.
_COST = {0: (0.00494, 3.48), 1: (0.00438, 4.35), 2: (0.00285, 3.26)}
_NUMPY_FACTOR = 62.8  # NumPy (one thread) vs one thread of the C++ core, k = n = 6..8


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
        Seconds: a_e (k / 10)^p_e per restart and cell, with (a_e, p_e) = (4.94 ms, 3.48) for
        n = k, (4.38 ms, 4.35) for n = k+1 and (2.85 ms, 3.26) for n = k+2 and beyond, divided
        by ``threads`` on the C++ core, x 62.8 on NumPy.

    Examples
    --------
    >>> round(estimate_seconds([10], [0], 1000, "numpy"), 6)
    310.232
    >>> round(estimate_seconds([6, 7], [0, 1], 100, "numpy", threads=2), 6)  # threads: C++ only
    23.020903
    """
    ks = [positive_int(k, "ks") for k in _iterable(ks, "ks")]
    extras = [positive_int(e, "extras", minimum=0) for e in _iterable(extras, "extras")]
    restarts = positive_int(restarts, "restarts")
    threads = max(1, int(threads))
    per = sum(_COST[min(e, 2)][0] * (k / 10) ** _COST[min(e, 2)][1] for k in ks for e in extras)
    if backend == "numpy" or not _backend.has_core():
        return per * restarts * _NUMPY_FACTOR
    return per * restarts / threads


def _cell(c: object) -> tuple[int, int]:
    """One (k, n) cell of :func:`sweep`, checked."""
    if isinstance(c, (str, bytes)) or not isinstance(c, Sequence) or len(c) != 2:
        raise ValueError(f"cells must hold (k, n) pairs, got {c!r}")
    return positive_int(c[0], "k"), positive_int(c[1], "n")


def _iterable(x: object, name: str) -> list:
    """``x`` as a list, or a TypeError naming the argument (a str is not a list of integers)."""
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        raise BadTypeError(f"{name} must be an iterable of integers, got {x!r}")
    return list(x)


_HESSIAN_BYTES = 64 << 20  # memory for Hessians held at once


def estimate_bytes(n: int, d: int, restarts: int) -> int:
    """Peak memory of :func:`run` for one cell of ``restarts`` students (n, d), in bytes (an upper bound).

    GD holds about four copies of the students (initial, current, and both again for the running
    restarts after a compaction), 8 bytes an entry, plus about 512 bytes of per-restart results and
    labels; the Hessian stage works in chunks of at most 64 MB of Hessians (counted three times
    for their eigenvalue and Newton work). At k = n = 6 that is 1.7 kB a restart (measured: 0.9 kB).

    Examples
    --------
    >>> estimate_bytes(6, 6, 1000) // 1000
    202990
    """
    n, d, restarts = positive_int(n, "n"), positive_int(d, "d"), positive_int(restarts, "restarts")
    per_restart = 8 * 4 * n * d + 512
    return restarts * per_restart + 3 * _HESSIAN_BYTES


def check_run_memory(spec: CellSpec, restarts: int) -> None:
    """Refuse a cell whose :func:`estimate_bytes` exceeds the memory budget, before it starts.

    Raises
    ------
    relufast._validate.MemoryBudgetError
        A ``MemoryError`` and ``ValueError`` that says how much the cell would need; the budget is
        the memory available or ``RELUFAST_MEMORY_BUDGET`` (:func:`relufast._validate.memory_budget`).
    """
    check_memory(
        estimate_bytes(spec.n, spec.d, restarts),
        f"the cell k={spec.k}, n={spec.n} with {restarts} restarts",
    )


def _chunks(indices, m: int, max_bytes: int):
    """Split ``indices`` into pieces whose m x m float64 matrices fit in ``max_bytes``."""
    indices = np.asarray(indices, dtype=np.intp)
    step = max(1, max_bytes // (8 * m * m))
    return [indices[s : s + step] for s in range(0, indices.size, step)]


def _labels(F, status, lam, pd_tol, hessian: bool = True, certified=None):
    label = np.full(F.shape, "global", dtype=object)
    cand = F >= SPURIOUS_F
    if hessian:
        label[cand & (lam > pd_tol)] = "spurious"
        label[cand & ~(lam > pd_tol)] = "saddle"
    else:
        label[cand] = "candidate"
    stuck = np.isin(status, (optim.Status.MAX_ITERS, optim.Status.DIVERGED, optim.Status.RUNNING))
    if certified is not None:
        stuck &= ~certified  # capped, but proven next to a strict local minimum
    label[stuck] = "not converged"
    return label.astype(str)


@dataclass(frozen=True)
class CellSpec:
    """Everything that fixes the restarts of one (k, n) cell: a shard of it is (spec, start, count).

    Restart i's endpoint depends only on the spec and i, so shards run anywhere (another process or
    machine) and concatenate to the single-process result bit for bit.
    """

    k: int
    n: int
    d: int
    seed: int
    V: np.ndarray | None
    step: float
    tol: float
    norm: str
    f_stop: float
    max_iters: int
    diverge: float
    hessian: bool
    polish: bool
    hessian_for: str
    chunk: int
    backend: str
    certify: bool = True
    certify_after: int = 0
    certify_tol: float = 0.0

    def store_config(self, protocol: str = "") -> dict:
        """The settings that fix the results (what a store of this cell's shards must agree on)."""
        keys = (
            "seed",
            "d",
            "step",
            "tol",
            "norm",
            "f_stop",
            "max_iters",
            "diverge",
            "hessian",
            "polish",
            "hessian_for",
            "certify",
            "certify_after",
            "certify_tol",
        )
        out = {key: getattr(self, key) for key in keys}
        out["certify_retries"] = list(_retries(self))
        out["protocol"] = protocol
        out["teacher"] = None if self.V is None else np.asarray(self.V).tolist()
        return out


#: The per-restart arrays a shard returns (and a store keeps).
SHARD_FIELDS = ("W", "F", "grad_norm", "iterations", "step", "status", "lambda_min", "certified")


def run_shard(
    spec: CellSpec, start: int, count: int, progress: Callable[[int, int], object] | None = None
) -> dict[str, np.ndarray]:
    """GD, optional Newton polish and lambda_min of restarts ``start .. start + count - 1`` of a cell.

    With ``spec.certify_after`` on (and ``certify`` and ``hessian``), the runs GD has not finished
    after that many steps are handed over as soon as their gradient norm reaches
    ``spec.certify_tol``: Newton-polished and certified (:func:`_certify`), where GD's linear rate
    would crawl on (at (14, 15), 54 such runs took 4/5 of the cell's steps). A run not proven
    goes on under GD from where it stopped, bit for bit the run it would have been.

    Returns
    -------
    dict
        The arrays of :data:`SHARD_FIELDS`, each of length ``count``.
    """
    be = spec.backend
    # Hessians, eigenvalues and the Newton polish run on ``be`` where it has those kernels, else on
    # the fastest backend that has them (the CUDA backend runs GD only)
    hbe = _backend.nearest(be, "teacher", "hessian")
    W0 = initial_students(spec.k, spec.n, count, spec.seed, d=spec.d, start=start)
    handoff = _hands_off(spec)
    gd_kw: dict[str, Any] = dict(
        step=spec.step, diverge=spec.diverge, f_stop=spec.f_stop, norm=spec.norm, chunk=spec.chunk, backend=be
    )
    cap = spec.certify_after if handoff else spec.max_iters
    gd = optim.teacher_gd(W0, spec.V, tol=spec.tol, max_iters=cap, progress=progress, **gd_kw)
    lam = np.full(count, np.nan)
    certified = np.zeros(count, dtype=bool)
    slow = np.flatnonzero(gd.status == optim.Status.MAX_ITERS) if handoff else np.arange(0)
    if slow.size:
        on = None if progress is None else (lambda done, total: progress(count - total + done, count))
        handed, lam[slow], certified[slow] = _handoff(spec, W0[slow], gd.take(slow), gd_kw, hbe, on)
        gd.put(slow, handed)
    W, F, gnorm = gd.W, gd.F, gd.grad_norm
    cand = np.flatnonzero((gd.status == optim.Status.CONVERGED) & (F >= SPURIOUS_F) & ~certified)
    # runs the cap stopped near a minimum of tiny lambda_min (GD's linear rate crawls there) are
    # Newton-polished and certified instead of waited out (objectives.teacher.certificate)
    # (those certified at a retry of the hand-off also stopped at a cap: they are done)
    capped = np.flatnonzero((gd.status == optim.Status.MAX_ITERS) & (F >= SPURIOUS_F) & ~certified)
    if spec.certify and spec.hessian:
        for name, a in _certify(spec, gd, capped, lam, certified, hbe).items():
            getattr(gd, name)[capped] = a  # the polished points, proven or not
    finished = np.isin(gd.status, optim.FINISHED_OK) & ~certified
    which = cand if spec.hessian_for == "candidates" else np.flatnonzero(finished)
    m = spec.n * spec.d
    # Hessians are (n d)^2 doubles each (1.3 GB for 1000 at k = n = 20): work in bounded chunks.
    for part in _chunks(cand if spec.polish else cand[:0], m, _HESSIAN_BYTES):
        W[part], _ = optim.newton_polish(W[part], spec.V, backend=hbe)
        F[part], G = objective.loss_and_grad(W[part], spec.V, backend=hbe)
        gnorm[part] = _norm(G, spec.norm)
    for part in _chunks(which if spec.hessian else [], m, _HESSIAN_BYTES):
        lam[part] = objective.min_eigenvalues(W[part], spec.V, backend=hbe)
    return {
        "W": W,
        "F": F,
        "grad_norm": gnorm,
        "iterations": gd.iterations,
        "step": gd.step,
        "status": gd.status,
        "lambda_min": lam,
        "certified": certified,
    }


def _handoff(
    spec: CellSpec,
    W0: np.ndarray,
    gd: optim.GDResult,
    gd_kw: dict[str, Any],
    hbe: str,
    progress: Callable[[int, int], object] | None,
) -> tuple[optim.GDResult, np.ndarray, np.ndarray]:
    """GD's slow runs (``gd``, capped at ``certify_after``) to ``certify_tol``, certified there.

    A run the certificate does not prove goes on under GD to ``spec.tol`` and is tried again at
    each of :func:`_retries` it passes with F >= 1e-3 and its gradient norm still at most
    ``certify_tol``: next to a minimum of tiny lambda_min, Newton from GD's point at 1e-5 may land
    on the saddle beside it (issue 9, (17, 18)), and GD, closer at each retry, would otherwise
    crawl on to the cap, one restart per block of lanes.

    Returns their endpoints (the certified ones at their polished points, the others where GD,
    resumed to ``spec.tol``, ends them), lambda_min (NaN where not computed) and which are certified.
    """
    R = W0.shape[0]
    lam = np.full(R, np.nan)
    certified = np.zeros(R, dtype=bool)
    gd = optim.teacher_gd(
        W0, spec.V, tol=spec.certify_tol, max_iters=spec.max_iters, resume=gd, progress=progress, **gd_kw
    )

    def certify(idx: np.ndarray) -> None:
        proven = _certify(spec, gd, idx, lam, certified, hbe)
        ok = certified[idx]
        for name, a in proven.items():
            getattr(gd, name)[idx[ok]] = a[ok]

    certify(np.flatnonzero((gd.status == optim.Status.CONVERGED) & (gd.F >= SPURIOUS_F)))
    # the others GD stopped at certify_tol (those at F < 1e-3 too) go on from there
    going = (gd.status == optim.Status.CONVERGED) & ~certified
    for cap in (*_retries(spec), spec.max_iters):
        rows = np.flatnonzero(going & (gd.iterations < cap))
        if rows.size:
            gd.put(
                rows,
                optim.teacher_gd(
                    W0[rows], spec.V, tol=spec.tol, max_iters=cap, resume=gd.take(rows), **gd_kw
                ),
            )
        going[rows] = gd.status[rows] == optim.Status.MAX_ITERS
        if cap < spec.max_iters:
            certify(rows[going[rows] & (gd.F[rows] >= SPURIOUS_F) & (gd.grad_norm[rows] <= spec.certify_tol)])
            going &= ~certified
    return gd, lam, certified


def _hands_off(spec: CellSpec) -> bool:
    """Whether :func:`run_shard` hands GD's slow runs to Newton and the certificate."""
    return (
        spec.certify
        and spec.hessian
        and 0 < spec.certify_after < spec.max_iters
        and spec.certify_tol > spec.tol
    )


def _retries(spec: CellSpec) -> tuple[int, ...]:
    """The step counts at which :func:`_handoff` tries a run's certificate again.

    2, 4, 8, ... times ``certify_after``, below ``max_iters``: a run is certified at most twice as
    late as it could be, at the cost of at most log2(max_iters / certify_after) certificates.
    """
    if not _hands_off(spec):
        return ()
    caps: list[int] = []
    cap = 2 * spec.certify_after
    while cap < spec.max_iters:
        caps.append(cap)
        cap *= 2
    return tuple(caps)


def _certify(
    spec: CellSpec, gd: optim.GDResult, idx: np.ndarray, lam: np.ndarray, certified: np.ndarray, hbe: str
) -> dict[str, np.ndarray]:
    """Newton-polish GD's points ``idx`` and prove a strict local minimum next to each.

    Sets ``lam[idx]`` (lambda_min at the polished points) and ``certified[idx]``; returns the
    polished ``W``, ``F`` and ``grad_norm`` of ``idx`` (``gd`` itself is left as it was).
    """
    W, F, gnorm = gd.W[idx].copy(), gd.F[idx].copy(), gd.grad_norm[idx].copy()
    m = spec.n * spec.d
    # Hessians are (n d)^2 doubles each (1.3 GB for 1000 at k = n = 20): work in bounded chunks.
    for part in _chunks(np.arange(idx.size), m, _HESSIAN_BYTES):
        S = gd.W[idx[part]]  # GD's points
        W[part], _ = optim.newton_polish(S, spec.V, backend=hbe)
        F[part], G = objective.loss_and_grad(W[part], spec.V, backend=hbe)
        gnorm[part] = _norm(G, spec.norm)
        lam[idx[part]] = objective.min_eigenvalues(W[part], spec.V, backend=hbe)
        cert = certify_minimum(
            W[part], spec.V, lambda_min=lam[idx[part]], start=S, step=gd.step[idx[part]], backend=hbe
        )
        # a strict local minimum is proven next to the polished point. It is GD's own when GD
        # provably converges there (cert.basin: the GD map contracts towards it on a ball that
        # holds GD's point), or, as evidence rather than proof, when Newton's displacement stays
        # within the Newton radius 2 |g(S)| / lambda of GD's point: stopped after only 5000 steps
        # (instead of 1e6) one run at (k, n, seed) = (13, 14, 1) passed that test and then went on
        # to the global minimum. cert.basin needs GD within about lambda / L of the minimum (L
        # from hessian_lipschitz), out of reach at the cap for the slowest runs, whose lambda is
        # tiny (issue 9: about 4e-5 at (17, 18), seed 777).
        gS = objective.grad(S, spec.V, backend=hbe)
        newton_radius = 2 * np.sqrt(np.einsum("rnd,rnd->r", gS, gS)) / np.maximum(cert.lambda_min, 1e-300)
        moved = np.sqrt(np.einsum("rnd,rnd->r", W[part] - S, W[part] - S))
        certified[idx[part]] = cert.basin | (cert.certified & (moved <= newton_radius))
    return {"W": W, "F": F, "grad_norm": gnorm}


def _norm(G: np.ndarray, norm: str) -> np.ndarray:
    """The stopping rule's gradient norm of gradients G (R, n, d) (max_i |g_i| or |G|_F)."""
    if norm == "frobenius":
        return np.sqrt(np.einsum("rnd,rnd->r", G, G))
    return np.sqrt(np.einsum("rnd,rnd->rn", G, G)).max(axis=1)


def cell_spec(
    k: int,
    n: int,
    seed: int = 0,
    *,
    protocol: str | Protocol = "icml2018",
    step: float | None = None,
    tol: float | None = None,
    norm: str | None = None,
    f_stop: float | None = None,
    max_iters: int | None = None,
    diverge: float | None = None,
    teacher: str | ArrayLike | None = None,
    d: int | None = None,
    teacher_seed: int = 0,
    hessian: bool = True,
    polish: bool = False,
    hessian_for: str = "candidates",
    chunk: int = 2000,
    backend: str = "auto",
    certify: bool = True,
    certify_after: int | None = None,
    certify_tol: float | None = None,
) -> CellSpec:
    """Validate a cell's settings: the protocol's values, overridden by any knob given."""
    proto = get_protocol(protocol)
    k = positive_int(k, "k")
    n = positive_int(n, "n")
    V = make_teacher(teacher, k, d, teacher_seed)
    if hessian_for not in ("candidates", "all"):
        raise ValueError(f"hessian_for must be 'candidates' or 'all', got {hessian_for!r}")
    norm = proto.norm if norm is None else norm
    if norm not in optim.NORMS:
        raise ValueError(f"norm must be one of {optim.NORMS}, got {norm!r}")
    return CellSpec(
        k=k,
        n=n,
        d=k if V is None else V.shape[1],
        seed=check_seed(seed),
        V=V,
        step=positive_float(proto.step_for(k) if step is None else step, "step"),
        tol=positive_float(proto.tol if tol is None else tol, "tol"),
        norm=norm,
        f_stop=positive_float(proto.f_stop if f_stop is None else f_stop, "f_stop", allow_zero=True),
        max_iters=positive_int(proto.max_iters if max_iters is None else max_iters, "max_iters"),
        diverge=positive_float(proto.diverge if diverge is None else diverge, "diverge"),
        hessian=flag(hessian, "hessian"),
        polish=flag(polish, "polish"),
        hessian_for=hessian_for,
        chunk=positive_int(chunk, "chunk"),
        backend=_backend.resolve(backend, "teacher", "gd_chunk"),
        certify=flag(certify, "certify"),
        certify_after=positive_int(
            proto.certify_after if certify_after is None else certify_after, "certify_after", minimum=0
        ),
        certify_tol=positive_float(
            proto.certify_tol if certify_tol is None else certify_tol, "certify_tol", allow_zero=True
        ),
    )


def classify(
    spec: CellSpec,
    arrays: dict[str, np.ndarray],
    *,
    pd_tol: float = 0.0,
    protocol: str = "",
    wall_time: float = 0.0,
) -> Result:
    """Labels and families of a cell's endpoints (the concatenated shards), as a :class:`Result`."""
    F, lam, status = arrays["F"], arrays["lambda_min"], arrays["status"]
    certified = arrays.get("certified", np.zeros(F.shape, dtype=bool))
    label = _labels(F, status, lam, pd_tol, spec.hessian, certified)
    spur = np.flatnonzero(label == "spurious")
    fams: list = []
    if spur.size and symmetry.valid_for(spec.V):
        fams = minima.families(arrays["W"][spur], F[spur], lam[spur])
        for fam in fams:  # members index the spurious endpoints; report restart indices
            fam.members = spur[fam.members]
    config = dict(
        protocol=protocol,
        seed=spec.seed,
        step=spec.step,
        tol=spec.tol,
        norm=spec.norm,
        f_stop=spec.f_stop,
        max_iters=spec.max_iters,
        diverge=spec.diverge,
        certify=spec.certify,
        certify_after=spec.certify_after,
        certify_tol=spec.certify_tol,
        certify_retries=list(_retries(spec)),
        hessian=spec.hessian,
        polish=spec.polish,
        hessian_for=spec.hessian_for,
        pd_tol=pd_tol,
        d=spec.d,
        hessian_backend=_backend.nearest(spec.backend, "teacher", "hessian"),
        teacher="identity" if spec.V is None else "given",
        families=(
            "up to permuting neurons and coordinates"
            if symmetry.valid_for(spec.V)
            else "not computed: the symmetry argument holds for the identity teacher only"
        ),
    )
    return Result(
        k=spec.k,
        n=spec.n,
        W=arrays["W"],
        F=F,
        grad_norm=arrays["grad_norm"],
        iterations=arrays["iterations"],
        step=arrays["step"],
        lambda_min=lam,
        label=label,
        status=status,
        families=fams,
        config=config,
        wall_time=wall_time,
        backend=spec.backend,
        certified=certified,
    )


def run(
    k: int,
    n: int,
    restarts: int = 1000,
    seed: int = 0,
    step: float | None = None,
    tol: float | None = None,
    backend: str = "auto",
    *,
    protocol: str | Protocol = "icml2018",
    norm: str | None = None,
    f_stop: float | None = None,
    max_iters: int | None = None,
    diverge: float | None = None,
    teacher: str | ArrayLike | None = None,
    d: int | None = None,
    teacher_seed: int = 0,
    hessian: bool = True,
    polish: bool = False,
    hessian_for: str = "candidates",
    certify: bool = True,
    certify_after: int | None = None,
    certify_tol: float | None = None,
    pd_tol: float = 0.0,
    chunk: int = 2000,
    progress: Callable[[int, int], object] | None = None,
    executor: Any = None,
    store: Any = None,
    shard_size: int | None = None,
) -> Result:
    """Train ``restarts`` students of n neurons against a k-neuron teacher and classify each
    endpoint as a global minimum, a spurious minimum, a saddle, or not converged.

    Parameters
    ----------
    k, n : int
        Teacher and student widths (n = k + e for any e >= 0, or any n).
    restarts, seed : int
        Number of GD runs; restart i's init depends only on (seed, k, n, i).
    step, tol : float, optional
        GD step and the stopping threshold on the gradient norm (default: the protocol's).
    backend : {"auto", "cpu", "numpy", "cuda"}
    protocol : {"icml2018", "colt2021"} or Protocol
        The published protocol whose knobs are the defaults (:data:`PROTOCOLS`).
    norm, f_stop, max_iters, diverge : optional
        Override the protocol's gradient norm ("max" or "frobenius"), early stop at F < f_stop
        (0 disables; labels are unaffected, see module notes), safety cap on GD steps (capped runs
        are labelled "not converged") and divergence threshold.
    teacher : None, "identity", "orthogonal", "gaussian" or array (k, d)
        The teacher (see :func:`make_teacher`); default the identity (d = k). Families of minima
        are computed only for the identity teacher, where their symmetry argument holds.
    d, teacher_seed : int, optional
        Input dimension (default k) and the seed of a random teacher.
    hessian : bool
        Compute lambda_min (False: candidates F >= 1e-3 are labelled "candidate", unclassified).
    polish : bool
        Newton-polish spurious candidates with the exact Hessian to ``|grad| ~ 1e-13``.
    hessian_for : {"candidates", "all"}
        Compute lambda_min for endpoints with F >= 1e-3 only, or for all converged endpoints.
    certify_after, certify_tol : int, float, optional
        Override the protocol's hand-off of slow runs to Newton's method and the certificate: runs
        GD has not finished after ``certify_after`` steps (0: none) are certified once their
        gradient norm is at most ``certify_tol`` (:class:`Protocol`); proven ones count in
        ``Result.certified``, the others go on under GD as if never stopped.
    certify : bool
        Runs stopped by ``max_iters`` at F >= 1e-3 are Newton-polished and, where
        :func:`relufast.objectives.teacher.certificate.certify_minimum` proves a strict local
        minimum next to them, classified like converged runs (``Result.certified``); the others stay
        "not converged" and are counted as such.
    pd_tol : float
        A candidate is a spurious minimum when lambda_min > pd_tol (finite, >= 0).
    progress : callable(done, total), optional
        Called between GD chunks with the number of finished runs.

    Raises
    ------
    ValueError
        For a bad argument (``hessian``, ``polish`` and ``certify`` must be bools; seeds
        integers), naming it.
    relufast._validate.MemoryBudgetError
        At once, before anything is allocated, when the run would need more memory than the
        budget (:func:`estimate_bytes`, :func:`relufast._validate.memory_budget`); a
        ``MemoryError`` and a ``ValueError``.
    executor, store, shard_size : optional
        Run the restarts as shards on an executor and/or keep them in a store (:func:`sweep`); the
        result is the same bit for bit.
    """
    knobs: dict[str, Any] = dict(
        protocol=protocol,
        step=step,
        tol=tol,
        norm=norm,
        f_stop=f_stop,
        max_iters=max_iters,
        diverge=diverge,
        teacher=teacher,
        d=d,
        teacher_seed=teacher_seed,
        hessian=hessian,
        polish=polish,
        hessian_for=hessian_for,
        certify=certify,
        certify_after=certify_after,
        certify_tol=certify_tol,
        chunk=chunk,
    )
    if progress is not None and not callable(progress):
        raise BadTypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}")
    if executor is not None or store is not None or shard_size is not None:
        return sweep(
            [(k, n)],
            restarts,
            seed,
            backend=backend,
            executor=executor,
            store=store,
            shard_size=shard_size,
            progress=progress,
            pd_tol=pd_tol,
            **knobs,
        )[k, n]
    spec = cell_spec(k, n, seed, backend=backend, **knobs)
    restarts = positive_int(restarts, "restarts")
    pd_tol = positive_float(pd_tol, "pd_tol", allow_zero=True)
    check_run_memory(spec, restarts)
    t0 = time.perf_counter()
    arrays = run_shard(spec, 0, restarts, progress)
    name = protocol.name if isinstance(protocol, Protocol) else protocol
    return classify(spec, arrays, pd_tol=pd_tol, protocol=name, wall_time=time.perf_counter() - t0)


def _shard_task(specs: dict[tuple[int, ...], CellSpec], shard: _sweep.Shard) -> dict[str, np.ndarray]:
    """One shard of a sweep (module level, so that process pools and clusters can pickle it)."""
    return run_shard(specs[shard.cell], shard.start, shard.count)


def _sweep_config(protocol: str, seed: int, knobs: dict[str, Any], shard_size: int) -> dict[str, Any]:
    """What fixes a sweep's results, as a store records it (the teacher as its name or a hash)."""
    out: dict[str, Any] = {"protocol": protocol, "seed": seed, "shard_size": shard_size}
    for key, val in sorted(knobs.items()):
        if key in ("chunk", "backend", "progress", "pd_tol"):
            continue  # they do not change a shard's arrays
        if key == "teacher" and val is not None and not isinstance(val, str):
            a = np.ascontiguousarray(val, dtype=np.float64)
            val = f"array {a.shape} sha256 {hashlib.sha256(a.tobytes()).hexdigest()}"
        out[key] = val
    return out


def sweep(
    cells: Sequence[tuple[int, int]],
    restarts: int = 1000,
    seed: int = 0,
    *,
    backend: str = "auto",
    executor: Any = None,
    store: Any = None,
    shard_size: int | None = None,
    threads_per_worker: int | None = 1,
    progress: Callable[[int, int], object] | None = None,
    pd_tol: float = 0.0,
    **knobs: Any,
) -> dict[tuple[int, int], Result]:
    """Cells (k, n) of restarts run as shards on any executor, resumable from a store.

    Every cell's restarts are split into shards of ``shard_size`` (default: 250); a shard's
    initial points depend only on (seed, k, n, restart), so the results equal :func:`run`'s bit
    for bit, whatever the executor, the shard size or the order in which shards finish.

    Parameters
    ----------
    cells : sequence of (k, n)
    restarts, seed : int
        Per cell, as in :func:`run`.
    backend : str
        The backend every worker runs (resolved here).
    executor : concurrent.futures.Executor, optional
        None runs the shards in this process; a spawn-based ``ProcessPoolExecutor`` or a Dask
        cluster's ``Client(...).get_executor()`` run them elsewhere (see :mod:`relufast.sweep`).
    store : str, path or relufast.store.Store, optional
        Keeps every finished shard (one Parquet file each); shards it holds are loaded instead of
        run, so an interrupted sweep resumes. A store written with other settings is refused.
    shard_size : int, optional
    threads_per_worker : int or None
        Native threads per task on an executor.
    progress : callable(done, total), optional
        Finished runs over all cells (counted shard by shard).
    pd_tol : float
        As in :func:`run`.
    **knobs
        The settings of :func:`run` (protocol, step, tol, teacher, hessian, certify, ...).

    Returns
    -------
    dict
        A :class:`Result` per cell.
    """
    cells = [_cell(c) for c in _iterable(cells, "cells")]
    if not cells:
        raise ValueError("cells must not be empty")
    if progress is not None and not callable(progress):
        raise BadTypeError(f"progress must be a callable progress(done, total) or None, got {progress!r}")
    restarts = positive_int(restarts, "restarts")
    seed = check_seed(seed)
    size = positive_int(250 if shard_size is None else shard_size, "shard_size")
    pd_tol = positive_float(pd_tol, "pd_tol", allow_zero=True)
    protocol = knobs.get("protocol", "icml2018")
    name = protocol.name if isinstance(protocol, Protocol) else protocol
    specs: dict[tuple[int, ...], CellSpec] = {
        cell: cell_spec(*cell, seed, backend=backend, **knobs) for cell in cells
    }
    for spec in specs.values():  # the driver holds every cell's endpoints
        check_run_memory(spec, restarts)
    if store is not None and not hasattr(store, "finished"):
        from ..store import Store

        if not isinstance(store, (str, Path)):
            raise ValueError(f"store must be a directory or a relufast.store.Store, got {store!r}")
        store = Store(
            store, _sweep_config(name, seed, dict(knobs, backend=backend), size), cell_names=("k", "n")
        )
    shards = _sweep.plan_shards(cells, restarts, size)
    total = len(cells) * restarts

    def on_progress(done: int, n_shards: int) -> None:
        if progress is not None:
            progress(min(total, round(total * done / max(1, n_shards))), total)

    t0 = time.perf_counter()
    out = _sweep.map_shards(
        functools.partial(_shard_task, specs),
        shards,
        executor=executor,
        store=store,
        progress=on_progress,
        threads_per_worker=threads_per_worker,
    )
    wall = time.perf_counter() - t0
    return {
        cell: classify(specs[cell], out[cell], pd_tol=pd_tol, protocol=name, wall_time=wall / len(cells))
        for cell in cells
    }


def table(
    ks: Iterable[int],
    extra: Iterable[int] = (0, 1, 2),
    restarts: int = 1000,
    seed: int = 0,
    *,
    backend: str = "auto",
    progress: Callable[[int, int], None] | None = None,
    on_row: Callable[[dict], None] | None = None,
    executor: Any = None,
    store: Any = None,
    shard_size: int | None = None,
    threads_per_worker: int | None = 1,
    **run_kwargs,
) -> list[dict]:
    """Table 1 as rows (one per (k, n = k + e)), ours beside the paper's values.

    ``progress(done, total)`` counts finished runs over the whole table; ``on_row(row)`` is called
    as each row finishes (the CLI writes it out at once, so an interrupt keeps finished rows).
    With ``executor``, ``store`` or ``shard_size`` the restarts run as shards (see :func:`sweep`):
    on any ``concurrent.futures.Executor`` (a Dask cluster's ``Client(...).get_executor()``), each
    finished shard kept in ``store`` (a directory or :class:`relufast.store.Store`) so that a rerun
    resumes; the rows are the same bit for bit as without. On the CUDA backend a
    ``concurrent.futures.ThreadPoolExecutor`` runs the cells side by side on the device (each host
    thread launches on its own stream; pass ``threads_per_worker=None``).
    """
    ks = [positive_int(k, "ks") for k in _iterable(ks, "ks")]
    extra = [positive_int(e, "extra", minimum=0) for e in _iterable(extra, "extra")]
    if not ks or not extra:
        raise ValueError("ks and extra must not be empty")
    restarts = positive_int(restarts, "restarts")
    cells = [(k, k + e) for k in ks for e in extra]
    rows = []
    if executor is not None or store is not None or shard_size is not None:
        results = sweep(
            cells,
            restarts,
            seed,
            backend=backend,
            executor=executor,
            store=store,
            shard_size=shard_size,
            threads_per_worker=threads_per_worker,
            progress=progress,
            **run_kwargs,
        )
        for cell in cells:
            rows.append(results[cell].summary())
            if on_row is not None:
                on_row(rows[-1])
        return rows
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
    progress: Callable[[int, int], None] | None = None,
    runner: Callable[..., Result] | None = None,
    on_cell: Callable[[dict, Result], None] | None = None,
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
