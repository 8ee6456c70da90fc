#!/usr/bin/env bash
# Install City Vitals from an unpacked offline bundle (scripts/bundle.sh) with no network:
#   tar xzf city-vitals-REV.tar.gz
#   bash city-vitals-REV/repo/scripts/install_offline.sh [--dev]
# Checks every file of the bundle against its SHA256SUMS, installs the bundled Debian packages that
# are missing, then builds .venv in the repo from the bundled wheels (pip --no-index --require-hashes).
# Afterwards run the product from city-vitals-REV/repo with: bash scripts/run.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(dirname "$repo")
[ -f "$bundle/SHA256SUMS" ] || { echo "install_offline.sh: $bundle is not an unpacked bundle (no SHA256SUMS)" >&2; exit 2; }
echo "Checking the bundle's files against SHA256SUMS" >&2
(cd "$bundle" && sha256sum --quiet -c SHA256SUMS)
cat "$bundle/BUNDLE.txt" >&2
bash "$repo/scripts/setup.sh" --offline "$bundle" "$@"
echo "Installed in $repo. Start it with: cd $repo && bash scripts/run.sh" >&2
