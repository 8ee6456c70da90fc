"""The brief as display rows in one language (formatted text): shared by the /summary page, the
phone page, the HTML file and the PDF, so all show the same figures written the same way."""

from __future__ import annotations

import pandas as pd

from data.clock import local_datetime
from layouts import theme
from reporting import air as day_air
from reporting.brief import Brief
from reporting.prebuilt import data_version
from reporting.headline import POLLUTANT_EN, POLLUTANT_ZH
from reporting.labels import LABELS, dated, end_word, label, previous_word, unit_text
from reporting.targets import SCORE_CAP

STREETS_PRINTED = 5          # the printed brief names the best and worst five units of a long ranking
ALERTS_PRINTED = 6


def fmt_int(n) -> str:
    """Return an integer with thousands separators, or an em dash."""
    return "—" if n is None or pd.isna(n) else f"{int(n):,}"


def fmt_pct(share) -> str:
    """Return a share (0..1) as a percentage with one decimal, or an em dash."""
    return "—" if share is None or pd.isna(share) else f"{share * 100:.1f}%"


def fmt_num(value, digits: int = 1) -> str:
    """Return a number with ``digits`` decimals, or an em dash."""
    return "—" if value is None or pd.isna(value) else f"{value:,.{digits}f}"


def fmt_score(value) -> str:
    """Return a score as a whole percentage of target (CityScore writes 1.00 as 100)."""
    return "—" if value is None or pd.isna(value) else f"{value * 100:.0f}"


def score_colour(value) -> str:
    """Return green at or above target, amber within 10% of it, red below."""
    if value is None or pd.isna(value):
        return theme.NO_SCORE
    return next(colour for bound, colour in theme.SCORE_COLOURS if value >= bound)


def as_of_text(brief: Brief, language: str) -> str:
    """Return the provisional mark (截至 HH:MM，数据未完结), or '' for an ended period."""
    if not brief.span.provisional:
        return ""
    local = brief.span.as_of_local()
    return label("provisional", language).format(time=f"{dated(local.date(), language)} {local:%H:%M}")


def built_text(document, language: str) -> str:
    """Return when a kept brief was built and from which data version (cases.readings.geometry.
    alerts.orders writes before the period's end), saying so when late data has arrived since, or ''
    for one built for this request."""
    info = document.built
    if info is None:
        return ""
    local = local_datetime(info.built_at_s, document.brief.tz)
    text = label("built", language).format(time=f"{dated(local.date(), language)} {local:%H:%M}",
                                           version=data_version(info.data_stamp))
    return text if info.current else text + label("rebuilding", language)


def coverage_text(brief: Brief, language: str) -> str:
    """Return a note when the store's data begins inside the period, or ''."""
    span = brief.span
    if span.covered():
        return ""
    first = local_datetime(span.data_from_s, span.tz).date()
    return label("partial_data", language).format(day=dated(first, language))


def _at_end(brief: Brief, language: str) -> str:
    if brief.span.provisional:
        local = brief.span.as_of_local()
        return f"截至{local:%H:%M}" if language == "zh" else f"at {local:%H:%M}"
    return end_word(brief.span.kind, language)


def comparison_note(brief: Brief, language: str, received: bool = True) -> str:
    """Return "上月 1,234 · 同比 1,100" (the day adds its 7-day mean)."""
    t, kind = brief.totals, brief.span.kind
    prev, base = (t.prev_received, t.base_received) if received else (t.prev_closed, t.base_closed)
    parts = [f"{previous_word(kind, language)} {fmt_int(prev) if prev is not None else label('no_comparison', language)}"]
    if kind == "day":
        parts.append(f"{label('vs_avg7', language)} {fmt_num(base) if base is not None else label('no_comparison', language)}")
    ly = t.last_year.received if received else t.last_year.closed
    parts.append(f"{label('last_year', language)} {fmt_int(ly)}" if ly is not None else label("no_last_year", language))
    if t.holiday is not None and t.holiday.against.available:
        aligned = t.holiday.against.received if received else t.holiday.against.closed
        parts.append(f"{label('holiday_aligned', language).format(holiday=t.holiday.name(language))} {fmt_int(aligned)}")
    return " · ".join(parts)


