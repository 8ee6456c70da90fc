#!/usr/bin/env bash
# Build the offline installation bundle: one tarball that installs City Vitals on a Debian 12 machine
# of this architecture with no network (docs/OPERATIONS.md, "Offline installation").
#   bash scripts/bundle.sh [--out FILE.tar.gz] [--dev] [--python-only]
#     --dev          also the test tools (requirements-dev.txt, Spark, poppler, Java)
#     --python-only  no Debian packages (for a machine that has them; the CI test uses it)
# Run it on a machine with the network (PyPI and a Debian mirror) of the same Debian release, CPU and
# Python version as the target. The tarball holds:
#   city-vitals-REV/repo/                     the repository at HEAD (git archive; uncommitted changes are not in it)
#   city-vitals-REV/wheels/                   every wheel the pins need, for this platform (pip download)
#   city-vitals-REV/requirements-lock.txt     name==version --hash=sha256:… of each wheel (pip --require-hashes)
#   city-vitals-REV/debs/                     the Debian packages of scripts/setup.sh and their dependencies
#   city-vitals-REV/SHA256SUMS, BUNDLE.txt    checksums of every file; what was bundled, where and when
# Install: tar xzf FILE && bash city-vitals-REV/repo/scripts/install_offline.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rev=$(git rev-parse --short=12 HEAD)
out="dist/city-vitals-$rev.tar.gz"; dev=0; debs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift ;;
    --dev) dev=1 ;;
    --python-only) debs=0 ;;
    *) echo "bundle.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
python=${PYTHON:-python3}
[ -x .venv/bin/python ] && python=.venv/bin/python
requirements=requirements.txt
[ "$dev" = 1 ] && requirements=requirements-dev.txt
[ -n "$(git status --porcelain --untracked-files=no)" ] && echo "note: uncommitted changes are not bundled (git archive HEAD)" >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
name="city-vitals-$rev"
root="$work/$name"
mkdir -p "$root/repo" "$root/wheels" "$root/debs"

step() { echo "[bundle] $*" >&2; }

step "1/4 the repository at $rev"
git archive --format=tar HEAD | tar -x -C "$root/repo"

step "2/4 wheels for $($python -c 'import sys, sysconfig; print(sysconfig.get_platform(), sys.implementation.cache_tag)') ($requirements)"
# only wheels (nothing compiled on the target); pip's cache is reused when it has them
"$python" -m pip download -q --disable-pip-version-check --only-binary=:all: -r "$requirements" -d "$root/wheels"
"$python" scripts/lock_wheels.py "$root/wheels" > "$root/requirements-lock.txt"

if [ "$debs" = 1 ]; then
  packages=$(bash scripts/setup.sh --print-packages $([ "$dev" = 1 ] && echo --dev))
  step "3/4 Debian packages and their dependencies: $(echo $packages)"
  # the whole dependency closure (virtual packages are printed as <name> and skipped)
  closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
            --no-enhances $packages | grep '^[a-z0-9]' | sort -u)
  (cd "$root/debs" && apt-get download $closure >/dev/null)
else
  step "3/4 Debian packages: left out (--python-only)"
fi

step "4/4 checksums and the tarball"
{
  echo "City Vitals offline bundle"
  echo "revision: $(git rev-parse HEAD)"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(. /etc/os-release && echo "$PRETTY_NAME") $(uname -m)"
  echo "python: $("$python" -c 'import platform; print(platform.python_version())')"
  echo "requirements: $requirements; wheels: $(ls "$root/wheels" | wc -l); debs: $(ls "$root/debs" | wc -l)"
} > "$root/BUNDLE.txt"
(cd "$root" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
mkdir -p "$(dirname "$out")"
tar -C "$work" -czf "$out" "$name"
step "written $out ($(du -h "$out" | cut -f1))"
