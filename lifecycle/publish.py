"""Publishing: copy the warehouse's marts into the read-only serving database BI reads.

BI never opens the warehouse (DuckDB has one writer per file, and a half-built warehouse is not
something to show). Instead, once every blocking check has passed, the ``marts`` schema is copied
into a *new* DuckDB file beside the serving path, which then replaces the serving file with
``os.replace`` (atomic on one file system). A dashboard that has the old file open keeps reading
the old snapshot; the next connection sees the new one; nothing ever sees a partial copy, and a
reader never blocks the pipeline. The same tables are written as Parquet files (one per mart,
each replaced atomically) for tools that read files rather than DuckDB.

If publishing is not reached (a blocking check failed) or fails half-way, the previous serving
database and Parquet files stay as they were. The same holds when a mart would carry personal data
(a column the dbt manifest tags ``pii`` other than ``hashed``, a column named like it, or a value
shaped like an e-mail address: :func:`personal_data`; docs/privacy.md): the copy is refused, so a
custom mart cannot leak contacts into BI.

Pure Python + duckdb, no gate of its own: the Dagster asset ``serving/marts``
(``orchestration/publish_asset.py``, which holds the one publish gate; ``make run`` and
``lifecycle publish`` both reach it) calls :func:`publish`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from lifecycle.connection import connect
from lifecycle.contract import TABLES
from lifecycle.settings import PROJECT_DIR

#: The schema BI reads, in the warehouse and in the serving database.
MARTS_SCHEMA = "marts"
#: One-row table in the serving database describing the published snapshot.
PUBLISH_INFO = "_publish.snapshot"
#: The on-disk format the serving database is written in. The warehouse uses the running DuckDB's
#: own (2.x) format, which DuckDB 1.x cannot open; most BI drivers and desktop SQL tools still
#: bundle a 1.x DuckDB, so the file BI reads is written in the storage format every DuckDB since
#: 1.0 reads (``ATTACH ... (STORAGE_VERSION ...)``; ``duckdb_databases()`` shows the tag).
SERVING_STORAGE_VERSION = "v1.0.0"


#: The names of the raw contract's personal-data columns (``pii=True`` in lifecycle/contract.py:
#: contacts' names and e-mails, the e-mails of billing customers, product users and staff, case
#: subjects, NPS comments), and other names personal data goes by.
PERSONAL_WORDS: tuple[str, ...] = tuple(
    sorted({name for t in TABLES for name in t.pii_columns} | {"e_mail", "full_name", "phone"})
)
#: A column named like personal data (one of PERSONAL_WORDS as a ``_``-separated part, plural
#: allowed): a mart carrying one is never published. Owner and CSM names (``owner_name``,
#: ``csm_name``) are published on purpose and do not match.
PERSONAL_COLUMN = re.compile(r"(^|_)(" + "|".join(map(re.escape, PERSONAL_WORDS)) + r")s?($|_)")
#: The dbt manifest whose column tags (``meta: {pii: ...}``) publishing honours by default: the
#: project's own parse, which every build and Dagster run refreshes.
DEFAULT_MANIFEST = PROJECT_DIR / "target" / "manifest.json"
#: The one ``pii`` tag a published column may carry: a documented hash (macro ``pii_hash``).
PII_HASHED = "hashed"
#: Text shaped like an e-mail address, looked for in every published text value.
EMAIL_SHAPE = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"


class PublishError(RuntimeError):
    """Publishing cannot proceed (no warehouse, no marts); the serving database is unchanged."""


@dataclass(frozen=True)
class PublishReport:
    serving: Path
    parquet_dir: Path | None
    rows_by_table: dict[str, int]
    published_at: datetime
    seconds: float
    parquet_files: list[Path] = field(default_factory=list)
    as_of_date: date | None = None

    def lines(self) -> list[str]:
        tables = ", ".join(f"{t} ({n:,} rows)" for t, n in self.rows_by_table.items())
        as_of = f" as of {self.as_of_date}" if self.as_of_date else ""
        out = [
            f"published {len(self.rows_by_table)} marts{as_of} to {self.serving} in {self.seconds:.2f} s "
            f"(DuckDB storage {SERVING_STORAGE_VERSION}: DuckDB 1.0 and later open it): {tables}"
        ]
        if self.parquet_dir is not None:
            out.append(f"parquet for BI: {self.parquet_dir}/<mart>.parquet")
        return out


def default_parquet_dir(serving: Path) -> Path:
    """``data/serving.duckdb`` -> ``data/serving_parquet``: Parquet files beside the serving DB."""
    return serving.with_name(f"{serving.stem}_parquet")


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> list[str]:
    """Tables (not views) of the ``marts`` schema, sorted by name."""
    where_catalog = "and table_catalog = ?" if catalog else ""
    params: list[str] = [MARTS_SCHEMA] + ([catalog] if catalog else [])
    rows = con.execute(
        "select table_name from information_schema.tables "
        f"where table_schema = ? and table_type = 'BASE TABLE' {where_catalog} order by table_name",
        params,
    ).fetchall()
    return [r[0] for r in rows]


#: The relation that says which date the marts are as of (see docs/metrics.md, Conventions).
AS_OF_RELATION = ("intermediate", "int_as_of_date")


def built_as_of_date(con: duckdb.DuckDBPyConnection, catalog: str) -> date | None:
    """The ``as_of_date`` the warehouse's marts were built for (None when the model is absent)."""
    schema, table = AS_OF_RELATION
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_name = ?",
        [catalog, schema, table],
    ).fetchone()
    if not found or not found[0]:
        return None
    row = con.execute(f"select max(as_of_date) from {_quote(catalog)}.{schema}.{table}").fetchone()
    return row[0] if row else None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tmp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")


