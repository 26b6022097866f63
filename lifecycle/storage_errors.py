"""A full disk or a read-only path, however it surfaces, as one line for the user.

The same condition reaches the CLI in several shapes: an ``OSError`` (ENOSPC, EROFS, EACCES, ...)
from Python, a DuckDB ``IOException``/``TransactionException`` whose message ends in
``No space left on device`` or ``Read-only file system`` (the file named in quotes), SQLite's
``database or disk is full`` (the Dagster instance), the message of a failed dbt node in
``run_results.json``, or the text of a failed Dagster step. :func:`storage_problem` recognises
each of them; :meth:`StorageProblem.line` says what and where, and which setting moves it.
Anything else is not a storage problem (None): the caller lets it through unchanged.
"""

from __future__ import annotations

import errno
import json
import re
from dataclasses import dataclass
from pathlib import Path

from lifecycle.settings import Settings

#: errno -> what the line says; the first three are about space, the others about permission.
REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}
SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
#: the same conditions as text (DuckDB's, SQLite's and the C library's messages)
TEXTS = (
    ("No space left on device", errno.ENOSPC),
    ("database or disk is full", errno.ENOSPC),
    ("Disk quota exceeded", errno.EDQUOT),
    ("File too large", errno.EFBIG),
    ("Read-only file system", errno.EROFS),
    ("attempt to write a readonly database", errno.EROFS),
    ("Permission denied", errno.EACCES),
)
#: a temporary copy lifecycle.publish writes before it replaces the file: ``.<name>.tmp-<pid>-<ns>``
_TMP_COPY = re.compile(r"^\.(.+)\.tmp-\d+-\d+$")
#: the fix when the path is unknown or outside the configured places
ANY_SETTING = "point LIFECYCLE_WAREHOUSE / LIFECYCLE_SERVING elsewhere"
#: a path in quotes, as DuckDB names the file: ``Could not write file "/x/w.duckdb": ...``
_QUOTED_PATH = re.compile(r"""["'](/[^"']+)["']""")


@dataclass(frozen=True)
class StorageProblem:
    code: int
    path: str | None

    @property
    def reason(self) -> str:
        return REASONS[self.code]

    def line(self, settings: Settings | None = None) -> str:
        """``no space left on device writing /x/warehouse.duckdb: free space or set LIFECYCLE_WAREHOUSE ...``"""
        where = f" writing {self.path}" if self.path else ""
        copy_of = _TMP_COPY.match(Path(self.path).name) if self.path else None
        if copy_of:  # lifecycle.publish's temporary file
            where += f", the new copy of {Path(self.path).with_name(copy_of.group(1))}"
        setting = _setting_for(Path(self.path), settings) if self.path and settings else None
        if self.code in SPACE:
            fix = "free space"
            move = f"set {setting} to a path on a disk with room" if setting else ANY_SETTING
        else:
            fix = "make it writable"
            move = f"set {setting} to a writable path" if setting else ANY_SETTING
        return f"{self.reason}{where}: {fix}, or {move}"


def _setting_for(path: Path, settings: Settings) -> str | None:
    """The setting that decides where ``path`` is, the most specific first."""
    serving, warehouse = settings.serving, settings.warehouse
    # the serving DB, its temporary copy (.serving.duckdb.tmp-*) and its Parquet dir
    if path.parent == serving.parent and path.name.lstrip(".").startswith(serving.stem):
        return "LIFECYCLE_SERVING"
    # the warehouse, its .wal and its .lock
    if path.parent == warehouse.parent and path.name.startswith(warehouse.name):
        return "LIFECYCLE_WAREHOUSE"
    for name, folder in (
        ("LIFECYCLE_DUCKDB_TEMP_DIR", settings.duckdb_temp_dir),
        ("LIFECYCLE_LANDING_DIR", settings.landing_dir),
        ("LIFECYCLE_WAREHOUSE", warehouse.parent),  # the data dir: logs, reports, Dagster home
        ("LIFECYCLE_SERVING", serving.parent),
    ):
        if path == folder or folder in path.parents:
            return name
    return None


def storage_problem(error: BaseException | str) -> StorageProblem | None:
    """The storage problem ``error`` is (an exception, its chain, or a message), else None."""
    seen: set[int] = set()
    current: BaseException | str | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in REASONS:
            filename = current.filename
            return StorageProblem(current.errno, str(filename) if filename else None)
        found = _from_text(str(current))
        if found is not None:
            return found
        if not isinstance(current, BaseException):
            return None
        current = current.__cause__ or current.__context__
    return None


def _from_text(text: str) -> StorageProblem | None:
    for needle, code in TEXTS:
        at = text.find(needle)
        if at < 0:
            continue
        # the path named just before the reason (DuckDB: `file "<path>": <reason>`)
        paths = _QUOTED_PATH.findall(text[:at])
        return StorageProblem(code, paths[-1] if paths else None)
    return None


def dbt_storage_problem(run_results: Path, since: float) -> StorageProblem | None:
    """The storage problem a failed dbt invocation reported in ``run_results`` (written after
    ``since``, a ``time.time()``), else None."""
    try:
        if run_results.stat().st_mtime < since:
            return None
        results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    except (OSError, ValueError, AttributeError):
        return None
    for result in results:
        if isinstance(result, dict) and result.get("status") in ("error", "fail"):
            found = _from_text(str(result.get("message") or ""))
            if found is not None:
                return found
    return None
