"""Exact rational arithmetic for the [1, h, 1] ReLU model: loss, gradient, piece Hessians, linear algebra.

Part of :mod:`relufast.experiments.more_minima` (import names from there).

Every input is turned into a :class:`fractions.Fraction` without rounding (a float is the rational it
stores), so ``exact_loss`` of the printed points gives their loss exactly, with no tolerance.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

Vec = tuple[Fraction, ...]
Mat = list[list[Fraction]]


def to_fraction(t: object, name: str = "value") -> Fraction:
    """``t`` as an exact Fraction (floats exactly as stored); a ValueError for NaN, inf or non-numbers.

    Examples
    --------
    >>> to_fraction(0.5), to_fraction("13/3"), to_fraction(2)
    (Fraction(1, 2), Fraction(13, 3), Fraction(2, 1))
    """
    if isinstance(t, Fraction):
        return t
    if isinstance(t, (bool, np.bool_)):
        raise ValueError(f"{name} must hold numbers, got {t!r}")
    if isinstance(t, str):
        try:
            return Fraction(t)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{name} must hold numbers, got {t!r}") from None
    if isinstance(t, numbers.Integral):
        return Fraction(int(t))
    if isinstance(t, numbers.Real):
        f = float(t)
        if not np.isfinite(f):
            raise ValueError(f"{name} must be finite, got {t!r}")
        return Fraction(f)
    raise ValueError(f"{name} must hold real numbers, got {t!r}")


def to_fractions(v: object, name: str = "values") -> Vec:
    """A 1-D sequence as a tuple of exact Fractions (see :func:`to_fraction`).

    Examples
    --------
    >>> to_fractions(np.array([0.25, 3.0]))
    (Fraction(1, 4), Fraction(3, 1))
    """
    if isinstance(v, np.ndarray):
        if v.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {v.shape}")
        v = v.tolist()
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        raise ValueError(f"{name} must be a sequence of numbers, got {v!r}")
    return tuple(to_fraction(t, name) for t in v)


def check_net(params: object, x: object, y: object) -> tuple[int, Vec, Vec, Vec]:
    """Validate and convert: (h, params, x, y) with len(params) = 3h + 1 and len(x) = len(y) >= 1.

    Examples
    --------
    >>> check_net([1, -3, 1, 0], [3], [0])[0]
    1
    """
    p = to_fractions(params, "params")
    xs, ys = to_fractions(x, "x"), to_fractions(y, "y")
    if len(p) < 4 or (len(p) - 1) % 3:
        raise ValueError(f"params must have length 3h + 1 (h >= 1), got {len(p)}")
    if len(xs) != len(ys) or not xs:
        raise ValueError(f"x and y must have the same length >= 1, got {len(xs)} and {len(ys)}")
    return (len(p) - 1) // 3, p, xs, ys


def split(p: Vec, h: int) -> tuple[Vec, Vec, Vec, Fraction]:
    """``(w, b, v, c)`` of a flat parameter vector in the :mod:`relufast.mlp` layout.

    Examples
    --------
    >>> split(to_fractions([1, 2, 3, 4]), 1)
    ((Fraction(1, 1),), (Fraction(2, 1),), (Fraction(3, 1),), Fraction(4, 1))
    """
    return p[:h], p[h : 2 * h], p[2 * h : 3 * h], p[3 * h]


def pre_activations(p: Vec, x: Vec) -> list[list[Fraction]]:
    """z[i][j] = w_i x_j + b_i, exactly.

    Examples
    --------
    >>> pre_activations(to_fractions([1, -3, 1, 0]), to_fractions([3, 4]))
    [[Fraction(0, 1), Fraction(1, 1)]]
    """
    h = (len(p) - 1) // 3
    w, b, _, _ = split(p, h)
    return [[w[i] * xj + b[i] for xj in x] for i in range(h)]


def outputs(p: Vec, x: Vec) -> Vec:
    """f(x_j) = sum_i v_i relu(z_ij) + c, exactly.

    Examples
    --------
    >>> outputs(to_fractions([1, -3, 1, 0]), to_fractions([1, 5]))
    (Fraction(0, 1), Fraction(2, 1))
    """
    h = (len(p) - 1) // 3
    _, _, v, c = split(p, h)
    z = pre_activations(p, x)
    return tuple(sum((v[i] * max(z[i][j], Fraction(0)) for i in range(h)), c) for j in range(len(x)))


def residuals(p: Vec, x: Vec, y: Vec) -> Vec:
    """r_j = f(x_j) - y_j, exactly.

    Examples
    --------
    >>> residuals(to_fractions([1, -3, 1, 0]), to_fractions([-1, 5]), to_fractions([3, 2]))
    (Fraction(-3, 1), Fraction(0, 1))
    """
    return tuple(fj - yj for fj, yj in zip(outputs(p, x), y))


def exact_loss(params: object, x: object, y: object) -> Fraction:
    """L = sum_j (f(x_j) - y_j)^2 as an exact Fraction.

    Examples
    --------
    >>> exact_loss([1, -3, 1, 0], [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2])  # the five points' RED
    Fraction(18, 1)
    """
    _, p, xs, ys = check_net(params, x, y)
    return sum((r * r for r in residuals(p, xs, ys)), Fraction(0))


def exact_grad(params: object, x: object, y: object, active: Sequence[Sequence[bool]] | None = None) -> Vec:
    """Exact gradient of L on one smooth piece, in the layout (w, b, v, c).

    Parameters
    ----------
    params, x, y
        As in :func:`exact_loss`.
    active : h x n booleans, optional
        Which (unit, point) pairs count as active. Default: z > 0, i.e. relu'(0) = 0 (the
        convention of :func:`relufast.mlp.grad`). Pairs with z != 0 must keep their side.

    Examples
    --------
    >>> exact_grad([1, -3, 1, 0], [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2])  # RED is stationary
    (Fraction(0, 1), Fraction(0, 1), Fraction(0, 1), Fraction(0, 1))
    """
    h, p, xs, ys = check_net(params, x, y)
    w, b, v, c = split(p, h)
    z = pre_activations(p, xs)
    s = _pattern(z, active)
    r = residuals(p, xs, ys)
    n = len(xs)
    gw = [2 * sum((r[j] * v[i] * xs[j] for j in range(n) if s[i][j]), Fraction(0)) for i in range(h)]
    gb = [2 * sum((r[j] * v[i] for j in range(n) if s[i][j]), Fraction(0)) for i in range(h)]
    gv = [2 * sum((r[j] * z[i][j] for j in range(n) if s[i][j]), Fraction(0)) for i in range(h)]
    gc = 2 * sum(r, Fraction(0))
    return tuple(gw + gb + gv + [gc])


def _pattern(z: list[list[Fraction]], active: Sequence[Sequence[bool]] | None) -> list[list[bool]]:
    if active is None:
        return [[zij > 0 for zij in zi] for zi in z]
    s = [[bool(t) for t in row] for row in active]
    if len(s) != len(z) or any(len(a) != len(b) for a, b in zip(s, z)):
        raise ValueError(f"active must be h x n = {len(z)} x {len(z[0])} booleans")
    for i, row in enumerate(z):
        for j, zij in enumerate(row):
            if zij != 0 and s[i][j] != (zij > 0):
                raise ValueError(f"active[{i}][{j}] disagrees with the sign of z = {zij}")
    return s


def piece_hessian(params: object, x: object, y: object, active: Sequence[Sequence[bool]]) -> Mat:
    """Exact Hessian of the smooth piece of L selected by ``active`` (h x n booleans).

    On a piece, f(x_j) = sum_i s_ij v_i (w_i x_j + b_i) + c is a polynomial, so
    H = 2 sum_j (J_j J_j^T + r_j d^2 f_j), with d^2 f_j / dw_i dv_i = s_ij x_j and
    d^2 f_j / db_i dv_i = s_ij. At a kink-free point and relu'(0) = 0 it is
    :func:`relufast.mlp.hessian`.

    Examples
    --------
    >>> H = piece_hessian([1, -3, 1, 0], [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2], [[0, 0, 0, 1, 1]])
    >>> H[3][3], is_psd(H)  # d^2 L / dc^2 = 2 n
    (Fraction(10, 1), True)
    """
    h, p, xs, ys = check_net(params, x, y)
    w, b, v, c = split(p, h)
    z = pre_activations(p, xs)
    s = _pattern(z, active)
    r = residuals(p, xs, ys)
    P = 3 * h + 1
    H = [[Fraction(0)] * P for _ in range(P)]
    for j, xj in enumerate(xs):
        J = [Fraction(0)] * P
        for i in range(h):
            if s[i][j]:
                J[i], J[h + i], J[2 * h + i] = v[i] * xj, v[i], z[i][j]
        J[3 * h] = Fraction(1)
        for a in range(P):
            if J[a]:
                for bb in range(P):
                    H[a][bb] += 2 * J[a] * J[bb]
        for i in range(h):
            if s[i][j] and r[j]:
                H[i][2 * h + i] += 2 * r[j] * xj
                H[2 * h + i][i] += 2 * r[j] * xj
                H[h + i][2 * h + i] += 2 * r[j]
                H[2 * h + i][h + i] += 2 * r[j]
    return H


# --------------------------------------------------------------------------- rational linear algebra


def is_psd(H: Mat) -> bool:
    """Whether a symmetric rational matrix is positive semidefinite, decided exactly.

    Symmetric Gaussian elimination: a negative pivot, or a zero pivot with a nonzero entry in its
    row, means indefinite (the 2 x 2 minor [[0, a], [a, d]] has a negative eigenvalue).

    Examples
    --------
    >>> F = Fraction
    >>> is_psd([[F(1), F(1)], [F(1), F(1)]]), is_psd([[F(0), F(1)], [F(1), F(0)]])
    (True, False)
    """
    A = [list(row) for row in H]
    n = len(A)
    if any(len(row) != n for row in A) or any(A[i][k] != A[k][i] for i in range(n) for k in range(n)):
        raise ValueError("H must be a square symmetric matrix")
    alive = list(range(n))
    while alive:
        k = next((i for i in alive if A[i][i] != 0), None)
        if k is None:
            return all(A[i][m] == 0 for i in alive for m in alive)
        if A[k][k] < 0:
            return False
        alive.remove(k)
        for i in alive:
            f = A[i][k] / A[k][k]
            if f:
                for m in alive:
                    A[i][m] -= f * A[k][m]
    return True


def rref(M: Mat) -> tuple[Mat, list[int]]:
    """Reduced row echelon form of a rational matrix and its pivot columns.

    Examples
    --------
    >>> F = Fraction
    >>> rref([[F(1), F(2)], [F(2), F(4)]])
    ([[Fraction(1, 1), Fraction(2, 1)], [Fraction(0, 1), Fraction(0, 1)]], [0])
    """
    A = [list(row) for row in M]
    rows = len(A)
    cols = len(A[0]) if rows else 0
    piv: list[int] = []
    r = 0
    for col in range(cols):
        k = next((i for i in range(r, rows) if A[i][col] != 0), None)
        if k is None:
            continue
        A[r], A[k] = A[k], A[r]
        pv = A[r][col]
        A[r] = [t / pv for t in A[r]]
        for i in range(rows):
            if i != r and A[i][col] != 0:
                f = A[i][col]
                A[i] = [a - f * bb for a, bb in zip(A[i], A[r])]
        piv.append(col)
        r += 1
        if r == rows:
            break
    return A, piv


def nullspace(M: Mat, ncols: int) -> list[list[Fraction]]:
    """A basis (list of vectors) of {u : M u = 0} for a rational m x ncols matrix (m may be 0).

    Examples
    --------
    >>> nullspace([[Fraction(1), Fraction(2)]], 2)
    [[Fraction(-2, 1), Fraction(1, 1)]]
    """
    if not M:
        return [[Fraction(int(i == k)) for i in range(ncols)] for k in range(ncols)]
    R, piv = rref(M)
    free = [c for c in range(ncols) if c not in piv]
    basis = []
    for fc in free:
        u = [Fraction(0)] * ncols
        u[fc] = Fraction(1)
        for row, pc in enumerate(piv):
            u[pc] = -R[row][fc]
        basis.append(u)
    return basis


def solve(M: Mat, rhs: list[Fraction]) -> list[Fraction] | None:
    """One exact solution of M u = rhs (free variables 0), or None when there is none.

    Examples
    --------
    >>> F = Fraction
    >>> solve([[F(2), F(0)], [F(0), F(0)]], [F(1), F(0)]), solve([[F(0)]], [F(1)])
    ([Fraction(1, 2), Fraction(0, 1)], None)
    """
    n = len(M[0]) if M else 0
    R, piv = rref([list(row) + [rb] for row, rb in zip(M, rhs)])
    if n in piv:
        return None
    u = [Fraction(0)] * n
    for row, pc in enumerate(piv):
        u[pc] = R[row][n]
    return u


def matmul(A: Mat, B: Mat) -> Mat:
    """Exact product of rational matrices.

    Examples
    --------
    >>> matmul([[Fraction(1), Fraction(2)]], [[Fraction(3)], [Fraction(4)]])
    [[Fraction(11, 1)]]
    """
    Bt = list(zip(*B))
    return [[sum((a * b for a, b in zip(row, col)), Fraction(0)) for col in Bt] for row in A]


def transpose(A: Mat) -> Mat:
    """The transpose of a (list of lists) matrix.

    Examples
    --------
    >>> transpose([[1, 2]])
    [[1], [2]]
    """
    return [list(col) for col in zip(*A)]


def constrained_lstsq(A: Mat, y: list[Fraction], C: Mat, u0: list[Fraction]) -> list[Fraction]:
    """Exact minimiser of ||A u - y||^2 subject to C u = 0, the one closest to u0 if there are many.

    Parameters
    ----------
    A : n x m rational matrix
    y : n rationals
    C : k x m rational matrix (k may be 0)
    u0 : m rationals

    Returns
    -------
    list of Fraction (m,)

    Examples
    --------
    >>> F = Fraction
    >>> # fit a constant to 1 and 2 (u = (a, b), only a + b is determined): closest to (0, 0)
    >>> constrained_lstsq([[F(1), F(1)], [F(1), F(1)]], [F(1), F(2)], [], [F(0), F(0)])
    [Fraction(3, 4), Fraction(3, 4)]
    """
    m = len(u0)
    N = nullspace(C, m)  # columns of the feasible subspace, as a list of vectors
    if not N:
        return [Fraction(0)] * m
    Nm = transpose(N)  # m x k
    B = matmul(A, Nm)  # n x k
    Bt = transpose(B)
    M = matmul(Bt, B)
    rhs = [sum((a * yy for a, yy in zip(row, y)), Fraction(0)) for row in Bt]
    tp = solve(M, rhs)
    if tp is None:  # cannot happen: normal equations are consistent
        raise ArithmeticError("normal equations without a solution")
    K = nullspace(M, len(tp))
    if K:
        NK = matmul(Nm, transpose(K))  # m x q, full column rank
        base = [sum((a * t for a, t in zip(row, tp)), Fraction(0)) for row in Nm]
        d = [a - bb for a, bb in zip(u0, base)]
        NKt = transpose(NK)
        s = solve(matmul(NKt, NK), [sum((a * dd for a, dd in zip(row, d)), Fraction(0)) for row in NKt])
        if s is None:
            raise ArithmeticError("closest-point system without a solution")
        tp = [a + sum((kk[i] * s[q] for q, kk in enumerate(K)), Fraction(0)) for i, a in enumerate(tp)]
    return [sum((a * t for a, t in zip(row, tp)), Fraction(0)) for row in Nm]
