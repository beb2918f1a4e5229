r"""Safran-Shamir population loss of a two-layer ReLU student against a ReLU teacher.

.. math::

    F(W) = \tfrac12\,\mathbb E_{x\sim N(0, I_d)}\Big[\Big(\sum_i \mathrm{relu}(w_i\cdot x)
           - \sum_j \mathrm{relu}(v_j\cdot x)\Big)^2\Big]

in closed form, with :math:`E[\mathrm{relu}(w\cdot x)\,\mathrm{relu}(v\cdot x)] =
|w||v|(\sin t + (\pi - t)\cos t)/2\pi` for the angle :math:`t` between :math:`w` and :math:`v`.
The student ``W`` has shape ``(n, d)`` (one row per neuron) or ``(R, n, d)`` for a batch of R
students; the teacher ``V`` has shape ``(k, d)`` and defaults to the identity :math:`I_d` (k = d).

Numerics: angles come from ``2 atan2(|u - v|, |u + v|)`` of the unit vectors (and, for the identity
teacher, from prefix sums of squares), never from ``arccos`` of a clipped cosine, so gradients stay
accurate as neurons align (t -> 0) or oppose (t -> pi). A neuron with ``w_i = 0`` is *dead*: we take
relu'(0) = 0, so every cross term involving it has zero gradient and Hessian; only the smooth
``|w_i|^2/4`` term remains (gradient ``w_i/2 = 0``, Hessian block ``I/2``).

References
----------
I. Safran and O. Shamir, "Spurious local minima are common in two-layer ReLU neural networks",
ICML 2018.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from ... import lanczos
from ..._kernels import get, nearest, registered, resolve
from ..._validate import float_array
from . import reference, symmetry

__all__ = [
    "loss",
    "grad",
    "hessian",
    "loss_and_grad",
    "hessian_vector",
    "min_eigenvalues",
    "DENSE_MAX",
    "check_students",
    "check_teacher",
    "reference",
    "symmetry",
]

OBJECTIVE = "teacher"


def check_students(W: object, *, finite: bool = True) -> tuple[np.ndarray, bool]:
    """Validate W; return it as (R, n, d) and whether a single (n, d) point was given.

    ``finite=False`` leaves the finiteness check to the kernel (the ``loss_grad`` kernels make it).
    """
    W = float_array(W, "W", (2, 3), finite=finite)
    return (W[None], True) if W.ndim == 2 else (W, False)


def check_teacher(V: object, d: int) -> np.ndarray | None:
    """Validate V (k, d); None stands for the identity teacher (which needs k = d)."""
    if V is None:
        return None
    V = float_array(V, "V", (2,))
    if V.shape[1] != d:
        raise ValueError(f"V must have shape (k, d={d}) to match W, got {V.shape}")
    return V


def _prepare(W: object, V: object, finite: bool = True) -> tuple[np.ndarray, bool, np.ndarray | None]:
    W3, single = check_students(W, finite=finite)
    return W3, single, check_teacher(V, W3.shape[2])


def loss_and_grad(W, V=None, *, backend: str = "auto") -> tuple[float | np.ndarray, np.ndarray]:
    """Loss F and gradient dF/dW of students W (n, d) or (R, n, d); shapes follow W.

    Examples
    --------
    >>> F, G = loss_and_grad(np.eye(3))   # the student equals the identity teacher
    >>> float(F), float(np.abs(G).max())
    (0.0, 0.0)
    """
    # every loss_grad kernel checks that W is finite as it reads it (relufast.backends)
    W3, single, V = _prepare(W, V, finite=False)
    F, G = get(OBJECTIVE, "loss_grad", backend)(W3, V, True)
    return (float(F[0]), G[0]) if single else (F, G)


def loss(W, V=None, *, backend: str = "auto") -> float | np.ndarray:
    """Population loss F(W): a float for W (n, d), an array (R,) for W (R, n, d).

    Parameters
    ----------
    W : array_like, shape (n, d) or (R, n, d)
        Student first-layer weights, one row per neuron (output layer fixed to ones).
    V : array_like, shape (k, d), optional
        Teacher rows; default the identity (k = d).
    backend : {"auto", "cpu", "numpy", "cuda"}

    Returns
    -------
    float or ndarray (R,)

    Examples
    --------
    A student with every neuron dead leaves the teacher's whole output unexplained:

    >>> round(loss(np.zeros((2, 2))), 6)   # 1/2 E[(relu(x_1) + relu(x_2))^2] = 1/2 + 1/(2 pi)
    0.659155
    """
    W3, single, V = _prepare(W, V, finite=False)
    F = get(OBJECTIVE, "loss_grad", backend)(W3, V, False)[0]
    return float(F[0]) if single else F


def grad(W, V=None, *, backend: str = "auto") -> np.ndarray:
    """Gradient dF/dW, same shape as W. Dead neurons (w_i = 0) get gradient 0 (relu'(0) = 0)."""
    return loss_and_grad(W, V, backend=backend)[1]


def hessian(W, V=None, *, backend: str = "auto") -> np.ndarray:
    """Exact Hessian, (n*d, n*d) for W (n, d) or (R, n*d, n*d) for W (R, n, d).

    Rows and columns are neuron-major: index ``i*d + m`` is coordinate m of neuron i.
    """
    W3, single, V = _prepare(W, V)
    H = get(OBJECTIVE, "hessian", backend)(W3, V)
    return H[0] if single else H


def hessian_vector(W, X, V=None, *, backend: str = "auto") -> np.ndarray:
    """Hessian-vector product H(W) X, same shape as W, without forming H (O(n (n + k) d)).

    X has the shape of W: for a batch (R, n, d), each restart's Hessian is applied to its own X_r.

    Examples
    --------
    >>> W = np.array([[1.0, 0.2], [-0.3, 0.9]]); X = np.array([[0.5, -1.0], [2.0, 0.1]])
    >>> bool(np.allclose(hessian_vector(W, X), (hessian(W) @ X.ravel()).reshape(2, 2)))
    True
    """
    W3, single, V = _prepare(W, V)
    X3 = float_array(X, "X", (W3.ndim - 1 if single else W3.ndim,))
    X3 = X3[None] if single else X3
    if X3.shape != W3.shape:
        raise ValueError(f"X must have the shape of W {W3.shape[single:]}, got {X3.shape[single:]}")
    HX = get(OBJECTIVE, "hvp", backend)(W3, X3, V)
    return HX[0] if single else HX


#: Largest n*d for which :func:`min_eigenvalues` builds the dense Hessian when ``method="auto"``
#: (every Table 1 cell of the 2018 paper); above it the Lanczos path on Hessian-vector products.
DENSE_MAX = 600


def min_eigenvalues(
    W, V=None, *, method: str = "auto", tol: float = 1e-10, backend: str = "auto"
) -> float | np.ndarray:
    """Smallest eigenvalue of the exact Hessian at each student in W (n, d) or (R, n, d).

    Parameters
    ----------
    method : {"auto", "dense", "lanczos"}
        "dense" forms H (8 (n d)^2 bytes per student) and solves the full eigenproblem: exact to
        rounding, the oracle of the tests. "lanczos" runs :func:`relufast.lanczos.smallest_eigenpairs`
        on the backend's Hessian operator (:class:`~relufast.objectives.teacher.operator.HessianOperator`
        on the host; 8 n d x 300 bytes of basis per student), to a recomputed residual
        ``|H y - lambda y| <= tol * max(1, |H|)``, so the value is within about
        ``residual^2 / gap`` of an eigenvalue; a backend with its own ``smallest_eigenpairs``
        kernel (CUDA: the whole Lanczos on the device, same rule) runs that instead. "auto" takes
        that kernel where the backend has one (no Hessian leaves the device), else "dense" up to
        n d = :data:`DENSE_MAX` and "lanczos" above.
    tol : float
        Residual tolerance of the Lanczos path.

    Examples
    --------
    >>> W = np.eye(3) + 0.1
    >>> lam_dense = min_eigenvalues(W, method="dense")
    >>> bool(abs(min_eigenvalues(W, method="lanczos") - lam_dense) < 1e-9)
    True
    """
    W3, single, V = _prepare(W, V)
    if method not in ("auto", "dense", "lanczos"):
        raise ValueError(f"method must be 'auto', 'dense' or 'lanczos', got {method!r}")
    R, n, d = W3.shape
    be = resolve(backend, OBJECTIVE, "hessian")
    on_device = be in registered(OBJECTIVE, "smallest_eigenpairs")
    if method == "dense" or (method == "auto" and n * d <= DENSE_MAX and not on_device):
        H = get(OBJECTIVE, "hessian", be)(W3, V)
        lam = get("linalg", "min_eigenvalues", nearest(be, "linalg", "min_eigenvalues"))(H)
    elif on_device:
        res = get(OBJECTIVE, "smallest_eigenpairs", be)(W3, V, tol)
        _require_converged(res, tol)
        lam = res.value
    else:
        op = get(OBJECTIVE, "hessian_operator", backend)(W3, V)

        def matvec(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
            return op(X.reshape(-1, n, d), rows).reshape(len(rows), n * d)

        # the operator's products are small (n x n x d): threaded BLAS loses more than it gains and
        # oversubscribes the cores the OpenMP kernels use (60x slower seen on 2 busy cores)
        with threadpool_limits(1, user_api="blas"):
            res = lanczos.smallest_eigenpairs(matvec, R, n * d, tol=tol)
        _require_converged(res, tol)
        lam = res.value
    return float(lam[0]) if single else lam


def _require_converged(res: lanczos.Smallest, tol: float) -> None:
    """RuntimeError naming the first student whose Lanczos run missed ``tol``."""
    if not res.converged.all():
        bad = np.flatnonzero(~res.converged)
        raise RuntimeError(
            f"Lanczos did not reach tol={tol:g} for {bad.size} student(s) (first: {bad[0]}, "
            f"residual {res.residual[bad[0]]:.2e}); use method='dense' or a larger tol"
        )
