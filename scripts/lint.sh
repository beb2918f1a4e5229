#!/usr/bin/env bash
# Lint, format and type checks (CI runs this before the tests): ruff, ruff format, mypy (with the
# _core stub checked against the built module by stubtest) and clang-format on csrc/.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
python -m pip install -q --no-build-isolation -e ".[lint]"
ruff check .
ruff format --check .
mypy
# --ignore-unused-allowlist: the cuda_* entries are used only by builds without CUDA
python -m mypy.stubtest relufast._core --allowlist tests/stubtest_allowlist.txt --ignore-unused-allowlist
clang-format --dry-run --Werror $(git ls-files 'csrc/*.cpp' 'csrc/*.hpp' 'csrc/*.cu')
echo "lint: clean"
