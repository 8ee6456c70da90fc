"""The /indicators page: the catalog searched by name, code, domain or subject; one indicator's definition,
formula, thresholds, owner and current city value, with a link to its map.

URL: ``/indicators?q=<search text>`` and ``/indicators?id=<indicator id>`` (contracts.md).
"""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from data.clock import local_datetime
from indicators.catalog_search import Hit, subject_names
from indicators.model import SEVERITIES, Indicator, IndicatorType, Measure
from layouts import ids
from layouts.components import simple_table
from layouts.i18n import DEFAULT_LANGUAGE, add_texts, t, unit_text

STATUS_CLASS = {"red": "bg-danger", "orange": "bg-warning text-dark", "yellow": "bg-warning-subtle text-dark",
                "blue": "bg-primary", "normal": "bg-success", "no_data": "bg-secondary",
                "lacking": "bg-light text-dark border"}

add_texts({
    "nav.indicators": ("指标库", "Indicators"),
    "indicators.search": ("按中文名、英文名、编码、领域或主题搜索", "Search by Chinese or English name, code, domain or subject"),
    "indicators.domain": ("全部领域", "All domains"),
    "indicators.found": ("找到 {n} 项指标", "{n} indicators found"),
    "indicators.shown": ("，显示前 {n} 项", ", the first {n} shown"),
    "indicators.none": ("没有匹配的指标", "No indicator matches"),
    "indicators.pick": ("在列表中选择一项指标查看定义、口径与当前值", "Pick an indicator to see its definition, formula and value"),
    "indicators.unknown": ("指标库中没有编码为 {id} 的指标", "The catalog has no indicator {id}"),
    "indicators.col.status": ("状态", "Status"),
    "indicators.col.name": ("指标", "Indicator"),
    "indicators.col.domain": ("领域 / 主题", "Domain / subject"),
    "indicators.col.value": ("全市当前值", "City value now"),
    "indicators.current": ("全市当前值", "Current city value"),
    "indicators.no_value": ("尚未计算（等待下一次刷新）", "Not computed yet (waiting for the next refresh)"),
    "indicators.as_of": ("数据时点", "As of"),
    "indicators.baseline": ("7日基线", "7-day baseline"),
    "indicators.fraction": ("分子 / 分母", "Numerator / denominator"),
    "indicators.data_age": ("最新数据距今", "Newest input age"),
    "indicators.map": ("在地图上查看", "Open on the map"),
    "indicators.definition": ("定义", "Definition"),
    "indicators.formula": ("计算口径", "Formula"),
    "indicators.thresholds": ("预警阈值", "Thresholds"),
    "indicators.owner": ("责任部门", "Owner"),
    "indicators.no_owner": ("未指定", "not assigned"),
    "indicators.field.type": ("类型", "Type"),
    "indicators.field.source": ("数据源", "Source"),
    "indicators.field.window": ("时间窗", "Window"),
    "indicators.field.time_column": ("时间字段", "Time column"),
    "indicators.field.unit": ("单位", "Unit"),
    "indicators.field.levels": ("计算层级", "Levels"),
    "indicators.field.cadence": ("刷新周期", "Refresh cadence"),
    "indicators.field.target": ("目标值", "Target"),
    "indicators.field.scale": ("比例系数", "Scale"),
    "indicators.field.op": ("派生运算", "Derived operation"),
    "indicators.field.input": ("输入指标", "Input indicator"),
    "indicators.field.aqi_mode": ("AQI 方式", "AQI mode"),
    "indicators.field.direction": ("方向", "Direction"),
    "indicators.field.relative": ("阈值基准", "Thresholds relative to"),
    "indicators.measure.role": ("度量", "Measure"),
    "indicators.measure.agg": ("聚合", "Aggregation"),
    "indicators.measure.expression": ("表达式", "Expression"),
    "indicators.measure.filter": ("筛选条件", "Filter"),
    "indicators.measure.quantile": ("分位数", "Quantile"),
    "indicators.role.measure": ("值", "value"),
    "indicators.role.numerator": ("分子", "numerator"),
    "indicators.role.denominator": ("分母", "denominator"),
    "indicators.level": ("层级", "Level"),
    "indicators.absolute": ("绝对值", "absolute values"),
    "indicators.relative.baseline_7d": ("7日基线的倍数", "multiples of the 7-day baseline"),
    "indicators.no_thresholds": ("未设阈值（仅监测）", "No thresholds (monitored only)"),
    "indicators.direction.higher_is_worse": ("越高越差（≥ 阈值预警）", "higher is worse (alert at ≥ bound)"),
    "indicators.direction.higher_is_better": ("越低越差（≤ 阈值预警）", "lower is worse (alert at ≤ bound)"),
    "indicators.direction.neutral": ("中性", "neutral"),
    "indicators.status.normal": ("正常", "normal"),
    "indicators.status.blue": ("蓝色", "blue"),
    "indicators.status.yellow": ("黄色", "yellow"),
    "indicators.status.orange": ("橙色", "orange"),
    "indicators.status.red": ("红色", "red"),
    "indicators.status.no_data": ("无数据", "no data"),
    "indicators.status.none": ("未计算", "not computed"),
    "indicators.lvl.city": ("市", "city"),
    "indicators.lvl.district": ("区县", "district"),
    "indicators.lvl.street": ("街道", "street"),
    "indicators.lvl.community": ("社区", "community"),
    "indicators.lvl.grid": ("网格", "grid"),
    "indicators.coverage": ("本市可计算 {n} / {total} 项指标", "{n} of {total} indicators compute for this city"),
    "indicators.computable_only": ("只看本市可计算的指标", "Only indicators this city computes"),
    "indicators.section.coverage": ("本市数据覆盖", "This city's data"),
    "indicators.computes": ("本市数据齐全，可以计算", "The city's data has every input: it computes"),
    "indicators.lacks": ("缺少输入，不计算：", "Lacks an input, so it has no value:"),
    "indicators.status.lacking": ("缺少输入", "lacks input"),
    "lack.cases": ("本市尚无案件数据", "the city has no cases"),
    "lack.readings": ("本市尚无监测读数", "the city has no sensor readings"),
    "lack.sensors": ("本市尚无感知设备", "the city has no sensors"),
    "lack.alarms": ("本市尚无视频告警", "the city has no camera alarms"),
    "lack.places": ("本市尚无重点场所数据", "the city has no places"),
    "lack.cameras": ("本市尚无视频监控登记", "the city has no registered cameras"),
    "lack.place_kind": ("没有以下类型的场所：{v}", "no place of kind {v}"),
    "lack.channel": ("没有以下角色的渠道：{v}", "no channel of role {v}"),
    "lack.category_code": ("分类体系中没有：{v}", "no category {v}"),
    "lack.category_domain": ("分类体系中没有属于以下领域的类别：{v}", "no category of domain {v}"),
    "lack.kind": ("没有以下类型的感知设备：{v}", "no sensor of kind {v}"),
    "lack.metric": ("没有测量以下项目的设备：{v}", "no sensor measuring {v}"),
    "lack.population": ("网格没有人口数据（城市档案的单元文件）", "the grids have no population (the profile's units file)"),
    "lack.area": ("网格没有面积数据（城市档案的单元文件）", "the grids have no area (the profile's units file)"),
    "lack.case_field": ("数据源从未填写案件的{v}", "the feeds never fill a case's {v}"),
    "lack.field.handling_level": ("办理层级", "handling level"),
    "lack.field.satisfaction": ("群众评价", "citizen rating"),
    "lack.field.due_at": ("办理时限", "due time"),
    "lack.field.accepted_at": ("受理时间", "acceptance time"),
    "lack.field.dispatched_at": ("派遣时间", "dispatch time"),
    "lack.field.resolved_at": ("办结（处置完毕）时间", "resolution time"),
    "lack.field.closed_at": ("结案时间", "closing time"),
    "lack.field.department": ("承办部门", "department"),
})


