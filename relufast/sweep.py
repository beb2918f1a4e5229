"""Sharded sweeps: split restarts into shards, run them on any executor, resume from a store.

A sweep is a set of *cells* (keys such as ``(k, n)``: any tuple of ints), each with a number of
independent restarts. :func:`plan_shards` splits every cell's restarts into consecutive
:class:`Shard` s ``[start, start + count)``; :func:`map_shards` runs a function on every shard, in
this process or on any :class:`concurrent.futures.Executor` (a process pool, or a Dask cluster
through ``dask.distributed.Client(...).get_executor()``), writes each finished shard to a
:class:`relufast.store.Store` at once and skips the shards the store already holds, so an
interrupted or crashed sweep resumes where it stopped.

The contract that makes a sharded run equal a single-process run bit for bit
--------------------------------------------------------------------------------
The function's result for a shard must depend only on ``(seed, shard.cell, shard.start,
shard.count)`` (the seed and every other setting being fixed for the whole sweep), and restart
``i``'s values only on ``(seed, cell, i)``: in particular not on which shards ran before, on which
worker or how many threads. relufast draws restart ``i``'s initialisation from blocks keyed by
``(seed, k, n, block)`` (:func:`relufast._seeding.block_normals`), so any range ``[start,
start + count)`` can be drawn alone, and its kernels give the same bits for any thread count. Then
the concatenation of a cell's shards in start order is the single-process result, whatever the
shard size, the executor and the order in which shards finish.

Executors and threads
---------------------
``executor=None`` runs the shards one after another in this process. Otherwise each shard is one
task ``executor.submit(...)``; inside it, ``relufast.set_num_threads(threads_per_worker)`` caps the
C++ core's OpenMP threads (when the core is loaded) so that workers do not oversubscribe the cores
(the thread count is process-wide: with a thread pool the cap applies to this process). Never use a
*fork*-based process pool once a kernel may have run in this process: OpenMP is not fork-safe and
the children can hang. :func:`map_shards` refuses a ``ProcessPoolExecutor`` with the fork start
method; use ``ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn"))`` (or
``"forkserver"``), or a Dask cluster (its workers are spawned). The function and its results must
be picklable for a process pool or a cluster (a module-level function, or a ``functools.partial``
of one).

On a cluster of machines
------------------------
Start ``dask scheduler`` on one machine and ``dask worker tcp://SCHEDULER:8786 --nthreads T`` on
each (``T`` tasks at once per worker; ``T * threads_per_worker`` should not exceed its cores), then
in the driver::

    from dask.distributed import Client
    from relufast.store import Store
    client = Client("tcp://SCHEDULER:8786")
    out = map_shards(fn, plan_shards(cells, 1000, 100), executor=client.get_executor(),
                     store=Store("results/", config={"seed": 777, "shard_size": 100}))

Shards travel back to the driver, which alone writes the store: the workers need relufast and the
function's module installed, but no shared file system. Run the same call again after an
interrupt or a crash to compute only the missing shards.

Examples
--------
>>> import numpy as np
>>> shards = plan_shards([(3, 3), (4, 5)], restarts=5, shard_size=2)
>>> [(s.cell, s.index, s.start, s.count) for s in shards[:3]]
[((3, 3), 0, 0, 2), ((3, 3), 1, 2, 2), ((3, 3), 2, 4, 1)]
>>> def toy(shard):  # restart i's value depends only on (cell, i)
...     i = np.arange(shard.start, shard.stop)
...     return {"F": 100.0 * shard.cell[0] + i}
>>> out = map_shards(toy, shards)
>>> out[(4, 5)]["F"].tolist()
[400.0, 401.0, 402.0, 403.0, 404.0]
"""

from __future__ import annotations

import concurrent.futures as cf
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Shard", "check_arrays", "concat_shards", "map_shards", "plan_shards"]

Cell = tuple[int, ...]
Arrays = dict[str, np.ndarray]


