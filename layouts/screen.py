"""The wall screen (/screen): a dark kiosk page of the whole city, drawn for 1920×1080 and scaled
by the viewport (assets/20-screen.css) to 4K and to a 3×1 video wall.

Pure functions: the frame (stores, timers, empty panels) and the panels' contents from query
results. callbacks.screen fills and refreshes them; assets/screen.js handles keys, the clock,
the map's fit to its box and the pulse of the newest events.
"""

from __future__ import annotations

import json

import pandas as pd
from dash import dcc, html

from data.clock import local_datetime
from layouts import ids, screen_places, screen_search, screen_sound, theme
from layouts.i18n import add_texts, normalise_language, t
from queries.screen import Kpi

SCENES = ("overview", "environment", "traffic", "hotline", "grid")
LAYERS = ("alerts", "hotline", "aqi", "crowd")
SCENE_LAYER = {"overview": "alerts", "environment": "aqi", "traffic": "crowd", "hotline": "hotline", "grid": "alerts"}
LAYER_INDICATOR = {"hotline": "hotline.intake.count.today", "crowd": "crowding.people.per_km2.last_hour"}
DEFAULTS = {"refresh": 10.0, "rotate": 60.0, "reload": 6.0}          # seconds, seconds, hours
MIN_REFRESH_S, MIN_ROTATE_S, MIN_RELOAD_H = 1.0, 5.0, 0.05
KPI_ORDER = ("hotline", "grid_reported", "grid_closed", "closure_rate", "ontime_rate", "satisfaction")
KPI_ROLE = {"hotline": "hotline", "grid_reported": "grid", "grid_closed": "grid"}     # the channel role a figure counts
ROLE_FALLBACK_NAMES = {"hotline": ("热线", "Hotline"), "grid": ("网格上报", "Grid reports")}  # a store without a profile
KPI_BETTER = {"hotline": -1, "grid_reported": 0, "grid_closed": 1, "closure_rate": 1, "ontime_rate": 1,
              "satisfaction": 1, "alerts": -1}                                       # +1 higher is better, -1 worse, 0 neither
ALERTS_PER_PAGE = 5                                                    # what the panel holds whole at 24 px text
ALERT_PAGE_S = 15                                                      # each page of open alerts shows this long
NEW_ALERT_S = 15 * 60                                                  # a red alert this new flashes

