#!/usr/bin/env bash
# The one prepared GPU run (issue 8): build, CUDA tests, GPU benchmark; logs and tables in OUTDIR.
# usage: bash benchmarks/gpu_check.sh OUTDIR     (at most ~6 minutes; no network needed)
# Without a GPU, JAX or PyTorch each part says what it skipped and the rest still runs.
set -uo pipefail
OUT=${1:?usage: gpu_check.sh OUTDIR}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
cd "$(dirname "$0")/.."
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
    || echo "skipped: nvidia-smi (no NVIDIA driver here)"
  echo "== build =="
  timeout 240 python3 -m pip install --no-build-isolation --no-deps -e . 2>&1 | tail -3
  python3 -c "import relufast; print(relufast.info())"
} 2>&1 | tee "$OUT/build.log"
echo "== pytest -m cuda ==" | tee "$OUT/tests.log"
timeout 120 python3 -m pytest -q -p no:cacheprovider -m cuda tests/test_cuda*.py -rs 2>&1 | tail -25 \
  | tee -a "$OUT/tests.log"
echo "== benchmark ==" | tee "$OUT/bench.log"
timeout 200 python3 benchmarks/bench_gpu.py --out "$OUT" 2>&1 | tee -a "$OUT/bench.log"
echo "gpu_check: logs and tables in $OUT"
