"""The dashboard's only way to the data: the published serving DB, read-only.

Publishing replaces the serving file atomically (``os.replace``, lifecycle/publish.py), so the
dashboard never holds one connection forever. A file on disk is identified by its path, inode,
mtime and size (:class:`FileKey`); the connection and every query result are cached under that
key, so the first request after a publish opens the new file and reads fresh figures, and the
old file's connection is closed when it leaves the cache.

The file is ATTACHed ``(read_only)`` to a private in-memory DuckDB, not opened with
``duckdb.connect(path)``: DuckDB shares one database instance per path inside a process, which
would hand a reconnect the old, replaced file while any other connection to it is alive.

Queries are small aggregates with ``?`` parameters; SQL text comes from the page modules only
(constants), never from user input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from lifecycle.publish import MARTS_SCHEMA, PUBLISH_INFO
from lifecycle.settings import Settings

#: The alias the serving file is attached under.
CATALOG = "serving"


class ServingError(RuntimeError):
    """The serving DB cannot be read (missing, not a DuckDB file, replaced mid-query)."""


class ServingMissingError(ServingError):
    """No serving file at the configured path."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"No serving DB at {path}. Build and publish it with `make run` "
            "(or point LIFECYCLE_SERVING at a published serving.duckdb), then reload this page."
        )
        self.path = path


@dataclass(frozen=True)
class FileKey:
    """Identity of one published file: a publish changes the inode and mtime."""

    path: str
    inode: int
    mtime_ns: int
    size: int


@dataclass(frozen=True)
class SnapshotInfo:
    """The published snapshot's row of ``_publish.snapshot`` (None when the file has none)."""

    as_of_date: date | None
    published_at_utc: datetime | None


def serving_path() -> Path:
    """``LIFECYCLE_SERVING`` (default data/serving.duckdb), resolved like every other command."""
    return Settings.from_env(uses=()).serving


def file_key(path: Path | None = None) -> FileKey:
    """The current file's key; :class:`ServingMissingError` when there is no file."""
    path = path or serving_path()
    try:
        st_ = os.stat(path)
    except FileNotFoundError:
        raise ServingMissingError(path) from None
    return FileKey(str(path), st_.st_ino, st_.st_mtime_ns, st_.st_size)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    con.close()


@st.cache_resource(max_entries=1, show_spinner=False, on_release=_close)
def _connection(key: FileKey) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    literal = key.path.replace("'", "''")  # a path from the environment, not user input
    try:
        con.execute(f"attach '{literal}' as {CATALOG} (read_only)")
    except duckdb.Error as exc:
        con.close()
        raise ServingError(f"cannot open the serving DB {key.path} read-only: {exc}") from exc
    return con


@st.cache_data(max_entries=1000, show_spinner=False)
def _query(key: FileKey, sql: str, params: tuple[Any, ...]) -> pd.DataFrame:
    cursor = _connection(key).cursor()
    try:
        cursor.execute(f"use {CATALOG}")
        return cursor.execute(sql, list(params)).df()
    except duckdb.Error as exc:
        raise ServingError(f"query on the serving DB {key.path} failed: {exc}") from exc
    finally:
        cursor.close()


def query(sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one parameterised query on the current serving file (cached per file and parameters)."""
    return _query(file_key(), sql, tuple(_hashable(p) for p in params))


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    """The first column of the first row, or None when there is no row."""
    frame = query(sql, params)
    return None if frame.empty else frame.iat[0, 0]


def available_marts() -> frozenset[str]:
    """Tables of the ``marts`` schema in the serving file."""
    frame = query(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ?",
        [CATALOG, MARTS_SCHEMA],
    )
    return frozenset(frame["table_name"])


def missing_marts(marts: Sequence[str]) -> list[str]:
    """Those of ``marts`` the serving file does not have, in the given order."""
    have = available_marts()
    return [m for m in marts if m not in have]


def snapshot_info() -> SnapshotInfo:
    """as_of_date and published_at_utc of the published snapshot."""
    schema, table = PUBLISH_INFO.split(".")
    present = query(
        "select count(*) as n from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_name = ?",
        [CATALOG, schema, table],
    )
    if int(present.iat[0, 0]) == 0:
        return SnapshotInfo(None, None)
    frame = query(f"select as_of_date, published_at_utc from {PUBLISH_INFO} limit 1")
    if frame.empty:
        return SnapshotInfo(None, None)
    as_of, published = frame.iat[0, 0], frame.iat[0, 1]
    return SnapshotInfo(
        pd.Timestamp(as_of).date() if pd.notna(as_of) else None,
        pd.Timestamp(published).to_pydatetime() if pd.notna(published) else None,
    )
