#!/usr/bin/env bash
# Set up and run City Vitals on the demo city (built on first start). Extra arguments go to app.py.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
