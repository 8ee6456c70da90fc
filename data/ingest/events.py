"""Events: validate a batch row by row (vectorised), then merge it into ``events`` and ``event_versions``.

A case's current version is stored once, in ``events``; ``event_versions`` holds its other versions
(``event_history`` is the view of both, migration 0009). The newer version of a case (same source and
id, later ``updated_at``) replaces the current state, which moves to ``event_versions``; an older one
only joins ``event_versions``. Equal versions are duplicates.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data import writer
from data.ingest import convert, textcheck
from data.ingest.batches import Summary, now_utc, registered
from data.ingest.gridindex import GridIndex
from data.ingest.locate import locate
from data.ingest.mapping import Mapping
from data.ingest.readers import ROW
from data.ingest.rules import Verdicts
from data.statuses import STATUSES

STAGES = ("received_at", "accepted_at", "dispatched_at", "resolved_at", "closed_at")
EVENT_COLUMNS = ("source", "event_id", "category_code", "grid_code", "lon", "lat", *STAGES, "due_at", "status",
                 "handling_level", "department", "satisfaction", "is_repeat", "description", "caller_name",
                 "caller_phone", "updated_at")
HISTORY_COLUMNS = ("source", "event_id", "status", "updated_at", "handling_level", "department", "satisfaction")
TRUE_WORDS = ("1", "true", "yes", "y", "是", "t")


def prepare_events(frame: pd.DataFrame, mapping: Mapping, grids: GridIndex, catalog: pd.DataFrame,
                   now: pd.Timestamp, city_statuses: dict[str, str] | None = None,
                   ) -> tuple[pd.DataFrame, Verdicts, pd.DataFrame]:
    """Return (every row converted, with ``_row``; verdicts for every row; categories to create).

    ``city_statuses`` are the city's status words (its profile's ``statuses``): a status word the
    mapping's ``status_map`` lacks is looked up there. Rows repeating an earlier row's version are
    found while storing (``store_events``), over the whole file rather than one chunk.
    """
    verdicts = Verdicts(frame.index)
    out = pd.DataFrame(index=frame.index)
    out[ROW] = frame[ROW]
    out["source"] = convert.text_field(frame, mapping, "source").fillna(mapping.name)
    out["event_id"] = convert.text_field(frame, mapping, "event_id")
    verdicts.reject(out["event_id"].isna(), "missing_id")
    _times(frame, mapping, out, verdicts, now)
    new_categories = _categories(frame, mapping, catalog, out, verdicts)
    sla = dict(zip(catalog["code"], catalog["sla_hours"]))
    _statuses(frame, mapping, out, verdicts, status_lookup(mapping, city_statuses or {}))
    _numbers(frame, mapping, out, verdicts)
    located = locate(frame, mapping, grids, verdicts)
    out["lon"], out["lat"], out["grid_code"] = located.lon, located.lat, located.grid_code
    out["_mismatch"], out["_point_grid"], out["_overlap"] = located.mismatch, located.point_grid, located.overlap
    for name in ("department", "description", "caller_name", "caller_phone"):
        out[name] = convert.text_field(frame, mapping, name)
    textcheck.reject_bad_codes(out, verdicts, ("source", "event_id", "grid_code"))
    out["_truncated"] = textcheck.clean_free_text(out, ("department", "description", "caller_name", "caller_phone"))
    _due_times(out, mapping, sla, new_categories)
    return out, verdicts, new_categories


def _latest_stage(out: pd.DataFrame) -> pd.Series:
    """Return each row's latest stage time (NaT when none), skipping stages no row has."""
    present = [out[name] for name in STAGES if out[name].notna().any()]
    if not present:
        return out["received_at"]
    latest = present[0]
    for values in present[1:]:
        latest = latest.where(latest.notna() & ~(values > latest), values)
    return latest


def _times(frame, mapping, out, verdicts, now) -> None:
    for name in (*STAGES, "due_at", "updated_at"):
        values, bad = convert.time_field(frame, mapping, name)
        verdicts.reject(bad.to_numpy(), "bad_time", f"{name} unparsable")
        out[name] = values
    verdicts.reject(out["received_at"].isna().to_numpy(), "missing_time", "received_at empty")
    for name in STAGES[1:]:
        early = (out[name] < out["received_at"]).fillna(False).to_numpy()
        verdicts.reject(early, "closed_before_received", f"{name} before received_at")
    limit = now + pd.Timedelta(minutes=mapping.future_tolerance_min)
    for name in (*STAGES, "updated_at"):
        verdicts.reject((out[name] > limit).fillna(False).to_numpy(), "future_time", f"{name} in the future")
        verdicts.reject((out[name] < mapping.earliest_time).fillna(False).to_numpy(), "implausible_time",
                        f"{name} before the mapping's earliest_time (a reset clock)")
    latest_stage = _latest_stage(out)
    out["updated_at"] = out["updated_at"].fillna(latest_stage)
    out["updated_at"] = out["updated_at"].where(out["updated_at"] >= latest_stage, latest_stage)


