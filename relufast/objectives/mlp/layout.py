"""The flat parameter layout of dense MLPs, shared by every backend (and the C++ ``Net``).

Layer by layer, the weight matrix ``W_l`` (out x in, row-major) then the bias ``b_l``; the output
layer's bias is left out when ``output_bias=False``. The five-point net ``[1, 1, 1]`` is exactly
``(w, b, v, c)``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..._validate import INT64_MAX, BadTypeError, flag, real_array, require_finite

__all__ = ["ACTIVATIONS", "Layer", "Net", "check_activation", "check_sizes", "num_params", "unpack", "pack"]

#: Hidden activations: ``"relu"`` (max(z, 0), relu'(0) = 0) and ``"sigmoid"`` (1 / (1 + e^-z)).
ACTIVATIONS = ("relu", "sigmoid")


@dataclass(frozen=True)
class Layer:
    """Where one layer lives in a flat parameter vector."""

    w: int  # offset of the weights (out x in, row-major)
    b: int | None  # offset of the bias, None when the layer has none
    out: int
    inp: int


@dataclass(frozen=True)
class Net:
    """A dense net: layer sizes ``[d_in, h_1, ..., d_out]``, the output bias, the hidden
    activation (one of :data:`ACTIVATIONS`, the same in every hidden layer) and its layout.

    Examples
    --------
    >>> net = Net.of([1, 1, 1])
    >>> net.P, net.layers[1]
    (4, Layer(w=2, b=3, out=1, inp=1))
    >>> Net.of([2, 3, 1], activation="sigmoid").activation_code
    1
    """

    sizes: tuple[int, ...]
    output_bias: bool
    layers: tuple[Layer, ...]
    P: int
    activation: str = "relu"

    @classmethod
    def of(cls, sizes: Sequence[int], output_bias: bool = True, activation: str = "relu") -> Net:
        """Validate ``sizes`` and ``activation`` and lay the parameters out."""
        sizes = check_sizes(sizes)
        output_bias = flag(output_bias, "output_bias")
        activation = check_activation(activation)
        off, layers = 0, []
        nl = len(sizes) - 1
        for l in range(nl):
            din, dout = sizes[l], sizes[l + 1]
            w = off
            off += dout * din
            b = None
            if l < nl - 1 or output_bias:
                b = off
                off += dout
            layers.append(Layer(w, b, dout, din))
        if off > INT64_MAX:
            raise ValueError(
                f"sizes {list(sizes)} make {off} parameters, more than the 2**63 - 1 the core takes"
            )
        return cls(sizes, output_bias, tuple(layers), off, activation)

    @property
    def d_in(self) -> int:
        return self.sizes[0]

    @property
    def d_out(self) -> int:
        return self.sizes[-1]

    @property
    def activation_code(self) -> int:
        """The C++ core's code of the hidden activation (relu = 0, sigmoid = 1)."""
        return ACTIVATIONS.index(self.activation)


def check_activation(activation: object) -> str:
    """Validate a hidden activation name (one of :data:`ACTIVATIONS`)."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def check_sizes(sizes: object) -> tuple[int, ...]:
    """Validate layer sizes ``[d_in, h_1, ..., d_out]``: at least 2 integers, each >= 1."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence | np.ndarray):
        raise ValueError(f"sizes must be a sequence of positive integers, got {sizes!r}")
    out = []
    for s in sizes:
        if isinstance(s, (bool, np.bool_)) or not isinstance(s, numbers.Integral):
            raise BadTypeError(f"sizes must contain integers >= 1, got {list(sizes)!r}")
        if not 1 <= int(s) <= INT64_MAX:
            raise ValueError(f"sizes must contain integers in [1, 2**63), got {list(sizes)!r}")
        out.append(int(s))
    if len(out) < 2:
        raise ValueError(f"sizes must have at least 2 entries [d_in, ..., d_out], got {out!r}")
    return tuple(out)


