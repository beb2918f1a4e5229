"""Exact, kink-aware local-minimum certificates for the [1, h, 1] ReLU model.

Part of :mod:`relufast.experiments.more_minima` (import names from there). It generalises the
one-unit certificate of :mod:`relufast.experiments.five_points` to h units and decides everything in
exact rational arithmetic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .exact import (
    Vec,
    check_net,
    exact_grad,
    exact_loss,
    is_psd,
    piece_hessian,
    pre_activations,
    residuals,
    split,
)

#: At most this many (unit, point) pairs on a kink (2**MAX_KINKS pieces are enumerated).
MAX_KINKS = 12

_ZERO = Fraction(0)


@dataclass(frozen=True)
class Piece:
    """One smooth piece of L around the point: every kink pair put on one side.

    Attributes
    ----------
    kinks_active : tuple of (unit, point)
        The kink pairs treated as active on this piece (the other kink pairs as dead).
    gradient : tuple of Fraction
        Exact gradient of the piece's polynomial at the point, layout (w, b, v, c).
    status : str
        "stationary" (zero gradient: the point minimises the piece's convex quadratic in
        (alpha, gamma, c), see :func:`certify`), "kkt" (a minimum on the boundary of the piece:
        each unit's gradient lies in the cone of its kink constraints), "descent" (a feasible
        direction of this piece decreases L, checked exactly) or "inconclusive".
    hessian_psd : bool
        Whether the piece's exact Hessian in (w, b, v, c) is positive semidefinite (decided
        exactly). Necessary at a minimum inside the piece; at a "kkt" point it need not hold.
    hessian_min_eig : float
        Its smallest eigenvalue (floating point; clipped at 0 when the matrix is exactly PSD).
    """

    kinks_active: tuple[tuple[int, int], ...]
    gradient: Vec
    status: str
    hessian_psd: bool
    hessian_min_eig: float


@dataclass
class Certificate:
    """Result of :func:`certify` (every number exact unless it is a float).

    Attributes
    ----------
    params : tuple of Fraction
        ``(w_1..w_h, b_1..b_h, v_1..v_h, c)``.
    h : int
    loss : Fraction
    residuals : tuple of Fraction
        f(x_j) - y_j.
    z : list of list of Fraction
        Pre-activations z[i][j] = w_i x_j + b_i.
    dead_units : tuple of int
        Units with z < 0 on every point (they do not act near the point).
    kinks : tuple of (unit, point)
        Pairs of a unit that is not dead everywhere and a point with z = 0 exactly.
    gradient : tuple of Fraction
        The gradient with relu'(0) = 0 (:func:`relufast.mlp.grad`'s convention).
    gradient_zero : bool
    convention_free : bool
        Whether every piece has the same gradient (r_j v_i = 0 on every kink pair), so the
        gradient does not depend on the value given to relu'(0).
    pieces : list of Piece
    verdict : str
        "local_min", "not_min" (a descent direction, checked exactly) or "inconclusive".
    reason : str
    witness : tuple of Fraction or None
        For "not_min": a direction d with L(params + s d) < L(params) ...
    witness_step : Fraction or None
        ... at this s ...
    witness_drop : Fraction or None
        ... by this much (exact).
    """

    params: Vec
    h: int
    x: Vec
    y: Vec
    loss: Fraction
    residuals: Vec
    z: list[list[Fraction]]
    dead_units: tuple[int, ...]
    kinks: tuple[tuple[int, int], ...]
    gradient: Vec
    gradient_zero: bool
    convention_free: bool
    pieces: list[Piece] = field(default_factory=list)
    verdict: str = "inconclusive"
    reason: str = ""
    witness: Vec | None = None
    witness_step: Fraction | None = None
    witness_drop: Fraction | None = None

    @property
    def is_local_min(self) -> bool:
        return self.verdict == "local_min"

    @property
    def all_hessians_psd(self) -> bool:
        return all(p.hessian_psd for p in self.pieces)

    def active_points(self, i: int) -> tuple[int, ...]:
        """Indices of the points where unit i is active (z > 0)."""
        return tuple(j for j, t in enumerate(self.z[i]) if t > 0)

    def pattern(self) -> str:
        """The activation pattern in words, one unit after the other.

        Examples
        --------
        >>> certify([1, -3, 1, 0], [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2]).pattern()
        'unit 1: active at x = 4, 5; kink at x = 3'
        """
        out = []
        for i in range(self.h):
            if i in self.dead_units:
                out.append(f"unit {i + 1}: dead everywhere")
                continue
            act = ", ".join(_num(self.x[j]) for j in self.active_points(i)) or "none"
            kk = [j for (u, j) in self.kinks if u == i]
            txt = f"unit {i + 1}: active at x = {act}"
            if kk:
                txt += "; kink at x = " + ", ".join(_num(self.x[j]) for j in kk)
            out.append(txt)
        return " | ".join(out)

    def summary(self) -> str:
        """A few human-readable lines: loss, pattern, gradient, pieces and verdict."""
        g = "0" if self.gradient_zero else ", ".join(_num(t) for t in self.gradient)
        kr = [self.residuals[j] for (_, j) in self.kinks]
        lines = [
            f"L = {_num(self.loss)} = {float(self.loss):.6g}",
            self.pattern(),
            f"gradient (relu'(0) = 0): {g}"
            + ("" if self.convention_free else " (depends on relu'(0): a kink point has a residual)"),
            f"{len(self.kinks)} kink pair(s)"
            + (f", residuals there {', '.join(_num(t) for t in kr)}" if kr else "")
            + f"; {len(self.pieces)} piece(s): "
            + ", ".join(p.status for p in self.pieces),
            "piece Hessians PSD: "
            + ", ".join("yes" if p.hessian_psd else "no" for p in self.pieces)
            + f" (smallest eigenvalues {', '.join(f'{p.hessian_min_eig:.3g}' for p in self.pieces)})",
            f"verdict: {self.verdict.replace('_', ' ')} ({self.reason})",
        ]
        return "\n".join(lines)


def _num(t: Fraction) -> str:
    return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"


def _sign(t: Fraction) -> int:
    return (t > 0) - (t < 0)


def _dot(a: tuple[Fraction, Fraction], b: tuple[Fraction, Fraction]) -> Fraction:
    return a[0] * b[0] + a[1] * b[1]


def cone_contains(g: tuple[Fraction, Fraction], gens: list[tuple[Fraction, Fraction]]) -> bool:
    """Whether g is a nonnegative combination of the 2-D vectors ``gens`` (exact; Caratheodory).

    Examples
    --------
    >>> F = Fraction
    >>> cone_contains((F(1), F(1)), [(F(1), F(0)), (F(0), F(1))])
    True
    >>> cone_contains((F(-1), F(0)), [(F(1), F(0)), (F(0), F(1))])
    False
    """
    if g == (_ZERO, _ZERO):
        return True
    for a in gens:
        if a[0] * g[1] - a[1] * g[0] == 0 and _dot(a, g) > 0:
            return True
    for a, b in itertools.combinations(gens, 2):
        det = a[0] * b[1] - a[1] * b[0]
        if det == 0:
            continue
        la = (g[0] * b[1] - g[1] * b[0]) / det
        lb = (a[0] * g[1] - a[1] * g[0]) / det
        if la >= 0 and lb >= 0:
            return True
    return False


def _feasible(d: tuple[Fraction, Fraction], gens: list[tuple[Fraction, Fraction]]) -> bool:
    return all(_dot(a, d) >= 0 for a in gens)


def _candidates(g, gens):
    """Directions to try: -g, g and the edge rays +-perp(a) of the cone {d : a . d >= 0}."""
    out = [(-g[0], -g[1]), (g[0], g[1])]
    for a in gens:
        out += [(-a[1], a[0]), (a[1], -a[0])]
    return [d for d in out if d != (_ZERO, _ZERO)]


def _drop(p: Vec, d: Vec, x: Vec, y: Vec, L0: Fraction) -> tuple[Fraction, Fraction] | None:
    """(s, L0 - L(p + s d)) for the largest s = 2^-m (m = 0..80) that stays on the piece (no pair
    with z != 0 changes side on [0, s]) and gives a drop at s and at s/2, ..., s/2^8; else None.

    On the piece, L(p + s d) is a polynomial in s that starts with a negative term (first order,
    or second order for a v = 0 unit), so drops at these steps confirm it near the point.
    """
    h = (len(p) - 1) // 3
    z = pre_activations(p, x)
    smax: Fraction | None = None
    for i in range(h):
        for j, xj in enumerate(x):
            dz = d[i] * xj + d[h + i]
            if z[i][j] != 0 and dz != 0 and (z[i][j] > 0) != (dz > 0):
                lim = abs(z[i][j] / dz)
                smax = lim if smax is None else min(smax, lim)
    for m in range(81):
        s = Fraction(1, 2**m)
        if smax is not None and s >= smax:
            continue
        drops = [
            L0 - exact_loss([a + t * b for a, b in zip(p, d)], x, y) for t in (s / 2**k for k in range(9))
        ]
        if all(t > 0 for t in drops):
            return s, drops[0]
    return None


def certify(params: object, x: object, y: object) -> Certificate:
    r"""Decide exactly whether ``params`` is a local minimum of L for the [1, h, 1] ReLU model.

    Parameters
    ----------
    params : sequence of numbers (3h + 1,)
        ``(w_1..w_h, b_1..b_h, v_1..v_h, c)``; floats are taken as the rationals they store, so a
        float point is certified as it is (GD endpoints are only approximately stationary: polish
        them first, :func:`relufast.experiments.more_minima.polish`).
    x, y : sequence of numbers (n,)
        The data.

    Returns
    -------
    Certificate

    Raises
    ------
    ValueError
        Bad shapes or non-finite numbers, or more than :data:`MAX_KINKS` kink pairs.

    Notes
    -----
    Units with z < 0 on every point are dead near the point and drop out. For the others, a pair
    (i, j) with z_ij != 0 keeps its side near the point; each kink pair (z_ij = 0) can go either
    way, which gives 2^k smooth pieces. On a piece S, with alpha_i = v_i w_i and gamma_i = v_i b_i,

    .. math:: f(x_j) = c + \sum_{i : (i, j) \in S} (\alpha_i x_j + \gamma_i),

    so L = Q_S(alpha, gamma, c) with Q_S a convex quadratic. For v_i != 0 the map
    (w_i, b_i, v_i) -> (alpha_i, gamma_i) is open and the kink constraints sigma_ij (x_j dw_i + db_i)
    >= 0 read sigma_ij sign(v_i) (x_j d alpha_i + d gamma_i) >= 0, so near the point the piece is
    the point plus a polyhedral cone in (alpha, gamma, c). A convex function is minimal on a convex
    set at a point iff its gradient lies in the cone of the constraint normals (Farkas), which
    splits by unit into 2-D cone tests (:func:`cone_contains`) and dQ/dc = 0. If this holds on
    every piece, L >= L(params) near the point: a local minimum (never strict here, since
    (a w_i, a b_i, v_i / a) leaves f unchanged). A failed test gives a feasible descent direction,
    which is confirmed on the true L in exact arithmetic (at steps small enough to stay on the
    piece) before "not_min" is returned.

    A unit with v_i = 0 that is not dead is handled to second order: along v_i = sigma s,
    (w_i, b_i) += s k d, L changes by s^2 (2 sigma k G.d + |relu(z_i)|^2) + O(s^3) with
    G = 2 sum_{(i, j) in S} r_j (x_j, 1); G.d != 0 gives descent, G = 0 leaves it "inconclusive".

    Each piece's exact Hessian in (w, b, v, c) is also given (PSD or not, smallest eigenvalue):
    at a stationary piece it is PSD (2 J^T J), a necessary condition that the cone test makes
    sufficient.

    Examples
    --------
    >>> from relufast.experiments.more_minima import PROP3
    >>> c = certify(PROP3.points[0].params, PROP3.x, PROP3.y)
    >>> c.loss, c.verdict, c.kinks
    (Fraction(1, 6), 'local_min', ((1, 1),))
    """
    h, p, xs, ys = check_net(params, x, y)
    n = len(xs)
    w, b, v, c = split(p, h)
    z = pre_activations(p, xs)
    r = residuals(p, xs, ys)
    L0 = sum((t * t for t in r), _ZERO)
    dead = tuple(i for i in range(h) if all(t < 0 for t in z[i]))
    live = [i for i in range(h) if i not in dead]
    kinks = tuple((i, j) for i in live for j in range(n) if z[i][j] == 0)
    if len(kinks) > MAX_KINKS:
        raise ValueError(f"{len(kinks)} (unit, point) pairs on a kink: too many pieces (2^{len(kinks)})")
    grad0 = exact_grad(p, xs, ys)
    cert = Certificate(
        params=p,
        h=h,
        x=xs,
        y=ys,
        loss=L0,
        residuals=r,
        z=z,
        dead_units=dead,
        kinks=kinks,
        gradient=grad0,
        gradient_zero=all(t == 0 for t in grad0),
        convention_free=all(r[j] * v[i] == 0 for (i, j) in kinks),
    )
    witness: tuple[Vec, Fraction, Fraction] | None = None
    for bits in itertools.product((False, True), repeat=len(kinks)):
        on = {k for k, bit in zip(kinks, bits) if bit}
        act = [[z[i][j] > 0 or (i, j) in on for j in range(n)] for i in range(h)]
        g = exact_grad(p, xs, ys, act)
        H = piece_hessian(p, xs, ys, act)
        psd = is_psd(H)
        lam = float(np.linalg.eigvalsh(np.array([[float(t) for t in row] for row in H]))[0])
        lam = max(lam, 0.0) if psd else lam  # exactly PSD: a negative value is rounding
        status, direction = _piece_status(g, act, kinks, on, p, xs, r, h, live)
        if status == "descent" and direction is not None:
            found = _drop(p, direction, xs, ys, L0)
            if found is None:
                status = "inconclusive"
            elif witness is None:
                witness = (direction, found[0], found[1])
        cert.pieces.append(Piece(tuple(sorted(on)), g, status, psd, lam))
    statuses = [q.status for q in cert.pieces]
    if witness is not None:
        cert.verdict, cert.reason = "not_min", "a descent direction, checked exactly"
        cert.witness, cert.witness_step, cert.witness_drop = witness
    elif all(s in ("stationary", "kkt") for s in statuses):
        cert.verdict = "local_min"
        cert.reason = "every piece is minimised at the point" + (
            f" ({len(kinks)} kink pair(s), {len(statuses)} pieces)" if kinks else " (no kinks)"
        )
    else:
        cert.reason = "no descent found, but some piece is undecided"
    return cert


def _piece_status(g, act, kinks, on, p, xs, r, h, live) -> tuple[str, Vec | None]:
    """Status of one piece and, for "descent", a direction in (w, b, v, c)."""
    P = 3 * h + 1
    v = p[2 * h : 3 * h]
    flat = all(t == 0 for t in g)
    if flat and all(v[i] != 0 for i in live):
        return "stationary", None

    def unit_dir(i: int, dw: Fraction, db: Fraction, dv: Fraction = _ZERO) -> Vec:
        d = [_ZERO] * P
        d[i], d[h + i], d[2 * h + i] = dw, db, dv
        return tuple(d)

    if g[3 * h] != 0:
        d = [_ZERO] * P
        d[3 * h] = -g[3 * h]
        return "descent", tuple(d)
    for i in range(h):
        if g[2 * h + i] != 0:
            return "descent", unit_dir(i, _ZERO, _ZERO, -g[2 * h + i])
    undecided = False
    for i in live:
        gens = [
            (Fraction(1 if (u, j) in on else -1) * xs[j], Fraction(1 if (u, j) in on else -1))
            for (u, j) in kinks
            if u == i
        ]
        G = (
            2 * sum((r[j] * xs[j] for j in range(len(xs)) if act[i][j]), _ZERO),
            2 * sum((r[j] for j in range(len(xs)) if act[i][j]), _ZERO),
        )
        if v[i] != 0:
            s = _sign(v[i])
            gens_a = [(s * a, s * bb) for a, bb in gens]  # constraints in (alpha, gamma)
            if cone_contains(G, gens_a):
                continue
            for d in _candidates(G, gens_a):
                if _feasible(d, gens_a) and _dot(G, d) < 0:
                    return "descent", unit_dir(i, d[0] / v[i], d[1] / v[i])
            undecided = True
            continue
        # v_i = 0: second order along v_i = sigma s, (w_i, b_i) += s k d
        if G == (_ZERO, _ZERO):
            undecided = True
            continue
        zi = [max(t, _ZERO) for t in pre_activations(p, xs)[i]]
        for d in _candidates(G, gens):
            gd = _dot(G, d)
            if _feasible(d, gens) and gd != 0:
                k = (sum((t * t for t in zi), _ZERO) + 1) / abs(gd)
                sigma = Fraction(-_sign(gd))
                return "descent", unit_dir(i, k * d[0], k * d[1], sigma)
        undecided = True
    if undecided:
        return "inconclusive", None
    return ("stationary" if flat else "kkt"), None


def is_global(cert: Certificate, best_known: Fraction = _ZERO) -> bool:
    """Whether the certified loss equals ``best_known`` (0, a perfect fit, is global for any data).

    Examples
    --------
    >>> is_global(certify([-7, -4, 1, 0], [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2]), Fraction(14))
    True
    """
    return cert.loss == best_known


__all__ = ["Certificate", "Piece", "certify", "cone_contains", "is_global", "MAX_KINKS", "exact_loss"]