add_texts({
    "nav.screen": ("指挥大屏", "Wall"),
    "screen.title": ("城市运行指挥中心", "City Operations Command Center"),
    "screen.scene.overview": ("城市运行总览", "Overview"),
    "screen.scene.environment": ("生态环境", "Environment"),
    "screen.scene.traffic": ("交通运行", "Traffic"),
    "screen.scene.hotline": ("12345热线", "12345 hotline"),
    "screen.scene.grid": ("网格治理", "Grid governance"),
    "screen.layer.alerts": ("预警", "Alerts"),
    "screen.layer.hotline": ("热线密度", "Hotline"),
    "screen.layer.aqi": ("空气质量", "AQI"),
    "screen.layer.crowd": ("人群密度", "Crowds"),
    "screen.kpi.hotline": ("{channel}今日受理", "{channel}: cases today"),
    "screen.kpi.grid_reported": ("{channel}今日上报", "{channel}: reported today"),
    "screen.kpi.grid_closed": ("{channel}今日办结", "{channel}: closed today"),
    "screen.kpi.no_channel": ("本市无此渠道", "no such channel in this city"),
    "screen.kpi.closure_rate": ("办结率（近30日）", "Closure rate (30 d)"),
    "screen.kpi.ontime_rate": ("按期办结率", "On-time rate"),
    "screen.kpi.satisfaction": ("群众满意率", "Satisfaction"),
    "screen.kpi.alerts": ("在办红色 / 橙色预警", "Active red / orange alerts"),
    "screen.kpi.orders": ("在办工单 / 报到超时", "Open work orders / report-in late"),
    "screen.vs_yesterday": ("较昨日", "vs yesterday"),
    "screen.vs_7d": ("较7日均", "vs 7-day avg"),
    "screen.aqi": ("空气质量指数", "Air quality index"),
    "screen.aqi.primary": ("首要污染物", "Primary pollutant"),
    "screen.aqi.none": ("暂无数据", "No data"),
    "screen.traffic": ("交通拥堵", "Traffic congestion"),
    "screen.traffic.slow_share": ("慢行路段占比", "Slow segments"),
    "screen.traffic.avg_speed": ("平均车速", "Average speed"),
    "screen.traffic.congested": ("拥堵路段", "Congested segments"),
    "screen.crowd": ("人群聚集热点（按密度）", "Crowd hotspots (by density)"),
    "screen.crowd.people": ("人", "people"),
    "screen.crowd.per_km2": ("人/km²", "people/km²"),
    "screen.alerts": ("在办预警", "Open alerts"),
    "screen.alerts.none": ("当前无预警", "No open alerts"),
    "screen.alerts.pending": ("待触发", "pending"),
    "screen.alerts.count": ("共 {n} 条", "{n} open"),
    "screen.alerts.page": ("第 {page}/{pages} 页", "page {page}/{pages}"),
    "screen.ticker": ("最新事件", "Newest events"),
    "screen.ticker.none": ("最近24小时无新事件", "No events in the last 24 hours"),
    "screen.as_of": ("数据时刻", "Data as of"),
    "screen.fresh.indicators": ("指标计算", "Indicators"),
    "screen.fresh.none": ("无数据", "none"),
    "screen.fresh.all": ("{n} 个数据源正常 · 最久", "{n} sources fresh · oldest"),
    "screen.hold": ("已暂停轮播", "Rotation held"),
    "screen.panel.categories": ("今日高发事项", "Top categories today"),
    "screen.panel.stations": ("各站点空气质量", "Air quality by station"),
    "screen.panel.roads": ("最慢路段", "Slowest road segments"),
    "screen.panel.districts": ("各区网格事件", "Grid events by district"),
    "screen.col.received": ("上报", "in"),
    "screen.col.closed": ("办结", "closed"),
    "screen.col.overdue": ("超期", "overdue"),
    "screen.status.received": ("已受理", "received"),
    "screen.status.accepted": ("已签收", "accepted"),
    "screen.status.dispatched": ("处置中", "dispatched"),
    "screen.status.resolved": ("已答复", "resolved"),
    "screen.status.closed": ("已办结", "closed"),
    "screen.status.returned": ("已退回", "returned"),
    "screen.status.cancelled": ("已撤销", "cancelled"),
    "screen.status.merged": ("已合并", "merged"),
    "screen.sensor.air_national": ("国控站", "Air (national)"),
    "screen.sensor.air_micro": ("微站", "Air (micro)"),
    "screen.sensor.traffic": ("路况", "Traffic"),
    "screen.sensor.crowd": ("人流", "Crowd"),
    "screen.sensor.water_level": ("水位", "Water level"),
    "screen.sensor.rainfall": ("雨量", "Rainfall"),
    "screen.sensor.noise": ("噪声", "Noise"),
    "screen.sensor.power": ("电力", "Power"),
})


def _number(value, default: float, minimum: float) -> float:
    """Return a query value as a number no smaller than ``minimum`` (default when absent or bad)."""
    try:
        return max(float(value), minimum) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def screen_config(refresh=None, rotate=None, reload=None, scene=None, lang=None, **_query) -> dict:
    """Return the screen's settings from the query string (?refresh=s&rotate=s&reload=h&scene=&lang=)."""
    rotate_s = _number(rotate, DEFAULTS["rotate"], 0.0)
    return {
        "refresh_ms": int(_number(refresh, DEFAULTS["refresh"], MIN_REFRESH_S) * 1000),
        "rotate_ms": int(max(rotate_s, MIN_ROTATE_S) * 1000) if rotate_s else 0,
        "reload_ms": int(_number(reload, DEFAULTS["reload"], MIN_RELOAD_H) * 3600 * 1000),
        "scenes": list(SCENES),
        "layers": list(LAYERS),
        "scene_layers": SCENE_LAYER,
        "start": SCENES.index(scene) if scene in SCENES else 0,
        "lang": normalise_language(lang) if lang else None,
    }


