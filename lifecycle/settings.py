"""Run-level configuration, read once from the environment into one object."""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

#: The repository root: where dbt_project.yml and profiles.yml live.
PROJECT_DIR = Path(__file__).resolve().parent.parent

#: The engines the dbt project is written for; a target must also be configured in profiles.yml
#: (``configured_targets``) before a command runs dbt against it.
VALID_TARGETS = ("duckdb", "spark")
#: The landing dir when LIFECYCLE_LANDING_DIR is unset (relative to the working dir): the only one
#: ``lifecycle run`` fills with the demo data set when it is empty.
DEFAULT_LANDING_DIR = "data/landing"
#: Settings that can be invalid; a command validates only those it uses (``Settings.from_env(uses=...)``).
#: ``duckdb``: the DuckDB resource settings (memory limit, threads, temp dir), read by every
#: command that opens the warehouse.
#: ``layouts``: the layout each source is read in (LIFECYCLE_<SOURCE>_LAYOUT, :mod:`lifecycle.connectors`).
CHECKED = ("as_of_date", "dbt_target", "duckdb", "layouts")

#: DuckDB ``memory_limit`` unless LIFECYCLE_DUCKDB_MEMORY_LIMIT says otherwise (DuckDB's own
#: default is 80% of RAM): measured so that a demo build's whole process tree (the CLI or Dagster
#: process plus the dbt subprocess) peaks at or below 4 GB; DuckDB spills to the temp dir beyond it.
DEFAULT_DUCKDB_MEMORY_LIMIT = "3GB"
#: The spill directory's name beside the warehouse file (LIFECYCLE_DUCKDB_TEMP_DIR overrides it).
DEFAULT_DUCKDB_TEMP_DIR = "duckdb_tmp"


