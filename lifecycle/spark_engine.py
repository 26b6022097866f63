"""``DBT_TARGET=spark``: the same dbt project built on Apache Spark (dbt-spark, session mode).

A Spark build (``lifecycle build``; docs/spark.md) goes:

1. The loader's Spark engine (lifecycle/loader/spark_loader.py) reads the landing dir with
   Spark's readers into Parquet under ``<spark dir>/landed/raw/<table>/``; the same file checks,
   rejected files and manifest (kept in the warehouse file) as on DuckDB.
2. :func:`export_landed` writes the manifest and the LTV fit's output as Parquet under
   ``<spark dir>/landed/<schema>/<table>/``. dbt's ``on-run-start`` hook
   (``macros/register_landed_tables.sql``) registers each as a Spark table over its folder; the list
   reaches dbt as ``LIFECYCLE_SPARK_LANDED`` (:func:`landed_tables`).
3. dbt builds every model on Spark: Parquet tables under ``<spark dir>/warehouse``, their catalog an
   embedded Derby metastore in ``<spark dir>/metastore_db``.
4. :func:`import_built` copies what the Python steps read (the marts, the audit, the seeds and the
   LTV fit's inputs) from Spark's Parquet into the warehouse file, so the LTV fit, the summary, the
   checks and the publisher run unchanged and BI reads the same serving file.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from lifecycle.connection import connect
from lifecycle.loader.base import MANIFEST_TABLE
from lifecycle.loader.duckdb_loader import RAW_SCHEMA
from lifecycle.ltv_fit import AS_OF_RELATION, FIT_SCHEMA, INPUT_RELATION
from lifecycle.settings import Settings

#: Schemas Spark reads as external Parquet tables under ``<spark dir>/landed``: the raw layer
#: (written there by the loader's Spark engine) and the LTV fit's output.
LANDED_SCHEMAS = (RAW_SCHEMA, FIT_SCHEMA)
#: Spark schemas copied back whole into the warehouse file after a Spark build.
IMPORTED_SCHEMAS = ("marts", "audit", "seeds")
#: Single Spark tables copied back too: what the LTV fit reads.
IMPORTED_TABLES = (INPUT_RELATION, AS_OF_RELATION)


class SparkEngineError(RuntimeError):
    """The Spark side cannot be used (not installed, a table Spark did not build); says why."""


def landed_dir(settings: Settings) -> Path:
    return settings.spark_dir / "landed"


def spark_warehouse_dir(settings: Settings) -> Path:
    """Where Spark keeps its managed tables (``spark.sql.warehouse.dir`` in profiles.yml)."""
    return settings.spark_dir / "warehouse"


def spark_site() -> Path:
    """Where `make spark-env` installs dbt-spark and pyspark: ``.venv/spark``, apart from the
    environment's own packages. Only dbt's process gets it on its path (:meth:`Settings.dbt_env`):
    where pyspark is importable, Great Expectations imports it, and pyspark's Spark Connect check
    ends the process."""
    return Path(sys.prefix) / "spark"


def check_installed() -> None:
    """Refuse early, in one line, when the Spark engine's packages are not installed."""
    site = spark_site()
    wanted = {"pyspark": site / "pyspark", "dbt-spark": site / "dbt" / "adapters" / "spark"}
    missing = [name for name, path in wanted.items() if not path.is_dir()]
    if missing:
        raise SparkEngineError(
            f"DBT_TARGET=spark needs {' and '.join(missing)} in {site}: `make spark-env` installs "
            "them from requirements/spark.lock (Java 17 must be installed)"
        )
    if shutil.which("java") is None:
        raise SparkEngineError("DBT_TARGET=spark needs Java 17 on PATH (`java -version`): none found")


def landed_tables(settings: Settings) -> list[str]:
    """``schema.table`` of every landed Parquet folder, sorted (what the on-run-start hook registers)."""
    root = landed_dir(settings)
    if not root.is_dir():
        return []
    return sorted(
        f"{schema.name}.{table.name}"
        for schema in root.iterdir()
        if schema.is_dir() and schema.name in LANDED_SCHEMAS
        for table in schema.iterdir()
        if table.is_dir() and not table.name.startswith(".")
    )


