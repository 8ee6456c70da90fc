"""Every text the brief prints, in Chinese and in English (one language per document).

Period-dependent words (日报/周报, 前一日/上周 …) are keyed by the period's kind."""

from __future__ import annotations

KIND_TITLES = {"day": ("城市运行日报", "Daily brief"), "week": ("城市运行周报", "Weekly brief"),
               "month": ("城市运行月报", "Monthly brief"), "quarter": ("城市运行季报", "Quarterly brief"),
               "year": ("城市运行年报", "Annual brief")}
KIND_SHORT = {"day": ("日报", "Daily"), "week": ("周报", "Weekly"), "month": ("月报", "Monthly"),
              "quarter": ("季报", "Quarterly"), "year": ("年报", "Annual")}
KIND_PREVIOUS = {"day": ("前一日", "previous day"), "week": ("上周", "previous week"),
                 "month": ("上月", "previous month"), "quarter": ("上季度", "previous quarter"),
                 "year": ("上年", "previous year")}
KIND_END = {"day": ("日终", "at midnight"), "week": ("周末", "at the end of the week"),
            "month": ("月末", "at the end of the month"), "quarter": ("季末", "at the end of the quarter"),
            "year": ("年末", "at the end of the year")}

LABELS: dict[str, tuple[str, str]] = {
    "received": ("受理", "Received"), "closed": ("办结", "Closed"),
    "closure_rate": ("办结率（近30日）", "Closure rate (30 days)"),
    "overdue_open": ("超期在办", "Overdue open"), "open": ("在办", "Open"),
    "red_alerts": ("红色预警（未解除）", "Red alerts open"), "red_fired": ("期内升至红色", "reached red in the period"),
    "aqi": ("空气质量指数", "AQI"), "vs_avg7": ("7日日均", "7-day mean"), "last_year": ("同比", "a year earlier"),
    "holiday_aligned": ("上年{holiday}同期", "last year's {holiday}"),
    "no_last_year": ("无同期数据", "no data a year earlier"), "no_comparison": ("无可比数据", "no data"), "cases_unit": ("件", "cases"),
    "scorecard": ("城市体征评分", "Scorecard"),
    "indicator": ("指标", "Indicator"), "actual": ("实际值", "Actual"), "target": ("目标值", "Target"),
    "score": ("得分（达标%）", "Score (% of target)"),
    "score_note": ("得分为实际值达到目标的百分比：100为恰好达标，低于100未达标，最高计125分（超出目标再多也不掩盖其他指标）。",
                   "A score is the percentage of its target an indicator reached: 100 is on target, below 100 short "
                   "of it, capped at 125 so that one indicator far above target cannot hide others."),
    "best": ("达标最好的5项", "Five best against target"), "worst": ("达标最差的5项", "Five worst against target"),
    "overall": ("综合得分（达标%）", "Overall score (% of target)"),
    "ranking": ("排名通报", "ranking"), "streets_cut": ("前5名与后5名", "best and worst five"),
    "level.district": ("区县", "District"), "level.street": ("街道（镇）", "Street"),
    "level.community": ("社区（村）", "Community"), "level.city": ("全市", "City"),
    "rank": ("名次", "Rank"), "unit": ("单位", "Unit"), "per_10k": ("每万人受理", "Per 10,000 residents"),
    "levels": ("三级办理", "Three-level handling"), "level": ("层级", "Level"),
    "level.1": ("区级", "District (1)"), "level.2": ("街镇级", "Street (2)"), "level.3": ("村社级", "Community (3)"),
    "overdue_share": ("超期占比", "Overdue share"),
    "alerts_fired": ("期内触发预警", "Alerts fired in the period"),
    "alerts_open": ("未解除预警", "Alerts open"),
    "severity": ("等级", "Severity"), "when": ("时间", "Time"), "value": ("数值", "Value"),
    "none": ("无", "None"),
    "air": ("空气质量", "Air quality"), "daily_aqi": ("日AQI", "Daily AQI"),
    "primary": ("首要污染物", "Primary pollutant"), "peak_hour": ("小时峰值", "Peak hour"),
    "hours_at_level": ("各级别小时数", "Hours at each level"), "no_data": ("无数据", "no data"),
    "good_days": ("优良天数", "Good days (AQI ≤ 100)"), "days_with_data": ("有数据天数", "Days with data"),
    "worst_day": ("污染最重日", "Worst day"), "mean_aqi": ("日AQI均值", "Mean daily AQI"),
    "categories": ("各渠道受理量居前的诉求（件）", "Top categories, all channels (cases)"),
    "movers": ("变化最大的诉求", "Biggest movers"),
    "baseline.day": ("7日日均", "7-day mean"), "baseline.other": ("上期", "previous period"),
    "change": ("变化", "Change"), "category": ("诉求类别", "Category"),
    "trend": ("受理量走势（件）", "Cases received (trend)"),
    "map": ("各单位受理量（每万人）", "Cases received per 10,000 residents"),
    "headline": ("综述", "Summary"), "attention": ("需关注事项", "Matters needing attention"),
    "attention_none": ("本期无需特别关注的事项。", "Nothing in the period needs particular attention."),
    "severity.red": ("红色", "red"), "severity.orange": ("橙色", "orange"),
    "severity.yellow": ("黄色", "yellow"), "severity.blue": ("蓝色", "blue"),
    "issuer": ("编发单位", "Issued by"), "issued": ("编发日期", "Issued"),
    "period": ("统计周期", "Period"), "area": ("区域", "Area"),
    "page": ("第 {n} 页", "Page {n}"),
    "partial_data": ("本期数据自{day}起计（此前无数据）", "The data of this period begins on {day} (none before)"),
    "provisional": ("截至{time}，数据未完结", "As of {time}: the period has not ended and its figures will change"),
    "built": ("本简报编制于{time}，数据版本 {version}", "Built on {time} from data version {version}"),
    "rebuilding": ("；此后收到本时段的迟到数据，更新版正在编制，请稍后刷新",
                   "; late data for this period has arrived since, and an updated brief is being built: reload shortly"),
    "final_note": ("本简报依据截至统计周期结束的历史数据生成，同一周期内容不变；不含个人信息。",
                   "Computed from the history up to the end of the period: the same period always gives the same "
                   "brief. No personal data."),
    "provisional_note": ("本简报为临时版：统计周期尚未结束，数字截至上述时刻，与实时页面一致，期末将更新。不含个人信息。",
                         "Provisional: the period has not ended; the figures are those of the live pages at the "
                         "time above and will change. No personal data."),
}

