"""Briefs of a district and a street rank their own units and count only their own cases; the
需关注事项 are the data's: checked against pandas over the same store, not the reporting package."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from data.clock import DEFAULT_TZ
from indicators.periods import Period
from reporting.area import resolve_area
from reporting.brief import build_brief
from reporting.span import BriefRefused, ended_span
from tests.reporting.conftest import DEMO_DAY

SPAN = ended_span(Period.containing("day", DEMO_DAY), DEFAULT_TZ)


@pytest.fixture(scope="module")
def units(tiny_con):
    return tiny_con.execute("SELECT code, level, district_code, street_code FROM admin_units").df()


@pytest.fixture(scope="module")
def received_local(tiny_con):
    frame = tiny_con.execute("""SELECT e.category_code, e.received_at, g.district_code, g.street_code FROM events e
                                LEFT JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid'""").df()
    frame["day"] = frame["received_at"].dt.tz_convert(DEFAULT_TZ).dt.date
    return frame


def _district(units) -> str:
    return units[units["level"] == "district"]["code"].min()


def test_a_district_ranks_its_streets_and_communities_and_counts_its_own_cases(tiny_con, engine, units, received_local):
    code = _district(units)
    brief = build_brief(tiny_con, SPAN, resolve_area(tiny_con, code), engine)
    assert [r.level for r in brief.rankings] == ["street", "community"]
    streets = set(units[(units["level"] == "street") & (units["district_code"] == code)]["code"])
    assert set(brief.rankings[0].table["code"]) == streets
    mine = received_local[(received_local["day"] == DEMO_DAY) & (received_local["district_code"] == code)]
    assert brief.totals.received == len(mine) > 0
    assert brief.rankings[0].table["received"].sum() == len(mine)
    assert list(brief.rankings[0].table["rank"]) == list(range(1, len(streets) + 1))


def test_a_street_ranks_its_communities(tiny_con, engine, units):
    street = units[units["level"] == "street"]["code"].min()
    brief = build_brief(tiny_con, SPAN, resolve_area(tiny_con, street), engine)
    assert [r.level for r in brief.rankings] == ["community"]
    assert brief.scorecard.rows["indicator_id"].nunique() == len(brief.scorecard.rows) > 0


def test_an_unknown_area_is_refused_naming_it(tiny_con):
    with pytest.raises(BriefRefused) as refused:
        resolve_area(tiny_con, "no-such'; DROP TABLE events; --")
    assert refused.value.reason == "area" and "no-such" in refused.value.message("en")


def test_rising_categories_are_those_up_three_days_running(tiny_con, engine, received_local):
    brief = build_brief(tiny_con, SPAN, resolve_area(tiny_con, None), engine)
    days = [DEMO_DAY - timedelta(days=k) for k in range(4)]
    counts = (received_local[received_local["day"].isin(days)].groupby(["category_code", "day"]).size()
              .unstack(fill_value=0).reindex(columns=days, fill_value=0))
    rising = counts[(counts[days[0]] >= 5) & (counts[days[0]] > counts[days[1]]) & (counts[days[1]] > counts[days[2]])
                    & (counts[days[2]] > counts[days[3]])]
    names = dict(tiny_con.execute("SELECT code, name_zh FROM event_categories").fetchall())
    item = next((i for i in brief.attention if i.kind == "rising" and "诉求类别" in i.zh), None)
    if rising.empty:
        assert item is None
    else:
        for code, row in rising.head(5).iterrows():
            assert f"{names[code]}（{'→'.join(str(int(row[d])) for d in reversed(days))}）" in item.zh


def test_units_where_overdue_grew_are_named_with_both_counts(tiny_con, engine):
    brief = build_brief(tiny_con, SPAN, resolve_area(tiny_con, None), engine)
    end, before = SPAN.end, SPAN.before(1).end
    rows = tiny_con.execute("""
        SELECT g.district_code AS code,
               count(*) FILTER (WHERE e.received_at < $end AND e.due_at < $end AND NOT EXISTS (
                   SELECT 1 FROM event_history h WHERE h.source = e.source AND h.event_id = e.event_id
                   AND h.status IN ('resolved', 'closed', 'cancelled', 'merged') AND h.updated_at < $end)) AS now,
               count(*) FILTER (WHERE e.received_at < $before AND e.due_at < $before AND NOT EXISTS (
                   SELECT 1 FROM event_history h WHERE h.source = e.source AND h.event_id = e.event_id
                   AND h.status IN ('resolved', 'closed', 'cancelled', 'merged') AND h.updated_at < $before)) AS before
        FROM events e JOIN admin_units g ON g.code = e.grid_code AND g.level = 'grid' GROUP BY ALL""",
        {"end": end, "before": before}).df()
    grew = rows[rows["now"] > rows["before"]]
    names = dict(tiny_con.execute("SELECT code, name_zh FROM admin_units").fetchall())
    item = next((i for i in brief.attention if i.kind == "overdue"), None)
    assert (item is None) == grew.empty
    for r in grew.itertuples():
        assert f"{names[r.code]}（{r.before}→{r.now}件）" in item.zh



def test_an_english_attention_item_names_departments_in_english(monkeypatch):
    from reporting import attention

    grew = pd.DataFrame({"code": ["城管局", "新部门"], "now": [9, 4], "before": [2, 1], "growth": [7, 3]})
    monkeypatch.setattr(attention, "_overdue_counts", lambda frame, span, column: grew.copy())
    names = pd.DataFrame({"code": ["城管局"], "name_zh": ["城管局"], "name_en": ["Urban management bureau"]})
    item, = attention._departments(pd.DataFrame(), None, names)
    assert "Urban management bureau (2 → 9)" in item.en and "城管局" not in item.en
    assert "城管局（2→9件）" in item.zh
    assert "新部门 (1 → 4)" in item.en                # a department the store does not name: its code, not dropped
