#!/usr/bin/env bash
# The whole test suite from scratch: a virtual environment in .venv, relufast built from source
# (editable, so tests import the repo's code), its test/app/browser extras, then pytest.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m slow`.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
python -m pip install -q --no-build-isolation -e ".[test,app,browser]"
python -m pytest "$@"
