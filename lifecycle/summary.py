"""The end-of-run summary: what landed, what was staged or quarantined, where the marts are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class TableCounts:
    source_table: str
    landed: int
    staged: int
    quarantined: int
    duplicates: int


def _relations(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def reconciliation(con: duckdb.DuckDBPyConnection) -> list[TableCounts]:
    if "reconciliation" not in _relations(con, "audit"):
        return []
    rows = con.execute(
        "select source_table, rows_landed, rows_staged, rows_quarantined, rows_duplicates_collapsed "
        "from audit.reconciliation order by source_table"
    ).fetchall()
    return [TableCounts(*r) for r in rows]


def summary_lines(warehouse: Path, seconds: float | None = None) -> list[str]:
    """Human-readable lines describing the built warehouse (opened read-only)."""
    if not warehouse.exists():
        return [f"no warehouse at {warehouse}"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines = []
        counts = reconciliation(con)
        if counts:
            width = max(len(c.source_table) for c in counts)
            lines.append(
                f"{'table':<{width}}  {'landed':>10}  {'staged':>10}  {'quarantined':>11}  {'duplicates':>10}"
            )
            for c in counts:
                lines.append(
                    f"{c.source_table:<{width}}  {c.landed:>10,}  {c.staged:>10,}  "
                    f"{c.quarantined:>11,}  {c.duplicates:>10,}"
                )
            tot = [
                sum(getattr(c, f) for c in counts) for f in ("landed", "staged", "quarantined", "duplicates")
            ]
            lines.append(f"{'total':<{width}}  {tot[0]:>10,}  {tot[1]:>10,}  {tot[2]:>11,}  {tot[3]:>10,}")
        if "quarantine" in _relations(con, "audit"):
            rules = con.execute(
                "select source_name || '.' || table_name, rule, count(*) from audit.quarantine "
                "group by 1, 2 order by 1, 2"
            ).fetchall()
            if rules:
                lines.append("quarantined or flagged rows by rule (details in audit.quarantine):")
                lines += [f"  {tbl}: {rule} x{n:,}" for tbl, rule, n in rules]
        marts = _relations(con, "marts")
        if marts:
            sizes = [
                f"{m} ({con.execute(f'select count(*) from marts.{m}').fetchone()[0]:,} rows)" for m in marts
            ]
            lines.append("marts: " + ", ".join(sizes))
        lines.append(f"warehouse: {warehouse}")
        if seconds is not None:
            lines.append(f"elapsed: {seconds:.1f} s")
        return lines
    finally:
        con.close()
