"""The pipeline steps the CLI runs: demo data when the landing dir is empty, load, dbt build."""

from __future__ import annotations

import time
from collections.abc import Callable

from lifecycle.dbt import run_dbt
from lifecycle.settings import Settings

Progress = Callable[[str], None]

BATCH_SUFFIXES = (".csv", ".jsonl", ".jsonl.gz", ".parquet")


def landing_has_data(settings: Settings) -> bool:
    """True when the landing dir holds at least one batch file of any contract format."""
    root = settings.landing_dir
    if not root.exists():
        return False
    return any(p.is_file() and p.name.endswith(BATCH_SUFFIXES) for p in root.glob("*/*/*"))


def ensure_demo_data(settings: Settings, progress: Progress = print, scale: str = "demo") -> bool:
    """Simulate the demo company into an empty landing dir; never touch a landing dir with data."""
    if landing_has_data(settings):
        progress(f"landing dir {settings.landing_dir} has data: using it as is")
        return False
    from lifecycle.simulator import simulate

    progress(f"landing dir {settings.landing_dir} is empty: generating the {scale} data set")
    summary = simulate(settings.landing_dir, scale=scale, progress=progress)
    for line in summary.lines():
        progress(line)
    return True


def load(settings: Settings, progress: Progress = print) -> bool:
    """Load new batch files into the raw layer; False when a file changed under a loaded name."""
    from lifecycle.loader import load_landing

    report = load_landing(settings.landing_dir, settings.warehouse, progress=progress)
    for line in report.lines():
        progress(line)
    for w in report.warnings:
        progress(f"warning: {w}")
    for e in report.errors:
        progress(f"error: {e}")
    return report.ok


def build(settings: Settings, progress: Progress = print) -> int:
    """`make build`: load the landing dir, then one `dbt build`. Returns a process exit code."""
    from lifecycle.summary import summary_lines

    started = time.monotonic()
    if not settings.landing_dir.exists():
        progress(f"error: landing dir {settings.landing_dir} does not exist (set LIFECYCLE_LANDING_DIR)")
        return 2
    progress(f"==> load {settings.landing_dir} -> {settings.warehouse}")
    loaded_ok = load(settings, progress)
    progress("==> dbt build")
    rc = run_dbt(settings, ["build"])
    for line in summary_lines(settings.warehouse, time.monotonic() - started):
        progress(line)
    if not loaded_ok:
        progress("error: some batch files changed after they were loaded (see above): build is not complete")
        return 1
    return rc


def run(settings: Settings, progress: Progress = print) -> int:
    """`make run`: demo data if the landing dir is empty, then the whole pipeline."""
    started = time.monotonic()
    ensure_demo_data(settings, progress)
    rc = build(settings, progress)
    progress(f"==> pipeline finished in {time.monotonic() - started:.1f} s (exit {rc})")
    return rc
