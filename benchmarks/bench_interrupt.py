"""How long a Ctrl-C waits, and how long the app takes to come up a second time.

Prints two tables (one run, this machine):

* Ctrl-C latency: a fresh interpreter runs teacher GD at k = n = ``--k`` with ``--restarts``
  restarts (or ``relufast table`` on the command line with the same sizes), gets SIGINT after
  ``--delay`` seconds, and the time from the signal to the process's exit is measured
  (``--trials`` times; median and max).
* App start: ``bash scripts/run_app.sh`` twice (headless, on a free port), the seconds until the
  server answers ``/_stcore/health``; the first start may reinstall, the second should not.

Usage::

    python benchmarks/bench_interrupt.py [--k 20] [--restarts 10000] [--trials 5] [--no-app]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GD = """
import numpy as np
from relufast.experiments import safran_shamir as ss
from relufast import optim
W0 = ss.initial_students({k}, {k}, {R}, seed=0)
print("start", flush=True)
optim.teacher_gd(W0, tol=1e-300, f_stop=0.0)
"""


def interrupt_latency(cmd: list[str], delay: float, ready: str | None) -> float:
    """Seconds from SIGINT to the exit of ``cmd`` (started, then signalled after ``delay`` s)."""
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT) as p:
        if ready is not None:
            assert p.stdout is not None
            line = p.stdout.readline().strip()
            if line != ready:
                raise RuntimeError(f"{cmd[:3]}: expected {ready!r}, got {line!r}")
        time.sleep(delay)
        t = time.perf_counter()
        p.send_signal(signal.SIGINT)
        p.communicate(timeout=120)
        return time.perf_counter() - t


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_start_seconds(timeout: float = 900.0) -> float:
    """Seconds from ``bash scripts/run_app.sh`` to a healthy server (then stopped)."""
    port = free_port()
    cmd = ["bash", "scripts/run_app.sh", "--server.headless", "true", "--server.port", str(port)]
    t = time.perf_counter()
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as p:
        try:
            while time.perf_counter() - t < timeout:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
                        if r.status == 200:
                            return time.perf_counter() - t
                except OSError:
                    time.sleep(0.2)
            raise TimeoutError(f"the app did not answer within {timeout:.0f} s")
        finally:
            p.send_signal(signal.SIGINT)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--restarts", type=int, default=10_000)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--delay", type=float, default=2.0, help="seconds of GD before the signal")
    ap.add_argument("--no-app", action="store_true", help="skip the app start timing")
    a = ap.parse_args(argv)
    print(f"# Ctrl-C latency and app start ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    print()
    print(f"## Ctrl-C latency, k = n = {a.k}, {a.restarts:,} restarts, signal after {a.delay:g} s")
    cases = {
        "optim.teacher_gd": ([sys.executable, "-c", GD.format(k=a.k, R=a.restarts)], "start"),
        "relufast table (CLI)": (
            [sys.executable, "-m", "relufast", "table", "--k", str(a.k), "--extra", "0"]
            + ["--restarts", str(a.restarts), "--quiet"],
            None,
        ),
    }
    print(f"{'what':<22}  {'median s':>8}  {'max s':>8}  trials")
    for name, (cmd, ready) in cases.items():
        # the CLI prints nothing before it computes: its delay also covers the interpreter's start
        delay = a.delay if ready else a.delay + 2.0
        lat = [interrupt_latency(cmd, delay, ready) for _ in range(a.trials)]
        print(f"{name:<22}  {statistics.median(lat):8.3f}  {max(lat):8.3f}  {a.trials}")
    if not a.no_app:
        print()
        print("## App start (bash scripts/run_app.sh until /_stcore/health answers)")
        first = app_start_seconds()
        second = app_start_seconds()
        print(f"first start:  {first:6.1f} s (installs when the stamp is missing or stale)")
        print(f"second start: {second:6.1f} s")


if __name__ == "__main__":
    main()
