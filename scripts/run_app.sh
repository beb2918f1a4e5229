#!/usr/bin/env bash
# Set up from scratch (a virtual environment in .venv, relufast built from source) and start the app.
# Extra arguments go to `streamlit run`, e.g. `bash scripts/run_app.sh --server.port 8502`.
set -euo pipefail
. "$(dirname "$0")/venv.sh"
python -m pip install -q -r requirements.txt
exec streamlit run app.py "$@"
