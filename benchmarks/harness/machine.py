"""Machine facts: CPU (lscpu), load, the relufast commit and build, peer versions; the report header."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess

from . import ROOT
from .peers import XLA_BEST, versions
from .workers import openblas_note


def lscpu() -> dict:
    out = {}
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return out
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "csrc"], capture_output=True, text=True
        ).stdout.strip()
        return head + (" (csrc has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def machine_info() -> dict:
    cpu = lscpu()
    isa = [f for f in ("avx2", "avx512f", "fma") if f in cpu.get("Flags", "").split()]
    info = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu.get("Model name", platform.processor()),
        "cpus": os.cpu_count(),
        "threads_per_core": cpu.get("Thread(s) per core", "?"),
        "isa": " ".join(isa),
        "hypervisor": cpu.get("Hypervisor vendor", ""),
        "bogomips": cpu.get("BogoMIPS", ""),
        "loadavg": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "relufast_commit": git_commit(),
        "openblas": openblas_note(),
        **versions(),
    }
    try:
        import relufast

        info["relufast"] = {k: v for k, v in relufast.info().items() if k != "cuda_devices"}
    except Exception as exc:  # pragma: no cover
        info["relufast"] = f"unavailable: {exc}"
    return info


def header(title: str, info: dict) -> str:
    rf = info.get("relufast", {})
    lines = [
        f"# {title}",
        f"date: {info['date']}",
        f"machine: {info['cpu']}, {info['cpus']} logical CPUs ({info['threads_per_core']} thread/core), "
        f"{info['isa']}{', ' + info['hypervisor'] + ' guest' if info['hypervisor'] else ''}",
        f"load average at start: {info['loadavg']} (other jobs share this machine; see README)",
        f"relufast: {info['relufast_commit']}; {rf}",
        "peers: "
        + ", ".join(
            f"{k} {v}"
            for k, v in info.items()
            if k in ("python", "numpy", "scipy", "jax", "jaxlib", "torch", "sklearn")
        ),
        f"XLA_FLAGS in workers: {XLA_BEST} (+ single-thread Eigen for 1 thread); {info['openblas']}",
    ]
    return "\n".join(lines)
