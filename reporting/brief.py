"""The DailyBrief of one city-local day, computed purely from history: the same day gives the same
brief whatever the clock says and whatever was stored after the day ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from data import db
from indicators.engine import Engine
from reporting import air, alerts, cases
from reporting.days import day_span
from reporting.scorecard import Scorecard, build_scorecard
from reporting.targets import KeyIndicator, load_targets

HOTLINE = "hotline"                  # the channel role of the brief's category list
TOP_CATEGORIES = 5
MOVERS = 3


@dataclass(frozen=True)
class CaseTotals:
    """The city's case figures of the day and what they are compared with."""

    received: int
    closed: int
    prev_received: int
    prev_closed: int
    avg7_received: float         # mean of the seven days before the day
    avg7_closed: float
    received_30d: int            # received in the 30 days ending with the day ...
    closed_30d: int              # ... and closed by its end
    open_end: int
    overdue_open_end: int

    @property
    def closure_rate(self) -> float | None:
        """Return the 30-day closure rate (办结率) at the end of the day."""
        return self.closed_30d / self.received_30d if self.received_30d else None


@dataclass(frozen=True)
class DailyBrief:
    """Everything the brief shows for one day (frames carry both languages' names)."""

    day: date
    tz: str
    city_name_zh: str
    city_name_en: str
    totals: CaseTotals
    daily: pd.DataFrame              # offset, received, closed (the day and the 7 before)
    districts: pd.DataFrame          # ranking table (通报): code, names, figures, score, rank
    streets: pd.DataFrame
    levels: pd.DataFrame             # three-level handling performance
    categories: pd.DataFrame         # all channels: code, names, count, avg7, change
    hotline: pd.DataFrame            # the categories of the hotline (the channels of role hotline)
    risers: pd.DataFrame             # hotline categories up most against the 7-day mean
    fallers: pd.DataFrame
    alerts_fired: pd.DataFrame
    alerts_open: pd.DataFrame
    air: air.DayAir
    scorecard: Scorecard
    keys: tuple[KeyIndicator, ...]

    @property
    def red_alerts(self) -> int:
        """Return how many alerts reached red during the day."""
        return int((self.alerts_fired["severity"] == "red").sum()) if not self.alerts_fired.empty else 0

    def key(self, indicator_id: str) -> KeyIndicator:
        """Return the key indicator with that id."""
        return next(k for k in self.keys if k.id == indicator_id)


def build_brief(con, day: date, tz: str, engine: Engine, keys: tuple[KeyIndicator, ...] | None = None) -> DailyBrief:
    """Return the brief of ``day`` (city-local) from the store behind ``con``."""
    keys = keys or load_targets()
    span = day_span(day, tz)
    frame = cases.cases_at_end(con, span)
    flags = cases.flags(frame, span)
    card = build_scorecard(engine, con, span, keys)
    units = _units(con)
    hotline = _named(cases.by_category(frame, span, HOTLINE), _categories(con))
    names = {i.id: (i.name_zh, i.name_en) for i in engine.catalog.indicators}
    return DailyBrief(
        day=day, tz=tz,
        city_name_zh=db.get_setting(con, "city.name_zh", "") or "",
        city_name_en=db.get_setting(con, "city.name_en", "") or "",
        totals=_totals(cases.daily_counts(frame, span), flags),
        daily=cases.daily_counts(frame, span),
        districts=_ranking(cases.by_unit(frame, flags, "district_code"), units, "district", card),
        streets=_ranking(cases.by_unit(frame, flags, "street_code"), units, "street", card),
        levels=cases.by_handling_level(frame, flags),
        categories=_named(cases.by_category(frame, span), _categories(con)),
        hotline=hotline,
        risers=hotline[hotline["change"] > 0].sort_values(["change", "code"], ascending=[False, True]).head(MOVERS),
        fallers=hotline[hotline["change"] < 0].sort_values(["change", "code"]).head(MOVERS),
        alerts_fired=_alert_names(alerts.fired_during(con, span), units, names),
        alerts_open=_alert_names(alerts.open_at_end(con, span), units, names),
        air=air.day_air(con, span), scorecard=card, keys=keys,
    )


def _totals(daily: pd.DataFrame, f: cases.Flags) -> CaseTotals:
    today, before = daily.iloc[0], daily[daily["offset"] >= 1]
    prev = daily.iloc[1]
    return CaseTotals(
        received=int(today["received"]), closed=int(today["closed"]),
        prev_received=int(prev["received"]), prev_closed=int(prev["closed"]),
        avg7_received=float(before["received"].mean()), avg7_closed=float(before["closed"].mean()),
        received_30d=int(f.received_30d.sum()), closed_30d=int((f.received_30d & f.closed).sum()),
        open_end=int(f.open.sum()), overdue_open_end=int(f.overdue_open.sum()),
    )


def _units(con) -> pd.DataFrame:
    return con.execute("SELECT code, level, name_zh, name_en, population FROM admin_units "
                       "WHERE level IN ('city', 'district', 'street') ORDER BY code").df()


def _categories(con) -> pd.DataFrame:
    return con.execute("SELECT code, name_zh, name_en FROM event_categories ORDER BY code").df()


def _named(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    merged = frame.merge(names, on="code", how="left")
    merged["name_zh"] = merged["name_zh"].fillna(merged["code"])
    merged["name_en"] = merged["name_en"].fillna(merged["code"])
    return merged


def _ranking(figures: pd.DataFrame, units: pd.DataFrame, level: str, card: Scorecard) -> pd.DataFrame:
    """Return every unit of the level with its figures, overall score and rank (best first)."""
    table = units[units["level"] == level].merge(figures, on="code", how="left")
    counts = ["received", "closed", "received_30d", "closed_30d", "open", "overdue_open"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["per_10k"] = table["received"] * 10_000 / table["population"].where(table["population"] > 0)
    table["closure_rate"] = table["closed_30d"] / table["received_30d"].where(table["received_30d"] > 0)
    table["score"] = [card.unit_score(code) for code in table["code"]]
    table["score"] = table["score"].astype("float64")
    table = table.sort_values(["score", "closure_rate", "code"], ascending=[False, False, True], na_position="last")
    table["rank"] = range(1, len(table) + 1)
    return table.reset_index(drop=True)


def _alert_names(frame: pd.DataFrame, units: pd.DataFrame, names: dict) -> pd.DataFrame:
    unit_names = dict(zip(units["code"], zip(units["name_zh"], units["name_en"])))
    frame = frame.copy()
    frame["indicator_zh"] = [names.get(i, (i, i))[0] for i in frame["indicator_id"]]
    frame["indicator_en"] = [names.get(i, (i, i))[1] for i in frame["indicator_id"]]
    frame["unit_zh"] = [unit_names.get(c, (c, c))[0] for c in frame["unit_code"]]
    frame["unit_en"] = [unit_names.get(c, (c, c))[1] for c in frame["unit_code"]]
    return frame
