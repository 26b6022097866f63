"""A no-op `lifecycle run` (nothing new since the last build) on a copy of the shared small run:
the dbt steps and the LTV fit skip, no dbt test is evaluated (nor claimed), GX and publishing
still run, and the run succeeds and says that dbt was skipped."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from conftest import SmallRun

from lifecycle import build_state
from lifecycle.connection import connect
from lifecycle.publish import read_snapshot_info
from lifecycle.settings import PROJECT_DIR
from orchestration.dbt_assets import DBT_LTV_OP, DBT_OP


@pytest.mark.slow  # about 50 s on an idle 2-core machine (most of it dbt parse and Dagster start-up)
def test_a_noop_run_skips_dbt_and_the_fit_and_still_checks_and_publishes(small_run, tmp_path: Path) -> None:
    from orchestration.launch import FULL_GRAPH_JOB, instance_for, log_path_for, stored_outcome

    root = tmp_path / "run"
    shutil.copytree(small_run.root, root)
    settings = SmallRun(root).settings()
    before = read_snapshot_info(settings.serving)
    with instance_for(settings) as instance:
        previous = instance.get_run_records(dg.RunsFilter(job_name=FULL_GRAPH_JOB), limit=1)[0]
    env = {
        **small_run.env(),
        "LIFECYCLE_LANDING_DIR": str(settings.landing_dir),
        "LIFECYCLE_WAREHOUSE": str(settings.warehouse),
        "LIFECYCLE_SERVING": str(settings.serving),
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("lifecycle")), "run"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - started
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-3000:]
    print(f"no-op lifecycle run of the small run: {seconds:.1f} s")
    out = proc.stdout
    assert "dbt skipped: nothing new since the build of " in out, out[-3000:]
    assert not [line for line in out.splitlines() if re.search(r"\] dbt \d+ of \d+ ", line)], (
        "dbt did not run"
    )
    assert sum(build_state.SKIPPED in line for line in out.splitlines()) == 3, "each skipped step says so"
    assert "Blocking asset check" not in proc.stderr, "Dagster's per-check notes stay in the log"

    with instance_for(settings) as instance:
        record = instance.get_run_records(dg.RunsFilter(job_name=FULL_GRAPH_JOB), limit=1)[0]
        assert record.dagster_run.run_id != previous.dagster_run.run_id
        outcome = stored_outcome(instance, record.dagster_run.run_id, log_path_for(settings))
    assert outcome.success
    assert {s.split(":", 1)[0] for s in outcome.skipped} == {DBT_OP, "ltv_fit", DBT_LTV_OP}
    assert outcome.evaluated and all(c.rsplit(":", 1)[1].startswith("gx_") for c in outcome.evaluated), (
        "only the GX suites ran: no dbt test is evaluated (or claimed) in a no-op run"
    )
    assert "serving/marts" in outcome.materialized
    after = read_snapshot_info(settings.serving)
    assert before is not None and after is not None and after["published_at_utc"] > before["published_at_utc"]
    with connect(settings.warehouse, read_only=True) as con:
        state = build_state.read(con)
    with connect(small_run.warehouse, read_only=True) as con:
        assert state is not None and state == build_state.read(con), "the recorded build is unchanged"
