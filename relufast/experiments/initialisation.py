r"""The "initialisation" figure (Swirszcz, Czarnecki, Pascanu 2016, Fig. 1, Sec. 3.1.1; papers.md A3).

ReLU MLPs trained with Adam on softmax cross-entropy; the figure plots final TRAINING accuracy
against the hidden width, one point per trained net, for five initialisation distributions (the
columns), two depths, real and randomly permuted labels. Zero-mean inits train; inits with a very
negative weight or bias mean start in the blind spot (some hidden layer dead on every input, so the
output is the same for every image) and never leave it: their accuracy stays at the rate of the
class they predict, at most the majority-class rate.

Project choices (the paper's text leaves them open; see :data:`PROJECT_CHOICES`):

* data: scikit-learn's 8x8 digits (1797 images, 64 pixels scaled to [0, 1], 10 classes; majority
  class 10.2 %) instead of MNIST (:func:`relufast.datasets.load_mnist` reads MNIST if you have it);
* depth: "2 layers" / "5 layers" = 2 / 5 HIDDEN layers of equal width (``sizes = [64] + [width] *
  depth + [10]``), the reading under which "depth does not help" is a statement about the hidden
  stack; the output layer (with bias) is linear;
* the five columns of :data:`COLUMNS` (below), their means and stds, and the budget (Adam, lr 3e-3,
  mini-batches of 128, 600 updates instead of 1,000,000), chosen so the default run finishes in
  about half a minute on 2 cores with the C++ backend.

Why the three "stuck" columns really are stuck: inputs are >= 0 with an L1 norm of at least 11.6
and an L2 norm of at most 4.9 per image. With weights N(-1, 0.1^2) a first-layer pre-activation has
mean <= -11.6 and std <= 0.1 * sqrt(4.9^2 + 1) = 0.5 (more than 20 sigma below 0); with weights
N(-3, 1) the margin is more than 10 sigma; with weights N(0, 0.1^2) and biases N(-5, 0.1^2) the
pre-activation has mean -5 and std <= 0.5 (10 sigma). Deeper layers then see an all-zero input, so
their pre-activations equal their biases. Each returned row records whether the net was in the blind
spot at initialisation (``dead_at_init``), so the claim is checked, not assumed.

Since those margins settle the outcome before training starts, :func:`edge_sweep` looks at the
edge instead: it moves the weight mean (or the bias mean) from the "small" column (0) to the
"neg_w" (-1) or "neg_b" (-5) column, trains several nets per value, and reports where they start to
end stuck, beside the closed form of a dead first layer (:func:`dead_unit_bounds`,
:func:`dead_unit_monte_carlo`).

The paper trains for 10^6 Adam updates on MNIST's 60,000 images and reports that memorising
permuted labels needs at least about 400 units. :func:`budget_sweep` (shipped as
``initialisation_long.json``) is a smaller, different experiment, not that budget: the two
zero-mean columns, 2 hidden layers of 8 to 128 units, the 1797 digits with permuted labels, one
seed, 10^3, 10^4 and 10^5 Adam updates (lr 3e-3, batch 128).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from .. import datasets, mlp
from .._validate import float_array, positive_float, positive_int
from .blind_spot import in_blind_spot
from .summary import jsonable

__all__ = [
    "InitColumn",
    "COLUMNS",
    "PAPER",
    "PROJECT_CHOICES",
    "DEFAULTS",
    "sizes_for",
    "column",
    "init_column",
    "load_data",
    "run",
    "InitialisationResult",
    "figure_summary",
    "work",
    "estimate_seconds",
    "figure_stats",
    "MULTIPLY_ADDS_PER_SECOND",
    "EDGE_SWEEPS",
    "EDGE_MEANS",
    "EDGE_DEFAULTS",
    "edge_column",
    "dead_unit_bounds",
    "dead_unit_monte_carlo",
    "edge_crossing",
    "EdgeSweep",
    "edge_sweep",
    "edge_summary",
    "edge_work",
    "edge_estimate_seconds",
    "edge_stats",
    "LONG_BUDGET",
    "budget_sweep",
    "first_width_at",
]


@dataclass(frozen=True)
class InitColumn:
    """One initialisation distribution (a column of the figure).

    Every weight is N(weight_mean, weight_std^2) and every bias N(bias_mean, bias_std^2), in all
    layers; ``weight_std=None`` means He's sqrt(2 / fan_in) (``scheme="he"``).
    """

    name: str
    title: str
    weight_mean: float
    weight_std: float | None
    bias_mean: float
    bias_std: float
    stuck: bool  # expected to start (and stay) in the blind spot
    why: str

    def init_kwargs(self) -> dict:
        """Keyword arguments for :func:`relufast.train.init_params`."""
        return {
            "weight_mean": self.weight_mean,
            "weight_std": self.weight_std,
            "bias_mean": self.bias_mean,
            "bias_std": self.bias_std,
            "scheme": "he" if self.weight_std is None else "normal",
        }


#: The five columns: two zero-mean, three in the blind spot (this project's choice of values).
COLUMNS = (
    InitColumn(
        "he",
        "w ~ N(0, 2/fan_in), b = 0",
        0.0,
        None,
        0.0,
        0.0,
        False,
        "He initialisation: zero mean, variance preserving for ReLU",
    ),
    InitColumn(
        "small", "w ~ N(0, 0.1²), b ~ N(0, 0.1²)", 0.0, 0.1, 0.0, 0.1, False, "plain small zero-mean normal"
    ),
    InitColumn(
        "neg_w",
        "w ~ N(-1, 0.1²), b ~ N(0, 0.1²)",
        -1.0,
        0.1,
        0.0,
        0.1,
        True,
        "inputs >= 0: first-layer pre-activations ~ -|x|_1 < -11, > 20 sigma below 0",
    ),
    InitColumn(
        "neg_b",
        "w ~ N(0, 0.1²), b ~ N(-5, 0.1²)",
        0.0,
        0.1,
        -5.0,
        0.1,
        True,
        "bias -5 against |w.x| of std <= 0.5: > 10 sigma below 0 in every layer",
    ),
    InitColumn(
        "neg_w_wide",
        "w ~ N(-3, 1), b ~ N(0, 1)",
        -3.0,
        1.0,
        0.0,
        1.0,
        True,
        "wide spread but mean -3: first-layer margin > 10 sigma",
    ),
)

_BY_NAME = {c.name: c for c in COLUMNS}

#: Published setup and claims (papers.md A3), for "paper vs ours".
PAPER = {
    "data": "MNIST (top row) and MNIST with permuted labels (bottom row)",
    "depths": "2 and 5 layers of equal width",
    "x_axis": "hidden units per layer",
    "y_axis": "final training accuracy",
    "updates": 1_000_000,
    "optimizer": "Adam",
    "stuck_accuracy": 0.11,  # majority-class rate of MNIST, where the bad inits stay
    "claims": (
        "zero-mean inits (two left columns) train; very negative weight or bias means (three right "
        "columns) stay in the blind spot even after 1M updates; depth does not help; with permuted "
        "labels at least 400 units are needed to reach 0 training error"
    ),
    "unknown": "exact column distributions, learning rate, batch size, seeds, width grid",
}

#: The project's own choices where the paper is silent.
PROJECT_CHOICES = {
    "data": "scikit-learn 8x8 digits scaled to [0, 1] (1797 images); permuted labels use seed 0",
    "depth": "number of hidden layers (2 or 5), all of the same width; linear output with bias",
    "columns": {c.name: c.title for c in COLUMNS},
    "optimizer": "Adam (b1 0.9, b2 0.999, eps 1e-8), lr 3e-3, mini-batches of 128, 600 updates",
    "loss": "softmax cross-entropy, mean over the batch",
    "widths": "16, 32, 64 by default",
    "edge": (
        "edge_sweep: the weight mean from 0 to -1 (w ~ N(mu, 0.1^2), b ~ N(0, 0.1^2)) or the bias mean "
        "from 0 to -5 (w ~ N(0, 0.1^2), b ~ N(mu, 0.1^2)); 32 nets of 2 or 5 hidden layers of 32 units "
        "per mean, 600 updates; stuck = accuracy below majority + 5 % or in the blind spot at the end"
    ),
    "longer budget": (
        "budget_sweep: 'he' and 'small', 2 hidden layers, widths 8-128, permuted digits, seed 0, "
        "10^3 / 10^4 / 10^5 updates (the paper: 10^6 updates on 60,000 MNIST images)"
    ),
    "seeds": "init seed s gives every column the same underlying normal draws (shifted/scaled)",
}


class _Defaults(TypedDict):
    """The type of :data:`DEFAULTS`."""

    widths: tuple[int, ...]
    depths: tuple[int, ...]
    seeds: tuple[int, ...]
    steps: int
    lr: float
    batch_size: int | None


#: Defaults of :func:`run` (sized for about half a minute on 2 cores with the C++ backend).
DEFAULTS: _Defaults = {
    "widths": (16, 32, 64),
    "depths": (2, 5),
    "seeds": (0, 1),
    "steps": 600,
    "lr": 3e-3,
    "batch_size": 128,
}


def sizes_for(depth: int, width: int, d_in: int = 64, n_classes: int = 10) -> list:
    """Layer sizes ``[d_in] + [width] * depth + [n_classes]`` (depth = number of hidden layers)."""
    depth = positive_int(depth, "depth")
    width = positive_int(width, "width")
    return [positive_int(d_in, "d_in")] + [width] * depth + [positive_int(n_classes, "n_classes")]


def column(c) -> InitColumn:
    """An :class:`InitColumn` from itself or its name (one of ``[c.name for c in COLUMNS]``)."""
    if isinstance(c, InitColumn):
        return c
    if isinstance(c, str) and c in _BY_NAME:
        return _BY_NAME[c]
    raise ValueError(f"column must be an InitColumn or one of {sorted(_BY_NAME)}, got {c!r}")


def init_column(c, sizes, seed: int = 0) -> np.ndarray:
    """Initial parameters (P,) of one net drawn from column ``c`` with init seed ``seed``."""
    from .. import train

    return train.init_params(sizes, 1, seed=seed, **column(c).init_kwargs())[0]


def load_data(labels: str = "real", *, data=None, permutation_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Training data ``(X, y)``: the digits (default) or ``data=(X, y)``; labels permuted if asked."""
    if labels not in ("real", "permuted"):
        raise ValueError(f"labels must be 'real' or 'permuted', got {labels!r}")
    if data is None:
        X, y = datasets.digits()
    else:
        try:
            X, y = data
        except (TypeError, ValueError):
            raise ValueError("data must be a pair (X, y)") from None
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = datasets.check_labels(y)
        if X.ndim != 2 or X.shape[0] != y.shape[0]:
            raise ValueError(f"data must be X (n, d) and y (n,), got {X.shape} and {y.shape}")
    if labels == "permuted":
        y = datasets.permute_labels(y, permutation_seed)
    return X, y