WEEKDAYS = (("星期一", "Monday"), ("星期二", "Tuesday"), ("星期三", "Wednesday"), ("星期四", "Thursday"),
            ("星期五", "Friday"), ("星期六", "Saturday"), ("星期日", "Sunday"))
MONTHS_EN = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[0] if language == "zh" else pair[1]


def label(key: str, language: str) -> str:
    """Return a label in ``language`` (zh or en)."""
    return _pick(LABELS[key], language)


def kind_title(kind: str, language: str) -> str:
    """Return the brief's title for a period kind (城市运行月报 / Monthly brief)."""
    return _pick(KIND_TITLES[kind], language)


def previous_word(kind: str, language: str) -> str:
    """Return what the period before is called (上月 / previous month)."""
    return _pick(KIND_PREVIOUS[kind], language)


def end_word(kind: str, language: str) -> str:
    """Return the words for the end of the period (月末 / at the end of the month)."""
    return _pick(KIND_END[kind], language)


def dated(day, language: str) -> str:
    """Return a date with its weekday: 2026年11月20日（星期五） / Friday 20 November 2026."""
    weekday = WEEKDAYS[day.weekday()]
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日（{weekday[0]}）"
    return f"{weekday[1]} {day.day} {MONTHS_EN[day.month]} {day.year}"


def labels(language: str) -> dict[str, str]:
    """Return every label in ``language`` (the template's ``L``)."""
    return {key: _pick(pair, language) for key, pair in LABELS.items()}


# The catalog writes units the Chinese way; an English document says them in English.
UNITS_EN = {"个": "", "个周期": "cycles", "人": "people", "人/km²": "people/km²", "件": "cases", "件/km²": "cases/km²",
            "件/万人": "per 10,000 residents", "件/网格": "per grid", "分": "points", "分钟": "min", "小时": "h",
            "条": "", "点时": "point-hours", "站时": "station-hours", "类": "categories"}


def unit_text(unit: str, language: str) -> str:
    """Return an indicator's unit in ``language`` (symbols such as % or µg/m³ are the same in both)."""
    return unit if language == "zh" else UNITS_EN.get(unit, unit)
