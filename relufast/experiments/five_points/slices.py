"""Loss-landscape slices of the one-unit model around RED and BLUE.

Part of :mod:`relufast.experiments.five_points` (import names from there).
"""

from __future__ import annotations

import numpy as np

from ... import landscape, mlp
from .problem import BLUE, RED, SIZES, X, Y, _one_unit


def _batched_loss(backend):
    return lambda P: mlp.loss(P, X, Y, SIZES, loss="sse", backend=backend)


def slice_1d(center=RED, direction=None, ts=None, *, backend: str = "auto") -> dict:
    """L along ``center + t * direction`` (default: RED along its flat tangent (w, b, -v, 0)).

    Returns ``{"t", "loss"}`` (see :func:`relufast.landscape.slice_1d`).
    """
    c = _one_unit(center, "center")
    d = np.array([c[0], c[1], -c[2], 0.0]) if direction is None else _one_unit(direction, "direction")
    t = np.linspace(-1.0, 1.0, 201) if ts is None else ts
    return landscape.slice_1d(_batched_loss(backend), c, d, t)


def slice_2d(center, d1, d2, ts1=None, ts2=None, *, backend: str = "auto") -> dict:
    """L on ``center + t1 d1 + t2 d2`` (see :func:`relufast.landscape.slice_2d`)."""
    t1 = np.linspace(-1.0, 1.0, 81) if ts1 is None else ts1
    t2 = np.linspace(-1.0, 1.0, 81) if ts2 is None else ts2
    c, u, v = _one_unit(center, "center"), _one_unit(d1, "d1"), _one_unit(d2, "d2")
    return landscape.slice_2d(_batched_loss(backend), c, u, v, t1, t2)


def red_blue_plane(ts1=None, ts2=None, *, third=None, seed: int = 0, backend: str = "auto") -> dict:
    """L on the plane through RED (0, 0) and BLUE (1, 0).

    The second axis points to ``third`` (made orthogonal; e.g. a dead or linear-fit minimum) or,
    by default, along a random direction orthogonal to BLUE - RED with the same length.

    Returns
    -------
    dict
        The :func:`relufast.landscape.slice_2d` columns plus ``points``: the plane coordinates of
        RED, BLUE (and ``third``), and the plane itself (``center``, ``d1``, ``d2``).
    """
    third = None if third is None else _one_unit(third, "third")
    plane = landscape.plane_through(RED, BLUE, third, seed=seed)
    t1 = np.linspace(-0.5, 1.5, 81) if ts1 is None else ts1
    t2 = np.linspace(-1.0, 1.0, 81) if ts2 is None else ts2
    out = slice_2d(plane["center"], plane["d1"], plane["d2"], t1, t2, backend=backend)
    out.update(points=plane["coords"], center=plane["center"], d1=plane["d1"], d2=plane["d2"])
    return out
