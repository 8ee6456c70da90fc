"""The brief's headline paragraph, written from the figures, in one language."""

from __future__ import annotations

from reporting.labels import end_word, previous_word

TOP_ISSUES = 3
POLLUTANT_ZH = {"so2": "二氧化硫", "no2": "二氧化氮", "pm10": "PM10", "co": "一氧化碳", "o3": "臭氧", "pm25": "PM2.5"}
POLLUTANT_EN = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "co": "CO", "o3": "O3", "pm25": "PM2.5"}


def fmt_int(n: int) -> str:
    """Return an integer with thousands separators."""
    return f"{n:,}"


def change_pct(value: float, base: float) -> float | None:
    """Return the change of ``value`` against ``base`` in percent, None without a base."""
    return None if not base else (value - base) * 100 / base


def _zh_change(value: float, base: float | None) -> str:
    pct = None if base is None else change_pct(value, base)
    if pct is None:
        return "无可比数据"
    return "持平" if round(pct, 1) == 0 else f"{'上升' if pct > 0 else '下降'}{abs(pct):.1f}%"


def _en_change(value: float, base: float | None) -> str:
    pct = None if base is None else change_pct(value, base)
    if pct is None:
        return "no comparison"
    return "unchanged" if round(pct, 1) == 0 else f"{'up' if pct > 0 else 'down'} {abs(pct):.1f}%"


def headline(brief, language: str) -> str:
    """Return the headline paragraph in ``language``."""
    return headline_zh(brief) if language == "zh" else headline_en(brief)


def headline_zh(brief) -> str:
    """Return the Chinese headline paragraph."""
    t, kind, period = brief.totals, brief.span.kind, brief.span.period
    where = "全市" if brief.area.is_city else brief.area.name_zh
    when = period.label("zh")
    if brief.span.provisional:
        when += f"（截至{brief.span.as_of_local():%H:%M}）"
    parts = [f"{when}，{where}共受理各类事件{fmt_int(t.received)}件，" + (
        f"较{previous_word(kind, 'zh')}（{fmt_int(t.prev_received)}件）{_zh_change(t.received, t.prev_received)}"
        if t.prev_received is not None else f"{previous_word(kind, 'zh')}无可比数据")]
    if kind == "day" and t.base_received is not None:
        parts.append(f"，较近7日日均（{t.base_received:,.1f}件）{_zh_change(t.received, t.base_received)}")
    if t.last_year.available:
        parts.append(f"，同比（{fmt_int(t.last_year.received)}件）{_zh_change(t.received, t.last_year.received)}")
    if t.holiday is not None and t.holiday.against.available:
        h = t.holiday
        parts.append(f"，较上年{h.name('zh')}同期（{h.against.period}，{fmt_int(h.against.received)}件）"
                     f"{_zh_change(t.received, h.against.received)}")
    end = f"截至{brief.span.as_of_local():%H:%M}" if brief.span.provisional else end_word(kind, "zh")
    parts.append(f"；办结{fmt_int(t.closed)}件，{end}在办{fmt_int(t.open_end)}件，其中超期{fmt_int(t.overdue_open_end)}件。")
    top = brief.categories.head(TOP_ISSUES)
    if not top.empty:
        parts.append("受理量居前的问题是" + "、".join(f"{r.name_zh}（{int(r.count)}件）" for r in top.itertuples()) + "。")
    parts.append(f"期内升至红色预警{brief.red_fired}条，{end}未解除红色预警{brief.red_alerts}条、预警共{len(brief.alerts_open)}条。")
    parts.append(_air_zh(brief))
    return "".join(parts)


def headline_en(brief) -> str:
    """Return the English headline paragraph."""
    t, kind, period = brief.totals, brief.span.kind, brief.span.period
    where = "the city" if brief.area.is_city else brief.area.name_en
    when = period.label("en") + (f" (as of {brief.span.as_of_local():%H:%M})" if brief.span.provisional else "")
    parts = [f"{'On' if kind == 'day' else 'In'} {when} {where} received {fmt_int(t.received)} cases, " + (
        f"{_en_change(t.received, t.prev_received)} on the {previous_word(kind, 'en')} ({fmt_int(t.prev_received)})"
        if t.prev_received is not None else f"with no data for the {previous_word(kind, 'en')}")]
    if kind == "day" and t.base_received is not None:
        parts.append(f" and {_en_change(t.received, t.base_received)} on the 7-day mean ({t.base_received:,.1f})")
    if t.last_year.available:
        parts.append(f", {_en_change(t.received, t.last_year.received)} on a year earlier ({fmt_int(t.last_year.received)})")
    if t.holiday is not None and t.holiday.against.available:
        h = t.holiday
        parts.append(f", {_en_change(t.received, h.against.received)} on the same days of last year's {h.name('en')} "
                     f"({h.against.period}: {fmt_int(h.against.received)})")
    end = f"at {brief.span.as_of_local():%H:%M}" if brief.span.provisional else end_word(kind, "en")
    parts.append(f"; {fmt_int(t.closed)} were closed, and {fmt_int(t.open_end)} were open {end}, "
                 f"{fmt_int(t.overdue_open_end)} of them overdue.")
    top = brief.categories.head(TOP_ISSUES)
    if not top.empty:
        parts.append(" The top issues were " + ", ".join(f"{r.name_en.lower()} ({int(r.count)})" for r in top.itertuples()) + ".")
    parts.append(f" {brief.red_fired} alert(s) reached red in the period; {brief.red_alerts} red and "
                 f"{len(brief.alerts_open)} alert(s) in all were open {end}.")
    parts.append(" " + _air_en(brief))
    return "".join(parts)


def _air_zh(brief) -> str:
    a = brief.air
    if brief.span.kind != "day":
        return f"期内优良天数{a.good_days}天（有数据{len(a.days)}天）。" if a.days else "期内无空气质量监测数据。"
    daily = a.daily
    if daily.aqi is None:
        return "当日无空气质量监测数据。"
    primary = "、".join(POLLUTANT_ZH.get(p, p) for p in daily.primary_pollutants)
    return f"空气质量指数（AQI）{daily.aqi}，{daily.category}" + (f"，首要污染物为{primary}" if primary else "") + "。"


def _air_en(brief) -> str:
    a = brief.air
    if brief.span.kind != "day":
        return (f"{a.good_days} of {len(a.days)} days with data had good air (AQI ≤ 100)." if a.days
                else "There was no air-quality data in the period.")
    daily = a.daily
    if daily.aqi is None:
        return "There was no air-quality data."
    primary = ", ".join(POLLUTANT_EN.get(p, p) for p in daily.primary_pollutants)
    return f"The daily AQI was {daily.aqi} ({daily.category_en.lower()})" + (f", primary pollutant {primary}" if primary else "") + "."