def layout(language: str | None = None, **query) -> html.Div:
    """Return the screen's frame: settings, timers, stores and the empty panels callbacks fill; in the
    language of ``?lang=``, else the page's (``language``, the browser's choice)."""
    config = screen_config(**query)
    config["lang"] = config["lang"] or normalise_language(language)
    language = config["lang"]
    return html.Div([
        dcc.Store(id=ids.SCREEN_CONFIG, data=config),
        dcc.Store(id=ids.SCREEN_SCENE, data={"index": config["start"], "hold": False, "manual": 0}),
        dcc.Store(id=ids.SCREEN_LAYER),
        dcc.Store(id=ids.SCREEN_VIEWPORT),
        dcc.Store(id=ids.SCREEN_SENT, data={}),
        dcc.Interval(id=ids.SCREEN_TICK, interval=config["refresh_ms"]),
        dcc.Interval(id=ids.SCREEN_RELOAD, interval=config["reload_ms"]),
        html.Header([
            html.Div(t("screen.title", language), className="screen-title", id="screen-title"),
            html.Div(id=ids.SCREEN_SCENE_TITLE, className="screen-scene-title"),
            html.Div(id=ids.SCREEN_FRESH, className="screen-fresh"),
            html.Div([html.Div(id="screen-clock", className="screen-clock"),
                      html.Div(id=ids.SCREEN_ASOF, className="screen-asof")], className="screen-time"),
        ], className="screen-top"),
        html.Section(id=ids.SCREEN_KPIS, className="screen-left"),
        html.Section([
            dcc.Graph(id=ids.SCREEN_MAP, className="screen-map", responsive=True,
                      config={"displayModeBar": False, "scrollZoom": False, "doubleClick": False}),
            html.Div([html.Button(t(f"screen.layer.{layer}", language), id=f"screen-layer-{layer}",
                                  className="screen-layer-button", **{"data-layer": layer}) for layer in LAYERS],
                     className="screen-layers", id="screen-layer-buttons"),
            *screen_places.overlay_parts(language),
            *screen_search.overlay(language), *screen_sound.sound_parts(language),
        ], className="screen-centre", id="screen-map-box"),
        html.Section([html.Div(id=ids.SCREEN_AQI, className="screen-panel"),
                      html.Div(id=ids.SCREEN_TRAFFIC, className="screen-panel"),
                      html.Div(id=ids.SCREEN_CROWD, className="screen-panel")], className="screen-right"),
        html.Section([html.Div(id=ids.SCREEN_ALERTS, className="screen-panel screen-alerts"),
                      html.Div(id=ids.SCREEN_SCENE_PANEL, className="screen-panel")], className="screen-far"),
        html.Footer(html.Div(id=ids.SCREEN_TICKER, className="screen-ticker"), className="screen-bottom"),
    ], className="screen-root", id="screen-root", **{"data-lang": language, "data-config": json.dumps(config)})


# --- panels -------------------------------------------------------------------------------------

def _local(epoch_s: float, tz: str, fmt: str = "%H:%M") -> str:
    return local_datetime(epoch_s, tz).strftime(fmt)


def _kpi_card(key: str, kpi: Kpi, language: str, roles: dict[str, tuple[str, str]]) -> html.Div:
    role = KPI_ROLE.get(key)
    names = roles.get(role) if role else None
    label = t(f"screen.kpi.{key}", language)
    if role is not None:
        label = label.format(channel=(names or ROLE_FALLBACK_NAMES[role])[0 if language == "zh" else 1])
    if role is not None and names is None:
        return html.Div([html.Div(label, className="screen-kpi-label"),
                         html.Div("—", className="screen-kpi-value", **{"data-testid": f"screen-kpi-{key}"}),
                         html.Div(t("screen.kpi.no_channel", language), className="screen-trends")],
                        className="screen-kpi")
    return html.Div([html.Div(label, className="screen-kpi-label"),
                     html.Div(kpi_value_text(kpi), className="screen-kpi-value", **{"data-testid": f"screen-kpi-{key}"}),
                     *_trends(kpi, language)], className="screen-kpi")


