"""The float64 peak of one core: a compiled FMA loop at the widest vector width, clock and flops measured."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# GCC vectors of the target's widest register (8 doubles on AVX-512, 4 on AVX2, 2 on SSE2): one
# program for every x86 machine, where the AVX-512 intrinsics died with SIGILL on AVX2 hosts.
_PEAK_C = r"""
#include <stdio.h>
#include <time.h>
#if defined(__AVX512F__)
#define W 8
#elif defined(__AVX__)
#define W 4
#else
#define W 2
#endif
typedef double v __attribute__((vector_size(W * 8)));
static double now(void) {
  struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}
int main(void) {
  long n = 200000000L;
  /* clock: a chain of dependent 1-cycle integer adds runs at one add per cycle */
  long x = 0;
  double t0 = now();
  for (long i = 0; i < n; ++i) __asm__ volatile("add $1, %0" : "+r"(x));
  double hz = n / (now() - t0);
  /* FMA throughput: 10 independent W-wide float64 chains (2 units x 4-cycle latency need 8; 10
     and the two operands fit AVX2's 16 registers, so nothing spills) */
  const v z = {0}; /* scalars broadcast; no lane subscripts, which would keep a chain in memory */
  v b = z + 0.999999, c = z + 1e-7, a0 = z, a1 = z + 1, a2 = z + 2, a3 = z + 3, a4 = z + 4,
    a5 = z + 5, a6 = z + 6, a7 = z + 7, a8 = z + 8, a9 = z + 9;
  long m = 400000000L / W;
  t0 = now();
  for (long i = 0; i < m; ++i) {
#define F(A) A = A * b + c; /* one FMA (-ffp-contract=fast, GCC's default) */
    F(a0) F(a1) F(a2) F(a3) F(a4) F(a5) F(a6) F(a7) F(a8) F(a9)
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5),
                          "+v"(a6), "+v"(a7), "+v"(a8), "+v"(a9));
  }
  double flops = m * 10.0 * W * 2 / (now() - t0);
  v sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + (a8 + a9);
  double s = 0;
  for (int l = 0; l < W; ++l) s += sum[l];
  printf("%.6g %.6g %d %g\n", hz, flops, W, s);
  return 0;
}
"""


def measure_peak() -> dict:
    """Measure the clock and the float64 FMA peak of one core (run pinned, one thread).

    Compiles a 40-line C program (gcc -march=native): the clock from a dependent chain of 1-cycle
    integer adds, the peak from 10 independent FMA chains of the widest register (W doubles: 8 on
    AVX-512, 4 on AVX2). Returns the stated peak (clock x 4 W flops/cycle: 2 FMA units x W doubles
    x 2 flops) beside the measured one, and W as ``doubles_per_fma``.
    """
    out = {"method": "gcc-compiled FMA loop (-march=native), process CPU time, pinned core"}
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        out["error"] = "no C compiler"
        return out
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = Path(tmp) / "peak.c", Path(tmp) / "peak"
        src.write_text(_PEAK_C)
        r = subprocess.run(
            [cc, "-O2", "-march=native", str(src), "-o", str(exe)], capture_output=True, text=True
        )
        if r.returncode != 0:
            out["error"] = r.stderr.strip()[-300:]
            return out
        best = None
        for _ in range(3):
            hz, flops, width, _ = (
                float(v)
                for v in subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
            )
            if best is None or flops > best[1]:
                best = (hz, flops, int(width))
    out["clock_hz"] = best[0]
    out["measured_flops"] = best[1]
    out["doubles_per_fma"] = best[2]
    out["stated_flops"] = best[0] * 4.0 * best[2]
    out["flops_per_cycle"] = best[1] / best[0]
    if out["flops_per_cycle"] > 4.0 * best[2] + 0.5:  # more than 2 FMA units: the add chain ran slow
        out["note"] = f"clock estimate unreliable here (flop/cycle > {4 * best[2]}); the measured peak stands"
    return out
