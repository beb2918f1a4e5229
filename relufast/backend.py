"""Which kernels run: the C++ core ("cpu"), the NumPy reference ("numpy"), or "auto" (the best built).

The compiled module ``relufast._core`` is optional at import time so that a broken or missing build
still leaves the NumPy reference usable; asking for ``backend="cpu"`` without it raises.
"""

from __future__ import annotations

import functools
import os

BACKENDS = ("auto", "cpu", "numpy", "cuda")


@functools.lru_cache(maxsize=None)
def _load_core():
    try:
        from . import _core
    except ImportError as exc:  # pragma: no cover - exercised only on broken installs
        return None, str(exc)
    return _core, None


def core():
    """The compiled module, or raise a RuntimeError that says why it is missing."""
    mod, err = _load_core()
    if mod is None:
        raise RuntimeError(f"relufast's C++ core is not built or failed to load: {err}")
    return mod


def has_core() -> bool:
    return _load_core()[0] is not None


def resolve(backend: str) -> str:
    """Map a user's backend name to the one that will run ("cpu" or "numpy").

    Raises ValueError for an unknown name and RuntimeError for a known one that is unavailable.
    """
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        return "cpu" if has_core() else "numpy"
    if backend == "cpu":
        core()
        return "cpu"
    if backend == "cuda":
        n = core().cuda_device_count() if has_core() else 0
        raise RuntimeError(
            "backend='cuda': no CUDA kernels are available for this objective yet"
            + ("" if n else " (and no CUDA device is visible)")
        )
    return "numpy"


def set_num_threads(n: int) -> None:
    """Set how many OpenMP threads the C++ kernels use (results do not depend on it)."""
    if not isinstance(n, (int,)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    core().set_num_threads(int(n))


def info() -> dict:
    """What runs here: version, default backend, threads, OpenMP and CUDA facts."""
    from . import __version__

    out = {"version": __version__, "default_backend": resolve("auto"), "core": has_core()}
    if has_core():
        c = core()
        out.update(
            threads=c.max_threads(),
            openmp=bool(c.has_openmp),
            built_with_cuda=bool(c.built_with_cuda),
            cuda_devices=int(c.cuda_device_count()),
        )
    out["cpu_count"] = os.cpu_count()
    return out
