r"""Data sets D2 and D3, the [1, h, 1] ReLU model on them, and the points the paper prints.

Part of :mod:`relufast.experiments.more_minima` (import names from there).

The model is :math:`f(x) = \sum_{i=1}^h v_i\,\mathrm{relu}(w_i x + b_i) + c`, with parameters in the
:mod:`relufast.mlp` layout for ``sizes = [1, h, 1]``: ``(w_1..w_h, b_1..b_h, v_1..v_h, c)``, and the
loss is the plain sum of squares :math:`L = \sum_j (f(x_j) - y_j)^2` (no 1/n, no 1/2), as for the
five points (papers.md A1). The stated losses of Prop. 3 (1/6 and 2/3) are sums: with a mean they
would read 1/36 and 1/9.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike

from ... import mlp
from ..._validate import float_array

F = Fraction


@dataclass(frozen=True)
class PublishedPoint:
    """A parameter point as the paper prints it (papers.md A4), with what the paper says of it.

    Attributes
    ----------
    key : str
        Short name, e.g. ``"prop2_global"``.
    label : str
        How the page names it.
    params : tuple of Fraction
        ``(w_1..w_h, b_1..b_h, v_1..v_h, c)`` exactly as printed.
    stated_loss : Fraction or None
        The loss the paper states (0 for its "perfect fit"); None where it prints none.
    claim : str
        What the paper claims: ``"global"`` (a global minimum) or ``"local"`` (a local minimum
        that is not global).
    """

    key: str
    label: str
    params: tuple[Fraction, ...]
    stated_loss: Fraction | None
    claim: str

    @property
    def h(self) -> int:
        return (len(self.params) - 1) // 3

    def as_array(self) -> np.ndarray:
        """The printed parameters as floats (3h + 1,)."""
        return np.array([float(t) for t in self.params])


@dataclass(frozen=True)
class Proposition:
    """One proposition of the paper: its data, width and printed points."""

    key: str
    title: str
    h: int
    x: tuple[Fraction, ...]
    y: tuple[Fraction, ...]
    points: tuple[PublishedPoint, ...]
    note: str

    @property
    def sizes(self) -> tuple[int, int, int]:
        return (1, self.h, 1)

    @property
    def X(self) -> np.ndarray:
        return np.array([float(t) for t in self.x])

    @property
    def Y(self) -> np.ndarray:
        return np.array([float(t) for t in self.y])

    def point(self, key: str) -> PublishedPoint:
        """The printed point named ``key``.

        Examples
        --------
        >>> PROP3.point("prop3_b").stated_loss
        Fraction(2, 3)
        """
        for p in self.points:
            if p.key == key:
                return p
        raise ValueError(f"{self.key} has no point {key!r}; choose from {[p.key for p in self.points]}")


def _fr(*vals: int | Fraction) -> tuple[Fraction, ...]:
    return tuple(F(v) for v in vals)


#: Prop. 2: two hidden units on D2 (papers.md A4).
PROP2 = Proposition(
    key="prop2",
    title="Prop. 2: two hidden units, data D2",
    h=2,
    x=_fr(-1, 0, 1, 10, 11, 12),
    y=_fr(5, 0, -1, -3, -4, -5),
    points=(
        PublishedPoint(
            "prop2_global",
            "global minimum (perfect fit)",
            _fr(-5, -1, 1, -8, 1, -1, -1),
            F(0),
            "global",
        ),
        PublishedPoint(
            "prop2_local",
            "suboptimal local minimum",
            _fr(-3, -1, F(13, 3), -10, 1, -1, -3),
            None,
            "local",
        ),
    ),
    note="The text says the global solution has a blind spot: all units inactive at x = 1.",
)

#: Prop. 3: three hidden units on D3 (papers.md A4).
PROP3 = Proposition(
    key="prop3",
    title="Prop. 3: three hidden units, data D3",
    h=3,
    x=_fr(-1, 0, 1, 10, 11, 12),
    y=_fr(3, 0, -1, -3, -4, -6),
    points=(
        PublishedPoint(
            "prop3_a",
            "local minimum, L = 1/6",
            _fr(F(-3, 2), F(-3, 2), F(3, 2), 1, 0, F(-79, 6), 1, 1, -1, -1),
            F(1, 6),
            "local",
        ),
        PublishedPoint(
            "prop3_b",
            "local minimum, L = 2/3",
            _fr(-2, 1, 1, F(11, 3), -10, -11, 1, -1, -1, -3),
            F(2, 3),
            "local",
        ),
    ),
    note="Both points are stated to be local minima.",
)

#: The two propositions, by key.
PROPS = {"prop2": PROP2, "prop3": PROP3}

#: A perfect fit (L = 0) of D3 with three units, constructed here (the paper prints none): the
#: interpolating broken line has only two breaks, at x = 7/25 and x = 169/16, and the third unit
#: carries the middle slope -2/9. It shows that both printed Prop. 3 points are not global.
PERFECT_FIT_D3 = _fr(-1, 1, 1, F(7, 25), 2, F(-169, 16), F(25, 9), F(-2, 9), F(-16, 9), F(-1, 3))

#: The smallest loss known on each data set and a point that reaches it. On D2 it is the printed
#: Prop. 2 "perfect fit" with w_2 = +1 (as printed, w_2 = -1, it is not one: see
#: :func:`~relufast.experiments.more_minima.check_point`); on D3 it is :data:`PERFECT_FIT_D3`.
#: A loss of 0 is global for any data.
PERFECT_FITS: dict[str, tuple[Fraction, tuple[Fraction, ...]]] = {
    "prop2": (F(0), _fr(-5, 1, 1, -8, 1, -1, -1)),
    "prop3": (F(0), PERFECT_FIT_D3),
}

#: Choices that are this project's own (the paper leaves them open).
PROJECT_CHOICES = {
    "loss": "L = sum of squares (no 1/n, no 1/2): the stated losses 1/6 and 2/3 are sums",
    "prop2_local_loss": "the paper prints no loss for the Prop. 2 local minimum: we show ours only",
    "global_d3": "L = 0 is reached on D3 by the constructed point PERFECT_FIT_D3",
}


def get_prop(prop: str | Proposition) -> Proposition:
    """The :class:`Proposition` named ``prop`` ("prop2" or "prop3"), or ``prop`` itself.

    Examples
    --------
    >>> get_prop("prop3").h, get_prop(PROP2).sizes
    (3, (1, 2, 1))
    """
    if isinstance(prop, Proposition):
        return prop
    if not isinstance(prop, str) or prop not in PROPS:
        raise ValueError(f"prop must be one of {list(PROPS)}, got {prop!r}")
    return PROPS[prop]


def check_params(params: ArrayLike, h: int) -> np.ndarray:
    """``params`` as floats of shape (3h + 1,) or (R, 3h + 1), or a ValueError naming the shape.

    Examples
    --------
    >>> check_params([[0.0] * 7] * 2, 2).shape
    (2, 7)
    """
    p = float_array(params, "params", (1, 2))
    if p.ndim not in (1, 2) or p.shape[-1] != 3 * h + 1:
        raise ValueError(
            f"params must have shape (3h + 1,) = ({3 * h + 1},) or (R, {3 * h + 1}), got {p.shape}"
        )
    return p


def loss(prop: str | Proposition, params: ArrayLike, *, backend: str = "auto") -> float | np.ndarray:
    """L = sum of squares on the proposition's data, a float for (3h + 1,), an array for (R, 3h + 1).

    Examples
    --------
    >>> loss("prop3", PROP3.points[0].as_array())  # 1/6
    0.1667
    """
    pr = get_prop(prop)
    p = check_params(params, pr.h)
    return mlp.loss(p, pr.X, pr.Y, list(pr.sizes), loss="sse", backend=backend)


def grad(prop: str | Proposition, params: ArrayLike, *, backend: str = "auto") -> np.ndarray:
    """Gradient of :func:`loss` (relu'(0) = 0), (3h + 1,) or (R, 3h + 1).

    Examples
    --------
    >>> grad("prop2", PROP2.points[0].as_array()).tolist()  # only dL/dc = 18: not a minimum
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 18.0]
    """
    pr = get_prop(prop)
    p = check_params(params, pr.h)
    return mlp.grad(p, pr.X, pr.Y, list(pr.sizes), loss="sse", backend=backend)


def predict(prop: str | Proposition, params: ArrayLike, x: ArrayLike) -> np.ndarray:
    """f(x) for params (3h + 1,) -> (N,), or (R, 3h + 1) -> (R, N).

    Examples
    --------
    >>> predict("prop3", PROP3.points[1].as_array(), [10.0, 11.0, 12.0]).tolist()
    [-3.0, -4.0, -6.0]
    """
    pr = get_prop(prop)
    p = check_params(params, pr.h)
    xs = float_array(x, "x", (1,))
    if xs.ndim != 1:
        raise ValueError(f"x must be one-dimensional, got shape {xs.shape}")
    return np.asarray(mlp.predict(p, xs[:, None], list(pr.sizes)))[..., 0]
