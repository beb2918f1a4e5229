r"""The "five points" figure (Swirszcz, Czarnecki, Pascanu 2016, Prop. 1, Fig. 4a; papers.md A1).

One ReLU unit, scalar in and out, :math:`f(x) = v\,\mathrm{relu}(wx + b) + c`, parameters in the
order ``(w, b, v, c)`` (the :mod:`relufast.mlp` layout for ``sizes = [1, 1, 1]``), trained on the five
points D1 = (-1, 3), (1, -3), (3, 0), (4, 1), (5, 2) with the plain sum of squares
:math:`L = \sum_i (f(x_i) - y_i)^2`.

* RED = (1, -3, 1, 0) has L = 18: a local minimum that is not global and not strict (L = 18 along
  the curve (1/a, -3/a, a, 0), a > 0). At x = 3 the pre-activation is exactly 0 (a kink).
* BLUE = (-7, -4, 1, 0) has L = 14, the global minimum.
* A dead unit fits the best constant (L = 21.2); a unit active on all points fits a line (L ~ 21.17).

This module computes those values (:func:`reference_values`), certifies local minima of the one-unit
model exactly, kinks included (:func:`certify_local_min`), measures the basins of attraction of
full-batch GD from random inits (:func:`basin_statistics`) and slices the landscape
(:func:`slice_1d`, :func:`slice_2d`, :func:`red_blue_plane`).

Project choices (the paper does not fix them; see :data:`PROJECT_CHOICES`): how endpoints are
classified (by final loss, the two 21.x classes told apart by the activation pattern), the tolerance,
and reproducible seeding of the initialisations.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .. import landscape, mlp
from .._validate import float_array, positive_float, positive_int
from ..stats import wilson

__all__ = [
    "X",
    "Y",
    "SIZES",
    "RED",
    "BLUE",
    "PAPER",
    "PROJECT_CHOICES",
    "CLASSES",
    "data",
    "loss",
    "grad",
    "reference_values",
    "flat_curve",
    "certify_local_min",
    "LocalMinCertificate",
    "PieceCheck",
    "initial_params",
    "classify_endpoints",
    "basin_statistics",
    "BasinStatistics",
    "slice_1d",
    "slice_2d",
    "red_blue_plane",
]

#: Inputs and targets of data set D1.
X = np.array([-1.0, 1.0, 3.0, 4.0, 5.0])
Y = np.array([3.0, -3.0, 0.0, 1.0, 2.0])
#: Layer sizes of the one-unit model, so ``mlp.num_params(SIZES) == 4`` with layout (w, b, v, c).
SIZES = (1, 1, 1)
#: The paper's non-global local minimum (L = 18) and the lecture's global minimum (L = 14).
RED = np.array([1.0, -3.0, 1.0, 0.0])
BLUE = np.array([-7.0, -4.0, 1.0, 0.0])

#: Published numbers (papers.md A1), for "paper vs ours" displays.
PAPER = {
    "loss_red": 18.0,
    "loss_blue": 14.0,
    "loss_dead": 21.2,
    "loss_linear": 21.17,
    "basin_fractions": {"21.2": 0.42, "14": 0.36, "21.17": 0.13, "18": 0.09},
    "basin_runs": 4000,
    "protocol": "full-batch GD on L (sum of squares), lr 0.01, 20k steps, (w, b, v, c) ~ N(0, 1)",
    "note": "basin fractions are a sanity range, not a target; blue's values come from the lecture",
}

#: Choices that are this project's own (the paper leaves them open).
PROJECT_CHOICES = {
    "classification": (
        "an endpoint belongs to a class when its final loss is within `tol` of the class's value; "
        "21.2 needs every point dead (pre-activation <= 0), 21.17 every point active; "
        "endpoints with a non-finite loss or parameter are 'diverged', anything else is 'other' "
        "(e.g. the local minimum L = 18.75 with the unit active on x = 5 only)"
    ),
    "tol": 0.01,
    "seeding": "init i is drawn by relufast.train.init_params(seed=seed) (reproducible per seed)",
    "restarts": "1e5 by default (the lecture used 4000)",
}

#: Endpoint classes of :func:`classify_endpoints`, in display order.
CLASSES = ("14", "18", "21.17", "21.2", "other", "diverged")


def data() -> tuple[np.ndarray, np.ndarray]:
    """Copies of the inputs and targets of D1, shapes (5,) and (5,)."""
    return X.copy(), Y.copy()


def _points(x, y):
    x = X if x is None else float_array(x, "X", (1,))
    y = Y if y is None else float_array(y, "Y", (1,))
    if x.shape != y.shape:
        raise ValueError(f"X and Y must have the same shape, got {x.shape} and {y.shape}")
    return x, y


def loss(params, *, backend: str = "auto"):
    """L = sum of squares on D1 for params (4,) (a float) or (R, 4) (an array (R,))."""
    return mlp.loss(params, X, Y, SIZES, loss="sse", backend=backend)


def grad(params, *, backend: str = "auto"):
    """Gradient of :func:`loss`, (4,) or (R, 4), with relu'(0) = 0."""
    return mlp.grad(params, X, Y, SIZES, loss="sse", backend=backend)


