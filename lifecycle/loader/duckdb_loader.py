"""The DuckDB engine of the loader: landing batch files -> ``raw.<source>__<table>`` (all text).

Reading uses DuckDB's own readers with nothing left to auto-detection:

- CSV: ``read_csv`` with header, ``,``, RFC 4180 quotes (``"`` escaped by doubling), strict column
  counts, every column VARCHAR. The header is parsed first with Python's ``csv`` module so the
  column names are exactly the file's (no sniffing on tiny or odd files).
- JSON lines (``.jsonl``, ``.jsonl.gz``): ``read_json`` with ``format='newline_delimited'`` and every
  contract column declared VARCHAR: strings stay as they are, numbers and booleans become their
  JSON text (``true``/``false``), objects and arrays their JSON text; other keys are ignored.
- Parquet: ``read_parquet`` with ``file_row_number``; each contract column is cast to text by its
  Parquet type (timestamps as ISO 8601 UTC text ending in ``Z``; see docs/loading.md).

``_row_number`` is the 1-based position of the data row in its file. Parquet has it natively
(``file_row_number``), so a Parquet group is inserted by one ``insert ... select`` inside DuckDB.
For CSV and JSON DuckDB has no per-row ordinal that is guaranteed under
parallel scans, but it does guarantee that a plain scan returns rows in file order
(``preserve_insertion_order``, on by default and checked here), so the rows are streamed out of
DuckDB as Arrow record batches, numbered in that order in Python (per file, via DuckDB's
``file_index`` virtual column), and streamed back into the insert: one pass, bounded memory, no
window function whose order is unspecified.

Headers (CSV, Parquet) are checked against the contract before a row is read
(:func:`check_columns`): a file without a required contract column, or with one twice, is failed
with a message naming it; one without only nullable columns loads them as NULL, with a note.

Many small files: new files of one table with the same format and the same columns (CSV header,
Parquet schema) are read by one scan over a list of files (up to 500 files / 64 MB) in one
transaction with one manifest entry per file. If such a group fails, each of its files is loaded
on its own, so only the unreadable ones are recorded as failed. One connection serves the run.
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lifecycle.connectors import ALL_BY_KEY
from lifecycle.connectors.family import EventFamily, PackedTable
from lifecycle.contract import BY_KEY, LINEAGE_COLUMNS, Table

from .base import FAILED, LOADED, MANIFEST_TABLE, BatchFile, FileResult, LoaderError, ManifestEntry
from .database import DatabaseSource, family_members, load_database_table
from .manifest import MANIFEST_COLUMNS
from .packing import duckdb_packed, packed_names

if TYPE_CHECKING:
    import duckdb

RAW_SCHEMA = "raw"
#: Rows per Arrow record batch when streaming CSV/JSON rows through the numbering step.
ARROW_BATCH_ROWS = 100_000
#: Longest error text kept per file (DuckDB's messages carry long "possible fixes" lists).
MAX_ERROR_CHARS = 500


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def raw_relation(table_key: str) -> str:
    return f"{RAW_SCHEMA}.{q(table_key)}"


_ARROW_TYPES = {
    "varchar": pa.string(),
    "bigint": pa.int64(),
    "double": pa.float64(),
    "timestamp": pa.timestamp("us"),
}
_MANIFEST_SCHEMA = pa.schema([pa.field(n, _ARROW_TYPES[t]) for n, t in MANIFEST_COLUMNS])


class UnparseableFile(Exception):
    """A batch file's content is not what its format says (raised before DuckDB reads it)."""


