"""Which kernels run: ``"numpy"`` (the reference), ``"cpu"`` (the C++ core), ``"cuda"``, or ``"auto"``.

Kernels are looked up in the registry (:mod:`relufast._kernels`) by (objective, kernel, backend):
:func:`get` returns the function and :func:`resolve` the name of the backend that will run. The
compiled module ``relufast._core`` is optional at import time, so that a missing or broken build
still leaves the NumPy reference usable; setting the environment variable ``RELUFAST_NO_CORE=1``
hides it on purpose (the test suite runs once that way).
"""

from __future__ import annotations

import functools
import os
from types import ModuleType
from typing import Any

from ._kernels import (
    BACKENDS,
    PRIORITY,
    available,
    get,
    kernels,
    nearest,
    register,
    registered,
    resolve,
)
from ._validate import positive_int

__all__ = [
    "BACKENDS",
    "PRIORITY",
    "available",
    "check_num_threads",
    "core",
    "core_error",
    "get",
    "has_core",
    "info",
    "kernels",
    "max_num_threads",
    "nearest",
    "register",
    "registered",
    "resolve",
    "set_num_threads",
]


@functools.cache
def _load_core() -> tuple[ModuleType | None, str | None]:
    if os.environ.get("RELUFAST_NO_CORE", "") not in ("", "0"):
        return None, "hidden by the environment variable RELUFAST_NO_CORE"
    try:
        from . import _core
    except ImportError as exc:  # pragma: no cover - exercised only on broken installs
        return None, str(exc)
    return _core, None


def core() -> Any:
    """The compiled module, or raise a RuntimeError that says why it is missing."""
    mod, err = _load_core()
    if mod is None:
        raise RuntimeError(f"relufast's C++ core is not built or failed to load: {err}")
    return mod


def has_core() -> bool:
    """Whether the compiled module ``relufast._core`` is loaded."""
    return _load_core()[0] is not None


def core_error() -> str | None:
    """Why the compiled module is not loaded (None when it is)."""
    return _load_core()[1]


def max_num_threads() -> int:
    """The most threads :func:`set_num_threads` accepts: 4 x the CPU count (``os.cpu_count()``)."""
    return 4 * (os.cpu_count() or 1)


def check_num_threads(n: object, name: str = "n") -> int:
    """A thread count: an integer (Python or NumPy, not a bool) in ``1 .. max_num_threads()``.

    Raises
    ------
    BadTypeError
        If ``n`` is not an integer (a ``TypeError`` that is also a ``ValueError``).
    ValueError
        If it is below 1 or above 4 x the CPU count (more threads only slow the kernels down,
        and the OpenMP runtime may fail to create them).

    Examples
    --------
    >>> import numpy as np
    >>> check_num_threads(np.int64(2))
    2
    """
    return positive_int(n, name, maximum=max_num_threads())


def set_num_threads(n: int) -> None:
    """Set how many threads the C++ kernels use, for the whole process (results do not depend on it).

    Parameters
    ----------
    n : int
        1 .. 4 x the CPU count (:func:`max_num_threads`); NumPy integers are accepted, bools not.

    Raises
    ------
    ValueError
        For a count out of range or not an integer (see :func:`check_num_threads`).
    RuntimeError
        If the C++ core is not loaded.
    """
    n = check_num_threads(n)
    core().set_num_threads(n)


def info() -> dict[str, Any]:
    """What runs here: version, default backend, backends available, threads, OpenMP, SIMD and CUDA facts."""
    from . import __version__

    out: dict[str, Any] = {
        "version": __version__,
        "default_backend": resolve("auto"),
        "backends": list(available()),
        "core": has_core(),
    }
    if has_core():
        c = core()
        out.update(
            threads=c.max_threads(),
            openmp=bool(c.has_openmp),
            simd_lanes=int(c.lanes),
            built_with_cuda=bool(c.built_with_cuda),
            cuda_devices=int(c.cuda_device_count()),
        )
    else:
        out["core_error"] = core_error()
    out["cpu_count"] = os.cpu_count()
    return out
