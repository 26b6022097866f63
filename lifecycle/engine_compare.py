"""Compare the marts two engines built, row by row (``make test-spark``; docs/spark.md).

The reference is a DuckDB warehouse file; the other side is a folder of Parquet tables as Spark
writes them (``<spark dir>/warehouse/<schema>.db/<table>/``), read with DuckDB so both sides go
through one reader. Two tables are equal when they have the same columns and the same rows as a
multiset: text, dates, integers and booleans equal, and floating or decimal numbers equal within
``REL_TOL`` relative (absolute below 1). Rows are matched by sorting on every column, the exact
ones first.

    python -m lifecycle.engine_compare WAREHOUSE.duckdb SPARK_WAREHOUSE_DIR [--schemas marts,audit]
        [--landed-raw SPARK_DIR/landed/raw]

``--landed-raw`` also compares the raw layer each engine's loader wrote (DuckDB's readers into the
warehouse file, Spark's into Parquet) and the manifests' status and rows per batch file.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from lifecycle.connection import connect
from lifecycle.spark_engine import spark_parquet_files

REL_TOL = 1e-9
SCHEMAS = ("marts", "audit")
_APPROXIMATE = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")


@dataclass
class TableComparison:
    schema: str
    table: str
    reference_rows: int = 0
    other_rows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.problems

    def line(self) -> str:
        name = f"{self.schema}.{self.table}"
        if self.equal:
            return f"  {name:<42} {self.reference_rows:>8,} rows  equal"
        return f"  {name:<42} {self.reference_rows:>8,} / {self.other_rows:,} rows  DIFFERENT: " + "; ".join(
            self.problems
        )


def _is_approximate(type_name: str) -> bool:
    return type_name.upper().startswith(_APPROXIMATE)


def _close(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is None and b is None
    x, y = float(a), float(b)  # type: ignore[arg-type]
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= REL_TOL * max(1.0, abs(x), abs(y))


def _sorted_rows(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[str], approximate: set[str]
) -> list[tuple]:
    exact = [c for c in columns if c not in approximate]
    order = ", ".join(f'"{c}" nulls first' for c in exact + [c for c in columns if c in approximate])
    select = ", ".join(
        f'cast("{c}" as double) as "{c}"' if c in approximate else f'cast("{c}" as varchar) as "{c}"'
        for c in columns
    )
    return con.execute(f"select {select} from {relation} order by {order or '1'}").fetchall()


def compare_relations(
    con: duckdb.DuckDBPyConnection, schema: str, table: str, reference: str, other: str
) -> TableComparison:
    """Compare two relations readable on ``con`` (``reference`` is e.g. ``ref.marts.x``)."""
    result = TableComparison(schema, table)
    ref_cols = con.execute(f"describe {reference}").fetchall()
    other_cols = {str(r[0]): str(r[1]) for r in con.execute(f"describe {other}").fetchall()}
    columns = [str(r[0]) for r in ref_cols]
    missing, extra = set(columns) - set(other_cols), set(other_cols) - set(columns)
    if missing or extra:
        result.problems.append(
            f"columns differ (only in reference: {sorted(missing)}, only in other: {sorted(extra)})"
        )
        return result
    approximate = {str(r[0]) for r in ref_cols if _is_approximate(str(r[1]))}
    left = _sorted_rows(con, reference, columns, approximate)
    right = _sorted_rows(con, other, columns, approximate)
    result.reference_rows, result.other_rows = len(left), len(right)
    if len(left) != len(right):
        result.problems.append(f"{len(left):,} rows against {len(right):,}")
        return result
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        for name, x, y in zip(columns, a, b, strict=True):
            same = _close(x, y) if name in approximate else x == y
            if not same:
                result.problems.append(f"row {i + 1} column {name}: {x!r} against {y!r}")
                if len(result.problems) >= 5:
                    return result
    return result


def compare_with_spark(
    warehouse: Path, spark_warehouse: Path, schemas: tuple[str, ...] = SCHEMAS
) -> list[TableComparison]:
    """Every table of ``schemas`` in the DuckDB ``warehouse`` against Spark's Parquet copy."""
    con = connect()
    con.execute(f"attach '{warehouse}' as ref (read_only)")
    marks = ", ".join("?" for _ in schemas)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = 'ref' and table_schema in ({marks}) order by 1, 2",
        list(schemas),
    ).fetchall()
    out: list[TableComparison] = []
    for schema, table in tables:
        files = spark_parquet_files(spark_warehouse, schema, table)
        if not files:
            out.append(TableComparison(schema, table, problems=["Spark has no such table"]))
            continue
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(
            f"create or replace temp view other_side as select * from read_parquet([{listed}], hive_partitioning = true)"
        )
        out.append(compare_relations(con, schema, table, f'ref."{schema}"."{table}"', "other_side"))
    con.close()
    return out