def layout(q: str | None = None, id: str | None = None, domain: str | None = None,  # noqa: A002
           language: str = DEFAULT_LANGUAGE, **_query) -> html.Div:
    """Return the page frame in ``language`` with the search from the URL; callbacks fill the list and the detail."""
    return html.Div([
        dcc.Store(id=ids.INDICATORS_SELECTED, data=id),
        html.Div([
            html.Div([
                html.Div([
                    dcc.Input(id=ids.INDICATORS_SEARCH, type="search", value=q or "", debounce=True,
                              className="form-control",
                              placeholder=t("indicators.search", language), maxLength=80),
                    dcc.Dropdown(id=ids.INDICATORS_DOMAIN, value=domain, options=[], className="indicators-domain",
                                 placeholder=t("indicators.domain", language), style={"minWidth": "12rem"}),
                ], className="d-flex gap-2"),
                dcc.Checklist(id=ids.INDICATORS_COMPUTABLE, options=[], value=[], className="small mt-1",
                              inputClassName="me-1"),
                html.Div(id=ids.INDICATORS_RESULTS, className="mt-2"),
            ], className="col-12 col-xl-6"),
            html.Div(html.Div(id=ids.INDICATORS_DETAIL), className="col-12 col-xl-6"),
        ], className="row"),
    ], className="container-fluid py-3")