def kpis(brief: Brief, language: str) -> list[tuple[str, str, str, str]]:
    """Return the KPI strip as (test id, label, value, note)."""
    t = brief.totals
    at = _at_end(brief, language)
    open_label = f"{at}{label('open', language)}" if language == "zh" else f"{label('open', language)} {at}"
    overdue = f"{at}{label('overdue_open', language)}" if language == "zh" else f"{label('overdue_open', language)} {at}"
    return [
        ("received", label("received", language), fmt_int(t.received), comparison_note(brief, language)),
        ("closed", label("closed", language), fmt_int(t.closed), comparison_note(brief, language, received=False)),
        ("closure-rate", label("closure_rate", language), fmt_pct(t.closure_rate),
         f"{fmt_int(t.closed_30d)} / {fmt_int(t.received_30d)}"),
        ("overdue-open", overdue, fmt_int(t.overdue_open_end), f"{open_label} {fmt_int(t.open_end)}"),
        ("red-alerts", label("red_alerts", language), fmt_int(brief.red_alerts),
         f"{label('red_fired', language)} {brief.red_fired}"),
        aqi_kpi(brief, language),
    ]


def aqi_kpi(brief: Brief, language: str) -> tuple[str, str, str, str]:
    """Return the air KPI: the daily AQI of a day, the good days of a longer period."""
    a = brief.air
    if brief.span.kind == "day":
        daily = a.daily
        note = (daily.category if language == "zh" else daily.category_en) or label("no_data", language)
        return ("aqi", label("daily_aqi", language), "—" if daily.aqi is None else str(daily.aqi), note)
    return ("aqi", label("good_days", language), f"{a.good_days} / {len(a.days)}",
            label("days_with_data", language) + f" {len(a.days)}")


def scorecard_rows(brief: Brief, language: str, units: dict[str, str]) -> list[dict]:
    """Return the scorecard rows: label, actual and target with the unit, score and its bar."""
    rows = []
    for r in brief.scorecard.rows.itertuples():
        key, unit = brief.key(r.indicator_id), unit_text(units.get(r.indicator_id, ""), language)
        rows.append({"id": r.indicator_id, "label": key.short(language),
                     "actual": f"{fmt_num(r.value)} {unit}".strip(), "target": f"{fmt_num(r.target)} {unit}".strip(),
                     "score": fmt_score(r.score), "colour": score_colour(r.score),
                     "bar": 0 if pd.isna(r.score) else round(r.score / SCORE_CAP * 100, 1)})
    return rows


def best_worst(brief: Brief, language: str) -> tuple[list[str], list[str]]:
    """Return the five best and five worst key indicators as "label score" lines."""
    line = lambda r: f"{brief.key(r.indicator_id).short(language)} {fmt_score(r.score)}"  # noqa: E731
    return ([line(r) for r in brief.scorecard.best.itertuples()], [line(r) for r in brief.scorecard.worst.itertuples()])


def ranking_title(level: str, language: str) -> str:
    """Return a ranking's heading: 街道（镇）排名通报 / Street ranking."""
    sep = "" if language == "zh" else " "
    return f"{label(f'level.{level}', language)}{sep}{label('ranking', language)}"


def ranking_columns(language: str) -> list[str]:
    """Return the ranking table's column headers."""
    return [label(k, language) for k in ("rank", "unit", "overall", "received", "per_10k", "closed",
                                         "closure_rate", "overdue_open")]


def ranking_rows(frame: pd.DataFrame, language: str, printed: bool = False) -> list[list[str]]:
    """Return ranking rows (the best and worst STREETS_PRINTED only when ``printed`` and longer)."""
    if printed and len(frame) > 2 * STREETS_PRINTED:
        frame = pd.concat([frame.head(STREETS_PRINTED), frame.tail(STREETS_PRINTED)])
    name = "name_zh" if language == "zh" else "name_en"
    return [[str(r.rank), getattr(r, name), fmt_score(r.score), fmt_int(r.received), fmt_num(r.per_10k),
             fmt_int(r.closed), fmt_pct(r.closure_rate), fmt_int(r.overdue_open)] for r in frame.itertuples()]


def level_columns(language: str) -> list[str]:
    """Return the three-level table's column headers."""
    return [label(k, language) for k in ("level", "received", "closed", "closure_rate", "open", "overdue_open",
                                         "overdue_share")]


