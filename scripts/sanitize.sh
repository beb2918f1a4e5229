#!/usr/bin/env bash
# The C++ core under AddressSanitizer and UndefinedBehaviorSanitizer: a separate build (build/sanitize,
# C++ only, -fsanitize=address,undefined,float-cast-overflow) loaded in place of the installed core,
# and the kernel tests run against it (tests/test_core.py, test_teacher.py, test_mlp.py,
# test_minima.py, test_optim.py, test_lanczos.py, test_kernels.py, test_train.py, test_cuda*.py: the
# host twins of the device path; arguments replace
# that list). A sanitizer report is a finding: the script prints their count and exits 1 when there
# is any or a test fails.
# Tests that limit the address space (RLIMIT_AS, which ASan's shadow memory cannot live with) skip
# themselves (RELUFAST_SANITIZE=1). Exits 0 with a note where the compiler has no sanitizers.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
python -m pip install -q --no-build-isolation -e ".[test]"
ROOT=$PWD
B=$ROOT/build/sanitize
SAN="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer"
CXX=${CXX:-c++}
mkdir -p "$B"
if ! echo 'int main() { return 0; }' | "$CXX" $SAN -x c++ - -o "$B/probe" 2>/dev/null; then
  echo "sanitize: skipped, $CXX cannot build with $SAN"
  exit 0
fi
# ASan first; libstdc++ with it, so that ASan's __cxa_throw interceptor finds the real one (python
# does not link libstdc++, and C++ exceptions would stop the process).
PRELOAD="$("$CXX" -print-file-name=libasan.so) $("$CXX" -print-file-name=libstdc++.so.6)"

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRELUFAST_CUDA=OFF \
  -DCMAKE_CXX_COMPILER="$CXX" -DPython_EXECUTABLE="$(command -v python)" \
  -Dpybind11_DIR="$(python -m pybind11 --cmakedir)" -DSKBUILD_PROJECT_VERSION="$VERSION" \
  -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_MODULE_LINKER_FLAGS="$SAN" >/dev/null
cmake --build "$B"

# relufast from the sources with the sanitized core beside them; sitecustomize removes the editable
# install's import hook, which would otherwise load the installed core.
P=$B/pkg
rm -rf "$P" && mkdir -p "$P/relufast"
for f in relufast/*; do ln -s "$ROOT/$f" "$P/relufast/"; done
cp "$B"/_core*.so "$P/relufast/"
cat >"$P/sitecustomize.py" <<'EOF'
import sys

sys.meta_path[:] = [f for f in sys.meta_path if "_editable_skbc_" not in type(f).__module__]
EOF
# The first report ends the process (a test's subprocess too, so that its test fails); pytest runs
# with -s so that a report reaches the log even when it ends pytest itself.
LOG=$B/pytest.log
export RELUFAST_SANITIZE=1 PYTHONPATH=$P
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# From $P: Python puts the current folder first on sys.path, and the sources there have no core.
cd "$P"
where=$(LD_PRELOAD=$PRELOAD python -c "import relufast._core as c; print(c.__file__)")
[ "$where" = "$P/relufast/$(basename "$B"/_core*.so)" ] || { echo "sanitize: loaded $where"; exit 1; }

ARGS=(tests/test_core.py tests/test_teacher.py tests/test_mlp.py tests/test_minima.py tests/test_optim.py
  tests/test_lanczos.py tests/test_kernels.py tests/test_train.py tests/test_cuda.py tests/test_cuda_tiny.py)
[ $# -gt 0 ] && ARGS=("$@")
for i in "${!ARGS[@]}"; do  # paths are the repository's
  [ -e "$ROOT/${ARGS[$i]%%::*}" ] && ARGS[$i]=$ROOT/${ARGS[$i]}
done
status=0
LD_PRELOAD=$PRELOAD python -m pytest -q -s -p no:cacheprovider -c "$ROOT/pyproject.toml" \
  --rootdir="$ROOT" "${ARGS[@]}" 2>&1 | tee "$LOG" || status=$?
findings=$(grep -cE "runtime error|ERROR: AddressSanitizer" "$LOG" || true)
echo "sanitize: $findings findings (pytest exit $status; log in $LOG)"
[ "$findings" -eq 0 ] && [ "$status" -eq 0 ]
