"""The pipeline steps the CLI runs: demo data when the landing dir is empty, load, dbt build."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

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
    progress(report.total_line())
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


#: The Dagster instance config written into DAGSTER_HOME (data/dagster_home/dagster.yaml) when
#: missing. One run at a time, and at most one run tagged as a warehouse writer: DuckDB has a single
#: writer. Run retries re-launch a crashed run worker once; a failed asset or check is not retried
#: (the same data would fail the same way; the loader has its own op-level retry policy).
DAGSTER_YAML = """\
# Written by `lifecycle run` / `lifecycle ui` when missing; edit freely (it is not overwritten).
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
    tag_concurrency_limits:
      - key: lifecycle/warehouse
        limit: 1
run_retries:
  enabled: true
  max_retries: 1
  retry_on_asset_or_op_failure: false
run_monitoring:
  enabled: true
  free_slots_after_run_end_seconds: 300
"""
#: The code location of the Dagster definitions (package `orchestration`, run as a subprocess).
DAGSTER_MODULE = "orchestration.definitions"
DAGSTER_JOB = "lifecycle_full_graph"


def dagster_home(settings: Settings) -> Path:
    """A persistent DAGSTER_HOME under the data dir, with dagster.yaml written if missing."""
    home = settings.data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def dagster_env(settings: Settings) -> dict[str, str]:
    """Environment for a Dagster subprocess: the dbt environment, DAGSTER_HOME, and this venv's
    bin first on PATH (dagster-dbt's `prepare_if_dev` under `dagster dev` runs plain `dbt`)."""
    env = settings.dbt_env()
    env["DAGSTER_HOME"] = str(dagster_home(settings))
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")]) if env.get("PATH") else bin_dir
    return env


def venv_tool(name: str) -> str:
    """A console script installed beside this interpreter (dagster, dagster-webserver, dbt)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} is not installed in this environment: run `make run` to create .venv"
        )
    return found


def ensure_manifest(settings: Settings, progress: Progress = print) -> bool:
    """`dbt parse` when target/manifest.json is missing or older than any model, macro, seed,
    test or project file (Dagster reads the manifest at load; only `dagster dev` prepares it)."""
    project = settings.project_dir
    manifest = project / "target" / "manifest.json"
    if manifest.exists():
        built = manifest.stat().st_mtime
        inputs = [project / "dbt_project.yml", project / "profiles.yml"]
        for folder in ("models", "macros", "seeds", "tests/dbt", "snapshots", "analyses"):
            root = project / folder
            if root.exists():
                inputs += [p for p in root.rglob("*") if p.is_file()]
        if all(p.stat().st_mtime <= built for p in inputs if p.exists()):
            return True
    progress("==> dbt parse (the dbt manifest is missing or older than the project)")
    return run_dbt(settings, ["parse", "--quiet"]) == 0


def failed_steps(log_text: str) -> list[str]:
    """What failed, from a Dagster CLI log: each failed step with its error, and every asset
    check that did not pass (blocking ones stop the run; the others are warnings)."""
    out: list[str] = []
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        if "STEP_FAILURE" in line:
            m = re.search(r'step "([^"]+)" failed', line)
            error = []
            for follow in lines[i + 1 : i + 40]:
                if follow.startswith("Stack Trace:") or re.match(r"\d{4}-\d\d-\d\d ", follow):
                    break
                if follow.strip():
                    error.append(
                        follow.strip()
                        .removeprefix("dagster._core.errors.")
                        .removeprefix("dagster._core.definitions.events.")
                    )
            out.append(f"step {m.group(1) if m else '?'}: {' '.join(error) or 'failed'}")
        elif "ASSET_CHECK_EVALUATION" in line and "did not pass" in line:
            m = re.search(r"Asset check '([^']+)' on '([^']+)' did not pass\.(?: Description: '(.*)')?", line)
            if m:
                detail = f": {m.group(3)[:300]}" if m.group(3) else ""
                out.append(f"check {m.group(2)}:{m.group(1)} did not pass{detail}")
    return out


def run(settings: Settings, progress: Progress = print) -> int:
    """`make run`: demo data if the landing dir is empty, then every asset through Dagster's CLI.

    Loads the landing dir into the raw tables, runs one `dbt build` (dbt tests as asset checks),
    the Great Expectations suites, then publishes the marts to the serving DB, all as one
    Dagster run recorded in DAGSTER_HOME (data/dagster_home) so `make ui` shows it.
    """
    import subprocess

    from lifecycle.summary import summary_lines

    started = time.monotonic()
    ensure_demo_data(settings, progress)
    if not ensure_manifest(settings, progress):
        progress("error: `dbt parse` failed: fix the dbt project (see above)")
        return 1
    env = dagster_env(settings)
    cmd = [venv_tool("dagster"), "job", "execute", "-m", DAGSTER_MODULE, "-j", DAGSTER_JOB]
    progress(f"==> dagster job execute {DAGSTER_JOB} (DAGSTER_HOME={env['DAGSTER_HOME']})")
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "dagster_run.log"
    with log_path.open("w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            cmd,
            env=env,
            cwd=settings.project_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if _worth_showing(line):
                progress(line.rstrip())
        rc = proc.wait()
    for line in summary_lines(settings.warehouse, time.monotonic() - started):
        progress(line)
    gx_report = settings.data_dir / "reports" / "gx" / "index.html"
    if settings.serving.exists():
        progress(
            f"serving DB (BI reads this): {settings.serving}  (+ {settings.serving.stem}_parquet/*.parquet)"
        )
    else:
        progress(f"no serving DB published yet at {settings.serving}")
    if gx_report.exists():
        progress(f"quality report (Great Expectations): {gx_report}")
    progress(f"full Dagster log: {log_path}")
    progress("asset graph, checks and this run in the Dagster UI: make ui")
    if rc != 0:
        failures = failed_steps(log_path.read_text(encoding="utf-8"))
        progress(f"error: the Dagster run failed (exit {rc}); the serving DB was not updated.")
        progress("what failed (steps) and what did not pass (checks, warnings included):")
        for f in failures or ["see the log above"]:
            progress(f"  - {f}")
        return rc or 1
    progress(f"==> pipeline finished in {time.monotonic() - started:.1f} s")
    return 0


def _worth_showing(line: str) -> bool:
    """Dagster's CLI log is verbose: show step starts/ends, failures and check results."""
    keys = ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "RUN_SUCCESS", "RUN_FAILURE", "Error:")
    if any(k in line for k in keys):
        return True
    return "ASSET_CHECK_EVALUATION" in line and "did not pass" in line