def _categories(frame, mapping, catalog, out, verdicts) -> pd.DataFrame:
    # Decided once per distinct raw value; the rows get a categorical (a position per row, no string).
    raw = convert.text_field(frame, mapping, "category")
    keys, positions = convert.distinct_positions(raw)
    catalog_codes = set(catalog["code"])
    lookup = {}
    for column in reversed(mapping.category_match):
        lookup.update(zip(catalog[column].astype(str), catalog["code"]))
    lookup.update(mapping.category_map)
    key_codes = [lookup.get(key) if lookup.get(key) is not None else (key if key in catalog_codes else None)
                 for key in keys]
    created = {}
    if mapping.unknown_category == "default" and mapping.default_category in catalog_codes:
        key_codes = [code if code in catalog_codes else mapping.default_category for code in key_codes]
    elif mapping.unknown_category == "create":
        prefix = str(mapping.new_category.get("prefix", f"{mapping.name}."))
        for i, key in enumerate(keys):      # dictionary order is the order of first appearance in the file
            if key_codes[i] not in catalog_codes and len(key) <= textcheck.CODE_LIMITS["category"]:
                key_codes[i] = key_codes[i] if key_codes[i] is not None else prefix + _slug(key)
                created.setdefault(key_codes[i], key)
    accepted = np.array([*(code in catalog_codes or code in created for code in key_codes), False])
    rejected = ~accepted[positions]
    if rejected.any():
        verdicts.reject(rejected, "unknown_category", np.array([*keys, "(empty)"], dtype=object)[positions])
    out["category_code"] = _categorical(key_codes, positions)
    return pd.DataFrame({"code": pd.Series(list(created), dtype=object), "name": pd.Series(list(created.values()),
                                                                                          dtype=object)})


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "_", text.lower()).strip("_")


def _categorical(key_values: list, positions: np.ndarray) -> pd.Categorical:
    """Return per-row values from per-key values (None: empty) and row positions (-1: empty)."""
    categories = list(dict.fromkeys(v for v in key_values if v is not None))
    where = {value: i for i, value in enumerate(categories)}
    codes = np.array([*(where.get(v, -1) if v is not None else -1 for v in key_values), -1], dtype="int64")
    return pd.Categorical.from_codes(codes[positions], categories=pd.Index(categories, dtype=object))


def status_lookup(mapping: Mapping, city_statuses: dict[str, str]) -> dict[str, str]:
    """Return raw status word (lower case) → status: the mapping's ``status_map`` first, then the
    city's own words for the words the mapping lacks (a word naming no known status is left out)."""
    lookup = {word.lower(): status for word, status in city_statuses.items() if status in STATUSES}
    lookup.update({word.lower(): status for word, status in mapping.status_map.items()})
    return lookup


def _statuses(frame, mapping, out, verdicts, lookup: dict[str, str]) -> None:
    derived = np.zeros(len(out), dtype="int64")
    for position, stage in enumerate(STAGES[1:], start=1):
        derived[out[stage].notna().to_numpy()] = position
    if mapping.spec("status") is None:
        out["status"] = pd.Categorical.from_codes(derived, categories=pd.Index(STATUSES, dtype=object))
        return
    raw = convert.text_field(frame, mapping, "status")
    mapped = convert.map_distinct(raw.str.lower(), lookup)
    mapped = mapped.where(mapped.notna(), raw.where(raw.isin(STATUSES)))
    verdicts.reject((raw.notna() & ~mapped.isin(STATUSES)).to_numpy(), "unknown_status",
                    raw.to_numpy(dtype=object))
    given = pd.Index(STATUSES).get_indexer(mapped.to_numpy(dtype=object, na_value=None))
    out["status"] = pd.Categorical.from_codes(np.where(given >= 0, given, derived),
                                              categories=pd.Index(STATUSES, dtype=object))


