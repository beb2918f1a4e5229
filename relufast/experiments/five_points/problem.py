"""Data set D1, the one-unit model on it, and the numbers that name its minima (papers.md A1).

Part of :mod:`relufast.experiments.five_points` (import names from there).
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from ... import mlp
from ..._validate import float_array, real_array

#: Inputs and targets of data set D1.
X = np.array([-1.0, 1.0, 3.0, 4.0, 5.0])
Y = np.array([3.0, -3.0, 0.0, 1.0, 2.0])
#: Layer sizes of the one-unit model, so ``mlp.num_params(SIZES) == 4`` with layout (w, b, v, c).
SIZES = (1, 1, 1)
#: The paper's non-global local minimum (L = 18) and the lecture's global minimum (L = 14).
RED = np.array([1.0, -3.0, 1.0, 0.0])
BLUE = np.array([-7.0, -4.0, 1.0, 0.0])


class _Paper(TypedDict):
    """The type of :data:`PAPER` (its values differ in type from key to key)."""

    loss_red: float
    loss_blue: float
    loss_dead: float
    loss_linear: float
    basin_fractions: dict[str, float]
    basin_runs: int
    protocol: str
    note: str


#: Published numbers (papers.md A1), for "paper vs ours" displays.
PAPER: _Paper = {
    "loss_red": 18.0,
    "loss_blue": 14.0,
    "loss_dead": 21.2,
    "loss_linear": 21.17,
    "basin_fractions": {"21.2": 0.42, "14": 0.36, "21.17": 0.13, "18": 0.09},
    "basin_runs": 4000,
    "protocol": "full-batch GD on L (sum of squares), lr 0.01, 20k steps, (w, b, v, c) ~ N(0, 1)",
    "note": "basin fractions are a sanity range, not a target; blue's values come from the lecture",
}

#: Choices that are this project's own (the paper leaves them open).
PROJECT_CHOICES = {
    "classification": (
        "an endpoint belongs to a class when its final loss is within `tol` of the class's value; "
        "21.2 needs every point dead (pre-activation <= 0), 21.17 every point active; "
        "endpoints with a non-finite loss or parameter are 'diverged', anything else is 'other' "
        "(e.g. the local minimum L = 18.75 with the unit active on x = 5 only)"
    ),
    "tol": 0.01,
    "seeding": "init i is drawn by relufast.train.init_params(seed=seed) (reproducible per seed)",
    "restarts": "1e5 by default (the lecture used 4000)",
}

#: Endpoint classes of :func:`classify_endpoints`, in display order.
CLASSES = ("14", "18", "21.17", "21.2", "other", "diverged")


def data() -> tuple[np.ndarray, np.ndarray]:
    """Copies of the inputs and targets of D1, shapes (5,) and (5,)."""
    return X.copy(), Y.copy()


def _points(x, y):
    x = X if x is None else float_array(x, "X", (1,))
    y = Y if y is None else float_array(y, "Y", (1,))
    if x.shape != y.shape:
        raise ValueError(f"X and Y must have the same shape, got {x.shape} and {y.shape}")
    return x, y


def loss(params: ArrayLike, *, backend: str = "auto") -> float | np.ndarray:
    """L = sum of squares on D1 for params (4,) (a float) or (R, 4) (an array (R,))."""
    return mlp.loss(params, X, Y, SIZES, loss="sse", backend=backend)


def grad(params: ArrayLike, *, backend: str = "auto") -> np.ndarray:
    """Gradient of :func:`loss`, (4,) or (R, 4), with relu'(0) = 0."""
    return mlp.grad(params, X, Y, SIZES, loss="sse", backend=backend)


def predict(params: ArrayLike, x: ArrayLike, *, backend: str = "auto") -> np.ndarray:
    """The one-unit model's outputs f(x) = v relu(w x + b) + c.

    Parameters
    ----------
    params : array_like (4,) or (R, 4)
        ``(w, b, v, c)``, one point or a batch.
    x : array_like (N,)
        Scalar inputs.
    backend : str
        Validated only (the forward pass runs in NumPy).

    Returns
    -------
    ndarray (N,) for one point, (R, N) for a batch

    Examples
    --------
    >>> predict(RED, X).tolist()  # the red fit ignores the two left points
    [0.0, 0.0, 0.0, 1.0, 2.0]
    """
    xs = float_array(x, "x", (1,))
    return np.asarray(mlp.predict(params, xs[:, None], list(SIZES), backend=backend))[..., 0]


# --------------------------------------------------------------------------- reference values


def _dead_constant_loss(y) -> float:
    return float(np.sum((y - y.mean()) ** 2))


def _linear_fit_loss(x, y) -> float:
    A = np.stack([x, np.ones_like(x)], axis=1)
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return float(np.sum((A @ coef - y) ** 2))


def reference_values(*, backend: str = "numpy") -> dict:
    """The loss values that name the basins, computed from D1 (nothing is hard-coded).

    Returns
    -------
    dict
        ``red`` (18) and ``blue`` (14): L at RED and BLUE; ``dead``: the best constant,
        sum (y - mean y)^2 = 21.2; ``linear``: the least-squares line, ~21.1724.
    """
    return {
        "14": float(loss(BLUE, backend=backend)),
        "18": float(loss(RED, backend=backend)),
        "21.17": _linear_fit_loss(X, Y),
        "21.2": _dead_constant_loss(Y),
    }


def _one_unit(params, name: str = "params") -> np.ndarray:
    p = float_array(params, name, (1,))
    if p.shape != (4,):
        raise ValueError(f"{name} must be (w, b, v, c), shape (4,), got {p.shape}")
    return p


def flat_curve(a, params=RED) -> np.ndarray:
    """Points (a w, a b, v / a, c), a > 0, of the flat curve through ``params`` (L is constant).

    relu is positively homogeneous, so rescaling the unit's input weights by a and its output
    weight by 1/a leaves f unchanged. For RED this is the paper's curve (1/a', -3/a', a', 0) with
    a' = 1/a.

    Parameters
    ----------
    a : float or array_like (n,), every entry > 0
    params : array_like (4,), default RED

    Returns
    -------
    ndarray, (4,) for scalar ``a`` or (n, 4)
    """
    p = _one_unit(params)
    a_ = real_array(a, "a")
    if not np.all(np.isfinite(a_)) or np.any(a_ <= 0):
        raise ValueError("a must be finite and > 0")
    w, b, v, c = p
    out = np.stack(np.broadcast_arrays(a_ * w, a_ * b, v / a_, np.full_like(a_, c)), axis=-1)
    return out
