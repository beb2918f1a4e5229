#!/usr/bin/env bash
# Set up from scratch (a virtual environment in .venv, relufast built from source) and start the app.
# Extra arguments go to `streamlit run`, e.g. `bash scripts/run_app.sh --server.port 8502`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -r requirements.txt
exec streamlit run app.py "$@"
