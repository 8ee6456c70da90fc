"""The brief as display rows (formatted text, both languages): shared by the /summary page, the HTML
file and the PDF, so all three show the same figures written the same way."""

from __future__ import annotations

import pandas as pd

from data.clock import local_datetime
from layouts import theme
from reporting import air as day_air
from reporting.brief import DailyBrief
from reporting.targets import SCORE_CAP

STREETS_PRINTED = 5          # the printed brief names the best and worst five streets (the page shows all)
ALERTS_PRINTED = 6

LABELS: dict[str, tuple[str, str]] = {
    "title": ("城市运行日报", "Daily brief"),
    "received": ("受理", "Received"), "closed": ("办结", "Closed"),
    "closure_rate": ("办结率（30日）", "Closure rate (30 d)"),
    "overdue_open": ("日终超期在办", "Overdue open at midnight"),
    "open": ("日终在办", "Open at midnight"),
    "red_alerts": ("红色预警", "Red alerts"), "aqi": ("空气质量指数", "AQI"),
    "vs_prev": ("前一日", "previous day"), "vs_avg7": ("7日日均", "7-day mean"),
    "scorecard": ("城市体征评分（CityScore）", "Scorecard (CityScore)"),
    "indicator": ("指标", "Indicator"), "actual": ("实际", "Actual"), "target": ("目标", "Target"),
    "score": ("得分", "Score"), "best": ("表现最好的5项", "Five best"), "worst": ("表现最差的5项", "Five worst"),
    "overall": ("综合得分", "Overall score"),
    "districts": ("区县排名通报", "District ranking"), "streets": ("街道（镇）排名通报", "Street ranking"),
    "streets_cut": ("前5名与后5名", "best and worst five"),
    "rank": ("名次", "Rank"), "unit": ("单位", "Unit"), "per_10k": ("每万人受理", "per 10k"),
    "levels": ("三级办理", "Three-level handling"), "level": ("层级", "Level"),
    "level.1": ("区级", "District (1)"), "level.2": ("街镇级", "Street (2)"), "level.3": ("村社级", "Community (3)"),
    "overdue_share": ("超期占比", "Overdue share"),
    "alerts_fired": ("当日触发预警", "Alerts fired during the day"),
    "alerts_open": ("日终未解除预警", "Alerts open at midnight"),
    "severity": ("等级", "Severity"), "when": ("时间", "Time"), "value": ("数值", "Value"),
    "none": ("无", "None"),
    "air": ("空气质量", "Air quality"), "daily_aqi": ("日AQI", "Daily AQI"),
    "primary": ("首要污染物", "Primary pollutant"), "peak_hour": ("小时峰值", "Peak hour"),
    "hours_at_level": ("各级别小时数", "Hours at each level"), "no_data": ("无数据", "no data"),
    "hotline": ("热线主要诉求", "Top hotline categories"),       # the channel of role hotline, whatever the city calls it
    "movers": ("变化最大的诉求（较7日日均）", "Biggest movers (against the 7-day mean)"),
    "avg7": ("7日日均", "7-day mean"), "change": ("变化", "Change"),
    "trend": ("近8日受理量", "Cases received, last 8 days"),
    "map": ("各街道当日受理量（每万人）", "Cases per 10,000 residents by street"),
    "headline": ("综述", "Summary"),
    "severity.red": ("红色", "red"), "severity.orange": ("橙色", "orange"),
    "severity.yellow": ("黄色", "yellow"), "severity.blue": ("蓝色", "blue"),
    "state.firing": ("告警中", "firing"), "state.recovering": ("恢复中", "recovering"),
    "footer": ("本日报依据截至当日24时的历史数据生成，同一日期内容不变；不含个人信息。",
               "Computed from the history up to the end of the day: the same date always gives the same brief. "
               "No personal data."),
}


def label(key: str, language: str) -> str:
    """Return a label in ``language`` (zh or en)."""
    return LABELS[key][0 if language == "zh" else 1]


def both(key: str) -> str:
    """Return "中文 English" for the printed brief's headers."""
    return f"{LABELS[key][0]} {LABELS[key][1]}"


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


