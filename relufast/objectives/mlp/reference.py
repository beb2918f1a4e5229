"""NumPy reference of the finite-data MLP objective: the formulas every other backend is held to.

Parameters are (R, P) float64 arrays in the layout of :mod:`relufast.objectives.mlp.layout`; data
come validated in a :class:`~relufast.objectives.mlp.problem.Problem`. Hidden units are ReLU
(``relu'(0) = 0``, ``relu'' = 0``: exact away from kinks) or sigmoid (``s = 1 / (1 + e^-z)``,
``s' = s (1 - s)``, ``s'' = s' (1 - 2 s)``), as the net says.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layout import Net, unpack
from .problem import Problem

__all__ = [
    "activate",
    "derivatives",
    "forward",
    "loss_out",
    "backward",
    "loss_grad",
    "hvp",
    "hessian",
    "kinks",
    "predict",
]


def activate(Z: np.ndarray, activation: str) -> np.ndarray:
    """The hidden activation of pre-activations Z: ``max(Z, 0)`` or ``1 / (1 + exp(-Z))``."""
    if activation == "relu":
        return np.maximum(Z, 0.0)
    with np.errstate(over="ignore"):  # exp(-Z) = inf below Z = -709: the sigmoid is then 0
        return 1.0 / (1.0 + np.exp(-Z))


def derivatives(Z: np.ndarray, A: np.ndarray, activation: str) -> tuple[np.ndarray, np.ndarray | None]:
    """First and second derivatives of the activation at Z, given A = activate(Z).

    ReLU: ``(Z > 0, None)`` (relu'(0) = 0, relu'' = 0 away from kinks); sigmoid:
    ``(A (1 - A), A (1 - A) (1 - 2 A))``.
    """
    if activation == "relu":
        return (Z > 0).astype(np.float64), None
    d1 = A * (1.0 - A)
    return d1, d1 * (1.0 - 2.0 * A)


def forward(net: Net, p2: np.ndarray, X: np.ndarray):
    """Layer blocks, pre-activations Z_l (R, N, d_l) of every layer and the layer inputs A_{l-1}.

    X may be (N, d_in) (shared) or (R, N, d_in) (per-restart data, used by mini-batch training).
    """
    layers = unpack(p2, net)
    A, As, Zs = X, [X], []
    for l, (W, b) in enumerate(layers):
        Z = np.matmul(A, np.swapaxes(W, -1, -2))
        if b is not None:
            Z = Z + b[:, None, :]
        Zs.append(Z)
        if l < len(layers) - 1:
            A = activate(Z, net.activation)
            As.append(A)
    return layers, Zs, As


def loss_out(F: np.ndarray, Yf: np.ndarray | None, labels: np.ndarray | None, loss_kind: str):
    """Loss per restart (R,) and dL/dF (R, N, d_out)."""
    N = F.shape[1]
    if loss_kind == "ce":
        assert labels is not None
        m = F.max(axis=-1, keepdims=True)
        e = np.exp(F - m)
        s = e.sum(axis=-1, keepdims=True)
        lse = m[..., 0] + np.log(s[..., 0])
        lab = labels if labels.ndim == 2 else np.broadcast_to(labels, F.shape[:2])
        fy = np.take_along_axis(F, lab[..., None], axis=-1)[..., 0]
        L = np.sum(lse - fy, axis=1) / N
        D = e / s
        np.put_along_axis(D, lab[..., None], np.take_along_axis(D, lab[..., None], -1) - 1.0, -1)
        return L, D / N
    r = F - Yf
    L = np.sum(r * r, axis=(1, 2))
    D = 2.0 * r
    if loss_kind == "mse":
        return L / N, D / N
    return L, D


def backward(layers, Zs, As, D, activation: str = "relu"):
    """Gradient blocks [(gW, gb), ...] from the output gradient D (R, N, d_out)."""
    grads: list[Any] = [None] * len(layers)
    delta = D
    for l in range(len(layers) - 1, -1, -1):
        W, b = layers[l]
        A = As[l]
        gW = np.matmul(np.swapaxes(delta, -1, -2), A)
        gb = None if b is None else delta.sum(axis=1)
        grads[l] = (gW, gb)
        if l > 0:
            delta = np.matmul(delta, W) * derivatives(Zs[l - 1], As[l], activation)[0]
    return grads


def _flat(blocks, R: int, P: int) -> np.ndarray:
    out = np.empty((R, P))
    off = 0
    for gW, gb in blocks:
        n = gW.shape[-1] * gW.shape[-2]
        out[:, off : off + n] = gW.reshape(R, n)
        off += n
        if gb is not None:
            out[:, off : off + gb.shape[-1]] = gb
            off += gb.shape[-1]
    return out


def loss_grad(
    problem: Problem, p2: np.ndarray, want_grad: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Loss (R,) and gradient (R, P) of parameters p2 (R, P).

    ``problem.X`` may hold per-restart data (R, N, d_in) (and ``Y``/``labels`` likewise), as the
    mini-batch trainer passes.
    """
    layers, Zs, As = forward(problem.net, p2, problem.X)
    L, D = loss_out(Zs[-1], problem.Y, problem.labels, problem.loss)
    if not want_grad:
        return L, None
    return L, _flat(backward(layers, Zs, As, D, problem.net.activation), p2.shape[0], p2.shape[1])


def hvp(problem: Problem, p2: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Exact Hessian-vector products H(p) V for directions V (R, K, P): forward-over-reverse.

    The tangent of a_l = s(z_l) is s'(z_l) dz_l; that of the backpropagated delta_l = (delta_{l+1}
    W) s'(z_l) adds (delta_{l+1} W) s''(z_l) dz_l, which vanishes for ReLU (relu'' = 0 away
    from kinks).
    """
    net, X, loss_kind = problem.net, problem.X, problem.loss
    R, K, P = V.shape
    N = X.shape[0]
    layers, Zs, As = forward(net, p2, X)
    F = Zs[-1]
    _, D = loss_out(F, problem.Y, problem.labels, loss_kind)
    dlayers = unpack(V, net)  # W (R, K, out, in), b (R, K, out)
    ders = [derivatives(Z, A, net.activation) for Z, A in zip(Zs[:-1], As[1:], strict=True)]
    d1s = [d1[:, None] for d1, _ in ders]
    d2s = [None if d2 is None else d2[:, None] for _, d2 in ders]
    # forward tangents
    dA = None
    dAs: list[Any] = [None]
    dZs: list[Any] = []
    for l, ((W, _), (dW, db)) in enumerate(zip(layers, dlayers, strict=True)):
        dZ = np.matmul(As[l][:, None] if As[l].ndim == 3 else As[l], np.swapaxes(dW, -1, -2))
        if dA is not None:
            dZ = dZ + np.matmul(dA, np.swapaxes(W, -1, -2)[:, None])
        if db is not None:
            dZ = dZ + db[:, :, None, :]
        dZs.append(dZ)
        if l < len(layers) - 1:
            dA = dZ * d1s[l]
            dAs.append(dA)
    dF = dZ
    if loss_kind == "ce":
        m = F.max(axis=-1, keepdims=True)
        e = np.exp(F - m)
        Pr = (e / e.sum(axis=-1, keepdims=True))[:, None]
        dD = Pr * (dF - np.sum(Pr * dF, axis=-1, keepdims=True)) / N
    else:
        dD = 2.0 * dF
        if loss_kind == "mse":
            dD = dD / N
    # backward tangents
    out = np.empty((R, K, P))
    lay = net.layers
    delta, ddelta = D, dD
    for l in range(len(layers) - 1, -1, -1):
        W, b = layers[l]
        dW, db = dlayers[l]
        w_off, b_off, dout, din = lay[l].w, lay[l].b, lay[l].out, lay[l].inp
        A = As[l][:, None] if As[l].ndim == 3 else As[l]
        g = np.matmul(np.swapaxes(ddelta, -1, -2), A)
        dA_l = dAs[l]
        if dA_l is not None:
            g = g + np.matmul(np.swapaxes(delta, -1, -2)[:, None], dA_l)
        out[:, :, w_off : w_off + dout * din] = g.reshape(R, K, dout * din)
        if b_off is not None:
            out[:, :, b_off : b_off + dout] = ddelta.sum(axis=2)
        if l > 0:
            back = np.matmul(delta, W)  # dL/da_{l-1}
            ddelta = (np.matmul(ddelta, W[:, None]) + np.matmul(delta[:, None], dW)) * d1s[l - 1]
            if d2s[l - 1] is not None:
                ddelta = ddelta + back[:, None] * d2s[l - 1] * dZs[l - 1]
            delta = back * d1s[l - 1][:, 0]
    return out


def hessian(problem: Problem, p2: np.ndarray) -> np.ndarray:
    """Exact Hessians (R, P, P) as P Hessian-vector products, symmetrised."""
    R, P = p2.shape
    N = problem.N
    width = max(problem.net.sizes)
    K = int(max(1, min(P, 4_000_000 // max(1, R * N * width))))
    H = np.empty((R, P, P))
    for k0 in range(0, P, K):
        k1 = min(P, k0 + K)
        V = np.zeros((R, k1 - k0, P))
        V[:, np.arange(k1 - k0), np.arange(k0, k1)] = 1.0
        H[:, k0:k1, :] = hvp(problem, p2, V)
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def kinks(net: Net, p2: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(R, N) bool: data points where some hidden ReLU pre-activation is exactly 0 (sigmoid: none)."""
    if net.activation != "relu":
        return np.zeros((p2.shape[0], X.shape[0]), dtype=bool)
    _, Zs, _ = forward(net, p2, X)
    K = np.zeros(Zs[0].shape[:2], dtype=bool)
    for Z in Zs[:-1]:
        K |= np.any(Z == 0.0, axis=-1)
    return K


def predict(net: Net, p2: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Network outputs (R, N, d_out)."""
    return forward(net, p2, X)[1][-1]
