#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for City Vitals: system packages, then the Python venv.
#   bash scripts/setup.sh          runtime only
#   bash scripts/setup.sh --dev    plus test tools (poppler-utils for the PDF tests)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

packages=(fonts-noto-cjk chromium)                  # chromium: image export (kaleido) and the browser tests
packages+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)   # WeasyPrint prints the briefs' PDFs (reporting/render.py)
[ "$dev" = 1 ] && packages+=(poppler-utils)       # pdftotext, pdfinfo, pdffonts, pdftoppm in the brief's tests
[ "$dev" = 1 ] && packages+=(openjdk-17-jre-headless)  # Java for PySpark (requirements-spark.txt, docs/SCALE_OUT.md)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
requirements=requirements.txt
[ "$dev" = 1 ] && requirements=requirements-dev.txt
.venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
