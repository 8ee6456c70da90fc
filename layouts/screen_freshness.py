"""The wall's freshness badges: one per stale source with the age of its newest data, and one for
all the fresh ones (queries.screen_freshness reads the ages; callbacks.screen draws them)."""

from __future__ import annotations

import pandas as pd
from dash import html

from layouts.i18n import t


def freshness_badges(frame: pd.DataFrame, language: str) -> list:
    """Return a badge per stale source (red, with the age of its newest data) and one badge for all the
    fresh ones (how many, and the oldest age among them): at the wall's text size a badge per source
    would not fit the top bar."""
    badges, fresh = [], frame[~frame["stale"].astype(bool)]
    for r in frame[frame["stale"].astype(bool)].itertuples():
        badges.append(html.Span([_source_label(r, language), " ", html.B(_age_text(r.age_s, language))],
                                className="screen-badge screen-badge-stale", **{"data-testid": f"screen-fresh-{r.name}"}))
    if not fresh.empty:
        oldest = _age_text(fresh["age_s"].max(), language)
        names = "、".join(_source_label(r, language) for r in fresh.itertuples())
        badges.append(html.Span([t("screen.fresh.all", language).format(n=len(fresh)), " ", html.B(oldest)],
                                className="screen-badge", title=names, **{"data-testid": "screen-fresh-ok"}))
    return badges


def _source_label(r, language: str) -> str:
    if r.family == "events":
        return r.label_zh if language == "zh" else r.label_en
    return t(f"screen.sensor.{r.name}" if r.family == "sensors" else "screen.fresh.indicators", language)


def _age_text(age_s, language: str) -> str:
    return t("screen.fresh.none", language) if pd.isna(age_s) else _age(age_s)


def _age(seconds: float) -> str:
    """Return an age as a short figure: 45s, 12m, 3h, 2d."""
    for size, suffix in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{int(seconds // size)}{suffix}"
    return f"{int(seconds)}s"
