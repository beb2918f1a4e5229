r"""Finite-data dense ReLU MLPs: loss, gradient, exact Hessian, predictions and kinks.

A network with layer sizes ``sizes = [d_in, h_1, ..., h_L, d_out]`` computes

.. math::

    a_0 = x,\qquad z_l = W_l a_{l-1} + b_l,\qquad a_l = \mathrm{relu}(z_l)\ (l < L+1),
    \qquad f(x) = z_{L+1},

ReLU on every hidden layer and a linear output layer. Hidden layers always have biases; the
output bias is optional (``output_bias=False`` drops it, as in the lecture's "blind spot" variant).

Parameter layout
----------------
A parameter vector is flat, layer by layer: each layer's weight matrix ``W_l`` (shape
``(out, in)``, row-major) followed by its bias ``b_l`` (the output layer's bias is left out when
``output_bias=False``). The five-point net ``sizes=[1, 1, 1]`` therefore has exactly the parameters
``(w, b, v, c)``. :func:`num_params`, :func:`unpack` and :func:`pack` convert. Every function
accepts one parameter vector ``(P,)`` or ``R`` of them ``(R, P)`` (R networks, each with its own
parameters, on the same data); results follow (a float / ``(P,)`` / ``(P, P)`` for one vector,
``(R,)`` / ``(R, P)`` / ``(R, P, P)`` for a batch).

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
``hessian(..., return_kinks=True)`` returns them alongside the matrix.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from . import backend as _backend
from ._validate import float_array

__all__ = [
    "LOSSES",
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
    "check_sizes",
    "check_params",
    "check_data",
]

LOSSES = ("sse", "mse", "ce")
_LOSS_CODE = {"sse": 0, "mse": 1, "ce": 2}


# --------------------------------------------------------------------------- layout


def check_sizes(sizes) -> tuple[int, ...]:
    """Validate layer sizes ``[d_in, h_1, ..., d_out]``: at least 2 integers, each >= 1."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
        raise ValueError(f"sizes must be a sequence of positive integers, got {sizes!r}")
    out = []
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"sizes must contain integers >= 1, got {list(sizes)!r}")
        out.append(int(s))
    if len(out) < 2:
        raise ValueError(f"sizes must have at least 2 entries [d_in, ..., d_out], got {out!r}")
    return tuple(out)


def _layout(sizes: tuple[int, ...], output_bias: bool):
    """Per layer: (weight offset, bias offset or None, out, in); and the total P."""
    off, layers = 0, []
    nl = len(sizes) - 1
    for l in range(nl):
        din, dout = sizes[l], sizes[l + 1]
        w = off
        off += dout * din
        b = None
        if l < nl - 1 or output_bias:
            b = off
            off += dout
        layers.append((w, b, dout, din))
    return layers, off


def num_params(sizes, output_bias: bool = True) -> int:
    """Number of parameters P of the net ``sizes`` (weights and biases of every layer).

    Examples
    --------
    >>> num_params([1, 1, 1])
    4
    >>> num_params([64, 64, 10])
    4810
    """
    return _layout(check_sizes(sizes), bool(output_bias))[1]


def unpack(params, sizes, output_bias: bool = True):
    """Split parameters into ``[(W_1, b_1), ..., (W_L, b_L)]``.

    Parameters
    ----------
    params : ndarray, shape (P,) or (..., P)
    sizes : sequence of int
    output_bias : bool

    Returns
    -------
    list of (W, b)
        ``W`` has shape ``(..., out, in)``, ``b`` shape ``(..., out)``; the output layer's ``b`` is
        None when ``output_bias=False``. These are views of ``params`` when it is a NumPy array.
    """
    sizes = check_sizes(sizes)
    params = np.asarray(params)
    layout, P = _layout(sizes, bool(output_bias))
    if params.ndim < 1 or params.shape[-1] != P:
        raise ValueError(
            f"params must have last dimension P = {P} for sizes {list(sizes)} "
            f"(output_bias={bool(output_bias)}), got shape {params.shape}"
        )
    lead = params.shape[:-1]
    out = []
    for w, b, dout, din in layout:
        W = params[..., w : w + dout * din].reshape(*lead, dout, din)
        B = None if b is None else params[..., b : b + dout]
        out.append((W, B))
    return out


