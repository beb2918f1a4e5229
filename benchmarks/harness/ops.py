"""The throughput of the teacher kernel's own angle, square root and division on one core.

Compiles a small C++ program against ``csrc/core/math.hpp`` (the kernels' ``angle``, ``root``,
``exact_root`` and ``exact_divide`` on blocks of lanes, with the core's compiler flags) and times
each over blocks that sit in L1, every evaluation independent of the others, so that what is
measured is throughput, the best the kernel can do with that operation. Reports nanoseconds per
lane (one restart's evaluation).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CSRC = Path(__file__).resolve().parents[2] / "csrc"

_OPS_CPP = r"""
#include <chrono>
#include <cstdio>
#include "core/math.hpp"
using namespace relufast;
constexpr int B = 256;  // blocks of LANES doubles: 2 x 16 KB (AVX-512) of input, in L1
alignas(64) static double y[B * LANES], x[B * LANES], out[B * LANES];
template <class Op>
static double ns_per_lane(Op op) {
  constexpr int reps = 2000;
  double best = 1e30;
  for (int round = 0; round < 7; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      for (int b = 0; b < B; ++b) store(out + b * LANES, op(load(y + b * LANES), load(x + b * LANES)));
      asm volatile("" ::: "memory");  // every repetition recomputes every block
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = s < best ? s : best;
  }
  return best * 1e9 / (double(reps) * B * LANES);
}
int main() {
  for (int i = 0; i < B * LANES; ++i) {  // y in [0, 1], x in [-1, 1]: every branch of angle()
    y[i] = (i * 0.6180339887) - int(i * 0.6180339887);
    x[i] = 2.0 * ((i * 0.7548776662) - int(i * 0.7548776662)) - 1.0;
  }
  const double a = ns_per_lane([](lanes u, lanes v) { return angle(u, v); });
  const double r = ns_per_lane([](lanes u, lanes) { return root(u); });
  const double er = ns_per_lane([](lanes u, lanes) { return exact_root(u); });
  const double ed = ns_per_lane([](lanes u, lanes v) { return exact_divide(u, v + 2.0); });
  double s = 0;
  for (int i = 0; i < B * LANES; ++i) s += out[i];
  std::printf("%d %.6g %.6g %.6g %.6g %g\n", LANES, a, r, er, ed, s);
  return 0;
}
"""


def measure_ops() -> dict:
    """ns per lane of the kernels' ``angle``, ``root``, ``exact_root`` and ``exact_divide``.

    Run it pinned to one core. Returns ``lanes`` and the four times (keys ``angle``, ``root``,
    ``exact_root``, ``exact_divide``), or ``error`` when there is no C++ compiler.
    """
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx is None:
        return {"error": "no C++ compiler"}
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "ops.cpp", Path(tmp) / "ops"
        src.write_text(_OPS_CPP)
        flags = ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fopenmp-simd", "-Wno-psabi"]
        cmd = [cxx, *flags, f"-I{CSRC}", str(src), "-o", str(exe)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return {"error": r.stderr.strip()[-300:]}
        fields = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    names = ("angle", "root", "exact_root", "exact_divide")
    return {"lanes": int(fields[0]), **{k: float(v) for k, v in zip(names, fields[1:5], strict=True)}}
