"""Argument checks shared by the public API: clear ValueErrors that name the argument."""

from __future__ import annotations

import numbers

import numpy as np


def float_array(x: object, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    """``x`` as a C-contiguous float64 array with one of ``ndims`` dimensions and finite entries.

    Parameters
    ----------
    x : array_like
        The value to check: any object is accepted and checked at run time (so it is typed
        ``object``); it passes when ``numpy.ascontiguousarray`` turns it into real numbers.
    name : str
        The argument's name, used in the error message.
    ndims : tuple of int
        The allowed numbers of dimensions.

    Returns
    -------
    ndarray
        ``x`` as C-contiguous float64 (no copy when it already is one).

    Raises
    ------
    ValueError
        If ``x`` is not real-valued, has another number of dimensions, is empty, or holds NaN or
        infinity.

    Examples
    --------
    >>> float_array([1, 2], "x", (1,))
    array([1., 2.])
    >>> float_array([[1.0]], "x", (1,))
    Traceback (most recent call last):
    ...
    ValueError: x must be 1-D, got shape (1, 1)
    """
    try:
        a = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of real numbers ({exc})") from None
    if a.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")
    return a


def positive_int(x: object, name: str, minimum: int = 1) -> int:
    """``x`` as an ``int``, checked to be an integer (not a bool) of at least ``minimum``.

    Parameters
    ----------
    x : object
        The value to check; any :class:`numbers.Integral` (``int``, NumPy integers) passes.
    name : str
        The argument's name, used in the error message.
    minimum : int, default 1
        The smallest allowed value.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``x`` is a bool, not an integer, or below ``minimum``.

    Examples
    --------
    >>> positive_int(3, "n")
    3
    >>> positive_int(0, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 1, got 0
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x!r}")
    return int(x)


def positive_float(x: object, name: str, allow_zero: bool = False) -> float:
    """``x`` as a ``float``, checked to be a finite real number (not a bool) that is > 0 (or >= 0).

    Parameters
    ----------
    x : object
        The value to check; any finite :class:`numbers.Real` passes the type check.
    name : str
        The argument's name, used in the error message.
    allow_zero : bool, default False
        Accept 0 as well.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``x`` is a bool, not a finite real number, negative, or 0 without ``allow_zero``.

    Examples
    --------
    >>> positive_float(0.5, "lr")
    0.5
    >>> positive_float(0, "tol", allow_zero=True)
    0.0
    >>> positive_float(-1, "lr")
    Traceback (most recent call last):
    ...
    ValueError: lr must be > 0, got -1
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not np.isfinite(float(x)):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {x!r}")
    return float(x)
