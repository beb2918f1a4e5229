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

from ._kernels import BACKENDS, PRIORITY, available, get, kernels, register, registered, resolve

__all__ = [
    "BACKENDS",
    "PRIORITY",
    "available",
    "core",
    "core_error",
    "get",
    "has_core",
    "info",
    "kernels",
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


def set_num_threads(n: int) -> None:
    """Set how many threads the C++ kernels use, for the whole process (results do not depend on it)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    core().set_num_threads(int(n))


def info() -> dict[str, Any]:
    """What runs here: version, default backend, backends available, threads, OpenMP and CUDA facts."""
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
            built_with_cuda=bool(c.built_with_cuda),
            cuda_devices=int(c.cuda_device_count()),
        )
    else:
        out["core_error"] = core_error()
    out["cpu_count"] = os.cpu_count()
    return out