def kpi_value_text(kpi: Kpi) -> str:
    """Return a headline figure as shown: counts with separators, shares as percentages."""
    if kpi.today is None:
        return "—"
    return theme.fmt_pct(kpi.today) if kpi.kind == "share" else theme.fmt_int(round(kpi.today))


def trend_text(kpi: Kpi, against: float | None) -> tuple[str, int]:
    """Return the change of today's figure against a reference (% for counts, points for shares, the
    difference for a few) and its sign."""
    if kpi.today is None or against is None:
        return "—", 0
    if kpi.kind == "share":
        diff = (kpi.today - against) * 100
        return f"{'▲' if diff > 0 else '▼' if diff < 0 else '■'} {abs(diff):.1f}pt", (diff > 0) - (diff < 0)
    if kpi.kind == "few":                  # a handful (active alerts): the difference itself, not a percentage
        diff = round(kpi.today - against, 1)
        return f"{'▲' if diff > 0 else '▼' if diff < 0 else '■'} {abs(diff):g}", (diff > 0) - (diff < 0)
    if not against:
        return "—", 0
    change = (kpi.today - against) / against * 100
    return f"{'▲' if change > 0 else '▼' if change < 0 else '■'} {abs(change):.0f}%", (change > 0) - (change < 0)


def _trend(kpi: Kpi, against: float | None, label: str) -> html.Div:
    text, sign = trend_text(kpi, against)
    better = KPI_BETTER.get(kpi.key, 0) * sign
    tone = "good" if better > 0 else "bad" if better < 0 else "flat"
    return html.Div([html.Span(label, className="screen-trend-label"), html.Span(text)],
                    className=f"screen-trend screen-trend-{tone}")


def _trends(kpi: Kpi | None, language: str) -> list:
    """Return a figure's trends against yesterday and the 7-day average (none without the figure)."""
    if kpi is None:
        return []
    return [html.Div([_trend(kpi, kpi.yesterday, t("screen.vs_yesterday", language)),
                      _trend(kpi, kpi.avg_7d, t("screen.vs_7d", language))], className="screen-trends")]


def kpi_panel(kpis: dict[str, Kpi], alerts: dict[str, int], language: str,
              roles: dict[str, tuple[str, str]] | None = None, orders: dict[str, int] | None = None) -> list:
    """Return the headline figures with their trends, the count of active red and orange alerts and
    (``orders``) of the open work orders and those late to report in.

    A channel's figures are labelled with the city's name for the channel of that role (``roles``:
    role → (zh, en)); a city without a channel of the role shows no figure for it, and says so."""
    roles = {} if roles is None else roles
    cards = [_kpi_card(key, kpis[key], language, roles) for key in KPI_ORDER if key in kpis]
    cards.append(html.Div([
        html.Div(t("screen.kpi.alerts", language), className="screen-kpi-label"),
        html.Div([html.Span(str(alerts.get("red", 0)), className="screen-sev-red", **{"data-testid": "screen-kpi-red"}),
                  html.Span(" / ", className="screen-kpi-sep"),
                  html.Span(str(alerts.get("orange", 0)), className="screen-sev-orange",
                            **{"data-testid": "screen-kpi-orange"})], className="screen-kpi-value"),
        *_trends(kpis.get("alerts"), language),
    ], className="screen-kpi screen-kpi-alerts"))
    if orders is not None:
        cards.append(orders_card(orders, language))
    return cards


def orders_card(orders: dict[str, int], language: str) -> html.Div:
    """Return the card of the open work orders and those past their report-in deadline unsigned."""
    return html.Div([
        html.Div(t("screen.kpi.orders", language), className="screen-kpi-label"),
        html.Div([html.Span(str(orders["open"]), **{"data-testid": "screen-kpi-orders-open"}),
                  html.Span(" / ", className="screen-kpi-sep"),
                  html.Span(str(orders["report_overdue"]), className="screen-sev-red" if orders["report_overdue"] else "",
                            **{"data-testid": "screen-kpi-orders-late"})], className="screen-kpi-value"),
    ], className="screen-kpi screen-kpi-orders")


