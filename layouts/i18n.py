"""UI text in Chinese (default) and English."""

from __future__ import annotations

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
# The browser keeps the chosen language in this cookie (set by assets/language.js and by the sign-in
# page's switch), so the server builds every page, the sign-in and 403 pages in it from the first draw.
LANGUAGE_COOKIE = "lang"

TEXT: dict[str, tuple[str, str]] = {
    "app.title": ("城市运行指挥中心", "City Operations Command Center"),
    "app.short_title": ("指挥中心", "Command Center"),      # the bar's name on a narrower screen
    "nav.overview": ("今日概况", "Today"),
    "nav.menu.admin": ("系统管理", "Admin"),
    "overview.heading": ("今日城市运行概况", "The city today"),
    "overview.as_of": ("数据截至", "Data as of"),
    "kpi.received": ("今日受理", "Cases received today"),
    "kpi.closed": ("今日办结", "Cases closed today"),
    "kpi.closure_rate": ("办结率（近30日）", "Closure rate (30 days)"),
    "kpi.closure_rate.note": ("办结 {closed} / 受理 {received}", "{closed} closed of {received} received"),
    "kpi.open_overdue": ("超期未办结", "Open and overdue"),
    "kpi.aqi": ("空气质量指数", "Air quality index"),
    "kpi.aqi.none": ("暂无数据", "no data"),
    "kpi.aqi.primary": ("首要污染物", "primary pollutant"),
    "kpi.sensors": ("感知设备在线率", "Sensors reporting"),
    "kpi.sensors.note": ("台在线 / 共", "reporting of"),
    "unit.cases": ("件", ""),
    "chart.hourly": ("今日与昨日分时受理量", "Cases received per hour, today and yesterday"),
    "chart.today": ("今日", "Today"),
    "chart.yesterday": ("昨日", "Yesterday"),
    "chart.hour": ("时", "Hour"),
    "map.streets": ("各街道今日受理量（每万人）", "Cases today per 10,000 residents, by street"),
    "map.per_10k": ("每万人", "per 10k"),
    "table.by_source": ("分渠道", "By channel"),
    "table.by_level": ("分{level}", "By {level}"),
    "col.source": ("渠道", "Channel"),
    "col.received": ("受理", "Received"),
    "col.closed": ("办结", "Closed"),
    "col.open_overdue": ("超期未办结", "Open overdue"),
    "pollutant.so2": ("二氧化硫", "SO₂"),
    "pollutant.no2": ("二氧化氮", "NO₂"),
    "pollutant.pm10": ("PM10", "PM10"),
    "pollutant.co": ("一氧化碳", "CO"),
    "pollutant.o3": ("臭氧", "O₃"),
    "pollutant.pm25": ("PM2.5", "PM2.5"),
}


# The catalog writes each unit once, in its Chinese form (件, 小时); symbols (%, µg/m³, km/h) read the same
# in both languages and are not listed.
UNIT_EN: dict[str, str] = {
    "件": "cases", "件/万人": "cases per 10k residents", "件/km²": "cases/km²", "件/网格": "cases per grid",
    "小时": "h", "分钟": "min", "个": "", "个周期": "cycles", "分": "points", "人": "people", "人/km²": "people/km²",
    "站时": "station-hours", "点时": "point-hours", "条": "items", "起": "incidents", "类": "categories",
}


def unit_text(unit: str | None, language: str | None) -> str:
    """Return a catalog unit as the UI shows it in ``language`` (the catalog writes units in Chinese)."""
    if not unit:
        return ""
    return unit if normalise_language(language) == "zh" else UNIT_EN.get(unit, unit)


def add_texts(texts: dict[str, tuple[str, str]]) -> None:
    """Register a page's own texts (each page module calls this at import); keys must be new."""
    clashes = set(texts) & set(TEXT)
    if clashes:
        raise ValueError(f"UI text keys defined twice: {sorted(clashes)}")
    TEXT.update(texts)


def normalise_language(language: str | None) -> str:
    """Return a supported language code, falling back to Chinese."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def chosen_language(query_value: str | None, cookie_value: str | None) -> str:
    """Return the language a request asks for: ``?lang=`` first, else the language cookie, else Chinese."""
    return normalise_language(query_value if query_value in LANGUAGES else cookie_value)


def t(key: str, language: str | None) -> str:
    """Return the UI text for ``key`` in ``language``; unknown keys come back as the key itself."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(normalise_language(language))]
