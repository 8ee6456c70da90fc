"""The brief's headline paragraph, written from the figures, in Chinese and in English."""

from __future__ import annotations

from reporting.brief import DailyBrief

TOP_ISSUES = 3


def fmt_int(n: int) -> str:
    """Return an integer with thousands separators."""
    return f"{n:,}"


def change_pct(value: float, base: float) -> float | None:
    """Return the change of ``value`` against ``base`` in percent, None without a base."""
    return None if not base else (value - base) * 100 / base


def _zh_change(value: float, base: float) -> str:
    pct = change_pct(value, base)
    if pct is None:
        return "无可比数据"
    return "持平" if round(pct, 1) == 0 else f"{'上升' if pct > 0 else '下降'}{abs(pct):.1f}%"


def _en_change(value: float, base: float) -> str:
    pct = change_pct(value, base)
    if pct is None:
        return "no comparison"
    return "unchanged" if round(pct, 1) == 0 else f"{'up' if pct > 0 else 'down'} {abs(pct):.1f}%"


def headline_zh(brief: DailyBrief) -> str:
    """Return the Chinese headline paragraph."""
    t = brief.totals
    parts = [f"{brief.day.year}年{brief.day.month}月{brief.day.day}日，全市共受理各类事件{fmt_int(t.received)}件，"
             f"较前一日（{fmt_int(t.prev_received)}件）{_zh_change(t.received, t.prev_received)}，"
             f"较近7日日均（{t.avg7_received:,.1f}件）{_zh_change(t.received, t.avg7_received)}；"
             f"办结{fmt_int(t.closed)}件，日终在办{fmt_int(t.open_end)}件，其中超期{fmt_int(t.overdue_open_end)}件。"]
    top = brief.categories.head(TOP_ISSUES)
    if not top.empty:
        parts.append("受理量居前的问题是" + "、".join(f"{r.name_zh}（{int(r.count)}件）" for r in top.itertuples()) + "。")
    parts.append(f"当日触发红色预警{brief.red_alerts}条，日终仍有{len(brief.alerts_open)}条预警未解除。")
    parts.append(_air_zh(brief))
    return "".join(parts)


def headline_en(brief: DailyBrief) -> str:
    """Return the English headline paragraph."""
    t = brief.totals
    parts = [f"On {brief.day:%d %B %Y} the city received {fmt_int(t.received)} cases, "
             f"{_en_change(t.received, t.prev_received)} on the previous day ({fmt_int(t.prev_received)}) and "
             f"{_en_change(t.received, t.avg7_received)} on the 7-day average ({t.avg7_received:,.1f}); "
             f"{fmt_int(t.closed)} were closed, and {fmt_int(t.open_end)} remained open at the end of the day, "
             f"{fmt_int(t.overdue_open_end)} of them overdue."]
    top = brief.categories.head(TOP_ISSUES)
    if not top.empty:
        parts.append(" The top issues were " + ", ".join(f"{r.name_en.lower()} ({int(r.count)})" for r in top.itertuples()) + ".")
    parts.append(f" {brief.red_alerts} red alert(s) fired; {len(brief.alerts_open)} alert(s) were still open at midnight.")
    parts.append(" " + _air_en(brief))
    return "".join(parts)


def _air_zh(brief: DailyBrief) -> str:
    daily = brief.air.daily
    if daily.aqi is None:
        return "当日无空气质量监测数据。"
    primary = "、".join(POLLUTANT_ZH.get(p, p) for p in daily.primary_pollutants)
    return f"空气质量指数（AQI）{daily.aqi}，{daily.category}" + (f"，首要污染物为{primary}" if primary else "") + "。"


def _air_en(brief: DailyBrief) -> str:
    daily = brief.air.daily
    if daily.aqi is None:
        return "There was no air-quality data."
    primary = ", ".join(POLLUTANT_EN.get(p, p) for p in daily.primary_pollutants)
    return f"The daily AQI was {daily.aqi} ({daily.category_en.lower()})" + (f", primary pollutant {primary}" if primary else "") + "."


POLLUTANT_ZH = {"so2": "二氧化硫", "no2": "二氧化氮", "pm10": "PM10", "co": "一氧化碳", "o3": "臭氧", "pm25": "PM2.5"}
POLLUTANT_EN = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "co": "CO", "o3": "O3", "pm25": "PM2.5"}