@dataclass
class InitialisationResult:
    """Per-net rows of :func:`run` (one entry per trained net in every array of ``rows``)."""

    rows: dict
    majority_rate: float
    n_classes: int
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    backend: str = ""

    def summary(self) -> dict:
        """Mean / min / max training accuracy per (labels, column, depth), as tidy columns."""
        r = self.rows
        keys = sorted(
            set(zip(r["labels"], r["column"], r["depth"], strict=True)),
            key=lambda k: (k[0], [c.name for c in COLUMNS].index(k[1]) if k[1] in _BY_NAME else 99, k[2]),
        )
        out: dict[str, list] = {
            k: []
            for k in ("labels", "column", "depth", "nets", "acc_mean", "acc_min", "acc_max", "dead_at_init")
        }
        for lab, col, dep in keys:
            m = (r["labels"] == lab) & (r["column"] == col) & (r["depth"] == dep)
            a = r["train_accuracy"][m]
            for k, v in (
                ("labels", lab),
                ("column", col),
                ("depth", int(dep)),
                ("nets", int(m.sum())),
                ("acc_mean", float(a.mean())),
                ("acc_min", float(a.min())),
                ("acc_max", float(a.max())),
                ("dead_at_init", float(r["dead_at_init"][m].mean())),
            ):
                out[k].append(v)
        return {k: np.array(v) for k, v in out.items()}


def _check_list(values, name: str, minimum: int = 1) -> tuple:
    if isinstance(values, (int, np.integer)):
        values = (values,)
    try:
        vals = tuple(values)
    except TypeError:
        raise ValueError(f"{name} must be a sequence of integers, got {values!r}") from None
    if not vals:
        raise ValueError(f"{name} must not be empty")
    return tuple(positive_int(v, f"{name}[i]", minimum=minimum) for v in vals)


def _train_adam(P0, X, y, sizes, *, steps, lr, batch_size, seed, backend):
    """Adam on softmax cross-entropy from P0 (R, P): the train.train result and each net's accuracy."""
    from .. import train

    res = train.train(
        P0,
        X,
        y,
        sizes,
        optimizer="adam",
        lr=lr,
        steps=steps,
        batch_size=batch_size,
        seed=seed,
        loss="ce",
        backend=backend,
    )
    acc = np.mean(np.argmax(mlp.predict(res.params, X, sizes), axis=-1) == y[None, :], axis=1)
    return res, acc


