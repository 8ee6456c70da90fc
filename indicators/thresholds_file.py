"""Writing a thresholds file from calibration proposals: YAML a person reads, reviews and keeps.

The file says whose it is and where it came from (the city, the span and instant of history, the
percentiles, the command), one line per (indicator, level) with a comment on its sample, and the
pairs it could not calibrate as comments at the end. The format is read by indicators/thresholds.py
and described in docs/THRESHOLDS.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from indicators.calibration import MIN_UNIT_HOURS, PERCENTILES, RATIO_MIN_BASELINE, Proposal


SOURCES = {False: "hourly snapshots stored by the refresh", True: "hourly values recomputed from the data"}


@dataclass(frozen=True)
class Provenance:
    """Where a proposal came from: the city, the history read and the command that read it."""

    city_zh: str
    city_en: str
    weeks: float
    from_text: str          # ISO instants, city-local
    until_text: str
    source: str             # SOURCES: the stored snapshots or values recomputed from the data
    min_hours: int
    command: str
    comments: tuple[str, ...] = ()


def render_thresholds(proposals: list[Proposal], provenance: Provenance) -> str:
    """Return the thresholds file for ``proposals``: header, city, calibration, bounds, skipped pairs."""
    lines = _header(provenance, proposals)
    lines += [f"city: {{name_zh: {_text(provenance.city_zh)}, name_en: {_text(provenance.city_en)}}}",
              "calibrated:", f"  weeks: {_number(provenance.weeks)}", f"  from: {_text(provenance.from_text)}",
              f"  until: {_text(provenance.until_text)}", f"  source: {_text(provenance.source)}",
              f"  min_hours: {provenance.min_hours}",
              "  percentiles: {" + ", ".join(f"{s}: {_number(p)}" for s, p in PERCENTILES) + "}"]
    lines += _bounds(proposals)
    lines += _skipped(proposals)
    return "\n".join(lines) + "\n"


def _header(provenance: Provenance, proposals: list[Proposal]) -> list[str]:
    made = sum(p.bounds is not None for p in proposals)
    percentiles = ", ".join(f"{s} p{_number(p)}" for s, p in PERCENTILES)
    mirrored = ", ".join(f"p{_number(round(100 - p, 3))}" for _, p in PERCENTILES)
    return [
        f"# Thresholds of {provenance.city_zh} · {provenance.city_en}, calibrated from its own history.",
        f"# History: {_number(provenance.weeks)} week(s) of {provenance.source}, {provenance.from_text} "
        f"to {provenance.until_text}.",
        f"# Made with: {provenance.command}",
        *[f"# {comment}" for comment in provenance.comments],
        f"# {made} (indicator, level) pairs calibrated, {len(proposals) - made} skipped (listed at the end).",
        f"# Each level's bounds are percentiles of its unit-hours: {percentiles} ({mirrored} for higher_is_better);",
        "# ratios to the 7-day baseline where the catalog grades against it and the level's median baseline",
        f"# is at least {RATIO_MIN_BASELINE:g}. A level needs {MIN_UNIT_HOURS} unit-hours and {provenance.min_hours} "
        "hourly snapshots.",
        "# Review the bounds, change what you know better (keep them in order), then store the file:",
        "#   python cli.py thresholds use FILE --db STORE        (docs/THRESHOLDS.md)",
    ]


def _bounds(proposals: list[Proposal]) -> list[str]:
    lines = ["thresholds:"]
    current = None
    for proposal in (p for p in proposals if p.bounds is not None):
        if proposal.indicator.id != current:
            current = proposal.indicator.id
            lines.append(f"  {current}:    # {proposal.indicator.direction.value}, {proposal.indicator.unit}")
        items = ([f"relative_to: {proposal.bounds.relative_to}"] if proposal.bounds.relative_to else [])
        items += [f"{severity}: {_number(bound)}" for severity, bound in proposal.bounds.bounds]
        lines.append(f"    {proposal.level}: {{{', '.join(items)}}}    # {proposal.note}")
    if len(lines) == 1:
        lines[0] = "thresholds: {}"
    return lines


def _skipped(proposals: list[Proposal]) -> list[str]:
    skipped = [p for p in proposals if p.bounds is None]
    if not skipped:
        return []
    return ["", "# Not calibrated (not enough history): the catalog grades these levels with no bounds."] + [
        f"#   {p.indicator.id} {p.level}: {p.note}" for p in skipped]


def _text(value: str) -> str:
    """Return a YAML scalar for any text (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    """Return a number as plain decimal text (never 1e+06, which YAML reads as text)."""
    return np.format_float_positional(float(value), trim="-")