# --------------------------------------------------------------------------- reference values


def _dead_constant_loss(y) -> float:
    return float(np.sum((y - y.mean()) ** 2))


def _linear_fit_loss(x, y) -> float:
    A = np.stack([x, np.ones_like(x)], axis=1)
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.sum((A @ coef - y) ** 2))


def reference_values(*, backend: str = "numpy") -> dict:
    """The loss values that name the basins, computed from D1 (nothing is hard-coded).

    Returns
    -------
    dict
        ``red`` (18) and ``blue`` (14): L at RED and BLUE; ``dead``: the best constant,
        sum (y - mean y)^2 = 21.2; ``linear``: the least-squares line, ~21.1724.
    """
    return {
        "14": float(loss(BLUE, backend=backend)),
        "18": float(loss(RED, backend=backend)),
        "21.17": _linear_fit_loss(X, Y),
        "21.2": _dead_constant_loss(Y),
    }


def flat_curve(a, params=RED) -> np.ndarray:
    """Points (a w, a b, v / a, c), a > 0, of the flat curve through ``params`` (L is constant).

    relu is positively homogeneous, so rescaling the unit's input weights by a and its output
    weight by 1/a leaves f unchanged. For RED this is the paper's curve (1/a', -3/a', a', 0) with
    a' = 1/a.

    Parameters
    ----------
    a : float or array_like (n,), every entry > 0
    params : array_like (4,), default RED

    Returns
    -------
    ndarray, (4,) for scalar ``a`` or (n, 4)
    """
    p = _one_unit(params)
    a_ = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a_)) or np.any(a_ <= 0):
        raise ValueError("a must be finite and > 0")
    w, b, v, c = p
    out = np.stack(np.broadcast_arrays(a_ * w, a_ * b, v / a_, np.full_like(a_, c)), axis=-1)
    return out


# --------------------------------------------------------------------------- certificate


def _one_unit(params) -> np.ndarray:
    p = float_array(params, "params", (1,))
    if p.shape != (4,):
        raise ValueError(f"params must be (w, b, v, c), shape (4,), got {p.shape}")
    return p


@dataclass(frozen=True)
class PieceCheck:
    """The test on one smooth piece around the point (one side of every kink).

    Attributes
    ----------
    kinks_active : tuple of int
        Indices of the kink points treated as active on this piece (the others as dead).
    grad_effective : ndarray (3,)
        Gradient of the piece's convex quadratic Q(alpha, gamma, c) at the point, where
        alpha = v w, gamma = v b and f = alpha x + gamma + c on active points, c on dead ones.
    status : str
        "stationary" (grad_effective = 0: the point minimises Q globally), "kkt" (a boundary
        minimum: grad_effective lies in the cone of the kink constraints, exact for v != 0),
        "descent" (a feasible direction decreases L), "empty" (the kink constraints allow no
        move of (w, b): the piece is the single line (w, b) fixed, where every kink point is dead,
        which the all-dead piece already covers) or "inconclusive".
    """

    kinks_active: tuple
    grad_effective: np.ndarray
    status: str


