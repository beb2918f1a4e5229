"""Polishing: the exact least-squares minimum of L on a fixed activation pattern, then certified.

Part of :mod:`relufast.experiments.more_minima` (import names from there).

With the pattern fixed, f is linear in u = (alpha, gamma, c) (alpha_i = v_i w_i, gamma_i = v_i b_i),
so the best point of the pattern is a linear least-squares problem, solved here in exact rationals.
It turns a GD endpoint (or a misprinted point) into an exact rational point that
:func:`~relufast.experiments.more_minima.certify` can decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..._validate import positive_float, positive_int
from .certificate import Certificate, certify
from .exact import Vec, check_net, constrained_lstsq, outputs, pre_activations, residuals, split

_ZERO = Fraction(0)


@dataclass
class Polished:
    """Result of :func:`polish`.

    Attributes
    ----------
    params : tuple of Fraction
        The polished point, ``(w, b, v, c)``; v is the start's (rounded to a simple rational).
    loss : Fraction
    start_loss : Fraction
        L at the start point, exactly as given.
    certificate : Certificate
        :func:`certify` at the polished point.
    kinks : tuple of (unit, point)
        Pairs held at z = 0 by the fit.
    off_units : tuple of int
        Units set to v = 0 because they contributed less than ``tol`` on every point.
    rounds : int
        Least-squares solves (a pair that changed side is held on its kink and the fit redone).
    distance : float
        Largest change of a parameter, |polished - start|_inf.
    """

    params: Vec
    loss: Fraction
    start_loss: Fraction
    certificate: Certificate
    kinks: tuple[tuple[int, int], ...]
    off_units: tuple[int, ...]
    rounds: int
    distance: float

    def fit(self) -> Vec:
        """f(x_j) at the polished point (exact)."""
        return outputs(self.params, self.certificate.x)


def _simple(t: Fraction, denom: int) -> Fraction:
    return t if t.denominator <= denom else t.limit_denominator(denom)


def polish(params: object, x: object, y: object, *, tol: float = 1e-6, max_rounds: int = 20) -> Polished:
    """The exact least-squares point of ``params``' activation pattern, and its certificate.

    Parameters
    ----------
    params : sequence of numbers (3h + 1,)
        A start point (e.g. a GD endpoint), ``(w, b, v, c)``.
    x, y : sequence of numbers (n,)
    tol : float, default 1e-6
        Units whose output v_i relu(z_ij) stays within tol on every point are switched off
        (v = 0); units with no active point are made strictly dead.
    max_rounds : int, default 20

    Returns
    -------
    Polished

    Notes
    -----
    The pattern is the start's: (i, j) is active where z_ij > 0. Rows of the least-squares
    problem: f(x_j) = c + sum over active pairs (i, j) of (alpha_i x_j + gamma_i); pairs on a kink
    (z_ij = 0) add the equalities alpha_i x_j + gamma_i = 0. Among all
    minimisers (flat directions) the one closest to the start's (alpha, gamma, c) is taken, and
    w_i = alpha_i / v_i, b_i = gamma_i / v_i with the start's v_i. If pairs end on the wrong side
    of their kink, the worst one is held on its kink and the fit is redone; a unit left with no
    active point is made strictly dead (b lowered by 1e-6 past its largest z).

    Examples
    --------
    The printed Prop. 2 "global minimum" is not a minimum (L = 29); the best point of its pattern
    (unit 1 active at x = -1, 0, unit 2 dead) has L = 35/4:

    >>> from relufast.experiments.more_minima import PROP2
    >>> q = polish(PROP2.point("prop2_global").params, PROP2.x, PROP2.y)
    >>> q.start_loss, q.loss, q.certificate.verdict
    (Fraction(29, 1), Fraction(35, 4), 'local_min')
    """
    tol = positive_float(tol, "tol")
    max_rounds = positive_int(max_rounds, "max_rounds")
    h, p0, xs, ys = check_net(params, x, y)
    n = len(xs)
    w0, b0, v0, c0 = split(p0, h)
    z0 = pre_activations(p0, xs)
    zf = np.array([[float(t) for t in row] for row in z0])
    vf = np.array([float(t) for t in v0])
    contrib = np.abs(vf)[:, None] * np.maximum(zf, 0.0)
    off = tuple(i for i in range(h) if np.all(contrib[i] <= tol) and np.any(zf[i] > 0))
    v = [_ZERO if i in off else (_simple(t, 1000) if t != 0 else t) for i, t in enumerate(v0)]
    w, b = list(w0), list(b0)
    fit_units = []
    for i in range(h):
        if i in off:
            continue
        if max(z0[i]) <= 0:  # no active point: make the unit strictly dead (b lowered by <= 1e-6)
            if max(z0[i]) == 0:
                b[i] -= Fraction(1, 10**6)
            continue
        fit_units.append(i)
    kinks = {(i, j) for i in fit_units for j in range(n) if z0[i][j] == 0}
    active = {(i, j) for i in fit_units for j in range(n) if z0[i][j] > 0}
    m = 2 * h + 1
    u0 = [_ZERO] * m
    for i in fit_units:
        u0[i] = _simple(v0[i] * w0[i], 10**6)
        u0[h + i] = _simple(v0[i] * b0[i], 10**6)
    u0[2 * h] = _simple(c0, 10**6)
    rounds = 0
    while True:
        rounds += 1
        A = []
        for j in range(n):
            row = [_ZERO] * m
            for i in fit_units:
                if (i, j) in active:
                    row[i], row[h + i] = xs[j], Fraction(1)
            row[2 * h] = Fraction(1)
            A.append(row)
        C = []
        for i, j in sorted(kinks):
            row = [_ZERO] * m
            row[i], row[h + i] = xs[j], Fraction(1)
            C.append(row)
        u = constrained_lstsq(A, list(ys), C, u0)
        for i in fit_units:
            w[i], b[i] = u[i] / v[i], u[h + i] / v[i]
        p = tuple(w + b + v + [u[2 * h]])
        z = pre_activations(p, xs)
        wrong = [
            (abs(z[i][j]), i, j)
            for i in fit_units
            for j in range(n)
            if (i, j) not in kinks and ((i, j) in active) != (z[i][j] >= 0) and z[i][j] != 0
        ]
        if not wrong or rounds >= max_rounds:
            break
        _, i, j = max(wrong)  # hold the worst pair on its kink and fit again
        kinks.add((i, j))
        active.discard((i, j))
    for i in fit_units:  # a unit left with no active point (e.g. w = b = 0): make it strictly dead
        top = max(z[i])
        if top <= 0:
            b[i] -= top + Fraction(1, 10**6)
            p = tuple(w + b + v + [p[3 * h]])
            z = pre_activations(p, xs)
            kinks = {k for k in kinks if k[0] != i}
    cert = certify(p, xs, ys)
    dist = float(max(abs(float(a) - float(bb)) for a, bb in zip(p, p0)))
    return Polished(
        params=p,
        loss=cert.loss,
        start_loss=sum((t * t for t in residuals(p0, xs, ys)), _ZERO),
        certificate=cert,
        kinks=tuple(sorted(kinks)),
        off_units=off,
        rounds=rounds,
        distance=dist,
    )