def short_error(exc: BaseException) -> str:
    """One readable line from an exception: DuckDB's advice lists and SQL echo cut off."""
    text = str(exc)
    for marker in ("\nPossible fixes", "\nPossible Solution", "\nTry setting", "\nLINE ", "\n\nLINE "):
        text = text.split(marker)[0]
    text = re.sub(r"\s+", " ", text).strip()
    # an error raised while DuckDB reads the Arrow stream the loader feeds it: keep the cause
    text = re.sub(r"^Invalid Input Error: reading the stream registered as '[^']*' failed: \w+: ", "", text)
    name = type(exc).__name__
    ours = isinstance(exc, LoaderError | UnparseableFile)
    from_duckdb = type(exc).__module__.startswith(("duckdb", "_duckdb"))  # "Invalid Input Error: ..."
    if not text:
        text = name
    elif not (ours or from_duckdb):
        text = f"{name}: {text}"
    return text[:MAX_ERROR_CHARS] + ("..." if len(text) > MAX_ERROR_CHARS else "")


def _parquet_text(col: str, duck_type: str) -> str:
    """SQL turning a Parquet column of ``duck_type`` into text."""
    t = duck_type.upper()
    c = q(col)
    if t.startswith(("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")):
        # an instant: render it in UTC whatever the session time zone is
        return f"replace(cast(timezone('UTC', {c}) as varchar), ' ', 'T') || 'Z'"
    if t.startswith("TIMESTAMP"):
        # wall-clock timestamp without zone: UTC by the raw contract
        return f"replace(cast({c} as varchar), ' ', 'T') || 'Z'"
    if t.startswith(("STRUCT", "MAP", "UNION", "JSON")) or t.endswith("]"):
        return f"cast(to_json({c}) as varchar)"
    return f"cast({c} as varchar)"


def _pick(names: Sequence[str], wanted: str) -> str | None:
    """The file column that carries contract column ``wanted``: exact name first, else any case."""
    if wanted in names:
        return wanted
    return next((n for n in names if n.lower() == wanted.lower()), None)


def _csv_header_names(path) -> list[str]:
    """The header record of a CSV file (RFC 4180, UTF-8 with or without BOM) as written: each name
    stripped, a blank one named ``column<i>``; duplicates kept (see :func:`check_columns`)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, strict=True), None)
    except UnicodeDecodeError as exc:
        raise UnparseableFile(f"the file is not UTF-8 text ({exc.reason} near byte {exc.start})") from exc
    except csv.Error as exc:
        raise UnparseableFile(f"the header row is not valid CSV ({exc})") from exc
    if not header:
        raise UnparseableFile("the first line is empty: a CSV batch file starts with a header row")
    return [raw.strip() or f"column{i}" for i, raw in enumerate(header)]


def _unique_names(names: Sequence[str]) -> list[str]:
    """``names`` made unique case-insensitively (DuckDB's reader needs one name per column): a
    repeated name gets ``_2``, ``_3``. Only columns no contract column matches can repeat in a
    file that loads (:func:`check_columns` rejects the others)."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base, n = name, 1
        while name.lower() in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name.lower())
        out.append(name)
    return out


def _csv_header(path) -> list[str]:
    """The header of a CSV file with its names made unique: the column names DuckDB reads it with."""
    return _unique_names(_csv_header_names(path))


class BadColumns(UnparseableFile):
    """A header-carrying batch file (CSV, Parquet) without every required contract column, or
    with a contract column twice: not loaded. The message names the file, so it is built per file."""

    def __init__(self, missing: Sequence[str], repeated: dict[str, list[str]]) -> None:
        self.missing = tuple(missing)
        self.repeated = dict(repeated)
        super().__init__(self.message_for("the batch file"))

    def message_for(self, batch_file: str) -> str:
        parts = []
        if self.missing:
            noun = "column" if len(self.missing) == 1 else "columns"
            parts.append(f"lacks the contract {noun} {', '.join(self.missing)}")
        for col, names in self.repeated.items():
            parts.append(
                f"has the contract column {col} {len(names)} times ({', '.join(names)}): "
                "which one to load is ambiguous"
            )
        why = (
            "a batch file must carry every required column"
            if self.missing
            else "a batch file carries each column once"
        )
        return f"{batch_file} {' and '.join(parts)} ({why}; see docs/raw_contract.md)"