def run(
    widths: Sequence[int] = DEFAULTS["widths"],
    depths: Sequence[int] = DEFAULTS["depths"],
    columns=COLUMNS,
    seeds: Sequence[int] = DEFAULTS["seeds"],
    steps: int = DEFAULTS["steps"],
    labels: str = "real",
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
    *,
    lr: float = DEFAULTS["lr"],
    batch_size: int | None = DEFAULTS["batch_size"],
    data=None,
    permutation_seed: int = 0,
) -> InitialisationResult:
    """Train one net per (column, depth, width, seed) and report its final training accuracy.

    Parameters
    ----------
    widths : sequence of int, default (16, 32, 64)
        Hidden units per layer.
    depths : sequence of int, default (2, 5)
        Numbers of hidden layers.
    columns : sequence of InitColumn or str, default :data:`COLUMNS`
    seeds : sequence of int, default (0, 1)
        Init seeds (also the mini-batch order seed).
    steps : int, default 600
        Adam updates per net.
    labels : {"real", "permuted"}
    backend : {"auto", "cpu", "numpy"}
    progress : callable(done, total), optional
        Called after each (depth, width) group with the number of groups done; returning False
        stops early (the rows hold the groups finished so far).
    lr : float, default 3e-3
    batch_size : int or None, default 128
        Mini-batch size; None trains full batch.
    data : pair (X, y), optional
        Other training data (e.g. :func:`relufast.datasets.load_mnist`); default the digits.
    permutation_seed : int, default 0
        Seed of the label permutation for ``labels="permuted"``.

    Returns
    -------
    InitialisationResult
        ``rows``: arrays ``column``, ``depth``, ``width``, ``seed``, ``labels``,
        ``train_accuracy``, ``final_loss``, ``dead_at_init``, ``dead_at_end`` (one entry per net).

    Notes
    -----
    All nets of one (depth, width) train in one batched call (R = columns x seeds, column-major);
    the mini-batch order of a net depends on (seeds[0], its row in that call), so it is
    reproducible for the same ``columns`` and ``seeds``.
    """
    from .. import backend as _backend

    widths = _check_list(widths, "widths")
    depths = _check_list(depths, "depths")
    seeds = _check_list(seeds, "seeds", minimum=0)
    cols = [column(c) for c in (columns if not isinstance(columns, (str, InitColumn)) else [columns])]
    if not cols:
        raise ValueError("columns must not be empty")
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    be = _backend.resolve(backend)
    X, y = load_data(labels, data=data, permutation_seed=permutation_seed)
    n_classes = int(y.max()) + 1
    bs = None if batch_size is None or batch_size >= X.shape[0] else batch_size
    t0 = time.perf_counter()
    rows: dict[str, list] = {
        k: []
        for k in (
            "column",
            "depth",
            "width",
            "seed",
            "labels",
            "train_accuracy",
            "final_loss",
            "dead_at_init",
            "dead_at_end",
        )
    }
    groups = [(d, w) for d in depths for w in widths]
    for g, (depth, width) in enumerate(groups):
        sizes = sizes_for(depth, width, X.shape[1], n_classes)
        nets = [(c, s) for c in cols for s in seeds]
        P0 = np.stack([init_column(c, sizes, s) for c, s in nets])
        res, acc = _train_adam(P0, X, y, sizes, steps=steps, lr=lr, batch_size=bs, seed=seeds[0], backend=be)
        dead0 = in_blind_spot(P0, X, sizes)
        dead1 = in_blind_spot(res.params, X, sizes)
        for i, (c, s) in enumerate(nets):
            for k, v in (
                ("column", c.name),
                ("depth", depth),
                ("width", width),
                ("seed", s),
                ("labels", labels),
                ("train_accuracy", acc[i]),
                ("final_loss", res.loss[i]),
                ("dead_at_init", dead0[i]),
                ("dead_at_end", dead1[i]),
            ):
                rows[k].append(v)
        if progress is not None and progress(g + 1, len(groups)) is False:
            break
    out = {k: np.array(v) for k, v in rows.items()}
    return InitialisationResult(
        rows=out,
        majority_rate=datasets.majority_rate(y),
        n_classes=n_classes,
        config={
            "widths": widths,
            "depths": depths,
            "columns": [c.name for c in cols],
            "seeds": seeds,
            "steps": steps,
            "lr": lr,
            "batch_size": bs,
            "labels": labels,
            "optimizer": "adam",
            "loss": "ce",
            "permutation_seed": permutation_seed,
        },
        wall_time=time.perf_counter() - t0,
        backend=be,
    )


# --------------------------------------------------------------------------- for the app


def figure_summary(
    widths: Sequence[int],
    depths: Sequence[int],
    seeds: Sequence[int],
    steps: int,
    labels: Sequence[str],
    lr: float,
    batch_size: int | None,
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
    *,
    data=None,
) -> dict:
    """:func:`run` for each label set in ``labels``, one row per trained net, as JSON lists.

    This is ``initialisation.json`` without its ``meta``.

    Parameters
    ----------
    widths, depths, seeds, steps, lr, batch_size, backend
        As in :func:`run` (all five :data:`COLUMNS`).
    labels : sequence of {"real", "permuted"}
    progress : callable(done, total), optional
        (depth, width) groups done over all label sets.
    data : pair (X, y), optional
        Other training data (e.g. a subsample of :func:`relufast.datasets.load_mnist`); default
        the digits. ``params`` then records its shape as ``data``.

    Returns
    -------
    dict
        ``rows`` (the :class:`InitialisationResult` rows of every label set, concatenated),
        ``majority_rate`` per label set, ``wall_s``, ``backend`` and ``params``.
    """
    rows: dict[str, list] = {}
    majority: dict[str, float] = {}
    wall, be = 0.0, backend
    n = len(widths) * len(depths)
    for i, lab in enumerate(labels):
        sub = None if progress is None else (lambda d, t, i=i: progress(i * n + d, len(labels) * n))
        r = run(
            widths,
            depths,
            seeds=seeds,
            steps=steps,
            labels=lab,
            backend=backend,
            progress=sub,
            lr=lr,
            batch_size=batch_size,
            data=data,
        )
        for k, v in r.rows.items():
            rows.setdefault(k, []).extend(np.asarray(v).tolist())
        wall += r.wall_time
        be = r.backend
        majority[lab] = r.majority_rate
    return jsonable(
        {
            "rows": rows,
            "majority_rate": majority,
            "wall_s": wall,
            "backend": be,
            "params": {
                "widths": list(widths),
                "depths": list(depths),
                "seeds": list(seeds),
                "steps": steps,
                "labels": list(labels),
                "lr": lr,
                "batch_size": batch_size,
                **({} if data is None else {"data": list(np.shape(data[0]))}),
            },
        }
    )


#: Multiply-adds per second and thread of the C++ Adam trainer (measured on 2 AVX-512 cores).
MULTIPLY_ADDS_PER_SECOND = 1e9
_NUMPY_FACTOR = 20.0  # the NumPy trainer vs the C++ one


def work(
    widths: Sequence[int],
    depths: Sequence[int],
    seeds: Sequence[int],
    steps: int,
    labels: Sequence[str],
    batch_size: int | None,
    n_columns: int = 5,
    *,
    d_in: int = 64,
    n_examples: int = 1797,
) -> float:
    """Multiply-adds of a :func:`figure_summary` run: nets x updates x batch x parameters.

    ``batch_size`` None (full batch) counts ``n_examples`` (the 1797 digits by default); ``d_in``
    is the number of inputs (64 pixels of the digits, 784 of MNIST).

    Examples
    --------
    >>> work([16], [2], [0], 600, ["real"], 128)  # 1482 parameters, 5 columns
    569088000.0
    """
    P = sum(mlp.num_params(sizes_for(d, w, d_in)) for d in depths for w in widths)
    batch = min(batch_size, n_examples) if batch_size else n_examples
    return float(P) * n_columns * len(seeds) * steps * batch * len(labels)


def estimate_seconds(
    widths: Sequence[int],
    depths: Sequence[int],
    seeds: Sequence[int],
    steps: int,
    labels: Sequence[str],
    batch_size: int | None,
    backend: str,
    threads: int = 1,
    *,
    d_in: int = 64,
    n_examples: int = 1797,
) -> float:
    """Rough wall time of :func:`figure_summary` (the app's "this will take" estimate).

    Parameters
    ----------
    widths, depths, seeds, steps, labels, batch_size
        As in :func:`figure_summary`.
    backend : {"auto", "cpu", "numpy"}
        "numpy" is costed 20x slower than the C++ trainer.
    threads : int, default 1
        OpenMP threads of the C++ core (e.g. ``relufast.info()["threads"]``).
    d_in, n_examples : int, default 64, 1797
        As in :func:`work`.

    Returns
    -------
    float
        ``work(...) / (MULTIPLY_ADDS_PER_SECOND * threads)``, x 20 on NumPy.

    Examples
    --------
    >>> round(estimate_seconds([16], [2], [0], 600, ["real"], 128, "cpu", threads=2), 9)
    0.284544
    >>> round(estimate_seconds([16], [2], [0], 600, ["real"], 128, "numpy"), 9)
    11.38176
    """
    threads = max(1, int(threads))
    w = work(widths, depths, seeds, steps, labels, batch_size, d_in=d_in, n_examples=n_examples)
    return w / (MULTIPLY_ADDS_PER_SECOND * threads) * (_NUMPY_FACTOR if backend == "numpy" else 1)


