"""A brief ready to show: the Brief with its charts (SVG data URIs) and indicator units."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.engine import Engine
from reporting import charts, view
from reporting.area import Area
from reporting.brief import Brief, build_brief
from reporting.labels import label
from reporting.prebuilt import BuildInfo
from reporting.span import BriefSpan

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class BriefDocument:
    """The brief and what is drawn from it, per language."""

    brief: Brief
    units: dict[str, str]                  # key indicator id -> unit text
    charts: dict[str, dict[str, str]]      # language -> chart name -> data URI
    built: BuildInfo | None = None         # when and from which data a kept brief was built (None: built now)


def unit_geometries(con, level: str) -> pd.DataFrame:
    """Return the codes and WKB outlines of the units of ``level``."""
    rows = con.execute("SELECT code, geometry FROM admin_units WHERE level = ? ORDER BY code", [level]).fetchall()
    return pd.DataFrame({"code": [r[0] for r in rows], "wkb": [None if r[1] is None else bytes(r[1]) for r in rows]})


def draw_charts(brief: Brief, geometries: pd.DataFrame, language: str) -> dict[str, str]:
    """Return the brief's charts in ``language`` as data URIs."""
    name = "name_zh" if language == "zh" else "name_en"
    drawn = {
        "trend": charts.data_uri(charts.trend_bars(brief.daily, view.trend_labels(brief))),
        "categories": charts.data_uri(charts.category_bars(brief.categories, name, view.baseline_label(brief, language))),
        "map": "",
        "hours": "",
    }
    if brief.air.day is not None:
        drawn["hours"] = charts.data_uri(charts.hours_bar(brief.air.day, language, label("no_data", language)))
    if brief.rankings:
        table = brief.rankings[-1].table
        per_10k = dict(zip(table["code"], table["per_10k"]))
        shapes = geometries[geometries["code"].isin(set(table["code"]))]
        drawn["map"] = charts.data_uri(charts.unit_map(shapes, per_10k, label("per_10k", language)))
    return drawn


def build_document(con, span: BriefSpan, area: Area, engine: Engine) -> BriefDocument:
    """Return the document of the brief of ``span`` over ``area``, charts drawn in both languages."""
    brief = build_brief(con, span, area, engine)
    geometries = unit_geometries(con, brief.rankings[-1].level) if brief.rankings else pd.DataFrame(columns=["code", "wkb"])
    units = {k.id: engine.catalog[k.id].unit for k in brief.keys if k.id in engine.catalog}
    return BriefDocument(brief, units, {lang: draw_charts(brief, geometries, lang) for lang in LANGUAGES})