def check_columns(table: Table, names: Sequence[str]) -> tuple[str, ...]:
    """Check a file's column ``names`` against the contract (matched case-insensitively, as
    :func:`_pick` does); returns the nullable contract columns the file lacks (loaded as NULL).

    Raises :class:`BadColumns` when a required column (:attr:`Table.required_column_names`) is
    missing, or a contract column is matched by more than one of the file's columns (``id`` and
    ``ID``, or ``email`` twice).
    """
    required = set(table.required_column_names)
    missing, absent, repeated = [], [], {}
    for col in table.column_names:
        if isinstance(table, PackedTable) and col == table.packed:  # built by the loader
            continue
        matches = [n for n in names if n.lower() == col.lower()]
        if len(matches) > 1:
            repeated[col] = matches
        elif not matches:
            (missing if col in required else absent).append(col)
    if missing or repeated:
        raise BadColumns(missing, repeated)
    return tuple(absent)


def absent_columns_note(batch_file: str, absent: Sequence[str]) -> str:
    noun = "column" if len(absent) == 1 else "columns"
    return f"{batch_file} lacks the nullable contract {noun} {', '.join(absent)}: loaded as NULL"


class DuckDBLoader:
    """Loads batch files into ``raw`` of an open DuckDB connection (see :class:`.base.Loader`)."""

    engine = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        #: the tables this run loads, by key (:meth:`prepare`): a connector table's columns can
        #: depend on the settings (a custom field's name), so they are not looked up globally
        self.tables: dict[str, Table] = {}

    # -- raw layer ------------------------------------------------------------------------------
    def prepare(self, tables: Sequence[Table]) -> list[str]:
        self.tables = {t.key: t for t in tables}
        self.ensure_manifest()
        notes: list[str] = []
        for table in tables:
            note = self._ensure_table(table)
            if note:
                notes.append(note)
            note = self._forget_unlanded(table)
            if note:
                notes.append(note)
        return notes

    def ensure_manifest(self) -> None:
        """Create the raw schema and the manifest table if missing, with every manifest column."""
        con = self.con
        con.execute(f"create schema if not exists {RAW_SCHEMA}")
        cols = ", ".join(f"{q(n)} {t}" for n, t in MANIFEST_COLUMNS)
        con.execute(f"create table if not exists {RAW_SCHEMA}.{q(MANIFEST_TABLE)} ({cols})")
        for name, sql_type in MANIFEST_COLUMNS:  # a manifest written before a column existed
            con.execute(
                f"alter table {RAW_SCHEMA}.{q(MANIFEST_TABLE)} add column if not exists {q(name)} {sql_type}"
            )

    def _forget_unlanded(self, table: Table) -> str | None:
        """Forget the ``loaded`` manifest entries whose rows this raw table lacks (the warehouse
        file was loaded by the Spark engine, whose rows live in Parquet), so those files load again.
        Checked only when the table holds fewer rows than the manifest says (a cheap count)."""
        m, rel = f"{RAW_SCHEMA}.{q(MANIFEST_TABLE)}", raw_relation(table.key)
        where = "source_name = ? and table_name = ? and status = ? and rows > 0"
        args = [table.source, table.name, LOADED]
        (expected,) = self.con.execute(
            f"select coalesce(sum(rows), 0) from {m} where {where}", args
        ).fetchall()[0]
        (have,) = self.con.execute(f"select count(*) from {rel}").fetchall()[0]
        if int(have) >= int(expected):
            return None
        missing = [
            str(b)
            for (b,) in self.con.execute(
                f"select batch_file from {m} where {where} and not exists "
                f"(select 1 from {rel} r where r.{q(LINEAGE_COLUMNS[0])} = {m}.batch_file)",
                args,
            ).fetchall()
        ]
        if not missing:
            return None
        self.con.executemany(f"delete from {m} where batch_file = ?", [(b,) for b in missing])
        return (
            f"{len(missing)} loaded batch file(s) of {table.key} have no rows in raw.{table.key} "
            "(loaded by another engine into this warehouse file): loaded again"
        )

    @staticmethod
    def expected_columns(table: Table) -> list[tuple[str, str]]:
        return [(c, "VARCHAR") for c in table.column_names] + [
            (LINEAGE_COLUMNS[0], "VARCHAR"),
            (LINEAGE_COLUMNS[1], "BIGINT"),
        ]

    def _ensure_table(self, table: Table) -> str | None:
        con, rel = self.con, raw_relation(table.key)
        expected = self.expected_columns(table)
        ddl = ", ".join(f"{q(n)} {t}" for n, t in expected)
        have = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [RAW_SCHEMA, table.key],
        ).fetchall()
        if not have:
            con.execute(f"create table if not exists {rel} ({ddl})")
            return None
        if [(n, t.upper()) for n, t in have] == expected:
            return None
        # An older raw table (the contract gained or lost a column): rebuild it in contract shape,
        # keeping every row and the columns both shapes share.
        old = {n.lower(): n for n, _ in have}
        select = ", ".join(
            f"cast({q(old[n.lower()])} as {t})" if n.lower() in old else f"cast(null as {t})"
            for n, t in expected
        )
        dropped = [n for n, _ in have if n.lower() not in {e.lower() for e, _ in expected}]
        tmp = raw_relation(table.key + "__reshape")
        con.execute("begin transaction")
        try:
            con.execute(f"create or replace table {tmp} ({ddl})")
            con.execute(f"insert into {tmp} select {select} from {rel}")
            con.execute(f"drop table {rel}")
            con.execute(f"alter table {tmp} rename to {q(table.key)}")
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        note = f"raw.{table.key} reshaped to the contract's columns"
        return note + (
            f" (dropped columns no longer in the contract: {', '.join(dropped)})" if dropped else ""
        )

    # -- manifest -------------------------------------------------------------------------------
    def manifest(self) -> dict[str, ManifestEntry]:
        names = ", ".join(q(n) for n, _ in MANIFEST_COLUMNS)
        rows = self.con.execute(
            f"select {names} from {RAW_SCHEMA}.{q(MANIFEST_TABLE)} order by loaded_at_utc"
        ).fetchall()
        return {r[2]: ManifestEntry(*r) for r in rows}

    def _record(self, entries: Sequence[tuple[BatchFile, int, str, str | None, float]]) -> None:
        """Replace the manifest entries of the given files (inside the caller's transaction).

        ``entries``: ``(file, rows, status, error, seconds)``; written with one insert.
        """
        m = f"{RAW_SCHEMA}.{q(MANIFEST_TABLE)}"
        now = datetime.now(UTC).replace(tzinfo=None)
        records = [
            {
                "source_name": f.source,
                "table_name": f.table,
                "batch_file": f.batch_file,
                "file_format": f.format,
                "size_bytes": f.size_bytes,
                "sha256": f.sha256 or "",
                "rows": rows,
                "status": status,
                "error": error,
                "loaded_at_utc": now,
                "load_seconds": round(seconds, 6),
                "modified_ns": f.modified_ns or None,
            }
            for f, rows, status, error, seconds in entries
        ]
        view = "_lifecycle_loader_manifest"
        self.con.register(view, pa.Table.from_pylist(records, schema=_MANIFEST_SCHEMA))
        try:
            self.con.execute(f"delete from {m} where batch_file in (select batch_file from {view})")
            self.con.execute(f"insert into {m} select * from {view}")
        finally:
            with suppress(Exception):
                self.con.unregister(view)

    def forget_failed(self, batch_files: Sequence[str]) -> None:
        if batch_files:
            self.con.executemany(
                f"delete from {RAW_SCHEMA}.{q(MANIFEST_TABLE)} where batch_file = ? and status = ?",
                [(b, FAILED) for b in batch_files],
            )

    def remember_modified(self, files: Sequence[BatchFile]) -> None:
        self.con.executemany(
            f"update {RAW_SCHEMA}.{q(MANIFEST_TABLE)} set modified_ns = ? where batch_file = ?",
            [(f.modified_ns, f.batch_file) for f in files],
        )

    # -- loading --------------------------------------------------------------------------------
    def load_database_table(
        self, table: Table, source: DatabaseSource, member: str | None = None
    ) -> tuple[FileResult, str | None]:
        """A connector table (or a family's member table) read from a DuckDB database (:mod:`.database`)."""
        return load_database_table(self, table, source, member)

    def database_members(self, family: EventFamily, source: DatabaseSource) -> list[str]:
        """The member tables of a family in a DuckDB database (:func:`.database.family_members`)."""
        return family_members(self, family, source)

    def load(self, files: Sequence[BatchFile]) -> Iterator[FileResult]:
        if files:
            self._check_settings()
        for group in self._groups(files):
            yield from self._load_group(group)

    def load_file(self, f: BatchFile) -> FileResult:
        """Load one file on its own (rows + manifest entry in one transaction), or record it failed."""
        (result,) = self._load_group(_Group([f], _signature(f)))
        return result

    def _check_settings(self) -> None:
        (order,) = self.con.execute("select current_setting('preserve_insertion_order')").fetchall()[0]
        if str(order).lower() not in ("true", "1"):
            raise LoaderError(
                "the DuckDB connection has preserve_insertion_order=false: the loader needs file order "
                "to number rows (_row_number); use a connection with the default setting"
            )

    # -- grouping: many small files of one shape are read by one DuckDB scan ----------------------
    @staticmethod
    def _groups(files: Sequence[BatchFile]) -> Iterator[_Group]:
        open_groups: dict[tuple, _Group] = {}
        for f in files:
            sig = _signature(f)
            if not sig.batchable or f.size_bytes > GROUP_MAX_FILE_BYTES:
                yield _Group([f], sig)
                continue
            group = open_groups.get(sig.key)
            if group is None:
                group = open_groups[sig.key] = _Group([], sig)
            group.files.append(f)
            group.bytes += f.size_bytes
            if len(group.files) >= GROUP_MAX_FILES or group.bytes >= GROUP_MAX_BYTES:
                yield open_groups.pop(sig.key)
        yield from open_groups.values()

    def _begin(self) -> None:
        try:
            self.con.execute("begin transaction")
        except Exception as exc:
            raise LoaderError(
                f"cannot start a transaction on the given DuckDB connection ({short_error(exc)}): "
                "the loader commits each batch file itself, so pass a connection without an open transaction"
            ) from exc

    def _load_group(self, group: _Group) -> list[FileResult]:
        """Load ``group`` in one transaction: every file's rows and manifest entry, or nothing.

        When a group of several files fails, each file is loaded on its own, so only the
        unreadable ones end up failed. Files without a required contract column fail as a group
        (they share one header), each with a message naming it.
        """
        con, files = self.con, group.files
        t0 = time.monotonic()
        self._begin()
        try:
            rows, absent = self._insert(group)
            seconds = (time.monotonic() - t0) / len(files)
            self._record([(f, rows.get(f.batch_file, 0), LOADED, None, seconds) for f in files])
            con.execute("commit")
        except Exception as exc:  # any reason the files cannot be read: report, go on with the rest
            con.execute("rollback")
            if isinstance(exc, BadColumns):
                seconds = (time.monotonic() - t0) / len(files)
                return [self._fail(f, exc.message_for(f.batch_file), seconds) for f in files]
            if len(files) > 1:
                return [r for f in files for r in self._load_group(_Group([f], _signature(f)))]
            return [self._fail(files[0], short_error(exc), time.monotonic() - t0)]
        return [
            FileResult(
                f.source,
                f.table,
                f.batch_file,
                LOADED,
                rows.get(f.batch_file, 0),
                None,
                seconds,
                absent_columns_note(f.batch_file, absent) if absent and f.size_bytes > 0 else None,
            )
            for f in files
        ]

    def _fail(self, f: BatchFile, error: str, seconds: float) -> FileResult:
        self._begin()
        try:
            self._record([(f, 0, FAILED, error, seconds)])
            self.con.execute("commit")
        except Exception:
            self.con.execute("rollback")
            raise
        return FileResult(f.source, f.table, f.batch_file, FAILED, 0, error, seconds)

    # -- reading --------------------------------------------------------------------------------
    def _insert(self, group: _Group) -> tuple[dict[str, int], tuple[str, ...]]:
        """Insert the rows of the group's files; rows per ``batch_file``, and the nullable contract
        columns the files lack (every file of a group has the same columns)."""
        for f in group.files:
            if not f.sha256:
                raise UnparseableFile("the file could not be read")
        readable = [f for f in group.files if f.size_bytes > 0]  # empty placeholders: 0 rows
        if not readable:
            return {}, ()
        table = self.tables.get(readable[0].key) or ALL_BY_KEY[readable[0].key]
        fmt = readable[0].format
        paths = "[" + ", ".join(lit(str(f.path)) for f in readable) + "]"
        file_expr = "cast(file_index as bigint)" if group.signature.batchable else "cast(0 as bigint)"
        absent: tuple[str, ...] = ()
        if fmt == "csv":
            exprs, source, absent = self._csv_read(readable[0], table, paths)
        elif fmt == "parquet":
            exprs, source, absent = self._parquet_read(readable[0], table, paths)
        else:
            exprs, source = self._json_read(fmt, table, paths)
        names = [f.batch_file for f in readable]
        if fmt == "parquet":
            counts = self._sql_insert(exprs, file_expr, source, table, names)
        else:
            read_sql = f"select {', '.join(exprs)}, {file_expr} as _file from {source}"
            counts = self._stream_insert(read_sql, table, names)
        return {f.batch_file: counts[i] for i, f in enumerate(readable)}, absent

    def _sql_insert(
        self, exprs: list[str], file_expr: str, source: str, table: Table, names: list[str]
    ) -> list[int]:
        """Insert Parquet rows in one statement inside DuckDB: the format numbers its rows
        (``file_row_number``), so nothing has to pass through Python. Rows per file index."""
        files = "[" + ", ".join(lit(n) for n in names) + "]"
        columns = ", ".join(q(c) for c in [*table.column_names, *LINEAGE_COLUMNS])
        self.con.execute(
            f"insert into {raw_relation(table.key)} ({columns}) "
            f"select {', '.join(exprs)}, {files}[{file_expr} + 1], file_row_number + 1 from {source}"
        )
        counts = dict(self.con.execute(f"select {file_expr}, count(*) from {source} group by 1").fetchall())
        return [int(counts.get(i, 0)) for i in range(len(names))]

    @staticmethod
    def _csv_read(first: BatchFile, table: Table, paths: str) -> tuple[list[str], str, tuple[str, ...]]:
        written = _csv_header_names(first.path)  # every file of a group has this header
        absent = check_columns(table, written)
        header = _unique_names(written)
        spec = "{" + ", ".join(f"{lit(n)}: 'VARCHAR'" for n in header) + "}"
        exprs = []
        for col in table.column_names:
            src = _pick(header, col)
            exprs.append(f"nullif({q(src)}, '')" if src else "cast(null as varchar)")
        if isinstance(table, PackedTable):
            packed = [(n, "VARCHAR") for n in packed_names(table, header)]
            exprs[table.column_names.index(table.packed)] = duckdb_packed(
                packed, _parquet_text, empty_is_null=True
            )
        source = (
            f"read_csv({paths}, columns = {spec}, header = true, auto_detect = false, delim = ',', "
            "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, encoding = 'utf-8')"
        )
        return exprs, source, absent

    @staticmethod
    def _json_read(fmt: str, table: Table, paths: str) -> tuple[list[str], str]:
        if isinstance(table, PackedTable):  # JSON lines declare no columns to pack
            raise UnparseableFile(
                f"{table.key} is read from Parquet or CSV files (the loader packs their columns into "
                f"{table.packed}), not JSON lines"
            )
        spec = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in table.column_names) + "}"
        exprs = [f"nullif({q(c)}, '')" for c in table.column_names]
        compression = "gzip" if fmt == "jsonl.gz" else "none"
        source = (
            f"read_json({paths}, columns = {spec}, format = 'newline_delimited', records = true, "
            f"compression = {lit(compression)})"
        )
        return exprs, source

    def _parquet_read(
        self, first: BatchFile, table: Table, paths: str
    ) -> tuple[list[str], str, tuple[str, ...]]:
        described = self.con.execute(f"describe select * from read_parquet({paths})").fetchall()
        types = {name: typ for name, typ, *_ in described}
        # the file's own column names (DuckDB renames a repeated one to id_1), checked against the
        # contract; every file of a group has this schema
        absent = check_columns(table, pq.read_schema(first.path).names)
        exprs = []
        for col in table.column_names:
            src = _pick(list(types), col)
            exprs.append(f"nullif({_parquet_text(src, types[src])}, '')" if src else "cast(null as varchar)")
        if isinstance(table, PackedTable):
            packed = [(n, types[n]) for n in packed_names(table, list(types))]
            exprs[table.column_names.index(table.packed)] = duckdb_packed(packed, _parquet_text)
        return exprs, f"read_parquet({paths}, file_row_number = true)", absent

    def _stream_insert(self, read_sql: str, table: Table, names: list[str]) -> list[int]:
        """Stream ``read_sql`` out of DuckDB as Arrow (file order), set ``_batch_file`` and
        ``_row_number`` per row, and insert the stream into the raw table. Rows per file index.

        ``read_sql`` yields the contract columns and ``_file`` (index into ``names``).
        """
        n_cols = len(table.column_names)
        counts = np.zeros(len(names), dtype=np.int64)
        batch_files = pa.array(names, pa.string())
        schema = pa.schema(
            [pa.field(c, pa.string()) for c in table.column_names]
            + [pa.field(LINEAGE_COLUMNS[0], pa.string()), pa.field(LINEAGE_COLUMNS[1], pa.int64())]
        )
        reader_con = self.con.cursor()  # a second connection to the same database for the read side
        try:
            batches = reader_con.sql(read_sql).to_arrow_reader(ARROW_BATCH_ROWS)

            def with_lineage() -> Iterator[pa.RecordBatch]:
                for batch in batches:
                    if batch.num_rows == 0:
                        continue
                    file_idx = batch.column(n_cols).to_numpy(zero_copy_only=False).astype(np.int64)
                    row_numbers = pa.array(_number_rows(file_idx, counts), pa.int64())
                    texts = [batch.column(i).cast(pa.string()) for i in range(n_cols)]
                    yield pa.RecordBatch.from_arrays(
                        [*texts, batch_files.take(pa.array(file_idx)), row_numbers.cast(pa.int64())],
                        schema=schema,
                    )

            stream = pa.RecordBatchReader.from_batches(schema, with_lineage())
            columns = ", ".join(q(c) for c in schema.names)
            view = "_lifecycle_loader_stream"
            self.con.register(view, stream)
            try:
                self.con.execute(f"insert into {raw_relation(table.key)} ({columns}) select * from {view}")
            finally:
                with suppress(Exception):  # never mask the insert's own error
                    self.con.unregister(view)
            return [int(c) for c in counts]
        finally:
            reader_con.close()


