"""The kernel registry: every batched kernel is looked up by (objective, kernel, backend).

Each backend module in :mod:`relufast.backends` registers the kernels it provides when it is
imported, and only when it can run them here (the C++ core only when ``relufast._core`` loads, CUDA
only when the extension was built with CUDA and a device is visible), the way JAX registers lowerings
per platform. A public function validates its input and then calls ``get(objective, kernel,
backend)(...)``; it never names a backend itself. Adding a backend means one module that calls
:func:`register` (plus its native code and binding) and its name in :data:`PRIORITY`.

Kernels for some cases only
---------------------------
A backend may run a kernel for some inputs only (the CUDA tiny-net trainer takes [1, h, 1] ReLU
nets, h <= 8). It says so with ``register(..., accepts=fn)``: ``fn(case)`` returns None when the
kernel can run ``case``, else a short reason. A caller that knows its case passes it on,
``get(objective, kernel, backend, case=case)``: "auto" then picks the fastest backend whose kernel
accepts the case, and an explicit backend that rejects it is a ValueError giving the reason and the
backends that would accept it. Without ``case`` (or for a kernel registered without ``accepts``)
nothing changes: every registered backend counts. What a case is, per kernel, is in
:mod:`relufast.backends`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

__all__ = [
    "PRIORITY",
    "BACKENDS",
    "register",
    "get",
    "resolve",
    "nearest",
    "available",
    "registered",
    "kernels",
]

#: Backends from the fastest to the reference; "auto" picks the first one that has the kernel.
PRIORITY: tuple[str, ...] = ("cuda", "cpu", "numpy")
#: Every name a ``backend=`` argument accepts.
BACKENDS: tuple[str, ...] = ("auto", *PRIORITY)

F = TypeVar("F", bound=Callable[..., Any])

#: A reason (str) why a kernel cannot run a case, or None when it can.
Accepts = Callable[[Any], str | None]


class _Entry(NamedTuple):
    fn: Callable[..., Any]
    accepts: Accepts | None  # None: every case


_table: dict[tuple[str, str], dict[str, _Entry]] = {}
_loaded = False


def register(
    objective: str, kernel: str, backend: str, fn: F | None = None, *, accepts: Accepts | None = None
) -> Any:
    """Register ``fn`` as ``kernel`` of ``objective`` on ``backend`` (usable as a decorator).

    A backend module calls this at import, e.g. ``register("teacher", "hessian", "cuda", fn)``;
    the calling convention of each kernel is in :mod:`relufast.backends`.

    Parameters
    ----------
    accepts : callable(case) -> str or None, optional
        For a kernel that runs some cases only: None when it can run ``case`` (what a caller passes
        as ``get(..., case=case)``), else a short reason why not. Omitted: every case.
    """
    if backend not in PRIORITY:
        raise ValueError(f"backend must be one of {PRIORITY}, got {backend!r}")
    if accepts is not None and not callable(accepts):
        raise TypeError(f"accepts must be callable or None, got {accepts!r}")

    def add(f: F) -> F:
        _table.setdefault((objective, kernel), {})[backend] = _Entry(f, accepts)
        return f

    return add if fn is None else add(fn)


def _load_backends() -> None:
    """Import every backend module once; each registers what it can run here."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for name in reversed(PRIORITY):  # the reference first: it never fails to load
        importlib.import_module(f"relufast.backends.{name}")


def kernels() -> list[tuple[str, str]]:
    """Every (objective, kernel) registered by some backend here, sorted."""
    _load_backends()
    return sorted(_table)


def registered(objective: str, kernel: str) -> tuple[str, ...]:
    """The backends that provide ``kernel`` of ``objective`` here, fastest first."""
    _load_backends()
    have = _table.get((objective, kernel), {})
    return tuple(b for b in PRIORITY if b in have)


def available(objective: str | None = None) -> tuple[str, ...]:
    """Backends with at least one kernel (of ``objective``, if given) here, fastest first."""
    _load_backends()
    have = {b for (obj, _), fns in _table.items() if objective in (None, obj) for b in fns}
    return tuple(b for b in PRIORITY if b in have)