def _remove(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def publish(
    warehouse: Path,
    serving: Path,
    parquet_dir: Path | None = None,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Callable[[str], None] | None = None,
    read_only_file: bool = True,
    config: Mapping[str, str] | None = None,
    manifest: Path | None = DEFAULT_MANIFEST,
) -> PublishReport:
    """Publish every table of the warehouse's ``marts`` schema to ``serving`` (and Parquet).

    ``con``: an open *read-write* connection to the warehouse to reuse (DuckDB allows one
    configuration per file per process, so a caller holding the warehouse open must pass it);
    otherwise the warehouse is attached read-only to a fresh in-memory connection for the copy. ``parquet_dir``: where ``<mart>.parquet`` files go
    (default: ``<serving stem>_parquet`` beside the serving file). ``read_only_file``: make the
    published file read-only on disk (``chmod 444``) as a reminder that it is a snapshot.
    ``config``: DuckDB's settings for the in-memory connection (``Settings.duckdb_config()``).
    ``manifest``: a dbt ``manifest.json`` whose ``pii`` column tags are honoured (a mart column
    tagged ``pii`` other than ``hashed`` is refused, whatever its name); skipped when None or absent.

    Raises :class:`PublishError` when there is nothing to publish; the serving files are then
    untouched. Any other failure also leaves them untouched (temporary files are removed).
    """
    started = time.monotonic()
    serving = Path(serving)
    parquet_dir = default_parquet_dir(serving) if parquet_dir is None else Path(parquet_dir)
    say = progress or (lambda _msg: None)
    own = con is None
    if own:
        if not Path(warehouse).exists():
            raise PublishError(f"no warehouse at {warehouse}: run the pipeline first")
        con = connect(":memory:", config)
        con.execute(f"attach {_sql_str(str(warehouse))} as warehouse (read_only)")
        source = "warehouse"
    else:
        source = str(con.execute("select current_database()").fetchone()[0])
    assert con is not None
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp_db = _tmp_path(serving)
    tmp_parquet: dict[str, Path] = {}
    try:
        tables = mart_tables(con, source)
        if not tables:
            raise PublishError(f"the warehouse {warehouse} has no tables in schema {MARTS_SCHEMA}")
        published_at = datetime.now(UTC).replace(microsecond=0)
        as_of = built_as_of_date(con, source)
        alias = "publish_target"
        con.execute(
            f"attach {_sql_str(str(tmp_db))} as {alias} (storage_version {_sql_str(SERVING_STORAGE_VERSION)})"
        )
        try:
            con.execute(f"create schema {alias}.{MARTS_SCHEMA}")
            rows: dict[str, int] = {}
            for t in tables:
                con.execute(
                    f"create table {alias}.{MARTS_SCHEMA}.{_quote(t)} as "
                    f"select * from {_quote(source)}.{MARTS_SCHEMA}.{_quote(t)}"
                )
                rows[t] = int(
                    con.execute(f"select count(*) from {alias}.{MARTS_SCHEMA}.{_quote(t)}").fetchone()[0]
                )
            found = personal_data(con, alias, tagged_pii_columns(manifest))
            if found:
                raise PublishError(
                    "not publishing: personal data would reach the serving DB ("
                    + "; ".join(found)
                    + "); keep it out of the marts (docs/bi.md)"
                )
            schema, table = PUBLISH_INFO.split(".")
            con.execute(f"create schema {alias}.{schema}")
            con.execute(
                f"create table {alias}.{schema}.{table} as select "
                "cast(? as timestamp) as published_at_utc, cast(? as date) as as_of_date, "
                "? as warehouse, ? as tables, ? as total_rows",
                [
                    published_at.replace(tzinfo=None),
                    as_of,
                    str(warehouse),
                    ",".join(tables),
                    sum(rows.values()),
                ],
            )
            if parquet_dir is not None:
                parquet_dir.mkdir(parents=True, exist_ok=True)
                for t in tables:
                    tmp = _tmp_path(parquet_dir / f"{t}.parquet")
                    tmp_parquet[t] = tmp
                    con.execute(
                        f"copy {alias}.{MARTS_SCHEMA}.{_quote(t)} to {_sql_str(str(tmp))} (format parquet)"
                    )
        finally:
            con.execute(f"detach {alias}")  # checkpoints and closes the new file
        if read_only_file:
            tmp_db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        # The switch: each replace is atomic; the database first, then the Parquet files.
        os.replace(tmp_db, serving)
        written = []
        for t, tmp in tmp_parquet.items():
            target = parquet_dir / f"{t}.parquet"  # type: ignore[operator]
            os.replace(tmp, target)
            written.append(target)
        tmp_parquet.clear()
        report = PublishReport(
            serving=serving,
            parquet_dir=parquet_dir,
            rows_by_table=rows,
            published_at=published_at,
            seconds=time.monotonic() - started,
            parquet_files=written,
            as_of_date=as_of,
        )
        for line in report.lines():
            say(line)
        return report
    finally:
        _remove(tmp_db)
        for tmp in tmp_parquet.values():
            _remove(tmp)
        if own:
            con.close()


def column_pii_tag(column: Mapping[str, Any]) -> object:
    """A manifest column's ``pii`` tag (``config.meta`` or the older top-level ``meta``), or None."""
    config_meta = (column.get("config") or {}).get("meta") or {}
    return config_meta.get("pii", (column.get("meta") or {}).get("pii"))


def tagged_pii_columns(manifest: Path | None) -> dict[tuple[str, str], object]:
    """``(mart, column) -> tag`` for every column of a ``marts`` model the dbt manifest tags ``pii``
    (``{}`` when there is no manifest file)."""
    if manifest is None or not Path(manifest).is_file():
        return {}
    nodes = json.loads(Path(manifest).read_text(encoding="utf-8")).get("nodes", {})
    return {
        (node["name"].lower(), name.lower()): tag
        for node in nodes.values()
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA
        for name, column in (node.get("columns") or {}).items()
        if (tag := column_pii_tag(column)) not in (None, False)
    }


def personal_data(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    tagged: Mapping[tuple[str, str], object] | None = None,
) -> list[str]:
    """``<mart>.<column>: <why>`` for every column of ``catalog.marts`` that the dbt manifest tags
    ``pii`` (``tagged``, from :func:`tagged_pii_columns`; ``hashed`` is allowed), is named like
    personal data, or holds a value shaped like an e-mail address (distinct values only: well
    under a second at demo scale). The full value-by-value proof runs in the test suite."""
    tagged = tagged or {}
    columns = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    found = []
    for table, column, data_type in columns:
        tag = tagged.get((table.lower(), column.lower()))
        if tag is not None and tag != PII_HASHED:
            found.append(f"{table}.{column}: tagged pii: {json.dumps(tag)} in the dbt manifest")
            continue
        if tag is None and PERSONAL_COLUMN.search(column.lower()):
            found.append(f"{table}.{column}: a personal-data column name")
            continue
        if data_type != "VARCHAR":
            continue
        relation = f"{_quote(catalog)}.{MARTS_SCHEMA}.{_quote(table)}"
        example = con.execute(
            f"select min(v) from (select distinct {_quote(column)} as v from {relation}) "
            "where regexp_matches(v, ?)",
            [EMAIL_SHAPE],
        ).fetchone()[0]
        if example is not None:
            found.append(f"{table}.{column}: an e-mail address")
    return found


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def storage_version(path: Path) -> str | None:
    """The storage-version tag DuckDB reports for a database file (``v1.0.0+``), None if untagged."""
    con = connect(path, read_only=True)
    try:
        row = con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None
    finally:
        con.close()


def read_snapshot_info(serving: Path) -> dict[str, object] | None:
    """The ``_publish.snapshot`` row of a serving database (None when there is none)."""
    if not Path(serving).exists():
        return None
    con = connect(serving, read_only=True)
    try:
        cur = con.execute(f"select * from {PUBLISH_INFO}")
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
        return dict(zip(names, row, strict=True)) if row else None
    except duckdb.CatalogException:
        return None
    finally:
        con.close()