@dataclass
class LocalMinCertificate:
    """Result of :func:`certify_local_min` for the one-unit model.

    Attributes
    ----------
    params : ndarray (4,)
    loss : float
    verdict : str
        "local_min" (certified), "not_min" (a descent direction was found and checked) or
        "inconclusive".
    dead, active, kink : ndarray of int
        Data points with pre-activation < 0, > 0 and (within tolerance) = 0.
    radius : float
        Within this distance (in the (w, b) plane) no dead or active point changes side, so the
        piecewise description below holds.
    pieces : list of PieceCheck
        One per assignment of the kink points to a side (2**len(kink) pieces).
    lower_bound : float or None
        For a certified point: L(q) >= lower_bound (= L(params)) for q within ``radius``.
    dead_bound : dict
        The paper's bound from the dead points alone: near the point,
        L >= constant + n_dead (c - center)^2; for RED it reads 18 + 2 c^2.
    flat_direction : ndarray (4,)
        Tangent (w, b, -v, 0) of the flat curve (a w, a b, v / a, c) at a = 1.
    witness : ndarray (4,) or None
        For "not_min": a direction (or for a second-order witness the curve
        ``params + s*witness + s**2 * witness2``) along which L was checked to drop.
    witness2 : ndarray (4,) or None
    witness_drop : float or None
        L(params) - L(witness point) > 0 at the step that was checked.
    reason : str
    """

    params: np.ndarray
    loss: float
    verdict: str
    dead: np.ndarray
    active: np.ndarray
    kink: np.ndarray
    radius: float
    pieces: list
    lower_bound: Optional[float]
    dead_bound: dict
    flat_direction: np.ndarray
    witness: Optional[np.ndarray] = None
    witness2: Optional[np.ndarray] = None
    witness_drop: Optional[float] = None
    reason: str = ""

    @property
    def is_local_min(self) -> bool:
        return self.verdict == "local_min"

    def flat_curve(self, a) -> np.ndarray:
        """Points of the flat curve through the certified point (see :func:`flat_curve`)."""
        return flat_curve(a, self.params)

    def summary(self) -> str:
        """A few human-readable lines: the pattern, the bound and the verdict."""
        b = self.dead_bound
        lines = [
            f"params (w, b, v, c) = {tuple(float(t) for t in self.params)}, L = {self.loss:.6g}",
            f"dead points {self.dead.tolist()}, active {self.active.tolist()}, "
            f"on a kink {self.kink.tolist()} (radius {self.radius:.3g})",
            (
                f"dead-point bound: L >= {b['constant']:.6g} + {b['n_dead']} (c - {b['center']:.6g})^2"
                if b["n_dead"]
                else "no dead points: no dead-point bound"
            ),
            f"{len(self.pieces)} piece(s): " + ", ".join(p.status for p in self.pieces),
            f"verdict: {self.verdict} ({self.reason})",
        ]
        return "\n".join(lines)


def _cone_contains(g, gens, tol) -> bool:
    """Whether g (2,) is a nonnegative combination of the rows of gens (m, 2) (2-D Caratheodory)."""
    if np.linalg.norm(g) <= tol:
        return True
    for i in range(len(gens)):
        a = gens[i]
        lam = (g @ a) / (a @ a) if a @ a > 0 else -1.0
        if lam >= 0 and np.linalg.norm(g - lam * a) <= tol:
            return True
    for i, j in itertools.combinations(range(len(gens)), 2):
        M = np.stack([gens[i], gens[j]], axis=1)
        if abs(np.linalg.det(M)) <= 1e-14:
            continue
        lam = np.linalg.solve(M, g)
        if np.all(lam >= -tol):
            return True
    return False


def _cone_nonzero(gens) -> bool:
    """Whether {u : gens @ u >= 0} contains a nonzero u (its edges are the +-perpendiculars)."""
    if len(gens) == 0:
        return True
    for a in gens:
        for s in (1.0, -1.0):
            u = s * np.array([-a[1], a[0]])
            if np.all(gens @ u >= -1e-12 * np.linalg.norm(a)):
                return True
    return False


def _cone_descent(g, gens, tol):
    """A unit u with gens @ u >= 0 and g @ u < 0, or None (candidates: -g and the edge rays)."""
    cands = [-g] + [s * np.array([-a[1], a[0]]) for a in gens for s in (1.0, -1.0)]
    best = None
    for u in cands:
        n = np.linalg.norm(u)
        if n == 0:
            continue
        u = u / n
        if np.all(gens @ u >= -1e-12) and g @ u < -tol and (best is None or g @ u < g @ best):
            best = u
    return best


