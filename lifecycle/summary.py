"""The end-of-run summary: what landed, what became of each row, the as-of date, where the marts are.

Every landed row ends in exactly one of: staged, duplicate (an exact redelivery of a row already
landed), superseded (an older version of a row that a newer load replaced) or quarantined
(rejected: it broke a contract rule, see ``audit.quarantine``). Flagged rows are staged rows that a
cross-source rule marked for review (``audit.quarantine`` rows with ``is_rejected = false``, e.g.
``identity_conflict``): they are counted among the staged rows, and shown apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

from lifecycle.connection import connect
from lifecycle.connectors import describe
from lifecycle.loader import ManifestEntry, rejected_files


@dataclass(frozen=True)
class TableCounts:
    source_table: str
    landed: int
    staged: int
    duplicates: int
    superseded: int
    quarantined: int
    flagged: int


#: Column headings of the table, in order, with the width of their numbers.
COLUMNS = ("landed", "staged", "duplicates", "superseded", "quarantined", "flagged")


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {r[0] for r in rows}


def reconciliation(con: duckdb.DuckDBPyConnection) -> list[TableCounts]:
    """One row per source table from ``audit.reconciliation``, with flagged rows from the quarantine."""
    if "reconciliation" not in _relations(con, "audit"):
        return []
    flagged = "0"
    if "quarantine" in _relations(con, "audit"):
        flagged = (
            "(select count(*) from audit.quarantine q where not q.is_rejected "
            "and q.source_name || '.' || q.table_name = r.source_table)"
        )
    rows = con.execute(
        "select r.source_table, r.rows_landed, r.rows_staged, r.rows_duplicate, r.rows_superseded, "
        f"r.rows_quarantined, {flagged} from audit.reconciliation r order by r.source_table"
    ).fetchall()
    return [TableCounts(*r) for r in rows]


def as_of_line(con: duckdb.DuckDBPyConnection) -> str | None:
    """``marts as of 2025-12-31 (from ...)`` from ``intermediate.int_as_of_date``, if built."""
    if "int_as_of_date" not in _relations(con, "intermediate"):
        return None
    has_source = "as_of_date_source" in _columns(con, "intermediate", "int_as_of_date")
    select = "as_of_date, " + ("as_of_date_source" if has_source else "null")
    row = con.execute(f"select {select} from intermediate.int_as_of_date").fetchone()
    if row is None or row[0] is None:
        return None
    return f"marts as of {row[0]}" + (f" (as_of_date_source: {row[1]})" if row[1] else "")


def table_lines(counts: list[TableCounts]) -> list[str]:
    """The per-table counts as an aligned table with a total line."""
    if not counts:
        return []
    width = max(len("total"), *(len(c.source_table) for c in counts))
    widths = [max(len(name), 10) for name in COLUMNS]
    head = f"{'table':<{width}}  " + "  ".join(f"{n:>{w}}" for n, w in zip(COLUMNS, widths, strict=True))
    lines = [head]
    for c in counts:
        values = [getattr(c, n) for n in COLUMNS]
        lines.append(
            f"{c.source_table:<{width}}  "
            + "  ".join(f"{v:>{w},}" for v, w in zip(values, widths, strict=True))
        )
    totals = [sum(getattr(c, f.name) for c in counts) for f in fields(TableCounts) if f.name in COLUMNS]
    lines.append(
        f"{'total':<{width}}  " + "  ".join(f"{v:>{w},}" for v, w in zip(totals, widths, strict=True))
    )
    return lines


def rejected_lines(rejected: list[ManifestEntry]) -> list[str]:
    """The batch files the load rejected, one line each with why (nothing when there are none)."""
    if not rejected:
        return []
    lines = [
        f"REJECTED batch files: {len(rejected)} not loaded (retried every run until fixed or removed; "
        "listed in audit.rejected_files):"
    ]
    lines += [f"  {f.batch_file}: {f.error}" for f in rejected]
    return lines


def summary_lines(
    warehouse: Path,
    seconds: float | None = None,
    config: Mapping[str, str] | None = None,
    layouts: Mapping[str, str] | None = None,
) -> list[str]:
    """Human-readable lines describing the built warehouse (opened read-only with ``config``,
    ``Settings.duckdb_config()``); ``layouts``: the layout each source was read in."""
    if not warehouse.exists():
        return [f"no warehouse at {warehouse}"]
    con = connect(warehouse, config, read_only=True)
    try:
        counts = reconciliation(con)
        lines = [f"sources read as: {describe(layouts)}"] if layouts is not None else []
        lines += table_lines(counts)
        if counts:
            lines.append(
                "  duplicates: exact redeliveries; superseded: older versions a newer load replaced; "
                "quarantined: rejected rows; flagged: staged rows kept for review"
            )
        if "quarantine" in _relations(con, "audit"):
            rules = con.execute(
                "select source_name || '.' || table_name, rule, is_rejected, count(*) from audit.quarantine "
                "group by 1, 2, 3 order by 1, 2, 3"
            ).fetchall()
            if rules:
                lines.append(
                    "quarantined (rejected) and flagged (kept) rows by rule (details in audit.quarantine):"
                )
                lines += [
                    f"  {tbl}: {rule} x{n:,} ({'quarantined' if rejected else 'flagged'})"
                    for tbl, rule, rejected, n in rules
                ]
        if (as_of := as_of_line(con)) is not None:
            lines.append(as_of)
        marts = _relations(con, "marts")
        if marts:
            sizes = [
                f"{m} ({con.execute(f'select count(*) from marts.{m}').fetchone()[0]:,} rows)" for m in marts
            ]
            lines.append("marts: " + ", ".join(sizes))
        lines += rejected_lines(rejected_files(con))
        lines.append(f"warehouse: {warehouse}")
        if seconds is not None:
            lines.append(f"elapsed: {seconds:.1f} s")
        return lines
    finally:
        con.close()