def pack(layers, output_bias: bool = True) -> np.ndarray:
    """Inverse of :func:`unpack`: concatenate ``[(W, b), ...]`` into flat parameters ``(..., P)``.

    The sizes are read from the weight shapes; consecutive layers must chain (``in`` of a layer
    equals ``out`` of the previous). Hidden biases are required; the output layer's bias must be
    given when ``output_bias=True`` and must be None when ``output_bias=False``.
    """
    layers = list(layers)
    if not layers:
        raise ValueError("layers must hold at least one (W, b) pair")
    parts, lead, prev = [], None, None
    for i, pair in enumerate(layers):
        try:
            W, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"layers[{i}] must be a pair (W, b)") from None
        W = np.asarray(W, dtype=np.float64)
        if W.ndim < 2:
            raise ValueError(f"layers[{i}] weight must be (..., out, in), got shape {W.shape}")
        if lead is None:
            lead = W.shape[:-2]
        if W.shape[:-2] != lead:
            raise ValueError(f"layers[{i}] weight has batch shape {W.shape[:-2]}, expected {lead}")
        dout, din = W.shape[-2:]
        if prev is not None and din != prev:
            raise ValueError(f"layers[{i}] weight has {din} inputs, previous layer has {prev} outputs")
        prev = dout
        parts.append(W.reshape(*lead, dout * din))
        last = i == len(layers) - 1
        if b is None:
            if not last or output_bias:
                raise ValueError(f"layers[{i}] bias is None but is required")
            continue
        if last and not output_bias:
            raise ValueError("the output layer's bias must be None when output_bias=False")
        b = np.asarray(b, dtype=np.float64)
        if b.shape != (*lead, dout):
            raise ValueError(f"layers[{i}] bias must have shape {(*lead, dout)}, got {b.shape}")
        parts.append(b)
    return np.concatenate(parts, axis=-1)


# --------------------------------------------------------------------------- validation


def check_params(params, sizes: tuple[int, ...], output_bias: bool) -> tuple[np.ndarray, bool]:
    """Validate params; return them as (R, P) and whether a single (P,) vector was given."""
    P = _layout(sizes, output_bias)[1]
    p = float_array(params, "params", (1, 2))
    if p.shape[-1] != P:
        raise ValueError(
            f"params must have length num_params(sizes) = {P} for sizes {list(sizes)} "
            f"(output_bias={output_bias}), got shape {p.shape}"
        )
    return (p[None], True) if p.ndim == 1 else (p, False)


def _check_loss(loss_kind) -> str:
    if not isinstance(loss_kind, str) or loss_kind not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss_kind!r}")
    return loss_kind


def _check_X(X, sizes) -> np.ndarray:
    d_in = sizes[0]
    X = float_array(X, "X", (1, 2))
    if X.ndim == 1:
        if d_in != 1:
            raise ValueError(f"X must have shape (N, d_in={d_in}), got {X.shape}")
        X = X[:, None]
    elif X.shape[1] != d_in:
        raise ValueError(f"X must have shape (N, d_in={d_in}), got {X.shape}")
    return np.ascontiguousarray(X)


def check_data(X, Y, sizes: tuple[int, ...], loss_kind: str):
    """Validate data; return ``(X (N, d_in), Y (N, d_out) float or None, labels (N,) int64 or None)``.

    ``"ce"`` takes integer labels (returned as ``labels``, ``Y`` None); the others take real
    targets (returned as ``Y``, ``labels`` None).
    """
    X = _check_X(X, sizes)
    N, d_out = X.shape[0], sizes[-1]
    if loss_kind == "ce":
        if d_out < 2:
            raise ValueError(f"loss='ce' needs d_out >= 2 classes, got sizes {list(sizes)}")
        lab = np.asarray(Y)
        if lab.ndim != 1 or lab.shape[0] != N:
            raise ValueError(f"Y must hold N = {N} integer class labels, shape (N,), got {lab.shape}")
        if lab.dtype.kind == "b" or lab.dtype.kind not in "iuf":
            raise ValueError(f"Y must hold integer class labels for loss='ce', got dtype {lab.dtype}")
        if lab.dtype.kind == "f" and not (np.all(np.isfinite(lab)) and np.all(lab == np.round(lab))):
            raise ValueError("Y must hold integer class labels for loss='ce'")
        labels = lab.astype(np.int64)
        if labels.min() < 0 or labels.max() >= d_out:
            raise ValueError(f"Y labels must lie in [0, d_out={d_out}), got [{labels.min()}, {labels.max()}]")
        return X, None, np.ascontiguousarray(labels)
    Yf = float_array(Y, "Y", (1, 2))
    if Yf.ndim == 1:
        if d_out != 1:
            raise ValueError(f"Y must have shape (N, d_out={d_out}), got {Yf.shape}")
        Yf = Yf[:, None]
    if Yf.shape != (N, d_out):
        raise ValueError(f"Y must have shape (N={N}, d_out={d_out}) to match X, got {Yf.shape}")
    return X, np.ascontiguousarray(Yf), None


