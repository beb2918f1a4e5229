"""Dead units: which layers are dead on the data, nets built in the blind spot, one unit revived.

Part of :mod:`relufast.experiments.blind_spot` (import names from there).
"""

from __future__ import annotations

import numpy as np

from ... import mlp
from ..._validate import float_array, positive_float
from ..._validate import seed as check_seed
from .problem import SIZES, _inputs, _scalar_sizes, _targets


def hidden_preactivations(params, x, sizes, *, output_bias: bool = True) -> list:
    """Pre-activations of every hidden layer: a list of arrays (R, N, h_l).

    Parameters
    ----------
    params : array_like, (P,) or (R, P)
    x : array_like, (N, d_in) or (N,)
    sizes : sequence of int
    output_bias : bool, default True
    """
    s = _scalar_sizes(sizes)
    p = float_array(params, "params", (1, 2))
    p = p[None] if p.ndim == 1 else p
    x = _inputs(x, s)
    layers = mlp.unpack(p, s, output_bias)
    A, out = np.broadcast_to(x, (p.shape[0], *x.shape)), []
    for W, b in layers[:-1]:
        assert b is not None  # hidden layers always have biases (only the output one may not)
        Z = np.matmul(A, np.swapaxes(W, -1, -2)) + b[:, None, :]
        out.append(Z)
        A = np.maximum(Z, 0.0)
    return out


def dead_layers(params, x, sizes, *, output_bias: bool = True) -> np.ndarray:
    """Which hidden layers are dead: every unit has pre-activation <= 0 on every point.

    Returns a bool array (R, n_hidden_layers), or (n_hidden_layers,) for params (P,).
    """
    Zs = hidden_preactivations(params, x, sizes, output_bias=output_bias)
    D = np.stack([np.all(Z <= 0.0, axis=(1, 2)) for Z in Zs], axis=1)
    return D[0] if np.ndim(params) == 1 else D


def in_blind_spot(params, x, sizes, *, output_bias: bool = True):
    """Whether some hidden layer is dead on all data (so the output is constant): bool or (R,)."""
    D = dead_layers(params, x, sizes, output_bias=output_bias)
    return bool(D.any()) if D.ndim == 1 else D.any(axis=1)


def dead_params(
    sizes=SIZES,
    *,
    way: str = "weights",
    magnitude: float = 5.0,
    output_bias: bool = False,
    x=None,
    seed: int = 0,
) -> np.ndarray:
    """Parameters (P,) of a network whose hidden layers are all dead on the data, with margin.

    Parameters
    ----------
    sizes : sequence of int, default (1, 3, 1)
    way : {"weights", "biases"}
        "weights": first-layer weights -magnitude*(1 + |N(0, 0.1)|) with zero biases (needs
        inputs > 0); "biases": first-layer weights N(0, 1) and biases
        -magnitude*(1 + max_i |W x_i|).
    magnitude : float, default 5.0
    output_bias : bool, default False
    x : array_like, optional
        Data the net must be dead on (default :data:`X`).
    seed : int, default 0

    Returns
    -------
    ndarray (P,)

    Raises
    ------
    ValueError
        If the construction does not leave every unit strictly dead (e.g. inputs <= 0 with
        ``way="weights"``).
    """
    s = _scalar_sizes(sizes)
    x = _inputs(x, s)
    mag = positive_float(magnitude, "magnitude")
    if way not in ("weights", "biases"):
        raise ValueError(f"way must be 'weights' or 'biases', got {way!r}")
    rng = np.random.default_rng(np.random.SeedSequence(check_seed(seed)))
    layers = []
    for l in range(len(s) - 1):
        n_in, n_out = s[l], s[l + 1]
        W = rng.standard_normal((n_out, n_in))
        b = -(0.1 + np.abs(rng.standard_normal(n_out)))
        if l == 0 and way == "weights":
            W = -mag * (1.0 + np.abs(0.1 * rng.standard_normal((n_out, n_in))))
            b = np.zeros(n_out)
        elif l == 0:
            b = -mag * (1.0 + np.max(np.abs(x @ W.T), axis=0))
        if l == len(s) - 2:
            b = rng.standard_normal(n_out) if output_bias else None
        layers.append((W, b))
    p = mlp.pack(layers, output_bias=output_bias)
    Zs = hidden_preactivations(p, x, s, output_bias=output_bias)
    if not all(np.all(Z < 0.0) for Z in Zs):
        raise ValueError(
            f"way={way!r} does not kill every unit on these inputs (with 'weights' every input must "
            "be > 0); choose the other way or a larger magnitude"
        )
    return p


def one_live_unit(
    params, x=None, y=None, *, sizes=SIZES, output_bias: bool = False
) -> tuple[np.ndarray, float]:
    """A better point next to a dead one-hidden-layer net: revive unit 0 and refit the output.

    Unit 0 gets input weight sign(mean x) and bias 0 (active on every point when all inputs
    share a sign), and its output weight (with the output bias, if any) is the least-squares fit;
    the other units stay dead.

    Parameters
    ----------
    params : array_like (P,)
        A dead net (e.g. from :func:`dead_params`) with one hidden layer and d_in = d_out = 1.
    x, y : array_like (N,), optional
    sizes : sequence of int, default (1, 3, 1)
    output_bias : bool, default False

    Returns
    -------
    params : ndarray (P,)
    loss : float
        Its sum of squares (strictly below the dead net's whenever x and y correlate).
    """
    s = _scalar_sizes(sizes)
    if len(s) != 3 or s[0] != 1 or s[-1] != 1:
        raise ValueError(f"one_live_unit needs sizes (1, h, 1), got {list(s)}")
    x = _inputs(x, s)[:, 0]
    y = _targets(y, x.size)
    p = float_array(params, "params", (1,)).copy()
    (W1, b1), (W2, b2) = mlp.unpack(p, s, output_bias)
    assert b1 is not None  # a hidden layer's bias
    W1[0, 0] = 1.0 if x.mean() >= 0 else -1.0
    b1[0] = 0.0
    h = np.maximum(W1[0, 0] * x, 0.0)
    A = np.stack([h, np.ones_like(h)], axis=1) if output_bias else h[:, None]
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    W2[0, :] = 0.0
    W2[0, 0] = coef[0]
    if output_bias:
        assert b2 is not None  # the output bias exists when output_bias
        b2[0] = coef[1]
    return p, float(mlp.loss(p, x, y, s, loss="sse", output_bias=output_bias, backend="numpy"))
