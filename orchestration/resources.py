"""Resources: the run's settings (paths of the landing dir, warehouse and serving DB) and dbt."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from lifecycle.dbt import dbt_executable
from lifecycle.run_lock import run_lock
from lifecycle.settings import Settings, parse_memory_limit


class LifecycleResource(dg.ConfigurableResource):
    """Where the pipeline reads and writes; defaults come from ``Settings.from_env()`` at load.

    In a run it holds the warehouse's run lock (``lifecycle/run_lock.py``) from its set-up to
    its teardown: every step of the project's jobs uses this resource and the in-process executor
    sets resources up once per run, so the lock spans the whole run, also one launched from
    `lifecycle ui`; a run started while `lifecycle build` (or another run) works on the same
    warehouse fails before its first step, naming the holder. A `lifecycle run` already holds
    it (the lock is re-entrant within a process). A sensor's evaluation (no run) takes no lock.
    """

    landing_dir: str
    warehouse: str
    serving: str
    dbt_target: str = "duckdb"
    as_of_date: str = ""
    #: DuckDB's resources (``Settings.duckdb_*``); empty: the defaults of ``Settings``.
    duckdb_memory_limit: str = ""
    duckdb_threads: int = 0
    duckdb_temp_dir: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> LifecycleResource:
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            serving=str(settings.serving),
            dbt_target=settings.dbt_target,
            as_of_date=settings.as_of_date.isoformat() if settings.as_of_date else "",
            duckdb_memory_limit=settings.duckdb_memory_limit,
            duckdb_threads=settings.duckdb_threads,
            duckdb_temp_dir=str(settings.duckdb_temp_dir),
        )

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[LifecycleResource]:
        run = context.run
        if run is None:  # a sensor's evaluation or a test's direct use: nothing to lock for
            with super().yield_for_execution(context) as resource:
                yield resource
            return
        with (
            run_lock(Path(self.warehouse), f"Dagster run {run.run_id[:8]} of {run.job_name}"),
            super().yield_for_execution(context) as resource,
        ):
            yield resource

    def settings(self) -> Settings:
        warehouse = Path(self.warehouse)
        defaults = Settings(
            landing_dir=Path(self.landing_dir),
            warehouse=warehouse,
            serving=Path(self.serving),
            as_of_date=date.fromisoformat(self.as_of_date) if self.as_of_date else None,
            dbt_target=self.dbt_target,
        )
        return replace(
            defaults,
            duckdb_memory_limit=parse_memory_limit(self.duckdb_memory_limit),
            duckdb_threads=self.duckdb_threads or defaults.duckdb_threads,
            duckdb_temp_dir=Path(self.duckdb_temp_dir) if self.duckdb_temp_dir else defaults.duckdb_temp_dir,
        )

    @property
    def report_dir(self) -> Path:
        """GX and run reports: ``<data_dir>/reports`` beside the warehouse file."""
        return self.settings().data_dir / "reports"


def dbt_resource(settings: Settings) -> DbtCliResource:
    """dbt with the repo's project and profiles, and the venv's dbt (platform notes: no PATH).

    The warehouse path and the as-of date reach dbt as ``--vars`` (``Settings.dbt_vars``, passed by
    the dbt asset), never by editing this process's environment."""
    return DbtCliResource(
        project_dir=str(settings.project_dir),
        profiles_dir=str(settings.project_dir),
        target=settings.dbt_target,
        dbt_executable=dbt_executable(),
        global_config_flags=["--no-use-colors"],  # plain text in the terminal and the run's log
    )
