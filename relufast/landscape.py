"""1-D and 2-D slices of a loss landscape around a point (functional API).

In the spirit of the ``loss-landscapes`` package: every function takes a *batched* loss
``f(params (R, P)) -> (R,)`` (for instance ``functools.partial(relufast.mlp.loss, X=X, Y=Y,
sizes=sizes)``), evaluates all grid points as ONE batch (R = number of grid points, chunked only
to bound memory), and returns plain NumPy columns a chart consumes directly.

Examples
--------
>>> import numpy as np
>>> f = lambda P: np.sum(P**2, axis=1)
>>> ts = np.linspace(-1, 1, 5)
>>> s = slice_2d(f, np.zeros(3), np.eye(3)[0], np.eye(3)[1], ts, ts)
>>> s["loss_grid"].shape
(5, 5)

References
----------
H. Li, Z. Xu, G. Taylor, C. Studer and T. Goldstein, "Visualizing the loss landscape of neural
nets", NeurIPS 2018 (filter normalisation).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._validate import check_memory, float_array, positive_int
from ._validate import seed as check_seed

__all__ = [
    "slice_1d",
    "slice_2d",
    "random_directions",
    "filter_normalize",
    "plane_through",
    "evaluate_batched",
]

BatchedLoss = Callable[[np.ndarray], np.ndarray]


def _vector(x: ArrayLike, name: str) -> np.ndarray:
    return float_array(x, name, (1,))


def _ts(ts: ArrayLike, name: str) -> np.ndarray:
    return float_array(ts, name, (1,))


def evaluate_batched(f: BatchedLoss, params: ArrayLike, *, batch: int | None = None) -> np.ndarray:
    """Evaluate a batched loss on ``params (R, P)``, in chunks of at most ``batch`` rows.

    Parameters
    ----------
    f : callable
        ``f(params (R, P)) -> (R,)``.
    params : array_like, shape (R, P)
        One parameter vector per row.
    batch : int, optional
        Largest number of rows handed to ``f`` at once; default all of them.

    Returns
    -------
    ndarray, shape (R,)
        ``f`` of every row, float64.

    Raises
    ------
    ValueError
        If ``f`` is not callable or returns another shape than ``(rows,)``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda P: np.sum(P**2, axis=1)
    >>> evaluate_batched(f, [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], batch=2)
    array([ 1., 13., 41.])
    """
    if not callable(f):
        raise ValueError(f"f must be a callable loss f(params (R, P)) -> (R,), got {f!r}")
    P = float_array(params, "params", (2,))
    step = P.shape[0] if batch is None else positive_int(batch, "batch")
    out = []
    for i in range(0, P.shape[0], step):
        block = P[i : i + step]
        v = np.asarray(f(block), dtype=np.float64)
        if v.shape != (block.shape[0],):
            raise ValueError(
                f"f must return shape (R,) = ({block.shape[0]},) for params of shape "
                f"{block.shape}, got {v.shape}"
            )
        out.append(v)
    return np.concatenate(out)


def slice_1d(
    f: BatchedLoss, center: ArrayLike, direction: ArrayLike, ts: ArrayLike, *, batch: int | None = None
) -> dict[str, np.ndarray]:
    """Loss along the line ``center + t * direction``.

    Parameters
    ----------
    f : callable
        Batched loss ``f(params (R, P)) -> (R,)``.
    center, direction : array_like, shape (P,)
        A point of the line (t = 0) and its direction (not normalised).
    ts : array_like, shape (n,)
        Positions along the line (t = 0 is ``center``).
    batch : int, optional
        Cap on the rows per call of ``f`` (memory); default one call.

    Returns
    -------
    dict
        ``{"t": (n,), "loss": (n,)}``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda P: np.sum(P**2, axis=1)
    >>> slice_1d(f, [0.0, 0.0], [1.0, 0.0], [-1, 0, 1])["loss"]
    array([1., 0., 1.])
    """
    c = _vector(center, "center")
    d = _vector(direction, "direction")
    if d.shape != c.shape:
        raise ValueError(f"direction must have the shape of center {c.shape}, got {d.shape}")
    t = _ts(ts, "ts")
    points = c[None, :] + t[:, None] * d[None, :]
    return {"t": t, "loss": evaluate_batched(f, points, batch=batch)}


def slice_2d(
    f: BatchedLoss,
    center: ArrayLike,
    d1: ArrayLike,
    d2: ArrayLike,
    ts1: ArrayLike,
    ts2: ArrayLike,
    *,
    batch: int | None = None,
) -> dict[str, np.ndarray]:
    """Loss on the plane ``center + t1 * d1 + t2 * d2`` over the grid ``ts1 x ts2``.

    Parameters
    ----------
    f : callable
        Batched loss ``f(params (R, P)) -> (R,)``.
    center, d1, d2 : array_like, shape (P,)
        The origin of the plane and its two directions (not normalised).
    ts1, ts2 : array_like, shapes (n1,) and (n2,)
        Grid positions along ``d1`` and ``d2``.
    batch : int, optional
        Cap on the rows per call of ``f`` (memory); default one call for all n1*n2 points.

    Returns
    -------
    dict
        Long-form columns ``"t1"``, ``"t2"``, ``"loss"`` of length n1*n2 (t1-major, ready for a
        heatmap or contour chart), plus ``"loss_grid"`` (n1, n2), ``"ts1"`` and ``"ts2"``.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda P: np.sum(P**2, axis=1)
    >>> s = slice_2d(f, np.zeros(3), np.eye(3)[0], np.eye(3)[1], [-1, 0, 1], [0, 2])
    >>> s["loss_grid"]
    array([[1., 5.],
           [0., 4.],
           [1., 5.]])
    >>> s["t1"], s["t2"]
    (array([-1., -1.,  0.,  0.,  1.,  1.]), array([0., 2., 0., 2., 0., 2.]))
    """
    c = _vector(center, "center")
    u = _vector(d1, "d1")
    v = _vector(d2, "d2")
    for name, a in (("d1", u), ("d2", v)):
        if a.shape != c.shape:
            raise ValueError(f"{name} must have the shape of center {c.shape}, got {a.shape}")
    a1, a2 = _ts(ts1, "ts1"), _ts(ts2, "ts2")
    # the grid's t1, t2, loss and its points (n1 n2, P) at once, before anything is allocated
    check_memory(
        8.0 * a1.size * a2.size * (4 + c.size), f"slice_2d on a {a1.size} x {a2.size} grid (ts1 x ts2)"
    )
    T1, T2 = np.meshgrid(a1, a2, indexing="ij")
    t1, t2 = T1.ravel(), T2.ravel()
    points = c[None, :] + t1[:, None] * u[None, :] + t2[:, None] * v[None, :]
    loss = evaluate_batched(f, points, batch=batch)
    return {
        "t1": t1,
        "t2": t2,
        "loss": loss,
        "loss_grid": loss.reshape(a1.size, a2.size),
        "ts1": a1,
        "ts2": a2,
    }


def _layer_slices(
    sizes: Sequence[int], output_bias: bool
) -> tuple[list[tuple[slice, tuple[int, int], slice | None]], int]:
    """(weight slice, (out, in), bias slice or None) per layer of the flat mlp layout."""
    sizes = [positive_int(s, "sizes[i]") for s in sizes]
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least input and output widths, got {sizes}")
    out, pos = [], 0
    for k in range(len(sizes) - 1):
        n_in, n_out = sizes[k], sizes[k + 1]
        w = slice(pos, pos + n_in * n_out)
        pos += n_in * n_out
        last = k == len(sizes) - 2
        b = None
        if not last or output_bias:
            b = slice(pos, pos + n_out)
            pos += n_out
        out.append((w, (n_out, n_in), b))
    return out, pos


def filter_normalize(
    direction: ArrayLike,
    center: ArrayLike,
    sizes: Sequence[int],
    *,
    output_bias: bool = True,
    biases: str = "zero",
) -> np.ndarray:
    """Filter-normalise a direction for an MLP with the flat layout of :mod:`relufast.mlp`.

    Each row of each weight matrix of ``direction`` (one neuron's incoming weights, a "filter") is
    rescaled to the norm of the same row of ``center`` (Li et al. 2018).

    Parameters
    ----------
    direction, center : array_like, shape (P,)
        The direction to normalise and the point whose filter norms it takes.
    sizes : sequence of int
        ``[d_in, h_1, ..., d_out]``.
    output_bias : bool, default True
        Whether the layout has an output-layer bias (as in :mod:`relufast.mlp`).
    biases : {"zero", "filter", "keep"}, default "zero"
        What to do with bias entries: set them to 0 (as Li et al.), treat each bias as a
        one-element filter, or leave them unchanged.

    Returns
    -------
    ndarray, shape (P,)
        The normalised copy of ``direction``.

    Examples
    --------
    A [1, 2, 1] net: W1 (2 x 1), b1 (2), W2 (1 x 2), b2 (1); P = 7.

    >>> d = filter_normalize([3, 4, 1, 1, 2, 0, 5], [1, 0, 1, 1, 1, 1, 1], [1, 2, 1])
    >>> d.round(3)
    array([1.   , 0.   , 0.   , 0.   , 1.414, 0.   , 0.   ])
    """
    d = _vector(direction, "direction").copy()
    c = _vector(center, "center")
    layers, P = _layer_slices(sizes, output_bias)
    if d.shape != (P,) or c.shape != (P,):
        raise ValueError(f"direction and center must have shape ({P},) for sizes {list(sizes)}")
    if biases not in ("zero", "filter", "keep"):
        raise ValueError(f"biases must be 'zero', 'filter' or 'keep', got {biases!r}")
    for w, shape, b in layers:
        D, C = d[w].reshape(shape), c[w].reshape(shape)
        dn = np.linalg.norm(D, axis=1, keepdims=True)
        cn = np.linalg.norm(C, axis=1, keepdims=True)
        d[w] = (D * np.where(dn > 0, cn / np.where(dn > 0, dn, 1.0), 0.0)).ravel()
        if b is not None:
            if biases == "zero":
                d[b] = 0.0
            elif biases == "filter":
                d[b] = np.where(d[b] != 0, np.abs(c[b]) * np.sign(d[b]), 0.0)
    return d


def random_directions(
    center: ArrayLike,
    seed: int = 0,
    *,
    n: int = 2,
    normalize: str | None = None,
    sizes: Sequence[int] | None = None,
    output_bias: bool = True,
    orthogonal: bool = False,
) -> np.ndarray:
    """Random Gaussian directions around ``center``.

    Parameters
    ----------
    center : array_like, shape (P,)
        The point the directions are drawn around (its size and, when normalising, its norms).
    seed : int, default 0
        Seed of the draws (``numpy.random.SeedSequence``).
    n : int, default 2
        Number of directions.
    normalize : {None, "global", "filter"}, default None
        None: raw N(0, I) draws. "global": each direction scaled to the norm of ``center`` (or to
        norm 1 if ``center`` is 0). "filter": Li et al.'s filter normalisation (needs ``sizes``).
    sizes : sequence of int, optional
        MLP widths, needed for ``normalize="filter"``.
    output_bias : bool, default True
        Layout flag for ``normalize="filter"``.
    orthogonal : bool, default False
        Gram-Schmidt the directions against each other before normalising.

    Returns
    -------
    ndarray, shape (n, P)
        One direction per row.

    Examples
    --------
    >>> import numpy as np
    >>> D = random_directions(np.ones(4), seed=0, normalize="global", orthogonal=True)
    >>> D.shape
    (2, 4)
    >>> np.linalg.norm(D, axis=1)
    array([2., 2.])
    >>> abs(float(D[0] @ D[1])) < 1e-12
    True
    """
    c = _vector(center, "center")
    n = positive_int(n, "n")
    if normalize not in (None, "global", "filter"):
        raise ValueError(f"normalize must be None, 'global' or 'filter', got {normalize!r}")
    if normalize == "filter" and sizes is None:
        raise ValueError("normalize='filter' needs sizes=[d_in, ..., d_out]")
    rng = np.random.default_rng(np.random.SeedSequence(check_seed(seed)))
    D = rng.standard_normal((n, c.size))
    if orthogonal:
        if n > c.size:
            raise ValueError(f"cannot draw {n} orthogonal directions in {c.size} dimensions")
        D = np.linalg.qr(D.T)[0].T * np.sqrt(c.size)
    if normalize == "global":
        scale = np.linalg.norm(c) or 1.0
        D = D / np.linalg.norm(D, axis=1, keepdims=True) * scale
    elif normalize == "filter":
        assert sizes is not None  # checked above
        D = np.stack([filter_normalize(d, c, sizes, output_bias=output_bias) for d in D])
    return D


def plane_through(
    p0: ArrayLike, p1: ArrayLike, p2: ArrayLike | None = None, *, seed: int = 0
) -> dict[str, np.ndarray]:
    """A plane for :func:`slice_2d` through two or three points.

    The origin is ``p0`` and ``d1 = p1 - p0`` (so ``p1`` sits at (1, 0)). ``d2`` is ``p2 - p0``
    made orthogonal to ``d1`` and scaled to ``|d1|``; without ``p2`` it is a random direction
    orthogonal to ``d1`` with the same norm.

    Parameters
    ----------
    p0, p1 : array_like, shape (P,)
        The origin of the plane and the point at (1, 0).
    p2 : array_like, shape (P,), optional
        A third point of the plane.
    seed : int, default 0
        Seed of the random second direction when ``p2`` is not given.

    Returns
    -------
    dict
        ``center`` (P,), ``d1`` (P,), ``d2`` (P,), and ``coords``: the (t1, t2) of each given
        point, ``(3, 2)`` or ``(2, 2)``.

    Raises
    ------
    ValueError
        If ``p0`` and ``p1`` coincide or the three points are collinear.

    Examples
    --------
    >>> pl = plane_through([0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    >>> pl["d2"]
    array([0., 2., 0.])
    >>> pl["coords"]
    array([[0. , 0. ],
           [1. , 0. ],
           [0. , 0.5]])
    """
    a, b = _vector(p0, "p0"), _vector(p1, "p1")
    if b.shape != a.shape:
        raise ValueError(f"p1 must have the shape of p0 {a.shape}, got {b.shape}")
    d1 = b - a
    n1 = float(np.linalg.norm(d1))
    if n1 == 0:
        raise ValueError("p0 and p1 coincide: no plane through them")
    if p2 is None:
        if a.size < 2:
            raise ValueError("a plane needs at least 2 parameters")
        r = np.random.default_rng(np.random.SeedSequence(check_seed(seed))).standard_normal(a.size)
    else:
        c = _vector(p2, "p2")
        if c.shape != a.shape:
            raise ValueError(f"p2 must have the shape of p0 {a.shape}, got {c.shape}")
        r = c - a
    e1 = d1 / n1
    r = r - (r @ e1) * e1
    nr = float(np.linalg.norm(r))
    if nr <= 1e-12 * max(1.0, n1):
        raise ValueError("the three points are collinear: no unique plane through them")
    d2 = r / nr * n1
    coords = [(0.0, 0.0), (1.0, 0.0)]
    if p2 is not None:
        rel = _vector(p2, "p2") - a
        coords.append((float(rel @ d1) / n1**2, float(rel @ d2) / n1**2))
    return {"center": a, "d1": d1, "d2": d2, "coords": np.array(coords)}
