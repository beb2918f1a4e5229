"""The Table 1 scripts' shared pieces: the --ks range argument and the one-line machine name."""

from __future__ import annotations

import platform


def ks(text: str) -> list[int]:
    """Teacher widths from "6-20" (inclusive) or "12"."""
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def machine() -> str:
    """The CPU's model name and widest vector extension (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
    except OSError:
        return platform.machine()
    model = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "")
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    simd = "avx512f" if "avx512f" in flags else "avx2" if "avx2" in flags else "sse2"
    return f"{model or platform.machine()}, {simd}"