def fmt_value(value) -> str:
    """Return an indicator value as shown on the page (integers whole, others to 2 decimals)."""
    if value is None or value != value:       # None or NaN
        return "—"
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def status_badge(status: str | None, language: str) -> html.Span:
    """Return the status as a coloured badge named in the UI language."""
    key = status or "none"
    return html.Span(t(f"indicators.status.{key}", language), className="badge " + STATUS_CLASS.get(key, "bg-light text-dark"),
                     **{"data-status": key})


def detail_href(indicator_id: str, query: str | None = None) -> str:
    """Return the link that opens one indicator on this page (keeping the search)."""
    params = {"id": indicator_id} | ({"q": query} if query else {})
    return "/indicators?" + urlencode(params)


def map_href(indicator_id: str) -> str:
    """Return the /map link of an indicator (contracts.md)."""
    return "/map?" + urlencode({"indicator": indicator_id})


def domain_options(domains, language: str) -> list[dict]:
    """Return the domain dropdown's options."""
    return [{"label": d.name_zh if language == "zh" else d.name_en, "value": d.id} for d in domains]


def computable_options(computable: int, total: int, language: str) -> list[dict]:
    """Return the one choice of the coverage filter, labelled with how many indicators the city computes."""
    label = f"{t('indicators.computable_only', language)} ({t('indicators.coverage', language).format(n=computable, total=total)})"
    return [{"label": label, "value": "computable"}]


def result_list(hits: list[Hit], total: int, values: dict, domains: dict, query: str, language: str,
                lacking: dict | None = None) -> html.Div:
    """Return the count and the table of indicators found, each linking to its detail; one the city lacks
    an input for is marked so, not "no data"."""
    if not hits:
        return html.Div(t("indicators.none", language), className="text-muted", **{"data-testid": "indicators-none"})
    found = t("indicators.found", language).format(n=total)
    if total > len(hits):
        found += t("indicators.shown", language).format(n=len(hits))
    lacking = lacking or {}
    rows = [_result_row(hit.indicator, values.get(hit.indicator.id), domains.get(hit.indicator.domain), query, language,
                        hit.indicator.id in lacking) for hit in hits]
    head = html.Thead(html.Tr([html.Th(t(f"indicators.col.{c}", language)) for c in ("status", "name", "domain", "value")]))
    return html.Div([
        html.Div(found, className="small text-muted mb-1", **{"data-testid": "indicators-count"}),
        html.Div(html.Table([head, html.Tbody(rows)], className="table table-sm table-hover align-middle mb-0",
                            **{"data-testid": "indicators-table"}), style={"maxHeight": "75vh", "overflowY": "auto"}),
    ])


def _result_row(ind: Indicator, value, domain, query: str, language: str, lacks: bool = False) -> html.Tr:
    name = ind.name_zh if language == "zh" else ind.name_en
    subject = subject_names(domain, ind.subject)[0 if language == "zh" else 1]
    domain_name = (domain.name_zh if language == "zh" else domain.name_en) if domain else ind.domain
    number, status = value if value else (None, None)
    return html.Tr([
        html.Td(status_badge("lacking" if lacks else status, language)),
        html.Td([dcc.Link(name, href=detail_href(ind.id, query)), html.Div(html.Small(ind.id, className="text-muted"))]),
        html.Td(f"{domain_name} / {subject}", className="small"),
        html.Td(f"{fmt_value(number)} {unit_text(ind.unit, language)}".strip() if value else "—", className="text-end text-nowrap"),
    ], **{"data-testid": f"indicator-row-{ind.id}"})


