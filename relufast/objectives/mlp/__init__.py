r"""Finite-data dense MLPs (ReLU or sigmoid hidden units): loss, gradient, exact Hessian, predictions, kinks.

A network with layer sizes ``sizes = [d_in, h_1, ..., h_L, d_out]`` computes

.. math::

    a_0 = x,\qquad z_l = W_l a_{l-1} + b_l,\qquad a_l = \mathrm{relu}(z_l)\ (l < L+1),
    \qquad f(x) = z_{L+1},

ReLU on every hidden layer (or, with ``activation="sigmoid"``, :math:`a_l = 1 / (1 + e^{-z_l})`)
and a linear output layer. Hidden layers always have biases; the output bias is optional
(``output_bias=False`` drops it, as in the lecture's "blind spot" variant).

Parameter layout
----------------
A parameter vector is flat, layer by layer: each layer's weight matrix ``W_l`` (shape
``(out, in)``, row-major) followed by its bias ``b_l`` (the output layer's bias is left out when
``output_bias=False``). The five-point net ``sizes=[1, 1, 1]`` therefore has exactly the parameters
``(w, b, v, c)``. :func:`num_params`, :func:`unpack` and :func:`pack` convert (:class:`Net` holds the
layout). Every function accepts one parameter vector ``(P,)`` or ``R`` of them ``(R, P)`` (R
networks, each with its own parameters, on the same data); results follow (a float / ``(P,)`` /
``(P, P)`` for one vector, ``(R,)`` / ``(R, P)`` / ``(R, P, P)`` for a batch).

Losses
------
With ``N`` data points, outputs ``f(x_n)`` and targets ``y_n``:

* ``"sse"``: :math:`L = \sum_{n}\sum_k (f_k(x_n) - y_{nk})^2` -- a plain sum of squares (no
  ``1/N``, no ``1/2``), the papers' loss.
* ``"mse"``: :math:`L = \frac1N \sum_{n}\sum_k (f_k(x_n) - y_{nk})^2` -- the mean over data points
  of the squared error summed over outputs (still no ``1/2``).
* ``"ce"``: :math:`L = \frac1N \sum_n \big(\log\sum_k e^{f_k(x_n)} - f_{y_n}(x_n)\big)` -- softmax
  cross-entropy, mean over data points; ``Y`` holds integer class labels in ``[0, d_out)``.

For ``"sse"``/``"mse"``, ``Y`` has shape ``(N, d_out)`` (or ``(N,)`` when ``d_out == 1``); ``X`` has
shape ``(N, d_in)`` (or ``(N,)`` when ``d_in == 1``).

Kinks and the Hessian
---------------------
We take ``relu'(0) = 0``: a unit whose pre-activation is exactly 0 counts as inactive. Away from
such points the loss is piecewise smooth with ``relu'' = 0``, so :func:`hessian` is exact: the
Gauss-Newton part plus the bilinear terms that couple a layer's weights with the backpropagated
residual. A data point where some hidden pre-activation is exactly 0 is a *kink*: there the loss
is not twice differentiable and the returned matrix is the Hessian of the smooth piece selected by
``relu'(0) = 0`` (a one-sided object). Such points are never hidden: :func:`kinks` lists them and
``hessian(..., return_kinks=True)`` returns them alongside the matrix. Sigmoid nets are smooth:
their Hessian adds the ``s''`` terms and is exact everywhere (:func:`kinks` is all False).
"""

from __future__ import annotations

import numpy as np

from ..._kernels import get
from ..._validate import float_array
from . import layout, problem, reference
from .layout import ACTIVATIONS, Net, check_activation, check_sizes, num_params, pack, unpack
from .problem import LOSSES, Problem, check_data, check_loss, check_params, check_X

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "Net",
    "Problem",
    "num_params",
    "unpack",
    "pack",
    "loss",
    "grad",
    "loss_and_grad",
    "hessian",
    "hvp",
    "predict",
    "kinks",
    "check_activation",
    "check_sizes",
    "check_params",
    "check_data",
    "check_loss",
    "check_X",
    "layout",
    "problem",
    "reference",
]

OBJECTIVE = "mlp"


def _prepare(params, X, Y, sizes, loss, output_bias, activation) -> tuple[Problem, np.ndarray, bool]:
    prob = Problem.of(X, Y, sizes, loss, output_bias, activation)
    p2, single = check_params(params, prob.net)
    return prob, p2, single


def loss_and_grad(
    params,
    X,
    Y,
    sizes,
    *,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
    backend: str = "auto",
) -> tuple[float | np.ndarray, np.ndarray]:
    """Loss and gradient at once (one forward and one backward pass); see :func:`loss`."""
    prob, p2, single = _prepare(params, X, Y, sizes, loss, output_bias, activation)
    L, G = get(OBJECTIVE, "loss_grad", backend)(prob, p2, True)
    return (float(L[0]), G[0]) if single else (L, G)


def loss(
    params,
    X,
    Y,
    sizes,
    *,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
    backend: str = "auto",
) -> float | np.ndarray:
    """Training loss of MLP(s) on the data (X, Y).

    Parameters
    ----------
    params : array_like, shape (P,) or (R, P)
        Flat parameters (layout in the module docstring), one row per network.
    X : array_like, shape (N, d_in), or (N,) when d_in = 1
    Y : array_like
        Targets ``(N, d_out)`` (or ``(N,)`` when ``d_out = 1``) for ``"sse"``/``"mse"``; integer
        class labels ``(N,)`` for ``"ce"``.
    sizes : sequence of int
        ``[d_in, h_1, ..., h_L, d_out]``.
    loss : {"sse", "mse", "ce"}
        Sum of squared errors, its mean over data points, or mean softmax cross-entropy.
    output_bias : bool
        Whether the output layer has a bias.
    activation : {"relu", "sigmoid"}
        The hidden units' activation.
    backend : {"auto", "cpu", "numpy"}

    Returns
    -------
    float or ndarray (R,)

    Examples
    --------
    >>> X, Y = [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2]
    >>> loss([1, -3, 1, 0], X, Y, [1, 1, 1])
    18.0
    >>> loss([0, 0, 2, 0], [0.0], [1.0], [1, 1, 1], activation="sigmoid")  # 2 sigmoid(0) = 1
    0.0
    """
    prob, p2, single = _prepare(params, X, Y, sizes, loss, output_bias, activation)
    L = get(OBJECTIVE, "loss_grad", backend)(prob, p2, False)[0]
    return float(L[0]) if single else L


