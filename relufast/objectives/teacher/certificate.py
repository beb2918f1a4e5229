r"""A computer-assisted certificate that an endpoint is close to a strict local minimum.

GD on the teacher-student loss converges linearly at rate about ``1 - step * lambda_min``, so
near a minimum with a tiny ``lambda_min`` it may not reach the gradient tolerance within any
reasonable cap. Instead of waiting, :func:`certify_minimum` proves that a strict local minimum
lies within a small radius of a (Newton-polished) point, from three computed numbers:

* ``g``: the Frobenius norm of the gradient at the point, evaluated in extended precision
  (``numpy.longdouble``) plus a margin ``eps_g`` for the remaining rounding;
* ``lam``: the smallest eigenvalue of the exact Hessian at the point, minus a margin ``eps_lam``
  for the rounding of the Hessian and of the eigensolver;
* ``L(r)``: an upper bound on the Lipschitz constant of the Hessian on the ball of radius r
  (:func:`hessian_lipschitz`), derived below.

The argument (strong convexity on a ball). If ``lam - L(r) r = mu > 0``, Weyl's inequality gives
``H(W') >= mu I`` on the whole ball ``B(W, r)``, so F is mu-strongly convex there, and for any W'
on the sphere ``|W' - W| = r``: ``F(W') >= F(W) - g r + mu r^2 / 2 > F(W)`` when ``g < mu r / 2``.
Then the minimum of F over the closed ball is attained inside it: a critical point W* with
``|W* - W| < r`` and ``H(W*) >= mu I``, a strict local minimum, with
``F(W) - g r <= F(W*) <= F(W)``.

The Lipschitz bound. Write ``F = sum_{i<j} f(w_i, w_j) + sum_i |w_i|^2 / 4 - sum_{i,j} f(w_i, v_j)
+ const`` with ``f(w, u) = |w||u| (sin t + (pi - t) cos t) / 2 pi``. Its Hessian blocks are
``h1(w; u) = |u| sin t / (2 pi |w|) (I - w^ w^T + n n^T)`` (diagonal, n the unit vector of the
plane of w, u orthogonal to w) and ``h2(w, u) = ((pi - t) I + sin t (w^ u^T + b a^T)) / 2 pi``
(off-diagonal). With ``|d w^| <= |dw| / |w|``, ``|d t| <= |d w^|``, and the unit vectors n, a, b
turning at most ``|d w^| / sin t`` (the factor sin t in front cancels it), differentiating term by
term gives, per unit change of one argument:

* ``h1(w; u)`` in w: ``4 |u| / (pi |w|^2)``; in u: ``3 / (pi |w|)``;
* ``h2(w, u)`` in w: ``3 / (pi |w|)``; in u: ``3 / (pi |u|)``.

These bounds do not depend on sin t, so they hold through aligned and opposed pairs (where the
blocks are continuous). A symmetric block matrix has ``|A|_2 <= max_i sum_j |A_ij|_2``, so on a
ball of radius r < min_i |w_i| (no dead neuron inside)

``L(r) = max_i (1/pi) [ sum_{j != i} (4 (|w_j| + r) / (|w_i| - r)^2 + 6 / (|w_i| - r)
+ 3 / (|w_j| - r)) + 4 sum_j |v_j| / (|w_i| - r)^2 ]``.

Where gradient descent goes. Given also GD's point S (before polishing) and its step eta, GD from
S provably converges to the certified minimum W* when the GD map ``T(x) = x - eta grad F(x)`` is a
contraction towards W* on a ball ``B(W*, rho')`` that holds S. By the mean value theorem
``T(x) - W* = (I - eta Hbar) (x - W*)``, with Hbar the mean of H on the segment from W* to x, so
``|T(x) - W*| <= q |x - W*|`` with ``q = max(1 - eta lo, eta hi - 1)`` wherever the Hessian on the
ball lies between ``lo`` and ``hi``. The ball ``B(W*, rho')`` lies in ``B(W, Rb)``,
``Rb = rho' + radius``, where Weyl's inequality bounds the Hessian by ``lo = lam - L(Rb) Rb`` and
``hi = gershgorin(H(W)) + L(Rb) Rb`` (Gershgorin's bound on the largest eigenvalue, with the
rounding margin). S lies within ``rho = |S - W| + radius`` of W*; with ``rho' = 1.01 rho`` and a
bound ``e`` on the rounding of one float64 GD step, ``lo > 0`` and ``q rho' + e <= rho'`` keep
every iterate in the ball (``rho'`` grows to ``2 e / (1 - q)`` where S is that close to W*), so GD
converges to W* (in exact arithmetic; in float64 to within ``e / (1 - q)`` of it, where the
gradient is at most ``hi e / (1 - q)``: that this is below the protocol's tolerance is not
checked). H stays positive definite and ``F >= F(W*)`` on the ball, so the run gets the label the
uncapped protocol would give it. The rounding bound ``e`` is a generous model of the kernels'
float64 error (``64 m eps`` per gradient), not a proven bound. Because ``rho`` scales with
``|S - W|``, not with its square root over the condition number (as an argument from sublevel
sets would), it holds once GD is within about ``lam / L`` of the minimum;
``benchmarks/bench_certified_stop.py`` measures how often.

tests/test_certificate.py checks the bound against measured ratios ``|H(W') - H(W)|_2 / |W' - W|``
at random, near-aligned and near-opposed points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..._kernels import get, nearest
from ..._validate import float_array, real_array
from . import reference

__all__ = ["Certificate", "certify_minimum", "hessian_lipschitz"]

_EPS = np.finfo(np.float64).eps


def _teacher(V: object, d: int) -> np.ndarray:
    Vf = float_array(V, "V", (2,))
    if Vf.shape[1] != d:
        raise ValueError(f"V must have shape (k, d={d}) to match W, got {Vf.shape}")
    return Vf


def _per_point(x: object, name: str, R: int) -> np.ndarray:
    """A scalar or one value per point, as an (R,) array."""
    a = real_array(x, name)
    if a.size not in (1, R) or a.ndim > 1:
        raise ValueError(f"{name} must be a number or have shape ({R},), got shape {a.shape}")
    return np.broadcast_to(a.reshape(-1), (R,))


def hessian_lipschitz(
    W: ArrayLike, V: ArrayLike | None = None, radius: float | np.ndarray = 0.0
) -> float | np.ndarray:
    """Upper bound on the Lipschitz constant of the exact Hessian on the ball ``B(W, radius)``.

    In the spectral norm of the Hessian and the Frobenius norm of W (module docstring).

    Parameters
    ----------
    W : array_like (R, n, d) or (n, d)
    V : array_like (k, d), optional
        Teacher rows (identity if None).
    radius : float or array (R,)
        Must be below every ``|w_i|``; inf is returned where it is not.

    Returns
    -------
    ndarray (R,) (or a float for one point)

    Examples
    --------
    >>> round(float(hessian_lipschitz(np.eye(2))), 4)   # (1/pi)(4 + 6 + 3 + 4 * 2)
    6.6845
    """
    W = float_array(W, "W", (2, 3))
    single = W.ndim == 2
    W3 = W[None] if single else W
    R, n, d = W3.shape
    vn = np.ones(d) if V is None else np.linalg.norm(_teacher(V, d), axis=1)
    r = _per_point(radius, "radius", R)[:, None]
    if np.any(r < 0):
        raise ValueError("radius must be >= 0")
    wn = np.linalg.norm(W3, axis=2)
    lo, hi = wn - r, wn + r
    ok = np.all(lo > 0, axis=1)
    lo = np.where(lo > 0, lo, np.nan)
    off = ~np.eye(n, dtype=bool)
    pair = (4 * hi[:, None, :] / lo[:, :, None] ** 2 + 6 / lo[:, :, None] + 3 / lo[:, None, :]) * off
    Li = (pair.sum(axis=2) + 4 * vn.sum() / lo**2) / np.pi
    L = np.where(ok, np.nanmax(np.where(np.isnan(Li), -np.inf, Li), axis=1), np.inf)
    return float(L[0]) if single else L


@dataclass
class Certificate:
    """Per-point outcome of :func:`certify_minimum` (arrays of length R)."""

    certified: np.ndarray  # bool: a strict local minimum lies within ``radius``
    radius: np.ndarray  # the ball's radius (Frobenius norm of W), NaN where not certified
    grad_norm: np.ndarray  # |grad F|_F at the point, in extended precision, plus its margin
    lambda_min: np.ndarray  # smallest Hessian eigenvalue at the point, minus its margin
    lipschitz: np.ndarray  # L(radius) (module docstring)
    F_low: np.ndarray  # lower bound of F at the minimum (F at the point is the upper bound)
    basin: np.ndarray  # bool: GD from ``start`` with ``step`` converges to that minimum


def certify_minimum(
    W: ArrayLike,
    V: ArrayLike | None = None,
    *,
    lambda_min: ArrayLike | None = None,
    start: ArrayLike | None = None,
    step: ArrayLike | None = None,
    backend: str = "auto",
) -> Certificate:
    """Prove, point by point, that a strict local minimum of F lies within a small radius.

    Parameters
    ----------
    W : array_like (R, n, d) or (n, d)
        Points near minima, best Newton-polished (the radius scales with the gradient there).
    V : array_like (k, d), optional
        Teacher rows (identity if None).
    lambda_min : array_like (R,), optional
        Smallest Hessian eigenvalues at W, if already computed.
    start : array_like (R, n, d), optional
        GD's points before polishing; with ``step``, :attr:`Certificate.basin` says whether GD
        from there provably converges to the certified minimum (module docstring).
    step : array_like (R,), optional
        GD's step of each point.
    backend : str
        For the Hessian and its eigenvalues.

    Returns
    -------
    Certificate

    Examples
    --------
    The global minimum W = I is a strict local minimum (lambda_min = 1/4 - 1/(2 pi)):

    >>> c = certify_minimum(np.eye(3))
    >>> bool(c.certified[0]), bool(c.radius[0] < 1e-10)
    (True, True)
    """
    W3 = float_array(W, "W", (2, 3))
    W3 = W3[None] if W3.ndim == 2 else W3
    R, n, d = W3.shape
    Vf = None if V is None else _teacher(V, d)
    # the gradient in extended precision: its rounding is then far below eps_g
    G = reference.loss_grad(W3.astype(np.longdouble), None if Vf is None else Vf.astype(np.longdouble))[1]
    assert G is not None
    k = d if Vf is None else Vf.shape[0]
    scale = 1.0 + np.abs(W3).max(axis=(1, 2))
    eps_g = 64 * _EPS * (n + k) * scale  # rounding of the extended evaluation and of float64 pi
    g = np.sqrt(np.einsum("rnd,rnd->r", G, G).astype(np.float64)) + eps_g
    H = get("teacher", "hessian", backend)(np.ascontiguousarray(W3), Vf)
    if lambda_min is None:
        lam = get("linalg", "min_eigenvalues", nearest(backend, "linalg", "min_eigenvalues"))(H)
    else:
        lam = _per_point(lambda_min, "lambda_min", R)
    m = n * d
    eps_lam = 64 * m * _EPS * np.maximum(1.0, np.sqrt(np.einsum("rij,rij->r", H, H)))
    mu0 = lam - eps_lam
    certified = np.zeros(R, dtype=bool)
    radius = np.full(R, np.nan)
    lip = np.full(R, np.nan)
    min_norm = np.linalg.norm(W3, axis=2).min(axis=1)
    for r_ in np.flatnonzero(mu0 > 0):
        r = 2.0 * g[r_] / mu0[r_]
        while r < 0.5 * min_norm[r_]:
            r *= 1.25
            L = float(hessian_lipschitz(W3[r_], Vf, r))
            mu = mu0[r_] - L * r
            if mu <= 0:
                break  # larger balls only lower mu further
            if g[r_] < mu * r / 2:
                certified[r_], radius[r_], lip[r_] = True, r, L
                break
    F = reference.loss_grad(W3, Vf, False)[0]
    basin = np.zeros(R, dtype=bool)
    if start is not None and step is not None:
        S = float_array(start, "start", (2, 3))
        if S.size != W3.size:
            raise ValueError(f"start must have the shape of W {W3.shape}, got {S.shape}")
        S = S.reshape(W3.shape)
        eta = _per_point(step, "step", R)
        diag = np.diagonal(H, axis1=1, axis2=2)
        # Gershgorin, plus the rounding margin: >= the largest eigenvalue of H(W)
        top = (diag + np.abs(H).sum(axis=2) - np.abs(diag)).max(axis=1) + eps_lam
        delta = (S - W3).reshape(R, m)
        rho = np.sqrt(np.einsum("ri,ri->r", delta, delta)) + np.where(certified, radius, np.inf)
        # one float64 step: the gradient's rounding (eps_g and the kernels' own, O(m eps)) times
        # eta, plus the update's rounding of x
        e_step = eta * (eps_g + 64 * m * _EPS * scale) + 4 * _EPS * (
            np.sqrt(np.einsum("rnd,rnd->r", S, S)) + rho
        )
        for r_ in np.flatnonzero(certified & (rho < 0.5 * min_norm)):
            ball = 1.01 * rho[r_]
            for _ in range(2):  # a start at W* itself needs the ball the rounding keeps GD in
                Rb = ball + radius[r_]
                L = float(hessian_lipschitz(W3[r_], Vf, Rb))
                lo, hi = mu0[r_] - L * Rb, top[r_] + L * Rb
                q = max(1.0 - eta[r_] * lo, eta[r_] * hi - 1.0)
                basin[r_] = bool(lo > 0 and q * ball + e_step[r_] <= ball)
                if basin[r_] or not (lo > 0 and q < 1):
                    break
                ball = max(ball, 2 * e_step[r_] / (1 - q))
    return Certificate(
        certified=certified,
        radius=radius,
        grad_norm=g,
        lambda_min=mu0,
        lipschitz=lip,
        F_low=np.where(certified, F - g * radius, np.nan),
        basin=basin,
    )
