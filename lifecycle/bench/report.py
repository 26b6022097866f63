"""The bench report: the machine, the goals of issue 13, data/reports/bench.json and bench.md.

bench.json (``"version": 1``), flat and documented in docs/performance.md:

- ``machine``: cpu, cores, ram_gb, os, python, duckdb, git_commit (``+dirty`` when the work tree
  has uncommitted changes)
- ``scale``: preset, accounts, months, seed, faults (the injected fault rate), key (the data cache), last_batch_date, files,
  landing_bytes, landing_rows (rows in the files, from the floor scan), next_day_files,
  next_day_bytes, landed_rows (the loader's manifest after the cold build)
- ``steps``: one object per step run, in order: name, seconds, exit_code, peak_rss_bytes,
  max_process_rss_bytes, log, ratio (``to_floor`` for cold, ``to_cold`` for incremental, noop
  and noop_run), slowest_models (the builds cold, incremental, noop: model, materialized,
  seconds), cached (data only), rows / values / chars / file_by_file (floor only: what the scan
  read, and how many files had to be read one by one)
- ``sizes``: landing_bytes, warehouse_bytes_cold, warehouse_bytes_incremental,
  warehouse_to_landing (after the cold build)
- ``goals``: name, target, value, met (true / false; null when its steps were not run or, for
  memory, the scale is not demo)
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GB = 1024**3
REPORT_VERSION = 1


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    value: float | None
    met: bool | None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "value": self.value, "met": self.met}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def evaluate_goals(
    seconds: dict[str, float],
    peak_rss_bytes: int | None,
    warehouse_bytes: int | None,
    landing_bytes: int | None,
    preset: str,
    accounts: int,
) -> list[Goal]:
    """The goals of issue 13 against one run's figures (``seconds``: step name -> seconds)."""
    cold = seconds.get("cold")
    to_floor = ratio(cold, seconds.get("floor"))
    to_cold = ratio(seconds.get("incremental"), cold)
    noop = seconds.get("noop")
    to_landing = ratio(warehouse_bytes, landing_bytes)
    demo = preset == "demo" and accounts == 2_000
    peak_gb = round(peak_rss_bytes / GB, 3) if peak_rss_bytes is not None else None
    return [
        Goal("cold build <= 3x the floor", "cold / floor <= 3", to_floor, _at_most(to_floor, 3.0)),
        Goal(
            "incremental <= 5% of the cold build",
            "incremental / cold <= 0.05",
            to_cold,
            _at_most(to_cold, 0.05),
        ),
        Goal("no-op build <= 10 s", "noop seconds <= 10", noop, _at_most(noop, 10.0)),
        Goal(
            "peak memory <= 4 GB at demo scale",
            "largest peak RSS of the builds <= 4 GB (demo scale only)",
            peak_gb,
            _at_most(peak_gb, 4.0) if demo else None,
        ),
        Goal(
            "warehouse <= 2x the landing files",
            "warehouse / landing bytes <= 2",
            to_landing,
            _at_most(to_landing, 2.0),
        ),
    ]


def machine(project_dir: Path) -> dict[str, Any]:
    """Where the figures come from."""
    import duckdb

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": _ram_gb(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "duckdb": duckdb.__version__,
        "git_commit": git_commit(project_dir),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) * 1024 / GB, 1)
    except OSError:
        pass
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GB, 1)
    except (ValueError, OSError, AttributeError):
        return None


def git_commit(project_dir: Path) -> str | None:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(project_dir), *args], capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip()

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return commit + ("+dirty" if dirty else "")


def _mb(n: int | None) -> str:
    return "" if n is None else f"{n / 1024**2:,.1f} MB"


def _short_commit(commit: str | None) -> str:
    if not commit:
        return "unknown"
    return commit[:12] + ("+dirty" if commit.endswith("+dirty") else "")


def _fmt_ratio(step: dict[str, Any]) -> str:
    return ", ".join(
        f"{v:.3g}x {k.removeprefix('to_')}" for k, v in step.get("ratio", {}).items() if v is not None
    )


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown tables, to paste into the README."""
    sc, m, sizes = report["scale"], report["machine"], report["sizes"]
    rows = f", {sc['landing_rows']:,} rows" if sc.get("landing_rows") is not None else ""
    header = (
        f"Bench of {sc['accounts']:,} accounts x {sc['months']} months (preset {sc['preset']}, seed "
        f"{sc['seed']}, faults {sc['faults']:g}): {sc['files']:,} landing files, {_mb(sc['landing_bytes'])}{rows}; the next day "
        f"({sc['last_batch_date']}): {sc['next_day_files']:,} files, {_mb(sc['next_day_bytes'])}."
    )
    lines = [
        header,
        "",
        "| step | seconds | ratio | peak RSS (process tree) | largest process |",
        "|---|---:|---|---:|---:|",
    ]
    for step in report["steps"]:
        cached = " (cached)" if step.get("cached") else ""
        lines.append(
            f"| {step['name']}{cached} | {step['seconds']:,.1f} | {_fmt_ratio(step)} | "
            f"{_mb(step.get('peak_rss_bytes'))} | {_mb(step.get('max_process_rss_bytes'))} |"
        )
    slow = [s for s in report["steps"] if s.get("slowest_models")]
    for step in slow:
        models = ", ".join(
            f"`{t['model'].split('.')[-1]}` {t['seconds']:.1f} s" for t in step["slowest_models"]
        )
        lines.append("")
        lines.append(f"Slowest models ({step['name']}): {models}.")
    lines += [
        "",
        f"Warehouse file: {_mb(sizes.get('warehouse_bytes_cold'))} after the cold build, "
        f"{_mb(sizes.get('warehouse_bytes_incremental'))} after the incremental one; "
        f"landing files {_mb(sizes.get('landing_bytes'))}"
        + (
            f" (warehouse / landing = {sizes['warehouse_to_landing']:.2f})."
            if sizes.get("warehouse_to_landing")
            else "."
        ),
        "",
        "| goal | value | met |",
        "|---|---:|---|",
    ]
    for goal in report["goals"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[goal["met"]]
        value = "" if goal["value"] is None else f"{goal['value']:,.3g}"
        lines.append(f"| {goal['name']} | {value} | {met} |")
    lines += [
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}; code {_short_commit(m['git_commit'])}; {report['started_at_utc']}.",
    ]
    return "\n".join(lines) + "\n"
