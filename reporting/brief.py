"""The Brief of one period (day, week, month, quarter) and one area (the city, a district, a street),
computed purely from history up to its cut: an ended period gives the same brief whatever the clock
says and whatever was stored after it ended; a running one gives the live pages' figures as of now."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data import db
from indicators.engine import Engine
from reporting import air, alerts, attention, cases
from reporting.area import Area, area_units
from reporting.comparisons import Comparison, period_values, same_period_last_year
from reporting.scorecard import Scorecard, build_scorecard
from reporting.span import BriefSpan
from reporting.targets import KeyIndicator, load_targets



@dataclass(frozen=True)
class CaseTotals:
    """The area's case figures of the period and what they are compared with."""

    received: int
    closed: int
    prev_received: int | None    # the period before (环比); None when the data does not cover it
    prev_closed: int | None
    base_received: float | None  # mean of the baseline periods (the 7 days before a day; else the period before)
    base_closed: float | None
    received_30d: int            # received in the 30 days before as-of ...
    closed_30d: int              # ... and closed by the cut
    open_end: int
    overdue_open_end: int
    last_year: Comparison        # 同比: the same part of the same period a year earlier

    @property
    def closure_rate(self) -> float | None:
        """Return the 30-day closure rate (办结率) at the cut."""
        return self.closed_30d / self.received_30d if self.received_30d else None


@dataclass(frozen=True)
class Ranking:
    """One level of units under the area, ranked (通报)."""

    level: str
    table: pd.DataFrame


@dataclass(frozen=True)
class Brief:
    """Everything a brief shows (frames carry both languages' names)."""

    span: BriefSpan
    area: Area
    city_name_zh: str
    city_name_en: str
    issuer_zh: str
    issuer_en: str
    totals: CaseTotals
    daily: pd.DataFrame              # offset, period, received, closed (the period and those before)
    rankings: tuple[Ranking, ...]
    levels: pd.DataFrame             # three-level handling performance
    categories: pd.DataFrame         # all channels (like for like with the headline): code, names, count, avg7 (baseline mean), change
    alerts_fired: pd.DataFrame
    alerts_open: pd.DataFrame
    air: air.PeriodAir
    scorecard: Scorecard
    keys: tuple[KeyIndicator, ...]
    attention: tuple[attention.Item, ...]

    @property
    def tz(self) -> str:
        """Return the city's time zone."""
        return self.span.tz

    @property
    def day(self):
        """Return the period's first day."""
        return self.span.first_day

    @property
    def red_alerts(self) -> int:
        """Return how many red alerts were open at the cut (the wall's count while the period runs)."""
        return _red(self.alerts_open)

    @property
    def red_fired(self) -> int:
        """Return how many alerts reached red during the period."""
        return _red(self.alerts_fired)

    def key(self, indicator_id: str) -> KeyIndicator:
        """Return the key indicator with that id."""
        return next(k for k in self.keys if k.id == indicator_id)


def _red(frame: pd.DataFrame) -> int:
    return int((frame["severity"] == "red").sum()) if not frame.empty else 0


def build_brief(con, span: BriefSpan, area: Area, engine: Engine,
                keys: tuple[KeyIndicator, ...] | None = None) -> Brief:
    """Return the brief of ``span`` over ``area`` from the store behind ``con``."""
    keys = keys or load_targets()
    frame = cases.cases_at_end(con, span)
    if not area.is_city:
        frame = frame[frame[area.column] == area.code].reset_index(drop=True)
    flags = cases.flags(frame, span)
    card = build_scorecard(engine, con, span, keys, area)
    units = _units(con)
    inside = None if area.is_city else set(area_units(con, area))
    names = {i.id: (i.name_zh, i.name_en) for i in engine.catalog.indicators}
    rankings = tuple(Ranking(level, _ranking(cases.by_unit(frame, flags, f"{level}_code"), units, level, area, card))
                     for level in area.ranked)
    fired = _alert_names(alerts.fired_during(con, span, inside), units, names)
    categories = _named(cases.by_category(frame, span), _categories(con))
    daily = cases.daily_counts(frame, span)
    return Brief(
        span=span, area=area,
        city_name_zh=db.get_setting(con, "city.name_zh", "") or "",
        city_name_en=db.get_setting(con, "city.name_en", "") or "",
        issuer_zh=db.get_setting(con, "report.issuer_zh", "") or "",
        issuer_en=db.get_setting(con, "report.issuer_en", "") or "",
        totals=_totals(daily, flags, span, same_period_last_year(con, span, area, period_values(engine))),
        daily=daily, rankings=rankings,
        levels=cases.by_handling_level(frame, flags), categories=categories,
        alerts_fired=fired, alerts_open=_alert_names(alerts.open_at_end(con, span, inside), units, names),
        air=air.period_air(con, span), scorecard=card, keys=keys,
        attention=attention.items(frame, span, area, fired, rankings, _categories(con), _departments(con)),
    )


def _totals(daily: pd.DataFrame, f: cases.Flags, span: BriefSpan, last_year: Comparison) -> CaseTotals:
    now, before = daily.iloc[0], daily[daily["offset"].isin(list(cases.baseline_offsets(span.kind)))]
    prev = daily.iloc[1] if len(daily) > 1 else None
    mean = (lambda column: None if before.empty else float(before[column].mean()))  # noqa: E731
    return CaseTotals(
        received=int(now["received"]), closed=int(now["closed"]),
        prev_received=None if prev is None else int(prev["received"]),
        prev_closed=None if prev is None else int(prev["closed"]),
        base_received=mean("received"), base_closed=mean("closed"),
        received_30d=int(f.received_30d.sum()), closed_30d=int((f.received_30d & f.closed).sum()),
        open_end=int(f.open.sum()), overdue_open_end=int(f.overdue_open.sum()), last_year=last_year,
    )


def _units(con) -> pd.DataFrame:
    return con.execute("SELECT code, level, name_zh, name_en, population, city_code, district_code, street_code "
                       "FROM admin_units WHERE level IN ('city', 'district', 'street', 'community') ORDER BY code").df()


def _categories(con) -> pd.DataFrame:
    return con.execute("SELECT code, name_zh, name_en FROM event_categories ORDER BY code").df()


def _departments(con) -> pd.DataFrame:
    return con.execute("SELECT code, name_zh, name_en FROM departments ORDER BY code").df()


def _named(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    merged = frame.merge(names, on="code", how="left")
    merged["name_zh"] = merged["name_zh"].fillna(merged["code"])
    merged["name_en"] = merged["name_en"].fillna(merged["code"])
    return merged


def _ranking(figures: pd.DataFrame, units: pd.DataFrame, level: str, area: Area, card: Scorecard) -> pd.DataFrame:
    """Return every unit of the level inside the area with its figures, overall score and rank (best first)."""
    table = units[units["level"] == level]
    if not area.is_city:
        table = table[table[area.column] == area.code]
    table = table.merge(figures, on="code", how="left")
    counts = ["received", "closed", "received_30d", "closed_30d", "open", "overdue_open"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["per_10k"] = table["received"] * 10_000 / table["population"].where(table["population"] > 0)
    table["closure_rate"] = table["closed_30d"] / table["received_30d"].where(table["received_30d"] > 0)
    table["score"] = pd.Series([card.unit_score(code) for code in table["code"]], index=table.index, dtype="float64")
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