def _raw_view(con: duckdb.DuckDBPyConnection, name: str, relation: str) -> None:
    """``relation`` as a view with JSON object and array text written compact (Spark's JSON reader
    writes a nested value compact, DuckDB's keeps the file's spacing: the same JSON)."""
    cols = [str(r[0]) for r in con.execute(f"describe select * from {relation}").fetchall()]
    exprs = ", ".join(
        f"case when left(ltrim(\"{c}\"), 1) in ('{{', '[') and json_valid(\"{c}\") "
        f'then cast(json("{c}") as varchar) else "{c}" end as "{c}"'
        if not c.startswith("_row")
        else f'"{c}"'
        for c in cols
    )
    con.execute(f"create or replace temp view {name} as select {exprs} from {relation}")


def compare_raw(warehouse: Path, landed_raw: Path) -> list[TableComparison]:
    """Every raw table the DuckDB engine loaded into ``warehouse`` against the Parquet the Spark
    engine's loader wrote under ``landed_raw`` (``<spark dir>/landed/raw``), and the manifests'
    statuses and row counts per batch file."""
    con = connect()
    con.execute(f"attach '{warehouse}' as ref (read_only)")
    tables = [
        str(t)
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = 'ref' "
            "and table_schema = 'raw' and table_name not like '\\_%' escape '\\' order by 1"
        ).fetchall()
    ]
    out: list[TableComparison] = []
    for table in tables:
        files = sorted(str(p) for p in (landed_raw / table).glob("*.parquet"))
        if not files:
            out.append(TableComparison("raw", table, problems=["the Spark loader wrote no such table"]))
            continue
        listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        _raw_view(con, "raw_reference", f'ref.raw."{table}"')
        _raw_view(con, "raw_other", f"read_parquet([{listed}])")
        out.append(compare_relations(con, "raw", table, "raw_reference", "raw_other"))
    manifest = "select batch_file, status, rows from {} order by batch_file"
    other = sorted(str(p) for p in (landed_raw / "_load_manifest").glob("*.parquet"))
    result = TableComparison("raw", "_load_manifest")
    left = con.execute(manifest.format('ref.raw."_load_manifest"')).fetchall()
    right = con.execute(manifest.format(f"read_parquet({other!r})")).fetchall() if other else []
    result.reference_rows, result.other_rows = len(left), len(right)
    if left != right:
        result.problems.append(f"batch files differ: {sorted(set(left) ^ set(right))[:5]}")
    out.append(result)
    con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path, help="the DuckDB build (reference)")
    parser.add_argument("spark_warehouse", type=Path, help="Spark's warehouse dir (<spark dir>/warehouse)")
    parser.add_argument("--schemas", default=",".join(SCHEMAS))
    parser.add_argument(
        "--landed-raw",
        type=Path,
        help="also compare the raw layer with the Spark loader's (<spark dir>/landed/raw)",
    )
    args = parser.parse_args(argv)
    results = compare_raw(args.warehouse, args.landed_raw) if args.landed_raw else []
    results += compare_with_spark(args.warehouse, args.spark_warehouse, tuple(args.schemas.split(",")))
    for r in results:
        print(r.line())
    different = [r for r in results if not r.equal]
    rows = sum(r.reference_rows for r in results)
    print(
        f"{len(results)} tables, {rows:,} rows compared: "
        + ("all equal" if results and not different else f"{len(different)} different")
    )
    return 0 if results and not different else 1


if __name__ == "__main__":
    sys.exit(main())
