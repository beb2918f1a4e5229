r"""The paper's Table 1 (Swirszcz, Czarnecki & Pascanu 2016; papers.md A4): how often a 2-h-1 net
reaches 0 training error on XOR and on the "jellyfish" data.

A net ``[2, h, 1]`` (h = 2..7 hidden units, ReLU or sigmoid, linear output with bias) is trained
from random starts by full-batch GD or Adam on four points with labels 0 / 1; a run *converges*
when, at the end, every point is on its side of 1/2 (0 training error). Neither data set is
linearly separable, so a net whose outputs are (close to) affine on the data cannot converge.

The paper gives neither the run count nor the learning rates, step counts or initialisation. The
project's choices (:data:`PROJECT_CHOICES`, :data:`DEFAULTS`) are ordinary ones, fixed before
comparing with the paper, and :func:`sensitivity` shows how the fractions move with them:

* loss: the mean squared error against the 0 / 1 labels (``loss="mse"``);
* initialisation: weights N(0, 2 / (fan_in + fan_out)) (Glorot), biases N(0, 0.1^2) (zero biases
  would put the XOR point (0, 0) exactly on every ReLU kink); the same draws for every
  (data, activation, optimiser) of one h, so the cells of a row are compared on equal starts;
* GD with lr 0.1, Adam with lr 0.01 (b1 0.9, b2 0.999), 100,000 steps each;
* a run whose parameters overflow (GD with a large step) is counted as *diverged*: not converged.

Examples
--------
>>> r = cell("xor", "relu", "adam", 4, runs=64, steps=2000)
>>> r.runs, 0 < r.converged < 64, r.diverged
(64, True, 0)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import mlp, stats
from .._seeding import block_normals
from .._validate import positive_float, positive_int
from ..objectives.mlp import check_activation
from .summary import jsonable

__all__ = [
    "DATASETS",
    "ACTIVATIONS",
    "OPTIMIZERS",
    "WIDTHS",
    "PAPER",
    "PROJECT_CHOICES",
    "DEFAULTS",
    "dataset",
    "sizes_for",
    "initial_params",
    "classify",
    "affine_residual",
    "Cell",
    "cell",
    "table",
    "sensitivity",
    "examples",
    "decision_grid",
    "text_table",
    "work",
]

#: The four training points of each data set and their 0 / 1 labels.
DATASETS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "xor": (np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0, 1.0, 0.0])),
    # positive (1, 0) and (0.2, 0.6), negative (0, 1) and (0.6, 0.2)
    "jellyfish": (
        np.array([[1.0, 0.0], [0.2, 0.6], [0.0, 1.0], [0.6, 0.2]]),
        np.array([1.0, 1.0, 0.0, 0.0]),
    ),
}
ACTIVATIONS = ("relu", "sigmoid")
OPTIMIZERS = ("adam", "gd")
WIDTHS = (2, 3, 4, 5, 6, 7)

#: The paper's Table 1: fraction of runs reaching 0 training error, for h = 2..7.
PAPER: dict[tuple[str, str, str], tuple[float, ...]] = {
    ("xor", "relu", "adam"): (0.28, 0.52, 0.68, 0.81, 0.91, 0.97),
    ("xor", "sigmoid", "adam"): (0.79, 0.98, 1.00, 1.00, 1.00, 1.00),
    ("jellyfish", "relu", "adam"): (0.07, 0.34, 0.50, 0.51, 0.61, 0.69),
    ("jellyfish", "sigmoid", "adam"): (0.00, 0.00, 0.02, 0.27, 0.17, 0.58),
    ("xor", "relu", "gd"): (0.23, 0.47, 0.70, 0.80, 0.89, 0.89),
    ("xor", "sigmoid", "gd"): (0.90, 1.00, 1.00, 1.00, 1.00, 1.00),
    ("jellyfish", "relu", "gd"): (0.16, 0.33, 0.66, 0.68, 0.69, 0.86),
    ("jellyfish", "sigmoid", "gd"): (0.62, 1.00, 1.00, 1.00, 1.00, 1.00),
}

#: The project's choices where the paper is silent.
PROJECT_CHOICES = {
    "net": "[2, h, 1]: h hidden units (ReLU or sigmoid), a linear output with bias",
    "loss": "mean squared error against the labels 0 / 1; converged = every point on its side of 1/2",
    "init": "weights N(0, 2 / (fan_in + fan_out)), biases N(0, 0.1^2); the same draws in every cell of one h",
    "gd": "full batch, lr 0.1",
    "adam": "full batch, lr 0.01, b1 0.9, b2 0.999, eps 1e-8",
    "steps": "100,000 per run",
    "diverged": "parameters or outputs not finite at the end: counted, and not converged",
    "paper": "run count, learning rates, step counts and initialisation not given",
}

#: Defaults of :func:`cell` and :func:`table`.
DEFAULTS: dict[str, Any] = {
    "runs": 2000,
    "steps": 100_000,
    "lr": {"gd": 0.1, "adam": 0.01},
    "seed": 0,
    "bias_std": 0.1,
}


def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Copies of ``(X (4, 2), y (4,))`` of a data set of :data:`DATASETS` by name."""
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"data must be one of {sorted(DATASETS)}, got {name!r}")
    X, y = DATASETS[name]
    return X.copy(), y.copy()


