"""One writer at a time per warehouse: an OS lock on ``<warehouse>.lock``, held for a whole run.

Every command that writes the warehouse or the serving DB (`lifecycle load`, `build`, `run`,
`publish`, `dbt`) and every Dagster run of the project's jobs (also those launched from
`lifecycle ui`: ``orchestration/resources.py``) holds ``fcntl.flock(LOCK_EX)`` on the file
``<warehouse>.lock`` beside the warehouse while it works. A second one refuses at once
(:class:`RunLockHeld`, exit code :data:`EXIT_LOCKED` in the CLI), naming the holder: the lock file
holds its pid, command and start time as text.

The lock is the ``flock``, not the file: the kernel releases it when the holding process dies,
however it dies (``kill -9`` included), so a lock file left behind never blocks the next run; the
file is never deleted (deleting a lock file others may have open breaks the lock).

Re-entrant within a process: `lifecycle run` takes the lock, then runs the Dagster job in the same
process, whose resource takes it again; the inner acquisition only counts (a second ``flock`` on
a new descriptor of the same file would refuse the process itself).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

#: The CLI's exit code when another run holds the lock.
EXIT_LOCKED = 4
LOCK_SUFFIX = ".lock"


class RunLockHeld(RuntimeError):
    """Another process holds the warehouse's run lock; the message names it."""

    def __init__(self, warehouse: Path, holder: str) -> None:
        self.warehouse = warehouse
        self.holder = holder
        super().__init__(f"another lifecycle run ({holder}) is using {warehouse}: wait for it to finish")


def lock_path(warehouse: Path) -> Path:
    """``/x/warehouse.duckdb`` -> ``/x/warehouse.duckdb.lock``."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + LOCK_SUFFIX)


@dataclass
class _Held:
    fd: int
    depth: int


#: The locks this process holds, by lock file path, and how many times each was entered.
_held: dict[str, _Held] = {}
_guard = threading.Lock()


def holder_text(fields: dict[str, object]) -> str:
    """``pid 1234, `lifecycle build`, started 2026-12-02T18:40:01Z`` from the lock file's fields."""
    parts = []
    if fields.get("pid"):
        parts.append(f"pid {fields['pid']}")
    if fields.get("command"):
        parts.append(f"`{fields['command']}`")
    if fields.get("started"):
        parts.append(f"started {fields['started']}")
    return ", ".join(parts) or "its details are not written yet"


def read_holder(path: Path) -> str:
    """What the lock file says about its holder (best effort: it may be mid-write)."""
    try:
        fields = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        fields = {}
    return holder_text(fields if isinstance(fields, dict) else {})


def _acquire(path: Path, warehouse: Path, command: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise RunLockHeld(warehouse, read_holder(path)) from None
        raise
    try:
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        text = json.dumps({"pid": os.getpid(), "command": command, "started": started}) + "\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
    except OSError as exc:  # e.g. no space left for these few bytes: report it as writing the lock
        os.close(fd)
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    return fd


def _release(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # the next reader of a free lock finds no stale holder
    except OSError:
        pass
    finally:
        os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def run_lock(warehouse: Path, command: str) -> Iterator[Path]:
    """Hold the run lock of ``warehouse`` for the block; ``command`` names this run to others.

    Raises :class:`RunLockHeld` at once when another process holds it (never waits); an
    ``OSError`` when the lock file cannot be written (read-only or full file system). Yields the
    lock file's path.
    """
    warehouse = Path(warehouse)
    path = lock_path(warehouse)
    key = str(path.resolve())
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.depth += 1
        else:
            _held[key] = _Held(_acquire(path, warehouse, command), 1)
    try:
        yield path
    finally:
        with _guard:
            held = _held[key]
            held.depth -= 1
            if held.depth == 0:
                del _held[key]
                _release(held.fd)


def holds(warehouse: Path) -> bool:
    """True when this process holds the run lock of ``warehouse``."""
    with _guard:
        return str(lock_path(warehouse).resolve()) in _held
