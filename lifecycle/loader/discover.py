"""Find the batch files of the landing dir: ``<landing_dir>/<source>/<table>/<batch files>``, and for
a source read in a connector's layout ``<landing_dir>/<layout>/<table>/<batch files>``
(:mod:`lifecycle.connectors`).

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lifecycle.connectors import ALL_BY_KEY, LAYOUTS, default_layouts, layout_env_var, tables_for
from lifecycle.connectors.family import EventFamily
from lifecycle.contract import SOURCES, Table

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


def discover(
    landing_dir: Path, tables: Sequence[Table] | None = None, *, layouts: Mapping[str, str] | None = None
) -> Discovery:
    """Batch files of ``tables`` sorted by ``batch_file``, plus notes about anything ignored.

    ``tables`` None: every table the chosen ``layouts`` read (the contract's when None), and the
    landing dir is checked for unknown folders and stray files too; for a given list only those
    tables' folders are read. A missing table folder is not an error (the table simply has no
    batches yet).
    """
    landing_dir = check_landing_dir(landing_dir).resolve()
    out = Discovery()
    whole = tables is None
    chosen = default_layouts() | dict(layouts or {})
    wanted = tables_for(chosen) if tables is None else tables
    for table in wanted:
        if isinstance(table, EventFamily):
            for folder in family_folders(landing_dir, table):
                _table_files(landing_dir, table, folder, out)
            continue
        folder = landing_dir / table.source / table.name
        if folder.is_dir():
            _table_files(landing_dir, table, folder, out)
        elif folder.exists():
            out.notes.append(f"ignored {_rel(landing_dir, folder)}: a table folder is expected, found a file")
    if whole:
        out.notes.extend(_strays(landing_dir, chosen))
    out.files.sort(key=lambda f: f.batch_file)
    return out


def family_folders(landing_dir: Path, family: EventFamily) -> list[Path]:
    """The folders of ``family``'s members: every folder under ``<landing>/<layout>/`` that is no
    other table of the layout and none of its ``not_members`` (e.g. Segment's per-event tables)."""
    root = landing_dir / family.source
    if not root.is_dir():
        return []
    layout = LAYOUTS.get(family.source)
    others = {t.name for t in layout.tables if t.name != family.name} if layout else set()
    return [
        p
        for p in sorted(root.iterdir(), key=lambda p: p.name)
        if p.is_dir() and not _hidden(p) and p.name not in others and p.name not in family.not_members
    ]


def _strays(landing_dir: Path, layouts: Mapping[str, str]) -> list[str]:
    """Notes for what the landing dir holds besides the folders of the tables read."""
    read = tables_for(layouts)
    known = {(t.source, t.name) for t in read}
    folders = {t.source for t in read}
    families = {t.source: t for t in read if isinstance(t, EventFamily)}
    notes = []
    for entry in sorted(landing_dir.iterdir(), key=lambda p: p.name):
        if _hidden(entry):
            continue
        if not entry.is_dir():
            notes.append(f"ignored file {entry.name} at the top of the landing dir")
        elif entry.name in SOURCES and entry.name not in folders:
            notes.append(
                f"{entry.name}/ ignored: {layout_env_var(entry.name)}={layouts[entry.name]} reads "
                f"{layouts[entry.name]}/ instead"
            )
        elif entry.name in LAYOUTS and entry.name not in folders:
            source = LAYOUTS[entry.name].source
            notes.append(
                f"{entry.name}/ ignored: {source} is read as {layouts[source]} "
                f"(set {layout_env_var(source)}={entry.name} to read it)"
            )
        elif entry.name not in folders:
            notes.append(
                f"unknown source folder {entry.name}/ ignored (sources of the contract: {', '.join(SOURCES)}; "
                f"connector layouts: {', '.join(LAYOUTS)})"
            )
        else:
            for sub in sorted(entry.iterdir(), key=lambda p: p.name):
                rel = _rel(landing_dir, sub)
                if _hidden(sub):
                    continue
                if not sub.is_dir():
                    notes.append(f"ignored file {rel}: batch files belong in <source>/<table>/")
                elif (entry.name, sub.name) in known:
                    continue
                elif (family := families.get(entry.name)) is not None:  # a member unless excluded
                    if sub.name in family.not_members:
                        notes.append(f"{rel}/ ignored: the {entry.name} layout does not read {sub.name}")
                else:
                    names = ", ".join(t.name for t in read if t.source == entry.name)
                    notes.append(f"unknown table folder {rel}/ ignored ({entry.name} tables: {names})")
    return notes


def has_batches(landing_dir: Path) -> bool:
    """True when ``landing_dir`` exists and holds at least one batch file of a contract table or of
    any connector layout's table, at any depth the loader accepts
    (``<source>/<table>/[sub/folders/]<batch file>``): whatever the layouts chosen, such a dir
    holds someone's data and is never a place to simulate into."""
    landing_dir = Path(landing_dir)
    return landing_dir.is_dir() and bool(discover(landing_dir, list(ALL_BY_KEY.values())).files)