def aqi_panel(result, stations: int, language: str) -> list:
    """Return the city's AQI now in its level's standard colour, with category and primary pollutant."""
    title = html.Div(t("screen.aqi", language), className="screen-panel-title")
    if result.aqi is None:
        return [title, html.Div("—", className="screen-aqi-value", **{"data-testid": "screen-aqi"}),
                html.Div(t("screen.aqi.none", language), className="screen-note")]
    category = result.category if language == "zh" else result.category_en
    primary = "、".join(t(f"pollutant.{p}", language) for p in result.primary_pollutants) or "—"
    return [title, html.Div([
        html.Div(str(result.aqi), className="screen-aqi-value", style={"color": result.color},
                 **{"data-testid": "screen-aqi"}),
        html.Div([html.Div(category, className="screen-aqi-category", style={"borderColor": result.color}),
                  html.Div(f"{t('screen.aqi.primary', language)} {primary}", className="screen-note")]),
    ], className="screen-aqi-row")]


def traffic_panel(values: dict, roads: pd.DataFrame, congested_kmh: float, language: str) -> list:
    """Return the share of slow road segments, the average speed and the number of congested segments."""
    slow = values.get("traffic.congestion.slow_share.last_hour")
    speed = values.get("traffic.road_speed.avg_kmh.last_hour")
    congested = int((roads["speed_kmh"] < congested_kmh).sum()) if not roads.empty else None
    return [html.Div(t("screen.traffic", language), className="screen-panel-title"), html.Div([
        _stat(t("screen.traffic.slow_share", language), "—" if slow is None else f"{slow * 100:.0f}%", "screen-slow"),
        _stat(t("screen.traffic.avg_speed", language), "—" if speed is None else f"{speed:.0f}", "screen-speed",
              "km/h"),
        _stat(t("screen.traffic.congested", language), "—" if congested is None else f"{congested}/{len(roads)}",
              "screen-congested"),
    ], className="screen-stats")]


def _stat(label: str, value: str, testid: str, unit: str = "") -> html.Div:
    return html.Div([html.Div(value, className="screen-stat-value", **{"data-testid": testid}),
                     html.Div(f"{label} {unit}".strip(), className="screen-stat-label")], className="screen-stat")


def crowd_panel(hotspots: pd.DataFrame, language: str) -> list:
    """Return the grids with the densest crowds in the last hour, each with its density (the figure they
    are ranked by)."""
    zh = language == "zh"
    rows = [html.Li([html.Span(_place(r.community_zh if zh else r.community_en, r.name_zh if zh else r.name_en),
                               className="screen-row-name"),
                     html.Span(f"{theme.fmt_int(round(r.per_km2))} {t('screen.crowd.per_km2', language)}",
                               className="screen-row-value", title=f"{theme.fmt_int(int(r.people)) if pd.notna(r.people) else '—'} "
                                                                   f"{t('screen.crowd.people', language)}")])
            for r in hotspots.itertuples()]
    if not rows:
        return [html.Div(t("screen.crowd", language), className="screen-panel-title"),
                html.Div(t("screen.aqi.none", language), className="screen-note", **{"data-testid": "screen-crowd-list"})]
    return [html.Div(t("screen.crowd", language), className="screen-panel-title"),
            html.Ol(rows, className="screen-list", **{"data-testid": "screen-crowd-list"})]


def _place(community: str | None, grid: str) -> str:
    """Return a grid's name after its community's (a city without communities names the grid alone)."""
    return f"{community} · {grid}" if isinstance(community, str) and community else grid


