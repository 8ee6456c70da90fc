"""Print a --require-hashes requirements file for a folder of wheels (scripts/bundle.sh).

    python scripts/lock_wheels.py WHEELS_DIR > requirements-lock.txt

One line per wheel, ``name==version --hash=sha256:…``: pip installs exactly these files and refuses
any other (a changed or substituted wheel fails its hash).
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

# {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl (PEP 427)
_WHEEL = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


def lock_lines(folder: Path) -> list[str]:
    """Return the lock file's lines for every wheel in ``folder``; fail on anything that is not a wheel."""
    lines = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        match = _WHEEL.match(path.name)
        if match is None:
            raise SystemExit(f"lock_wheels: {path.name} is not a wheel (the bundle installs wheels only)")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        name = re.sub(r"[-_.]+", "-", match["name"]).lower()
        lines.append(f"{name}=={match['version']} --hash=sha256:{digest}")
    return lines


if __name__ == "__main__":
    print("\n".join(lock_lines(Path(sys.argv[1]))))
