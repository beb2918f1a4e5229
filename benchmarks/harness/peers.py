"""Peer libraries: which are installed, their versions, setting up JAX and PyTorch for a benchmark."""

from __future__ import annotations

import importlib.util
import os
import platform

#: XLA's CPU backend is several-fold faster on float64 graphs with the YNN fusion turned off.
XLA_BEST = "--xla_cpu_experimental_ynn_fusion_type="


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def import_jax():
    """jax with float64 on; None when not installed. XLA_FLAGS must be set before this (see thread_env)."""
    if not has("jax"):
        return None
    if XLA_BEST not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + XLA_BEST).strip()
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    return jax


def torch_allow_recompiles(limit: int = 512) -> None:
    """torch.compile recompiles a step function per input shape; each workload size is a new shape,
    so lift dynamo's per-function recompile limit (default 8) for the benchmark's many sizes."""
    import torch._dynamo

    for name in (
        "recompile_limit",
        "cache_size_limit",
        "accumulated_recompile_limit",
        "accumulated_cache_size_limit",
    ):
        if hasattr(torch._dynamo.config, name):
            setattr(torch._dynamo.config, name, max(limit, getattr(torch._dynamo.config, name)))


def versions() -> dict:
    out = {"python": platform.python_version()}
    for mod in ("numpy", "scipy", "jax", "jaxlib", "torch", "sklearn"):
        if has(mod):
            try:
                out[mod] = __import__(mod).__version__
            except Exception:  # pragma: no cover
                out[mod] = "?"
    return out
