"""Worker subprocesses: one per thread count, pinned (taskset), every library's threads set by environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import ROOT
from .peers import XLA_BEST, has


def thread_env(threads: int, base: dict | None = None) -> dict:
    """Environment for a worker that must use ``threads`` threads in every library.

    OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed (they may be set on this machine to work
    around a CPU-detection problem; they can make NumPy's BLAS slower), see :func:`openblas_note`.
    """
    env = dict(os.environ if base is None else base)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    t = str(threads)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
        env[var] = t
    xla = [XLA_BEST]
    if threads == 1:
        xla += ["--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"]
    if threads > 1:
        # Idle OpenMP threads sleep instead of spinning: on a machine shared with other jobs the
        # spinning threads of one library (relufast's or torch's libgomp) starve the others;
        # measured here it made torch's 2-thread GD ~10x faster and costs relufast nothing (one
        # parallel region per chunk of steps).
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    env["XLA_FLAGS"] = " ".join(xla)
    env["JAX_PLATFORMS"] = "cpu"
    env["RELUFAST_BENCH_THREADS"] = t
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def openblas_note() -> str:
    vals = {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if os.environ.get(v)}
    if not vals:
        return "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: not set"
    return f"{vals} set in the environment: unset inside the benchmark workers"


def cpu_list(threads: int) -> str:
    """CPUs a worker with ``threads`` threads is pinned to: 0, 0-1, ..."""
    ncpu = os.cpu_count() or 1
    threads = min(threads, ncpu)
    return "0" if threads == 1 else f"0-{threads - 1}"


def in_worker_setup() -> int:
    """Inside a worker: set the thread counts of the libraries already importable; return it."""
    threads = int(os.environ.get("RELUFAST_BENCH_THREADS", "0") or 0) or (os.cpu_count() or 1)
    try:
        import relufast

        relufast.set_num_threads(threads)
    except Exception:  # pragma: no cover - the core may be missing
        pass
    if has("torch"):
        import torch

        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
    return threads


def strip_options(argv: list[str], names: tuple[str, ...]) -> list[str]:
    """argv without the options ``names`` (``--x V`` and ``--x=V`` forms) -- what a worker gets."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in names:
            skip = True
        elif not any(a.startswith(n + "=") for n in names):
            out.append(a)
    return out


def run_worker(script: str, threads: int, args: list[str], timeout: float | None = None) -> dict:
    """Run ``script --worker ARGS`` pinned to ``threads`` cores; return the JSON it writes."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "worker.json"
        cmd = [sys.executable, script, "--worker", "--threads", str(threads), "--json", str(out), *args]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", cpu_list(threads), *cmd]
        print(f"# worker: {' '.join(cmd)}", file=sys.stderr, flush=True)
        proc = subprocess.run(cmd, env=thread_env(threads), timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"worker with {threads} thread(s) failed (exit {proc.returncode})")
        return json.loads(out.read_text())


def run_workers(script: str, threads: list[int], args: list[str]) -> dict:
    """One worker per thread count; a failed worker is reported and left out (the others are kept)."""
    results = {}
    for t in threads:
        try:
            results[t] = run_worker(script, t, args)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
            print(f"# WARNING: {exc}; the report leaves {t} thread(s) out", file=sys.stderr, flush=True)
    if not results:
        raise SystemExit("every worker failed")
    return results