def grad(
    params,
    X,
    Y,
    sizes,
    *,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
    backend: str = "auto",
) -> np.ndarray:
    """Gradient of :func:`loss` with respect to the parameters, shape (P,) or (R, P).

    Uses ``relu'(0) = 0`` (a unit with pre-activation exactly 0 passes no gradient).
    """
    return loss_and_grad(
        params, X, Y, sizes, loss=loss, output_bias=output_bias, activation=activation, backend=backend
    )[1]


def hessian(
    params,
    X,
    Y,
    sizes,
    *,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
    backend: str = "auto",
    return_kinks: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Exact Hessian of :func:`loss`, shape (P, P) or (R, P, P), symmetric.

    Computed as P exact Hessian-vector products (forward-over-reverse differentiation with
    ``relu'' = 0``), then symmetrised. It is the true Hessian wherever no hidden pre-activation is
    exactly 0 on any data point. At a kink (see :func:`kinks`) the loss is not twice
    differentiable; the matrix returned there is that of the smooth piece selected by
    ``relu'(0) = 0``.

    Parameters
    ----------
    params, X, Y, sizes, loss, output_bias, activation, backend
        As in :func:`loss`.
    return_kinks : bool
        Also return the kink mask (the same as :func:`kinks`), so a caller can see where the
        matrix is exact: ``(H, K)`` with ``K`` bool of shape (N,) or (R, N).

    Returns
    -------
    H : ndarray, (P, P) or (R, P, P)
    K : ndarray of bool, (N,) or (R, N)
        Only with ``return_kinks=True``. ``H[r]`` is exact iff ``not K[r].any()``.
    """
    prob, p2, single = _prepare(params, X, Y, sizes, loss, output_bias, activation)
    H = get(OBJECTIVE, "hessian", backend)(prob, p2)
    H = H[0] if single else H
    if not return_kinks:
        return H
    K = get(OBJECTIVE, "kinks")(prob.net, p2, prob.X)  # the fastest kinks kernel, whatever ran H
    return H, (K[0] if single else K)


def hvp(
    params,
    V,
    X,
    Y,
    sizes,
    *,
    loss: str = "sse",
    output_bias: bool = True,
    activation: str = "relu",
) -> np.ndarray:
    """Exact Hessian-vector products (NumPy): ``H(params) @ v`` for each row v of V.

    ``params`` (P,) with V (P,) or (K, P); or params (R, P) with V (R, P) or (R, K, P).
    Same conventions as :func:`hessian` (not symmetrised; exact away from kinks).
    """
    prob, p2, single = _prepare(params, X, Y, sizes, loss, output_bias, activation)
    V = float_array(V, "V", (1, 2, 3))
    R, P = p2.shape
    if V.shape[-1] != P:
        raise ValueError(f"V must have last dimension P = {P}, got shape {V.shape}")
    if single:
        if V.ndim == 3:
            raise ValueError(f"V must be (P,) or (K, P) for a single params vector, got {V.shape}")
        Vk = V.reshape(1, -1, P)
    else:
        if V.ndim == 1 or V.shape[0] != R:
            raise ValueError(f"V must be (R={R}, P) or (R, K, P), got {V.shape}")
        Vk = V if V.ndim == 3 else V[:, None]
    out = reference.hvp(prob, p2, Vk)
    return out.reshape(V.shape)


def predict(
    params, X, sizes, *, output_bias: bool = True, activation: str = "relu", backend: str = "auto"
) -> np.ndarray:
    """Network outputs f(X): (N, d_out) for params (P,), (R, N, d_out) for params (R, P).

    ``backend`` names a registered ``("mlp", "predict")`` kernel; today only the NumPy one is (a
    forward pass is cheap), so "cpu" raises a ValueError that says so.

    Examples
    --------
    >>> predict([1, -3, 1, 0], [2.0, 4.0], [1, 1, 1])[:, 0]   # relu(x - 3)
    array([0., 1.])
    """
    net = Net.of(sizes, output_bias, activation)
    p2, single = check_params(params, net)
    F = get(OBJECTIVE, "predict", backend)(net, p2, check_X(X, net))
    return F[0] if single else F


def kinks(
    params, X, sizes, *, output_bias: bool = True, activation: str = "relu", backend: str = "auto"
) -> np.ndarray:
    """Which data points sit on a ReLU kink: some hidden pre-activation is exactly 0 there.

    Returns a bool array (N,) for params (P,) or (R, N) for params (R, P). Gradients use
    ``relu'(0) = 0``; the Hessian is exact only at parameters with no kink on any point.
    ``backend`` names a registered ``("mlp", "kinks")`` kernel (today only the NumPy one).

    Examples
    --------
    >>> kinks([1, -3, 1, 0], [-1, 1, 3, 4, 5], [1, 1, 1])
    array([False, False,  True, False, False])
    """
    net = Net.of(sizes, output_bias, activation)
    p2, single = check_params(params, net)
    K = get(OBJECTIVE, "kinks", backend)(net, p2, check_X(X, net))
    return K[0] if single else K
