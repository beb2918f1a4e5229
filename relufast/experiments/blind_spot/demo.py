"""Gradient descent from a dead net: what moves (nothing, or only the output bias), for the page too.

Part of :mod:`relufast.experiments.blind_spot` (import names from there).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from ... import mlp
from ..._validate import float_array, positive_float, positive_int
from ..._validate import seed as check_seed
from .dead import dead_params, hidden_preactivations, in_blind_spot, one_live_unit
from .problem import SIZES, X, Y, _inputs, _scalar_sizes, _targets


class _LossOptions(TypedDict):
    """The keywords that this module's loss, gradient and training calls share."""

    loss: str
    output_bias: bool
    backend: str


@dataclass
class BlindSpotDemo:
    """What happens at a dead net (see :func:`demo`)."""

    sizes: tuple
    output_bias: bool
    way: str
    params0: np.ndarray
    grad0: np.ndarray
    first_layer_grad_max: float  # max |dL/d(first-layer params)|: exactly 0
    params_end: np.ndarray
    moved: np.ndarray  # bool (P,): which parameters GD changed
    loss0: float
    loss_end: float
    sum_y2: float
    mean_y: float
    output_bias_end: float | None
    perturbation_max_change: float  # max |L(p + e) - L(p)| over small random e (no output bias: 0)
    better_params: np.ndarray | None
    better_loss: float | None
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    backend: str = ""

    @property
    def first_layer_slice(self) -> slice:
        return slice(0, self.sizes[0] * self.sizes[1] + self.sizes[1])

    def summary(self) -> dict:
        """The headline facts as a flat dict (for a table)."""
        return {
            "output_bias": self.output_bias,
            "first_layer_grad_max": self.first_layer_grad_max,
            "params_moved": int(self.moved.sum()),
            "loss0": self.loss0,
            "loss_end": self.loss_end,
            "sum_y2": self.sum_y2,
            "mean_y": self.mean_y,
            "output_bias_end": self.output_bias_end,
            "better_loss": self.better_loss,
        }


def demo(
    sizes=SIZES,
    *,
    output_bias: bool = False,
    way: str = "weights",
    magnitude: float = 5.0,
    steps: int = 1000,
    lr: float = 0.01,
    x=None,
    y=None,
    seed: int = 0,
    perturbation: float = 1e-3,
    backend: str = "auto",
) -> BlindSpotDemo:
    """Build a dead net, take its gradient, run full-batch GD and record what moved.

    Parameters
    ----------
    sizes : sequence of int, default (1, 3, 1)
    output_bias : bool, default False
    way, magnitude, seed
        Passed to :func:`dead_params`.
    steps : int, default 1000
    lr : float, default 0.01
        GD step on the sum of squares.
    x, y : array_like, optional
        Data (default :data:`X`, :data:`Y`).
    perturbation : float, default 1e-3
        Size of the 64 random perturbations used to probe flatness.
    backend : {"auto", "cpu", "numpy"}

    Returns
    -------
    BlindSpotDemo
    """
    from ... import backend as _backend
    from ... import train

    s = _scalar_sizes(sizes)
    x = _inputs(x, s)
    y = _targets(y, x.shape[0]) if s[-1] == 1 else float_array(y, "Y", (2,))
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    eps = positive_float(perturbation, "perturbation")
    be = _backend.resolve(backend)
    t0 = time.perf_counter()
    kw = _LossOptions(loss="sse", output_bias=output_bias, backend=be)
    p0 = dead_params(s, way=way, magnitude=magnitude, output_bias=output_bias, x=x, seed=seed)
    g0 = np.asarray(mlp.grad(p0, x, y, s, **kw))
    first = slice(0, s[0] * s[1] + s[1])
    res = train.train(p0[None], x, y, list(s), optimizer="gd", lr=lr, steps=steps, seed=seed, **kw)
    p1 = np.asarray(res.params)[0]
    L0 = float(mlp.loss(p0, x, y, s, **kw))
    rng = np.random.default_rng(np.random.SeedSequence([check_seed(seed), 1]))
    E = rng.standard_normal((64, p0.size))
    E *= eps / np.linalg.norm(E, axis=1, keepdims=True)
    Lp = np.asarray(mlp.loss(p0[None] + E, x, y, s, **kw))
    better: tuple[np.ndarray | None, float | None] = (None, None)
    if len(s) == 3 and s[0] == 1 and s[-1] == 1:
        better = one_live_unit(p0, x[:, 0], y, sizes=s, output_bias=output_bias)
    return BlindSpotDemo(
        sizes=s,
        output_bias=bool(output_bias),
        way=way,
        params0=p0,
        grad0=g0,
        first_layer_grad_max=float(np.max(np.abs(g0[first]))),
        params_end=p1,
        moved=p1 != p0,
        loss0=L0,
        loss_end=float(mlp.loss(p1, x, y, s, **kw)),
        sum_y2=float(np.sum(y**2)),
        mean_y=float(np.mean(y)),
        output_bias_end=float(p1[-1]) if output_bias else None,
        perturbation_max_change=float(np.max(np.abs(Lp - L0))),
        better_params=better[0],
        better_loss=better[1],
        config={"steps": steps, "lr": lr, "magnitude": magnitude, "seed": seed, "loss": "sse"},
        wall_time=time.perf_counter() - t0,
        backend=be,
    )