def _loss_sse(p, x, y) -> float:
    w, b, v, c = p
    return float(np.sum((v * np.maximum(w * x + b, 0.0) + c - y) ** 2))


def _verified_drop(p, d, d2, x, y, L0):
    """Largest drop of L along p + s d + s^2 d2 over a few small steps s (or None if none)."""
    for s in np.geomspace(1e-1, 1e-9, 17):
        q = p + s * d + (0.0 if d2 is None else s * s * d2)
        drop = L0 - _loss_sse(q, x, y)
        if drop > 0:
            return float(drop)
    return None


def certify_local_min(params, x=None, y=None, *, tol: float = 1e-9) -> LocalMinCertificate:
    r"""Certify (or refute) that ``params`` is a local minimum of the one-unit model's loss.

    Works exactly at ReLU kinks by enumerating the smooth pieces of L around the point.

    Parameters
    ----------
    params : array_like (4,)
        ``(w, b, v, c)``.
    x, y : array_like (n,), optional
        Data (default D1).
    tol : float, default 1e-9
        Absolute tolerance for "pre-activation = 0" (a kink) and for zero gradients. GD endpoints
        are only approximately stationary: certify them with a looser ``tol`` (e.g. 1e-6), which
        makes the certificate approximate to that tolerance.

    Returns
    -------
    LocalMinCertificate

    Notes
    -----
    Points with pre-activation z_i < 0 (dead) or > 0 (active) keep their side within ``radius``;
    each point with z_i = 0 (a kink) can go either way, giving 2^k pieces. On a piece S the model is
    f = alpha x + gamma + c on the active points and c on the dead ones, with alpha = v w and
    gamma = v b, so L = Q_S(alpha, gamma, c) with Q_S a convex quadratic. On the piece the kink
    constraints read sigma_i (x_i dw + db) >= 0 (sigma = +1 for the active side).

    * If grad Q_S = 0, the point minimises Q_S over all (alpha, gamma, c): L >= L(params) on the
      whole piece.
    * Otherwise, for v != 0 the piece's image in (alpha, gamma, c) is, near the point, the convex
      cone sigma_i sign(v) (x_i alpha + gamma) >= 0; a convex quadratic is minimised over a convex
      cone at the point iff grad Q_S lies in the cone of the constraint normals (KKT): then the
      piece is certified, else a feasible descent direction exists and is returned.
    * For v = 0 a nonzero gradient is either a first-order descent direction or, if first-order
      flat, a second-order one along the curve (w, b) += s k u, v = +-s; else "inconclusive".

    The point is a local minimum iff every piece is certified; any descent direction is checked
    numerically on the true loss before "not_min" is returned. Such minima are never strict when
    v != 0 and some point is active: L is constant along (a w, a b, v / a, c).
    """
    p = _one_unit(params)
    x, y = _points(x, y)
    tol = positive_float(tol, "tol")
    w, b, v, c = p
    z = w * x + b
    kink = np.flatnonzero(np.abs(z) <= tol)
    dead = np.flatnonzero(z < -tol)
    active = np.flatnonzero(z > tol)
    if kink.size > 16:
        raise ValueError(f"{kink.size} points on a kink: too many pieces (2^{kink.size}) to enumerate")
    off = np.concatenate([dead, active])
    radius = float(np.min(np.abs(z[off]) / np.sqrt(x[off] ** 2 + 1))) if off.size else float("inf")
    # residuals are the same on every piece (kink points have v z = 0)
    r = v * np.maximum(z, 0.0) + c - y
    L0 = float(np.sum(r**2))
    yd = y[dead]
    dead_bound = {
        "constant": float(np.sum((yd - yd.mean()) ** 2)) if yd.size else 0.0,
        "n_dead": int(yd.size),
        "center": float(yd.mean()) if yd.size else float("nan"),
    }
    flat_dir = np.array([w, b, -v, 0.0])
    pieces, witness, witness2, drop = [], None, None, None
    gtol = tol * max(1.0, float(np.max(np.abs(y))) * max(1.0, float(np.max(np.abs(x)))))
    for bits in itertools.product((0, 1), repeat=kink.size):
        on = np.array(bits, dtype=bool)
        act = np.concatenate([active, kink[on]]).astype(int)
        sigma = np.where(on, 1.0, -1.0)
        gens = sigma[:, None] * np.stack([x[kink], np.ones(kink.size)], axis=1)  # (k, 2)
        g = 2.0 * np.array([np.sum(r[act] * x[act]), np.sum(r[act]), np.sum(r)])
        status, d, d2 = _piece_status(g, p, gens, gtol, float(np.sum(x[act] ** 2 + 1)))
        if status == "descent" and witness is None:
            dd = _verified_drop(p, d, d2, x, y, L0)
            if dd is None:
                status = "inconclusive"
            else:
                witness, witness2, drop = d, d2, dd
        pieces.append(PieceCheck(tuple(int(i) for i in kink[on]), g, status))
    statuses = [q.status for q in pieces]
    if witness is not None:
        verdict, reason, bound = "not_min", "a checked descent direction exists", None
    elif all(s in ("stationary", "kkt", "empty") for s in statuses):
        verdict, bound = "local_min", L0
        reason = (
            "every piece is minimised at the point"
            + (f" ({kink.size} kink point(s), {len(pieces)} pieces)" if kink.size else "")
        )
    else:
        verdict, reason, bound = "inconclusive", "no descent found, but some piece is undecided", None
    return LocalMinCertificate(
        params=p.copy(), loss=L0, verdict=verdict, dead=dead, active=active, kink=kink,
        radius=radius, pieces=pieces, lower_bound=bound, dead_bound=dead_bound,
        flat_direction=flat_dir, witness=witness, witness2=witness2, witness_drop=drop,
        reason=reason,
    )


