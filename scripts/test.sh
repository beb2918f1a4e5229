#!/usr/bin/env bash
# The whole test suite from scratch: a virtual environment in .venv, relufast built from source
# (editable, so tests import the repo's code), its test/app/browser extras, then pytest (tests/ and
# the doctests of relufast/). Without arguments it then runs the library's tests again with the C++
# core hidden (RELUFAST_NO_CORE=1: the NumPy backend alone; tests that need the core skip with the
# reason). Extra arguments go to pytest instead, e.g. `bash scripts/test.sh -m slow`.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
python -m pip install -q --no-build-isolation -e ".[test,app,browser]"
if [ $# -gt 0 ]; then
  exec python -m pytest "$@"
fi
python -m pytest
echo "== again with the C++ core hidden (NumPy backend only) =="
RELUFAST_NO_CORE=1 python -m pytest -q --ignore=tests/app
