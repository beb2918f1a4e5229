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

from ..._kernels import get
from ..._validate import float_array
from . import reference, symmetry

__all__ = [
    "loss",
    "grad",
    "hessian",
    "loss_and_grad",
    "check_students",
    "check_teacher",
    "reference",
    "symmetry",
]

OBJECTIVE = "teacher"


def check_students(W: object) -> tuple[np.ndarray, bool]:
    """Validate W; return it as (R, n, d) and whether a single (n, d) point was given."""
    W = float_array(W, "W", (2, 3))
    return (W[None], True) if W.ndim == 2 else (W, False)


def check_teacher(V: object, d: int) -> np.ndarray | None:
    """Validate V (k, d); None stands for the identity teacher (which needs k = d)."""
    if V is None:
        return None
    V = float_array(V, "V", (2,))
    if V.shape[1] != d:
        raise ValueError(f"V must have shape (k, d={d}) to match W, got {V.shape}")
    return V


def _prepare(W: object, V: object) -> tuple[np.ndarray, bool, np.ndarray | None]:
    W3, single = check_students(W)
    return W3, single, check_teacher(V, W3.shape[2])


def loss_and_grad(W, V=None, *, backend: str = "auto") -> tuple[float | np.ndarray, np.ndarray]:
    """Loss F and gradient dF/dW of students W (n, d) or (R, n, d); shapes follow W.

    Examples
    --------
    >>> F, G = loss_and_grad(np.eye(3))   # the student equals the identity teacher
    >>> float(F), float(np.abs(G).max())
    (0.0, 0.0)
    """
    W3, single, V = _prepare(W, V)
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
    W3, single, V = _prepare(W, V)
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
