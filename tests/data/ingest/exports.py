"""Test files in the demo city's export format, made from the tiny city's own cases."""

from __future__ import annotations

import duckdb
import pandas as pd

SOURCE_WORDS = {"hotline_12345": "12345热线", "grid_report": "网格上报", "police_110": "110报警",
                "city_app": "城管通", "petition": "信访", "enterprise": "企业诉求"}
STATUS_WORDS = {"received": "已受理", "accepted": "已签收", "dispatched": "已派单", "resolved": "已办结",
                "closed": "已归档"}
TIME_COLUMNS = {"received_at": "受理时间", "accepted_at": "签收时间", "dispatched_at": "派单时间",
                "resolved_at": "办结时间", "closed_at": "归档时间", "due_at": "办理时限", "updated_at": "更新时间"}


def demo_export(con: duckdb.DuckDBPyConnection, limit: int, tz: str = "Asia/Shanghai") -> pd.DataFrame:
    """Return ``limit`` of the city's cases as the platform exports them (Chinese headers, local times)."""
    frame = con.execute(
        "SELECT e.*, c.name_zh AS category_name FROM events e JOIN event_categories c ON c.code = e.category_code "
        "ORDER BY e.source, e.event_id LIMIT ?", [limit]).df()
    out = pd.DataFrame({"工单编号": frame["event_id"], "来源渠道": frame["source"].map(SOURCE_WORDS),
                        "事件类型": frame["category_name"], "办理状态": frame["status"].map(STATUS_WORDS)})
    for column, header in TIME_COLUMNS.items():
        local = pd.to_datetime(frame[column], utc=True).dt.tz_convert(tz)
        out[header] = local.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(local.notna(), "")
    out["经度"], out["纬度"], out["网格编码"] = frame["lon"].round(7), frame["lat"].round(7), frame["grid_code"]
    out["处置层级"] = frame["handling_level"].astype("Int64")
    out["责任部门"], out["满意度"] = frame["department"], frame["satisfaction"].astype("Int64")
    out["重复件"] = frame["is_repeat"].map({True: "是", False: "否"})
    out["诉求内容"], out["来电人"], out["联系电话"] = frame["description"], frame["caller_name"], frame["caller_phone"]
    return out
