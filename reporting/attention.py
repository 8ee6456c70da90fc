"""需关注事项: what a leader should look at, written from the brief's own figures.

- alerts that reached red during the period;
- categories and units whose received cases rose three periods running (ended periods only: a
  running period's count is not yet comparable);
- units under the area whose overdue open cases grew since the end of the previous period;
- departments whose overdue open cases grew since then (the most first).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reporting import cases
from reporting.area import Area
from reporting.span import BriefSpan

SHOWN = 5                    # items of one kind named before "and N more"
RISING_RUN = 3               # periods running
MIN_RISING = 5               # a category rising from 1 to 2 to 3 to 4 cases is noise


@dataclass(frozen=True)
class Item:
    """One matter to attend to, written in both languages."""

    kind: str                # red, rising, overdue, department
    zh: str
    en: str

    def text(self, language: str) -> str:
        """Return the item in ``language``."""
        return self.zh if language == "zh" else self.en


def items(frame: pd.DataFrame, span: BriefSpan, area: Area, fired: pd.DataFrame, rankings, categories: pd.DataFrame,
          departments: pd.DataFrame | None = None) -> tuple[Item, ...]:
    """Return the brief's matters to attend to, most urgent kind first (``departments``: code, name_zh,
    name_en of the store's departments; a department it does not name is shown by its code)."""
    found = [*_turned_red(fired), *_rising(frame, span, categories, "category_code", "诉求类别", "categories")]
    if rankings:
        level, table = rankings[0].level, rankings[0].table
        found += _rising(frame, span, table, f"{level}_code", "单位", "units")
        found += _overdue_grew(frame, span, table, f"{level}_code")
    found += _departments(frame, span, departments)
    return tuple(found)


def _more(total: int, zh: bool) -> str:
    extra = total - SHOWN
    return "" if extra <= 0 else (f"等{total}项" if zh else f" and {extra} more")


def _turned_red(fired: pd.DataFrame) -> list[Item]:
    red = fired[fired["severity"] == "red"] if not fired.empty else fired
    if red.empty:
        return []
    head = red.head(SHOWN)
    zh = "、".join(f"{r.unit_zh}{r.indicator_zh}" for r in head.itertuples())
    en = "; ".join(f"{r.indicator_en} in {r.unit_en}" for r in head.itertuples())
    return [Item("red", f"升至红色预警{len(red)}项：{zh}{_more(len(red), True)}。",
                 f"{len(red)} alert(s) reached red: {en}{_more(len(red), False)}.")]


def _rising(frame: pd.DataFrame, span: BriefSpan, names: pd.DataFrame, column: str, what_zh: str, what_en: str) -> list[Item]:
    """Return one item naming what rose in each of the last RISING_RUN ended periods."""
    first = 1 if span.provisional else 0
    offsets = list(range(first, first + RISING_RUN + 1))
    counts = cases.received_by(frame, span, column)
    if any(o not in counts.columns for o in offsets):
        return []
    rising = counts[(counts[offsets[0]] >= MIN_RISING)
                    & (counts[offsets[0]] > counts[offsets[1]]) & (counts[offsets[1]] > counts[offsets[2]])
                    & (counts[offsets[2]] > counts[offsets[3]])].merge(names[["code", "name_zh", "name_en"]], on="code")
    if rising.empty:
        return []
    rising = rising.sort_values([offsets[0], "code"], ascending=[False, True])
    head = rising.head(SHOWN)
    zh = "、".join(f"{r['name_zh']}（{_series(r, offsets)}）" for _, r in head.iterrows())
    en = "; ".join(f"{r['name_en']} ({_series(r, offsets)})" for _, r in head.iterrows())
    return [Item("rising", f"连续{RISING_RUN}期上升的{what_zh}：{zh}{_more(len(rising), True)}。",
                 f"{what_en.capitalize()} with cases up {RISING_RUN} periods running: {en}{_more(len(rising), False)}.")]


def _series(row, offsets: list[int]) -> str:
    """Return a row's counts oldest first: 12→15→19→24."""
    return "→".join(str(int(row[o])) for o in reversed(offsets))


def _overdue_counts(frame: pd.DataFrame, span: BriefSpan, column: str) -> pd.DataFrame:
    if not span.before(1).covered():
        return pd.DataFrame(columns=["code", "now", "before", "growth"])
    now = frame.loc[cases.flags(frame, span).overdue_open, column].value_counts()
    before = frame.loc[cases.overdue_at(frame, span.before(1)), column].value_counts()
    table = pd.DataFrame({"now": now, "before": before}).fillna(0).astype(int)
    table["growth"] = table["now"] - table["before"]
    return table[table["growth"] > 0].rename_axis("code").reset_index()


def _overdue_grew(frame: pd.DataFrame, span: BriefSpan, names: pd.DataFrame, column: str) -> list[Item]:
    grew = _overdue_counts(frame, span, column).merge(names[["code", "name_zh", "name_en"]], on="code")
    if grew.empty:
        return []
    grew = grew.sort_values(["growth", "code"], ascending=[False, True])
    head = grew.head(SHOWN)
    zh = "、".join(f"{r.name_zh}（{r.before}→{r.now}件）" for r in head.itertuples())
    en = "; ".join(f"{r.name_en} ({r.before} → {r.now})" for r in head.itertuples())
    return [Item("overdue", f"超期在办案件增加的单位：{zh}{_more(len(grew), True)}。",
                 f"Overdue open cases grew in: {en}{_more(len(grew), False)}.")]


def _departments(frame: pd.DataFrame, span: BriefSpan, names: pd.DataFrame | None) -> list[Item]:
    grew = _overdue_counts(frame, span, "department")
    if grew.empty:
        return []
    names = names if names is not None else pd.DataFrame(columns=["code", "name_zh", "name_en"])
    grew = grew.merge(names[["code", "name_zh", "name_en"]], on="code", how="left")
    grew["name_zh"], grew["name_en"] = grew["name_zh"].fillna(grew["code"]), grew["name_en"].fillna(grew["code"])
    grew = grew.sort_values(["growth", "code"], ascending=[False, True])
    head = grew.head(SHOWN)
    zh = "、".join(f"{r.name_zh}（{r.before}→{r.now}件）" for r in head.itertuples())
    en = "; ".join(f"{r.name_en} ({r.before} → {r.now})" for r in head.itertuples())
    return [Item("department", f"超期在办案件增加的承办部门：{zh}{_more(len(grew), True)}。",
                 f"Departments whose overdue open cases grew: {en}{_more(len(grew), False)}.")]
