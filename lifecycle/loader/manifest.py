"""Incremental-by-file bookkeeping, engine-neutral: checksums and the new/skipped/changed plan.

The manifest (``raw._load_manifest`` in DuckDB) keeps one row per batch file: ``loaded`` with its
sha256 and row count, or ``failed`` with the error. A run then

- skips a file whose path is ``loaded`` with the same sha256 (it is not read again); a file whose
  size and modification time (``st_mtime_ns``) are those recorded when it was loaded is not even
  read to checksum it (as make and rsync do: at 50,000 accounts, checksumming 7 GB of unchanged
  files took 11 s of a no-op run), unless the run verifies every checksum (``verify``),
- reports a file whose path is ``loaded`` with a *different* sha256 as ``changed`` (an error: batch
  files are append-only, loading it again would double count, skipping it silently would hide a
  correction) and leaves the raw layer and the manifest as they were,
- loads everything else: new files and files that failed before (retried every run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .base import CHANGED, FAILED, LOADED, SKIPPED, BatchFile, FileResult, ManifestEntry

#: Columns of the manifest table, in order, with portable SQL types.
MANIFEST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_name", "varchar"),
    ("table_name", "varchar"),
    ("batch_file", "varchar"),
    ("file_format", "varchar"),
    ("size_bytes", "bigint"),
    ("sha256", "varchar"),
    ("rows", "bigint"),
    ("status", "varchar"),
    ("error", "varchar"),
    ("loaded_at_utc", "timestamp"),
    ("load_seconds", "double"),
    ("modified_ns", "bigint"),
)


def sha256_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


@dataclass
class Plan:
    new: list[BatchFile] = field(default_factory=list)  # to load (sha256 set); includes retries
    done: list[FileResult] = field(default_factory=list)  # skipped and changed files
    #: skipped after their checksum matched, with a modification time the manifest does not have
    remember: list[BatchFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def changed_message(f: BatchFile, entry: ManifestEntry) -> str:
    return (
        f"{f.batch_file} changed after it was loaded: sha256 was {entry.sha256} ({entry.rows} rows loaded "
        f"{entry.loaded_at_utc:%Y-%m-%d %H:%M:%S} UTC), now {f.sha256}. Its rows were NOT loaded again. "
        "Batch files are append-only: restore the original file, or land the correction as a new batch "
        "file (a later _loaded_at wins downstream)"
    )


def unchanged_since_load(f: BatchFile, entry: ManifestEntry | None) -> bool:
    """The file has the size and modification time it had when it was loaded (no need to read it)."""
    return (
        entry is not None
        and entry.status == LOADED
        and bool(entry.modified_ns)
        and entry.modified_ns == f.modified_ns
        and entry.size_bytes == f.size_bytes
    )


def plan(files: Sequence[BatchFile], manifest: Mapping[str, ManifestEntry], *, verify: bool = False) -> Plan:
    """Checksum ``files`` and split them into new (to load), skipped and changed. A loaded file
    with its recorded size and modification time is skipped unread unless ``verify``."""
    out = Plan()
    loaded_by_sha: dict[str, str] = {
        e.sha256: e.batch_file for e in manifest.values() if e.status == LOADED and e.rows > 0
    }
    for f in files:
        if not verify and unchanged_since_load(f, manifest.get(f.batch_file)):
            out.done.append(FileResult(f.source, f.table, f.batch_file, SKIPPED, 0, None, 0.0))
            continue
        try:
            f = replace(f, sha256=sha256_of(f.path))
        except OSError as exc:  # vanished or unreadable: the engine reports it as failed
            out.new.append(replace(f, sha256=""))
            out.notes.append(f"could not read {f.batch_file} to checksum it: {exc}")
            continue
        entry = manifest.get(f.batch_file)
        if entry is not None and entry.status == LOADED:
            if entry.sha256 == f.sha256:
                out.done.append(FileResult(f.source, f.table, f.batch_file, SKIPPED, 0, None, 0.0))
                if f.modified_ns and entry.modified_ns != f.modified_ns:
                    out.remember.append(f)
            else:
                out.done.append(
                    FileResult(f.source, f.table, f.batch_file, CHANGED, 0, changed_message(f, entry), 0.0)
                )
            continue
        twin = loaded_by_sha.get(f.sha256 or "")
        if twin is not None and f.size_bytes > 0:
            out.notes.append(
                f"{f.batch_file} has the same content (sha256) as the already loaded {twin}: loading it "
                "anyway as its own batch; downstream deduplication will see its rows twice"
            )
        out.new.append(f)
    return out


def missing_files(
    manifest: Mapping[str, ManifestEntry], present: Sequence[BatchFile], keys: set[str]
) -> str | None:
    """A note when loaded files of the selected tables are gone from the landing dir (rows stay)."""
    here = {f.batch_file for f in present}
    gone = sorted(
        e.batch_file
        for e in manifest.values()
        if e.status == LOADED and f"{e.source_name}__{e.table_name}" in keys and e.batch_file not in here
    )
    if not gone:
        return None
    shown = ", ".join(gone[:5]) + (f" and {len(gone) - 5} more" if len(gone) > 5 else "")
    return (
        f"{len(gone)} loaded batch file(s) are no longer in the landing dir (their rows stay in raw): {shown}"
    )


def gone_failed(
    manifest: Mapping[str, ManifestEntry], present: Sequence[BatchFile], keys: set[str]
) -> list[str]:
    """Files of the selected tables recorded as failed that are no longer in the landing dir."""
    here = {f.batch_file for f in present}
    return sorted(
        e.batch_file
        for e in manifest.values()
        if e.status == FAILED and f"{e.source_name}__{e.table_name}" in keys and e.batch_file not in here
    )
