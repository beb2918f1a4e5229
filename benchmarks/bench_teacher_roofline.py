"""How close the teacher GD kernel runs to this core's limits at k = n = 20, and what 5x JAX needs.

One pinned thread, R restarts, identity teacher, step 0.1, no early stop. It prints:

* the native GD rate (restart-iterations/s, process CPU time) and the public ``teacher.grad`` on
  the same batch, per restart-evaluation, beside one native GD step: with each gradient dropped
  before the next call (its memory reused), and with every call's gradient kept, where the
  first touch of fresh output pages adds its page faults; and the floor of that beside GD's
  loop, which keeps each block in cache: a bare copy of the batch (W read, G written); the
  finiteness check of W that every public call makes happens as the kernel packs W into lanes,
  and what it would cost as a pass of its own is printed beside it;
* with ``perf`` on the machine: instructions and cycles per restart-iteration of the GD loop (a
  subprocess running only that loop; Python's share is under 1 %) and the IPC;
* the core's float64 FMA peak (``harness/peak.py``) and the kernel's useful float64 work per
  restart-iteration (the FMAs of its dot products, Gram coupling, norms and gradient assembly, as
  counted from ``csrc/teacher/loss_lanes.hpp``; the 590 angle evaluations at k = n = 20 come on
  top), so the share of peak is a lower bound;
* a floor from the kernel's own operations: the angles, square roots and divisions of one
  restart-iteration, each at the throughput ``harness/ops.py`` measures for the kernel's code
  (``csrc/core/math.hpp``, independent evaluations in L1), plus the useful FMAs at the measured
  peak, all on the same vector units;
* the rate 5x the JAX peer needs (the JAX column of the --jax-results report, with relufast's
  rate from that same run beside it), the time per restart-iteration it allows beside that floor
  and, with perf, the instructions per restart-iteration that rate allows at the measured IPC.

    python benchmarks/bench_teacher_roofline.py [--restarts 1000] [--out results/roofline.txt]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from relufast import backend, optim, teacher
from relufast.experiments import safran_shamir as ss

sys.path.insert(0, str(Path(__file__).parent))
from harness.ops import measure_ops
from harness.peak import measure_peak

K = 20
_LOOP = """
import sys
from relufast import backend, optim
from relufast.experiments import safran_shamir as ss
backend.set_num_threads(1)
W0 = ss.initial_students({k}, {k}, {R}, 0)
optim.teacher_gd(W0, tol=1e-300, f_stop=0.0, max_iters={steps}, chunk={steps})
"""


def useful_fmas(n: int, k: int, d: int) -> int:
    """FMAs per restart-iteration in the kernel's linear algebra (identity teacher, d = k)."""
    norms = 3 * n * d  # |w|^2, w / |w|, |wb|
    dots = n * (n - 1) // 2 * d  # student Gram, upper triangle
    coupling = n * n * d  # g_i = w_i / 2 + sum_j P_ij w_j
    teacher_sines = 2 * n * d  # prefix and suffix sums of squares
    assembly = 2 * n * d  # g_i += a_i wb_i, |g_i|^2
    return norms + dots + coupling + teacher_sines + assembly


def kernel_ops(n: int, k: int, d: int) -> dict[str, int]:
    """Angles, roots and divisions per restart-iteration (identity teacher, d = k), as in
    ``csrc/teacher/loss_lanes.hpp`` and ``pair_terms.hpp``: an angle and a sine (``root``) per
    student pair and per (student, coordinate); per neuron |w| and |wb| (``exact_root``) and
    1 / |w| (``exact_divide``), and the gradient norm |g_i| (``exact_root``).
    """
    pairs = n * (n - 1) // 2 + n * d
    return {"angle": pairs, "root": pairs, "exact_root": 3 * n, "exact_divide": n}


def step_floor(n: int, k: int, ops: dict, peak_flops: float) -> tuple[float, float]:
    """Seconds per restart-iteration at (n, k = d) of the kernel's operations at full throughput
    (``harness.ops.measure_ops``) and of its useful FMAs at ``peak_flops``.
    """
    transcendental = sum(count * ops[name] * 1e-9 for name, count in kernel_ops(n, k, k).items())
    return transcendental, 2 * useful_fmas(n, k, k) / peak_flops


def cpu_seconds(fn) -> float:
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def perf_counts(R: int, steps: int) -> dict | None:
    if shutil.which("perf") is None:
        return None
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    out = {}
    for s in (steps, 1):  # the difference removes start-up and set-up
        code = _LOOP.format(k=K, R=R, steps=s)
        cmd = ["perf", "stat", "-x,", "-e", "instructions,cycles", sys.executable, "-c", code]
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        vals = {}
        for line in p.stderr.splitlines():
            parts = line.split(",")
            if len(parts) > 2 and parts[2] in ("instructions", "cycles") and parts[0].isdigit():
                vals[parts[2]] = int(parts[0])
        if len(vals) < 2:
            return None
        out[s] = vals
    work = R * (steps - 1)
    ins = (out[steps]["instructions"] - out[1]["instructions"]) / work
    cyc = (out[steps]["cycles"] - out[1]["cycles"]) / work
    return {"instructions": ins, "cycles": cyc, "ipc": ins / cyc}


