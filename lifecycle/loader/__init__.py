"""The ingestion loader: landing batch files -> the raw layer (``raw.<source>__<table>``, all text).

Public API (the CLI and the Dagster assets call exactly this)::

    report = load_landing(settings.landing_dir, settings.warehouse)
    report.ok, report.errors, report.warnings, report.rows_by_table(), report.lines()
    raw_row_counts(con)
    rejected_files(con)        # batch files that failed to load (retried every run), from the manifest
    has_batches(landing_dir)   # anything to load? (the same discovery the loader uses)

Incremental by batch file (see docs/loading.md): a file already loaded with the same sha256 is not
read again; a file that changed under a loaded name is an error (``report.ok`` is False); a file
that cannot be parsed is a warning, recorded as failed and retried next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from lifecycle.connectors import ALL_BY_KEY, LAYOUTS, tables_for
from lifecycle.contract import Table

from .base import (
    CHANGED,
    FAILED,
    LOADED,
    SKIPPED,
    BatchFile,
    FileResult,
    Loader,
    LoaderError,
    LoadReport,
    ManifestEntry,
)
from .database import DatabaseSource
from .discover import check_landing_dir, discover, has_batches
from .duckdb_loader import RAW_SCHEMA, DuckDBLoader, raw_row_counts, rejected_files, utc_session
from .runner import run_load

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "CHANGED",
    "FAILED",
    "LOADED",
    "RAW_SCHEMA",
    "SKIPPED",
    "BatchFile",
    "DatabaseSource",
    "DuckDBLoader",
    "FileResult",
    "LoadReport",
    "Loader",
    "LoaderError",
    "ManifestEntry",
    "discover",
    "has_batches",
    "load_landing",
    "raw_row_counts",
    "rejected_files",
    "run_load",
    "select_tables",
]


def select_tables(
    tables: Iterable[str] | None,
    layouts: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
) -> list[Table]:
    """Tables for ``<source>__<table>`` keys (contract tables, or ``<layout>__<table>`` connector
    tables); for None every table the ``layouts`` read (the contract's when None), in order. A
    connector table's custom fields are named by ``options`` (``Settings.connector_options``)."""
    if tables is None:
        return tables_for(layouts or {}, options)
    keys = [tables] if isinstance(tables, str) else list(tables)
    unknown = [k for k in keys if k not in ALL_BY_KEY]
    if unknown:
        raise LoaderError(
            f"unknown raw table(s) {', '.join(unknown)}: expected <source>__<table> keys such as "
            f"{', '.join(list(ALL_BY_KEY)[:3])}, ..."
        )
    wanted = set(keys)
    # a connector table with the custom field names the options give
    configured = {t.key: t for layout in LAYOUTS.values() for t in layout.tables_for(options or {})}
    return [configured.get(t.key, t) for t in ALL_BY_KEY.values() if t.key in wanted]


def load_landing(
    landing_dir: Path,
    warehouse: Path | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    tables: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = print,
    config: Mapping[str, str] | None = None,
    verify: bool = False,
    spark_dir: Path | None = None,
    layouts: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    databases: Mapping[str, DatabaseSource] | None = None,
) -> LoadReport:
    """Load the new batch files of ``landing_dir`` into the raw layer of the DuckDB ``warehouse``.

    ``verify``: checksum every batch file, also those with the size and modification time they
    were loaded with (which are otherwise skipped unread).

    ``tables``: optional subset of ``<source>__<table>`` keys. ``con``: an open connection to reuse
    (left open; ``warehouse`` may then be None); otherwise ``warehouse`` is opened (parent folders
    created) with ``config`` (``Settings.duckdb_config()``) and closed at the end. One connection
    serves the whole run. ``spark_dir`` (``DBT_TARGET=spark``): the rows are read by Spark's
    readers into Parquet under ``<spark_dir>/landed/raw`` (:mod:`.spark_loader`); the manifest stays
    in the warehouse file. ``layouts``: the layout each source is read in (``{"billing":
    "fivetran_stripe"}``; :mod:`lifecycle.connectors`), the contract for a source not named;
    ``options``: the connector layouts' custom field names (``Settings.connector_options``);
    ``databases``: the layouts read from a DuckDB database instead of files (``Settings.databases()``,
    :mod:`.database`). Raises
    :class:`LoaderError` for unusable input (missing landing dir, unknown table key, no target).
    """
    selected = select_tables(tables, layouts, options)
    whole = None if tables is not None else dict(layouts or {})
    landing_dir = check_landing_dir(Path(landing_dir))
    own = con is None
    if own:
        if warehouse is None:
            raise LoaderError("load_landing needs a warehouse path or an open DuckDB connection")
        from lifecycle.connection import connect

        warehouse = Path(warehouse)
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        con = connect(warehouse, config)
    try:
        with utc_session(con):
            if spark_dir is None:
                return run_load(
                    DuckDBLoader(con),
                    landing_dir,
                    selected,
                    progress,
                    verify=verify,
                    layouts=whole,
                    databases=databases,
                )
            from lifecycle.spark_engine import spark_site

            from .spark_loader import SparkLoader, SparkReaderProcess

            reader = SparkReaderProcess([spark_site()], Path(spark_dir) / "loader.log")
            try:
                loader = SparkLoader(con, Path(spark_dir) / "landed" / RAW_SCHEMA, reader)
                return run_load(
                    loader, landing_dir, selected, progress, verify=verify, layouts=whole, databases=databases
                )
            finally:
                reader.close()
    finally:
        if own:
            con.close()