def alert_pages(count: int) -> int:
    """Return how many pages the open alerts fill (one at least)."""
    return max(1, -(-count // ALERTS_PER_PAGE))


def alerts_panel(frame: pd.DataFrame, names: dict, now_s: int, tz: str, language: str, page: int = 0) -> list:
    """Return the open alerts, most severe first, one page of ALERTS_PER_PAGE at a time, under a title
    that says how many are open and which page is shown; red ones that fired recently flash."""
    pages = alert_pages(len(frame))
    counter = t("screen.alerts.count", language).format(n=len(frame))
    if pages > 1:
        counter += " · " + t("screen.alerts.page", language).format(page=page % pages + 1, pages=pages)
    title = html.Div([t("screen.alerts", language), html.Span(counter, className="screen-panel-count")],
                     className="screen-panel-title", **{"data-testid": "screen-alerts-title"})
    if frame.empty:
        return [title, html.Div(t("screen.alerts.none", language), className="screen-note")]
    shown = frame.iloc[(page % pages) * ALERTS_PER_PAGE:][:ALERTS_PER_PAGE]
    return [title, html.Ul([_alert_item(r, names, now_s, tz, language) for r in shown.itertuples()], className="screen-list")]


def _alert_item(r, names: dict, now_s: int, tz: str, language: str) -> html.Li:
    zh = language == "zh"
    since = r.fired_s if pd.notna(r.fired_s) else r.started_s
    new = r.severity == "red" and r.state != "pending" and now_s - since <= NEW_ALERT_S
    unit = (r.unit_zh if zh else r.unit_en) or r.unit_code
    state = f" · {t('screen.alerts.pending', language)}" if r.state == "pending" else ""
    return html.Li([
        html.Span(className=f"screen-dot screen-bg-{r.severity}"),
        html.Div([html.Div(names.get(r.indicator_id, r.indicator_id), className="screen-row-name"),
                  html.Div(f"{unit} · {_local(since, tz)}{state}", className="screen-row-value")],
                 className="screen-alert-text"),
    ], className="screen-alert" + (" screen-alert-new" if new else "") + (" screen-alert-pending" if state else ""),
        **{"data-testid": f"screen-alert-{r.alert_id}"})


def ticker(frame: pd.DataFrame, tz: str, language: str) -> list:
    """Return the rolling ticker of the newest events (personal data already masked)."""
    label = html.Div(t("screen.ticker", language), className="screen-ticker-label")
    if frame.empty:
        return [label, html.Div(t("screen.ticker.none", language), className="screen-note")]
    zh = language == "zh"
    items = [html.Span([
        html.B(_local(r.received_s, tz)), f" {r.channel_zh if zh else r.channel_en} · ",
        f"{(r.category_zh if zh else r.category_en) or r.category_code} · {(r.unit_zh if zh else r.unit_en) or ''} · ",
        html.Span(t(f"screen.status.{r.status}", language), className=f"screen-status screen-status-{r.status}"),
        f" {r.description or ''}" if zh else "",
    ], className="screen-ticker-item") for r in frame.itertuples()]
    # Two copies side by side make the scroll seamless (the CSS moves the track by half its width).
    return [label, html.Div(html.Div(items + items, className="screen-ticker-track"), className="screen-ticker-window",
                            **{"data-testid": "screen-ticker"})]


def scene_title(scene: str, hold: bool, as_of_s: int, tz: str, language: str) -> tuple[list, html.Span]:
    """Return the scene's title (with the hold mark) and the data instant, marked with the city's time zone."""
    title = [t(f"screen.scene.{scene}", language)]
    if hold:
        title.append(html.Span(t("screen.hold", language), className="screen-hold"))
    as_of = f"{t('screen.as_of', language)} {_local(as_of_s, tz, '%Y-%m-%d %H:%M')}"
    return title, html.Span(as_of, **{"data-tz": tz})          # the clock (assets/screen.js) shows this zone


def table_panel(title: str, rows: list[list[str]], testid: str) -> list:
    """Return a titled list of rows (name, then figures), as text."""
    return [html.Div(title, className="screen-panel-title"),
            html.Ul([html.Li([html.Span(row[0], className="screen-row-name")]
                             + [html.Span(cell, className="screen-row-value") for cell in row[1:]]) for row in rows],
                    className="screen-list", **{"data-testid": testid})]