def _numbers(frame, mapping, out, verdicts) -> None:
    for name, low, high in (("satisfaction", 1, 5), ("handling_level", 1, 3)):
        values, bad = convert.number_field(frame, mapping, name)
        wrong = bad | (values.notna() & ((values < low) | (values > high) | (values != values.round())))
        verdicts.reject(wrong.to_numpy(), "bad_field", f"{name} not in {low}..{high}")
        out[name] = values.where(~wrong).astype("Int8")
    repeat = convert.text_field(frame, mapping, "is_repeat").str.lower()
    # A case merged into another is that case's duplicate: a repeat, whatever the feed's flag says.
    out["is_repeat"] = (repeat.isin(TRUE_WORDS) | (out["status"] == "merged")).astype(bool)


def _due_times(out: pd.DataFrame, mapping: Mapping, sla: dict[str, float], created: pd.DataFrame) -> None:
    sla = dict(sla)
    sla.update({c: float(mapping.new_category.get("sla_hours", 72)) for c in created["code"]})
    category = out["category_code"].array
    hours = np.array([*(sla.get(c, np.nan) for c in category.categories), np.nan], dtype="float64")[category.codes]
    micros = np.where(np.isnan(hours), np.iinfo("int64").min, np.round(np.nan_to_num(hours) * 3.6e9))
    computed = out["received_at"] + pd.Series(micros.astype("int64").view("timedelta64[us]"), index=out.index)
    out["due_at"] = out["due_at"].fillna(computed)


def store_events(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, ok: np.ndarray, batch_id: int,
                 summary: Summary, mapping: Mapping, created: pd.DataFrame) -> np.ndarray:
    """Merge the rows marked ``ok`` into the store (inside the batch's transaction) and count the outcomes.

    Return the source rows that repeat a version an earlier row of the same file already gave
    (in this chunk or an earlier one): the caller quarantines them as ``duplicate_in_file``.
    """
    _create_categories(con, created, mapping)
    with registered(con, "_ingest_events", _accepted_arrow(rows, ok, batch_id)):
        fresh, known = _split_fresh(con)
        summary.saw_instant(_earliest_instant(con, known))
        if known:
            counts, in_file = _store_mixed(con, batch_id)
        else:
            counts, in_file = {}, np.empty(0, dtype="int64")
            _write_all_fresh(con)
        for flag, count in _write_flags(con, batch_id, in_file).items():
            summary.flagged[flag] = summary.flagged.get(flag, 0) + count
        con.execute("DROP TABLE _ingest_known")
    summary.accepted += fresh + counts.get("new", 0)
    summary.updated += counts.get("newer", 0)
    summary.duplicates += counts.get("same", 0)
    summary.stale += counts.get("older", 0) + counts.get("renewed", 0)
    return np.asarray(in_file, dtype="int64")


