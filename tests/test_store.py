import json
import os
import time

import numpy as np
import pytest

pytest.importorskip("pyarrow", reason="relufast.store needs pyarrow (the store extra)")
import pyarrow.parquet as pq

from relufast.store import FORMAT_VERSION, Store
from relufast.sweep import Shard

CONFIG = {"protocol": "icml2018", "seed": 777, "step": 0.5, "shard_size": 4, "cells": [[3, 3], [4, 5]]}


def arrays(shard, rng):
    c = shard.count
    W = rng.standard_normal((c, 5, 4))
    W[0, 0, 0] = -0.0
    F = rng.standard_normal(c)
    F[-1] = np.nan
    return {
        "W": W,
        "F": F,
        "label": np.array(["global", "spurious", "[3, 9]", "not converged", "é"] * c)[:c],
        "iterations": rng.integers(0, 10**12, c),
        "converged": rng.random(c) < 0.5,
        "small": rng.standard_normal(c).astype(np.float32),
        "tag": np.array([b"ab", b"c"] * c)[:c],
        "block": rng.integers(0, 3, (c, 2, 3)).astype(np.int32),
    }


def same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype, k
        assert a[k].shape == b[k].shape, k
        if a[k].dtype.kind in "fc":
            assert a[k].tobytes() == b[k].tobytes(), k  # bit for bit, NaN and -0.0 included
        else:
            assert np.array_equal(a[k], b[k]), k


def test_round_trip_bit_for_bit(tmp_path, rng):
    st = Store(tmp_path / "s", CONFIG, cell_names=("k", "n"))
    s = Shard((4, 5), 1, 4, 3)
    a = arrays(s, rng)
    path = st.write(s, a)
    assert path.name == "cell_4_5.shard_00001.start_4.count_3.parquet"
    assert st.finished() == [s]
    same(st.load(s), a)
    # the same store, reopened by another process later
    st2 = Store(tmp_path / "s", CONFIG)
    assert st2.cell_names == ["k", "n"]
    same(st2.load_all()[(4, 5)], a)