@dataclass(frozen=True)
class Shard:
    """Restarts ``[start, start + count)`` of one cell; ``index`` is the shard's number within the cell."""

    cell: tuple[int, ...]
    index: int
    start: int
    count: int

    def __post_init__(self) -> None:
        cell = self.cell
        if not isinstance(cell, tuple) or not cell or not all(_is_int(c) for c in cell):
            raise ValueError(f"cell must be a non-empty tuple of ints, got {cell!r}")
        object.__setattr__(self, "cell", tuple(int(c) for c in cell))
        for name, minimum in (("index", 0), ("start", 0), ("count", 1)):
            v = getattr(self, name)
            if not _is_int(v) or v < minimum:
                raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
            object.__setattr__(self, name, int(v))

    @property
    def stop(self) -> int:
        """One past the last restart: the shard holds restarts ``range(start, stop)``."""
        return self.start + self.count


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def plan_shards(
    cells: Iterable[Sequence[int] | int], restarts: int | Mapping[Any, int], shard_size: int
) -> list[Shard]:
    """Split each cell's restarts into consecutive shards of ``shard_size`` (the last one may be shorter).

    Parameters
    ----------
    cells
        Cell keys, e.g. ``[(k, n), ...]`` (tuples of ints; a single int is a 1-tuple), each once.
    restarts
        Restarts per cell: one int for all, or a dict ``{cell: restarts}``.
    shard_size
        Restarts per shard (>= 1).

    Returns
    -------
    list of Shard
        Cell by cell in the order given, shards in start order; shard ``j`` of a cell holds
        restarts ``[j * shard_size, min((j + 1) * shard_size, restarts))``.
    """
    if not _is_int(shard_size) or shard_size < 1:
        raise ValueError(f"shard_size must be an integer >= 1, got {shard_size!r}")
    keys: list[Cell] = []
    for c in cells:
        raw: tuple[Any, ...] = (c,) if _is_int(c) else tuple(c) if isinstance(c, Sequence) else ()
        if not raw or not all(_is_int(x) for x in raw):
            raise ValueError(f"cells must be tuples of ints, got {c!r}")
        key = tuple(int(x) for x in raw)
        if key in keys:
            raise ValueError(f"cells must be distinct, got {key!r} twice")
        keys.append(key)
    out = []
    for key in keys:
        if isinstance(restarts, Mapping):
            if key not in restarts:
                raise ValueError(f"restarts has no entry for the cell {key!r}")
            R = restarts[key]
        else:
            R = restarts
        if not _is_int(R) or R < 0:
            raise ValueError(f"restarts must be integers >= 0, got {R!r} for the cell {key!r}")
        for j, start in enumerate(range(0, int(R), shard_size)):
            out.append(Shard(key, j, start, min(shard_size, int(R) - start)))
    return out


def check_arrays(arrays: Any, shard: Shard, what: str) -> dict[str, np.ndarray]:
    """``arrays`` as a dict of NumPy arrays of length ``shard.count`` (a ValueError naming ``what``)."""
    if not isinstance(arrays, Mapping) or not arrays:
        raise ValueError(
            f"{what} must be a non-empty dict of arrays, got {type(arrays).__name__} for {shard!r}"
        )
    out = {}
    for key, a in arrays.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"{what}: keys must be non-empty strings, got {key!r} for {shard!r}")
        a = np.asarray(a)
        if a.ndim == 0 or a.shape[0] != shard.count:
            raise ValueError(
                f"{what}[{key!r}] must have one entry per restart ({shard.count}), "
                f"got shape {a.shape} for {shard!r}"
            )
        out[key] = a
    return out


def _run_shard(fn: Callable[[Shard], Mapping[str, Any]], shard: Shard, threads: int | None) -> Any:
    """One task on a worker: cap the native threads, then run ``fn``."""
    if threads is not None:
        from . import backend

        if backend.has_core():
            backend.set_num_threads(threads)
    return fn(shard)