def figure_stats(result: dict, margin: float = 0.05) -> dict:
    """The numbers of the page's "paper vs ours" table, from a :func:`figure_summary` dict.

    Parameters
    ----------
    result : dict
        With ``rows`` (lists ``column``, ``labels``, ``train_accuracy``, ``dead_at_init``,
        ``dead_at_end``) and ``majority_rate`` (per label set).
    margin : float, default 0.05
        The stuck columns "stay at chance" when their best accuracy is below majority + margin.

    Returns
    -------
    dict
        ``majority``: the smallest majority-class rate; over the stuck columns (those of
        :data:`COLUMNS` expected to stay in the blind spot, and any unknown column):
        ``stuck_nets``, ``stuck_mean``, ``stuck_max``, ``stuck_dead_at_init`` and
        ``stuck_dead_at_end`` (fractions); over the zero-mean columns: ``trains_real_mean``
        (mean accuracy with real labels) and ``trains_permuted_best`` (best with permuted ones);
        ``stuck_at_chance``: whether every stuck net is below majority + margin (False without
        stuck nets). Means and maxima are None where there is no such net.

    Examples
    --------
    >>> rows = {"column": ["he", "neg_b", "neg_b", "small"], "labels": ["real"] * 3 + ["permuted"],
    ...         "train_accuracy": [0.9, 0.1, 0.12, 0.3], "dead_at_init": [False, True, True, False],
    ...         "dead_at_end": [False, True, False, False]}
    >>> st = figure_stats({"rows": rows, "majority_rate": {"real": 0.102}})
    >>> st["stuck_mean"], st["stuck_dead_at_end"], st["trains_real_mean"], st["stuck_at_chance"]
    (0.11, 0.5, 0.9, True)
    """
    r = result["rows"]
    col = np.asarray(r["column"], dtype=object)
    lab = np.asarray(r["labels"], dtype=object)
    acc = np.asarray(r["train_accuracy"], dtype=float)
    trains = np.isin(col, [c.name for c in COLUMNS if not c.stuck])
    stuck = ~trains
    majority = float(min(result["majority_rate"].values()))

    def stat(fn, a):
        return float(fn(a)) if a.size else None

    sa = acc[stuck]
    return {
        "majority": majority,
        "stuck_nets": int(stuck.sum()),
        "stuck_mean": stat(np.mean, sa),
        "stuck_max": stat(np.max, sa),
        "stuck_dead_at_init": stat(np.mean, np.asarray(r["dead_at_init"], dtype=float)[stuck]),
        "stuck_dead_at_end": stat(np.mean, np.asarray(r["dead_at_end"], dtype=float)[stuck]),
        "trains_real_mean": stat(np.mean, acc[trains & (lab == "real")]),
        "trains_permuted_best": stat(np.max, acc[trains & (lab == "permuted")]),
        "stuck_at_chance": bool(sa.size and sa.max() < majority + margin),
    }


# --------------------------------------------------------------------------- the edge

#: The two sweeps of :func:`edge_sweep`. Each moves one mean from the "small" column (0) to the
#: value of a stuck column, every other number of the distribution fixed at that stuck column's
#: (weight and bias std 0.1 in both).
EDGE_SWEEPS = {
    "weight_mean": "neg_w",  # w ~ N(mean, 0.1^2), b ~ N(0, 0.1^2): from "small" (0) to "neg_w" (-1)
    "bias_mean": "neg_b",  # w ~ N(0, 0.1^2), b ~ N(mean, 0.1^2): from "small" (0) to "neg_b" (-5)
}

#: Default means of each sweep: dense where the first layer starts to die, then out to the column.
EDGE_MEANS = {
    "weight_mean": (
        0.0,
        -0.01,
        -0.02,
        -0.03,
        -0.04,
        -0.05,
        -0.06,
        -0.07,
        -0.08,
        -0.1,
        -0.15,
        -0.2,
        -0.5,
        -1.0,
    ),
    "bias_mean": (0.0, -0.05, -0.1, -0.15, -0.2, -0.3, -0.4, -0.5, -0.75, -1.0, -1.5, -2.0, -3.0, -5.0),
}


class _EdgeDefaults(TypedDict):
    """The type of :data:`EDGE_DEFAULTS`."""

    width: int
    depth: int
    seeds: tuple[int, ...]
    steps: int
    lr: float
    batch_size: int | None
    margin: float
    mc_draws: int


#: Defaults of :func:`edge_sweep` (14 means x 8 nets of 64-32-32-10 in about 20 s on one core).
EDGE_DEFAULTS: _EdgeDefaults = {
    "width": 32,
    "depth": 2,
    "seeds": tuple(range(8)),
    "steps": 600,
    "lr": 3e-3,
    "batch_size": 128,
    "margin": 0.05,
    "mc_draws": 4000,
}


def _finite(x, name: str) -> float:
    from .._validate import BadTypeError

    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise BadTypeError(f"{name} must be a real number, got {x!r}")
    v = float(x)
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return v


def _edge_param(param) -> str:
    if not isinstance(param, str) or param not in EDGE_SWEEPS:
        raise ValueError(f"param must be one of {sorted(EDGE_SWEEPS)}, got {param!r}")
    return param


def edge_column(param: str, mean: float) -> InitColumn:
    """The column of sweep ``param`` at ``mean``: the stuck column of :data:`EDGE_SWEEPS` with
    its ``param`` set to ``mean`` (so ``mean = 0`` is the "small" column).

    Examples
    --------
    >>> edge_column("weight_mean", -0.05).title
    'w ~ N(-0.05, 0.1²), b ~ N(0, 0.1²)'
    >>> c = edge_column("bias_mean", 0.0)
    >>> (c.weight_mean, c.weight_std, c.bias_mean, c.bias_std) == (0.0, 0.1, 0.0, 0.1)
    True
    """
    import dataclasses

    param = _edge_param(param)
    mean = _finite(mean, "mean")
    base = _BY_NAME[EDGE_SWEEPS[param]]
    if param == "weight_mean":
        c = dataclasses.replace(base, weight_mean=mean)
    else:
        c = dataclasses.replace(base, bias_mean=mean)
    assert c.weight_std is not None
    return dataclasses.replace(
        c,
        name=f"{param}={mean:g}",
        title=f"w ~ N({c.weight_mean:g}, {c.weight_std:g}²), b ~ N({c.bias_mean:g}, {c.bias_std:g}²)",
        stuck=False,
        why=f"edge sweep of the {param} towards the {EDGE_SWEEPS[param]!r} column",
    )


def _normal_sf(t: np.ndarray) -> np.ndarray:
    """P(N(0, 1) > t), accurate in both tails (math.erfc elementwise; scipy is not a dependency)."""
    import math

    return np.array([0.5 * math.erfc(v / math.sqrt(2.0)) for v in np.ravel(t)]).reshape(np.shape(t))


def _unit_inputs(X, weight_mean, weight_std, bias_mean, bias_std):
    X = float_array(X, "X", (2,))
    mw, mb = _finite(weight_mean, "weight_mean"), _finite(bias_mean, "bias_mean")
    sw = positive_float(weight_std, "weight_std", allow_zero=True)
    sb = positive_float(bias_std, "bias_std", allow_zero=True)
    return X, mw, sw, mb, sb