def _number_rows(file_idx: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """1-based row numbers within each file for rows in scan order; advances ``counts``.

    Rows of one file arrive in file order (DuckDB preserves insertion order); files may follow
    each other, and numbering carries over from batch to batch.
    """
    out = np.empty(len(file_idx), dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, file_idx[1:] != file_idx[:-1]])
    ends = np.r_[starts[1:], len(file_idx)]
    for s, e in zip(starts, ends, strict=True):
        i = file_idx[s]
        out[s:e] = np.arange(counts[i] + 1, counts[i] + 1 + (e - s))
        counts[i] += e - s
    return out


#: Column names DuckDB's file readers expose as virtual columns; a file that has one of its own
#: is read alone with its lineage set without them.
VIRTUAL_COLUMNS = frozenset({"filename", "file_index", "file_row_number"})
GROUP_MAX_FILES = 500
GROUP_MAX_BYTES = 64 * 1024 * 1024
GROUP_MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class _Signature:
    """Files with equal ``key`` can be read by one scan (same format and same columns)."""

    key: tuple
    batchable: bool


@dataclass
class _Group:
    files: list[BatchFile]
    signature: _Signature
    bytes: int = 0


def _signature(f: BatchFile) -> _Signature:
    alone = _Signature(("alone", f.batch_file), False)
    if not f.sha256:
        return alone
    if f.size_bytes == 0:
        return _Signature((f.key, f.format, "empty"), True)
    try:
        if f.format == "csv":
            names = _csv_header(f.path)
        elif f.format == "parquet":
            schema = pq.read_schema(f.path)
            names = [f"{n}:{t}" for n, t in zip(schema.names, schema.types, strict=True)]
        else:
            return _Signature((f.key, f.format), True)
    except Exception:  # unreadable: load it alone so its own error is reported
        return alone
    if any(n.split(":")[0].lower() in VIRTUAL_COLUMNS for n in names):
        return alone
    return _Signature((f.key, f.format, tuple(names)), True)


