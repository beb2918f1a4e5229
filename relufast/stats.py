"""Small statistics helpers shared by the experiments (binomial proportions and their intervals).

Every experiment that reports "x % of runs ended at ..." reports it with a Wilson score interval, so
that a page can show whether ours and the paper's number are compatible.

References
----------
E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
J. Amer. Statist. Assoc. 22 (1927) 209-212.
L. D. Brown, T. T. Cai and A. DasGupta, "Interval estimation for a binomial proportion",
Statist. Sci. 16 (2001) 101-133.
"""

from __future__ import annotations

import numbers
from typing import overload

import numpy as np
from numpy.typing import ArrayLike

from ._validate import BadTypeError

__all__ = ["wilson", "proportion_table"]

_MAX_Z = 100.0  # the largest quantile accepted
_MAX_COUNT = 2**53  # counts beyond this are not exact as floats


def _check_counts(successes: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    try:
        s = np.asarray(successes)
        m = np.asarray(n)
    except ValueError:  # ragged nesting
        raise BadTypeError(
            f"successes and n must be integer counts or arrays of them, got {successes!r}, {n!r}"
        ) from None
    for name, a in (("successes", s), ("n", m)):
        if a.dtype == bool or not (np.issubdtype(a.dtype, np.integer) or _integral_floats(a)):
            raise BadTypeError(f"{name} must be integer counts, got {a!r}")
        if a.size and np.max(a) > _MAX_COUNT:
            raise ValueError(f"{name} must be at most 2**53 (counts held exactly as floats), got {a!r}")
    s = s.astype(np.int64)
    m = m.astype(np.int64)
    if np.any(m < 1):
        raise ValueError(f"n must be >= 1, got {n!r}")
    if np.any(s < 0) or np.any(s > m):
        raise ValueError(f"successes must lie in [0, n], got successes={successes!r}, n={n!r}")
    return s, m


def _integral_floats(a: np.ndarray) -> bool:
    return (
        np.issubdtype(a.dtype, np.floating)
        and bool(np.all(np.isfinite(a)))
        and bool(np.all(a == np.round(a)))
    )


@overload
def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]: ...
@overload
def wilson(
    successes: ArrayLike, n: ArrayLike, z: float = 1.96
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]: ...


def wilson(
    successes: ArrayLike, n: ArrayLike, z: float = 1.96
) -> tuple[float, float] | tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes : int or array_like of int
        Number of successes, ``0 <= successes <= n``.
    n : int or array_like of int
        Number of trials, ``n >= 1`` (broadcast against ``successes``).
    z : float, default 1.96
        Standard-normal quantile in (0, 100]; 1.96 gives a 95 % interval (z = 38 already leaves
        out less than 1e-300).

    Returns
    -------
    lo, hi : float or ndarray
        Interval bounds in [0, 1]; floats when both inputs are scalars.

    Notes
    -----
    With :math:`\hat p = s/n`,

    .. math::

        \frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}.

    Unlike the normal (Wald) interval it never leaves [0, 1] and is not degenerate at 0 or n
    successes, which matters for rare outcomes such as "1 run in 1000".

    Examples
    --------
    >>> lo, hi = wilson(1, 1000)
    >>> print(f"{lo:.5f} {hi:.5f}")
    0.00018 0.00564
    >>> wilson([0, 5], 10)
    (array([0.     , 0.23659]), array([0.27754, 0.76341]))
    """
    if isinstance(z, (bool, np.bool_)) or not isinstance(z, numbers.Real):
        raise BadTypeError(f"z must be a standard-normal quantile in (0, {_MAX_Z:g}], got {z!r}")
    if not 0 < z <= _MAX_Z:  # NaN fails too; z**2 must not overflow
        raise ValueError(f"z must be a standard-normal quantile in (0, {_MAX_Z:g}], got {z!r}")
    s, m_int = _check_counts(successes, n)
    m = m_int.astype(np.float64)  # 4 m^2 overflows int64 from m = 2**31
    p = s / m
    z2 = float(z) ** 2
    denom = 1.0 + z2 / m
    center = (p + z2 / (2 * m)) / denom
    half = float(z) * np.sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / denom
    lo = np.clip(center - half, 0.0, 1.0)
    hi = np.clip(center + half, 0.0, 1.0)
    # exact bounds at the ends (avoid -1e-17 style round-off)
    lo = np.where(s == 0, 0.0, lo)
    hi = np.where(s == m_int, 1.0, hi)
    if np.ndim(lo) == 0:
        return float(lo), float(hi)
    return lo, hi


def proportion_table(counts: ArrayLike, n: int, z: float = 1.96) -> dict[str, np.ndarray]:
    """Fractions and Wilson intervals for several outcome counts out of the same ``n`` trials.

    Parameters
    ----------
    counts : array_like of int, shape (k,)
        How many of the ``n`` trials ended in each outcome.
    n : int
        Number of trials, ``n >= 1``.
    z : float, default 1.96
        Standard-normal quantile of the intervals (see :func:`wilson`).

    Returns
    -------
    dict
        ``{"count": (k,), "fraction": (k,), "lo": (k,), "hi": (k,)}`` as NumPy arrays.

    Examples
    --------
    >>> t = proportion_table([3, 1], 4)
    >>> t["fraction"]
    array([0.75, 0.25])
    >>> t["lo"].round(3), t["hi"].round(3)
    (array([0.301, 0.046]), array([0.954, 0.699]))
    """
    c = np.atleast_1d(np.asarray(counts))
    if c.ndim != 1:
        raise ValueError(f"counts must be a 1-D array of outcome counts, got shape {c.shape}")
    if c.dtype == bool or not (np.issubdtype(c.dtype, np.integer) or _integral_floats(c)):
        raise BadTypeError(f"counts must be integer counts, got {counts!r}")
    if np.any(c < 0):
        raise ValueError(f"counts must be >= 0, got {counts!r}")
    if c.size and int(np.sum(c, dtype=np.float64)) > _MAX_COUNT:
        raise ValueError(f"counts must sum to at most 2**53 (held exactly as floats), got {counts!r}")
    if c.size and isinstance(n, numbers.Integral) and not isinstance(n, (bool, np.bool_)) and c.sum() > n:
        raise ValueError(f"counts must sum to at most n = {n} (outcomes of the same trials), got {c.sum()}")
    lo, hi = wilson(c, np.full(c.shape, n), z)
    c = c.astype(np.int64)
    return {"count": c, "fraction": c / int(n), "lo": np.atleast_1d(lo), "hi": np.atleast_1d(hi)}