def _resolve(backend: str) -> str:
    """backend.resolve, but "auto" falls back to NumPy on a C++ core built without the MLP kernels."""
    be = _backend.resolve(backend)
    if be == "cpu" and not hasattr(_backend.core(), "mlp_eval"):
        if backend == "auto":
            return "numpy"
        raise RuntimeError("backend='cpu': this build of relufast._core has no MLP kernels; rebuild it")
    return be


def _prepare(params, X, Y, sizes, loss_kind, output_bias, backend):
    sizes = check_sizes(sizes)
    output_bias = bool(output_bias)
    loss_kind = _check_loss(loss_kind)
    p2, single = check_params(params, sizes, output_bias)
    X, Yf, labels = check_data(X, Y, sizes, loss_kind)
    be = _resolve(backend)
    return sizes, output_bias, loss_kind, p2, single, X, Yf, labels, be


# --------------------------------------------------------------------------- NumPy reference


def _forward(p2, X, sizes, output_bias):
    """Pre-activations Z_l (R, N, d_l) of every layer and the layer inputs A_{l-1}.

    X may be (N, d_in) (shared) or (R, N, d_in) (per-restart data, used by mini-batch training).
    """
    layers = unpack(p2, sizes, output_bias)
    A, As, Zs = X, [X], []
    for l, (W, b) in enumerate(layers):
        Z = np.matmul(A, np.swapaxes(W, -1, -2))
        if b is not None:
            Z = Z + b[:, None, :]
        Zs.append(Z)
        if l < len(layers) - 1:
            A = np.maximum(Z, 0.0)
            As.append(A)
    return layers, Zs, As


def _loss_out(F, Yf, labels, loss_kind):
    """Loss per restart (R,) and dL/dF (R, N, d_out)."""
    N = F.shape[1]
    if loss_kind == "ce":
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


def _backward(layers, Zs, As, D):
    """Gradient blocks [(gW, gb), ...] from the output gradient D (R, N, d_out)."""
    grads = [None] * len(layers)
    delta = D
    for l in range(len(layers) - 1, -1, -1):
        W, b = layers[l]
        A = As[l]
        gW = np.matmul(np.swapaxes(delta, -1, -2), A)
        gb = None if b is None else delta.sum(axis=1)
        grads[l] = (gW, gb)
        if l > 0:
            delta = np.matmul(delta, W) * (Zs[l - 1] > 0)
    return grads


def _flat(blocks, R, P):
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


def _np_loss_grad(p2, X, Yf, labels, sizes, loss_kind, output_bias, want_grad=True):
    layers, Zs, As = _forward(p2, X, sizes, output_bias)
    L, D = _loss_out(Zs[-1], Yf, labels, loss_kind)
    if not want_grad:
        return L, None
    return L, _flat(_backward(layers, Zs, As, D), p2.shape[0], p2.shape[1])