def dead_unit_bounds(X, weight_mean, weight_std, bias_mean, bias_std) -> tuple[float, float]:
    r"""Closed-form bounds on the chance that a first-layer ReLU unit is dead on every input.

    A unit z_n = w . x_n + b with independent w_j ~ N(mu_w, s_w^2) and b ~ N(mu_b, s_b^2) is
    *dead* on the data when z_n <= 0 for every row x_n of ``X``.

    Parameters
    ----------
    X : array_like, (N, d)
        The inputs (the rows the first layer sees).
    weight_mean, weight_std, bias_mean, bias_std : float
        mu_w, s_w >= 0, mu_b, s_b >= 0 (a std of 0 means the constant).

    Returns
    -------
    lower, upper : float
        ``max(0, 1 - sum_n Phi(m_n / s_n)) <= P(dead) <= min_n Phi(-m_n / s_n)``.

    Notes
    -----
    Each pre-activation is normal,

    .. math:: z_n \sim N(m_n, s_n^2), \quad m_n = \mu_w \textstyle\sum_j x_{nj} + \mu_b,
              \quad s_n^2 = s_w^2 |x_n|^2 + s_b^2,

    so every per-image marginal P(z_n <= 0) = Phi(-m_n / s_n) is exact. The unit is dead on all
    images with a probability of at most the smallest of them, and (union bound on the images
    where it is alive) at least 1 - sum_n Phi(m_n / s_n). The exact value needs the joint law of
    (z_1, ..., z_N), correlated through the shared w and b, which has no closed form;
    :func:`dead_unit_monte_carlo` estimates it. Units of one layer are independent, so a layer of
    h units is all dead with probability p^h, between lower^h and upper^h. Deeper layers see
    random inputs (the previous layer's outputs), so no such formula holds there.

    Examples
    --------
    One image: both bounds are the exact Phi(-m / s) = Phi(2) with m = -0.1 * 4, s = 0.1 * 2.

    >>> lo, hi = dead_unit_bounds(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0)
    >>> round(lo, 5), round(hi, 5)
    (0.97725, 0.97725)

    Two images: m = (-2, -1), s = (sqrt(0.75), sqrt(0.5)), so P(alive) = (0.0105, 0.0786) per image
    and 1 - 0.0891 <= P(dead) <= 1 - 0.0786:

    >>> lo, hi = dead_unit_bounds([[1.0, 1.0], [1.0, 0.0]], -1.0, 0.5, 0.0, 0.5)
    >>> round(lo, 4), round(hi, 4)
    (0.9109, 0.9214)
    """
    X, mw, sw, mb, sb = _unit_inputs(X, weight_mean, weight_std, bias_mean, bias_std)
    m = mw * X.sum(axis=1) + mb
    s = np.sqrt(sw * sw * np.einsum("nj,nj->n", X, X) + sb * sb)
    alive = np.empty_like(m)
    pos = s > 0
    alive[pos] = _normal_sf(-m[pos] / s[pos])  # P(z_n > 0) = Phi(m_n / s_n)
    alive[~pos] = (m[~pos] > 0).astype(float)  # a constant pre-activation
    lower = max(0.0, 1.0 - float(alive.sum()))
    upper = 1.0 - float(alive.max())
    return lower, upper


