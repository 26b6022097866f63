"""The one way the pipeline opens DuckDB: with the resource settings of ``Settings.duckdb_config()``.

DuckDB keeps one database instance per file in a process, with one configuration: a second
connection to an open file with a different ``config`` fails. So every step passes the same
``config`` (memory limit, threads, spill directory); ``None`` opens with DuckDB's defaults
(library use outside the pipeline, tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb


def connect(
    database: str | Path = ":memory:", config: Mapping[str, str] | None = None, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect`` with ``config`` (``Settings.duckdb_config()``) applied."""
    return duckdb.connect(str(database), read_only=read_only, config=dict(config or {}))
