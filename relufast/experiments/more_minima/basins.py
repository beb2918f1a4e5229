"""Basins of attraction of full-batch GD on D2 and D3: where random inits end, minimum by minimum.

Part of :mod:`relufast.experiments.more_minima` (import names from there).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..._validate import positive_float, positive_int
from ...stats import wilson
from ..summary import jsonable
from .exact import Vec, outputs
from .polish import Polished, polish
from .problem import PERFECT_FITS, Proposition, get_prop
from .published import VERDICT_WORDS, frac_str, params_str, sign_corrections

#: The protocol of the shipped reference and the page's defaults (the paper gives none for these
#: propositions; it is the five points' protocol with a step small enough for inputs up to 12).
DEFAULTS: dict[str, int | float] = {"restarts": 10_000, "steps": 300_000, "lr": 1e-3, "seed": 0}


def initial_params(prop: str | Proposition, restarts: int, seed: int = 0) -> np.ndarray:
    """Random inits (restarts, 3h + 1): every w, b, v and c ~ N(0, 1), via relufast.train.init_params.

    Restart i depends only on (seed, i), never on ``restarts``.

    Examples
    --------
    >>> initial_params("prop3", 5, seed=1).shape
    (5, 10)
    """
    from ... import train

    pr = get_prop(prop)
    restarts = positive_int(restarts, "restarts")
    return train.init_params(
        list(pr.sizes), restarts, seed=seed, weight_std=1.0, bias_std=1.0, scheme="normal"
    )


def basin_work(restarts: int, steps: int) -> int:
    """Work of a :func:`basin_statistics` run in restart-steps.

    Examples
    --------
    >>> basin_work(10_000, 100_000)
    1000000000
    """
    return int(restarts) * int(steps)


def unit_pattern_keys(prop: str | Proposition, params: np.ndarray, tol: float = 1e-3) -> list[tuple]:
    """For each endpoint (R, 3h + 1): its activation pattern, the same for any order of the units.

    A unit's part is (points where v_i relu(z_ij) > tol, sign of v_i); units that contribute at most
    ``tol`` on every point are left out; the parts are sorted.

    Examples
    --------
    >>> from relufast.experiments.more_minima import PROP3
    >>> unit_pattern_keys("prop3", PROP3.points[0].as_array()[None])  # units 1 and 2 alike
    [(((0,), 1), ((0, 1), 1), ((3, 4, 5), -1))]
    """
    pr = get_prop(prop)
    h, X = pr.h, pr.X
    P = np.asarray(params, dtype=np.float64)
    z = P[:, :h, None] * X[None, None, :] + P[:, h : 2 * h, None]
    contrib = np.abs(P[:, 2 * h : 3 * h, None]) * np.maximum(z, 0.0)
    on = contrib > tol
    keys = []
    for r in range(P.shape[0]):
        parts = []
        for i in range(h):
            if on[r, i].any():
                parts.append((tuple(int(t) for t in np.flatnonzero(on[r, i])), int(np.sign(P[r, 2 * h + i]))))
        keys.append(tuple(sorted(parts)))
    return keys


@dataclass
class Minimum:
    """One distinct endpoint of GD (a fit of the data), with its exact polished point."""

    loss: Fraction
    fit: Vec
    polished: Polished
    count: int = 0

    @property
    def verdict(self) -> str:
        return self.polished.certificate.verdict


@dataclass
class BasinStatistics:
    """Where full-batch GD from random inits ends on one proposition's data (:func:`basin_statistics`).

    Attributes
    ----------
    prop : Proposition
    minima : list of Minimum
        Distinct polished endpoints, by loss.
    label : ndarray (R,) of int
        Per run: the index into ``minima``, -1 for "not converged" (its loss is above its polished
        point's by more than ``loss_tol``), -2 for "diverged" (non-finite).
    final_loss : ndarray (R,)
    params : ndarray (R, 3h + 1)
    config : dict
    wall_time, polish_time : float
    backend : str
    """

    prop: Proposition
    minima: list[Minimum]
    label: np.ndarray
    final_loss: np.ndarray
    params: np.ndarray
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    polish_time: float = 0.0
    backend: str = ""

    @property
    def restarts(self) -> int:
        return int(self.label.size)

    def rows(self) -> list[dict[str, Any]]:
        """One row per distinct minimum (by loss), then "not converged" and "diverged".

        Each row: ``endpoint`` (a name, unique), ``loss`` (exact, "8/3"), ``loss_float``, ``count``,
        ``fraction``, ``lo``, ``hi`` (Wilson 95 %), ``verdict`` ("local_min", "not_min",
        "inconclusive", or "not converged" / "diverged"), ``global``, ``matches`` (printed points
        with this fit), ``pattern`` and ``params`` (the polished point).
        """
        R = self.restarts
        best = PERFECT_FITS[self.prop.key][0]
        known = _known_fits(self.prop)
        out: list[dict[str, Any]] = []
        seen: dict[Fraction, int] = {}
        for k, m in enumerate(self.minima):
            c = int(np.sum(self.label == k))
            seen[m.loss] = seen.get(m.loss, 0) + 1
            tag = "" if seen[m.loss] == 1 else f" ({seen[m.loss]})"
            out.append(
                {
                    "endpoint": f"L = {frac_str(m.loss)}{tag}",
                    "loss": frac_str(m.loss),
                    "loss_float": float(m.loss),
                    "count": c,
                    "verdict": m.verdict,
                    "global": bool(m.verdict == "local_min" and m.loss == best),
                    "matches": known.get(m.fit, ""),
                    "pattern": m.polished.certificate.pattern(),
                    "params": [float(t) for t in m.polished.params],
                    "printed": params_str(m.polished.params, self.prop.h),
                }
            )
        for name, code in (("not converged", -1), ("diverged", -2)):
            c = int(np.sum(self.label == code))
            out.append(
                {
                    "endpoint": name,
                    "loss": None,
                    "loss_float": None,
                    "count": c,
                    "verdict": name,
                    "global": False,
                    "matches": "",
                    "pattern": "",
                    "params": None,
                    "printed": "",
                }
            )
        counts = np.array([r["count"] for r in out])
        lo, hi = wilson(counts, np.full(counts.shape, R))
        for r, a, b in zip(out, np.atleast_1d(lo), np.atleast_1d(hi)):
            r["fraction"] = r["count"] / R
            r["lo"], r["hi"] = float(a), float(b)
            r["verdict_words"] = VERDICT_WORDS.get(r["verdict"], r["verdict"])
        return out

    def to_summary(self) -> dict:
        """A small JSON-ready dict: the :meth:`rows`, the config, the sizes and timings."""
        return jsonable(
            {
                "prop": self.prop.key,
                "rows": self.rows(),
                "config": self.config,
                "restarts": self.restarts,
                "wall_s": self.wall_time,
                "polish_s": self.polish_time,
                "backend": self.backend,
            }
        )


def _known_fits(pr: Proposition) -> dict[Vec, str]:
    """Exact fits of the printed points (and their sign corrections), for matching endpoints."""
    out: dict[Vec, str] = {}
    for pt in pr.points:
        out.setdefault(outputs(pt.params, pr.x), pt.key)
        for fix in sign_corrections(pr, pt):
            out.setdefault(outputs(fix.params, pr.x), f"{pt.key} ({fix.describe()})")
    out.setdefault(outputs(PERFECT_FITS[pr.key][1], pr.x), "perfect fit")
    return out


def classify_endpoints(
    prop: str | Proposition,
    params: np.ndarray,
    *,
    tol: float = 1e-3,
    loss_tol: float = 1e-4,
    max_polish: int = 4,
    backend: str = "auto",
) -> tuple[list[Minimum], np.ndarray, np.ndarray]:
    """Group GD endpoints (R, 3h + 1) by the exact minimum they reached.

    Endpoints are grouped by activation pattern (:func:`unit_pattern_keys`). In each group the
    endpoints are taken by increasing loss; one that matches none of the group's minima so far
    (|L - L*| <= loss_tol (1 + L*)) is polished (:func:`~relufast.experiments.more_minima.polish`:
    exact least squares on its pattern, then certified), at most ``max_polish`` times per group.
    The gradient is not asked to be small: at a minimum on a kink it need not be (GD then
    zigzags across the kink while its loss settles). Polished points with the same exact fit are
    one :class:`Minimum`. An endpoint that matches no minimum is "not converged" (label -1); one
    with a non-finite loss or parameter is "diverged" (-2).

    Parameters
    ----------
    prop : "prop2", "prop3" or a Proposition
    params : array_like (R, 3h + 1)
    tol : float, default 1e-3
        Pattern tolerance (a unit is active on a point where v_i relu(z_ij) > tol).
    loss_tol : float, default 1e-4
    max_polish : int, default 4
    backend : str
        Of the float loss and gradient.

    Returns
    -------
    minima : list of Minimum (by loss)
    label : ndarray (R,) of int
    loss : ndarray (R,)

    Examples
    --------
    >>> from relufast.experiments.more_minima import PROP3
    >>> P = np.array([PROP3.points[0].as_array(), [np.nan] * 10])
    >>> minima, label, L = classify_endpoints("prop3", P)
    >>> minima[0].loss, label.tolist()
    (Fraction(1, 6), [0, -2])
    """
    from ... import mlp

    pr = get_prop(prop)
    tol = positive_float(tol, "tol")
    loss_tol = positive_float(loss_tol, "loss_tol")
    max_polish = positive_int(max_polish, "max_polish")
    P = np.asarray(params, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != 3 * pr.h + 1:
        raise ValueError(f"params must have shape (R, {3 * pr.h + 1}), got {P.shape}")
    R = P.shape[0]
    finite = np.all(np.isfinite(P), axis=1)
    L = np.full(R, np.inf)
    if finite.any():
        with np.errstate(over="ignore", invalid="ignore"):
            L[finite] = mlp.loss(P[finite], pr.X, pr.Y, list(pr.sizes), loss="sse", backend=backend)
    finite &= np.isfinite(L)
    label = np.full(R, -2, dtype=np.int64)
    label[finite] = -1
    idx = np.flatnonzero(finite)
    groups: dict[tuple, list[int]] = {}
    for r, k in zip(idx.tolist(), unit_pattern_keys(pr, P[idx], tol) if idx.size else []):
        groups.setdefault(k, []).append(r)
    by_fit: dict[Vec, Minimum] = {}
    at: dict[Vec, list[int]] = {}

    def near(loss_r: float, m: Minimum) -> bool:
        return abs(loss_r - float(m.loss)) <= loss_tol * (1 + float(m.loss))

    for members in groups.values():
        mins: list[Minimum] = []
        for r in sorted(members, key=lambda t: L[t]):
            m = next((m for m in mins if near(L[r], m)), None)
            if m is None and len(mins) < max_polish:
                q = polish(P[r].tolist(), pr.x, pr.y, tol=tol)
                fit = q.fit()
                if fit not in by_fit:
                    by_fit[fit] = Minimum(q.loss, fit, q)
                    at[fit] = []
                mins.append(by_fit[fit])
                m = by_fit[fit] if near(L[r], by_fit[fit]) else None
            if m is not None:
                at[m.fit].append(r)
                m.count += 1
    minima = sorted((m for m in by_fit.values() if m.count), key=lambda m: (m.loss, m.fit))
    for index, m in enumerate(minima):
        label[at[m.fit]] = index
    return minima, label, L


def basin_statistics(
    prop: str | Proposition,
    restarts: int = 10_000,
    seed: int = 0,
    steps: int = 300_000,
    lr: float = 1e-3,
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
    *,
    tol: float = 1e-3,
    loss_tol: float = 1e-4,
) -> BasinStatistics:
    """Train ``restarts`` [1, h, 1] nets by full-batch GD on the proposition's data; count the minima.

    Parameters
    ----------
    prop : "prop2", "prop3" or a Proposition
    restarts : int, default 10_000
        Random inits, every parameter N(0, 1) (:func:`initial_params`).
    seed : int, default 0
    steps : int, default 300_000
    lr : float, default 1e-3
        Step on L (sum of squares). The curvature along w_i is about 2 v_i^2 sum x_j^2 over the
        points where unit i is active, up to 2 * 365 v_i^2 here (x up to 12), so GD is stable for
        |v_i| up to about 1.6 at lr = 1e-3: a few runs per thousand diverge.

    Notes
    -----
    "Not converged" runs are mostly of two kinds: runs still descending a long flat valley, and
    runs that zigzag across a kink with an O(1) gradient and make no progress (fixed-step GD on a
    non-smooth function; their number does not fall between 3e5 and 1e6 steps).
    backend : {"auto", "cpu", "numpy"}
    progress : callable, optional
        Forwarded to :func:`relufast.train.train`.
    tol, loss_tol : float
        As in :func:`classify_endpoints`.

    Returns
    -------
    BasinStatistics

    Examples
    --------
    >>> b = basin_statistics("prop3", restarts=20, steps=2000, backend="numpy")
    >>> sum(r["count"] for r in b.rows())
    20
    """
    from ... import backend as _backend
    from ... import train

    pr = get_prop(prop)
    restarts = positive_int(restarts, "restarts")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    be = _backend.resolve(backend)
    t0 = time.perf_counter()
    P0 = initial_params(pr, restarts, seed)
    res = train.train(
        P0,
        pr.X,
        pr.Y,
        list(pr.sizes),
        optimizer="gd",
        lr=lr,
        steps=steps,
        loss="sse",
        backend=be,
        progress=progress,
    )
    t1 = time.perf_counter()
    minima, label, L = classify_endpoints(pr, res.params, tol=tol, loss_tol=loss_tol, backend=be)
    t2 = time.perf_counter()
    return BasinStatistics(
        prop=pr,
        minima=minima,
        label=label,
        final_loss=L,
        params=np.asarray(res.params),
        config={
            "prop": pr.key,
            "restarts": restarts,
            "seed": seed,
            "steps": steps,
            "lr": lr,
            "tol": tol,
            "loss_tol": loss_tol,
            "init": "every w, b, v, c ~ N(0, 1)",
            "loss": "sse",
            "optimizer": "full-batch GD",
        },
        wall_time=t2 - t0,
        polish_time=t2 - t1,
        backend=be,
    )