def _piece_status(g, p, gens, gtol, curv):
    """Status of one piece and a descent direction (d, d2) in (w, b, v, c) when one exists.

    ``curv`` bounds the curvature of Q along (alpha, gamma) = s (w, b): sum over active points of
    x_i^2 + 1 (Cauchy-Schwarz), used to size the second-order witness for v = 0.
    """
    w, b, v, c = p
    if np.linalg.norm(g) <= gtol:
        return "stationary", None, None
    if not _cone_nonzero(gens):
        return "empty", None, None
    ga, gg, gc = g
    if abs(gc) > gtol:
        return "descent", np.array([0.0, 0.0, 0.0, -gc]), None
    if v != 0:
        gab = np.array([ga, gg]) * np.sign(v)
        if _cone_contains(gab, gens, gtol):
            return "kkt", None, None
        u = _cone_descent(np.array([ga, gg]) * v, gens, 0.0)
        if u is not None:
            return "descent", np.array([u[0], u[1], 0.0, 0.0]), None
        return "inconclusive", None, None
    # v == 0: dL/dv = w ga + b gg; dL/d(w, b) = 0
    gv = w * ga + b * gg
    if abs(gv) > gtol:
        return "descent", np.array([0.0, 0.0, -gv, 0.0]), None
    # second order along the line (w, b) += s k u, v = sv s (u feasible for the kink constraints):
    # alpha = sv s w + sv k s^2 u_1 (same for gamma), so L = L0 + s^2 (sv k u.g + O(curv |(w, b)|^2))
    for u in [np.array([ga, gg]), -np.array([ga, gg])] + [
        s * np.array([-a[1], a[0]]) for a in gens for s in (1.0, -1.0)
    ]:
        if np.linalg.norm(u) == 0 or not np.all(gens @ u >= -1e-12):
            continue
        ug = float(u @ np.array([ga, gg]))
        if abs(ug) <= gtol:
            continue
        k = 4.0 * (1.0 + curv) * (1.0 + w * w + b * b) / abs(ug)
        sv = -np.sign(ug)
        return "descent", np.array([k * u[0], k * u[1], sv, 0.0]), None
    return "inconclusive", None, None


# --------------------------------------------------------------------------- basin statistics


