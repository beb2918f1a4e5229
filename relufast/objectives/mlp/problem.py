"""The fixed inputs of a finite-data MLP problem (net, data, loss), validated once.

Every kernel of :mod:`relufast.objectives.mlp` takes a :class:`Problem` instead of a long tuple of
arrays and flags; the C++ core binds the same split (``Net`` and ``Data``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..._validate import float_array
from .layout import Net

__all__ = ["as_net", "LOSSES", "Problem", "check_loss", "check_params", "check_X", "check_data"]

LOSSES = ("sse", "mse", "ce")


def as_net(net: Net | object, output_bias: bool = True, activation: str = "relu") -> Net:
    """``net`` itself if it is a :class:`Net`, else ``Net.of(net, output_bias, activation)``."""
    return net if isinstance(net, Net) else Net.of(net, output_bias, activation)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Problem:
    """A net, its training data and its loss: everything a loss/gradient/Hessian kernel needs.

    ``Y`` (N, d_out) holds real targets for "sse"/"mse" and is None for "ce", whose integer class
    labels are in ``labels`` (N,) instead.
    """

    net: Net
    X: np.ndarray
    Y: np.ndarray | None
    labels: np.ndarray | None
    loss: str

    @classmethod
    def of(
        cls,
        X: object,
        Y: object,
        sizes: object,
        loss: object = "sse",
        output_bias: bool = True,
        activation: str = "relu",
    ) -> Problem:
        """Validate everything once (see :func:`relufast.mlp.loss` for the conventions)."""
        net = as_net(sizes, output_bias, activation)
        lk = check_loss(loss)
        Xc, Yf, labels = check_data(X, Y, net, lk)
        return cls(net, Xc, Yf, labels, lk)

    @property
    def N(self) -> int:
        return int(self.X.shape[0])

    @property
    def loss_code(self) -> int:
        """The C++ core's code of the loss (SSE = 0, MSE = 1, CE = 2)."""
        return LOSSES.index(self.loss)


def check_loss(loss_kind: object) -> str:
    """Validate a loss name (one of :data:`LOSSES`)."""
    if not isinstance(loss_kind, str) or loss_kind not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss_kind!r}")
    return loss_kind


def check_params(params: object, net: Net | object, output_bias: bool = True) -> tuple[np.ndarray, bool]:
    """Validate params for ``net`` (a Net, or sizes with ``output_bias``).

    Returns them as (R, P) and whether a single (P,) vector was given.
    """
    net = as_net(net, output_bias)
    P, sizes, output_bias = net.P, net.sizes, net.output_bias
    p = float_array(params, "params", (1, 2))
    if p.shape[-1] != P:
        raise ValueError(
            f"params must have length num_params(sizes) = {P} for sizes {list(sizes)} "
            f"(output_bias={output_bias}), got shape {p.shape}"
        )
    return (p[None], True) if p.ndim == 1 else (p, False)


def check_X(X: object, net: Net | object) -> np.ndarray:
    """Validate inputs X for ``net`` (a Net or sizes); return them as (N, d_in)."""
    d_in = as_net(net).d_in
    X = float_array(X, "X", (1, 2))
    if X.ndim == 1:
        if d_in != 1:
            raise ValueError(f"X must have shape (N, d_in={d_in}), got {X.shape}")
        X = X[:, None]
    elif X.shape[1] != d_in:
        raise ValueError(f"X must have shape (N, d_in={d_in}), got {X.shape}")
    return np.ascontiguousarray(X)


def check_data(
    X: object, Y: object, net: Net | object, loss_kind: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Validate data; return ``(X (N, d_in), Y (N, d_out) float or None, labels (N,) int64 or None)``.

    ``"ce"`` takes integer labels (returned as ``labels``, ``Y`` None); the others take real
    targets (returned as ``Y``, ``labels`` None).
    """
    net = as_net(net)
    X = check_X(X, net)
    N, d_out, sizes = X.shape[0], net.d_out, net.sizes
    if loss_kind == "ce":
        if d_out < 2:
            raise ValueError(f"loss='ce' needs d_out >= 2 classes, got sizes {list(sizes)}")
        lab = np.asarray(Y)
        if lab.ndim != 1 or lab.shape[0] != N:
            raise ValueError(f"Y must hold N = {N} integer class labels, shape (N,), got {lab.shape}")
        if lab.dtype.kind == "b" or lab.dtype.kind not in "iuf":
            raise ValueError(f"Y must hold integer class labels for loss='ce', got dtype {lab.dtype}")
        if lab.dtype.kind == "f" and not (np.all(np.isfinite(lab)) and np.all(lab == np.round(lab))):
            raise ValueError("Y must hold integer class labels for loss='ce'")
        labels = lab.astype(np.int64)
        if labels.min() < 0 or labels.max() >= d_out:
            raise ValueError(f"Y labels must lie in [0, d_out={d_out}), got [{labels.min()}, {labels.max()}]")
        return X, None, np.ascontiguousarray(labels)
    Yf = float_array(Y, "Y", (1, 2))
    if Yf.ndim == 1:
        if d_out != 1:
            raise ValueError(f"Y must have shape (N, d_out={d_out}), got {Yf.shape}")
        Yf = Yf[:, None]
    if Yf.shape != (N, d_out):
        raise ValueError(f"Y must have shape (N={N}, d_out={d_out}) to match X, got {Yf.shape}")
    return X, np.ascontiguousarray(Yf), None
