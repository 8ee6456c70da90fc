"""The overview page ("/"): today's city figures straight from the store."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import dcc, html

from layouts import figures, ids, map_page_texts, theme  # noqa: F401 (map_page_texts: the level names)
from layouts.components import kpi_card, simple_table
from layouts.i18n import t
from queries.overview import TodayFigures

REFRESH_MS = 30_000


def layout(**_query) -> html.Div:
    """Return the page frame; the body is filled (and refreshed) by callbacks.overview."""
    return html.Div([
        dcc.Interval(id=ids.OVERVIEW_TICK, interval=REFRESH_MS),
        html.Div(id=ids.OVERVIEW_BODY, className="container-fluid py-3"),
    ])


def overview_body(data: TodayFigures, language: str, tz: str, street_map) -> list:
    """Return the page body for a day's figures (``street_map`` is the ready map figure)."""
    as_of = data.now.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")
    return [
        html.Div([
            html.H4(t("overview.heading", language), className="mb-0"),
            html.Span(f"{t('overview.as_of', language)} {as_of}", className="text-muted",
                      **{"data-testid": "as-of"}),
        ], className="d-flex align-items-baseline gap-3 mb-3"),
        html.Div([html.Div(card, className="col-6 col-md-4 col-xl-2 mb-3") for card in kpi_cards(data, language)],
                 className="row"),
        html.Div([
            html.Div(_panel(t("chart.hourly", language),
                            dcc.Graph(figure=figures.hourly_received_chart(data.by_hour, language),
                                      config={"displayModeBar": False}, id="hourly-chart")),
                     className="col-12 col-xl-6 mb-3"),
            html.Div(_panel(t("table.by_source", language), source_table(data, language)),
                     className="col-12 col-md-6 col-xl-3 mb-3"),
            html.Div(_panel(t("table.by_level", language).format(level=_top_level_name(data, language)),
                            district_table(data, language)),
                     className="col-12 col-md-6 col-xl-3 mb-3"),
        ], className="row"),
        html.Div(html.Div(_panel(t("map.streets", language),
                                 dcc.Graph(figure=street_map, id="street-map", config={"displayModeBar": False})),
                          className="col-12 mb-3"), className="row"),
    ]


def _panel(title: str, content) -> html.Div:
    return html.Div([html.Div(title, className="card-header"), html.Div(content, className="card-body p-2")],
                    className="card h-100")


def kpi_cards(data: TodayFigures, language: str) -> list[html.Div]:
    """Return the six KPI cards."""
    unit = t("unit.cases", language)
    return [
        kpi_card(t("kpi.received", language), theme.fmt_int(data.received), unit, "kpi-received"),
        kpi_card(t("kpi.closed", language), theme.fmt_int(data.closed), unit, "kpi-closed"),
        kpi_card(t("kpi.closure_rate", language), theme.fmt_pct(data.closure_rate),
                 t("kpi.closure_rate.note", language).format(closed=theme.fmt_int(data.closed_30d),
                                                             received=theme.fmt_int(data.received_30d)),
                 "kpi-closure-rate"),
        kpi_card(t("kpi.open_overdue", language), theme.fmt_int(data.open_overdue), unit, "kpi-open-overdue",
                 accent=theme.BAD if data.open_overdue else None),
        aqi_card(data, language),
        kpi_card(t("kpi.sensors", language), theme.fmt_pct(data.reporting_share, round_down=True),
                 f"{data.sensors_reporting:,} {t('kpi.sensors.note', language)} {data.sensors_total:,}",
                 "kpi-sensors"),
    ]


def aqi_card(data: TodayFigures, language: str) -> html.Div:
    """Return the AQI card in the level's standard colour, with category and primary pollutant."""
    result = data.air.result
    if result.aqi is None:
        return kpi_card(t("kpi.aqi", language), "—", t("kpi.aqi.none", language), "kpi-aqi")
    category = result.category if language == "zh" else result.category_en
    primary = "、".join(t(f"pollutant.{p}", language) for p in result.primary_pollutants)
    note = f"{category}" + (f" · {t('kpi.aqi.primary', language)} {primary}" if primary else "")
    card = kpi_card(t("kpi.aqi", language), str(result.aqi), note, "kpi-aqi")
    card.style = {"borderTop": f"6px solid {result.color}"}
    return card


def source_table(data: TodayFigures, language: str) -> html.Table:
    """Return today's received and closed cases per channel."""
    rows = [[r.channel_zh if language == "zh" else r.channel_en, theme.fmt_int(int(r.received)),
             theme.fmt_int(int(r.closed))]
            for r in data.by_source.itertuples()]
    columns = [t("col.source", language), t("col.received", language), t("col.closed", language)]
    return simple_table(columns, rows, "table-by-source")


def _top_level_name(data: TodayFigures, language: str) -> str:
    """Return the name of the level the per-unit table ranks (districts, or what the city has below it)."""
    level = data.by_district["level"].iloc[0] if len(data.by_district) else "district"
    return t(f"map_page.level.{level}", language)


def district_table(data: TodayFigures, language: str) -> html.Table:
    """Return today's figures per district (per unit of the first level the city has below it)."""
    name = "name_zh" if language == "zh" else "name_en"
    rows = [[getattr(r, name), theme.fmt_int(int(r.received)), theme.fmt_int(int(r.closed)),
             theme.fmt_int(int(r.open_overdue))] for r in data.by_district.itertuples()]
    columns = [_top_level_name(data, language), t("col.received", language), t("col.closed", language),
               t("col.open_overdue", language)]
    return simple_table(columns, rows, "table-by-district")
