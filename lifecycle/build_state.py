"""The build fingerprint: what the dbt build depends on, so a run with nothing new skips dbt.

A dbt build's result is a function of its inputs: the raw rows (the loader's manifest names every
loaded batch file with its sha256), the dbt project (models, macros, seeds, singular tests,
dbt_project.yml, profiles.yml), the settings that change results (as-of date, dbt target) and the
package version. :func:`fingerprint` hashes exactly those, cheaply (no raw row is read: the
manifest table and a few hundred small files).

The warehouse keeps the fingerprint of its last complete build in ``_lifecycle.build_state`` (one
row). The protocol, the same for `lifecycle build` and the Dagster run:

- before the first dbt step runs: :func:`begin` (status ``building``, the run's id): from then on
  nothing can skip until this run completes (a failed or interrupted build leaves ``building``,
  which never matches);
- after the last dbt step succeeds (dbt build exits 0: every error-severity test passed):
  :func:`finish` marks it ``built``, only if the row is still this run's;
- a step skips when :func:`read` is ``built`` with the current fingerprint (:meth:`BuildState.current`);
- any dbt step or fit that runs outside that protocol (a subset of the models) calls :func:`clear`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from lifecycle import __version__
from lifecycle.connection import connect
from lifecycle.settings import Settings

SCHEMA = "_lifecycle"
TABLE = f"{SCHEMA}.build_state"
#: The folders and files of the dbt project whose contents the build depends on.
PROJECT_DIRS = ("models", "macros", "seeds", "tests/dbt")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
#: How a skipped step's message starts (the launcher shows these lines of the dbt steps).
SKIPPED = "skipped: nothing new since the last build"
#: The loader's manifest (lifecycle/loader/manifest.py) and the status of a loaded file.
MANIFEST_TABLE = "raw._load_manifest"
BUILDING = "building"
BUILT = "built"


@dataclass(frozen=True)
class BuildState:
    """The stored row: the fingerprint of a build, its status and when it finished."""

    fingerprint: str
    status: str
    run_id: str
    built_at_utc: datetime
    seconds: float | None

    def current(self, fingerprint: str) -> bool:
        """True when this is a complete build of exactly these inputs: dbt has nothing to do."""
        return self.status == BUILT and self.fingerprint == fingerprint

    def building_in(self, run_id: str) -> bool:
        """True when ``run_id`` began this build (its first dbt step ran) and has not finished it."""
        return self.status == BUILDING and self.run_id == run_id

    def skip_line(self) -> str:
        """What a skipped build prints."""
        return (
            f"==> nothing new since the last build ({self.built_at_utc:%Y-%m-%d %H:%M:%S} UTC): "
            "dbt skipped (use --full-refresh or --force to rebuild)"
        )


def project_files(project_dir: Path) -> list[Path]:
    """Every file of the dbt project the build reads, sorted (relative to ``project_dir``)."""
    found = [project_dir / name for name in PROJECT_FILES if (project_dir / name).is_file()]
    for folder in PROJECT_DIRS:
        found += [p for p in (project_dir / folder).rglob("*") if p.is_file()]
    return sorted(p.relative_to(project_dir) for p in found)


def loaded_files(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``(batch_file, sha256)`` of every loaded batch file in the manifest (none before a load)."""
    try:
        rows = con.execute(
            f"select batch_file, sha256 from {MANIFEST_TABLE} where status = 'loaded' order by 1, 2"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return [(str(f), str(s)) for f, s in rows]


def _update(digest: hashlib._Hash, *parts: str) -> None:
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")


def compute(
    loaded: Iterable[tuple[str, str]],
    project_dir: Path,
    *,
    as_of_date: str,
    dbt_target: str,
    version: str = __version__,
) -> str:
    """The sha256 of the build's inputs (see the module docstring)."""
    digest = hashlib.sha256()
    _update(digest, "lifecycle-build-fingerprint/1", version, as_of_date, dbt_target)
    for batch_file, sha in loaded:
        _update(digest, "batch", batch_file, sha)
    for rel in project_files(project_dir):
        _update(digest, "file", rel.as_posix(), hashlib.sha256((project_dir / rel).read_bytes()).hexdigest())
    return digest.hexdigest()


def fingerprint(settings: Settings, con: duckdb.DuckDBPyConnection | None) -> str:
    """The fingerprint of a build of ``settings`` on the warehouse ``con`` is connected to
    (None: no warehouse, nothing loaded)."""
    return compute(
        loaded_files(con) if con is not None else [],
        settings.project_dir,
        as_of_date=settings.as_of_date.isoformat() if settings.as_of_date else "",
        dbt_target=settings.dbt_target,
    )


def check(settings: Settings) -> tuple[str, BuildState | None]:
    """The current fingerprint and the stored state of ``settings.warehouse`` (opened read-only,
    with the settings' DuckDB configuration; no file is created when there is none)."""
    if not settings.warehouse.exists():
        return fingerprint(settings, None), None
    with connect(settings.warehouse, settings.duckdb_config(), read_only=True) as con:
        return fingerprint(settings, con), read(con)


def read(con: duckdb.DuckDBPyConnection) -> BuildState | None:
    """The stored build state (None: no build recorded, or it was cleared)."""
    try:
        row = con.execute(
            f"select fingerprint, status, run_id, built_at_utc, seconds from {TABLE} limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return None
    if row is None:
        return None
    fp, status, run_id, built_at, seconds = row
    return BuildState(str(fp), str(status), str(run_id), built_at.replace(tzinfo=UTC), seconds)


def _store(con: duckdb.DuckDBPyConnection, state: BuildState | None) -> None:
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(
            f"create table if not exists {TABLE} (fingerprint varchar, status varchar, run_id varchar, "
            "built_at_utc timestamp, seconds double)"
        )
        con.execute(f"delete from {TABLE}")
        if state is not None:
            con.execute(
                f"insert into {TABLE} values (?, ?, ?, ?, ?)",
                [
                    state.fingerprint,
                    state.status,
                    state.run_id,
                    state.built_at_utc.replace(tzinfo=None),
                    state.seconds,
                ],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _now() -> datetime:
    return datetime.now(UTC)


def begin(con: duckdb.DuckDBPyConnection, fingerprint: str, run_id: str) -> BuildState:
    """A build of ``fingerprint`` by ``run_id`` starts: nothing skips until it finishes."""
    state = BuildState(fingerprint, BUILDING, run_id, _now(), None)
    _store(con, state)
    return state


def write(con: duckdb.DuckDBPyConnection, fingerprint: str, seconds: float, run_id: str = "") -> BuildState:
    """Record a complete build of ``fingerprint`` (what :func:`finish` stores)."""
    state = BuildState(fingerprint, BUILT, run_id, _now(), round(seconds, 1))
    _store(con, state)
    return state


def finish(con: duckdb.DuckDBPyConnection, run_id: str) -> BuildState | None:
    """The last dbt step of ``run_id`` succeeded: its build is complete (``built``, with the
    seconds since :func:`begin`).

    Only the run that began the build finishes it; otherwise (the row is another run's, or was
    cleared) nothing is recorded and None is returned: the next run builds again.
    """
    state = read(con)
    if state is None or not state.building_in(run_id):
        return None
    return write(con, state.fingerprint, (_now() - state.built_at_utc).total_seconds(), run_id)


def clear(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the stored build: the next run builds (after a failure, or a partial build)."""
    _store(con, None)
