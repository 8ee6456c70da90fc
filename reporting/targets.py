"""The scorecard's key indicators and targets (targets.yaml) and the CityScore arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from data import yamlfile

TARGETS_FILE = Path(__file__).with_name("targets.yaml")
# One entry of targets.yaml, declared once: a misspelt key names file, line and key.
TARGET_SCHEMA = {"id": None, "target": None, "direction": None, "short_zh": None, "short_en": None}
SCORE_CAP = 1.25         # one indicator far above target may not hide others below it
DIRECTIONS = ("higher_is_better", "higher_is_worse")


@dataclass(frozen=True)
class KeyIndicator:
    """One scorecard row: a catalog indicator, its target and which way is good."""

    id: str
    target: float
    direction: str
    short_zh: str
    short_en: str

    def short(self, language: str) -> str:
        """Return the row label in ``language``."""
        return self.short_zh if language == "zh" else self.short_en


def parse_targets(entries: list[dict]) -> tuple[KeyIndicator, ...]:
    """Return the key indicators of parsed YAML; ValueError listing every problem."""
    problems, items = [], []
    for n, entry in enumerate(entries, 1):
        try:
            item = KeyIndicator(str(entry["id"]), float(entry["target"]), str(entry["direction"]),
                                str(entry["short_zh"]), str(entry["short_en"]))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"entry {n}: {exc!r}")
            continue
        if item.direction not in DIRECTIONS:
            problems.append(f"{item.id}: direction must be one of {DIRECTIONS}")
        if not item.target > 0:
            problems.append(f"{item.id}: target must be positive")
        items.append(item)
    if len({i.id for i in items}) != len(items):
        problems.append("an indicator is listed twice")
    if problems:
        raise ValueError("targets.yaml: " + "; ".join(problems))
    return tuple(items)


@lru_cache(maxsize=1)
def load_targets() -> tuple[KeyIndicator, ...]:
    """Return the key indicators of targets.yaml, in file order."""
    document = yamlfile.read(TARGETS_FILE)
    problems = yamlfile.check_schema(document, [TARGET_SCHEMA], TARGETS_FILE.name)
    if problems:
        raise ValueError("\n".join(problems))
    return parse_targets(document)


def score(value: float | None, target: float, direction: str) -> float | None:
    """Return actual against target, direction-aware, in [0, SCORE_CAP]; None without a value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if direction == "higher_is_better":
        ratio = value / target
    else:
        ratio = SCORE_CAP if value <= 0 else target / value
    return max(0.0, min(SCORE_CAP, ratio))
