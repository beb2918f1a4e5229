r"""The "blind spot" figure (Swirszcz, Czarnecki, Pascanu 2016, Sec. 3.2; papers.md A2).

If every unit of a hidden layer is dead (pre-activation :math:`\le 0`) on every data point, the
network's output is the same for all inputs, no gradient reaches the layers below, and training
cannot leave: the paper's Lemma 2 / Theorem 1 (i). With an output bias, GD only moves that bias, to
mean(y); without one (the lecture's variant) the dead net outputs 0, L = sum y^2, and nothing moves
at all. Either way one live unit does better, so the blind spot is a local but not a global minimum
(Theorem 1 (ii)).

This module builds such dead networks (:func:`dead_params`), shows that their gradient is exactly 0
and that GD stays put (:func:`demo`), builds the better one-live-unit point (:func:`one_live_unit`),
and measures how likely a random initialisation is to start in the blind spot as a function of the
init mean (:func:`dead_fraction_vs_init_mean`), beside the exact probability for one hidden layer.

Conventions: a unit is dead on a point when its pre-activation is :math:`\le 0` (relufast uses
relu'(0) = 0, so such a unit passes no gradient). Project choices: :data:`PROJECT_CHOICES`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .. import mlp
from .._validate import float_array, positive_float, positive_int
from ..stats import wilson
from .summary import jsonable

__all__ = [
    "X",
    "Y",
    "SIZES",
    "PAPER",
    "PROJECT_CHOICES",
    "data",
    "hidden_preactivations",
    "dead_layers",
    "in_blind_spot",
    "dead_params",
    "one_live_unit",
    "demo",
    "BlindSpotDemo",
    "dead_fraction_vs_init_mean",
    "unit_dead_probability",
    "predict",
    "explore_point",
    "sweep_summary",
]

#: Default data: positive scalar inputs and positive targets (y = 1 + x).
X = np.array([0.2, 0.4, 0.6, 0.8, 1.0])
Y = 1.0 + X
#: Default net: scalar in and out, 3 hidden units (Theorem 1 (ii) needs >= 3 first-layer units).
SIZES = (1, 3, 1)

#: What the paper and the lecture state (papers.md A2), for "paper vs ours".
PAPER = {
    "lemma_2": "a layer dead on every data point makes the output constant; lower layers get 0 gradient",
    "theorem_1_i": "such a point (with an output bias, sum-of-squares loss) is a local minimum",
    "theorem_1_ii": "with >= 3 first-layer units and a 'decent' data set it is not a global minimum",
    "with_output_bias": "training drives the constant output to mean(y)",
    "without_output_bias": "a dead net outputs 0, L = sum y^2 stays constant under small perturbations",
    "ways_in": "very negative first-layer weights (inputs >= 0) or very negative biases",
    "dead_fraction_vs_init_mean": None,  # the paper reports no such curve: this page's own measurement
}

#: Choices that are this project's own.
PROJECT_CHOICES = {
    "data": "x = 0.2, 0.4, ..., 1.0 (positive), y = 1 + x (positive)",
    "net": "sizes (1, 3, 1), relu'(0) = 0; a unit is dead on a point when its pre-activation <= 0",
    "blind_spot": "some hidden layer has every unit dead on every data point",
    "dead_params": (
        "weights: first-layer weights -magnitude*(1 + |N(0, 0.1)|), first-layer biases 0; "
        "biases: first-layer weights N(0, 1), biases -magnitude*(1 + max|W x|); "
        "deeper hidden layers get strictly negative biases (no unit on a kink)"
    ),
    "init_sweep": "train.init_params(scheme='normal'); the swept mean applies to all weights "
    "(which='weight') or all biases (which='bias'); the other mean is 0",
}


def data() -> tuple[np.ndarray, np.ndarray]:
    """Copies of the default inputs (5,) and targets (5,)."""
    return X.copy(), Y.copy()


def _inputs(x, sizes) -> np.ndarray:
    x = X if x is None else float_array(x, "X", (1, 2))
    x = x[:, None] if x.ndim == 1 else x
    if x.shape[1] != sizes[0]:
        raise ValueError(f"X must have shape (N, d_in={sizes[0]}), got {x.shape}")
    return x


def _targets(y, n: int) -> np.ndarray:
    y = Y if y is None else float_array(y, "Y", (1,))
    if y.shape != (n,):
        raise ValueError(f"Y must have shape ({n},) to match X, got {y.shape}")
    return y


def _scalar_sizes(sizes) -> tuple:
    s = mlp.check_sizes(sizes)
    if len(s) < 3:
        raise ValueError(f"sizes must have at least one hidden layer, got {list(s)}")
    return s


# --------------------------------------------------------------------------- dead units


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
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
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


def one_live_unit(params, x=None, y=None, *, sizes=SIZES, output_bias: bool = False):
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
    W1[0, 0] = 1.0 if x.mean() >= 0 else -1.0
    b1[0] = 0.0
    h = np.maximum(W1[0, 0] * x, 0.0)
    A = np.stack([h, np.ones_like(h)], axis=1) if output_bias else h[:, None]
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    W2[0, :] = 0.0
    W2[0, 0] = coef[0]
    if output_bias:
        b2[0] = coef[1]
    return p, float(mlp.loss(p, x, y, s, loss="sse", output_bias=output_bias, backend="numpy"))


# --------------------------------------------------------------------------- GD demo


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
    output_bias_end: Optional[float]
    perturbation_max_change: float  # max |L(p + e) - L(p)| over small random e (no output bias: 0)
    better_params: Optional[np.ndarray]
    better_loss: Optional[float]
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
    from .. import backend as _backend
    from .. import train

    s = _scalar_sizes(sizes)
    x = _inputs(x, s)
    y = _targets(y, x.shape[0]) if s[-1] == 1 else float_array(y, "Y", (2,))
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    eps = positive_float(perturbation, "perturbation")
    be = _backend.resolve(backend)
    t0 = time.perf_counter()
    kw = dict(loss="sse", output_bias=output_bias, backend=be)
    p0 = dead_params(s, way=way, magnitude=magnitude, output_bias=output_bias, x=x, seed=seed)
    g0 = np.asarray(mlp.grad(p0, x, y, s, **kw))
    first = slice(0, s[0] * s[1] + s[1])
    res = train.train(p0[None], x, y, list(s), optimizer="gd", lr=lr, steps=steps, seed=seed, **kw)
    p1 = np.asarray(res.params)[0]
    L0 = float(mlp.loss(p0, x, y, s, **kw))
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    E = rng.standard_normal((64, p0.size))
    E *= eps / np.linalg.norm(E, axis=1, keepdims=True)
    Lp = np.asarray(mlp.loss(p0[None] + E, x, y, s, **kw))
    better = (None, None)
    if len(s) == 3 and s[0] == 1 and s[-1] == 1:
        better = one_live_unit(p0, x[:, 0], y, sizes=s, output_bias=output_bias)
    return BlindSpotDemo(
        sizes=s, output_bias=bool(output_bias), way=way, params0=p0, grad0=g0,
        first_layer_grad_max=float(np.max(np.abs(g0[first]))), params_end=p1, moved=p1 != p0,
        loss0=L0, loss_end=float(mlp.loss(p1, x, y, s, **kw)), sum_y2=float(np.sum(y**2)),
        mean_y=float(np.mean(y)), output_bias_end=float(p1[-1]) if output_bias else None,
        perturbation_max_change=float(np.max(np.abs(Lp - L0))),
        better_params=better[0], better_loss=better[1],
        config={"steps": steps, "lr": lr, "magnitude": magnitude, "seed": seed, "loss": "sse"},
        wall_time=time.perf_counter() - t0, backend=be,
    )


# --------------------------------------------------------------------------- init sweep


def _normal_cdf(t):
    return 0.5 * (1.0 + np.vectorize(math.erf)(np.asarray(t, dtype=float) / math.sqrt(2.0)))


def unit_dead_probability(x, weight_mean, weight_std, bias_mean, bias_std) -> float:
    """Probability that one unit w x + b with scalar input is dead (<= 0) on every x_i.

    w ~ N(weight_mean, weight_std^2) and b ~ N(bias_mean, bias_std^2) independent (std 0 means the
    constant). Since max_i w x_i = w max(x) for w >= 0 and w min(x) for w < 0, the unit is dead iff
    b <= -w max(x) (w >= 0) or b <= -w min(x) (w < 0); the probability is a 1-D integral over w,
    done on a fine grid (or in closed form when both stds are 0).
    """
    x = float_array(x, "x", (1,))
    lo_x, hi_x = float(x.min()), float(x.max())
    mw, sw = float(weight_mean), positive_float(weight_std, "weight_std", allow_zero=True)
    mb, sb = float(bias_mean), positive_float(bias_std, "bias_std", allow_zero=True)

    def dead_given_w(w):
        top = np.where(w >= 0, w * hi_x, w * lo_x)  # max_i w x_i
        if sb == 0:
            return (mb + top <= 0).astype(float)
        return _normal_cdf((-top - mb) / sb)

    if sw == 0:
        return float(dead_given_w(np.array(mw)))
    if sb == 0:
        return _dead_probability_fixed_bias(lo_x, hi_x, mw, sw, mb)
    w = mw + sw * np.linspace(-12.0, 12.0, 48001)
    dens = np.exp(-0.5 * ((w - mw) / sw) ** 2) / (sw * math.sqrt(2 * math.pi))
    f = dens * dead_given_w(w)
    return float(np.clip(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(w)), 0.0, 1.0))


def _w_interval(slope, rhs, side):
    """The w on one side of 0 (side "pos": w >= 0, "neg": w < 0) with w * slope <= rhs."""
    lo, hi = (0.0, math.inf) if side == "pos" else (-math.inf, 0.0)
    if slope > 0:
        hi = min(hi, rhs / slope)
    elif slope < 0:
        lo = max(lo, rhs / slope)
    elif rhs < 0:
        return 0.0, 0.0
    return lo, max(lo, hi)


def _dead_probability_fixed_bias(lo_x, hi_x, mw, sw, mb) -> float:
    """Closed form of :func:`unit_dead_probability` for a constant bias mb (w ~ N(mw, sw^2))."""
    total = 0.0
    for slope, side in ((hi_x, "pos"), (lo_x, "neg")):
        a, b = _w_interval(slope, -mb, side)
        if b > a:
            total += float(_normal_cdf((b - mw) / sw) - _normal_cdf((a - mw) / sw))
    return float(np.clip(total, 0.0, 1.0))


def dead_fraction_vs_init_mean(
    means,
    restarts: int = 10_000,
    *,
    which: str = "weight",
    sizes=SIZES,
    x=None,
    weight_std: float = 1.0,
    bias_std: float = 0.0,
    output_bias: bool = True,
    seed: int = 0,
) -> dict:
    """How often a random init starts in the blind spot, as a function of the init mean.

    Parameters
    ----------
    means : array_like (m,)
        Values of the swept mean.
    restarts : int, default 10_000
        Random inits per mean (drawn with the same ``seed`` for every mean: common random numbers).
    which : {"weight", "bias"}
        Sweep the mean of all weights (biases mean 0) or of all biases (weights mean 0).
    sizes : sequence of int, default (1, 3, 1)
    x : array_like, optional
        Inputs (default :data:`X`, all positive).
    weight_std, bias_std : float, defaults 1.0 and 0.0
        Standard deviations of the normal init (:func:`relufast.train.init_params`,
        ``scheme="normal"``).
    output_bias : bool, default True
    seed : int, default 0

    Returns
    -------
    dict of arrays (m,)
        ``mean``, ``dead`` (count in the blind spot), ``restarts``, ``fraction``, ``lo``, ``hi``
        (Wilson 95 %) and ``exact``: unit_dead_probability ** h for one hidden layer with scalar
        input (NaN otherwise); plus ``seconds`` (float).
    """
    from .. import train

    s = _scalar_sizes(sizes)
    x = _inputs(x, s)
    m = float_array(means, "means", (1,))
    R = positive_int(restarts, "restarts")
    if which not in ("weight", "bias"):
        raise ValueError(f"which must be 'weight' or 'bias', got {which!r}")
    sw = positive_float(weight_std, "weight_std", allow_zero=True)
    sb = positive_float(bias_std, "bias_std", allow_zero=True)
    t0 = time.perf_counter()
    dead = np.zeros(m.size, dtype=np.int64)
    exact = np.full(m.size, np.nan)
    for i, mu in enumerate(m):
        wm, bm = (mu, 0.0) if which == "weight" else (0.0, mu)
        P = train.init_params(
            list(s), R, seed=seed, weight_mean=wm, weight_std=sw, bias_mean=bm, bias_std=sb,
            scheme="normal", output_bias=output_bias,
        )
        dead[i] = int(np.sum(in_blind_spot(P, x, s, output_bias=output_bias)))
        if len(s) == 3 and s[0] == 1:
            exact[i] = unit_dead_probability(x[:, 0], wm, sw, bm, sb) ** s[1]
    lo, hi = wilson(dead, np.full(m.size, R))
    return {
        "mean": m, "dead": dead, "restarts": np.full(m.size, R), "fraction": dead / R,
        "lo": lo, "hi": hi, "exact": exact, "which": which, "seconds": time.perf_counter() - t0,
    }


# --------------------------------------------------------------------------- for the app


def predict(params: ArrayLike, x: ArrayLike, *, sizes: Sequence[int] = SIZES,
            output_bias: bool = True) -> np.ndarray:
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
    xs = np.asarray(x, dtype=np.float64)
    return np.asarray(mlp.predict(np.asarray(params), xs[:, None], list(s), output_bias=output_bias))[:, 0]


def explore_point(params: ArrayLike, output_bias: bool = False, steps: int = 1000, lr: float = 0.01, *,
                  backend: str = "auto") -> dict:
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
    from .. import train

    t0 = time.perf_counter()
    P = np.asarray(params, dtype=np.float64)
    steps = positive_int(steps, "steps")
    kw = dict(loss="sse", output_bias=output_bias, backend=backend)
    h = SIZES[1]
    Z = hidden_preactivations(P, X, SIZES, output_bias=output_bias)[0][0]  # (N, h)
    g = np.asarray(mlp.grad(P, X, Y, SIZES, **kw))
    res = train.train(P[None], X, Y, list(SIZES), optimizer="gd", lr=lr, steps=steps,
                      chunk=max(1, steps // 50), **kw)
    end = np.asarray(res.params)[0]
    blind = bool(in_blind_spot(P, X, SIZES, output_bias=output_bias))
    out = {
        "Z": Z, "grad": g, "first_layer_grad_max": float(np.max(np.abs(g[: 2 * h]))),
        "loss0": float(mlp.loss(P, X, Y, SIZES, **kw)),
        "end": end, "loss_end": float(res.loss[0]), "moved": end != P,
        "history": np.asarray(res.history)[:, 0], "history_steps": np.asarray(res.history_steps),
        "blind": blind, "backend": res.backend,
        "sum_y2": float(np.sum(Y**2)), "mean_y": float(np.mean(Y)),
        "sum_sq_about_mean": float(np.sum((Y - float(np.mean(Y))) ** 2)),
    }
    if blind:
        out["better"], out["better_loss"] = one_live_unit(P, output_bias=output_bias)
    out["seconds"] = time.perf_counter() - t0
    return out


def sweep_summary(lo: float, hi: float, points: int, restarts: int, h: int, weight_std: float,
                  bias_std: float, seed: int,
                  progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Both sweeps (weight mean, bias mean) of :func:`dead_fraction_vs_init_mean` as JSON lists.

    The net is (1, h, 1) on the default inputs :data:`X`; this is ``blind_spot.json`` without its
    ``meta``.

    Parameters
    ----------
    lo, hi : float
        Range of the swept mean.
    points : int
        Means, ``numpy.linspace(lo, hi, points)``.
    restarts : int
        Random inits per mean.
    h : int
        Hidden units.
    weight_std, bias_std : float
    seed : int
    progress : callable(done, total), optional
        Called before each of the two sweeps and once at the end (total 2).

    Returns
    -------
    dict
        ``sweeps``: ``{"weight": ..., "bias": ...}`` (each the dict of
        :func:`dead_fraction_vs_init_mean` as lists, NaN as None) and ``params``.

    Examples
    --------
    >>> r = sweep_summary(-4.0, 2.0, 3, 100, 3, 1.0, 0.0, 0)
    >>> r["sweeps"]["weight"]["mean"]
    [-4.0, -1.0, 2.0]
    >>> round(r["sweeps"]["bias"]["exact"][0], 6)  # bias -4: dead unless some w > 4, Phi(4)^3
    0.999905
    """
    means = np.linspace(lo, hi, points)
    out = {}
    for i, which in enumerate(("weight", "bias")):
        if progress is not None:
            progress(i, 2)
        r = dead_fraction_vs_init_mean(means, restarts, which=which, sizes=(1, h, 1),
                                       weight_std=weight_std, bias_std=bias_std, seed=seed)
        out[which] = jsonable({k: v for k, v in r.items()})
    if progress is not None:
        progress(2, 2)
    return {"sweeps": out, "params": {"lo": lo, "hi": hi, "points": points, "restarts": restarts,
                                      "h": h, "weight_std": weight_std, "bias_std": bias_std,
                                      "seed": seed}}
