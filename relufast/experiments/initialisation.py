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
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from .. import datasets, mlp
from .._validate import positive_float, positive_int
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
    from .. import train

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
        res = train.train(
            P0,
            X,
            y,
            sizes,
            optimizer="adam",
            lr=lr,
            steps=steps,
            batch_size=bs,
            seed=seeds[0],
            loss="ce",
            backend=be,
        )
        acc = np.mean(np.argmax(mlp.predict(res.params, X, sizes), axis=-1) == y[None, :], axis=1)
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
) -> float:
    """Multiply-adds of a :func:`figure_summary` run: nets x updates x batch x parameters.

    ``batch_size`` None (full batch) counts the 1797 digits.

    Examples
    --------
    >>> work([16], [2], [0], 600, ["real"], 128)  # 1482 parameters, 5 columns
    569088000.0
    """
    P = sum(mlp.num_params(sizes_for(d, w)) for d in depths for w in widths)
    return float(P) * n_columns * len(seeds) * steps * (batch_size or 1797) * len(labels)


def estimate_seconds(
    widths: Sequence[int],
    depths: Sequence[int],
    seeds: Sequence[int],
    steps: int,
    labels: Sequence[str],
    batch_size: int | None,
    backend: str,
    threads: int = 1,
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
    w = work(widths, depths, seeds, steps, labels, batch_size)
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
