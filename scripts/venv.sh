# Sourced by run_app.sh, test.sh and lint.sh: create .venv on first use (with a current pip) and
# activate it.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  "${PYTHON:-python3}" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
fi
. .venv/bin/activate
