#!/usr/bin/env bash
# Set up from scratch (a virtual environment in .venv, relufast built from source) and start the app.
# Extra arguments go to `streamlit run`, e.g. `bash scripts/run_app.sh --server.port 8502`.
#
# The install runs only when something it depends on changed since the last one: requirements.txt,
# pyproject.toml, CMakeLists.txt, csrc/, the Python version or the list of relufast's files (a stamp
# of their hash is kept in .venv). The install is editable, so edits to relufast/*.py need none. When it runs, it builds without build
# isolation into the persistent build/ folder, so a rebuild after a C++ change is incremental.
# (Streamlit Community Cloud does not run this script: it installs requirements.txt as it is.)
set -euo pipefail
. "$(dirname "$0")/venv.sh"
stamp=.venv/relufast-app.stamp
key=$(
  {
    python -VV
    cat requirements.txt pyproject.toml CMakeLists.txt
    find csrc -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    find relufast -type f -not -path '*/__pycache__/*' | LC_ALL=C sort
  } | sha256sum | cut -d' ' -f1
)
if [ "$(cat "$stamp" 2>/dev/null)" != "$key" ] || ! python -c "import relufast._core, importlib.util as u; assert u.find_spec('streamlit')" 2>/dev/null; then
  python -m pip install -q "scikit-build-core>=0.10" "pybind11>=2.12" cmake ninja
  python -m pip install -q --no-build-isolation -r requirements.txt
  echo "$key" >"$stamp"
fi
exec streamlit run app.py "$@"
