"""Engine-neutral pieces of the loader: batch files, per-file results, the run report, and the
``Loader`` protocol an engine (DuckDB today, Spark later) implements.

The split of work: :mod:`.discover` finds batch files, :mod:`.manifest` decides which are new,
skipped or changed, an engine's :class:`Loader` writes new files into its raw layer (each file
atomically together with its manifest entry), and :func:`.runner.run_load` ties them together
with progress output. Only the engine module knows SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from lifecycle.contract import Table

if TYPE_CHECKING:
    from lifecycle.connectors.family import EventFamily

    from .database import DatabaseSource

#: Batch file formats of the raw contract, keyed by file-name suffix (checked longest first).
FORMATS: dict[str, str] = {".jsonl.gz": "jsonl.gz", ".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet"}

#: Statuses of a file in a run. ``loaded``/``failed`` are also manifest statuses.
LOADED, SKIPPED, FAILED, CHANGED = "loaded", "skipped", "failed", "changed"

#: Name of the manifest table inside the raw schema.
MANIFEST_TABLE = "_load_manifest"


class LoaderError(Exception):
    """The input cannot be used at all (e.g. the landing dir does not exist); the message says why."""


@dataclass(frozen=True)
class BatchFile:
    """One landed batch file of one contract table."""

    source: str
    table: str
    path: Path  # absolute path on disk
    batch_file: str  # path relative to the landing dir, forward slashes: lineage + manifest key
    format: str  # one of FORMATS' values
    size_bytes: int
    sha256: str | None = None  # filled in by the planner before loading
    modified_ns: int = 0  # st_mtime_ns when discovered (0: unknown)

    @property
    def key(self) -> str:
        """``<source>__<table>``: the raw table's name."""
        return f"{self.source}__{self.table}"


@dataclass(frozen=True)
class ManifestEntry:
    """The manifest's current record of one batch file (one row per file)."""

    source_name: str
    table_name: str
    batch_file: str
    file_format: str
    size_bytes: int
    sha256: str
    rows: int
    status: str  # 'loaded' | 'failed'
    error: str | None
    loaded_at_utc: datetime | None
    load_seconds: float
    modified_ns: int | None = None  # the file's st_mtime_ns when it was loaded (None: before it was kept)


@dataclass
class FileResult:
    """What happened to one batch file in this run. ``rows`` counts rows loaded by this run."""

    source: str
    table: str
    batch_file: str
    status: str  # 'loaded' | 'skipped' | 'failed' | 'changed'
    rows: int
    error: str | None
    seconds: float
    #: an advisory about a loaded file (e.g. nullable contract columns it lacks, loaded as NULL)
    note: str | None = None

    @property
    def key(self) -> str:
        return f"{self.source}__{self.table}"


@dataclass
class LoadReport:
    """Outcome of one load run.

    ``ok`` is False only when a file changed under a name that was already loaded (an error:
    the warehouse would otherwise double count or silently miss the correction). Files that
    could not be parsed are warnings: they are recorded as failed and retried next run.
    """

    files: list[FileResult]
    seconds: float
    notes: list[str] = field(default_factory=list)  # ignored files/folders and other advisories

    @property
    def ok(self) -> bool:
        return not any(f.status == CHANGED for f in self.files)

    @property
    def errors(self) -> list[str]:
        return [
            f.error or f"{f.batch_file} changed after it was loaded"
            for f in self.files
            if f.status == CHANGED
        ]

    @property
    def warnings(self) -> list[str]:
        failed = [
            f"{f.batch_file} could not be loaded (will be retried next run): {f.error}"
            for f in self.files
            if f.status == FAILED
        ]
        file_notes = [f.note for f in self.files if f.note and f.status == LOADED]
        return failed + file_notes + list(self.notes)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def rows_by_table(self) -> dict[str, int]:
        """New rows loaded this run per ``<source>__<table>`` (every table seen, 0 included)."""
        out: dict[str, int] = {}
        for f in self.files:
            out[f.key] = out.get(f.key, 0) + (f.rows if f.status == LOADED else 0)
        return out

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files if f.status == LOADED)

    def total_line(self) -> str:
        return (
            f"load: {self.count(LOADED)} new files ({self.rows:,} rows), {self.count(SKIPPED)} unchanged "
            f"skipped, {self.count(FAILED)} failed, {self.count(CHANGED)} changed in {self.seconds:.2f} s"
        )

    def lines(self) -> list[str]:
        """Human summary: one line per table that had new, failed or changed files, then the total."""
        by_table: dict[str, list[FileResult]] = {}
        for f in self.files:
            by_table.setdefault(f.key, []).append(f)
        out = [
            table_line(key, results, sum(r.seconds for r in results))
            for key, results in by_table.items()
            if any(r.status != SKIPPED for r in results)
        ]
        out.append(self.total_line())
        return out


def table_line(key: str, results: Sequence[FileResult], seconds: float) -> str:
    """``  billing__invoices    new 3  skipped 10  failed 0  changed 0  rows 1,234  0.12 s``."""

    def n(status: str) -> int:
        return sum(1 for r in results if r.status == status)

    rows = sum(r.rows for r in results if r.status == LOADED)
    line = f"  {key:<30} new {n(LOADED):>4}  skipped {n(SKIPPED):>4}  failed {n(FAILED):>3}"
    if n(CHANGED):
        line += f"  changed {n(CHANGED):>3}"
    return line + f"  rows {rows:>10,}  {seconds:6.2f} s"


class Loader(Protocol):
    """What an engine implements to load batch files into its raw layer.

    The raw layer has one table per contract table named ``<source>__<table>`` with every
    contract column (contract order) as text, then ``_batch_file`` and ``_row_number``, plus the
    manifest table; see docs/loading.md.
    """

    #: short engine name for messages, e.g. ``duckdb``
    engine: str

    def prepare(self, tables: Sequence[Table]) -> list[str]:
        """Create the raw schema, the manifest and the given raw tables if missing (and bring an
        older raw table's columns up to the contract). Returns notes for the report."""
        ...

    def manifest(self) -> dict[str, ManifestEntry]:
        """Current manifest entries keyed by ``batch_file``."""
        ...

    def forget_failed(self, batch_files: Sequence[str]) -> None:
        """Drop the ``failed`` manifest entries of these files (gone from the landing dir, so no
        longer rejected files to report)."""
        ...

    def remember_modified(self, files: Sequence[BatchFile]) -> None:
        """Record the current ``modified_ns`` of loaded files whose checksum matched (a file
        loaded before the manifest kept modification times, or touched since), so that the next
        run skips them unread."""
        ...

    def load_database_table(
        self, table: Table, source: DatabaseSource, member: str | None = None
    ) -> tuple[FileResult, str | None]:
        """Load a connector table (a family's ``member`` table) from a DuckDB database as one
        batch (:mod:`.database`)."""
        ...

    def database_members(self, family: EventFamily, source: DatabaseSource) -> list[str]:
        """The tables of a DuckDB database that are members of ``family`` (:mod:`.database`)."""
        ...

    def load(self, files: Sequence[BatchFile]) -> Iterator[FileResult]:
        """Load new files (``sha256`` set), yielding one result per file as it finishes.

        Each file is atomic: its rows and its manifest entry are written together or not at
        all. A file that cannot be parsed yields ``status='failed'`` with a message and is
        recorded in the manifest as failed (replacing an earlier failed entry); it must not stop
        the run. Only warehouse-level errors (disk full, lost connection) may raise.
        """
        ...
