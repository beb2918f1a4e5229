"""The default data and net of the blind-spot figure, the paper's statements, and input checks.

Part of :mod:`relufast.experiments.blind_spot` (import names from there).
"""

from __future__ import annotations

import numpy as np

from ... import mlp
from ..._validate import float_array

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
