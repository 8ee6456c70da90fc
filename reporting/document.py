"""A brief ready to show: the DailyBrief with its charts (SVG data URIs) and indicator units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

import pandas as pd

from indicators.engine import Engine
from reporting import charts, view
from reporting.brief import DailyBrief, build_brief


@dataclass(frozen=True)
class BriefDocument:
    """The brief and what is drawn from it, per language."""

    brief: DailyBrief
    units: dict[str, str]                  # key indicator id -> unit text
    charts: dict[str, dict[str, str]]      # language -> chart name -> data URI


def street_geometries(con) -> pd.DataFrame:
    """Return the streets' codes and WKB outlines."""
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = 'street' ORDER BY code").fetchall()
    return pd.DataFrame({"code": [r[0] for r in rows], "wkb": [None if r[1] is None else bytes(r[1]) for r in rows]})


def draw_charts(brief: DailyBrief, geometries: pd.DataFrame, language: str) -> dict[str, str]:
    """Return the brief's charts in ``language`` as data URIs."""
    name = "name_zh" if language == "zh" else "name_en"
    days = [(brief.day - timedelta(days=int(o))).strftime("%m-%d") for o in sorted(brief.daily["offset"], reverse=True)]
    per_10k = dict(zip(brief.streets["code"], brief.streets["per_10k"]))
    return {
        "trend": charts.data_uri(charts.trend_bars(brief.daily, days)),
        "hotline": charts.data_uri(charts.category_bars(brief.hotline, name, view.label("avg7", language))),
        "hours": charts.data_uri(charts.hours_bar(brief.air, language, view.label("no_data", language))),
        "map": charts.data_uri(charts.unit_map(geometries, per_10k, view.label("per_10k", language))),
    }


DOCUMENT_STEPS = 3           # the brief's figures, then the charts in each of two languages


def build_document(con, day: date, tz: str, engine: Engine,
                   step_done: Callable[[str], None] = lambda what: None) -> BriefDocument:
    """Return the document of ``day``'s brief, charts drawn in both languages; ``step_done(what)`` is
    called after each of its DOCUMENT_STEPS steps (the command line shows progress with it)."""
    brief = build_brief(con, day, tz, engine)
    step_done("cases, scorecard, rankings, alerts and air")
    geometries = street_geometries(con)
    units = {k.id: engine.catalog[k.id].unit for k in brief.keys if k.id in engine.catalog}
    charts = {}
    for lang in ("zh", "en"):
        charts[lang] = draw_charts(brief, geometries, lang)
        step_done(f"charts ({lang})")
    return BriefDocument(brief, units, charts)