def sizes_for(h: int) -> list[int]:
    """Layer sizes ``[2, h, 1]``."""
    return [2, positive_int(h, "h"), 1]


def _check_name(value: object, allowed: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{what} must be one of {tuple(allowed)}, got {value!r}")
    return value


def initial_params(h: int, runs: int, seed: int = 0, bias_std: float = DEFAULTS["bias_std"]) -> np.ndarray:
    """Starting points (runs, 4h + 1) of :data:`PROJECT_CHOICES` ``init``.

    Run i depends on (seed, h, i) only: any ``runs`` gives the same first rows, and every cell of
    one h starts from the same draws.

    Examples
    --------
    >>> p = initial_params(3, 5)
    >>> p.shape, bool(np.array_equal(initial_params(3, 2), p[:2]))
    ((5, 13), True)
    """
    sizes = sizes_for(h)
    runs = positive_int(runs, "runs")
    bias_std = float(bias_std)
    if not np.isfinite(bias_std) or bias_std < 0:
        raise ValueError(f"bias_std must be a finite number >= 0, got {bias_std!r}")
    net = mlp.Net.of(sizes)
    std = np.empty(net.P)
    for layer in net.layers:
        std[layer.w : layer.w + layer.out * layer.inp] = np.sqrt(2.0 / (layer.out + layer.inp))
        if layer.b is not None:
            std[layer.b : layer.b + layer.out] = bias_std
    Z = block_normals(seed, runs, (net.P,))
    Z *= std
    return Z


def classify(params: np.ndarray, data: str, h: int, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """Per run: converged (0 training error) and diverged (non-finite parameters or outputs).

    Examples
    --------
    XOR exactly: f = relu(x1 - x2) + relu(x2 - x1).

    >>> p = np.array([1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    >>> classify(p[None], "xor", 2, "relu")
    (array([ True]), array([False]))
    """
    X, y = dataset(data)
    sizes = sizes_for(h)
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    ok = np.all(np.isfinite(p), axis=1)
    F = np.full((p.shape[0], X.shape[0]), np.nan)
    if ok.any():
        with np.errstate(over="ignore", invalid="ignore"):
            F[ok] = mlp.predict(p[ok], X, sizes, activation=check_activation(activation))[..., 0]
    diverged = ~np.all(np.isfinite(F), axis=1)
    converged = ~diverged & np.all((F > 0.5) == (y > 0.5), axis=1)
    return converged, diverged


def affine_residual(params: np.ndarray, data: str, h: int, activation: str) -> np.ndarray:
    """How far each net's outputs on the 4 points are from an affine function of x, in [0, 1].

    The least-squares residual of fitting ``f(x_n) ~ a . x_n + c`` (3 coefficients, 4 points),
    relative to the spread of f around its mean: 0 when the net is affine on the data (it then
    cannot separate them: neither data set is linearly separable), NaN for a constant or diverged
    net. The paper says stuck nets "behave almost linearly near the data"; this measures it.

    Examples
    --------
    >>> p = np.array([1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0])  # the exact XOR fit
    >>> affine_residual(p[None], "xor", 2, "relu").round(6)
    array([1.])
    """
    X, _ = dataset(data)
    p = np.atleast_2d(np.asarray(params, dtype=np.float64))
    if p.shape[0] == 0:
        return np.empty(0)
    with np.errstate(over="ignore", invalid="ignore"):
        F = mlp.predict(np.where(np.isfinite(p), p, 0.0), X, sizes_for(h), activation=activation)[..., 0]
    A = np.column_stack([X, np.ones(len(X))])
    Q, _ = np.linalg.qr(A)
    Fc = F - F.mean(axis=1, keepdims=True)
    resid = F - (F @ Q) @ Q.T
    spread = np.linalg.norm(Fc, axis=1)
    out = np.full(p.shape[0], np.nan)
    live = np.all(np.isfinite(p), axis=1) & (spread > 1e-12 * (1 + np.abs(F).max(axis=1)))
    out[live] = np.linalg.norm(resid[live], axis=1) / spread[live]
    return out


@dataclass
class Cell:
    """One cell of Table 1: ``runs`` nets of one (data, activation, optimiser, h)."""

    data: str
    activation: str
    optimizer: str
    h: int
    runs: int
    converged: int
    diverged: int
    lr: float
    steps: int
    seconds: float
    final_loss: np.ndarray = field(repr=False)
    converged_mask: np.ndarray = field(repr=False)
    params: np.ndarray = field(repr=False)

    @property
    def fraction(self) -> float:
        return self.converged / self.runs

    def summary(self) -> dict:
        """The cell as a flat row (counts, fraction, 95 % Wilson interval, the paper's value)."""
        lo, hi = stats.wilson(self.converged, self.runs)
        paper = PAPER.get((self.data, self.activation, self.optimizer))
        stuck = ~self.converged_mask & np.isfinite(self.final_loss)
        res = affine_residual(self.params[stuck], self.data, self.h, self.activation)
        return {
            "data": self.data,
            "activation": self.activation,
            "optimizer": self.optimizer,
            "h": self.h,
            "runs": self.runs,
            "converged": self.converged,
            "diverged": self.diverged,
            "fraction": self.fraction,
            "lo": lo,
            "hi": hi,
            "paper": None if paper is None or self.h not in WIDTHS else paper[WIDTHS.index(self.h)],
            "lr": self.lr,
            "steps": self.steps,
            "stuck_loss_median": float(np.median(self.final_loss[stuck])) if stuck.any() else None,
            "stuck_affine_median": float(np.nanmedian(res)) if np.isfinite(res).any() else None,
            "seconds": self.seconds,
        }


def cell(
    data: str,
    activation: str,
    optimizer: str,
    h: int,
    runs: int = DEFAULTS["runs"],
    *,
    lr: float | None = None,
    steps: int = DEFAULTS["steps"],
    seed: int = DEFAULTS["seed"],
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
) -> Cell:
    """Train ``runs`` nets ``[2, h, 1]`` on one data set and count those reaching 0 training error.

    Parameters
    ----------
    data : {"xor", "jellyfish"}
    activation : {"relu", "sigmoid"}
    optimizer : {"adam", "gd"}
    h : int
        Hidden units.
    runs : int, default 2000
    lr : float, optional
        Default 0.1 for GD, 0.01 for Adam.
    steps : int, default 100,000
    seed : int, default 0
        Seed of :func:`initial_params`.
    backend : {"auto", "cpu", "numpy"}
    progress : callable(done_steps, total_steps), optional
        As in :func:`relufast.train.train` (returning False stops early; the cell then reports
        the state it reached).

    Returns
    -------
    Cell
    """
    from .. import train

    dataset(data)
    _check_name(activation, ACTIVATIONS, "activation")
    _check_name(optimizer, OPTIMIZERS, "optimizer")
    sizes = sizes_for(h)
    runs = positive_int(runs, "runs")
    steps = positive_int(steps, "steps")
    lr = positive_float(DEFAULTS["lr"][optimizer] if lr is None else lr, "lr")
    X, y = dataset(data)
    p0 = initial_params(h, runs, seed)
    t0 = time.perf_counter()
    res = train.train(
        p0,
        X,
        y,
        sizes,
        optimizer=optimizer,
        lr=lr,
        steps=steps,
        loss="mse",
        activation=activation,
        backend=backend,
        chunk=max(1, min(steps, 20_000)),
        progress=progress,
    )
    conv, div = classify(res.params, data, h, activation)
    return Cell(
        data=data,
        activation=activation,
        optimizer=optimizer,
        h=sizes[1],
        runs=runs,
        converged=int(conv.sum()),
        diverged=int(div.sum()),
        lr=lr,
        steps=res.steps,
        seconds=time.perf_counter() - t0,
        final_loss=res.loss,
        converged_mask=conv,
        params=res.params,
    )


def _names(values, allowed: Sequence[str], what: str) -> tuple[str, ...]:
    vals = (values,) if isinstance(values, str) else tuple(values)
    if not vals:
        raise ValueError(f"{what} must not be empty")
    return tuple(_check_name(v, allowed, what) for v in vals)


def _widths(widths) -> tuple[int, ...]:
    vals = (widths,) if isinstance(widths, (int, np.integer)) else tuple(widths)
    if not vals:
        raise ValueError("widths must not be empty")
    return tuple(positive_int(w, "widths[i]") for w in vals)


def work(runs: int, steps: int, widths: Sequence[int] = WIDTHS, cells_per_width: int = 8) -> float:
    """Restart-steps of a :func:`table` (the app's time estimate divides it by a measured rate).

    Examples
    --------
    >>> work(100, 1000, [2, 3])
    1600000.0
    """
    return float(runs) * float(steps) * len(tuple(widths)) * cells_per_width


def table(
    runs: int = DEFAULTS["runs"],
    steps: int = DEFAULTS["steps"],
    *,
    widths: Sequence[int] = WIDTHS,
    datasets: Sequence[str] = ("xor", "jellyfish"),
    activations: Sequence[str] = ACTIVATIONS,
    optimizers: Sequence[str] = OPTIMIZERS,
    lr_factor: float = 1.0,
    seed: int = DEFAULTS["seed"],
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
) -> dict:
    """Every cell of Table 1, as tidy rows (one per (data, activation, optimiser, h)).

    Parameters
    ----------
    runs, steps, seed, backend
        As in :func:`cell`.
    widths, datasets, activations, optimizers : sequences
        The cells to run (default: the paper's whole table).
    lr_factor : float, default 1
        Multiplies both default learning rates (for :func:`sensitivity`).
    progress : callable(done_cells, total_cells), optional
        Returning False stops after the current cell (the rows hold the cells done).

    Returns
    -------
    dict
        ``rows`` (lists keyed as :meth:`Cell.summary`), ``wall_s``, ``params``; JSON-ready.
    """
    widths = _widths(widths)
    datasets = _names(datasets, tuple(DATASETS), "datasets")
    activations = _names(activations, ACTIVATIONS, "activations")
    optimizers = _names(optimizers, OPTIMIZERS, "optimizers")
    lr_factor = positive_float(lr_factor, "lr_factor")
    runs = positive_int(runs, "runs")
    steps = positive_int(steps, "steps")
    jobs = [(d, a, o, h) for o in optimizers for a in activations for d in datasets for h in widths]
    rows: dict[str, list] = {}
    t0 = time.perf_counter()
    for i, (d, a, o, h) in enumerate(jobs):
        c = cell(d, a, o, h, runs, lr=lr_factor * DEFAULTS["lr"][o], steps=steps, seed=seed, backend=backend)
        for k, v in c.summary().items():
            rows.setdefault(k, []).append(v)
        if progress is not None and progress(i + 1, len(jobs)) is False:
            break
    return jsonable(
        {
            "rows": rows,
            "wall_s": time.perf_counter() - t0,
            "params": {
                "runs": runs,
                "steps": steps,
                "lr_factor": lr_factor,
                "seed": seed,
                "widths": list(widths),
            },
        }
    )


def sensitivity(
    runs: int = 500,
    lr_factors: Sequence[float] = (1 / 3, 1.0, 3.0),
    steps: Sequence[int] = (1000, 10_000, 100_000),
    *,
    widths: Sequence[int] = WIDTHS,
    seed: int = DEFAULTS["seed"],
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
) -> dict:
    """:func:`table` for each learning-rate factor and step count: how much the choices matter.

    Returns
    -------
    dict
        ``rows`` as in :func:`table` plus ``lr_factor`` per row, ``wall_s`` and ``params``.
    """
    factors = tuple(positive_float(f, "lr_factors[i]") for f in lr_factors)
    counts = tuple(positive_int(s, "steps[i]") for s in steps)
    if not factors or not counts:
        raise ValueError("lr_factors and steps must not be empty")
    rows: dict[str, list] = {}
    wall = 0.0
    combos = [(f, s) for f in factors for s in counts]
    for i, (f, s) in enumerate(combos):
        t = table(runs, s, widths=widths, lr_factor=f, seed=seed, backend=backend)
        n = len(t["rows"]["h"])
        for k, v in t["rows"].items():
            rows.setdefault(k, []).extend(v)
        rows.setdefault("lr_factor", []).extend([f] * n)
        wall += t["wall_s"]
        if progress is not None and progress(i + 1, len(combos)) is False:
            break
    return jsonable(
        {
            "rows": rows,
            "wall_s": wall,
            "params": {"runs": runs, "lr_factors": list(factors), "steps": list(counts), "seed": seed},
        }
    )


def examples(
    data: str = "jellyfish",
    activation: str = "relu",
    optimizer: str = "gd",
    h: int = 2,
    runs: int = 200,
    *,
    steps: int = DEFAULTS["steps"],
    seed: int = DEFAULTS["seed"],
    backend: str = "auto",
) -> dict:
    """A converged and a stuck net of one cell (the paper's Fig. 3), with their parameters.

    Returns
    -------
    dict
        ``converged`` and ``stuck``: each None or ``{"run", "params", "loss", "affine_residual"}``
        (the first such run of the cell); and the cell's ``data``, ``activation``, ``h``.
    """
    c = cell(data, activation, optimizer, h, runs, steps=steps, seed=seed, backend=backend)
    res = affine_residual(c.params, data, h, activation)
    out: dict = {"data": data, "activation": activation, "optimizer": optimizer, "h": c.h, "steps": steps}
    for key, mask in (
        ("converged", c.converged_mask),
        ("stuck", ~c.converged_mask & np.isfinite(c.final_loss)),
    ):
        idx = np.flatnonzero(mask)
        out[key] = (
            None
            if idx.size == 0
            else {
                "run": int(idx[0]),
                "params": c.params[idx[0]].tolist(),
                "loss": float(c.final_loss[idx[0]]),
                "affine_residual": float(res[idx[0]]),
            }
        )
    return jsonable(out)


def decision_grid(
    params: Sequence[float], h: int, activation: str, n: int = 61, box: tuple[float, float] = (-0.5, 1.5)
) -> dict[str, np.ndarray]:
    """The net's output on an n x n grid over ``box`` x ``box`` (for a decision-region picture).

    Returns
    -------
    dict
        ``x1``, ``x2``, ``f`` (flat arrays of n^2) and ``label`` (f > 1/2).

    Examples
    --------
    >>> g = decision_grid([1.0, -1.0, -1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0], 2, "relu", n=3, box=(0, 1))
    >>> g["label"].reshape(3, 3).astype(int)
    array([[0, 0, 1],
           [0, 0, 0],
           [1, 0, 0]])
    """
    n = positive_int(n, "n", minimum=2)
    lo, hi = (float(b) for b in box)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"box must be two finite numbers lo < hi, got {box!r}")
    t = np.linspace(lo, hi, n)
    x1, x2 = (a.ravel() for a in np.meshgrid(t, t))
    f = mlp.predict(
        np.asarray(params, dtype=np.float64), np.column_stack([x1, x2]), sizes_for(h), activation=activation
    )
    return {"x1": x1, "x2": x2, "f": f[:, 0], "label": f[:, 0] > 0.5}


def text_table(rows: dict) -> str:
    """Table 1 as text, one line per (data, activation, optimiser): ours then the paper's, in %.

    Examples
    --------
    >>> rows = {"data": ["xor"] * 2, "activation": ["relu"] * 2, "optimizer": ["adam"] * 2,
    ...         "h": [2, 3], "fraction": [0.25, 0.5], "paper": [0.28, 0.52], "runs": [100, 100]}
    >>> print(text_table(rows))
    cell                        h:     2     3
    xor relu adam           ours:    25    50   (100 runs per cell)
                           paper:    28    52
    """
    hs = sorted(set(rows["h"]))
    lines = ["cell".ljust(28) + "h:" + "".join(f"{h:6d}" for h in hs)]
    keys = list(dict.fromkeys(zip(rows["data"], rows["activation"], rows["optimizer"])))
    for key in keys:
        idx = {
            rows["h"][i]: i
            for i in range(len(rows["h"]))
            if (rows["data"][i], rows["activation"][i], rows["optimizer"][i]) == key
        }

        def cells(field: str, idx: dict = idx) -> str:
            vals = [rows[field][idx[h]] if h in idx else None for h in hs]
            return "".join("     -" if v is None else f"{100 * v:6.0f}" for v in vals)

        runs = sorted({rows["runs"][i] for i in idx.values()})
        lines.append(
            f"{' '.join(key):<18}ours:{cells('fraction')}   ({', '.join(map(str, runs))} runs per cell)"
        )
        lines.append(f"{'':<17}paper:{cells('paper')}")
    return "\n".join(lines)