def kpis(brief: DailyBrief, language: str) -> list[tuple[str, str, str, str]]:
    """Return the KPI strip as (test id, label, value, note)."""
    t, daily = brief.totals, brief.air.daily
    compare = f"{label('vs_prev', language)} {fmt_int(t.prev_received)} · {label('vs_avg7', language)} {t.avg7_received:,.1f}"
    aqi_note = (daily.category if language == "zh" else daily.category_en) or label("no_data", language)
    return [
        ("received", label("received", language), fmt_int(t.received), compare),
        ("closed", label("closed", language), fmt_int(t.closed),
         f"{label('vs_prev', language)} {fmt_int(t.prev_closed)} · {label('vs_avg7', language)} {t.avg7_closed:,.1f}"),
        ("closure-rate", label("closure_rate", language), fmt_pct(t.closure_rate),
         f"{fmt_int(t.closed_30d)} / {fmt_int(t.received_30d)}"),
        ("overdue-open", label("overdue_open", language), fmt_int(t.overdue_open_end),
         f"{label('open', language)} {fmt_int(t.open_end)}"),
        ("red-alerts", label("red_alerts", language), fmt_int(brief.red_alerts),
         f"{label('alerts_open', language)} {len(brief.alerts_open)}"),
        ("aqi", label("aqi", language), "—" if daily.aqi is None else str(daily.aqi), aqi_note),
    ]


def scorecard_rows(brief: DailyBrief, language: str, units: dict[str, str]) -> list[dict]:
    """Return the scorecard rows: label, actual and target with the unit, score and its bar."""
    rows = []
    for r in brief.scorecard.rows.itertuples():
        key, unit = brief.key(r.indicator_id), units.get(r.indicator_id, "")
        rows.append({"id": r.indicator_id, "label": key.short(language),
                     "actual": f"{fmt_num(r.value)} {unit}".strip(), "target": f"{fmt_num(r.target)} {unit}".strip(),
                     "score": fmt_score(r.score), "colour": score_colour(r.score),
                     "bar": 0 if pd.isna(r.score) else round(r.score / SCORE_CAP * 100, 1)})
    return rows


def best_worst(brief: DailyBrief, language: str) -> tuple[list[str], list[str]]:
    """Return the five best and five worst key indicators as "label score" lines."""
    line = lambda r: f"{brief.key(r.indicator_id).short(language)} {fmt_score(r.score)}"  # noqa: E731
    return ([line(r) for r in brief.scorecard.best.itertuples()], [line(r) for r in brief.scorecard.worst.itertuples()])


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


def level_rows(brief: DailyBrief, language: str) -> list[list[str]]:
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


def category_rows(frame: pd.DataFrame, language: str) -> list[list[str]]:
    """Return category rows: name, the day's count, the 7-day mean and the change."""
    name = "name_zh" if language == "zh" else "name_en"
    return [[getattr(r, name), fmt_int(r.count), fmt_num(r.avg7), f"{r.change:+.1f}"] for r in frame.itertuples()]


def air_summary(brief: DailyBrief, language: str) -> list[tuple[str, str]]:
    """Return the air-quality facts as (label, value) pairs."""
    daily = brief.air.daily
    primary = "、".join(daily.primary_pollutants) if language == "zh" else ", ".join(daily.primary_pollutants)
    category = (daily.category if language == "zh" else daily.category_en) or "—"
    return [(label("daily_aqi", language), "—" if daily.aqi is None else str(daily.aqi)),
            (label("level", language), category),
            (label("primary", language), primary.upper().replace("PM25", "PM2.5") or "—"),
            (label("peak_hour", language), "—" if brief.air.peak_hour_aqi is None else str(brief.air.peak_hour_aqi))]


def hours_text(brief: DailyBrief, language: str) -> str:
    """Return the hours at each AQI level as text."""
    parts = [f"{day_air.level_names(lv)[0 if language == 'zh' else 1]} {h}h" for lv, h in brief.air.hours_by_level]
    if brief.air.hours_without_data:
        parts.append(f"{label('no_data', language)} {brief.air.hours_without_data}h")
    return " · ".join(parts) or label("no_data", language)
