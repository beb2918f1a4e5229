"""Argument checks shared by the public API: clear errors that name the argument.

A value of the wrong type (a float where an integer is needed, a string for a flag, a complex
array) raises :class:`BadTypeError`, which is both a ``TypeError`` and a ``ValueError``: code that
catches either sees it, and the README's promise ("bad input raises a ValueError naming the
argument") holds for every check here.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

__all__ = [
    "BadTypeError",
    "INT64_MAX",
    "MemoryBudgetError",
    "check_memory",
    "flag",
    "float_array",
    "memory_budget",
    "positive_float",
    "positive_int",
    "real_array",
    "seed",
]

#: The largest integer the C++ core takes (int64); larger sizes and counts are refused up front.
INT64_MAX = 2**63 - 1


class BadTypeError(TypeError, ValueError):
    """An argument of the wrong type: a ``TypeError`` that is also a ``ValueError``."""


class MemoryBudgetError(MemoryError, ValueError):
    """A request too large for :func:`memory_budget`: a ``MemoryError`` that is also a ``ValueError``."""


def real_array(x: object, name: str) -> np.ndarray:
    """``x`` as a float64 array of any shape, refusing complex numbers, strings and other objects.

    The type check of :func:`float_array` alone (no shape or finiteness check): for values that
    may hold NaN (an eigenvalue not computed) or be empty.

    Examples
    --------
    >>> real_array([1, np.nan], "lambda_min")
    array([ 1., nan])
    """
    try:
        raw = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (TypeError, ValueError) as exc:  # ragged nested sequences
        raise BadTypeError(f"{name} must be an array of real numbers ({exc})") from None
    if raw.dtype.kind not in "biufO":
        raise BadTypeError(f"{name} must be an array of real numbers, got dtype {raw.dtype}")
    try:
        a = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise BadTypeError(f"{name} must be an array of real numbers ({exc})") from None
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def float_array(x: object, name: str, ndims: tuple[int, ...], *, finite: bool = True) -> np.ndarray:
    """``x`` as a C-contiguous float64 array with one of ``ndims`` dimensions and finite entries.

    Parameters
    ----------
    x : array_like
        The value to check: any object is accepted and checked at run time (so it is typed
        ``object``); it passes when it holds real numbers (bool, integer or floating dtypes, or
        objects that convert to float). Complex arrays are refused, even with a zero imaginary
        part (NumPy would drop it with a warning), and so are strings.
    name : str
        The argument's name, used in the error message.
    ndims : tuple of int
        The allowed numbers of dimensions.
    finite : bool, default True
        Check that every entry is finite (:func:`require_finite`). False leaves that to the
        kernel, where it checks the array in the pass that reads it anyway.

    Returns
    -------
    ndarray
        ``x`` as C-contiguous float64 (no copy when it already is one).

    Raises
    ------
    BadTypeError
        If ``x`` is complex, holds strings or other values that are not real numbers.
    ValueError
        If ``x`` has another number of dimensions, is empty, or holds NaN or infinity.

    Examples
    --------
    >>> float_array([1, 2], "x", (1,))
    array([1., 2.])
    >>> float_array([[1.0]], "x", (1,))
    Traceback (most recent call last):
    ...
    ValueError: x must be 1-D, got shape (1, 1)
    >>> float_array(True, "x", (1,))
    Traceback (most recent call last):
    ...
    relufast._validate.BadTypeError: x must be a real number or an array of them, got the bool True
    >>> float_array([1 + 0j], "x", (1,))
    Traceback (most recent call last):
    ...
    relufast._validate.BadTypeError: x must be an array of real numbers, got dtype complex128
    """
    if isinstance(x, (bool, np.bool_)):  # True as a number is a slip, not an input of 1.0
        raise BadTypeError(f"{name} must be a real number or an array of them, got the bool {x}")
    a = real_array(x, name)
    if a.ndim == 0:  # a number is a 1-D array of one
        a = a.reshape(1)
    if a.ndim not in ndims:
        want = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if finite:
        require_finite(a, name)
    return a


def require_finite(a: np.ndarray, name: str) -> None:
    """Raise ``ValueError("<name> contains NaN or infinity")`` unless every entry of ``a`` is finite.

    Examples
    --------
    >>> require_finite(np.array([1.0, np.inf]), "W")
    Traceback (most recent call last):
    ...
    ValueError: W contains NaN or infinity
    """
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinity")


def positive_int(x: object, name: str, minimum: int = 1, maximum: int = INT64_MAX) -> int:
    """``x`` as an ``int``, checked to be an integer (not a bool) in ``[minimum, maximum]``.

    Parameters
    ----------
    x : object
        The value to check; any :class:`numbers.Integral` (``int``, NumPy integers) passes.
    name : str
        The argument's name, used in the error message.
    minimum : int, default 1
        The smallest allowed value.
    maximum : int, default 2**63 - 1
        The largest allowed value (by default the largest the C++ core takes).

    Returns
    -------
    int

    Raises
    ------
    BadTypeError
        If ``x`` is a bool or not an integer (1.5, 2.0, "3").
    ValueError
        If ``x`` lies outside ``[minimum, maximum]``.

    Examples
    --------
    >>> positive_int(3, "n")
    3
    >>> positive_int(0, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be an integer >= 1, got 0
    >>> positive_int(2**63, "n")
    Traceback (most recent call last):
    ...
    ValueError: n must be at most 9223372036854775807, got 9223372036854775808
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise BadTypeError(f"{name} must be an integer >= {minimum}, got {x!r}")
    v = int(x)
    if v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {x!r}")
    if v > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {x!r}")
    return v


def seed(x: object, name: str = "seed") -> int:
    """A seed: an integer (Python or NumPy, not a bool) in ``[0, 2**64)``.

    Floats are refused rather than truncated (1.5 is not the seed 1).

    Parameters
    ----------
    x : object
        The value to check.
    name : str, default "seed"
        The argument's name, used in the error message.

    Returns
    -------
    int

    Raises
    ------
    BadTypeError
        If ``x`` is not an integer.
    ValueError
        If it is negative or at least 2**64.

    Examples
    --------
    >>> seed(np.int32(7))
    7
    >>> seed(1.5)
    Traceback (most recent call last):
    ...
    relufast._validate.BadTypeError: seed must be an integer in [0, 2**64), got 1.5
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise BadTypeError(f"{name} must be an integer in [0, 2**64), got {x!r}")
    if not 0 <= int(x) < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2**64), got {x!r}")
    return int(x)


def flag(x: object, name: str) -> bool:
    """A switch: ``True`` or ``False`` (a Python or NumPy bool), nothing else.

    A string such as ``"no"`` is refused: ``bool("no")`` is True, the opposite of what it says.

    Examples
    --------
    >>> flag(np.True_, "polish")
    True
    >>> flag("no", "polish")
    Traceback (most recent call last):
    ...
    relufast._validate.BadTypeError: polish must be True or False, got 'no'
    """
    if not isinstance(x, (bool, np.bool_)):
        raise BadTypeError(f"{name} must be True or False, got {x!r}")
    return bool(x)


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
    BadTypeError
        If ``x`` is a bool or not a real number.
    ValueError
        If ``x`` is NaN or infinite, negative, or 0 without ``allow_zero``.

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
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise BadTypeError(f"{name} must be a finite real number, got {x!r}")
    try:
        v = float(x)
    except OverflowError:  # an int beyond the float range
        v = float("inf")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be a finite real number, got {x!r}")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {x!r}")
    return v


def memory_budget() -> int:
    """Bytes one call may plan to allocate: :func:`check_memory` refuses larger requests up front.

    The memory available now (``MemAvailable`` of ``/proc/meminfo``; the physical memory where
    that is not known), or the environment variable ``RELUFAST_MEMORY_BUDGET`` (bytes, or a number
    with a suffix K, M, G or T, powers of 1024: ``RELUFAST_MEMORY_BUDGET=2G``).

    Examples
    --------
    >>> memory_budget() > 0
    True
    """
    text = os.environ.get("RELUFAST_MEMORY_BUDGET", "").strip().upper()
    if text:
        scale = 1024 ** (" KMGT".index(text[-1])) if text[-1] in "KMGT" else 1
        try:
            return int(float(text.rstrip("KMGT")) * scale)
        except ValueError:
            raise ValueError(
                f"RELUFAST_MEMORY_BUDGET must be a number of bytes such as 2G, got {text!r}"
            ) from None
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return 16 << 30


def _size(nbytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes / 1e3:.3g} kB"


def check_memory(nbytes: float, what: str) -> None:
    """Refuse a request whose estimated memory exceeds :func:`memory_budget`, before allocating.

    Parameters
    ----------
    nbytes : float
        The estimate, in bytes.
    what : str
        What needs it, for the message (e.g. ``"safran_shamir.run with restarts=10**12"``).

    Raises
    ------
    MemoryBudgetError
        A ``MemoryError`` (and ``ValueError``) that gives the estimate and the budget.

    Examples
    --------
    >>> check_memory(1e3, "a small array")
    >>> check_memory(1e30, "restarts=10**27")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    relufast._validate.MemoryBudgetError: restarts=10**27 would need about 1e+18 TB of memory, ...
    """
    budget = memory_budget()
    if nbytes > budget:
        raise MemoryBudgetError(
            f"{what} would need about {_size(nbytes)} of memory, more than the budget of "
            f"{_size(budget)} (the memory available; set RELUFAST_MEMORY_BUDGET to change it)"
        )
