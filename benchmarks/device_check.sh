#!/usr/bin/env bash
# One prepared run on a GPU host (the workplace's device machine): build with RELUFAST_CUDA=ON,
# check that the CUDA seam sees the device, run the core tests, and time the teacher kernel on all
# cores. Writes logs under ${OUT:-/tmp/relufast-device}.
set -uo pipefail
OUT=${OUT:-/tmp/relufast-device}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
{
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  lscpu | grep -E "Model name|^CPU\(s\)"
  python3 -m pip install -q --no-build-isolation --no-deps -Ccmake.define.RELUFAST_CUDA=ON -e . 2>&1 | tail -2
  python3 -c "import relufast; print(relufast.info())"
  python3 -m pytest -q -p no:cacheprovider tests/test_teacher.py tests/test_minima.py \
    tests/test_safran_shamir.py tests/test_mlp.py tests/test_train.py 2>&1 | tail -3
  python3 - <<'PY'
import time, numpy as np, relufast
from relufast.backend import core, get
from relufast.experiments import safran_shamir as ss
from relufast.optim import GDOptions, GDState
c = core()
gd_chunk = get("teacher", "gd_chunk", "cpu")
for threads in (1, c.max_threads()):
    relufast.set_num_threads(threads)
    for k in (6, 10, 20):
        R = 8192
        W = np.random.default_rng(0).normal(size=(R, k, k)) / np.sqrt(k)
        s = GDState(W=W.copy(), W0=W, step=np.full(R, 0.1), iters=np.zeros(R, np.int64),
                    status=np.zeros(R, np.int8), F=np.zeros(R), gmax=np.zeros(R))
        steps = 200 if threads > 1 else 50
        opt = GDOptions(steps=steps, max_iters=0, tol=0.0, diverge=1e4, f_stop=0.0)
        t = time.perf_counter(); gd_chunk(s, None, opt); dt = time.perf_counter() - t
        print(f"threads={threads:3d} k=n={k:2d}  {R * steps / dt:.3g} restart-iterations/s")
t = time.perf_counter(); row = ss.run(20, 20, restarts=1000).summary(); dt = time.perf_counter() - t
print(f"safran_shamir.run(20, 20, 1000 runs) on {c.max_threads()} threads: {dt:.1f} s, {row['pct_spurious']:.1f}% spurious")
PY
} 2>&1 | tee "$OUT/device_check.log"