def _check_executor(executor: Any) -> None:
    if executor is None:
        return
    if not isinstance(executor, cf.Executor):
        hint = " (for a Dask client pass client.get_executor())" if hasattr(executor, "get_executor") else ""
        raise ValueError(f"executor must be None or a concurrent.futures.Executor{hint}, got {executor!r}")
    if isinstance(executor, cf.ProcessPoolExecutor):
        ctx = getattr(executor, "_mp_context", None)
        method = ctx.get_start_method() if ctx is not None else None
        if method == "fork":
            raise ValueError(
                "executor is a fork-based ProcessPoolExecutor: OpenMP is not fork-safe once a kernel ran; "
                'use ProcessPoolExecutor(mp_context=multiprocessing.get_context("spawn")) or a Dask cluster'
            )


def _check_shards(shards: Iterable[Shard]) -> list[Shard]:
    shards = list(shards)
    if not all(isinstance(s, Shard) for s in shards):
        bad = next(s for s in shards if not isinstance(s, Shard))
        raise ValueError(f"shards must be relufast.sweep.Shard objects (see plan_shards), got {bad!r}")
    _check_disjoint(shards, "shards")
    return shards


def _check_disjoint(shards: Sequence[Shard], what: str) -> None:
    by_cell: dict[Cell, list[Shard]] = {}
    for s in shards:
        by_cell.setdefault(s.cell, []).append(s)
    for cell_shards in by_cell.values():
        cell_shards = sorted(cell_shards, key=lambda s: s.start)
        for a, b in zip(cell_shards, cell_shards[1:], strict=False):
            if b.start < a.stop:
                raise ValueError(f"{what} overlap: {a!r} and {b!r}")


def concat_shards(
    shards: Sequence[Shard], results: Mapping[Shard, Mapping[str, np.ndarray]], what: str = "shards"
) -> dict[Cell, Arrays]:
    """Each cell's shard results concatenated in start order: ``{cell: {name: array}}``.

    Cells come in the order of their first shard in ``shards``. Every shard of a cell must return
    the same names, with the same per-restart shape; overlapping shards are a ValueError.
    """
    _check_disjoint(shards, what)
    by_cell: dict[Cell, list[Shard]] = {}
    for s in shards:
        by_cell.setdefault(s.cell, []).append(s)
    out: dict[Cell, Arrays] = {}
    for cell, cell_shards in by_cell.items():
        cell_shards = sorted(cell_shards, key=lambda s: s.start)
        first = results[cell_shards[0]]
        names = list(first)
        for s in cell_shards[1:]:
            r = results[s]
            if list(r) != names:
                raise ValueError(
                    f"{what}: {s!r} returned the arrays {list(r)}, {cell_shards[0]!r} returned {names}"
                )
            for k in names:
                if r[k].shape[1:] != first[k].shape[1:]:
                    raise ValueError(
                        f"{what}: {k!r} has per-restart shape {r[k].shape[1:]} in {s!r} "
                        f"but {first[k].shape[1:]} in {cell_shards[0]!r}"
                    )
        out[cell] = {k: np.concatenate([results[s][k] for s in cell_shards]) for k in names}
    return out


