"""Small helpers that compact experiment results into plain, JSON-ready summaries.

The summaries are what the app charts and what ``relufast/data/reference/*.json`` stores, so a
shipped reference result and a live run have the same shape. Nothing here knows about networks.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["jsonable", "rounded", "histogram"]


def jsonable(x: Any) -> Any:
    """``x`` with only plain JSON types: NumPy scalars and arrays to Python, NaN and infinities to None.

    Parameters
    ----------
    x : any
        Nested dicts, lists, tuples, NumPy arrays and scalars.

    Returns
    -------
    any
        The same structure with dict keys as str, tuples and arrays as lists, NumPy scalars as
        Python ones and non-finite floats as None.

    Examples
    --------
    >>> jsonable({1: np.array([1.5, np.nan]), "b": (np.int64(2), np.bool_(True))})
    {'1': [1.5, None], 'b': [2, True]}
    """
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    return x


def rounded(a: Any, digits: int = 4) -> list:
    """``a`` as nested lists of floats rounded to ``digits`` decimals.

    Examples
    --------
    >>> rounded([[0.123456, 2.0]], 3)
    [[0.123, 2.0]]
    """
    return np.round(np.asarray(a, dtype=float), digits).tolist()


def histogram(values: Any, edges: Any) -> list[int]:
    """Counts of the finite ``values`` in the bins ``edges``; values outside fall into the end bins.

    Parameters
    ----------
    values : array_like
        Any shape; NaN and infinities are dropped.
    edges : array_like (m + 1,)
        Increasing bin edges.

    Returns
    -------
    list of int, length m

    Examples
    --------
    >>> histogram([-5.0, 0.5, 1.5, 1.7, 9.0, np.nan], [0.0, 1.0, 2.0])
    [2, 3]
    """
    edges = np.asarray(edges, dtype=float)
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    v = np.clip(v, edges[0], edges[-1])
    return np.histogram(v, bins=edges)[0].astype(int).tolist()
