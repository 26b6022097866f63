"""Run-level configuration, read once from the environment into one object."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from pathlib import Path

#: The repository root: where dbt_project.yml and profiles.yml live.
PROJECT_DIR = Path(__file__).resolve().parent.parent

VALID_TARGETS = ("duckdb", "spark")
#: Settings that can be invalid; a command validates only those it uses (``Settings.from_env(uses=...)``).
CHECKED = ("as_of_date", "dbt_target")


class ConfigError(ValueError):
    """A setting has a value the pipeline cannot use; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path
    serving: Path
    as_of_date: date | None
    dbt_target: str
    project_dir: Path = PROJECT_DIR

    @property
    def data_dir(self) -> Path:
        """Where run artefacts (reports, Dagster home) go: beside the warehouse file."""
        return self.warehouse.parent

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, uses: Collection[str] = CHECKED) -> Settings:
        """The settings from ``env`` (default: the process environment).

        ``uses``: the checked settings the caller needs (``as_of_date``, ``dbt_target``); only
        those are parsed and validated, the others keep their defaults (``lifecycle simulate``
        is not blocked by a bad ``LIFECYCLE_AS_OF_DATE`` it never reads). Paths never fail.
        """
        env = dict(os.environ if env is None else env)
        unknown = set(uses) - set(CHECKED)
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}: expected a subset of {CHECKED}")

        def path(name: str, default: str) -> Path:
            raw = env.get(name) or default
            p = Path(raw).expanduser()
            return p if p.is_absolute() else (Path.cwd() / p).resolve()

        as_of_raw = (env.get("LIFECYCLE_AS_OF_DATE") or "").strip() if "as_of_date" in uses else ""
        as_of: date | None = None
        if as_of_raw:
            try:
                as_of = date.fromisoformat(as_of_raw)
            except ValueError as exc:
                raise ConfigError(
                    f"LIFECYCLE_AS_OF_DATE={as_of_raw!r} is not a date: use YYYY-MM-DD, "
                    "or leave it unset to use the latest date in the data"
                ) from exc
        target = (env.get("DBT_TARGET") or "duckdb").strip() if "dbt_target" in uses else "duckdb"
        if target not in VALID_TARGETS:
            raise ConfigError(f"DBT_TARGET={target!r} is not one of {', '.join(VALID_TARGETS)}")
        return cls(
            landing_dir=path("LIFECYCLE_LANDING_DIR", "data/landing"),
            warehouse=path("LIFECYCLE_WAREHOUSE", "data/warehouse.duckdb"),
            serving=path("LIFECYCLE_SERVING", "data/serving.duckdb"),
            as_of_date=as_of,
            dbt_target=target,
        )

    def dbt_vars(self) -> dict[str, str]:
        """dbt ``--vars`` for these settings: the warehouse path (profiles.yml) and, when set, the
        as-of date (dbt_project.yml). Passed on dbt's command line, so nothing edits the
        environment of the running process."""
        out = {"lifecycle_warehouse": str(self.warehouse)}
        if self.as_of_date:
            out["as_of_date"] = self.as_of_date.isoformat()
        return out

    def dbt_env(self) -> dict[str, str]:
        """Environment for a dbt subprocess (a copy of this process's environment with these
        settings, absolute paths so dbt's working dir does not matter)."""
        env = dict(os.environ)
        env.update(
            LIFECYCLE_LANDING_DIR=str(self.landing_dir),
            LIFECYCLE_WAREHOUSE=str(self.warehouse),
            LIFECYCLE_SERVING=str(self.serving),
            DBT_TARGET=self.dbt_target,
            DBT_PROFILES_DIR=str(self.project_dir),
            DBT_PROJECT_DIR=str(self.project_dir),
        )
        if self.as_of_date:
            env["LIFECYCLE_AS_OF_DATE"] = self.as_of_date.isoformat()
        return env
