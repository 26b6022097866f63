"""Runs dbt as a subprocess of this environment, with the repo's project and profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lifecycle.settings import Settings


def venv_tool(name: str) -> str:
    """A console script installed beside this interpreter (``dbt``, ``dagster``), else on PATH.

    The project's venv is usually not activated (``make`` calls ``.venv/bin/lifecycle``), so the
    tools beside the interpreter come first. The one lookup for every tool the project starts.
    """
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} is not installed in this environment: run `make run` to create .venv"
        )
    return found


def dbt_executable() -> str:
    """The `dbt` next to this interpreter (the project's venv), else the one on PATH."""
    return venv_tool("dbt")


#: What every pipeline `dbt build` adds: dbt's unit tests check the SQL against fixed inputs, not the
#: data, so production builds leave them out (dbt's own advice); `make test` runs them
#: (`lifecycle dbt test --select resource_type:unit_test`). On the demo they are 91 of 812 nodes
#: and 50-75 s of a build's thread time.
PIPELINE_BUILD_FLAGS: tuple[str, ...] = ("--exclude-resource-type", "unit_test")


def dbt_command(settings: Settings, args: list[str]) -> list[str]:
    cmd = [dbt_executable(), *args]
    if args and args[0] not in ("--version", "-v", "--help", "-h"):
        cmd += ["--project-dir", str(settings.project_dir), "--profiles-dir", str(settings.project_dir)]
    return cmd


def run_dbt(settings: Settings, args: list[str]) -> int:
    """Run `dbt <args>` against the configured warehouse; dbt's output streams to this terminal."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(dbt_command(settings, args), env=settings.dbt_env(), cwd=settings.project_dir)
    return proc.returncode
