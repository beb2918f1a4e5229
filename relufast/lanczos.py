"""Smallest eigenvalues of many symmetric operators at once, from matrix-vector products alone.

A batched Lanczos iteration with explicit restarts: each step calls
``matvec`` once on all unconverged problems together, so a kernel that is fast on a batch (the C++
or CUDA Hessian-vector products of the teacher objective) is fast here. Nothing of size N x N is
formed; memory is ``batch * basis * N`` doubles, and problems are processed in batches that fit
:data:`MEMORY_BUDGET`. The basis is orthogonalised locally only (no O(basis N) work per step): lost
orthogonality can only duplicate converged Ritz values ("ghosts", Paige), never invent a smaller
one, and the residual below is recomputed from scratch, so it cannot be fooled by it.

The result carries a certified residual: ``residual = |A y - value y|`` recomputed with one more
product after convergence, so (A symmetric) some eigenvalue of A lies within ``residual`` of
``value`` (Weyl), and within ``residual**2 / gap`` of it once the gap to the rest of the spectrum is
known (Kato-Temple). That this eigenvalue is the *smallest* rests on Lanczos converging to the
extremes of the spectrum from a random start (Kaniel-Paige), as for every Krylov eigensolver: it is
what the dense path tests in the suite check, not a proof.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import BadTypeError, check_memory, positive_float, positive_int
from ._validate import seed as check_seed

__all__ = ["Smallest", "smallest_eigenpairs", "MEMORY_BUDGET"]

#: Bytes of Krylov basis held at once; larger batches are split.
MEMORY_BUDGET = 256 * 2**20


class Smallest(NamedTuple):
    """Smallest eigenpairs found by :func:`smallest_eigenpairs` (one row per problem)."""

    value: np.ndarray  # (R,) Ritz value
    vector: np.ndarray  # (R, N) unit Ritz vector
    residual: np.ndarray  # (R,) |A y - value y|, recomputed, so certified up to rounding
    iterations: np.ndarray  # (R,) matrix-vector products spent
    converged: np.ndarray  # (R,) bool: residual <= tol * max(1, |A|_est) within max_restarts


def smallest_eigenpairs(
    matvec: Callable[[np.ndarray, np.ndarray], np.ndarray],
    R: int,
    N: int,
    *,
    tol: float = 1e-10,
    basis: int = 300,
    max_restarts: int = 50,
    seed: int = 0,
) -> Smallest:
    """Smallest eigenpair of each of R symmetric N x N operators applied by ``matvec``.

    Parameters
    ----------
    matvec : callable
        ``matvec(X, rows)``: X (m, N) holds one vector for each of the problems ``rows`` (indices
        into 0..R-1, so the caller can slice its own batch); returns ``A_rows X`` (m, N).
    R, N : int
        Number of problems and their dimension.
    tol : float
        Converged when the recomputed residual is at most ``tol * max(1, |A|_est)``, with
        ``|A|_est`` the largest |Ritz value| seen (otherwise restart from the Ritz vector).
    basis : int
        Krylov vectors kept before an explicit restart from the current Ritz vector.
    max_restarts : int
        Restarts before giving up (the result then holds the best Ritz pair and its residual).
    seed : int
        Seed of the random start vectors (results are deterministic).

    Examples
    --------
    >>> A = np.array([np.diag([3.0, 1.0, 2.0]), np.diag([-1.0, 5.0, 0.5])])
    >>> res = smallest_eigenpairs(lambda X, rows: np.einsum("rab,rb->ra", A[rows], X), 2, 3)
    >>> np.round(res.value, 12).tolist(), bool(res.residual.max() < 1e-12)
    ([1.0, -1.0], True)
    """
    if not callable(matvec):
        raise BadTypeError(f"matvec must be callable as matvec(X, rows), got {matvec!r}")
    R, N, basis = (positive_int(v, name) for v, name in ((R, "R"), (N, "N"), (basis, "basis")))
    max_restarts = positive_int(max_restarts, "max_restarts", minimum=0)
    tol = positive_float(tol, "tol")
    seed = check_seed(seed)
    check_memory(8.0 * 4 * R * N, f"smallest_eigenpairs with R={R} problems of dimension N={N}")
    matvec = _checked(matvec, N)
    m = min(basis, N)
    batch = max(1, MEMORY_BUDGET // (8 * (m + 4) * N))
    rng = np.random.default_rng(seed)
    vector = rng.standard_normal((R, N))
    value, residual = np.full(R, np.nan), np.full(R, np.inf)
    iters = np.zeros(R, dtype=np.int64)
    todo = np.arange(R)
    converged = np.zeros(R, dtype=bool)
    for _ in range(max_restarts + 1):
        if todo.size == 0:
            break
        done = np.zeros(todo.size, dtype=bool)
        for lo in range(0, todo.size, batch):
            rows = todo[lo : lo + batch]
            th, y, spent, scale = _lanczos(matvec, vector[rows], rows, m, tol)
            # the certificate: the residual recomputed with one more product, not the recurrence's
            res = np.linalg.norm(matvec(y, rows) - th[:, None] * y, axis=1)
            value[rows], vector[rows], residual[rows] = th, y, res
            iters[rows] += spent + 1
            done[lo : lo + batch] = res <= tol * scale
        converged[todo[done]] = True
        todo = todo[~done]  # the rest restart from their current Ritz vector
    return Smallest(value, vector, residual, iters, converged)


def _checked(matvec: Callable[[np.ndarray, np.ndarray], np.ndarray], N: int):
    """``matvec`` whose every answer is checked: real, finite and of the shape of its input."""

    def checked(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        Y = matvec(X, rows)
        if not isinstance(Y, np.ndarray) or Y.shape != X.shape:
            got = Y.shape if isinstance(Y, np.ndarray) else type(Y).__name__
            raise ValueError(f"matvec must return an array of the input's shape {X.shape}, got {got}")
        if Y.dtype.kind not in "fiu":
            raise BadTypeError(f"matvec must return real numbers, got dtype {Y.dtype}")
        if not np.all(np.isfinite(Y)):
            raise ValueError("matvec returned NaN or infinity (the operator must be finite)")
        return Y

    return checked


def _lanczos(matvec, v0, rows, m, tol):
    """One Lanczos pass of at most m steps from v0 (B, N); the smallest Ritz pair of each row."""
    B, N = v0.shape
    Q = np.zeros((B, m, N))
    alpha, beta = np.zeros((B, m)), np.zeros((B, m))
    v = v0 / np.linalg.norm(v0, axis=1, keepdims=True)
    v_prev, b_prev = np.zeros_like(v), np.zeros(B)
    live = np.ones(B, dtype=bool)  # rows whose Krylov space is still growing
    steps = np.zeros(B, dtype=np.int64)
    j, next_check = 0, 10
    for j in range(m):
        Q[:, j] = v
        w = np.zeros((B, N))
        w[live] = matvec(v[live], rows[live])
        steps += live
        a = np.einsum("bn,bn->b", w, v)
        w -= a[:, None] * v + b_prev[:, None] * v_prev
        c = np.einsum("bn,bn->b", w, v)  # local reorthogonalisation: keeps alpha accurate
        w -= c[:, None] * v
        alpha[:, j] = a + c
        beta[:, j] = b = np.linalg.norm(w, axis=1)
        scale = np.maximum(1.0, np.abs(alpha[:, : j + 1]).max(axis=1))
        live &= b > 1e-13 * scale  # beta = 0: an invariant subspace, its Ritz values are exact
        if j + 1 == next_check or not np.all(live):
            next_check += max(10, (j + 1) // 8)  # eigh of T costs O(j^3): check less often later
            ok = _ritz(alpha, beta, j + 1, tol)[2]
            if np.all(ok | ~live):
                break
        v_prev, v, b_prev = v, np.where(live[:, None], w / np.where(live, b, 1.0)[:, None], 0.0), b
    k = j + 1
    theta, S, _, scale = _ritz(alpha, beta, k, tol)
    y = np.einsum("bk,bkn->bn", S, Q[:, :k])
    return theta, y / np.linalg.norm(y, axis=1, keepdims=True), steps, scale


def _ritz(alpha, beta, k, tol):
    """Smallest Ritz value, its eigenvector in the Krylov basis, whether it has converged, and the
    largest |Ritz value| (at least 1): the scale of the tolerance, a lower bound on |A|.
    """
    T = np.zeros((alpha.shape[0], k, k))
    idx = np.arange(k)
    T[:, idx, idx] = alpha[:, :k]
    T[:, idx[1:], idx[:-1]] = beta[:, : k - 1]
    lam, U = np.linalg.eigh(T)  # lower triangle
    scale = np.maximum(1.0, np.abs(lam).max(axis=1))
    resid = np.abs(beta[:, k - 1] * U[:, -1, 0])  # |A y - theta y| while the basis is orthogonal
    return lam[:, 0], U[:, :, 0], resid <= tol * scale, scale