def _np_hvp(p2, V, X, Yf, labels, sizes, loss_kind, output_bias):
    """Exact Hessian-vector products H(p) V for directions V (R, K, P): forward-over-reverse.

    relu'' = 0 away from kinks, so the tangent of a_l = relu(z_l) is relu'(z_l) dz_l and the
    tangent of the backpropagated mask is 0.
    """
    R, K, P = V.shape
    N = X.shape[0]
    layers, Zs, As = _forward(p2, X, sizes, output_bias)
    F = Zs[-1]
    _, D = _loss_out(F, Yf, labels, loss_kind)
    dlayers = unpack(V, sizes, output_bias)  # W (R, K, out, in), b (R, K, out)
    masks = [(Z > 0)[:, None] for Z in Zs[:-1]]
    # forward tangents
    dA = None
    dAs = [None]
    for l, ((W, b), (dW, db)) in enumerate(zip(layers, dlayers)):
        dZ = np.matmul(As[l][:, None] if As[l].ndim == 3 else As[l], np.swapaxes(dW, -1, -2))
        if dA is not None:
            dZ = dZ + np.matmul(dA, np.swapaxes(W, -1, -2)[:, None])
        if db is not None:
            dZ = dZ + db[:, :, None, :]
        if l < len(layers) - 1:
            dA = dZ * masks[l]
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
    lay, _ = _layout(sizes, output_bias)
    delta, ddelta = D, dD
    for l in range(len(layers) - 1, -1, -1):
        W, b = layers[l]
        dW, db = dlayers[l]
        w_off, b_off, dout, din = lay[l]
        A = As[l][:, None] if As[l].ndim == 3 else As[l]
        g = np.matmul(np.swapaxes(ddelta, -1, -2), A)
        if dAs[l] is not None:
            g = g + np.matmul(np.swapaxes(delta, -1, -2)[:, None], dAs[l])
        out[:, :, w_off : w_off + dout * din] = g.reshape(R, K, dout * din)
        if b_off is not None:
            out[:, :, b_off : b_off + dout] = ddelta.sum(axis=2)
        if l > 0:
            ddelta = (np.matmul(ddelta, W[:, None]) + np.matmul(delta[:, None], dW)) * masks[l - 1]
            delta = np.matmul(delta, W) * (Zs[l - 1] > 0)
    return out


