"""Find the batch files of the landing dir: ``<landing_dir>/<source>/<table>/<batch files>``.

Engine-neutral (only the file system). Hidden files and folders (dot-files: ``.DS_Store``, a
landing tool's ``.name.tmp`` before it renames the file, the simulator's ``.simulator.json``) are
not batches and are skipped silently. Anything else that is not a batch file of a contract table
is ignored with a note: unknown source or table folders, files of other formats (``README``,
``*.tmp``). Batch files may sit in sub-folders of a table folder (e.g.
``usage/tracks/2025/03/01.jsonl.gz``); their ``batch_file`` keeps the sub-path.

:func:`discover` is the one definition of "a batch file": the loader, the landing sensor and
:func:`has_batches` (is there anything to load, or should the demo be simulated?) all use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle.contract import SOURCES, TABLES, Table

from .base import FORMATS, BatchFile, LoaderError


@dataclass
class Discovery:
    files: list[BatchFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def file_format(name: str) -> str | None:
    """The contract format of a file name (``csv``, ``jsonl``, ``jsonl.gz``, ``parquet``) or None."""
    lower = name.lower()
    for suffix, fmt in FORMATS.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return fmt
    return None


def check_landing_dir(landing_dir: Path) -> Path:
    landing_dir = Path(landing_dir)
    if not landing_dir.exists():
        raise LoaderError(
            f"landing dir {landing_dir} does not exist: set LIFECYCLE_LANDING_DIR to a folder laid out "
            "as <source>/<table>/<batch files> (see docs/loading.md)"
        )
    if not landing_dir.is_dir():
        raise LoaderError(f"landing dir {landing_dir} is not a directory")
    return landing_dir


def _hidden(path: Path) -> bool:
    """Dot-files and dot-folders are not batches (and not worth a note)."""
    return path.name.startswith(".")


def _rel(landing_dir: Path, path: Path) -> str:
    return path.relative_to(landing_dir).as_posix()


def _table_files(landing_dir: Path, table: Table, folder: Path, out: Discovery) -> None:
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        rel = _rel(landing_dir, entry)
        if _hidden(entry):
            continue
        if entry.is_dir():
            _table_files(landing_dir, table, entry, out)
        elif (fmt := file_format(entry.name)) is None:
            out.notes.append(f"ignored {rel}: not a batch file (.csv, .jsonl, .jsonl.gz or .parquet)")
        elif not entry.is_file():
            out.notes.append(f"ignored {rel}: not a regular file")
        else:
            stat = entry.stat()
            out.files.append(
                BatchFile(
                    table.source, table.name, entry.resolve(), rel, fmt, stat.st_size, None, stat.st_mtime_ns
                )
            )


def discover(landing_dir: Path, tables: Sequence[Table] = TABLES) -> Discovery:
    """Batch files of ``tables`` sorted by ``batch_file``, plus notes about anything ignored.

    When ``tables`` is the whole contract the landing dir is checked for unknown folders and stray
    files too; for a subset only those tables' folders are read. A missing table folder is not an
    error (the table simply has no batches yet).
    """
    landing_dir = check_landing_dir(landing_dir).resolve()
    out = Discovery()
    wanted = {t.key: t for t in tables}
    for table in tables:
        folder = landing_dir / table.source / table.name
        if folder.is_dir():
            _table_files(landing_dir, table, folder, out)
        elif folder.exists():
            out.notes.append(f"ignored {_rel(landing_dir, folder)}: a table folder is expected, found a file")
    if len(wanted) == len(TABLES):
        out.notes.extend(_strays(landing_dir))
    out.files.sort(key=lambda f: f.batch_file)
    return out


def _strays(landing_dir: Path) -> list[str]:
    """Notes for what the landing dir holds besides contract table folders."""
    known = {(t.source, t.name) for t in TABLES}
    notes = []
    for entry in sorted(landing_dir.iterdir(), key=lambda p: p.name):
        if _hidden(entry):
            continue
        if not entry.is_dir():
            notes.append(f"ignored file {entry.name} at the top of the landing dir")
        elif entry.name not in SOURCES:
            notes.append(
                f"unknown source folder {entry.name}/ ignored (sources of the contract: {', '.join(SOURCES)})"
            )
        else:
            for sub in sorted(entry.iterdir(), key=lambda p: p.name):
                rel = _rel(landing_dir, sub)
                if _hidden(sub):
                    continue
                if not sub.is_dir():
                    notes.append(f"ignored file {rel}: batch files belong in <source>/<table>/")
                elif (entry.name, sub.name) not in known:
                    names = ", ".join(t.name for t in TABLES if t.source == entry.name)
                    notes.append(f"unknown table folder {rel}/ ignored ({entry.name} tables: {names})")
    return notes


def has_batches(landing_dir: Path) -> bool:
    """True when ``landing_dir`` exists and holds at least one batch file of a contract table,
    at any depth the loader accepts (``<source>/<table>/[sub/folders/]<batch file>``)."""
    landing_dir = Path(landing_dir)
    return landing_dir.is_dir() and bool(discover(landing_dir).files)