def test_opened_without_relufast(tmp_path, rng):
    st = Store(tmp_path, CONFIG, cell_names=("k", "n"))
    s0, s1 = Shard((4, 5), 0, 0, 4), Shard((4, 5), 1, 4, 2)
    a0, a1 = arrays(s0, rng), arrays(s1, rng)
    st.write(s0, a0)
    st.write(s1, a1)
    manifest = json.loads((tmp_path / "store.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["config"] == CONFIG
    assert manifest["cell_names"] == ["k", "n"]
    import relufast

    assert manifest["relufast_version"] == relufast.__version__
    t = pq.read_table(st.file(s0))
    meta = json.loads(t.schema.metadata[b"relufast"])
    assert meta["columns"]["W"] == {"dtype": "<f8", "shape": [5, 4]}
    assert t.column_names[:3] == ["k", "n", "restart"]
    W = np.stack(t["W"].to_numpy(zero_copy_only=False)).reshape(-1, *meta["columns"]["W"]["shape"])
    assert W.tobytes() == a0["W"].tobytes()
    # the whole directory of shards reads as one table, one row per restart
    everything = pq.read_table(tmp_path / "shards").sort_by("restart")
    assert everything["restart"].to_pylist() == list(range(6))
    assert set(everything["k"].to_pylist()) == {4} and set(everything["n"].to_pylist()) == {5}
    assert everything["label"].to_pylist() == list(a0["label"]) + list(a1["label"])


def test_config_mismatch_names_the_keys(tmp_path):
    Store(tmp_path, CONFIG)
    other = dict(CONFIG, step=0.25, tol=1e-12)
    del other["seed"]
    with pytest.raises(ValueError, match=r"config differs.*'seed'.*'step' \(stored 0.5, given 0.25\).*'tol'"):
        Store(tmp_path, other)
    Store(tmp_path, dict(CONFIG, cells=[(3, 3), (4, 5)]))  # tuples and lists are the same JSON
    assert Store(tmp_path).config == CONFIG  # None: read what is there


def test_format_and_version_mismatch(tmp_path):
    Store(tmp_path, CONFIG)
    m = json.loads((tmp_path / "store.json").read_text())
    (tmp_path / "store.json").write_text(json.dumps(dict(m, format_version=FORMAT_VERSION + 1)))
    with pytest.raises(ValueError, match="format version"):
        Store(tmp_path, CONFIG)
    (tmp_path / "store.json").write_text(json.dumps(dict(m, relufast_version="0.0.1")))
    with pytest.raises(ValueError, match="written by relufast 0.0.1.*allow_other_version"):
        Store(tmp_path, CONFIG)
    assert Store(tmp_path, CONFIG, allow_other_version=True).relufast_version == "0.0.1"
    (tmp_path / "store.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot read its manifest"):
        Store(tmp_path, CONFIG)


def test_bad_arguments(tmp_path, rng):
    (tmp_path / "other.txt").write_text("x")
    with pytest.raises(ValueError, match="non-empty directory without a store.json"):
        Store(tmp_path)
    with pytest.raises(ValueError, match="path must be a directory"):
        Store(tmp_path / "other.txt")
    with pytest.raises(ValueError, match="config must be JSON serialisable"):
        Store(tmp_path / "a", {"f": object()})
    with pytest.raises(ValueError, match="cell_names"):
        Store(tmp_path / "b", cell_names=("k", "restart"))
    st = Store(tmp_path / "c", cell_names=("k", "n"))
    with pytest.raises(ValueError, match="cell_names"):
        Store(tmp_path / "c", cell_names=("a", "b"))
    s = Shard((4, 5), 0, 0, 3)
    with pytest.raises(ValueError, match=r"arrays\['F'\] must have one entry per restart \(3\)"):
        st.write(s, {"F": np.zeros(2)})
    with pytest.raises(ValueError, match="store's own column names"):
        st.write(s, {"restart": np.zeros(3)})
    with pytest.raises(ValueError, match="cannot be stored"):
        st.write(s, {"z": np.zeros(3, complex)})
    with pytest.raises(ValueError, match="does not exist"):
        st.load(s)
    assert st.finished() == []


def test_atomic_write_leaves_no_temp_and_ignores_strays(tmp_path, rng):
    st = Store(tmp_path, CONFIG)
    s = Shard((3, 3), 0, 0, 4)
    a = arrays(s, rng)
    st.write(s, a)
    assert [p.name for p in (tmp_path / "shards").iterdir()] == [st.file(s).name]
    # a crash mid-write leaves a temp file (a half shard) that is never read under a final name
    stray = tmp_path / "shards" / ".tmp-crashed.parquet"
    stray.write_bytes(st.file(s).read_bytes()[:50])
    assert st.finished() == [s]
    same(st.load_all()[(3, 3)], a)
    assert pq.read_table(tmp_path / "shards").num_rows == 4  # Parquet readers skip dot files too
    Store(tmp_path, CONFIG)
    assert stray.exists()  # young: maybe another process's write in flight
    old = time.time() - 3600
    os.utime(stray, (old, old))
    Store(tmp_path, CONFIG)
    assert not stray.exists()  # stale: cleaned


def test_write_failure_leaves_nothing(tmp_path, rng, monkeypatch):
    st = Store(tmp_path, CONFIG)
    s = Shard((3, 3), 0, 0, 4)

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", boom)
    with pytest.raises(OSError, match="disk full"):
        st.write(s, arrays(s, rng))
    assert list((tmp_path / "shards").iterdir()) == []
    assert st.finished() == []


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "bitflip"])
def test_corrupt_shard_is_a_clear_error(tmp_path, rng, damage):
    st = Store(tmp_path, CONFIG)
    s = Shard((3, 3), 0, 0, 4)
    a = arrays(s, rng)
    p = st.write(s, a)
    data = p.read_bytes()
    if damage == "bitflip":  # one bit of one float in a data page: only the page checksum sees it
        at = data.index(a["W"][1, 2, 3].tobytes()) + 3
        p.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :])
    elif damage == "truncate":
        p.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        p.write_bytes(data[:4] + bytes(200) + data[204:])
    else:
        p.write_bytes(b"")
    assert st.finished() == [s]
    with pytest.raises(ValueError, match=r"(?s)is truncated or corrupt.*delete it"):
        st.load(s)


def test_file_of_another_shard_is_an_error(tmp_path, rng):
    st = Store(tmp_path, CONFIG)
    a, b = Shard((3, 3), 0, 0, 4), Shard((3, 3), 1, 4, 4)
    st.write(a, arrays(a, rng))
    os.replace(st.file(a), st.file(b))
    with pytest.raises(ValueError, match="does not hold"):
        st.load(b)


def test_load_all_orders_and_refuses_overlaps(tmp_path, rng):
    st = Store(tmp_path, CONFIG)
    shards = [Shard((3, 3), 1, 4, 4), Shard((3, 3), 0, 0, 4), Shard((-1, 2), 0, 0, 2)]
    data = {s: arrays(s, rng) for s in shards}
    for s in shards:
        st.write(s, data[s])
    out = st.load_all()
    assert list(out) == [(-1, 2), (3, 3)]
    assert (
        out[(3, 3)]["W"].tobytes() == np.concatenate([data[shards[1]]["W"], data[shards[0]]["W"]]).tobytes()
    )
    assert list(st.load_all(cells=[(-1, 2)])) == [(-1, 2)]
    st.write(Shard((3, 3), 0, 2, 4), arrays(Shard((3, 3), 0, 2, 4), rng))
    with pytest.raises(ValueError, match="overlap"):
        st.load_all()
