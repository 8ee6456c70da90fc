#!/usr/bin/env bash
# Set up and run the whole test suite: the fast suite first, then the browser tests (Chromium through
# Playwright) as their own pytest run. Extra arguments go to both runs, e.g. `-k screen` or `-x`.
# Exits non-zero when either run fails; a run that selects no test (pytest's exit 5) is not a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev || exit 1

run() {
  .venv/bin/python -m pytest "$@"
  local status=$?
  [ "$status" -eq 5 ] && status=0
  return "$status"
}

run -m "not browser" "$@"; fast=$?
run -m browser "$@"; browser=$?
echo "fast suite: exit $fast; browser tests: exit $browser"
[ "$fast" -eq 0 ] && [ "$browser" -eq 0 ]