def detail_panel(ind: Indicator, domain, latest: dict | None, language: str, tz: str, lacks: tuple = ()) -> html.Div:
    """Return one indicator's card: names, current city value, whether the city's data can compute it (and
    what it lacks), definition, formula, thresholds and owner."""
    subject = subject_names(domain, ind.subject)[0 if language == "zh" else 1]
    domain_name = (domain.name_zh if language == "zh" else domain.name_en) if domain else ind.domain
    return html.Div([
        html.H5([ind.name_zh if language == "zh" else ind.name_en, " ",
                 status_badge(latest["status"] if latest else None, language)], **{"data-testid": "indicator-title"}),
        html.Div([html.Code(ind.id, **{"data-testid": "indicator-id"}), html.Span(f" · {domain_name} / {subject}"),
                  html.Span(" · " + (ind.name_en if language == "zh" else ind.name_zh), className="text-muted")],
                 className="small mb-2"),
        current_value(ind, latest, language, tz),
        _section("indicators.section.coverage", coverage_block(lacks, language), language),
        _section("indicators.definition", html.P(ind.definition_in(language), **{"data-testid": "indicator-definition"}), language),
        _section("indicators.formula", formula_block(ind, language), language),
        _section("indicators.thresholds", thresholds_block(ind, language), language),
        _section("indicators.owner", html.P(ind.department or t("indicators.no_owner", language),
                                            **{"data-testid": "indicator-owner"}), language),
    ], className="card card-body", **{"data-testid": "indicator-detail"})


def coverage_block(lacks: tuple, language: str) -> html.Div:
    """Return whether the city computes the indicator, or each input its data lacks, in the UI language."""
    if not lacks:
        return html.P(t("indicators.computes", language), **{"data-testid": "indicator-coverage"})
    return html.Div([html.Span(t("indicators.lacks", language)),
                     html.Ul([html.Li(lack_text(lack, language)) for lack in lacks])],
                    className="text-danger", **{"data-testid": "indicator-coverage"})


def lack_text(lack, language: str) -> str:
    """Return one missing input (an indicators.coverage.Lack) in words of the UI language."""
    values = [t(f"lack.field.{v}", language) for v in lack.values] if lack.input == "case_field" else lack.values
    joiner = "、" if language == "zh" else " or "
    return t(f"lack.{lack.input}", language).format(v=joiner.join(values))


def _section(key: str, body, language: str) -> html.Div:
    return html.Div([html.H6(t(key, language), className="mt-3 mb-1 fw-bold"), body])


def current_value(ind: Indicator, latest: dict | None, language: str, tz: str) -> html.Div:
    """Return the city's current value, its status and provenance, and the map link."""
    link = html.Span(dcc.Link(t("indicators.map", language), href=map_href(ind.id), className="btn btn-sm btn-outline-primary"),
                     **{"data-testid": "indicator-map-link"})
    if latest is None:
        return html.Div([html.Span(t("indicators.no_value", language), className="text-muted me-2"), link])
    facts = [(t("indicators.as_of", language), _when(latest["as_of_s"], tz))]
    if latest["baseline"] is not None:
        facts.append((t("indicators.baseline", language), fmt_value(latest["baseline"])))
    if ind.type == IndicatorType.RATIO:
        facts.append((t("indicators.fraction", language), f"{fmt_value(latest['numerator'])} / {fmt_value(latest['denominator'])}"))
    if latest["data_age_s"] is not None:
        facts.append((t("indicators.data_age", language), f"{latest['data_age_s'] / 60:,.0f} min"))
    return html.Div([
        html.Div(t("indicators.current", language), className="small text-muted"),
        html.Div([html.Span(fmt_value(latest["value"]), className="fs-3 fw-bold me-1", **{"data-testid": "indicator-value"}),
                  html.Span(unit_text(ind.unit, language), className="me-3"), link], className="d-flex align-items-center"),
        html.Div([html.Span(f"{label}: {text}", className="me-3") for label, text in facts], className="small text-muted"),
    ])


