"""The CUDA backend: registered only when ``relufast._core`` was built with CUDA and a device is visible.

The extension has no CUDA kernels yet (``csrc/core`` holds the device discovery seam), so nothing is
registered even then; ``backend="cuda"`` raises a ValueError that says why and names the backends
that are available.
"""

from __future__ import annotations

from .. import backend as _backend

BACKEND = "cuda"


def usable() -> bool:
    """Whether the extension was built with CUDA and sees at least one device."""
    if not _backend.has_core():
        return False
    core = _backend.core()
    return bool(core.built_with_cuda) and core.cuda_device_count() > 0


if usable():  # pragma: no cover - needs a GPU
    pass  # the CUDA kernels register here, e.g. register("teacher", "gd_chunk", BACKEND, ...)
