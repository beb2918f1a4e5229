"""A result store on disk for sharded sweeps: one Parquet file per finished shard, opened without relufast.

Layout of a store directory ``DIR``::

    DIR/store.json                     the manifest (JSON, see below)
    DIR/shards/cell_17_18.shard_00003.start_300.count_100.parquet
    DIR/shards/.tmp-...                a write in flight (or a crash's leftover): never read

The manifest holds ``format`` (``"relufast-store"``), ``format_version`` (:data:`FORMAT_VERSION`),
``relufast_version`` (of the writer), ``cell_names`` (the names of the cell key's components, for
example ``["k", "n"]``) and ``config``: the sweep's configuration as the caller gave it (its protocol,
seed, shard size, ...). Opening a store with another configuration, format version or relufast
version is a ValueError that names the argument and the differing keys, so results of two protocols
never mix in one directory.

Each shard file is one row per restart: the columns ``cell_names`` (the cell key, int64),
``restart`` (the global restart index ``start + i``, int64), then one column per array the shard's
function returned, in its order. Arrays of one value per restart are plain columns (float64, int64,
bool, string, binary, ...); arrays of shape ``(count, *shape)`` are list columns holding each
restart's values flattened in C order. The file's key-value metadata ``relufast`` (JSON) holds the
shard (``cell``, ``index``, ``start``, ``count``) and, per column, the NumPy ``dtype`` and the
per-restart ``shape``, so that :meth:`Store.load` gives back the arrays bit for bit. Outside relufast::

    import json, numpy as np, pyarrow.parquet as pq
    t = pq.read_table("DIR/shards/cell_17_18.shard_00003.start_300.count_100.parquet")
    meta = json.loads(t.schema.metadata[b"relufast"])
    W = np.stack(t["W"].to_numpy(zero_copy_only=False)).reshape(-1, *meta["columns"]["W"]["shape"])
    df = pq.read_table("DIR/shards").to_pandas()   # every shard of every cell, one row per restart

Writes are atomic: a shard is written to a temporary file ``.tmp-*`` in ``shards/``, flushed with
fsync and renamed onto its final name with :func:`os.replace` (then the directory is fsynced), so a
half shard never exists under a final name and an interrupt or a crash loses only the shards in
flight. Temporary files are ignored by every reader (Parquet readers skip names starting with a
dot, too) and removed when a store is opened once they are older than ``stale_after`` seconds.
A file under a final name that cannot be read (truncated, overwritten, a page checksum that fails)
is never taken for a finished shard in silence: :meth:`Store.load` raises a ValueError that names
the file and says to delete it, after which the shard is recomputed.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .sweep import Shard, check_arrays

__all__ = ["FORMAT_VERSION", "Store"]

#: Version of the on-disk layout; a store written with another one is refused.
FORMAT_VERSION = 1
_FORMAT = "relufast-store"
_MANIFEST = "store.json"
_SHARDS = "shards"
_TMP = ".tmp-"
_META = b"relufast"
_NAME = re.compile(r"^cell_(-?\d+(?:_-?\d+)*)\.shard_(\d+)\.start_(\d+)\.count_(\d+)\.parquet$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESTART = "restart"


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            f"relufast.store.Store needs pyarrow (pip install 'relufast[store]'): {exc}"
        ) from None
    return pa, pq


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic | np.ndarray):
        return x.tolist()
    raise TypeError(f"{type(x).__name__} is not JSON serialisable")


def _normalise_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, Mapping) or not all(isinstance(k, str) for k in config):
        raise ValueError(f"config must be a dict with string keys, got {config!r}")
    try:
        out: dict[str, Any] = json.loads(json.dumps(dict(config), default=_jsonable, allow_nan=True))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"config must be JSON serialisable ({exc})") from None
    return out


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class Store:
    """A directory of finished shards (Parquet) with a ``store.json`` manifest; see the module docstring.

    Parameters
    ----------
    path
        The directory; created (with its manifest) if it does not exist yet.
    config
        The sweep's configuration (a JSON-serialisable dict: protocol, seed, shard size, ...). A new
        store records it; an existing store must have been written with the same one (None: take
        the stored one, for reading).
    cell_names
        Names of the cell key's components, e.g. ``("k", "n")``: the Parquet columns of the key.
        None: the stored ones, or ``cell0, cell1, ...`` for a new store.
    allow_other_version
        Open a store written by another relufast version (results may then differ bit for bit
        between its old and new shards).
    stale_after
        Temporary files older than this many seconds are removed on opening (younger ones may be
        writes in flight by another process; they are ignored either way).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: Mapping[str, Any] | None = None,
        *,
        cell_names: Sequence[str] | None = None,
        allow_other_version: bool = False,
        stale_after: float = 600.0,
    ) -> None:
        from . import __version__

        _pyarrow()
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise ValueError(f"path must be a directory, got the file {str(self.path)!r}")
        given = None if config is None else _normalise_config(config)
        if cell_names is not None:
            cell_names = [str(c) for c in cell_names]
            bad = [c for c in cell_names if not _IDENT.match(c) or c == _RESTART]
            if bad or len(set(cell_names)) != len(cell_names) or not cell_names:
                raise ValueError(
                    f"cell_names must be distinct identifiers other than {_RESTART!r}, got {cell_names!r}"
                )
        manifest_path = self.path / _MANIFEST
        if not manifest_path.exists():
            if self.path.exists() and any(p.name != _SHARDS for p in self.path.iterdir()):
                raise ValueError(
                    f"path {str(self.path)!r} is a non-empty directory without a {_MANIFEST}: not a store"
                )
            self._create(given or {}, cell_names, __version__)
        manifest = self._read_manifest()
        self._check(manifest, given, cell_names, __version__, allow_other_version)
        self.config: dict[str, Any] = manifest["config"]
        self.cell_names: list[str] | None = manifest["cell_names"]
        self.relufast_version: str = manifest["relufast_version"]
        self._dir = self.path / _SHARDS
        self._dir.mkdir(exist_ok=True)
        self._clean(stale_after)

    # -- manifest --------------------------------------------------------------------------------
    def _create(self, config: dict[str, Any], cell_names: list[str] | None, version: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / _SHARDS).mkdir(exist_ok=True)
        manifest = {
            "format": _FORMAT,
            "format_version": FORMAT_VERSION,
            "relufast_version": version,
            "cell_names": cell_names,
            "config": config,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        fd, tmp = tempfile.mkstemp(prefix=_TMP, dir=self.path)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            try:  # exclusive: if another process created the store meanwhile, its manifest wins
                os.link(tmp, self.path / _MANIFEST)
            except FileExistsError:
                pass
            except OSError:  # pragma: no cover - a file system without hard links
                if not (self.path / _MANIFEST).exists():
                    os.replace(tmp, self.path / _MANIFEST)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _fsync_dir(self.path)

    def _read_manifest(self) -> dict[str, Any]:
        p = self.path / _MANIFEST
        try:
            m = json.loads(p.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"path {str(self.path)!r}: cannot read its manifest {_MANIFEST} ({exc})"
            ) from None
        if not isinstance(m, dict) or m.get("format") != _FORMAT:
            raise ValueError(f"path {str(self.path)!r}: {_MANIFEST} is not a relufast store manifest")
        for key in ("format_version", "relufast_version", "cell_names", "config"):
            if key not in m:
                raise ValueError(f"path {str(self.path)!r}: {_MANIFEST} lacks {key!r}")
        return m

    def _check(
        self,
        m: dict[str, Any],
        given: dict[str, Any] | None,
        cell_names: list[str] | None,
        version: str,
        allow_other_version: bool,
    ) -> None:
        where = f"path {str(self.path)!r}"
        if m["format_version"] != FORMAT_VERSION:
            raise ValueError(
                f"{where} holds a store of format version {m['format_version']!r}; this relufast "
                f"reads format version {FORMAT_VERSION} (use another directory)"
            )
        if m["relufast_version"] != version and not allow_other_version:
            raise ValueError(
                f"{where} was written by relufast {m['relufast_version']}, this is {version}: its shards "
                "may differ bit for bit from new ones (use another directory, or pass "
                "allow_other_version=True to resume anyway)"
            )
        if given is not None and given != m["config"]:
            stored = m["config"]
            diffs = []
            for k in sorted(set(stored) | set(given)):
                if k not in given:
                    diffs.append(f"{k!r} (stored {stored[k]!r}, not given)")
                elif k not in stored:
                    diffs.append(f"{k!r} (given {given[k]!r}, not stored)")
                elif stored[k] != given[k]:
                    diffs.append(f"{k!r} (stored {stored[k]!r}, given {given[k]!r})")
            raise ValueError(
                f"config differs from the one the store at {where} was written with, in the keys "
                f"{', '.join(diffs)}: results of two configurations never mix (use another directory)"
            )
        if cell_names is not None and m["cell_names"] is not None and cell_names != m["cell_names"]:
            raise ValueError(
                f"cell_names {cell_names!r} differ from the stored {m['cell_names']!r} ({where})"
            )
        if cell_names is not None and m["cell_names"] is None:
            raise ValueError(f"cell_names {cell_names!r} given, but the store at {where} was created without")

    def _clean(self, stale_after: float) -> None:
        now = time.time()
        for d in (self.path, self._dir):
            for p in d.glob(_TMP + "*"):
                try:
                    if now - p.stat().st_mtime > stale_after:
                        p.unlink()
                except OSError:  # pragma: no cover - removed by another process meanwhile
                    pass

    # -- shards ----------------------------------------------------------------------------------
    def _names(self, cell: tuple[int, ...]) -> list[str]:
        if self.cell_names is None:
            return [f"cell{i}" for i in range(len(cell))]
        if len(self.cell_names) != len(cell):
            raise ValueError(f"shard cell {cell!r} does not have the store's cell_names {self.cell_names!r}")
        return self.cell_names

    def file(self, shard: Shard) -> Path:
        """The path of ``shard``'s file (whether or not it is finished)."""
        if not isinstance(shard, Shard):
            raise ValueError(f"shard must be a relufast.sweep.Shard, got {shard!r}")
        cell = "_".join(str(c) for c in shard.cell)
        return (
            self._dir / f"cell_{cell}.shard_{shard.index:05d}.start_{shard.start}.count_{shard.count}.parquet"
        )

    def finished(self) -> list[Shard]:
        """The shards with a file under their final name, sorted by (cell, start).

        Only names are read; a file that turns out unreadable raises in :meth:`load`.
        """
        out = []
        for p in self._dir.iterdir():
            m = _NAME.match(p.name)
            if m is None:
                continue
            cell = tuple(int(c) for c in m.group(1).split("_"))
            out.append(Shard(cell, int(m.group(2)), int(m.group(3)), int(m.group(4))))
        return sorted(out, key=lambda s: (s.cell, s.start, s.count))

    def write(self, shard: Shard, arrays: Mapping[str, np.ndarray]) -> Path:
        """Write ``shard``'s arrays (each of length ``shard.count``) atomically; returns the file."""
        pa, pq = _pyarrow()
        final = self.file(shard)
        names = self._names(shard.cell)
        arrays = check_arrays(arrays, shard, "arrays")
        clash = sorted(set(arrays) & {*names, _RESTART})
        if clash:
            raise ValueError(f"arrays must not use the store's own column names {clash} ({shard!r})")
        cols: dict[str, Any] = {}
        for name, v in zip(names, shard.cell, strict=True):
            cols[name] = pa.array(np.full(shard.count, v, dtype=np.int64))
        cols[_RESTART] = pa.array(np.arange(shard.start, shard.stop, dtype=np.int64))
        meta_cols = {}
        for key, a in arrays.items():
            cols[key] = _to_arrow(pa, a, key)
            meta_cols[key] = {"dtype": a.dtype.str, "shape": list(a.shape[1:])}
        from . import __version__

        meta = {
            "format_version": FORMAT_VERSION,
            "relufast_version": __version__,
            "cell": list(shard.cell),
            "cell_names": names,
            "index": shard.index,
            "start": shard.start,
            "count": shard.count,
            "columns": meta_cols,
        }
        table = pa.table(cols).replace_schema_metadata({_META: json.dumps(meta).encode()})
        fd, tmp = tempfile.mkstemp(prefix=_TMP, suffix=".parquet", dir=self._dir)
        try:
            with os.fdopen(fd, "wb") as f:
                pq.write_table(table, f, write_page_checksum=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _fsync_dir(self._dir)
        return final

    def load(self, shard: Shard) -> dict[str, np.ndarray]:
        """The arrays of a finished shard, exactly as written (dtype, shape, bits).

        Raises a ValueError naming the file when it is missing, unreadable or not ``shard``'s.
        """
        pa, pq = _pyarrow()
        p = self.file(shard)
        bad = f"shard file {str(p)!r}"
        fix = "delete it and run the sweep again to recompute that shard"
        if not p.exists():
            raise ValueError(f"{bad} does not exist: {shard!r} is not finished")
        try:
            table = pq.read_table(p, page_checksum_verification=True)
            meta = json.loads(table.schema.metadata[_META])
        except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... on truncated files
            raise ValueError(f"{bad} is truncated or corrupt ({type(exc).__name__}: {exc}); {fix}") from None
        if (
            meta.get("format_version") != FORMAT_VERSION
            or tuple(meta.get("cell", ())) != shard.cell
            or (meta.get("start"), meta.get("count")) != (shard.start, shard.count)
            or table.num_rows != shard.count
        ):
            raise ValueError(f"{bad} does not hold {shard!r} (its metadata: {meta!r}); {fix}")
        out = {}
        try:
            for key, info in meta["columns"].items():
                out[key] = _from_arrow(
                    table.column(key), np.dtype(info["dtype"]), tuple(info["shape"]), shard.count
                )
        except Exception as exc:
            raise ValueError(f"{bad} is corrupt ({type(exc).__name__}: {exc}); {fix}") from None
        return out

    def load_all(
        self, cells: Iterable[tuple[int, ...]] | None = None
    ) -> dict[tuple[int, ...], dict[str, np.ndarray]]:
        """Every finished shard (of ``cells``, or of all cells), concatenated per cell in start order.

        Where a cell's shards leave gaps (a sweep not finished yet) the finished ones are simply
        concatenated; :meth:`finished` says which restarts they hold. Overlapping shards of one cell
        (two splits of one sweep) are a ValueError.
        """
        from .sweep import concat_shards

        want = None if cells is None else {tuple(int(x) for x in c) for c in cells}
        shards = [s for s in self.finished() if want is None or s.cell in want]
        return concat_shards(shards, {s: self.load(s) for s in shards}, "the store's shards")

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, config={self.config!r})"


def _to_arrow(pa: Any, a: np.ndarray, key: str) -> Any:
    kind = a.dtype.kind
    if kind == "O":
        if not all(isinstance(x, str) for x in a.ravel()):
            raise ValueError(f"arrays[{key!r}]: object arrays must hold only str")
        flat = pa.array(a.ravel().tolist(), type=pa.string())
    elif kind in "US":
        flat = pa.array(a.ravel().tolist(), type=pa.string() if kind == "U" else pa.binary())
    elif kind in "biuf":
        flat = pa.array(np.ascontiguousarray(a).ravel(), from_pandas=False)
    else:
        raise ValueError(f"arrays[{key!r}]: dtype {a.dtype} cannot be stored (bool, int, float or str)")
    if a.ndim == 1:
        return flat
    size = int(np.prod(a.shape[1:]))
    offsets = pa.array(np.arange(0, a.shape[0] * size + 1, size, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat)


def _from_arrow(col: Any, dtype: np.dtype, shape: tuple[int, ...], count: int) -> np.ndarray:
    col = col.combine_chunks()
    if shape:
        if col.null_count:
            raise ValueError("null entries")
        col = col.flatten()
    if col.null_count or len(col) != count * int(np.prod(shape)):
        raise ValueError(
            f"{col.null_count} null entries, {len(col)} values for {count} restarts of shape {shape}"
        )
    if dtype.kind in "USO":
        a = np.array(col.to_pylist(), dtype=dtype)
    else:
        a = col.to_numpy(zero_copy_only=False)
        if a.dtype != dtype:
            a = a.astype(dtype)
    return np.ascontiguousarray(a.reshape(count, *shape))
