"""Hash every table of a built warehouse, to prove a refactor left the numbers unchanged.

    python scripts/hash_marts.py data/warehouse.duckdb                  # marts only
    python scripts/hash_marts.py data/warehouse.duckdb --schemas marts,audit,intermediate
    python scripts/hash_marts.py data/warehouse.duckdb --json > after.json
    python scripts/hash_marts.py data/warehouse.duckdb --compare before.json

A table's hash is independent of row order: the md5 of its sorted row digests, where a row's
digest is the md5 of the row rendered as text with its column names. So two builds hash equal
exactly when they hold the same rows with the same column names, types rendered the same way.
Columns that record when a row was computed, not what it says (`_refreshed_at`, LINEAGE_COLUMNS),
are left out: an incremental build and a --full-refresh of the same data hash equal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

#: columns that record which build computed a row: not part of a table's content
LINEAGE_COLUMNS = ("_refreshed_at",)


def table_hashes(warehouse: Path, schemas: list[str]) -> dict[str, dict[str, object]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        placeholders = ", ".join("?" for _ in schemas)
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({placeholders}) and table_type = 'BASE TABLE' "
            "order by table_schema, table_name",
            schemas,
        ).fetchall()
        out: dict[str, dict[str, object]] = {}
        for schema, table in tables:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            ]
            kept = ", ".join(f'"{c}"' for c in columns if c.lower() not in LINEAGE_COLUMNS)
            rows, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(h, '' order by h), '')) from ("
                f'select md5(cast(t as varchar)) as h from (select {kept} from "{schema}"."{table}") as t)'
            ).fetchone()
            out[f"{schema}.{table}"] = {"rows": rows, "md5": digest}
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--schemas", default="marts", help="comma-separated schemas (default marts)")
    parser.add_argument("--json", action="store_true", help="print the hashes as JSON")
    parser.add_argument("--compare", type=Path, help="a JSON file from an earlier --json run")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        print(f"error: no warehouse at {args.warehouse}", file=sys.stderr)
        return 2
    hashes = table_hashes(args.warehouse, [s.strip() for s in args.schemas.split(",") if s.strip()])
    if args.json:
        print(json.dumps(hashes, indent=2, sort_keys=True))
        return 0
    before: dict[str, dict[str, object]] = (
        json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else {}
    )
    differ = 0
    for name in sorted(set(hashes) | set(before)):
        now, then = hashes.get(name), before.get(name)
        if args.compare and now and then:
            verdict = "equal" if now == then else "DIFFERENT"
            differ += now != then
        elif args.compare:
            verdict = "only after" if now else "only before"
        else:
            verdict = ""
        shown = now or then
        assert shown is not None
        print(f"{name:<45} {shown['rows']:>10,} rows  {shown['md5']}  {verdict}".rstrip())
    if args.compare:
        print(f"{differ} table(s) differ" if differ else "every table present on both sides is equal")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
