"""Take the bounds that assume the demo city's volumes out of the shipped catalog (issue #19, item 4).

Run once from the repository root: ``.venv/bin/python scripts/move_volume_thresholds.py``. It edits
``indicators/catalog/*.yaml`` as text, so comments, quoting and order stay as they are:

* every ``per_level:`` block (absolute bounds of a count at grid or community level, tuned to the
  demo city's grids) becomes ``calibrate: [its levels]``;
* the absolute bounds of the counts whose size grows with the city's sensors or grids (VOLUME_IDS)
  become ``thresholds: {calibrate: [the indicator's levels]}``.

Rates, AQI and pollutant limits, noise limits, rainfall intensity classes, river stages, speeds,
ratings and ratios to the baseline stay. The bounds of the levels marked ``calibrate`` come from
the city's thresholds file (docs/THRESHOLDS.md). It prints every indicator whose thresholds changed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.levels import LEVELS  # noqa: E402
from indicators.catalog import CATALOG_DIR, LISTS_FILE, load_catalog  # noqa: E402

VOLUME_IDS = (
    "crowding.people.hotspots.last_hour",                   # monitors above 10,000 people: grows with monitors
    "sensor_health.overall.silent_24h_count.now",           # silent sensors: grows with sensors
    "sensor_health.overall.pm_spikes.last_24h",             # 999 spikes: grows with PM sensors
    "water_flood.rainfall.heavy_hours.last_24h",            # gauge-hours of heavy rain: grows with gauges
    "water_flood.water_level.over_warning_hours.{w.id}",    # gauge-hours above the warning level: same
)
_INDENT = re.compile(r"^( *)")


def indent(line: str) -> int:
    """Return the number of leading spaces."""
    return len(_INDENT.match(line).group(1))


def block_end(lines: list[str], start: int) -> int:
    """Return the index after the block opened at ``start`` (the lines indented deeper than it)."""
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or indent(lines[end]) > indent(lines[start])):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():      # a blank line before the next entry stays
        end -= 1
    return end


def level_list(levels) -> str:
    """Return levels in the hierarchy's order as a YAML flow list."""
    return "[" + ", ".join(level for level in LEVELS if level in set(levels)) + "]"


def replace_per_level(lines: list[str]) -> list[str]:
    """Return the lines with every ``per_level:`` block replaced by ``calibrate:`` naming its levels."""
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() == "per_level:":
            end = block_end(lines, i)
            levels = [line.strip().split(":")[0] for line in lines[i + 1:end] if line.strip()]
            out.append(" " * indent(lines[i]) + f"calibrate: {level_list(levels)}")
            i = end
            continue
        out.append(lines[i])
        i += 1
    return out


def expanded_levels(indicator_id: str, levels: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Return the levels of the indicators an id (or a template's id, ``{w.id}`` and all) expands to."""
    pattern = re.compile(re.sub(r"\\\{[^}]*\\\}", "[a-z0-9_]+", re.escape(indicator_id)) + "$")
    found = {levels[i] for i in levels if pattern.match(i)}
    if len(found) != 1:
        raise SystemExit(f"{indicator_id}: expands to {len(found)} different level sets")
    return found.pop()


def replace_volume_bounds(lines: list[str], indicator_id: str, levels: tuple[str, ...]) -> list[str]:
    """Return the lines with the absolute bounds of ``indicator_id``'s entry replaced by ``calibrate``."""
    starts = [i for i, line in enumerate(lines) if re.search(rf"\bid: ['\"]?{re.escape(indicator_id)}['\"]?\s*$", line)]
    if len(starts) != 1:
        return lines
    start = starts[0]
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("- ")
                and indent(lines[i]) <= indent(lines[start])), len(lines))
    at = next(i for i in range(start, end) if lines[i].strip().startswith("thresholds:"))
    stop = at + 1 if lines[at].strip() != "thresholds:" else block_end(lines, at)
    marked = " " * indent(lines[at]) + f"thresholds: {{calibrate: {level_list(levels)}}}"
    return lines[:at] + [marked] + lines[stop:]


def thresholds_by_id() -> dict[str, object]:
    """Return every expanded indicator's thresholds."""
    return {i.id: i.thresholds for i in load_catalog().indicators}


def main() -> int:
    """Edit the catalog files; print the indicators whose thresholds changed."""
    before = thresholds_by_id()
    levels = {i.id: i.levels for i in load_catalog().indicators}
    found = set()
    for path in sorted(CATALOG_DIR.glob("*.yaml")):
        if path.name == LISTS_FILE:
            continue
        text = path.read_text(encoding="utf-8")
        lines = replace_per_level(text.split("\n"))
        for indicator_id in VOLUME_IDS:
            edited = replace_volume_bounds(lines, indicator_id, expanded_levels(indicator_id, levels))
            found |= {indicator_id} if edited != lines else set()
            lines = edited
        if "\n".join(lines) != text:
            path.write_text("\n".join(lines), encoding="utf-8")
    missing = set(VOLUME_IDS) - found
    if missing:
        print(f"not found (already moved?): {sorted(missing)}", file=sys.stderr)
    after = thresholds_by_id()
    for indicator_id, thresholds in after.items():
        if thresholds != before.get(indicator_id):
            old = before[indicator_id]
            print(f"{indicator_id}\tcalibrate {list(thresholds.calibrate)}\twas per_level {dict(old.per_level)}"
                  + (f" and {dict(old.levels)} at every level" if old.levels and not old.relative_to else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
