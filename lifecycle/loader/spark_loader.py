"""The Spark engine of the loader (``DBT_TARGET=spark``): Spark's readers write the raw layer as
Parquet, ``<spark dir>/landed/raw/<source>__<table>/``, which dbt's ``on-run-start`` hook registers
as Spark tables (macros/register_landed_tables.sql).

The split of work with the DuckDB engine (lifecycle/loader/duckdb_loader.py):

- The same plan, groups, file checks and messages: the header against the contract (a missing
  required column or a repeated one fails the file, a missing nullable one loads as NULL), and
  text that is not UTF-8 (or a gzip stream cut short) fails the file before Spark reads it.
- The same manifest, in the warehouse file (``raw._load_manifest``): the control plane both
  engines share, which the summary, ``audit.rejected_files`` and the exit codes read.
- The rows are read by Spark in a child process (:mod:`.spark_reader`), one request per group of
  files, and written as one set of Parquet parts per batch file, named by a hash of its path
  (``<hash>-<n>.parquet``), moved into place only when the whole group was read.

A file's parts are moved into place before its manifest entry commits. If the process dies
between the two, the next load's :meth:`SparkLoader.prepare` removes the parts no ``loaded``
entry names, and forgets a ``loaded`` entry whose parts are missing (e.g. the warehouse file was
loaded by the DuckDB engine), so that file is loaded again: never counted twice, never lost.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import pyarrow as pa
import pyarrow.parquet as pq

from lifecycle.connectors import ALL_BY_KEY
from lifecycle.connectors.family import EventFamily, PackedTable
from lifecycle.contract import LINEAGE_COLUMNS, Table

from .base import LOADED, MANIFEST_TABLE, BatchFile, FileResult, LoaderError
from .database import DatabaseSource
from .duckdb_loader import (
    RAW_SCHEMA,
    DuckDBLoader,
    UnparseableFile,
    _csv_header_names,
    _Group,
    _unique_names,
    check_columns,
    q,
)
from .spark_reader import ANSWER

if TYPE_CHECKING:
    import duckdb

#: The part that gives an empty raw table its columns (Spark infers a table's schema from a file).
EMPTY_PART = "empty.parquet"
#: Bytes read at a time when checking that a text batch file is UTF-8.
CHUNK = 1 << 20


def part_name(batch_file: str) -> str:
    """The stem of a batch file's Parquet parts: a hash of its path, so a reload replaces them."""
    return hashlib.sha256(batch_file.encode("utf-8")).hexdigest()[:20]


def raw_schema(table: Table) -> pa.Schema:
    return pa.schema(
        [pa.field(c, pa.string()) for c in table.column_names]
        + [pa.field(LINEAGE_COLUMNS[0], pa.string()), pa.field(LINEAGE_COLUMNS[1], pa.int64())]
    )


