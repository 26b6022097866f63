"""Resources: the run's settings (paths of the landing dir, warehouse and serving DB) and dbt."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from lifecycle.dbt import dbt_executable
from lifecycle.settings import Settings, parse_memory_limit


class LifecycleResource(dg.ConfigurableResource):
    """Where the pipeline reads and writes; defaults come from ``Settings.from_env()`` at load."""

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