def predict(
    params: ArrayLike, x: ArrayLike, *, sizes: Sequence[int] = SIZES, output_bias: bool = True
) -> np.ndarray:
    """Outputs f(x) of one net with scalar input and output.

    Parameters
    ----------
    params : array_like (P,)
    x : array_like (N,)
    sizes : sequence of int, default (1, 3, 1)
    output_bias : bool, default True

    Returns
    -------
    ndarray (N,)

    Examples
    --------
    >>> p = dead_params(SIZES, way="weights", magnitude=5.0, output_bias=False)
    >>> predict(p, X, output_bias=False).tolist()  # a dead net outputs 0 everywhere
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    s = _scalar_sizes(sizes)
    xs = float_array(x, "x", (1,))
    return np.asarray(mlp.predict(params, xs[:, None], list(s), output_bias=output_bias))[:, 0]


def explore_point(
    params: ArrayLike,
    output_bias: bool = False,
    steps: int = 1000,
    lr: float = 0.01,
    *,
    backend: str = "auto",
) -> dict:
    """Everything the blind-spot page shows about one net (1, 3, 1) on the default data.

    Parameters
    ----------
    params : array_like (P,)
        A net with sizes :data:`SIZES` (e.g. from :func:`dead_params`, then moved by hand).
    output_bias : bool, default False
    steps : int, default 1000
        Full-batch GD steps on the sum of squares (history in about 50 chunks).
    lr : float, default 0.01
    backend : {"auto", "cpu", "numpy"}

    Returns
    -------
    dict
        ``Z`` (N, h): the hidden pre-activations; ``grad`` (P,): the exact gradient;
        ``first_layer_grad_max``: max |dL/d(first-layer weights and biases)|; ``loss0``;
        ``end`` (P,) and ``loss_end`` after GD; ``moved`` (P,) bool: which parameters GD changed;
        ``history`` and ``history_steps``: the loss during GD; ``blind``: whether the point is
        in the blind spot; ``sum_y2`` (sum y^2, the dead net's loss without output bias),
        ``mean_y`` and ``sum_sq_about_mean`` (sum (y - mean y)^2, with one); ``backend``;
        ``seconds``; and, in the blind spot, ``better`` and ``better_loss``
        (:func:`one_live_unit`).

    Examples
    --------
    >>> a = explore_point(dead_params(SIZES, way="weights", magnitude=5.0, output_bias=False),
    ...                   steps=10)
    >>> a["blind"], a["first_layer_grad_max"], bool(a["moved"].any()), a["loss_end"] == a["sum_y2"]
    (True, 0.0, False, True)
    """
    from ... import train

    t0 = time.perf_counter()
    P = float_array(params, "params", (1,))
    steps = positive_int(steps, "steps")
    kw = _LossOptions(loss="sse", output_bias=output_bias, backend=backend)
    h = SIZES[1]
    Z = hidden_preactivations(P, X, SIZES, output_bias=output_bias)[0][0]  # (N, h)
    g = np.asarray(mlp.grad(P, X, Y, SIZES, **kw))
    res = train.train(
        P[None], X, Y, list(SIZES), optimizer="gd", lr=lr, steps=steps, chunk=max(1, steps // 50), **kw
    )
    end = np.asarray(res.params)[0]
    blind = bool(in_blind_spot(P, X, SIZES, output_bias=output_bias))
    out = {
        "Z": Z,
        "grad": g,
        "first_layer_grad_max": float(np.max(np.abs(g[: 2 * h]))),
        "loss0": float(mlp.loss(P, X, Y, SIZES, **kw)),
        "end": end,
        "loss_end": float(res.loss[0]),
        "moved": end != P,
        "history": np.asarray(res.history)[:, 0],
        "history_steps": np.asarray(res.history_steps),
        "blind": blind,
        "backend": res.backend,
        "sum_y2": float(np.sum(Y**2)),
        "mean_y": float(np.mean(Y)),
        "sum_sq_about_mean": float(np.sum((Y - float(np.mean(Y))) ** 2)),
    }
    if blind:
        out["better"], out["better_loss"] = one_live_unit(P, output_bias=output_bias)
    out["seconds"] = time.perf_counter() - t0
    return out
