"""Resources: the run's settings (paths of the landing dir, warehouse and serving DB) and dbt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from lifecycle.dbt import dbt_executable
from lifecycle.settings import Settings

#: The environment variables a dbt subprocess reads (profiles.yml, dbt_project.yml vars).
DBT_ENV_KEYS = (
    "LIFECYCLE_LANDING_DIR",
    "LIFECYCLE_WAREHOUSE",
    "LIFECYCLE_SERVING",
    "LIFECYCLE_AS_OF_DATE",
    "DBT_TARGET",
)


class LifecycleResource(dg.ConfigurableResource):
    """Where the pipeline reads and writes; defaults come from ``Settings.from_env()`` at load."""

    landing_dir: str
    warehouse: str
    serving: str
    dbt_target: str = "duckdb"
    as_of_date: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> LifecycleResource:
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            serving=str(settings.serving),
            dbt_target=settings.dbt_target,
            as_of_date=settings.as_of_date.isoformat() if settings.as_of_date else "",
        )

    def settings(self) -> Settings:
        return Settings(
            landing_dir=Path(self.landing_dir),
            warehouse=Path(self.warehouse),
            serving=Path(self.serving),
            as_of_date=date.fromisoformat(self.as_of_date) if self.as_of_date else None,
            dbt_target=self.dbt_target,
        )

    @property
    def report_dir(self) -> Path:
        """GX and run reports: ``<data_dir>/reports`` beside the warehouse file."""
        return self.settings().data_dir / "reports"


def dbt_resource(settings: Settings) -> DbtCliResource:
    """dbt with the repo's project and profiles, and the venv's dbt (platform notes: no PATH)."""
    return DbtCliResource(
        project_dir=str(settings.project_dir),
        profiles_dir=str(settings.project_dir),
        target=settings.dbt_target,
        dbt_executable=dbt_executable(),
    )


@contextmanager
def dbt_environment(settings: Settings) -> Iterator[None]:
    """Point a dbt subprocess at ``settings`` (it inherits ``os.environ``), then restore it.

    DbtCliResource passes the current environment to dbt, and profiles.yml reads the warehouse
    path from it; setting the variables from the resource keeps dbt and the Python assets on the
    same files whatever the working directory. Steps run one at a time (in-process executor).
    """
    wanted = {k: v for k, v in settings.dbt_env().items() if k in DBT_ENV_KEYS}
    saved = {k: os.environ.get(k) for k in DBT_ENV_KEYS}
    try:
        for k in DBT_ENV_KEYS:
            if k in wanted:
                os.environ[k] = wanted[k]
            else:
                os.environ.pop(k, None)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