def _rejections(objective: str, kernel: str, backends: tuple[str, ...], case: Any) -> dict[str, str]:
    """Backend -> reason, for those of ``backends`` whose kernel does not accept ``case``."""
    entries = _table.get((objective, kernel), {})
    out = {}
    for b in backends:
        acc = entries[b].accepts
        why = acc(case) if acc is not None else None
        if why is not None:
            out[b] = str(why)
    return out


def resolve(
    backend: str, objective: str | None = None, kernel: str | None = None, *, case: Any = None
) -> str:
    """The backend that will run: ``backend`` itself, or for "auto" the fastest registered one.

    With ``objective`` (and ``kernel``) given, only backends providing them count; with ``case``
    too, only those whose kernel accepts the case (see the module docstring).

    Raises
    ------
    ValueError
        For a name that is not a backend, or one that provides nothing (of this objective) here;
        the message names the backends that are available. With ``case``: for a backend whose
        kernel rejects the case, naming the reason and the backends that accept it.
    """
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    have = registered(objective, kernel) if objective and kernel else available(objective)
    if backend != "auto" and backend not in have:
        what = f"{objective}.{kernel}" if objective and kernel else (objective or "any kernel")
        raise ValueError(
            f"backend={backend!r} is not available for {what} here{_why_missing(backend)}; "
            f"available: {', '.join(have)}"
        )
    if case is not None and objective and kernel:
        rejected = _rejections(objective, kernel, have, case)
        ok = tuple(b for b in have if b not in rejected)
        if backend in rejected or not ok:
            name = backend if backend in rejected else have[0]
            raise ValueError(
                f"backend={name!r} cannot run {objective}.{kernel} for this case: "
                f"{rejected[name]}; backends that can: {', '.join(ok) or 'none'}"
            )
        have = ok
    return have[0] if backend == "auto" else backend


def get(objective: str, kernel: str, backend: str = "auto", *, case: Any = None) -> Callable[..., Any]:
    """The function that runs ``kernel`` of ``objective`` on ``backend`` ("auto": the fastest).

    ``case``: what the kernel will be run on (see the module docstring); with it, "auto" skips
    backends whose kernel does not accept it, and an explicit one that does not is a ValueError.

    Examples
    --------
    >>> from relufast.objectives.teacher import reference
    >>> get("teacher", "hessian", "numpy") is reference.hessian
    True
    """
    _load_backends()
    if (objective, kernel) not in _table:
        known = sorted({f"{o}.{k}" for o, k in _table if isinstance(o, str) and isinstance(k, str)})
        raise ValueError(
            f"no kernel registered for objective={objective!r}, kernel={kernel!r}; "
            f"registered: {', '.join(known)}"
        )
    be = resolve(backend, objective, kernel, case=case)
    return _table[objective, kernel][be].fn


def nearest(backend: str, objective: str, kernel: str) -> str:
    """``backend`` where it provides ``kernel`` of ``objective``, else the fastest backend that does.

    For one stage of a pipeline whose other stages run on ``backend`` (the device's Hessians, then
    a host eigensolver for a host array).

    Examples
    --------
    >>> nearest("numpy", "linalg", "min_eigenvalues")
    'numpy'
    """
    have = registered(objective, kernel)
    if not have:
        raise ValueError(f"no backend provides {objective}.{kernel} here")
    return backend if backend in have else have[0]


def _why_missing(backend: str) -> str:
    from . import backend as _backend

    if backend == "cuda":
        if not _backend.has_core():
            return " (the C++ core is not loaded)"
        core = _backend.core()
        if not core.built_with_cuda:
            return " (relufast was built without CUDA)"
        if core.cuda_device_count() == 0:
            return " (no CUDA device is visible)"
        return " (no CUDA kernel registered for it)"
    if backend == "cpu" and not _backend.has_core():
        return f" (relufast's C++ core is not loaded: {_backend.core_error()})"
    return ""