def check_utf8(f: BatchFile) -> None:
    """Fail a CSV/JSON file that is not UTF-8 text (Spark would replace the bytes silently) or
    whose gzip stream is cut short; the message says where."""
    if f.format == "parquet" or f.size_bytes == 0:
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    opener: Any = gzip.open if f.format == "jsonl.gz" else open
    offset = 0
    try:
        with opener(f.path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UnparseableFile(
            f"the file is not UTF-8 text ({exc.reason} near byte {offset + exc.start})"
        ) from exc
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise UnparseableFile(f"the gzip stream is damaged or cut short ({exc})") from exc


def line_separator(f: BatchFile) -> str:
    """A CSV file's record separator, as its header row ends: ``\r\n`` or ``\n``. Spark keeps the
    line breaks inside quoted fields as written only when the separator is given."""
    with open(f.path, "rb") as fh:
        head = fh.read(CHUNK)
    end = head.find(b"\n")
    return "\r\n" if end > 0 and head[end - 1 : end] == b"\r" else "\n"


class SparkReaderProcess:
    """The child process that runs Spark's readers (:mod:`.spark_reader`), started on first use."""

    def __init__(self, python_path: Sequence[Path], log_file: Path) -> None:
        self.python_path = [str(p) for p in python_path]
        self.log_file = log_file
        self._proc: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([*self.python_path, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_file, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        proc = subprocess.Popen(
            [sys.executable, "-m", "lifecycle.loader.spark_reader"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=env,
        )
        self._proc = proc
        self._answer()  # the session is up
        return proc

    def _answer(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.startswith(ANSWER):
                return json.loads(line[len(ANSWER) :])
        code = self._proc.wait()
        raise LoaderError(
            f"the Spark reader process ended (exit {code}) before answering: see {self.log_file}"
        )

    def read(self, request: dict[str, Any]) -> dict[str, Any]:
        proc = self._proc or self._start()
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(request) + "\n")
        proc.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self._proc is not None:
            if self._proc.stdin:
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _refuse_database(table: Table, source: DatabaseSource) -> NoReturn:
    raise LoaderError(
        f"{table.source} is read from the database {source.path}: database sources load on the "
        "DuckDB engine only; unset DBT_TARGET, or land the tables as files (docs/connectors.md)"
    )


def _packing(table: Table, fmt: str) -> dict[str, Any] | None:
    """What the reader needs to build a family's packed column (:mod:`.packing`)."""
    if not isinstance(table, PackedTable):
        return None
    return {
        "column": table.packed,
        "standard": list(table.standard),
        "prefixes": list(table.standard_prefixes),
        "empty_is_null": fmt == "csv",
    }


class SparkLoader(DuckDBLoader):
    """Loads batch files with Spark's readers into Parquet under ``raw_dir``; the manifest stays in
    the warehouse file on ``con`` (see :class:`.base.Loader` and this module's docstring)."""

    engine = "spark"

    def __init__(self, con: duckdb.DuckDBPyConnection, raw_dir: Path, reader: SparkReaderProcess) -> None:
        super().__init__(con)
        self.raw_dir = raw_dir
        self.reader = reader

    def table_dir(self, key: str) -> Path:
        return self.raw_dir / key

    # -- raw layer ------------------------------------------------------------------------------
    def prepare(self, tables: Sequence[Table]) -> list[str]:
        self.tables = {t.key: t for t in tables}
        self.ensure_manifest()
        loaded = {
            str(b): (str(k), int(n))
            for b, k, n in self.con.execute(
                f"select batch_file, source_name || '__' || table_name, rows "
                f"from {RAW_SCHEMA}.{q(MANIFEST_TABLE)} where status = ?",
                [LOADED],
            ).fetchall()
        }
        notes: list[str] = []
        stale: list[str] = []
        for table in tables:
            folder = self.table_dir(table.key)
            folder.mkdir(parents=True, exist_ok=True)
            if not (folder / EMPTY_PART).exists():
                pq.write_table(raw_schema(table).empty_table(), folder / EMPTY_PART)
            mine = {part_name(b): b for b, (k, _) in loaded.items() if k == table.key}
            present = set()
            for part in folder.glob("*.parquet"):
                if part.name == EMPTY_PART:
                    continue
                stem = part.name.split("-", 1)[0]
                if stem in mine:
                    present.add(stem)
                else:  # no loaded manifest entry names it: left by an interrupted load
                    part.unlink()
            stale += [b for stem, b in mine.items() if stem not in present and loaded[b][1] > 0]
        if stale:
            self.con.executemany(
                f"delete from {RAW_SCHEMA}.{q(MANIFEST_TABLE)} where batch_file = ?", [(b,) for b in stale]
            )
            notes.append(
                f"{len(stale)} loaded batch file(s) have no rows in {self.raw_dir} (loaded by another "
                "engine into this warehouse file, or removed): loaded again"
            )
        return notes

    def database_members(self, family: EventFamily, source: DatabaseSource) -> list[str]:
        _refuse_database(family, source)

    def load_database_table(
        self, table: Table, source: DatabaseSource, member: str | None = None
    ) -> tuple[FileResult, str | None]:
        _refuse_database(table, source)

    def _check_settings(self) -> None:  # rows are numbered by Spark, not by a DuckDB scan
        return

    # -- reading --------------------------------------------------------------------------------
    def _insert(self, group: _Group) -> tuple[dict[str, int], tuple[str, ...]]:
        for f in group.files:
            if not f.sha256:
                raise UnparseableFile("the file could not be read")
        readable = [f for f in group.files if f.size_bytes > 0]
        if not readable:
            return {}, ()
        table = self.tables.get(readable[0].key) or ALL_BY_KEY[readable[0].key]
        fmt = readable[0].format
        absent: tuple[str, ...] = ()
        header: list[str] = []
        if fmt == "csv":
            written = _csv_header_names(readable[0].path)
            absent = check_columns(table, written)
            header = _unique_names(written)
        elif fmt == "parquet":
            absent = check_columns(table, pq.read_schema(readable[0].path).names)
        if isinstance(table, PackedTable) and fmt not in ("parquet", "csv"):
            raise UnparseableFile(
                f"{table.key} is read from Parquet or CSV files (the loader packs their columns into "
                f"{table.packed}), not JSON lines"
            )
        for f in readable:
            check_utf8(f)
        answer = self.reader.read(
            {
                "format": fmt,
                "paths": [str(f.path) for f in readable],
                "batch_files": [f.batch_file for f in readable],
                "parts": [part_name(f.batch_file) for f in readable],
                "columns": list(table.column_names),
                "header": header,
                "line_seps": [line_separator(f) if fmt == "csv" else "\n" for f in readable],
                "out_dir": str(self.table_dir(table.key)),
                "packed": _packing(table, fmt),
            }
        )
        if not answer.get("ok"):
            raise UnparseableFile(str(answer.get("error") or "Spark could not read the file"))
        rows = [int(n) for n in answer["rows"]]
        return {f.batch_file: rows[i] for i, f in enumerate(readable)}, absent