def initial_params(restarts: int, seed: int = 0) -> np.ndarray:
    """Random inits (restarts, 4) with all four parameters N(0, 1), via relufast.train.init_params."""
    from .. import train

    restarts = positive_int(restarts, "restarts")
    return train.init_params(
        list(SIZES), restarts, seed=seed, weight_mean=0.0, weight_std=1.0, bias_mean=0.0,
        bias_std=1.0, scheme="normal",
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
    P = np.asarray(params, dtype=np.float64)
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


def basin_statistics(
    restarts: int = 100_000,
    seed: int = 0,
    steps: int = 20_000,
    lr: float = 0.01,
    backend: str = "auto",
    progress: Optional[Callable] = None,
    *,
    tol: float = 0.01,
    chunk: Optional[int] = None,
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
    from .. import backend as _backend
    from .. import train

    restarts = positive_int(restarts, "restarts")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    be = _backend.resolve(backend)
    t0 = time.perf_counter()
    P0 = initial_params(restarts, seed)
    kw = {} if chunk is None else {"chunk": positive_int(chunk, "chunk")}
    res = train.train(
        P0, X, Y, list(SIZES), optimizer="gd", lr=lr, steps=steps, seed=seed, loss="sse",
        backend=be, progress=progress, **kw,
    )
    lab = classify_endpoints(res.params, tol=tol, backend=be)
    counts = np.array([np.sum(lab["class"] == k) for k in CLASSES], dtype=np.int64)
    lo, hi = wilson(counts, np.full(counts.shape, restarts))
    paper = np.array([PAPER["basin_fractions"].get(k, np.nan) for k in CLASSES])
    return BasinStatistics(
        classes=CLASSES, counts=counts, fractions=counts / restarts, lo=lo, hi=hi,
        paper_fractions=paper, final_loss=lab["loss"], endpoint_class=lab["class"],
        params=np.asarray(res.params), reference=reference_values(),
        config={"restarts": restarts, "seed": seed, "steps": steps, "lr": lr, "tol": tol,
                "init": "(w, b, v, c) ~ N(0, 1)", "loss": "sse"},
        wall_time=time.perf_counter() - t0, backend=be,
    )


# --------------------------------------------------------------------------- landscape slices


def _batched_loss(backend):
    return lambda P: mlp.loss(P, X, Y, SIZES, loss="sse", backend=backend)


def slice_1d(center=RED, direction=None, ts=None, *, backend: str = "auto") -> dict:
    """L along ``center + t * direction`` (default: RED along its flat tangent (w, b, -v, 0)).

    Returns ``{"t", "loss"}`` (see :func:`relufast.landscape.slice_1d`).
    """
    c = _one_unit(center)
    d = np.array([c[0], c[1], -c[2], 0.0]) if direction is None else _one_unit(direction)
    t = np.linspace(-1.0, 1.0, 201) if ts is None else ts
    return landscape.slice_1d(_batched_loss(backend), c, d, t)


def slice_2d(center, d1, d2, ts1=None, ts2=None, *, backend: str = "auto") -> dict:
    """L on ``center + t1 d1 + t2 d2`` (see :func:`relufast.landscape.slice_2d`)."""
    t1 = np.linspace(-1.0, 1.0, 81) if ts1 is None else ts1
    t2 = np.linspace(-1.0, 1.0, 81) if ts2 is None else ts2
    return landscape.slice_2d(
        _batched_loss(backend), _one_unit(center), _one_unit(d1), _one_unit(d2), t1, t2
    )


def red_blue_plane(ts1=None, ts2=None, *, third=None, seed: int = 0, backend: str = "auto") -> dict:
    """L on the plane through RED (0, 0) and BLUE (1, 0).

    The second axis points to ``third`` (made orthogonal; e.g. a dead or linear-fit minimum) or,
    by default, along a random direction orthogonal to BLUE - RED with the same length.

    Returns
    -------
    dict
        The :func:`relufast.landscape.slice_2d` columns plus ``points``: the plane coordinates of
        RED, BLUE (and ``third``), and the plane itself (``center``, ``d1``, ``d2``).
    """
    plane = landscape.plane_through(RED, BLUE, third, seed=seed)
    t1 = np.linspace(-0.5, 1.5, 81) if ts1 is None else ts1
    t2 = np.linspace(-1.0, 1.0, 81) if ts2 is None else ts2
    out = slice_2d(plane["center"], plane["d1"], plane["d2"], t1, t2, backend=backend)
    out.update(points=plane["coords"], center=plane["center"], d1=plane["d1"], d2=plane["d2"])
    return out
