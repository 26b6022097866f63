"""Runs dbt as a subprocess of this environment, with the repo's project and profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from lifecycle.settings import Settings


def dbt_executable() -> str:
    """The `dbt` next to this interpreter (the project's venv), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise FileNotFoundError("dbt is not installed in this environment: run `make build` to create .venv")
    return found


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
