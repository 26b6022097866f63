"""Connector tables read from a DuckDB database instead of files (``LIFECYCLE_<LAYOUT>_DATABASE``).

A connector that writes to a DuckDB (or MotherDuck) destination leaves its tables in a schema of a
database file: ``stripe.subscription_history``, ``stripe.invoice``, ... Pointing a layout at that
database (``LIFECYCLE_FIVETRAN_STRIPE_DATABASE=/data/fivetran.duckdb``, schema
``LIFECYCLE_FIVETRAN_STRIPE_SCHEMA``, default the connector's usual one: ``stripe``) makes each of
the layout's tables one batch of the raw layer, named ``duckdb:<database>#<schema>.<table>``:

- the database is attached read-only to the loader's connection;
- a table is fingerprinted (its row count and a sum of row hashes); an unchanged fingerprint is
  skipped, a changed one replaces the batch's rows in one transaction with its manifest entry (a
  destination table is a current state, not an append-only file, so a change is not an error);
- its columns are checked like a file's header (a missing required column fails the batch, named),
  rendered as text like Parquet columns, and numbered in the table's storage order (``rowid``);
- a table the schema lacks adds no rows (rows an earlier load took from it stay), with a note.

DuckDB engine only: with ``DBT_TARGET=spark`` the loader refuses a database source in one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lifecycle.connectors.family import EventFamily, PackedTable
from lifecycle.contract import LINEAGE_COLUMNS, Table

from .base import FAILED, LOADED, SKIPPED, BatchFile, FileResult, LoaderError

if TYPE_CHECKING:
    from .duckdb_loader import DuckDBLoader

#: the manifest's file_format of a database batch
DATABASE_FORMAT = "duckdb"


@dataclass(frozen=True)
class DatabaseSource:
    """Where a connector layout's tables are read from: a DuckDB database file and a schema."""

    path: Path
    schema: str

    def batch_file(self, table: Table, member: str | None = None) -> str:
        return f"{DATABASE_FORMAT}:{self.path}#{self.schema}.{member or table.name}"


def _attach(loader: DuckDBLoader, table: Table, source: DatabaseSource) -> str:
    """Attach ``source`` read-only (once per layout: two layouts, two databases); its alias."""
    from .duckdb_loader import lit, q

    if not source.path.is_file():
        raise LoaderError(
            f"{source.path} does not exist: the database named for {table.source} "
            f"(LIFECYCLE_{table.source.upper()}_DATABASE) must be a DuckDB file"
        )
    alias = f"lifecycle_source_{table.source}"
    attached = {
        str(r[0]) for r in loader.con.execute("select database_name from duckdb_databases()").fetchall()
    }
    if alias not in attached:
        loader.con.execute(f"attach {lit(str(source.path))} as {q(alias)} (read_only)")
    return alias


def family_members(loader: DuckDBLoader, family: EventFamily, source: DatabaseSource) -> list[str]:
    """The tables of ``source``'s schema that are members of ``family`` (Segment's event tables):
    every table that is no other table of the layout and none of the family's ``not_members``."""
    from lifecycle.connectors import LAYOUTS

    alias = _attach(loader, family, source)
    layout = LAYOUTS.get(family.source)
    others = {t.name for t in layout.tables} if layout else {family.name}
    return [
        str(name)
        for (name,) in loader.con.execute(
            "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
            "order by table_name",
            [alias, source.schema],
        ).fetchall()
        if str(name) not in others and str(name) not in family.not_members
    ]


def load_database_table(
    loader: DuckDBLoader, table: Table, source: DatabaseSource, member: str | None = None
) -> tuple[FileResult, str | None]:
    """Load ``table`` of ``source`` into its raw table unless its fingerprint is unchanged (for a
    family, its ``member`` table). Returns the result and a note (or None)."""
    from .duckdb_loader import BadColumns, _parquet_text, check_columns, lit, q, raw_relation, short_error
    from .packing import duckdb_packed, packed_names

    con = loader.con
    started = time.monotonic()
    batch = source.batch_file(table, member)
    name = member or table.name
    alias = _attach(loader, table, source)
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [alias, source.schema, name],
    ).fetchall()
    entry = loader.manifest().get(batch)
    f = BatchFile(table.source, table.name, source.path, batch, DATABASE_FORMAT, source.path.stat().st_size)
    if not columns:
        note = f"{source.schema}.{name} is not in {source.path}: {table.key} has no rows from it"
        return FileResult(table.source, table.name, batch, SKIPPED, 0, None, 0.0), note
    names = [str(n) for n, _ in columns]
    types = {str(n): str(t) for n, t in columns}
    relation = f"{q(alias)}.{q(source.schema)}.{q(name)}"
    try:
        absent = check_columns(table, names)
        row_hash = "hash(" + ", ".join(q(n) for n in names) + ")"
        count, total = con.execute(
            f"select count(*), sum(cast({row_hash} as hugeint)) from {relation}"
        ).fetchone()  # type: ignore[misc]
        fingerprint = f"rows={count};hash={total}"
        if entry is not None and entry.status == LOADED and entry.sha256 == fingerprint:
            return FileResult(table.source, table.name, batch, SKIPPED, 0, None, 0.0), None
        by_name = {n.lower(): n for n in names}
        exprs = [
            f"cast(null as varchar) as {q(c)}"
            if c in absent or c.lower() not in by_name
            else f"{_parquet_text(by_name[c.lower()], types[by_name[c.lower()]])} as {q(c)}"
            for c in table.column_names
        ]
        if isinstance(table, PackedTable):
            packed = duckdb_packed([(n, types[n]) for n in packed_names(table, names)], _parquet_text)
            exprs[table.column_names.index(table.packed)] = f"{packed} as {q(table.packed)}"
        target = ", ".join(q(c) for c in (*table.column_names, *LINEAGE_COLUMNS))
        con.execute("begin transaction")
        try:
            con.execute(f"delete from {raw_relation(table.key)} where {q(LINEAGE_COLUMNS[0])} = ?", [batch])
            con.execute(
                f"insert into {raw_relation(table.key)} ({target}) select {', '.join(exprs)}, {lit(batch)}, "
                f"row_number() over (order by rowid) from {relation}"
            )
            loader._record(
                [
                    (
                        BatchFile(**{**f.__dict__, "sha256": fingerprint}),
                        int(count),
                        LOADED,
                        None,
                        time.monotonic() - started,
                    )
                ]
            )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    except Exception as exc:  # the batch fails alone, recorded as such; retried next run
        error = exc.message_for(batch) if isinstance(exc, BadColumns) else short_error(exc)
        con.execute("begin transaction")
        loader._record([(f, 0, FAILED, error, time.monotonic() - started)])
        con.execute("commit")
        return FileResult(table.source, table.name, batch, FAILED, 0, error, time.monotonic() - started), None
    replaced = (
        " (replacing the rows of its previous load)" if entry is not None and entry.status == LOADED else ""
    )
    note = f"{batch}: {int(count):,} rows{replaced}" if replaced else None
    return FileResult(
        table.source, table.name, batch, LOADED, int(count), None, time.monotonic() - started
    ), note
