"""Compare a build from connector layouts with a build of the same company from the contract's.

``python -m lifecycle.layout_compare REFERENCE OTHER`` (two warehouse files): every mart, row by
row (:func:`lifecycle.engine_compare.compare_relations`), and every staging model of the sources
read through an adapter, without the lineage columns (``_batch_file``, ``_row_number``,
``_row_key``: a connector row comes from another file) and with a JSON object column compared as
the object (``properties``: Segment's columns give its keys in another order), and the
reconciliation's staged counts.
Exit 0 when all are equal. ``make test-connectors`` runs it on the small simulated data set.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from lifecycle.connection import connect
from lifecycle.engine_compare import TableComparison, compare_relations

#: staging columns that name where a row came from, not what it says
LINEAGE = ("batch_file", "row_number", "_batch_file", "_row_number", "_row_key")


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, prefix: str = "") -> list[str]:
    return [
        str(name)
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "order by table_name",
            [catalog, schema],
        ).fetchall()
        if str(name).startswith(prefix)
    ]


#: staging columns holding a JSON object text, compared as the object (its keys in order, values
#: as JSON): a connector gives the same object with its keys in another order (Segment's columns)
JSON_OBJECTS = ("properties",)


def _canonical(column: str) -> str:
    return (
        f"""to_json(list_sort(map_entries(json_transform("{column}", '"MAP(VARCHAR, JSON)"')))) """
        f'as "{column}"'
    )


def _without_lineage(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    columns = [str(r[0]) for r in con.execute(f"describe {relation}").fetchall()]
    keep = ", ".join(_canonical(c) if c in JSON_OBJECTS else f'"{c}"' for c in columns if c not in LINEAGE)
    return f"(select {keep} from {relation})"


def compare_layouts(reference: Path, other: Path, sources: list[str]) -> list[TableComparison]:
    con = connect(reference, read_only=True)
    try:
        con.execute(f"attach '{other}' as other (read_only)")
        catalog = con.execute("select current_database()").fetchone()[0]  # type: ignore[index]
        out = [
            compare_relations(con, "marts", t, f"marts.{t}", f"other.marts.{t}")
            for t in _tables(con, catalog, "marts")
        ]
        for source in sources:
            for t in _tables(con, catalog, "staging", f"stg_{source}__"):
                out.append(
                    compare_relations(
                        con,
                        "staging",
                        t,
                        _without_lineage(con, f"staging.{t}"),
                        _without_lineage(con, f"other.staging.{t}"),
                    )
                )
        staged = "(select source_table, rows_staged from {}.reconciliation)"
        out.append(
            compare_relations(
                con,
                "audit",
                "reconciliation (rows_staged)",
                staged.format("audit"),
                staged.format("other.audit"),
            )
        )
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path, help="warehouse built from the contract layout")
    parser.add_argument("other", type=Path, help="warehouse built from connector layouts")
    parser.add_argument(
        "--sources", default="billing", help="sources read through adapters (comma-separated)"
    )
    args = parser.parse_args(argv)
    results = compare_layouts(args.reference, args.other, [s for s in args.sources.split(",") if s])
    for r in results:
        print(r.line())
    unequal = [r for r in results if not r.equal]
    rows = sum(r.reference_rows for r in results)
    if unequal:
        print(f"{len(unequal)} of {len(results)} relations differ")
        return 1
    print(f"{len(results)} relations, {rows:,} rows compared: all equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