def default_duckdb_threads() -> int:
    """DuckDB ``threads`` unless LIFECYCLE_DUCKDB_THREADS says otherwise: every CPU."""
    return os.cpu_count() or 1


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
    #: DuckDB ``memory_limit``: a DuckDB size (``3GB``, ``2.5GiB``, ``500MB``) or a share of RAM (``50%``).
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    #: DuckDB ``threads`` (>= 1).
    duckdb_threads: int = field(default_factory=default_duckdb_threads)
    #: DuckDB ``temp_directory`` (where it spills beyond the memory limit); a relative path is
    #: taken beside the warehouse file, so the default is ``<warehouse dir>/duckdb_tmp``.
    duckdb_temp_dir: Path = Path(DEFAULT_DUCKDB_TEMP_DIR)
    #: True when LIFECYCLE_LANDING_DIR names a landing dir other than the default ``data/landing``:
    #: such a dir is the user's data, never a place to simulate the demo into (a typo in the name
    #: must not publish a simulated company).
    landing_dir_named: bool = False
    #: DBT_TARGET=spark: the Spark tables (Parquet) and their Derby metastore (LIFECYCLE_SPARK_DIR;
    #: a relative path is taken beside the warehouse file, so the default is ``<warehouse dir>/spark``).
    spark_dir: Path = Path("spark")
    #: the layout each source is read in: ``contract`` (the default) or a connector layout such as
    #: ``fivetran_stripe`` (LIFECYCLE_CRM_LAYOUT, LIFECYCLE_BILLING_LAYOUT, LIFECYCLE_USAGE_LAYOUT)
    layouts: dict[str, str] = field(default_factory=lambda: _default_layouts())
    #: the connector layouts' custom field names, by variable (LIFECYCLE_SALESFORCE_*_FIELD);
    #: only those set (the layouts' defaults apply otherwise)
    connector_options: dict[str, str] = field(default_factory=dict)
    #: connector layouts read from a DuckDB database instead of files: layout -> (database, schema)
    #: (LIFECYCLE_<LAYOUT>_DATABASE, LIFECYCLE_<LAYOUT>_SCHEMA)
    connector_databases: dict[str, tuple[Path, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.spark_dir.is_absolute():
            object.__setattr__(self, "spark_dir", (self.warehouse.parent / self.spark_dir).resolve())
        if not self.duckdb_temp_dir.is_absolute():
            object.__setattr__(self, "duckdb_temp_dir", self.warehouse.parent / self.duckdb_temp_dir)

    @property
    def data_dir(self) -> Path:
        """Where run artefacts (reports, Dagster home) go: beside the warehouse file."""
        return self.warehouse.parent

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, *, uses: Collection[str] = CHECKED) -> Settings:
        """The settings from ``env`` (default: the process environment).

        ``uses``: the checked settings the caller needs (``as_of_date``, ``dbt_target``, ``duckdb``); only
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
        if "dbt_target" in uses and target not in (configured := configured_targets(PROJECT_DIR)):
            raise ConfigError(
                f"DBT_TARGET={target!r} is not configured in profiles.yml (configured: "
                f"{', '.join(configured) or 'none'}): unset DBT_TARGET to use duckdb"
            )
        warehouse = path("LIFECYCLE_WAREHOUSE", "data/warehouse.duckdb")
        duckdb_settings: dict[str, object] = {}
        if "duckdb" in uses:
            duckdb_settings = {
                "duckdb_memory_limit": parse_memory_limit(env.get("LIFECYCLE_DUCKDB_MEMORY_LIMIT")),
                "duckdb_threads": parse_threads(env.get("LIFECYCLE_DUCKDB_THREADS")),
            }
            if (env.get("LIFECYCLE_DUCKDB_TEMP_DIR") or "").strip():
                duckdb_settings["duckdb_temp_dir"] = path("LIFECYCLE_DUCKDB_TEMP_DIR", "")
        landing_dir = path("LIFECYCLE_LANDING_DIR", DEFAULT_LANDING_DIR)
        layouts = parse_layouts(env) if "layouts" in uses else _default_layouts()
        options = parse_connector_options(env) if "layouts" in uses else {}
        databases = (
            {
                n: (path(f"LIFECYCLE_{n.upper()}_DATABASE", ""), s)
                for n, s in parse_databases(env, layouts).items()
            }
            if "layouts" in uses
            else {}
        )
        return cls(
            layouts=layouts,
            connector_options=options,
            connector_databases=databases,
            landing_dir=landing_dir,
            landing_dir_named=landing_dir.resolve() != path("", DEFAULT_LANDING_DIR).resolve(),
            warehouse=warehouse,
            serving=path("LIFECYCLE_SERVING", "data/serving.duckdb"),
            as_of_date=as_of,
            dbt_target=target,
            spark_dir=path("LIFECYCLE_SPARK_DIR", "")
            if (env.get("LIFECYCLE_SPARK_DIR") or "").strip()
            else Path("spark"),
            **duckdb_settings,  # type: ignore[arg-type]
        )

    def databases(self) -> dict:
        """The connector layouts read from a DuckDB database, as the loader takes them."""
        from lifecycle.loader.database import DatabaseSource

        return {
            name: DatabaseSource(path, schema) for name, (path, schema) in self.connector_databases.items()
        }

    def duckdb_config(self) -> dict[str, str]:
        """DuckDB's configuration for every connection the pipeline opens
        (``duckdb.connect(path, config=...)``; dbt gets the same through profiles.yml)."""
        return {
            "memory_limit": self.duckdb_memory_limit,
            "threads": str(self.duckdb_threads),
            "temp_directory": str(self.duckdb_temp_dir),
        }

    def dbt_vars(self) -> dict[str, str]:
        """dbt ``--vars`` for these settings: the warehouse path (profiles.yml) and, when set, the
        as-of date (dbt_project.yml). Passed on dbt's command line, so nothing edits the
        environment of the running process."""
        out = {"lifecycle_warehouse": str(self.warehouse), **self.duckdb_vars()}
        if self.as_of_date:
            out["as_of_date"] = self.as_of_date.isoformat()
        out.update(self.layout_vars())
        return out

    def layout_vars(self) -> dict[str, str]:
        """``<source>_layout`` dbt vars for the sources not read in the contract's layout
        (dbt_project.yml defaults each to its LIFECYCLE_<SOURCE>_LAYOUT, else ``contract``)."""
        return {f"{source}_layout": layout for source, layout in self.layouts.items() if layout != "contract"}

    def duckdb_vars(self) -> dict[str, str]:
        """The DuckDB settings as dbt vars (profiles.yml: ``var('duckdb_memory_limit', env_var(...))``):
        Dagster's dbt step passes them on the command line, `lifecycle build` sets the environment."""
        return {f"duckdb_{k}": v for k, v in self.duckdb_config().items()}

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
            LIFECYCLE_DUCKDB_MEMORY_LIMIT=self.duckdb_memory_limit,
            LIFECYCLE_DUCKDB_THREADS=str(self.duckdb_threads),
            LIFECYCLE_DUCKDB_TEMP_DIR=str(self.duckdb_temp_dir),
            LIFECYCLE_SPARK_DIR=str(self.spark_dir),
            **{f"LIFECYCLE_{source.upper()}_LAYOUT": layout for source, layout in self.layouts.items()},
            **self.connector_options,
        )
        for name, (database, schema) in self.connector_databases.items():
            env[f"LIFECYCLE_{name.upper()}_DATABASE"] = str(database)
            env[f"LIFECYCLE_{name.upper()}_SCHEMA"] = schema
        if self.dbt_target == "spark":  # the Parquet tables dbt's on-run-start hook registers
            from lifecycle.spark_engine import landed_tables, spark_site

            env["LIFECYCLE_SPARK_LANDED"] = ",".join(landed_tables(self))
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(spark_site()), env.get("PYTHONPATH")) if p)
        if self.as_of_date:
            env["LIFECYCLE_AS_OF_DATE"] = self.as_of_date.isoformat()
        return env


