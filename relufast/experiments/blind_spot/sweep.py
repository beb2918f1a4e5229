"""How likely a random initialisation starts in the blind spot, sampled and exact.

Part of :mod:`relufast.experiments.blind_spot` (import names from there).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from ..._validate import float_array, positive_float, positive_int
from ...stats import wilson
from ..summary import jsonable
from .dead import in_blind_spot
from .problem import SIZES, _inputs, _scalar_sizes


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
    from ... import train

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
            list(s),
            R,
            seed=seed,
            weight_mean=wm,
            weight_std=sw,
            bias_mean=bm,
            bias_std=sb,
            scheme="normal",
            output_bias=output_bias,
        )
        dead[i] = int(np.sum(in_blind_spot(P, x, s, output_bias=output_bias)))
        if len(s) == 3 and s[0] == 1:
            exact[i] = unit_dead_probability(x[:, 0], wm, sw, bm, sb) ** s[1]
    lo, hi = wilson(dead, np.full(m.size, R))
    return {
        "mean": m,
        "dead": dead,
        "restarts": np.full(m.size, R),
        "fraction": dead / R,
        "lo": lo,
        "hi": hi,
        "exact": exact,
        "which": which,
        "seconds": time.perf_counter() - t0,
    }


def sweep_summary(
    lo: float,
    hi: float,
    points: int,
    restarts: int,
    h: int,
    weight_std: float,
    bias_std: float,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
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
        r = dead_fraction_vs_init_mean(
            means, restarts, which=which, sizes=(1, h, 1), weight_std=weight_std, bias_std=bias_std, seed=seed
        )
        out[which] = jsonable({k: v for k, v in r.items()})
    if progress is not None:
        progress(2, 2)
    return {
        "sweeps": out,
        "params": {
            "lo": lo,
            "hi": hi,
            "points": points,
            "restarts": restarts,
            "h": h,
            "weight_std": weight_std,
            "bias_std": bias_std,
            "seed": seed,
        },
    }
