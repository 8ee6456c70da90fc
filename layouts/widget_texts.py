"""The texts the widgets draw themselves (AG Grid pager, dropdown menus, date pickers, plotly's modebar
and date axes), in the UI language, applied to a whole component tree in one pass.

Each widget library ships English defaults; the Chinese UI replaces them here, so a page built by
a layout (or by a callback that returns new widgets) calls ``localise_widgets`` once instead of every
layout repeating the texts. English keeps the libraries' own defaults except where they would
otherwise follow the browser (plotly's locale). The date picker's month and day names come from
date-fns, chosen in the browser by ``assets/language.js`` (its Chinese locale is vendored beside it).
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import dcc

from layouts.i18n import normalise_language

# AG Grid's localeText keys (dash-ag-grid 35) that the product's grids can show: the pager, loading and
# empty overlays, and the accessible labels of the pager and header.
GRID_TEXT_ZH: dict[str, str] = {
    "page": "第", "of": "/", "to": "至", "more": "更多", "pageLastRowUnknown": "?",
    "firstPage": "首页", "previousPage": "上一页", "nextPage": "下一页", "lastPage": "末页",
    "pageSizeSelectorLabel": "每页行数：", "ariaPageSizeSelectorLabel": "每页行数",
    "loadingOoo": "加载中…", "loadingError": "加载失败", "noRowsToShow": "没有数据", "noMatchingRows": "没有匹配的行",
    "ariaSkeletonCellLoading": "行数据加载中", "ariaSkeletonCellLoadingFailed": "行数据加载失败",
    "ariaSortableColumn": "按回车键排序", "ariaMenuColumn": "按 ALT+向下键打开列菜单",
    "ariaLabelColumnMenu": "列菜单", "ariaColumnFiltered": "已筛选", "ariaChecked": "已选中",
    "ariaUnchecked": "未选中", "ariaIndeterminate": "部分选中", "ariaRowToggleSelection": "按空格键选择此行",
    "ariaRowSelectAll": "按空格键选择全部行", "ariaLabelTooltip": "提示", "invalidDate": "无效日期",
    "invalidNumber": "无效数字", "exportingOoo": "导出中…",
    # the column filters (the map's case grid filters every column)
    "filterOoo": "筛选…", "applyFilter": "应用", "resetFilter": "重置", "clearFilter": "清除", "cancelFilter": "取消",
    "equals": "等于", "notEqual": "不等于", "contains": "包含", "notContains": "不包含",
    "startsWith": "开头是", "endsWith": "结尾是", "blank": "为空", "notBlank": "不为空",
    "lessThan": "小于", "greaterThan": "大于", "lessThanOrEqual": "小于等于",
    "greaterThanOrEqual": "大于等于", "inRange": "介于", "inRangeStart": "从", "inRangeEnd": "到",
    "andCondition": "且", "orCondition": "或", "dateFormatOoo": "yyyy-mm-dd",
    "ariaFilterInput": "筛选输入", "ariaFilterValue": "筛选值", "ariaFilteringOperator": "筛选条件",
    "ariaFilterColumn": "按 CTRL+回车键打开筛选", "ariaFilterMenuOpen": "打开筛选菜单", "ariaLabelColumnFilter": "列筛选",
    "ariaFilterFromValue": "筛选起始值", "ariaFilterToValue": "筛选结束值", "ariaDateFilterInput": "日期筛选输入",
}

# dcc.Dropdown's ``labels`` (Dash 4): the menu's search box, clear buttons, multi-select texts.
DROPDOWN_LABELS_ZH: dict[str, str] = {
    "select_all": "全选", "deselect_all": "取消全选", "selected_count": "已选 {num_selected} 项",
    "search": "搜索", "clear_search": "清除搜索", "clear_selection": "清除选择", "no_options_found": "没有匹配的选项",
}

# dcc.DatePickerSingle/Range: how the calendar names its month, and the field's empty text.
DATE_PICKER = {
    "zh": {"month_format": "YYYY年M月", "placeholder": "选择日期", "first_day_of_week": 1},
    "en": {"month_format": "MMMM YYYY", "placeholder": "Select a date", "first_day_of_week": 1},
}

# plotly.js locale (config ``locales``): the modebar's tooltips and the date axes' month and day names.
# Translated after plotly.js's own zh-CN bundle (MIT); short months carry 月 so ticks read "11月 20".
PLOTLY_ZH = {
    "dictionary": {
        "Autoscale": "自动缩放", "Box Select": "矩形框选", "Lasso Select": "套索选择", "Pan": "平移",
        "Zoom": "缩放", "Zoom in": "放大", "Zoom out": "缩小", "Reset": "重置", "Reset axes": "重置坐标轴",
        "Reset view": "重置视图", "Reset views": "重置视图", "Download plot": "下载图表",
        "Download plot as a PNG": "下载图表为 PNG", "Compare data on hover": "悬停时比较数据",
        "Show closest data on hover": "悬停时显示最近的数据", "Toggle Spike Lines": "切换辅助线",
        "Toggle show closest data on hover": "切换悬停显示最近数据", "Produced with Plotly.js": "由 Plotly.js 生成",
        "Double-click on legend to isolate one trace": "双击图例只显示该曲线",
        "Double-click to zoom back out": "双击恢复缩放", "Snapshot succeeded": "快照已生成",
        "Taking snapshot - this may take a few seconds": "正在生成快照，请稍候",
        "Sorry, there was a problem downloading your snapshot!": "抱歉，快照下载失败！",
        "trace": "曲线", "max:": "最大值:", "min:": "最小值:", "mean:": "平均值:", "median:": "中位数:",
        "lat:": "纬度:", "lon:": "经度:",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": [f"{m}月" for m in range(1, 13)],
        "shortMonths": [f"{m}月" for m in range(1, 13)],
        "date": "%Y-%m-%d",
    },
}
PLOTLY_LOCALE = {"zh": "zh-CN", "en": "en-US"}


def grid_locale_text(language: str | None) -> dict[str, str]:
    """Return AG Grid's ``localeText`` for ``language`` (English: the grid's defaults)."""
    return dict(GRID_TEXT_ZH) if normalise_language(language) == "zh" else {}


def dropdown_labels(language: str | None) -> dict[str, str] | None:
    """Return dcc.Dropdown's ``labels`` for ``language`` (English: None, the component's defaults)."""
    return dict(DROPDOWN_LABELS_ZH) if normalise_language(language) == "zh" else None


def graph_config(config: dict | None, language: str | None) -> dict:
    """Return a dcc.Graph ``config`` with plotly's locale for ``language`` added (the browser's own is ignored)."""
    language = normalise_language(language)
    localised = dict(config or {}, locale=PLOTLY_LOCALE[language])
    if language == "zh":
        localised["locales"] = {"zh-CN": PLOTLY_ZH}
    return localised


def localise_widgets(component, language: str | None):
    """Give every grid, dropdown, date picker and graph in ``component``'s tree its texts in ``language``;
    return ``component`` (changed in place). Texts a layout set itself are kept."""
    language = normalise_language(language)
    for widget in _walk(component):
        if isinstance(widget, dag.AgGrid):
            options = dict(getattr(widget, "dashGridOptions", None) or {})
            options["localeText"] = {**grid_locale_text(language), **options.get("localeText", {})}
            widget.dashGridOptions = options
        elif isinstance(widget, dcc.Dropdown):
            _localise_dropdown(widget, language)
        elif isinstance(widget, (dcc.DatePickerSingle, dcc.DatePickerRange)):
            _localise_date_picker(widget, language)
        elif isinstance(widget, dcc.Graph):
            widget.config = graph_config(getattr(widget, "config", None), language)
    return component


def _localise_dropdown(dropdown: dcc.Dropdown, language: str) -> None:
    labels = dropdown_labels(language)
    if labels is not None and getattr(dropdown, "labels", None) is None:
        dropdown.labels = labels


def _localise_date_picker(picker, language: str) -> None:
    for name, value in DATE_PICKER[language].items():
        if name == "placeholder" and isinstance(picker, dcc.DatePickerRange):
            continue
        if getattr(picker, name, None) is None:
            setattr(picker, name, value)


def _walk(component):
    """Yield ``component`` and every component below it (children and component-valued props)."""
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if not hasattr(node, "_prop_names"):
            continue
        yield node
        for name in node._prop_names:
            value = getattr(node, name, None)
            if hasattr(value, "_prop_names") or isinstance(value, (list, tuple)):
                stack.append(value)