def _default_layouts() -> dict[str, str]:
    from lifecycle.connectors import default_layouts

    return default_layouts()


def parse_layouts(env: dict[str, str]) -> dict[str, str]:
    """LIFECYCLE_<SOURCE>_LAYOUT for each source, checked against the layouts that source has;
    ``contract`` when unset or empty."""
    from lifecycle.connectors import CONTRACT, layout_env_var, layouts_for
    from lifecycle.contract import SOURCES

    out: dict[str, str] = {}
    for source in SOURCES:
        name = layout_env_var(source)
        value = (env.get(name) or "").strip().lower() or CONTRACT
        if value not in (known := layouts_for(source)):
            raise ConfigError(
                f"{name}={env.get(name)!r} is not a layout of {source}: use one of {', '.join(known)} "
                f"(unset: {CONTRACT}, the landing contract's own tables; see docs/connectors.md)"
            )
        out[source] = value
    return out


def parse_connector_options(env: dict[str, str]) -> dict[str, str]:
    """The connector layouts' custom field names that are set (LIFECYCLE_SALESFORCE_*_FIELD ...),
    checked: a field name as the connector writes it, lower-case snake case."""
    from lifecycle.connectors import FIELD_NAME, LAYOUTS

    out: dict[str, str] = {}
    for layout in LAYOUTS.values():
        for option in layout.options:
            value = (env.get(option.env_var) or "").strip()
            if not value:
                continue
            if not FIELD_NAME.match(value):
                raise ConfigError(
                    f"{option.env_var}={value!r} is not a field name as {layout.name} lands it: use "
                    f"lower-case snake case, e.g. {option.default}"
                )
            out[option.env_var] = value
    return out


def parse_databases(env: dict[str, str], layouts: dict[str, str]) -> dict[str, str]:
    """The layouts named in a LIFECYCLE_<LAYOUT>_DATABASE, with their schema: only for a layout a
    source is read in (a database for a layout not in use is a mistake worth one line)."""
    from lifecycle.connectors import LAYOUTS

    out: dict[str, str] = {}
    for name, layout in LAYOUTS.items():
        if not (env.get(layout.database_env_var) or "").strip():
            continue
        if layouts.get(layout.source) != name:
            raise ConfigError(
                f"{layout.database_env_var} is set, but {layout.source} is read as {layouts.get(layout.source)}: "
                f"set {layout.env_var}={name} to read it, or unset {layout.database_env_var}"
            )
        schema = (env.get(layout.schema_env_var) or "").strip() or layout.default_schema
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", schema):
            raise ConfigError(f"{layout.schema_env_var}={schema!r} is not a schema name")
        out[name] = schema
    return out


def configured_targets(project_dir: Path) -> list[str]:
    """The dbt targets profiles.yml configures (the outputs of its one profile), in file order."""
    import yaml

    try:
        profiles = yaml.safe_load((project_dir / "profiles.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read {project_dir / 'profiles.yml'}: {exc}") from exc
    return [name for profile in profiles.values() for name in (profile.get("outputs") or {})]


#: What DuckDB takes as a memory limit: a number with a unit (B, KB, MB, GB, TB, KiB, ... or
#: K, M, G, T), or a percentage of RAM. Checked here so the error names the variable.
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(%|([kmgt]i?)?b|[kmgt])$", re.IGNORECASE)


def parse_memory_limit(raw: str | None) -> str:
    """LIFECYCLE_DUCKDB_MEMORY_LIMIT, checked (DuckDB's syntax); the default when unset."""
    value = (raw or "").strip()
    if not value:
        return DEFAULT_DUCKDB_MEMORY_LIMIT
    number = float(re.match(r"^[\d.]*", value).group(0) or 0)  # type: ignore[union-attr]
    if not _MEMORY.match(value) or number <= 0 or (value.endswith("%") and number > 100):
        raise ConfigError(
            f"LIFECYCLE_DUCKDB_MEMORY_LIMIT={raw!r} is not a memory size: use a number with a unit "
            f"such as 3GB, 2.5GiB or 500MB, or a share of RAM such as 50% (default {DEFAULT_DUCKDB_MEMORY_LIMIT})"
        )
    return value


def parse_threads(raw: str | None) -> int:
    """LIFECYCLE_DUCKDB_THREADS, checked (a whole number >= 1); every CPU when unset."""
    value = (raw or "").strip()
    if not value:
        return default_duckdb_threads()
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(
            f"LIFECYCLE_DUCKDB_THREADS={raw!r} is not a whole number >= 1: use e.g. 2 "
            f"(default: the number of CPUs, {default_duckdb_threads()})"
        )
    return int(value)