def _np_hessian(p2, X, Yf, labels, sizes, loss_kind, output_bias):
    R, P = p2.shape
    N = X.shape[0]
    width = max(sizes)
    K = int(max(1, min(P, 4_000_000 // max(1, R * N * width))))
    H = np.empty((R, P, P))
    for k0 in range(0, P, K):
        k1 = min(P, k0 + K)
        V = np.zeros((R, k1 - k0, P))
        V[:, np.arange(k1 - k0), np.arange(k0, k1)] = 1.0
        H[:, k0:k1, :] = _np_hvp(p2, V, X, Yf, labels, sizes, loss_kind, output_bias)
    return 0.5 * (H + np.swapaxes(H, -1, -2))


def _np_kinks(p2, X, sizes, output_bias):
    _, Zs, _ = _forward(p2, X, sizes, output_bias)
    K = np.zeros(Zs[0].shape[:2], dtype=bool)
    for Z in Zs[:-1]:
        K |= np.any(Z == 0.0, axis=-1)
    return K


# --------------------------------------------------------------------------- public API


def loss_and_grad(params, X, Y, sizes, *, loss: str = "sse", output_bias: bool = True,
                  backend: str = "auto"):
    """Loss and gradient at once (one forward and one backward pass); see :func:`loss`."""
    sizes, ob, lk, p2, single, X, Yf, labels, be = _prepare(params, X, Y, sizes, loss, output_bias, backend)
    if be == "cpu":
        L, G = _backend.core().mlp_eval(p2, X, Yf, labels, list(sizes), _LOSS_CODE[lk], ob, True)
    else:
        L, G = _np_loss_grad(p2, X, Yf, labels, sizes, lk, ob)
    return (float(L[0]), G[0]) if single else (L, G)


def loss(params, X, Y, sizes, *, loss: str = "sse", output_bias: bool = True, backend: str = "auto"):
    """Training loss of ReLU MLP(s) on the data (X, Y).

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
    backend : {"auto", "cpu", "numpy"}

    Returns
    -------
    float or ndarray (R,)

    Examples
    --------
    >>> X, Y = [-1, 1, 3, 4, 5], [3, -3, 0, 1, 2]
    >>> loss([1, -3, 1, 0], X, Y, [1, 1, 1])
    18.0
    """
    sizes, ob, lk, p2, single, X, Yf, labels, be = _prepare(params, X, Y, sizes, loss, output_bias, backend)
    if be == "cpu":
        L = _backend.core().mlp_eval(p2, X, Yf, labels, list(sizes), _LOSS_CODE[lk], ob, False)[0]
    else:
        L = _np_loss_grad(p2, X, Yf, labels, sizes, lk, ob, want_grad=False)[0]
    return float(L[0]) if single else L


def grad(params, X, Y, sizes, *, loss: str = "sse", output_bias: bool = True, backend: str = "auto"):
    """Gradient of :func:`loss` with respect to the parameters, shape (P,) or (R, P).

    Uses ``relu'(0) = 0`` (a unit with pre-activation exactly 0 passes no gradient).
    """
    return loss_and_grad(params, X, Y, sizes, loss=loss, output_bias=output_bias, backend=backend)[1]


def hessian(params, X, Y, sizes, *, loss: str = "sse", output_bias: bool = True,
            backend: str = "auto", return_kinks: bool = False):
    """Exact Hessian of :func:`loss`, shape (P, P) or (R, P, P), symmetric.

    Computed as P exact Hessian-vector products (forward-over-reverse differentiation with
    ``relu'' = 0``), then symmetrised. It is the true Hessian wherever no hidden pre-activation is
    exactly 0 on any data point. At a kink (see :func:`kinks`) the loss is not twice
    differentiable; the matrix returned there is that of the smooth piece selected by
    ``relu'(0) = 0``.

    Parameters
    ----------
    params, X, Y, sizes, loss, output_bias, backend
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
    sizes, ob, lk, p2, single, X, Yf, labels, be = _prepare(params, X, Y, sizes, loss, output_bias, backend)
    if be == "cpu":
        H = _backend.core().mlp_hessian(p2, X, Yf, labels, list(sizes), _LOSS_CODE[lk], ob)
    else:
        H = _np_hessian(p2, X, Yf, labels, sizes, lk, ob)
    H = H[0] if single else H
    if not return_kinks:
        return H
    K = _np_kinks(p2, X, sizes, ob)
    return H, (K[0] if single else K)


def hvp(params, V, X, Y, sizes, *, loss: str = "sse", output_bias: bool = True):
    """Exact Hessian-vector products (NumPy): ``H(params) @ v`` for each row v of V.

    ``params`` (P,) with V (P,) or (K, P); or params (R, P) with V (R, P) or (R, K, P).
    Same conventions as :func:`hessian` (not symmetrised; exact away from kinks).
    """
    sizes = check_sizes(sizes)
    ob = bool(output_bias)
    lk = _check_loss(loss)
    p2, single = check_params(params, sizes, ob)
    X, Yf, labels = check_data(X, Y, sizes, lk)
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
    out = _np_hvp(p2, Vk, X, Yf, labels, sizes, lk, ob)
    return out.reshape(V.shape)


def predict(params, X, sizes, *, output_bias: bool = True, backend: str = "auto"):
    """Network outputs f(X): (N, d_out) for params (P,), (R, N, d_out) for params (R, P)."""
    sizes = check_sizes(sizes)
    ob = bool(output_bias)
    p2, single = check_params(params, sizes, ob)
    X = _check_X(X, sizes)
    _backend.resolve(backend)  # validates the name; the forward pass is cheap in NumPy
    F = _forward(p2, X, sizes, ob)[1][-1]
    return F[0] if single else F


def kinks(params, X, sizes, *, output_bias: bool = True, backend: str = "auto"):
    """Which data points sit on a ReLU kink: some hidden pre-activation is exactly 0 there.

    Returns a bool array (N,) for params (P,) or (R, N) for params (R, P). Gradients use
    ``relu'(0) = 0``; the Hessian is exact only at parameters with no kink on any point.

    Examples
    --------
    >>> kinks([1, -3, 1, 0], [-1, 1, 3, 4, 5], [1, 1, 1])
    array([False, False,  True, False, False])
    """
    sizes = check_sizes(sizes)
    ob = bool(output_bias)
    p2, single = check_params(params, sizes, ob)
    X = _check_X(X, sizes)
    _backend.resolve(backend)
    K = _np_kinks(p2, X, sizes, ob)
    return K[0] if single else K