@contextmanager
def utc_session(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """``SET TimeZone='UTC'`` for the duration, restoring the connection's previous setting."""
    (before,) = con.execute("select current_setting('TimeZone')").fetchall()[0]
    con.execute("set TimeZone = 'UTC'")
    try:
        yield
    finally:
        con.execute(f"set TimeZone = {lit(str(before))}")


def raw_row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per raw table ``<source>__<table>`` for every contract table (0 when it does not exist),
    and for every connector table that exists (``<layout>__<table>``)."""
    existing = {
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?", [RAW_SCHEMA]
        ).fetchall()
    }
    out: dict[str, int] = {}
    for key in [*BY_KEY, *(k for k in ALL_BY_KEY if k not in BY_KEY and k in existing)]:
        out[key] = (
            int(con.execute(f"select count(*) from {raw_relation(key)}").fetchall()[0][0])
            if key in existing
            else 0
        )
    return out


def rejected_files(con: duckdb.DuckDBPyConnection) -> list[ManifestEntry]:
    """The batch files the raw layer does not hold because they could not be loaded (manifest
    status ``failed``: unreadable, or missing a required contract column), by ``batch_file``.

    The loader retries them every run, so the list is current after each load: a file fixed in
    place, or removed from the landing dir, leaves it (a removed one at its next load)."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [RAW_SCHEMA, MANIFEST_TABLE],
    ).fetchall()[0][0]
    if not exists:
        return []
    names = ", ".join(q(n) for n, _ in MANIFEST_COLUMNS)
    rows = con.execute(
        f"select {names} from {RAW_SCHEMA}.{q(MANIFEST_TABLE)} where status = ? order by batch_file",
        [FAILED],
    ).fetchall()
    return [ManifestEntry(*r) for r in rows]