def level_rows(brief: Brief, language: str) -> list[list[str]]:
    """Return one row per handling level."""
    return [[label(f"level.{r.level}", language), fmt_int(r.received), fmt_int(r.closed), fmt_pct(r.closure_rate),
             fmt_int(r.open), fmt_int(r.overdue_open), fmt_pct(r.overdue_share)] for r in brief.levels.itertuples()]


def alert_columns(language: str) -> list[str]:
    """Return the alert tables' column headers."""
    return [label(k, language) for k in ("severity", "indicator", "unit", "value", "when")]


def alert_rows(frame: pd.DataFrame, language: str, tz: str, time_column: str, limit: int | None = None) -> list[list[str]]:
    """Return alert rows: severity, indicator, unit, value and time (local)."""
    rows = frame if limit is None else frame.head(limit)
    lang = "zh" if language == "zh" else "en"
    return [[label(f"severity.{r.severity}", language) if f"severity.{r.severity}" in LABELS else str(r.severity),
             getattr(r, f"indicator_{lang}"), getattr(r, f"unit_{lang}"), fmt_num(r.value, 2),
             local_datetime(getattr(r, time_column), tz).strftime("%m-%d %H:%M")]
            for r in rows.itertuples()]


def baseline_label(brief: Brief, language: str) -> str:
    """Return what a category's count is compared with (7日日均 / 上期)."""
    return label("baseline.day" if brief.span.kind == "day" else "baseline.other", language)


def category_columns(brief: Brief, language: str) -> list[str]:
    """Return the movers table's headers."""
    return [label("category", language), label("received", language), baseline_label(brief, language),
            label("change", language)]


def category_rows(frame: pd.DataFrame, language: str) -> list[list[str]]:
    """Return category rows: name, the period's count, the baseline and the change."""
    name = "name_zh" if language == "zh" else "name_en"
    return [[getattr(r, name), fmt_int(r.count), fmt_num(r.avg7), f"{r.change:+.1f}"] for r in frame.itertuples()]


def movers(brief: Brief, language: str) -> list[list[str]]:
    """Return the categories (all channels) up and down most against the baseline."""
    frame = brief.categories
    up = frame[frame["change"] > 0].sort_values(["change", "code"], ascending=[False, True]).head(3)
    down = frame[frame["change"] < 0].sort_values(["change", "code"]).head(3)
    return category_rows(up, language) + category_rows(down, language)


def pollutants(names, language: str) -> str:
    """Return primary pollutants in ``language``."""
    table = POLLUTANT_ZH if language == "zh" else POLLUTANT_EN
    return ("、" if language == "zh" else ", ").join(table.get(p, p) for p in names)


def air_summary(brief: Brief, language: str) -> list[tuple[str, str]]:
    """Return the air-quality facts as (label, value) pairs."""
    a = brief.air
    if brief.span.kind != "day":
        mean = sum(v for _, v in a.days) / len(a.days) if a.days else None
        worst = a.worst
        return [(label("good_days", language), f"{a.good_days} / {len(a.days)}"),
                (label("mean_aqi", language), fmt_num(mean)),
                (label("worst_day", language), f"{worst[0]} · AQI {worst[1]}" if worst else "—")]
    daily = a.daily
    category = (daily.category if language == "zh" else daily.category_en) or "—"
    return [(label("daily_aqi", language), "—" if daily.aqi is None else str(daily.aqi)),
            (label("level", language), category),
            (label("primary", language), pollutants(daily.primary_pollutants, language) or "—"),
            (label("peak_hour", language), "—" if a.day.peak_hour_aqi is None else str(a.day.peak_hour_aqi))]


def hours_text(brief: Brief, language: str) -> str:
    """Return the hours at each AQI level as text (a day brief)."""
    day = brief.air.day
    if day is None:
        return ""
    parts = [f"{day_air.level_names(lv)[0 if language == 'zh' else 1]} {h}h" for lv, h in day.hours_by_level]
    if day.hours_without_data:
        parts.append(f"{label('no_data', language)} {day.hours_without_data}h")
    return " · ".join(parts) or label("no_data", language)


def trend_labels(brief: Brief) -> list[str]:
    """Return the trend's bar labels, oldest first (11-19, W47, 2026-11, Q4)."""
    keys = list(reversed(brief.daily["period"].tolist()))
    kind = brief.span.kind
    if kind == "day":
        return [k[5:] for k in keys]
    return [k.split("-")[-1] if kind in ("week", "quarter") else k for k in keys]
