"""Exact local-minimum certificates for the one-unit model, kinks included.

Part of :mod:`relufast.experiments.five_points` (import names from there).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..._validate import positive_float
from .problem import _one_unit, _points, flat_curve


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
    lower_bound: float | None
    dead_bound: dict
    flat_direction: np.ndarray
    witness: np.ndarray | None = None
    witness2: np.ndarray | None = None
    witness_drop: float | None = None
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
        reason = "every piece is minimised at the point" + (
            f" ({kink.size} kink point(s), {len(pieces)} pieces)" if kink.size else ""
        )
    else:
        verdict, reason, bound = "inconclusive", "no descent found, but some piece is undecided", None
    return LocalMinCertificate(
        params=p.copy(),
        loss=L0,
        verdict=verdict,
        dead=dead,
        active=active,
        kink=kink,
        radius=radius,
        pieces=pieces,
        lower_bound=bound,
        dead_bound=dead_bound,
        flat_direction=flat_dir,
        witness=witness,
        witness2=witness2,
        witness_drop=drop,
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
