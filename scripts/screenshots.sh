#!/usr/bin/env bash
# Refresh the README's screenshots (docs/screenshots/<page>.png): the real-browser test of every page
# with RELUFAST_SCREENSHOTS pointing there (plain test runs write theirs to a temporary folder).
# Needs what scripts/test.sh installs, and chromium (apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh
RELUFAST_SCREENSHOTS="$PWD/docs/screenshots" exec python -m pytest -q tests/app/test_browser.py -k test_page_in_browser "$@"
