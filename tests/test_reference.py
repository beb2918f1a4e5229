"""The shipped reference results are built by relufast alone (relufast.experiments.reference,
scripts/make_reference.py), in the shape of a live run; and the engine figure's helpers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relufast import backend as _backend
from relufast.experiments import blind_spot as bs
from relufast.experiments import engine as eng
from relufast.experiments import five_points as fp
from relufast.experiments import reference
from relufast.experiments import safran_shamir as ss
from relufast.experiments.summary import histogram, jsonable

ROOT = Path(__file__).resolve().parents[1]
META_KEYS = ["source", "wall_s", "backend", "threads", "cpu_count", "relufast", "when", "size"]


def test_summary_helpers():
    assert jsonable({"a": np.float64(np.inf), 2: [np.int32(3), (np.bool_(False),)]}) == {
        "a": None,
        "2": [3, [False]],
    }
    assert histogram([0.0, 0.5, 1.0, 2.0, -1.0, np.inf], [0.0, 1.0, 2.0]) == [3, 2]


def test_meta_dumps_and_load():
    m = reference.meta(2.34567, "numpy", "one run")
    assert list(m) == META_KEYS and m["wall_s"] == 2.346 and m["source"] == "reference"
    assert reference.meta(1.0, "cpu", "", source="live")["source"] == "live"
    assert json.loads(reference.dumps({"x": np.array([np.nan, 1.0])})) == {"x": [None, 1.0]}
    for name in reference.FILES.values():
        shipped = reference.load(name)
        # the long initialisation budget also records the machine it ran on
        extra = ["machine"] if name == "initialisation_long.json" else []
        assert shipped is not None and list(shipped["meta"]) == META_KEYS + extra, name
    assert reference.load("missing.json") is None


def _content(obj: dict) -> dict:
    """A result without its timing (meta, wall_s, seconds): what must regenerate identically."""
    if isinstance(obj, dict):
        return {k: _content(v) for k, v in obj.items() if k not in ("meta", "wall_s", "seconds")}
    if isinstance(obj, list):
        return [_content(v) for v in obj]
    return obj


def test_builders_are_the_experiments_summaries():
    t = reference.teacher_student(quick=True, restarts=5)
    assert list(t) == ["meta", "params", "logF_edges", "lambda_edges", "cells"]
    assert t["meta"]["size"] == "5 restarts per cell, 6 cells"
    assert _content(json.loads(reference.dumps(t))) == _content(
        jsonable(ss.table_summary([6, 8], [0, 1, 2], 5, 0))
    )
    b = reference.blind_spot(quick=True)
    assert _content(b) == _content(bs.sweep_summary(-4.0, 2.0, 25, 1000, 3, 1.0, 0.0, 0))
    assert b["meta"]["size"] == "25 means x 1,000 inits x 2 sweeps, h = 3"


def test_builders_cache_and_log():
    store, lines = {}, []

    def cached(name, compute):
        if name not in store:
            store[name] = compute()
        return store[name]

    a = reference.teacher_student(quick=True, restarts=3, cached=cached, log=lines.append)
    assert sorted(store) == sorted(f"teacher_{k}_{k + e}_3_0" for k in (6, 8) for e in (0, 1, 2))
    assert any(line.startswith("k=8 n=10: ") for line in lines)
    b = reference.teacher_student(quick=True, restarts=3, cached=cached)  # no recompute
    assert _content(a) == _content(b)


def test_make_reference_imports_relufast_only(tmp_path):
    code = (
        "import runpy, sys\n"
        "sys.argv = ['make_reference.py', 'blind_spot', 'five_points', '--quick', '--out', "
        f"{str(tmp_path)!r}]\n"
        f"runpy.run_path({str(ROOT / 'scripts' / 'make_reference.py')!r}, run_name='__main__')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('app_pages', 'streamlit', 'altair')]\n"
        "assert not bad, bad\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "wrote" in proc.stdout
    five = json.loads((tmp_path / "five_points.json").read_text())
    assert five["params"] == {"restarts": 1000, "steps": 20_000, "lr": 0.01, "seed": 0}
    assert five["meta"]["size"] == "1,000 restarts x 20,000 GD steps, lr 0.01"
    direct = fp.basin_statistics(1000, 0, 20_000, 0.01, "auto").to_summary()
    assert _content(five) == _content({**direct, "params": five["params"]})
    blind = json.loads((tmp_path / "blind_spot.json").read_text())
    assert _content(blind) == _content(bs.sweep_summary(-4.0, 2.0, 25, 1000, 3, 1.0, 0.0, 0))


def test_make_reference_rejects_unknown_sections(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_reference.py"), "nope", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "unknown section" in proc.stderr


# --------------------------------------------------------------------------- engine figure


def test_speedups_by_hand():
    rows = [
        {"task": "t2", "backend": "cpu", "seconds": 0.5},
        {"task": "t1", "backend": "numpy", "seconds": 4.0},
        {"task": "t1", "backend": "cpu", "seconds": 0.4},
        {"task": "t1", "backend": "cpu", "seconds": 0.8},
    ]
    assert eng.speedups(rows) == [
        {"task": "t1", "cpu": 0.4, "numpy": 4.0, "speed-up (numpy / cpu)": 10.0},
        {"task": "t2", "cpu": 0.5, "numpy": None, "speed-up (numpy / cpu)": None},
    ]
    assert eng.speedups([{"task": "a", "backend": "numpy", "seconds": 1.0}]) == [
        {"task": "a", "numpy": 1.0}
    ]  # one backend: no speed-up column
    assert eng.speedups([]) == []


def test_bench_quick_rows():
    rows = eng.bench(quick=True, restarts=16, k=4)
    backends = ["numpy"] + (["cpu"] if _backend.has_core() else [])
    assert [r["backend"] for r in rows] == [b for b in backends for _ in range(4)]
    for r in rows:
        assert r["seconds"] > 0 and r["per_restart_us"] == pytest.approx(1e6 * r["seconds"] / r["restarts"])
        assert r["restarts"] == 16  # the Hessian's at most 100 students are the 16 drawn
    assert rows[2]["task"] == "teacher GD, 20 steps (k = n = 4)"


def test_bench_times_numpy_on_fewer_restarts(monkeypatch):
    """The NumPy reference runs at most NUMPY_MAX_RESTARTS; the speed-up compares per-restart time."""
    monkeypatch.setattr(eng, "NUMPY_MAX_RESTARTS", 8)
    rows = eng.bench(quick=True, restarts=16, k=4)
    assert {r["restarts"] for r in rows if r["backend"] == "numpy"} == {8}
    assert {r["restarts"] for r in rows if r["backend"] == "cpu"} <= {16}
    for r in eng.speedups(rows):
        per = {x["backend"]: x["per_restart_us"] for x in rows if x["task"] == r["task"]}
        assert r["numpy"] == per["numpy"]
        if "cpu" in per:
            assert r["speed-up (numpy / cpu)"] == pytest.approx(per["numpy"] / per["cpu"])


@pytest.mark.skipif(not _backend.has_core(), reason="needs the C++ core")
def test_backend_agreement_rows():
    rows = eng.backend_agreement(restarts=20, k=4)
    assert [r["kernel"] for r in rows] == ["loss F", "gradient", "Hessian"]
    for r in rows:
        assert r["max |cpu - numpy|"] <= 1e-10 * max(1.0, r["max |numpy|"]) and r["k = n"] == 4
