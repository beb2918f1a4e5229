"""Basins of attraction of full-batch GD on D1: where random inits end.

Part of :mod:`relufast.experiments.five_points` (import names from there).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from ... import mlp
from ..._validate import positive_float, positive_int, real_array
from ...stats import wilson
from ..summary import histogram, jsonable
from .problem import CLASSES, PAPER, SIZES, X, Y, reference_values


class _ChunkOption(TypedDict, total=False):
    """``chunk`` for :func:`relufast.train.train` when given (train's own default otherwise)."""

    chunk: int


def initial_params(restarts: int, seed: int = 0) -> np.ndarray:
    """Random inits (restarts, 4) with all four parameters N(0, 1), via relufast.train.init_params."""
    from ... import train

    restarts = positive_int(restarts, "restarts")
    return train.init_params(
        list(SIZES),
        restarts,
        seed=seed,
        weight_mean=0.0,
        weight_std=1.0,
        bias_mean=0.0,
        bias_std=1.0,
        scheme="normal",
    )


def classify_endpoints(params, *, tol: float = 0.01, backend: str = "auto") -> dict:
    """Label endpoints (R, 4) by the minimum they reached.

    Parameters
    ----------
    params : array_like (R, 4)
    tol : float, default 0.01
        An endpoint is in class "14" / "18" when |L - value| <= tol; in "21.2" when every data
        point is dead and |L - 21.2| <= tol; in "21.17" when every point is active and
        |L - 21.17...| <= tol. Non-finite endpoints are "diverged", everything else "other".
    backend : str
        Backend of the loss evaluation.

    Returns
    -------
    dict
        ``class`` (R,) of str (one of :data:`CLASSES`), ``loss`` (R,), ``n_active`` (R,) int.
    """
    P = real_array(params, "params")  # non-finite endpoints are "diverged"
    if P.ndim != 2 or P.shape[1] != 4:
        raise ValueError(f"params must have shape (R, 4), got {P.shape}")
    tol = positive_float(tol, "tol")
    ref = reference_values()
    finite = np.all(np.isfinite(P), axis=1)
    L = np.full(P.shape[0], np.inf)
    if finite.any():
        L[finite] = mlp.loss(P[finite], X, Y, SIZES, loss="sse", backend=backend)
    with np.errstate(invalid="ignore", over="ignore"):
        z = P[:, :1] * X[None, :] + P[:, 1:2]
        n_active = np.sum(z > 0, axis=1)
    cls = np.full(P.shape[0], "other", dtype=object)
    near = lambda key: np.isfinite(L) & (np.abs(L - ref[key]) <= tol)  # noqa: E731
    cls[near("14")] = "14"
    cls[near("18")] = "18"
    cls[near("21.2") & (n_active == 0)] = "21.2"
    cls[near("21.17") & (n_active == X.size)] = "21.17"
    cls[~np.isfinite(L)] = "diverged"
    return {"class": cls.astype(str), "loss": L, "n_active": n_active}


#: Bins of the final loss in :meth:`BasinStatistics.to_summary` (L from 13 to 23 in steps of 0.1).
BASIN_LOSS_EDGES = np.round(np.linspace(13.0, 23.0, 101), 10)


def basin_work(restarts: int, steps: int) -> int:
    """Work of a :func:`basin_statistics` run in restart-steps (what a live run is limited by).

    Examples
    --------
    >>> basin_work(10_000, 20_000)
    200000000
    """
    return int(restarts) * int(steps)


@dataclass
class BasinStatistics:
    """Where full-batch GD from random inits ends (see :func:`basin_statistics`).

    Per-class arrays follow :data:`CLASSES`; per-run arrays have length ``restarts``.
    """

    classes: tuple
    counts: np.ndarray
    fractions: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    paper_fractions: np.ndarray  # NaN where the paper gives none ("other")
    final_loss: np.ndarray
    endpoint_class: np.ndarray
    params: np.ndarray
    reference: dict
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    backend: str = ""

    @property
    def restarts(self) -> int:
        return int(self.final_loss.size)

    def table(self) -> dict:
        """Tidy columns (one row per class): class, value, count, fraction, lo, hi, paper."""
        return {
            "class": list(self.classes),
            "value": np.array([self.reference.get(k, np.nan) for k in self.classes]),
            "count": self.counts.copy(),
            "fraction": self.fractions.copy(),
            "lo": self.lo.copy(),
            "hi": self.hi.copy(),
            "paper": self.paper_fractions.copy(),
        }

    def to_summary(self) -> dict:
        """A small JSON-ready dict: the per-class :meth:`table`, a histogram of the final loss.

        Returns
        -------
        dict
            ``table`` (lists, one entry per class; NaN as None), ``hist_loss`` (counts in the
            bins :data:`BASIN_LOSS_EDGES`, losses outside in the end bins), ``loss_edges``,
            ``config``, ``restarts``, ``wall_s`` and ``backend``. This is the shape of the shipped
            reference ``five_points.json`` (without its ``meta`` and ``params``).
        """
        t = self.table()
        return jsonable(
            {
                "table": {k: (list(v) if not isinstance(v, list) else v) for k, v in t.items()},
                "hist_loss": histogram(self.final_loss, BASIN_LOSS_EDGES),
                "loss_edges": BASIN_LOSS_EDGES,
                "config": self.config,
                "restarts": self.restarts,
                "wall_s": self.wall_time,
                "backend": self.backend,
            }
        )


def basin_statistics(
    restarts: int = 100_000,
    seed: int = 0,
    steps: int = 20_000,
    lr: float = 0.01,
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
    *,
    tol: float = 0.01,
    chunk: int | None = None,
) -> BasinStatistics:
    """Train ``restarts`` one-unit nets by full-batch GD on D1 and count where they end.

    Parameters
    ----------
    restarts : int, default 100_000
        Number of random inits, (w, b, v, c) ~ N(0, 1) each.
    seed : int, default 0
    steps : int, default 20_000
        GD steps (the paper's protocol).
    lr : float, default 0.01
        Step size on L (sum of squares, no 1/n).
    backend : {"auto", "cpu", "numpy"}
    progress : callable, optional
        Forwarded to :func:`relufast.train.train` (called between chunks).
    tol : float, default 0.01
        Classification tolerance (:func:`classify_endpoints`).
    chunk : int, optional
        Steps per native chunk (train's default when None).

    Returns
    -------
    BasinStatistics
        Counts, fractions and Wilson 95 % intervals per class beside the paper's fractions.

    Notes
    -----
    lr = 0.01 on the plain sum of squares is near GD's stability limit once |v| grows (the
    curvature along w is about 2 v^2 sum x_i^2 over the active points, against 2 / lr = 200): some
    runs oscillate with growing amplitude before they settle, and about 0.35 % overflow
    ("diverged"). Those oscillations amplify rounding: about 3 % of runs (measured: 120 of 4000)
    end in the 18 basin with one backend and in the 21.2 basin with the other, although the C++ and
    NumPy trainers agree to ~1e-16 per step. The class fractions agree within their intervals;
    individual endpoints of such runs are not reproducible across backends.
    """
    from ... import backend as _backend
    from ... import train

    restarts = positive_int(restarts, "restarts")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    be = _backend.resolve(backend)
    t0 = time.perf_counter()
    P0 = initial_params(restarts, seed)
    kw: _ChunkOption = {} if chunk is None else {"chunk": positive_int(chunk, "chunk")}
    res = train.train(
        P0,
        X,
        Y,
        list(SIZES),
        optimizer="gd",
        lr=lr,
        steps=steps,
        seed=seed,
        loss="sse",
        backend=be,
        progress=progress,
        **kw,
    )
    lab = classify_endpoints(res.params, tol=tol, backend=be)
    counts = np.array([np.sum(lab["class"] == k) for k in CLASSES], dtype=np.int64)
    lo, hi = wilson(counts, np.full(counts.shape, restarts))
    paper = np.array([PAPER["basin_fractions"].get(k, np.nan) for k in CLASSES])
    return BasinStatistics(
        classes=CLASSES,
        counts=counts,
        fractions=counts / restarts,
        lo=np.asarray(lo),
        hi=np.asarray(hi),
        paper_fractions=paper,
        final_loss=lab["loss"],
        endpoint_class=lab["class"],
        params=np.asarray(res.params),
        reference=reference_values(),
        config={
            "restarts": restarts,
            "seed": seed,
            "steps": steps,
            "lr": lr,
            "tol": tol,
            "init": "(w, b, v, c) ~ N(0, 1)",
            "loss": "sse",
        },
        wall_time=time.perf_counter() - t0,
        backend=be,
    )
