"""One load run, engine-neutral: discover, plan against the manifest, load table by table, report."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lifecycle.connectors.family import EventFamily
from lifecycle.contract import Table

from .base import FAILED, LOADED, FileResult, Loader, LoadReport, table_line
from .database import DATABASE_FORMAT, DatabaseSource
from .discover import discover
from .manifest import gone_failed, missing_files, plan

Progress = Callable[[str], None]

#: Seconds between "still loading" lines inside one long table.
HEARTBEAT_SECONDS = 15.0


def run_load(
    loader: Loader,
    landing_dir: Path,
    tables: Sequence[Table],
    progress: Progress | None = None,
    *,
    verify: bool = False,
    layouts: Mapping[str, str] | None = None,
    databases: Mapping[str, DatabaseSource] | None = None,
) -> LoadReport:
    """Load the new batch files of ``tables`` from ``landing_dir`` with ``loader``; ``verify``:
    checksum every file, even one with the size and modification time it was loaded with.
    ``layouts`` (the layout per source, :mod:`lifecycle.connectors`): when given, ``tables`` are
    all the tables they read, and the landing dir is also checked for folders they do not read.
    ``databases`` (by layout): the layouts whose tables are read from a DuckDB database instead of
    files (:mod:`.database`); each such table is one batch.

    Progress: one line per table (files new/skipped/failed, rows, seconds) and a total line.
    """
    say = progress or (lambda _line: None)
    started = time.monotonic()
    found = (
        discover(landing_dir, None, layouts=layouts) if layouts is not None else discover(landing_dir, tables)
    )
    databases = dict(databases or {})
    from_database = {t.key for t in tables if t.source in databases}
    ignored = sorted({f.source for f in found.files if f.key in from_database})
    notes = list(found.notes) + [
        f"{layout}/ ignored: its tables are read from the database {databases[layout].path}"
        for layout in ignored
    ]
    found.files[:] = [f for f in found.files if f.key not in from_database]
    notes.extend(loader.prepare(tables))
    manifest = {k: e for k, e in loader.manifest().items() if e.file_format != DATABASE_FORMAT}
    file_keys = {t.key for t in tables if t.key not in from_database}
    if (gone := missing_files(manifest, found.files, file_keys)) is not None:
        notes.append(gone)
    if forgotten := gone_failed(manifest, found.files, file_keys):
        loader.forget_failed(forgotten)
        notes.append(
            f"{len(forgotten)} batch file(s) rejected by an earlier load are no longer in the landing dir "
            f"(no longer reported as rejected): {', '.join(forgotten[:5])}"
            + (f" and {len(forgotten) - 5} more" if len(forgotten) > 5 else "")
        )

    results: list[FileResult] = []
    for table in tables:
        t0 = time.monotonic()
        if table.key in from_database:
            source = databases[table.source]
            members = loader.database_members(table, source) if isinstance(table, EventFamily) else [None]
            table_results = []
            for member in members:
                result, note = loader.load_database_table(table, source, member)
                notes.extend([note] if note else [])
                if result.status == FAILED:
                    say(f"  ! {result.batch_file} failed: {result.error}")
                table_results.append(result)
            say(table_line(table.key, table_results, time.monotonic() - t0))
            results.extend(table_results)
            continue
        todo = plan([f for f in found.files if f.key == table.key], manifest, verify=verify)
        notes.extend(todo.notes)
        if todo.remember:
            loader.remember_modified(todo.remember)
        table_results = list(todo.done)
        last_beat, rows = t0, 0
        for result in loader.load(todo.new):
            table_results.append(result)
            rows += result.rows if result.status == LOADED else 0
            if result.status == FAILED:
                say(f"  ! {result.batch_file} failed: {result.error}")
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_SECONDS:
                n_new = len(table_results) - len(todo.done)
                say(f"  {table.key}: {n_new}/{len(todo.new)} new files, {rows:,} rows so far ...")
                last_beat = now
        say(table_line(table.key, table_results, time.monotonic() - t0))
        results.extend(table_results)
    report = LoadReport(files=results, seconds=time.monotonic() - started, notes=notes)
    say(report.total_line())
    return report