def dead_unit_monte_carlo(
    X, weight_mean, weight_std, bias_mean, bias_std, draws: int = 4000, seed: int = 0
) -> tuple[float, float]:
    """Monte Carlo estimate of the chance that a first-layer unit is dead on every row of ``X``.

    Draws ``draws`` independent (w, b) as in :func:`dead_unit_bounds` (no network, no training)
    and counts those with ``X @ w + b <= 0`` on every row.

    Parameters
    ----------
    X, weight_mean, weight_std, bias_mean, bias_std
        As in :func:`dead_unit_bounds`.
    draws : int, default 4000
    seed : int, default 0

    Returns
    -------
    p, stderr : float
        The fraction of dead draws and its binomial standard error sqrt(p (1 - p) / draws).

    Examples
    --------
    >>> p, se = dead_unit_monte_carlo(np.ones((1, 4)), -0.1, 0.1, 0.0, 0.0, draws=20000)
    >>> abs(p - 0.97725) < 4 * se
    True
    """
    from .._validate import seed as check_seed

    X, mw, sw, mb, sb = _unit_inputs(X, weight_mean, weight_std, bias_mean, bias_std)
    draws = positive_int(draws, "draws")
    rng = np.random.default_rng(np.random.SeedSequence(check_seed(seed)))
    N, d = X.shape
    chunk = max(1, min(draws, 2**22 // max(N, 1)))
    dead = 0
    for start in range(0, draws, chunk):
        k = min(chunk, draws - start)
        w = mw + sw * rng.standard_normal((d, k))
        b = mb + sb * rng.standard_normal(k)
        dead += int(np.count_nonzero(np.all(X @ w + b <= 0.0, axis=0)))
    p = dead / draws
    return p, float(np.sqrt(p * (1.0 - p) / draws))


def edge_crossing(means, values, level: float = 0.5) -> float | None:
    """Where ``values`` first reaches ``level`` along ``means`` (linear between grid points).

    Parameters
    ----------
    means : sequence of float
        The sweep's means, in sweep order (from the working end to the stuck end).
    values : sequence of float
        A fraction at each mean (None or NaN entries are skipped).
    level : float, default 0.5
        In (0, 1).

    Returns
    -------
    float or None
        The mean at the first point whose value is ``>= level``, interpolated linearly with the
        point before it; the first mean if that point is the first; None if no value reaches it.

    Examples
    --------
    >>> edge_crossing([0.0, -0.1, -0.2, -0.3], [0.0, 0.25, 0.75, 1.0])
    -0.15
    >>> edge_crossing([0.0, -1.0], [0.0, 0.4]) is None
    True
    """
    m = float_array(means, "means", (1,))
    v = np.array([np.nan if x is None else x for x in values], dtype=float)
    if v.ndim != 1 or v.shape != m.shape:
        raise ValueError(f"values must have one entry per mean ({m.size}), got shape {v.shape}")
    level = positive_float(level, "level")
    if level >= 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    ok = np.flatnonzero(np.isfinite(v))
    for j, i in enumerate(ok):
        if v[i] >= level:
            if j == 0:
                return float(m[i])
            a = ok[j - 1]
            t = (level - v[a]) / (v[i] - v[a])
            return float(round(m[a] + t * (m[i] - m[a]), 12))
    return None


@dataclass
class EdgeSweep:
    """The outcome of :func:`edge_sweep`.

    Attributes
    ----------
    param : str
        "weight_mean" or "bias_mean".
    points : dict of ndarray
        One entry per mean, in sweep order (see :func:`edge_sweep`).
    nets : dict of ndarray
        One entry per trained net: ``mean``, ``seed``, ``train_accuracy``, ``stuck``,
        ``dead_at_init``, ``dead_at_end``, ``first_layer_dead_at_init``, ``dead_units_init``,
        ``dead_units_end`` (fractions of the first layer), ``revived_units`` (any hidden layer),
        ``revived_first_layer`` and ``partly_dead_at_init``.
    majority_rate : float
    config : dict
    wall_time : float
    backend : str
    """

    param: str
    points: dict
    nets: dict
    majority_rate: float
    config: dict = field(default_factory=dict)
    wall_time: float = 0.0
    backend: str = ""

    def crossing(self, key: str = "stuck", level: float = 0.5) -> float | None:
        """:func:`edge_crossing` of ``points[key]`` (e.g. "stuck", "dead_at_init", "layer_dead_mc")."""
        if key not in self.points or key == "mean":
            raise ValueError(
                f"key must be one of {sorted(k for k in self.points if k != 'mean')}, got {key!r}"
            )
        return edge_crossing(self.points["mean"], self.points[key], level)

    def crossings(self) -> dict:
        """The 50 % crossing of every curve the page draws (None where a curve never gets there)."""
        return {k: self.crossing(k) for k in _EDGE_CURVES}

    def to_summary(self) -> dict:
        """JSON-ready: the per-mean points, crossings, majority rate, params, wall time, backend."""
        return jsonable(
            {
                "param": self.param,
                "points": self.points,
                "crossings": self.crossings(),
                "majority_rate": self.majority_rate,
                "params": self.config,
                "wall_s": self.wall_time,
                "backend": self.backend,
            }
        )


#: The fractions vs the mean that the page draws (measured, then closed form of the first layer).
_EDGE_CURVES = (
    "stuck",
    "dead_at_init",
    "first_layer_dead_at_init",
    "layer_dead_lower",
    "layer_dead_mc",
    "layer_dead_upper",
)


def _dead_analysis(params, X, sizes) -> dict:
    """Per net: units dead on all data (per layer), images on which some layer is all dead."""
    from .blind_spot import hidden_preactivations

    Zs = hidden_preactivations(params, X, sizes)
    units = [np.all(Z <= 0.0, axis=1) for Z in Zs]  # (R, h_l): dead on every image
    blind = np.zeros(Zs[0].shape[:2], dtype=bool)  # (R, N): some layer all dead on that image
    for Z in Zs:
        blind |= np.all(Z <= 0.0, axis=2)
    return {"units": units, "blind_images": blind}


def edge_sweep(
    param: str = "weight_mean",
    means: Sequence[float] | None = None,
    *,
    width: int = EDGE_DEFAULTS["width"],
    depth: int = EDGE_DEFAULTS["depth"],
    seeds: Sequence[int] = EDGE_DEFAULTS["seeds"],
    steps: int = EDGE_DEFAULTS["steps"],
    lr: float = EDGE_DEFAULTS["lr"],
    batch_size: int | None = EDGE_DEFAULTS["batch_size"],
    labels: str = "real",
    data=None,
    permutation_seed: int = 0,
    margin: float = EDGE_DEFAULTS["margin"],
    mc_draws: int = EDGE_DEFAULTS["mc_draws"],
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
) -> EdgeSweep:
    """Sweep one init mean from the working "small" column to a stuck one and find the edge.

    At every mean, ``len(seeds)`` nets of :func:`edge_column` are trained with Adam (as in
    :func:`run`); the sweep reports how many end stuck, how many started in the blind spot, how
    many first-layer units were dead before and after training, whether any dead unit came back,
    and the closed form (:func:`dead_unit_bounds`, :func:`dead_unit_monte_carlo`) of a dead first
    layer.

    Parameters
    ----------
    param : {"weight_mean", "bias_mean"}, default "weight_mean"
        The swept mean (:data:`EDGE_SWEEPS`).
    means : sequence of float, optional
        The means, in sweep order; default :data:`EDGE_MEANS` ``[param]`` (0 to the stuck value).
    width, depth : int, default 32, 2
        Hidden units per layer and hidden layers (:func:`sizes_for`).
    seeds : sequence of int, default 0..7
        Init seeds: nets per mean. Seed s draws the same standard normals at every mean (common
        random numbers), and mini-batch order depends on (seeds[0], the net's row), not the mean.
    steps, lr, batch_size, labels, data, permutation_seed, backend
        As in :func:`run`.
    margin : float, default 0.05
        A net is *stuck* when its training accuracy is below the majority-class rate + margin or it
        ends in the blind spot.
    mc_draws : int, default 4000
        (w, b) draws of :func:`dead_unit_monte_carlo` per mean.
    progress : callable(done, total), optional
        Called after each mean; returning False stops (the points hold the means done so far).

    Returns
    -------
    EdgeSweep
        ``points`` has, per mean: ``mean``, ``nets``, ``train_accuracy`` (mean), ``stuck``,
        ``dead_at_init`` and ``dead_at_end`` (fractions of nets in the blind spot,
        :func:`~relufast.experiments.blind_spot.in_blind_spot`), ``first_layer_dead_at_init``
        (fraction of nets whose first layer is dead on every image), ``dead_units_init`` and
        ``dead_units_end`` (mean fraction of dead first-layer units), ``blind_images_init`` and
        ``blind_images_end`` (mean fraction of images on which some layer is all dead),
        ``partly_dead_at_init`` (nets outside the blind spot with a dead unit or a blind image),
        ``revived`` (fraction of nets with a unit dead at init and alive at the end, any layer),
        ``revived_units`` (their mean number per net), ``revived_first_layer`` (first-layer units
        dead at init and alive at the end, summed over the nets: always 0, since no gradient
        reaches a unit that is dead on every input and its inputs, the data, never change), and
        the closed form of the first layer:
        ``unit_dead_lower`` / ``unit_dead_mc`` / ``unit_dead_upper`` (one unit, with
        ``unit_dead_mc_se``) and ``layer_dead_*`` (their ``width``-th powers).

    Examples
    --------
    >>> r = edge_sweep("bias_mean", [0.0, -3.0], width=8, seeds=[0, 1], steps=20, mc_draws=200)
    >>> r.points["dead_at_init"].tolist(), r.points["stuck"].tolist()
    ([0.0, 1.0], [0.0, 1.0])
    """
    from .. import backend as _backend
    from .blind_spot import in_blind_spot

    param = _edge_param(param)
    if means is None:
        means = EDGE_MEANS[param]
    if isinstance(means, (str, bytes)):
        raise ValueError(f"means must be a sequence of real numbers, got {means!r}")
    try:
        mlist = [_finite(m, "means[i]") for m in means]
    except TypeError:
        raise ValueError(f"means must be a sequence of real numbers, got {means!r}") from None
    if not mlist:
        raise ValueError("means must not be empty")
    width = positive_int(width, "width")
    depth = positive_int(depth, "depth")
    seeds = _check_list(seeds, "seeds", minimum=0)
    steps = positive_int(steps, "steps")
    lr = positive_float(lr, "lr")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "batch_size")
    margin = positive_float(margin, "margin", allow_zero=True)
    mc_draws = positive_int(mc_draws, "mc_draws")
    be = _backend.resolve(backend)
    X, y = load_data(labels, data=data, permutation_seed=permutation_seed)
    n_classes = int(y.max()) + 1
    majority = datasets.majority_rate(y)
    bs = None if batch_size is None or batch_size >= X.shape[0] else batch_size
    sizes = sizes_for(depth, width, X.shape[1], n_classes)
    t0 = time.perf_counter()
    pts: dict[str, list] = {}
    nets: dict[str, list] = {}
    for i, mean in enumerate(mlist):
        col = edge_column(param, mean)
        P0 = np.stack([init_column(col, sizes, s) for s in seeds])
        res, acc = _train_adam(P0, X, y, sizes, steps=steps, lr=lr, batch_size=bs, seed=seeds[0], backend=be)
        dead0, dead1 = in_blind_spot(P0, X, sizes), in_blind_spot(res.params, X, sizes)
        a0, a1 = _dead_analysis(P0, X, sizes), _dead_analysis(res.params, X, sizes)
        revived = sum((u0 & ~u1).sum(axis=1) for u0, u1 in zip(a0["units"], a1["units"]))
        revived_first = (a0["units"][0] & ~a1["units"][0]).sum(axis=1)  # 0: no gradient reaches them
        some_dead = np.any([u.any(axis=1) for u in a0["units"]], axis=0) | a0["blind_images"].any(axis=1)
        stuck = (acc < majority + margin) | dead1
        per_net = {
            "mean": np.full(len(seeds), mean),
            "seed": np.array(seeds),
            "train_accuracy": acc,
            "stuck": stuck,
            "dead_at_init": dead0,
            "dead_at_end": dead1,
            "first_layer_dead_at_init": a0["units"][0].all(axis=1),
            "dead_units_init": a0["units"][0].mean(axis=1),
            "dead_units_end": a1["units"][0].mean(axis=1),
            "revived_units": revived,
            "revived_first_layer": revived_first,
            "partly_dead_at_init": some_dead & ~dead0,
        }
        for k, v in per_net.items():
            nets.setdefault(k, []).extend(np.asarray(v).tolist())
        cf = (col.weight_mean, col.weight_std, col.bias_mean, col.bias_std)
        lo, hi = dead_unit_bounds(X, *cf)
        p_mc, se = dead_unit_monte_carlo(X, *cf, draws=mc_draws, seed=i)
        point = {
            "mean": mean,
            "nets": len(seeds),
            "train_accuracy": float(acc.mean()),
            "stuck": float(stuck.mean()),
            "dead_at_init": float(dead0.mean()),
            "dead_at_end": float(dead1.mean()),
            "first_layer_dead_at_init": float(per_net["first_layer_dead_at_init"].mean()),
            "dead_units_init": float(per_net["dead_units_init"].mean()),
            "dead_units_end": float(per_net["dead_units_end"].mean()),
            "blind_images_init": float(a0["blind_images"].mean()),
            "blind_images_end": float(a1["blind_images"].mean()),
            "partly_dead_at_init": float(per_net["partly_dead_at_init"].mean()),
            "revived": float(np.mean(revived > 0)),
            "revived_units": float(revived.mean()),
            "revived_first_layer": int(revived_first.sum()),
            "unit_dead_lower": lo,
            "unit_dead_mc": p_mc,
            "unit_dead_mc_se": se,
            "unit_dead_upper": hi,
            "layer_dead_lower": lo**width,
            "layer_dead_mc": p_mc**width,
            "layer_dead_upper": hi**width,
        }
        for k, v in point.items():
            pts.setdefault(k, []).append(v)
        if progress is not None and progress(i + 1, len(mlist)) is False:
            break
    return EdgeSweep(
        param=param,
        points={k: np.array(v) for k, v in pts.items()},
        nets={k: np.array(v) for k, v in nets.items()},
        majority_rate=majority,
        config={
            "param": param,
            "means": mlist,
            "width": width,
            "depth": depth,
            "seeds": list(seeds),
            "steps": steps,
            "lr": lr,
            "batch_size": bs,
            "labels": labels,
            "margin": margin,
            "mc_draws": mc_draws,
            "column": EDGE_SWEEPS[param],
        },
        wall_time=time.perf_counter() - t0,
        backend=be,
    )


# --------------------------------------------------------------------------- a longer budget


#: The longer-budget run (:func:`budget_sweep`) shipped as ``initialisation_long.json``: the two
#: zero-mean columns, 2 hidden layers, permuted labels, 10^3, 10^4 and 10^5 Adam updates.
class _LongBudget(TypedDict):
    """The type of :data:`LONG_BUDGET`."""

    widths: tuple[int, ...]
    budgets: tuple[int, ...]
    columns: tuple[str, ...]
    depth: int
    seeds: tuple[int, ...]
    labels: str
    lr: float
    batch_size: int | None


LONG_BUDGET: _LongBudget = {
    "widths": (8, 12, 16, 24, 32, 48, 64, 128),
    "budgets": (1_000, 10_000, 100_000),
    "columns": ("he", "small"),
    "depth": 2,
    "seeds": (0,),
    "labels": "permuted",
    "lr": 3e-3,
    "batch_size": 128,
}


def budget_sweep(
    widths: Sequence[int] = LONG_BUDGET["widths"],
    budgets: Sequence[int] = LONG_BUDGET["budgets"],
    *,
    columns=LONG_BUDGET["columns"],
    depth: int = LONG_BUDGET["depth"],
    seeds: Sequence[int] = LONG_BUDGET["seeds"],
    labels: str = LONG_BUDGET["labels"],
    lr: float = LONG_BUDGET["lr"],
    batch_size: int | None = LONG_BUDGET["batch_size"],
    data=None,
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
) -> dict:
    """Final training accuracy vs width after several Adam budgets (the paper's permuted-label claim).

    Every (budget, width) is one :func:`run` from the same initial points and the same mini-batch
    order, so the run with fewer updates is exactly the start of the longer one: the smaller budgets
    are checkpoints of the largest.

    Parameters
    ----------
    widths : sequence of int, default 8, 12, 16, 24, 32, 48, 64, 128
    budgets : sequence of int, default 10^3, 10^4, 10^5
        Adam updates per net.
    columns, depth, seeds, labels, lr, batch_size, data, backend
        As in :func:`run` (default: "he" and "small", 2 hidden layers, seed 0, permuted labels).
    progress : callable(done, total), optional
        Called after each (budget, width); returning False stops early.

    Returns
    -------
    dict
        ``rows`` (one entry per net: ``steps``, ``width``, ``column``, ``seed``,
        ``train_accuracy``, ``final_loss``), ``seconds`` (per (budget, width): ``steps``,
        ``width``, ``wall_s``), ``first_width_at_100`` (per budget, :func:`first_width_at`),
        ``majority_rate``, ``wall_s``, ``backend`` and ``params``.

    Examples
    --------
    >>> out = budget_sweep([8], [5], columns=["he"], labels="real")
    >>> out["rows"]["steps"], out["rows"]["width"], len(out["seconds"]["wall_s"])
    ([5], [8], 1)
    """
    widths = _check_list(widths, "widths")
    budgets = _check_list(budgets, "budgets")
    depth = positive_int(depth, "depth")
    rows: dict[str, list] = {
        k: [] for k in ("steps", "width", "column", "seed", "train_accuracy", "final_loss")
    }
    secs: dict[str, list] = {"steps": [], "width": [], "wall_s": []}
    be, majority, total = backend, float("nan"), len(budgets) * len(widths)
    t0 = time.perf_counter()
    done = 0
    for steps in budgets:
        for width in widths:
            r = run(
                (width,),
                (depth,),
                columns=columns,
                seeds=seeds,
                steps=steps,
                labels=labels,
                backend=backend,
                lr=lr,
                batch_size=batch_size,
                data=data,
            )
            be, majority = r.backend, r.majority_rate
            n = len(r.rows["column"])
            rows["steps"] += [steps] * n
            rows["width"] += [width] * n
            for k in ("column", "seed", "train_accuracy", "final_loss"):
                rows[k] += np.asarray(r.rows[k]).tolist()
            secs["steps"].append(steps)
            secs["width"].append(width)
            secs["wall_s"].append(r.wall_time)
            done += 1
            if progress is not None and progress(done, total) is False:
                break
        else:
            continue
        break
    out = {
        "rows": rows,
        "seconds": secs,
        "majority_rate": majority,
        "wall_s": time.perf_counter() - t0,
        "backend": be,
        "params": {
            "widths": list(widths),
            "budgets": list(budgets),
            "columns": [
                column(c).name for c in (columns if not isinstance(columns, (str, InitColumn)) else [columns])
            ],
            "depth": depth,
            "seeds": list(seeds),
            "labels": labels,
            "lr": lr,
            "batch_size": batch_size,
        },
    }
    out["first_width_at_100"] = {str(b): first_width_at(rows, b) for b in budgets}
    return jsonable(out)


def first_width_at(rows: dict, steps: int, accuracy: float = 1.0) -> int | None:
    """The smallest width from which every net (this width and every larger one) reaches ``accuracy``.

    Parameters
    ----------
    rows : dict
        Lists ``steps``, ``width``, ``train_accuracy`` (as in :func:`budget_sweep`).
    steps : int
        The budget to look at.
    accuracy : float, default 1.0
        Training accuracy to reach (1.0: zero training error).

    Returns
    -------
    int or None
        None when the widest net of that budget falls short (or there is no such budget).

    Examples
    --------
    >>> rows = {"steps": [10] * 4, "width": [8, 16, 32, 64], "train_accuracy": [0.5, 1.0, 0.99, 1.0]}
    >>> first_width_at(rows, 10)
    64
    >>> first_width_at(rows, 10, accuracy=0.99)
    16
    >>> first_width_at(rows, 5) is None
    True
    """
    try:
        st = np.asarray(rows["steps"])
        w = np.asarray(rows["width"])
        a = np.asarray(rows["train_accuracy"], dtype=float)
    except KeyError as exc:
        raise ValueError(
            f"rows must have lists 'steps', 'width' and 'train_accuracy' (missing {exc})"
        ) from None
    m = st == steps
    if not m.any():
        return None
    ws = np.unique(w[m])
    ok = np.array([np.all(a[m & (w == x)] >= accuracy - 1e-12) for x in ws])
    if not ok[-1]:
        return None
    bad = np.flatnonzero(~ok)
    return int(ws[bad[-1] + 1] if bad.size else ws[0])


def edge_summary(
    params: Sequence[str] = tuple(EDGE_SWEEPS),
    depths: Sequence[int] = (EDGE_DEFAULTS["depth"],),
    *,
    width: int = EDGE_DEFAULTS["width"],
    seeds: Sequence[int] = EDGE_DEFAULTS["seeds"],
    steps: int = EDGE_DEFAULTS["steps"],
    means: dict | None = None,
    data=None,
    backend: str = "auto",
    progress: Callable[[int, int], object] | None = None,
    **kwargs,
) -> dict:
    """:func:`edge_sweep` for every swept mean in ``params`` and depth in ``depths``, as JSON.

    This is ``initialisation_edge.json`` without its ``meta`` (and what the page's live run shows).

    Parameters
    ----------
    params : sequence of {"weight_mean", "bias_mean"}, default both
    depths : sequence of int, default (2,)
    width, seeds, steps, data, backend
        As in :func:`edge_sweep`.
    means : dict, optional
        param -> means (default :data:`EDGE_MEANS`).
    progress : callable(done, total), optional
        Means done over all sweeps.
    **kwargs
        Passed to :func:`edge_sweep` (``lr``, ``batch_size``, ``margin``, ``mc_draws``, ...).

    Returns
    -------
    dict
        ``sweeps``: one :meth:`EdgeSweep.to_summary` (plus ``depth``) per (param, depth);
        ``wall_s``, ``backend`` and ``params``.

    Examples
    --------
    >>> out = edge_summary(["bias_mean"], [1], width=4, seeds=[0], steps=5, means={"bias_mean": [0.0, -5.0]},
    ...                    mc_draws=100)
    >>> [s["param"] for s in out["sweeps"]], out["sweeps"][0]["points"]["dead_at_init"]
    (['bias_mean'], [0.0, 1.0])
    """
    if isinstance(params, str):
        params = (params,)
    plist = [_edge_param(p) for p in params]
    if not plist:
        raise ValueError("params must not be empty")
    depths = _check_list(depths, "depths")
    means = dict(means or {})
    unknown = set(means) - set(EDGE_SWEEPS)
    if unknown:
        raise ValueError(
            f"means must map names of {sorted(EDGE_SWEEPS)} to means, got keys {sorted(unknown)}"
        )
    grid = {p: list(means.get(p, EDGE_MEANS[p])) for p in plist}
    total = sum(len(grid[p]) for p in plist) * len(depths)
    done, sweeps, wall, be = 0, [], 0.0, backend
    for depth in depths:
        for p in plist:
            sub = None if progress is None else (lambda d, t, o=done: progress(o + d, total))
            r = edge_sweep(
                p,
                grid[p],
                width=width,
                depth=depth,
                seeds=seeds,
                steps=steps,
                data=data,
                backend=backend,
                progress=sub,
                **kwargs,
            )
            done += len(grid[p])
            wall += r.wall_time
            be = r.backend
            sweeps.append({**r.to_summary(), "depth": depth})
    return jsonable(
        {
            "sweeps": sweeps,
            "wall_s": wall,
            "backend": be,
            "params": {
                "params": plist,
                "depths": list(depths),
                "width": width,
                "seeds": list(seeds),
                "steps": steps,
            },
        }
    )


def edge_work(
    n_means: int, depths: Sequence[int], width: int, seeds: int, steps: int, batch_size: int | None
) -> float:
    """Multiply-adds of an :func:`edge_summary` run, as :func:`work` counts them.

    ``n_means`` counts the means of all swept parameters together; ``seeds`` is the number of nets
    per mean.

    Examples
    --------
    >>> edge_work(2, [2], 16, 1, 10, 128)  # 1482 parameters
    3793920.0
    """
    P = sum(mlp.num_params(sizes_for(d, width)) for d in depths)
    return float(P) * n_means * seeds * steps * (batch_size or 1797)


def edge_estimate_seconds(
    n_means: int,
    depths: Sequence[int],
    width: int,
    seeds: int,
    steps: int,
    batch_size: int | None,
    backend: str,
    threads: int = 1,
) -> float:
    """Rough wall time of :func:`edge_summary`: :func:`edge_work` at the rate of :func:`estimate_seconds`.

    Examples
    --------
    >>> round(edge_estimate_seconds(2, [2], 16, 1, 10, 128, "cpu"), 9)
    0.00379392
    """
    threads = max(1, int(threads))
    w = edge_work(n_means, depths, width, seeds, steps, batch_size)
    return w / (MULTIPLY_ADDS_PER_SECOND * threads) * (_NUMPY_FACTOR if backend == "numpy" else 1)


def edge_stats(sweep: dict) -> dict:
    """What the page says about one sweep of an :func:`edge_summary` (or :meth:`EdgeSweep.to_summary`).

    Parameters
    ----------
    sweep : dict
        With ``points`` (lists ``mean``, ``stuck``, ``dead_at_init``, ``partly_dead_at_init``,
        ``revived``, ``revived_units``, ``revived_first_layer``) and ``crossings``.

    Returns
    -------
    dict
        ``crossings`` (as given); ``stuck_alive_max``: the largest fraction of nets that end stuck
        although they were not in the blind spot at init (``stuck - dead_at_init``; a net in the
        blind spot never leaves it) and ``stuck_alive_at``, its mean; ``partly_dead_max``,
        ``revived_max`` and ``revived_units_max`` (largest over the means), ``revived_first_layer``
        (summed over the means).

    Examples
    --------
    >>> pts = {"mean": [0, -1, -2], "stuck": [0.0, 0.5, 1.0], "dead_at_init": [0.0, 0.25, 1.0],
    ...        "partly_dead_at_init": [1.0, 0.75, 0.0], "revived": [0.5, 0.25, 0.0],
    ...        "revived_units": [1.0, 0.5, 0.0], "revived_first_layer": [0, 0, 0]}
    >>> st = edge_stats({"points": pts, "crossings": {}})
    >>> st["stuck_alive_max"], st["stuck_alive_at"], st["revived_max"], st["revived_first_layer"]
    (0.25, -1.0, 0.5, 0)
    """
    try:
        p = sweep["points"]
        m = np.asarray(p["mean"], dtype=float)
        gap = np.asarray(p["stuck"], dtype=float) - np.asarray(p["dead_at_init"], dtype=float)
        out = {
            "crossings": dict(sweep.get("crossings", {})),
            "partly_dead_max": float(np.max(p["partly_dead_at_init"])),
            "revived_max": float(np.max(p["revived"])),
            "revived_units_max": float(np.max(p["revived_units"])),
            "revived_first_layer": int(np.sum(p["revived_first_layer"])),
        }
    except (KeyError, TypeError) as exc:
        raise ValueError(f"sweep must be an edge_summary sweep with 'points' ({exc})") from None
    i = int(np.argmax(gap))
    out["stuck_alive_max"] = float(gap[i])
    out["stuck_alive_at"] = float(m[i])
    return out
