"""Runs MetricFlow's `mf` against the configured warehouse, like `lifecycle dbt` runs dbt.

`mf` reads the dbt project (DBT_PROJECT_DIR), the profile (DBT_PROFILES_DIR, whose DuckDB path
comes from LIFECYCLE_WAREHOUSE) and the semantic manifest `target/semantic_manifest.json` that
`dbt parse` writes. That file names every table with its database, which for DuckDB is the
warehouse file's stem (`"warehouse"."marts"."dim_accounts"`), so it is only valid for warehouses of
that name. When it is missing, older than the project's YAML (a metric was just edited) or made for
another warehouse name, `dbt parse` runs first, so `mf` never answers from stale definitions nor
queries a database that is not attached.
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

#: mf subcommands that read neither the project nor the warehouse.
NO_PROJECT_ARGS = ("--help", "-h", "--version", "tutorial")


def semantic_manifest_path(project_dir: Path) -> Path:
    return project_dir / "target" / "semantic_manifest.json"


def _definition_files(project_dir: Path) -> Iterable[Path]:
    yield project_dir / "dbt_project.yml"
    yield from (project_dir / "models").rglob("*.yml")


def duckdb_database_name(warehouse: Path) -> str:
    """The catalog name DuckDB (and dbt-duckdb) give a database file: its name without extension."""
    return os.path.splitext(warehouse.name)[0]


def manifest_databases(manifest: Path) -> set[str]:
    """The databases the semantic models of a semantic_manifest.json read from."""
    content = json.loads(manifest.read_text())
    return {
        str((model.get("node_relation") or {}).get("database"))
        for model in content.get("semantic_models", [])
    }


def semantic_manifest_is_stale(project_dir: Path, warehouse: Path) -> bool:
    """True when target/semantic_manifest.json is missing, older than a model YAML file, or was
    parsed for a warehouse file of another name."""
    manifest = semantic_manifest_path(project_dir)
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


def mf_command(args: list[str]) -> list[str]:
    return [venv_tool("mf"), *args]


def run_mf(settings: Settings, args: list[str]) -> int:
    """Run `mf <args>` against the configured warehouse; mf's output streams to this terminal.

    The working directory stays the caller's, so a relative `--csv out.csv` lands where the user
    is; the project and profiles come from the environment (`Settings.dbt_env`).
    """
    needs_project = bool(args) and args[0] not in NO_PROJECT_ARGS
    if needs_project and semantic_manifest_is_stale(settings.project_dir, settings.warehouse):
        print(f"==> dbt parse (the semantic manifest is stale for {settings.warehouse})", file=sys.stderr)
        rc = run_dbt(settings, ["parse", "--quiet"])
        if rc != 0:
            return rc
    proc = subprocess.run(mf_command(args), env=settings.dbt_env())
    return proc.returncode