def map_shards(
    fn: Callable[[Shard], Mapping[str, Any]],
    shards: Iterable[Shard],
    *,
    executor: cf.Executor | None = None,
    store: Store | None = None,
    progress: Callable[[int, int], Any] | None = None,
    threads_per_worker: int | None = 1,
) -> dict[Cell, Arrays]:
    """Run ``fn(shard)`` for every shard and concatenate the results per cell.

    Parameters
    ----------
    fn
        ``fn(shard) -> {name: array}``, each array of length ``shard.count`` (one entry per restart;
        any shape after that, any dtype a store can hold: bool, int, float, str). Must follow the
        module's contract (results depend only on the seed, the cell and the restart indices) for a
        sharded run to equal a single-process one. Picklable for a process pool or a cluster.
    shards
        From :func:`plan_shards` (shards of one cell must not overlap).
    executor
        None: in this process, one shard after another. Otherwise any
        :class:`concurrent.futures.Executor`: ``ProcessPoolExecutor`` with a spawn or forkserver
        context (never fork), ``ThreadPoolExecutor``, or a Dask cluster's
        ``Client(...).get_executor()``. The executor is not shut down.
    store
        A :class:`relufast.store.Store`: shards it already holds are loaded back instead of run
        (they are all read first, so a corrupt file is an error before any work starts), and every
        shard is written to it as soon as it finishes, so that an interrupt or a crash loses only
        the shards in flight. A finished shard of a planned cell that overlaps a planned shard
        without being one (the store was written with another shard size, or with fewer restarts
        that ended in a short shard) is a ValueError; stored shards outside the plan are ignored.
    progress
        Called as ``progress(done, total)`` (shards) once the stored shards are loaded and after
        each shard that finishes.
    threads_per_worker
        Native (OpenMP) threads per task on an executor, set with ``relufast.set_num_threads``
        inside each task when the C++ core is loaded; None leaves them alone. Not used with
        ``executor=None``.

    Returns
    -------
    dict
        ``{cell: {name: array}}``: each cell's shards concatenated in start order, cells in the
        order of ``shards``.

    Notes
    -----
    When ``fn`` raises for a shard, no more shards are started, the ones already running are
    waited for and stored, and the exception is raised again (with a note naming the shard); a
    rerun with the same store then runs only the shards that are missing.
    """
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {fn!r}")
    shards = _check_shards(shards)
    _check_executor(executor)
    if store is not None:
        from .store import Store

        if not isinstance(store, Store):
            raise ValueError(f"store must be None or a relufast.store.Store, got {store!r}")
    if progress is not None and not callable(progress):
        raise ValueError(f"progress must be None or callable, got {progress!r}")
    if threads_per_worker is not None and (not _is_int(threads_per_worker) or threads_per_worker < 1):
        raise ValueError(f"threads_per_worker must be None or an integer >= 1, got {threads_per_worker!r}")

    results: dict[Shard, Arrays] = {}
    if store is not None:
        planned = set(shards)
        cells = {s.cell for s in shards}
        stored = [s for s in store.finished() if s.cell in cells]
        foreign = [s for s in stored if s not in planned]
        if foreign:
            _check_disjoint_from(foreign, shards, store)
        for s in stored:
            if s in planned:
                results[s] = store.load(s)
    total, todo = len(shards), [s for s in shards if s not in results]
    if progress is not None:
        progress(len(results), total)

    def finish(s: Shard, arrays: Any) -> None:
        arrays = check_arrays(arrays, s, "fn's result")
        if store is not None:
            store.write(s, arrays)
        results[s] = arrays
        if progress is not None:
            progress(len(results), total)

    if executor is None:
        for s in todo:
            try:
                out = fn(s)
            except BaseException as exc:
                _note(exc, s)
                raise
            finish(s, out)
    else:
        futures = {executor.submit(_run_shard, fn, s, threads_per_worker): s for s in todo}
        try:
            for fut in cf.as_completed(futures):
                finish(futures[fut], fut.result())
        except BaseException as exc:
            for f in futures:
                f.cancel()
            if isinstance(exc, Exception):  # keep what is running (not on KeyboardInterrupt)
                failed = next(
                    (futures[f] for f in futures if f.done() and not f.cancelled() and f.exception() is exc),
                    None,
                )
                if failed is not None:
                    _note(exc, failed)
                for f in cf.as_completed([f for f in futures if not f.cancelled()]):
                    s = futures[f]
                    if s not in results and not f.cancelled() and f.exception() is None:
                        try:
                            finish(s, f.result())
                        except Exception:  # pragma: no cover - a second bad result; the first error wins
                            pass
            raise
    return concat_shards(shards, results)


def _check_disjoint_from(foreign: Sequence[Shard], shards: Sequence[Shard], store: Any) -> None:
    for f in foreign:
        for s in shards:
            if s.cell == f.cell and s.start < f.stop and f.start < s.stop:
                raise ValueError(
                    f"store {store!r} holds {f!r}, which overlaps the planned {s!r} without being it "
                    "(written with another shard size, or another number of restarts that cut a short last "
                    "shard): use the same shards, or another store"
                )


def _note(exc: BaseException, shard: Shard) -> None:
    add = getattr(exc, "add_note", None)  # Python >= 3.11
    if add is not None:
        add(f"raised by fn on {shard!r}; finished shards are kept in the store, if one was given")
