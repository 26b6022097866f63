"""Runs MetricFlow's `mf` against the configured warehouse, like `lifecycle dbt` runs dbt.

`mf` reads a dbt project dir (DBT_PROJECT_DIR: its dbt_project.yml and the semantic manifest
`<dir>/target/semantic_manifest.json` that `dbt parse` writes), the profile (DBT_PROFILES_DIR,
whose DuckDB path comes from LIFECYCLE_WAREHOUSE) and then the warehouse. The semantic manifest
names every table with its database, which for DuckDB is the warehouse file's stem
(`"warehouse"."marts"."dim_accounts"`), so it fits only warehouse files of that name. Each name
therefore gets its own parse, in `target/metricflow/<database>/` (a copy of dbt_project.yml and
the `target/` of a `dbt parse --target-path` there), which `mf` is pointed at: switching between
`data/warehouse.duckdb` and a copy called `demo.duckdb`, or a test running beside another dbt
command, never hands `mf` a manifest made for another database. `dbt parse` runs first when that
manifest is missing, older than the project's YAML (a metric was just edited) or for another
database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from lifecycle.dbt import run_dbt, venv_tool
from lifecycle.settings import Settings

#: mf arguments that read neither the project nor the warehouse.
NO_PROJECT_ARGS = ("--help", "-h", "--version", "tutorial")


def duckdb_database_name(warehouse: Path) -> str:
    """The catalog name DuckDB (and dbt-duckdb) give a database file: its name without extension."""
    return os.path.splitext(warehouse.name)[0]


def metricflow_project_dir(project_dir: Path, warehouse: Path) -> Path:
    """The project dir `mf` reads for this warehouse: one per database name, under target/."""
    return project_dir / "target" / "metricflow" / duckdb_database_name(warehouse)


def semantic_manifest_path(project_dir: Path, warehouse: Path) -> Path:
    return metricflow_project_dir(project_dir, warehouse) / "target" / "semantic_manifest.json"


def _definition_files(project_dir: Path) -> Iterable[Path]:
    yield project_dir / "dbt_project.yml"
    yield from (project_dir / "models").rglob("*.yml")


def manifest_databases(manifest: Path) -> set[str]:
    """The databases the semantic models of a semantic_manifest.json read from."""
    content = json.loads(manifest.read_text())
    return {
        str((model.get("node_relation") or {}).get("database"))
        for model in content.get("semantic_models", [])
    }


def semantic_manifest_is_stale(project_dir: Path, warehouse: Path) -> bool:
    """True when the warehouse's semantic manifest is missing, older than a model YAML file, or
    reads another database."""
    manifest = semantic_manifest_path(project_dir, warehouse)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    if any(path.stat().st_mtime > built for path in _definition_files(project_dir) if path.exists()):
        return True
    try:
        databases = manifest_databases(manifest)
    except (OSError, ValueError):
        return True
    return databases != {duckdb_database_name(warehouse)}


def prepare_semantic_manifest(settings: Settings) -> int:
    """Make the warehouse's MetricFlow project dir current; dbt's exit code (0 when nothing to do)."""
    mf_dir = metricflow_project_dir(settings.project_dir, settings.warehouse)
    mf_dir.mkdir(parents=True, exist_ok=True)
    project_file = (settings.project_dir / "dbt_project.yml").read_text()
    copied = mf_dir / "dbt_project.yml"
    if not copied.exists() or copied.read_text() != project_file:
        copied.write_text(project_file)
    if not semantic_manifest_is_stale(settings.project_dir, settings.warehouse):
        return 0
    print(
        f"==> dbt parse (the semantic manifest for {settings.warehouse.name} is missing or stale)",
        file=sys.stderr,
    )
    return run_dbt(settings, ["parse", "--quiet", "--target-path", str(mf_dir / "target")])


def mf_command(args: list[str]) -> list[str]:
    return [venv_tool("mf"), *args]


def mf_env(settings: Settings) -> dict[str, str]:
    """dbt's environment (profiles, LIFECYCLE_WAREHOUSE), with the warehouse's MetricFlow project dir."""
    return {
        **settings.dbt_env(),
        "DBT_PROJECT_DIR": str(metricflow_project_dir(settings.project_dir, settings.warehouse)),
    }


def run_mf(settings: Settings, args: list[str]) -> int:
    """Run `mf <args>` against the configured warehouse; mf's output streams to this terminal.

    The working directory stays the caller's, so a relative `--csv out.csv` lands where the user
    is; the project and profiles come from the environment (`mf_env`).
    """
    if args and args[0] not in NO_PROJECT_ARGS:
        rc = prepare_semantic_manifest(settings)
        if rc != 0:
            return rc
    return subprocess.run(mf_command(args), env=mf_env(settings)).returncode
