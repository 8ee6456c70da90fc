#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for City Vitals: system packages, then the Python venv.
#   bash scripts/setup.sh                   runtime only
#   bash scripts/setup.sh --dev             plus test tools (poppler-utils for the PDF tests, Java for Spark)
#   bash scripts/setup.sh --offline DIR     from an unpacked bundle (scripts/bundle.sh): DIR/debs, DIR/wheels
#   bash scripts/setup.sh --print-packages  print the Debian packages (with --dev: those too) and stop
# A half-made .venv (no working bin/python, or a pip run that did not finish) is detected and rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0; offline=""; print_packages=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) dev=1 ;;
    --offline) offline=$(cd "$2" && pwd); shift ;;
    --print-packages) print_packages=1 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# --- The Debian packages the product needs: the one list (scripts/bundle.sh downloads the same) ---
packages=(python3-venv)                              # python3 -m venv needs ensurepip, which Debian ships apart
packages+=(fonts-noto-cjk chromium)                  # chromium: image export (kaleido) and the browser tests
packages+=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)   # WeasyPrint prints the briefs' PDFs (reporting/render.py)
dev_packages=(poppler-utils)                         # pdftotext, pdfinfo, pdffonts, pdftoppm in the brief's tests
dev_packages+=(openjdk-17-jre-headless)              # Java for PySpark (requirements-spark.txt, docs/SCALE_OUT.md)
[ "$dev" = 1 ] && packages+=("${dev_packages[@]}")

if [ "$print_packages" = 1 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}" >&2
  if [ -n "$offline" ]; then
    if ! ls "$offline"/debs/*.deb >/dev/null 2>&1; then
      echo "The bundle has no Debian packages (built with --python-only): install ${missing[*]} first" >&2
      exit 1
    fi
    # every .deb of the bundle: the packages and their dependencies, nothing from the network
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends --no-download \
      "$offline"/debs/*.deb
  else
    $sudo_cmd apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q "${missing[@]}"
  fi
fi

# --- The Python environment ---------------------------------------------------------------------
python=${PYTHON:-python3}
requirements=requirements.txt
[ "$dev" = 1 ] && requirements=requirements-dev.txt
pip_args=(-r "$requirements")
if [ -n "$offline" ]; then
  pip_args=(--no-index --find-links "$offline/wheels" --require-hashes -r "$offline/requirements-lock.txt")
fi
# what was installed, so a finished install is known and an unfinished one is redone
stamp=$(cat requirements*.txt | sha256sum | cut -c1-16)
marker=.venv/.installed-$requirements-$stamp

venv_works() { [ -x .venv/bin/python ] && .venv/bin/python -c "import sys, pip" >/dev/null 2>&1; }
make_venv() {
  echo "Creating the Python environment in .venv" >&2
  rm -rf .venv
  "$python" -m venv .venv
}
install_requirements() {
  rm -f .venv/.installed-*
  local isolate=()
  # offline: the bundle's wheels only, whatever a pip.conf or PIP_* variable of this machine names
  [ -n "$offline" ] && isolate=(env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null)
  "${isolate[@]}" .venv/bin/pip install -q --disable-pip-version-check "${pip_args[@]}" && touch "$marker"
}

if [ -e .venv ] && ! venv_works; then
  echo "The .venv is incomplete (no working bin/python or pip): rebuilding it" >&2
  make_venv
fi
[ -e .venv ] || make_venv
if [ ! -e "$marker" ]; then
  if ! install_requirements; then
    echo "Installing the requirements failed: rebuilding .venv and trying once more" >&2
    make_venv
    install_requirements
  fi
fi