def num_params(sizes: Sequence[int], output_bias: bool = True) -> int:
    """Number of parameters P of the net ``sizes`` (weights and biases of every layer).

    Examples
    --------
    >>> num_params([1, 1, 1])
    4
    >>> num_params([64, 64, 10])
    4810
    """
    return Net.of(sizes, output_bias).P


def unpack(params, sizes, output_bias: bool = True) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Split parameters into ``[(W_1, b_1), ..., (W_L, b_L)]``.

    Parameters
    ----------
    params : ndarray, shape (P,) or (..., P)
    sizes : sequence of int or Net
    output_bias : bool

    Returns
    -------
    list of (W, b)
        ``W`` has shape ``(..., out, in)``, ``b`` shape ``(..., out)``; the output layer's ``b`` is
        None when ``output_bias=False``. These are views of ``params`` when it is a NumPy array.
    """
    net = sizes if isinstance(sizes, Net) else Net.of(sizes, output_bias)
    sizes, P = net.sizes, net.P
    params = np.asarray(params)
    if params.ndim < 1 or params.shape[-1] != P:
        raise ValueError(
            f"params must have last dimension P = {P} for sizes {list(sizes)} "
            f"(output_bias={net.output_bias}), got shape {params.shape}"
        )
    lead = params.shape[:-1]
    out = []
    for layer in net.layers:
        w, b, dout, din = layer.w, layer.b, layer.out, layer.inp
        W = params[..., w : w + dout * din].reshape(*lead, dout, din)
        B = None if b is None else params[..., b : b + dout]
        out.append((W, B))
    return out


def pack(layers, output_bias: bool = True) -> np.ndarray:
    """Inverse of :func:`unpack`: concatenate ``[(W, b), ...]`` into flat parameters ``(..., P)``.

    The sizes are read from the weight shapes; consecutive layers must chain (``in`` of a layer
    equals ``out`` of the previous). Hidden biases are required; the output layer's bias must be
    given when ``output_bias=True`` and must be None when ``output_bias=False``. Every entry must
    be finite: no kernel takes NaN or infinite parameters, so the error comes here, naming the layer.
    """
    try:
        layers = list(layers)
    except TypeError:
        raise BadTypeError(f"layers must be a sequence of (W, b) pairs, got {layers!r}") from None
    if not layers:
        raise ValueError("layers must hold at least one (W, b) pair")
    parts, lead, prev = [], None, None
    for i, pair in enumerate(layers):
        try:
            W, b = pair
        except (TypeError, ValueError):
            raise ValueError(f"layers[{i}] must be a pair (W, b)") from None
        W = real_array(W, f"layers[{i}] weight")
        require_finite(W, f"layers[{i}] weight")
        if W.ndim < 2:
            raise ValueError(f"layers[{i}] weight must be (..., out, in), got shape {W.shape}")
        if lead is None:
            lead = W.shape[:-2]
        if W.shape[:-2] != lead:
            raise ValueError(f"layers[{i}] weight has batch shape {W.shape[:-2]}, expected {lead}")
        dout, din = W.shape[-2:]
        if prev is not None and din != prev:
            raise ValueError(f"layers[{i}] weight has {din} inputs, previous layer has {prev} outputs")
        prev = dout
        parts.append(W.reshape(*lead, dout * din))
        last = i == len(layers) - 1
        if b is None:
            if not last or output_bias:
                raise ValueError(f"layers[{i}] bias is None but is required")
            continue
        if last and not output_bias:
            raise ValueError("the output layer's bias must be None when output_bias=False")
        b = real_array(b, f"layers[{i}] bias")
        require_finite(b, f"layers[{i}] bias")
        if b.shape != (*lead, dout):
            raise ValueError(f"layers[{i}] bias must have shape {(*lead, dout)}, got {b.shape}")
        parts.append(b)
    return np.concatenate(parts, axis=-1)