def report_rates(path: Path) -> tuple[float, float] | None:
    """(relufast, jax) restart-it/s of the k = n = 20, R = 1000 row of a bench_teacher.py report."""
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        m = re.match(r"20\s+1000\s+(\S+)\s+\S+\s+(\S+)\s", line)
        if m:
            return float(m.group(1)), float(m.group(2))
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--restarts", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument(
        "--jax-results",
        default=str(Path(__file__).parent / "results" / "teacher_gd_epyc_avx512.txt"),
        help="a bench_teacher.py report with the k=n=20, R=1000 row (relufast, numpy, jax)",
    )
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    backend.set_num_threads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one pinned core
    threadpool_limits(1)  # no BLAS threads beside the measured one
    R, steps = args.restarts, args.steps
    W0 = ss.initial_students(K, K, R, 0)
    run = lambda: optim.teacher_gd(W0, tol=1e-300, f_stop=0.0, max_iters=steps, chunk=steps)  # noqa: E731
    run()
    evals = 20

    def grads_dropped() -> None:  # each gradient dropped before the next: its memory is reused
        for _ in range(evals):
            teacher.grad(W0)

    def grads_kept() -> list:  # all kept: every call writes fresh pages (first-touch page faults)
        return [teacher.grad(W0) for _ in range(evals)]

    G = np.empty_like(W0)

    def traffic() -> None:  # what teacher.grad moves that GD's loop does not: W in, G out
        for _ in range(evals):
            np.copyto(G, W0)

    def check() -> None:  # the public API's finiteness check of W
        for _ in range(evals):
            np.isfinite(W0).all()

    # all in turn, best of 5 rounds each: a slow spell of this shared machine then slows
    # them all, not only the one measured in it, and their ratios hold
    fns = (
        ("gd", run),
        ("dropped", grads_dropped),
        ("kept", grads_kept),
        ("traffic", traffic),
        ("check", check),
    )
    times: dict[str, list[float]] = {name: [] for name, _ in fns}
    for _ in range(5):
        for name, fn in fns:
            times[name].append(cpu_seconds(fn))
    rate = R * steps / min(times["gd"])
    per_grad = min(times["dropped"]) / (evals * R)
    per_kept = min(times["kept"]) / (evals * R)
    per_copy, per_check = (min(times[name]) / (evals * R) for name in ("traffic", "check"))
    peak = measure_peak()
    ops = measure_ops()
    fmas = useful_fmas(K, K, K)
    flops = 2 * fmas
    lines = [
        f"# teacher GD roofline, k = n = {K}, R = {R}, 1 thread ({relufast_info()})",
        f"native GD: {rate:.3g} restart-it/s = {1e6 / rate:.2f} us per restart-iteration",
        f"public teacher.grad on the same batch: {per_grad * 1e6:.2f} us per restart-evaluation "
        f"({per_grad * rate:.2f} GD steps); {per_kept * 1e6:.2f} us ({per_kept * rate:.2f} GD "
        f"steps) when every call's {R * K * K * 8 / 1e6:.1f} MB gradient is kept (fresh pages)",
        f"its floor beside GD's loop: moving W in and G out (a bare np.copyto of the batch) "
        f"{per_copy * 1e6:.2f} us per restart, so teacher.grad >= {1 + per_copy * rate:.2f} GD steps "
        f"at this R (the finiteness check of W is made as the kernel packs it; as a pass of its own, "
        f"np.isfinite(W).all(), it would add {per_check * 1e6:.2f} us)",
        f"float64 peak of one core: {peak['measured_flops']:.3g} flop/s ({peak['method']})",
        f"useful linear-algebra work: {fmas} FMAs = {flops} flops per restart-iteration "
        f"(+ {K * (K - 1) // 2 + K * K} angles): {rate * flops / peak['measured_flops']:.1%} of peak",
    ]
    floor = None
    if "error" in ops:
        lines.append(f"kernel operations: not measured ({ops['error']})")
    else:
        counts_ops = kernel_ops(K, K, K)
        op_us, fma_us = (t * 1e6 for t in step_floor(K, K, ops, peak["measured_flops"]))
        floor = op_us + fma_us
        lines.append(
            "floor from the kernel's own operations (harness/ops.py: csrc/core/math.hpp, ns per lane "
            "at full throughput): "
            + ", ".join(f"{counts_ops[name]} x {name} {ops[name]:.3g} ns" for name in counts_ops)
            + f" = {op_us:.2f} us, + the useful FMAs at peak {fma_us:.2f} us: "
            f"{floor:.2f} us per restart-iteration ({floor * rate / 1e6:.0%} of the measured GD step)"
        )
    counts = perf_counts(R, steps)
    if counts:
        lines.append(
            f"perf: {counts['instructions']:.0f} instructions and {counts['cycles']:.0f} cycles per "
            f"restart-iteration (IPC {counts['ipc']:.2f}; {counts['instructions'] / 8:.0f} per "
            "restart if every instruction were an 8-lane vector one)"
        )
    else:
        lines.append("perf: not available here (instruction counts skipped)")
    rates = report_rates(Path(args.jax_results))
    if rates:
        ours, jr = rates
        need = 5 * jr
        line = (
            f"5x JAX (JAX column of {Path(args.jax_results).name}: {jr:.3g} restart-it/s, relufast "
            f"{ours:.3g} in the same run, {ours / jr:.2f}x): {need:.3g} restart-it/s, "
            f"{need / ours:.2f}x relufast's rate in that run and {need / rate:.2f}x the rate here; "
            f"the useful flops alone would then be {need * flops / peak['measured_flops']:.0%} of peak"
        )
        if floor is not None:
            line += (
                f"; it allows {1e6 / need:.2f} us per restart-iteration, {ours / (need * rate) * 1e6:.2f} "
                f"at this run's speed (relufast's rate here against that run's), against the floor's "
                f"{floor:.2f}"
            )
        if counts:
            line += (
                f", and at today's IPC it allows {counts['instructions'] * rate / need:.0f} "
                "instructions per restart-iteration"
            )
        lines.append(line)
    print(*lines, sep="\n")
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n")


def relufast_info() -> str:
    info = __import__("relufast").info()
    return f"simd_lanes {info['simd_lanes']}, openmp {info['openmp']}"


if __name__ == "__main__":
    main()