def _store_mixed(con: duckdb.DuckDBPyConnection, batch_id: int) -> tuple[dict[str, int], np.ndarray]:
    """Insert the fresh rows, merge the others by version; return rows per verdict and the in-file repeats."""
    _write_fresh(con)
    con.execute("CREATE TEMP TABLE _ingest_rest AS SELECT i.* FROM _ingest_events i "
                "SEMI JOIN _ingest_known k USING (_row)")
    counts = _merge_known(con, batch_id)
    in_file = con.execute("SELECT _row FROM _ingest_verdicts WHERE verdict = 'in_file'").fetchnumpy()["_row"]
    for table in ("_ingest_verdicts", "_ingest_rest"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return counts, in_file


def _earliest_instant(con: duckdb.DuckDBPyConnection, known: int) -> float | None:
    """Return the earliest instant the chunk's accepted rows carry, and the stored rows of the cases
    they may replace (a correction moving a time later changes what the earlier instant showed)."""
    times = f"epoch(min(least({', '.join(('e.' + c) for c in (*STAGES, 'due_at', 'updated_at'))})))"
    sql = f"SELECT {times} FROM _ingest_events e"
    if known:
        sql += (f" UNION ALL SELECT {times} FROM events e SEMI JOIN _ingest_events i "
                "ON e.source = i.source AND e.event_id = i.event_id")
    found = [row[0] for row in con.execute(sql).fetchall() if row[0] is not None]
    return min(found, default=None)


def _accepted_arrow(rows: pd.DataFrame, ok: np.ndarray, batch_id: int) -> pa.Table:
    """Return the accepted rows as Arrow with their batch id (filtered in Arrow: no pandas copy)."""
    table = writer.frame_to_arrow(rows[[ROW, *EVENT_COLUMNS, "_mismatch", "_point_grid", "_overlap", "_truncated"]])
    table = table.filter(pa.array(np.asarray(ok, dtype=bool)))
    return table.append_column("batch_id", pa.array(np.full(table.num_rows, batch_id, dtype="int64")))


def _split_fresh(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Set aside the rows whose case is already stored or repeated in the chunk; return (fresh, known) counts.

    Fresh rows (most of any batch) are plain inserts; only the others need the versioned merge.
    ``events`` has no key index: this anti-join is what keeps (source, event_id) unique.
    """
    repeated = ("UNION SELECT i._row FROM _ingest_events i SEMI JOIN (SELECT source, event_id FROM _ingest_events "
                "GROUP BY ALL HAVING count(*) > 1) r ON r.source = i.source AND r.event_id = i.event_id")
    con.execute("CREATE TEMP TABLE _ingest_known AS SELECT i._row FROM _ingest_events i SEMI JOIN events e "
                f"ON e.source = i.source AND e.event_id = i.event_id {repeated if _may_repeat(con) else ''}")
    known = con.execute("SELECT count(*) FROM _ingest_known").fetchone()[0]
    return con.execute("SELECT count(*) FROM _ingest_events").fetchone()[0] - known, known


def _may_repeat(con: duckdb.DuckDBPyConnection) -> bool:
    """Return whether a case may appear twice in the chunk; False is certain (no two keys hash alike).

    Sorting the keys' 64-bit hashes costs about a third of grouping the keys themselves, which a chunk
    of a new file (no repeats) then skips.
    """
    keys = np.sort(con.execute("SELECT hash(source, event_id) AS k FROM _ingest_events").fetchnumpy()["k"])
    return bool((keys[1:] == keys[:-1]).any())


def _write_all_fresh(con: duckdb.DuckDBPyConnection) -> None:
    """Insert every row of a chunk that holds only new cases into ``events``, once: no join, no merge."""
    names = ", ".join(EVENT_COLUMNS)
    con.execute(f"INSERT INTO events ({names}, batch_id) SELECT {names}, batch_id FROM _ingest_events")


def _write_fresh(con: duckdb.DuckDBPyConnection) -> None:
    names = ", ".join(EVENT_COLUMNS)
    con.execute(f"INSERT INTO events ({names}, batch_id) SELECT {names}, batch_id FROM _ingest_events i "
                "ANTI JOIN _ingest_known k USING (_row)")


def _merge_known(con: duckdb.DuckDBPyConnection, batch_id: int) -> dict[str, int]:
    """Merge the rows of stored or repeated cases by version; return rows per verdict."""
    _classify(con, batch_id)
    counts = dict(con.execute("SELECT verdict, count(*) FROM _ingest_verdicts GROUP BY ALL").fetchall())
    if counts:
        _write_versions(con)
        _write_current(con)
    return counts


def _classify(con: duckdb.DuckDBPyConnection, batch_id: int) -> None:
    # Each row against the file's earlier rows, the stored state and the history: in_file (a version an
    # earlier row of this file gave), new, newer, same (a duplicate of a stored version) or older.
    # 'renewed' is newer than a state an earlier chunk of this batch stored: written like 'newer', counted
    # as that earlier row going stale, so a file's counts do not depend on where its chunks split.
    con.execute("""
        CREATE TEMP TABLE _ingest_verdicts AS
        WITH known AS (
            SELECT h.source, h.event_id, h.updated_at, bool_or(h.batch_id = $batch) AS this_batch
            FROM event_history h SEMI JOIN _ingest_rest i ON h.source = i.source AND h.event_id = i.event_id
            GROUP BY ALL),
        marked AS (
            SELECT i._row, i.source, i.event_id, i.updated_at, k.updated_at IS NOT NULL AS held,
                   coalesce(k.this_batch, false)
                   OR row_number() OVER (PARTITION BY i.source, i.event_id, i.updated_at ORDER BY i._row) > 1
                       AS in_file
            FROM _ingest_rest i LEFT JOIN known k
              ON k.source = i.source AND k.event_id = i.event_id AND k.updated_at = i.updated_at),
        ranked AS (
            SELECT m.*, e.updated_at AS current_at, e.batch_id = $batch AS current_ours,
                   NOT m.in_file AND row_number() OVER (PARTITION BY m.source, m.event_id
                                                        ORDER BY m.in_file, m.updated_at DESC, m._row DESC) = 1
                       AS latest
            FROM marked m LEFT JOIN events e ON e.source = m.source AND e.event_id = m.event_id)
        SELECT _row, CASE WHEN in_file THEN 'in_file'
                          WHEN held OR current_at = updated_at THEN 'same'
                          WHEN latest AND current_at IS NULL THEN 'new'
                          WHEN latest AND updated_at > current_at AND current_ours THEN 'renewed'
                          WHEN latest AND updated_at > current_at THEN 'newer'
                          ELSE 'older' END AS verdict
        FROM ranked""", {"batch": batch_id})


def _write_versions(con: duckdb.DuckDBPyConnection) -> None:
    # Before ``events`` changes: the current state of a case getting a newer version becomes a version,
    # and so do the older rows of the file. ('new' and the newer rows themselves become current.)
    names = ", ".join(HISTORY_COLUMNS)
    con.execute(f"INSERT INTO event_versions ({names}, batch_id) SELECT {', '.join('e.' + c for c in HISTORY_COLUMNS)},"
                " e.batch_id FROM events e SEMI JOIN (SELECT i.source, i.event_id FROM _ingest_rest i "
                "JOIN _ingest_verdicts v USING (_row) WHERE v.verdict IN ('newer', 'renewed')) n "
                "ON e.source = n.source AND e.event_id = n.event_id")
    con.execute(f"INSERT INTO event_versions ({names}, batch_id) SELECT {', '.join('i.' + c for c in HISTORY_COLUMNS)},"
                " i.batch_id FROM _ingest_rest i JOIN _ingest_verdicts v USING (_row) WHERE v.verdict = 'older'")


# Flags on accepted rows: the flag's code, its detail and the rows it marks (SQL over _ingest_events).
_FLAGS = {"grid_mismatch": ("'grid_code ' || grid_code || ', point in ' || coalesce(_point_grid, 'no grid')", "_mismatch"),
          "grid_overlap": ("_overlap", "_overlap IS NOT NULL"),
          "text_truncated": ("_truncated", "_truncated IS NOT NULL")}


def _write_flags(con: duckdb.DuckDBPyConnection, batch_id: int, in_file: np.ndarray) -> dict[str, int]:
    """Flag accepted rows whose grid code disagrees with their point, or whose point lies in several
    grids (repeats of earlier rows excepted); return the rows flagged per flag."""
    counts = {}
    for flag, (detail, marked) in _FLAGS.items():
        counts[flag] = con.execute(
            "INSERT INTO ingest_flags (batch_id, source_row, record_key, flag_code, detail, created_at) "
            f"SELECT ?, _row, source || ':' || event_id, ?, {detail}, ? FROM _ingest_events "
            f"WHERE {marked} AND _row NOT IN (SELECT unnest(?::BIGINT[]))",
            [batch_id, flag, now_utc(), in_file.tolist()]).fetchone()[0]
    return {flag: n for flag, n in counts.items() if n or flag == "grid_mismatch"}     # mismatches: always said


def _write_current(con: duckdb.DuckDBPyConnection) -> None:
    # At most one row per case is 'new', 'newer' or 'renewed' (only a case's latest row can be), so these
    # keep (source, event_id) unique without an index: new cases are inserted, newer versions update.
    names = ", ".join(EVENT_COLUMNS)
    con.execute(f"INSERT INTO events ({names}, batch_id) SELECT {', '.join('i.' + c for c in EVENT_COLUMNS)}, "
                "i.batch_id FROM _ingest_rest i JOIN _ingest_verdicts v USING (_row) WHERE v.verdict = 'new'")
    updates = ", ".join(f"{c} = n.{c}" for c in (*EVENT_COLUMNS[2:], "batch_id"))
    con.execute(f"UPDATE events SET {updates} FROM (SELECT i.* FROM _ingest_rest i JOIN _ingest_verdicts v "
                "USING (_row) WHERE v.verdict IN ('newer', 'renewed')) n "
                "WHERE events.source = n.source AND events.event_id = n.event_id")


def _create_categories(con: duckdb.DuckDBPyConnection, created: pd.DataFrame, mapping: Mapping) -> None:
    if created.empty:
        return
    spec = mapping.new_category
    frame = pd.DataFrame({"code": created["code"].astype(str), "name_zh": created["name"].astype(str),
                          "name_en": created["name"].astype(str), "domain": str(spec.get("domain", "other")),
                          "sla_hours": float(spec.get("sla_hours", 72)),
                          "default_level": np.int8(spec.get("default_level", 3)),
                          "department": str(spec.get("department", "unassigned"))})
    with registered(con, "_ingest_categories", writer.frame_to_arrow(frame)):
        con.execute("INSERT INTO event_categories BY NAME SELECT * FROM _ingest_categories c "
                    "WHERE c.code NOT IN (SELECT code FROM event_categories)")


def read_categories(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the store's event categories (code, names, SLA hours)."""
    return con.execute("SELECT code, name_zh, name_en, sla_hours FROM event_categories ORDER BY code").df()