def _tables(con: duckdb.DuckDBPyConnection, schemas: Iterable[str]) -> list[tuple[str, str]]:
    wanted = list(schemas)
    marks = ", ".join("?" for _ in wanted)
    return [
        (str(s), str(t))
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({marks}) and table_type = 'BASE TABLE' order by 1, 2",
            wanted,
        ).fetchall()
    ]


def _swap_in(staged: Path, final: Path) -> None:
    """Replace the folder ``final`` with ``staged`` (a rename each: Spark never lists a half file)."""
    old = final.with_name(f".{final.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if final.exists():
        final.rename(old)
    staged.rename(final)
    if old.exists():
        shutil.rmtree(old)


def export_landed(settings: Settings, progress: Callable[[str], None] | None = print) -> int:
    """Write the load manifest and the LTV fit's output from the warehouse file as Parquet for
    Spark (the raw tables are already there: the loader's Spark engine wrote them); returns the
    number of tables written. Each table is written beside its folder and swapped in."""
    started = time.monotonic()
    root = landed_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    rows = 0
    with connect(settings.warehouse, settings.duckdb_config(), read_only=True) as con:
        tables = [(s, t) for s, t in _tables(con, LANDED_SCHEMAS) if s == FIT_SCHEMA or t == MANIFEST_TABLE]
        for schema, table in tables:
            final = root / schema / table
            staged = root / schema / f".{table}.new"
            if staged.exists():
                shutil.rmtree(staged)
            staged.mkdir(parents=True)
            part = staged / "part-0.parquet"
            copied = con.execute(
                f"copy (select * from {schema}.{table}) to '{part}' (format parquet)"
            ).fetchall()
            rows += int(copied[0][0]) if copied else 0
            _swap_in(staged, final)
    if progress:
        progress(
            f"spark: the load manifest and the LTV fit ({len(tables)} tables, {rows:,} rows) written to "
            f"{root} in {time.monotonic() - started:.1f} s"
        )
    return len(tables)


def _spark_table_files(settings: Settings, schema: str, table: str) -> list[str]:
    files = spark_parquet_files(spark_warehouse_dir(settings), schema, table)
    if not files:
        folder = spark_warehouse_dir(settings) / f"{schema}.db" / table
        raise SparkEngineError(f"Spark has no table {schema}.{table} under {folder}: did its model build?")
    return files


def spark_parquet_files(spark_warehouse: Path, schema: str, table: str) -> list[str]:
    """The data files of a Spark table ``schema.table`` under a Spark warehouse dir, sorted."""
    folder = spark_warehouse / f"{schema}.db" / table
    return sorted(str(p) for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_")))


def _spark_schema_tables(settings: Settings, schema: str) -> list[str]:
    folder = spark_warehouse_dir(settings) / f"{schema}.db"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def built_tables(settings: Settings) -> list[tuple[str, str]]:
    """The Spark tables :func:`import_built` copies: whole schemas plus the fit's inputs."""
    found = [(s, t) for s in IMPORTED_SCHEMAS for t in _spark_schema_tables(settings, s)]
    found += [tuple(name.split(".", 1)) for name in IMPORTED_TABLES]  # type: ignore[misc]
    return [(s, t) for s, t in found if (spark_warehouse_dir(settings) / f"{s}.db" / t).is_dir()]


def import_built(settings: Settings, progress: Callable[[str], None] | None = print) -> int:
    """Copy Spark's built tables into the warehouse file (one transaction); returns the count."""
    started = time.monotonic()
    tables = built_tables(settings)
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        con.execute("begin transaction")
        try:
            for schema, table in tables:
                files = _spark_table_files(settings, schema, table)
                con.execute(f"create schema if not exists {schema}")
                con.execute(
                    f"create or replace table {schema}.{table} as "
                    "select * from read_parquet(?, hive_partitioning = true)",
                    [files],
                )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    if progress:
        progress(
            f"spark: {len(tables)} built tables copied into {settings.warehouse} "
            f"in {time.monotonic() - started:.1f} s"
        )
    return len(tables)