def _when(epoch_s, tz: str) -> str:
    return local_datetime(int(epoch_s), tz).strftime("%Y-%m-%d %H:%M") if epoch_s is not None else "—"


def formula_block(ind: Indicator, language: str) -> html.Div:
    """Return how the indicator is computed: its type, source, window, measures and derivation."""
    facts = [("type", ind.type.value), ("source", ind.source or "—"), ("window", ind.window.value if ind.window else "—"),
             ("unit", unit_text(ind.unit, language) or "—"), ("levels", " · ".join(t(f"indicators.lvl.{lv}", language) for lv in ind.levels)),
             ("cadence", f"{ind.cadence_s} s")]
    if ind.time_column:
        facts.append(("time_column", ind.time_column))
    if ind.target is not None or ind.target_kind != "none":
        facts.append(("target", fmt_value(ind.target) if ind.target is not None else ind.target_kind))
    if ind.type == IndicatorType.RATIO:
        facts.append(("scale", f"{ind.scale:g}"))
    if ind.type == IndicatorType.AQI:
        facts.append(("aqi_mode", ind.aqi_mode or "—"))
    rows = [html.Tr([html.Th(t(f"indicators.field.{key}", language), className="fw-normal text-muted"), html.Td(value)])
            for key, value in facts]
    parts = [html.Table(html.Tbody(rows), className="table table-sm mb-1", **{"data-testid": "indicator-facts"})]
    measures = _measures(ind)
    if measures:
        parts.append(measures_table(measures, language))
    if ind.type == IndicatorType.DERIVED:
        parts.append(html.Div([html.Span(f"{t('indicators.field.op', language)}: "), html.Code(ind.op.value if ind.op else "—"),
                               html.Span(f" · {t('indicators.field.input', language)}: "),
                               dcc.Link(ind.input, href=detail_href(ind.input)) if ind.input else "—"],
                              className="mt-1", **{"data-testid": "indicator-derived"}))
    return html.Div(parts)


def _measures(ind: Indicator) -> list[tuple[str, Measure]]:
    pairs = (("measure", ind.measure), ("numerator", ind.numerator), ("denominator", ind.denominator))
    return [(role, measure) for role, measure in pairs if measure is not None]


def measures_table(measures: list[tuple[str, Measure]], language: str) -> html.Table:
    """Return the aggregate(s): aggregation, expression, filter and quantile of each."""
    heads = [t(f"indicators.measure.{c}", language) for c in ("role", "agg", "expression", "filter", "quantile")]
    rows = [[t(f"indicators.role.{role}", language), m.agg, html.Code(m.expression), html.Code(m.filter),
             f"{m.quantile:g}" if m.quantile is not None else "—"] for role, m in measures]
    return simple_table(heads, rows, testid="indicator-measures")


def thresholds_block(ind: Indicator, language: str) -> html.Div:
    """Return the direction, what the bounds are relative to, and each level's four-colour bounds."""
    thresholds = ind.thresholds
    relative = t(f"indicators.relative.{thresholds.relative_to}", language) if thresholds.relative_to else t("indicators.absolute", language)
    header = html.Div([html.Span(f"{t('indicators.field.direction', language)}: {t(f'indicators.direction.{ind.direction.value}', language)}"),
                       html.Span(f" · {t('indicators.field.relative', language)}: {relative}")], className="small mb-1")
    rows = []
    for level in ind.levels:
        bounds = dict(thresholds.bounds_for(level))
        if bounds:
            rows.append([t(f"indicators.lvl.{level}", language)] + [_bound(bounds.get(s), level, thresholds) for s in SEVERITIES])
    if not rows:
        return html.Div([header, html.Div(t("indicators.no_thresholds", language), className="text-muted")])
    heads = [t("indicators.level", language)] + [t(f"indicators.status.{s}", language) for s in SEVERITIES]
    return html.Div([header, simple_table(heads, rows, testid="indicator-thresholds")])


def _bound(value: float | None, level: str, thresholds) -> str:
    if value is None:
        return "—"
    return f"{value:g}" + ("" if thresholds.relative_at(level) is None else " ×")
