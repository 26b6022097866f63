"""Shared fixtures: one published pipeline run on the small simulated data set.

Building the marts is the slow part of the suite, so the tests that only *read* a finished run
(the serving database, the published Parquet files, the semantic layer, the dashboard) share one:

- under ``make test``, ``scripts/test.sh`` has already run ``lifecycle run`` on the small data set
  (seed 7) and names its directory in ``LIFECYCLE_TEST_RUN``: the fixture reuses it;
- otherwise (a single test file run by hand) the fixture makes the same run once per session,
  shared by the xdist workers through a file lock.

The run is read-only for tests: copy a file before anything writes to it (dbt and MetricFlow open
the warehouse read-write).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from filelock import FileLock

from lifecycle.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: The directory of a finished small run made by scripts/test.sh (layout: see :class:`SmallRun`).
RUN_ENV = "LIFECYCLE_TEST_RUN"
SMALL_SEED = 7


@dataclass(frozen=True)
class SmallRun:
    """A published run: ``<root>/landing`` in, ``<root>/data/{warehouse,serving}.duckdb`` out, the
    Dagster instance of the run in ``<root>/data/dagster_home``, its output in ``<root>/run.log``."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "data" / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "data" / "serving.duckdb"

    @property
    def log(self) -> Path:
        """What ``lifecycle run`` printed (its progress lines and summary)."""
        return self.root / "run.log"

    @property
    def manifest(self) -> Path:
        """A copy of the dbt manifest the run was parsed into (the repo's target/ changes later)."""
        return self.root / "manifest.json"

    @property
    def parquet_dir(self) -> Path:
        return self.root / "data" / "serving_parquet"

    def settings(self) -> Settings:
        """The pipeline settings that point at this run (the data's own as_of_date)."""
        return Settings(
            landing_dir=self.landing,
            warehouse=self.warehouse,
            serving=self.serving,
            as_of_date=None,
            dbt_target="duckdb",
        )

    def env(self) -> dict[str, str]:
        """The environment that points the CLI at this run (the data's own as_of_date)."""
        env = {k: v for k, v in os.environ.items() if k != "LIFECYCLE_AS_OF_DATE"}
        env.update(
            LIFECYCLE_LANDING_DIR=str(self.landing),
            LIFECYCLE_WAREHOUSE=str(self.warehouse),
            LIFECYCLE_SERVING=str(self.serving),
            DBT_TARGET="duckdb",
        )
        return env


def make_small_run(root: Path) -> SmallRun:
    """Simulate the small data set and run the whole pipeline on it, as scripts/test.sh does."""
    run = SmallRun(root)
    cli = str(Path(sys.executable).with_name("lifecycle"))
    steps = [
        [cli, "simulate", "--out", str(run.landing), "--scale", "small", "--seed", str(SMALL_SEED)],
        [cli, "run"],
    ]
    for cmd in steps:
        proc = subprocess.run(cmd, env=run.env(), cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, (
            f"{' '.join(cmd[1:])} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
        )
    run.log.write_text(proc.stdout, encoding="utf-8")  # what `lifecycle run` printed, as test.sh keeps it
    shutil.copyfile(ROOT / "target" / "manifest.json", run.manifest)  # the parse the run used
    return run


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SmallRun:
    given = os.environ.get(RUN_ENV)
    if given:
        run = SmallRun(Path(given))
        assert run.serving.exists(), f"{RUN_ENV}={given} has no published {run.serving}"
        return run
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # one directory for all xdist workers
    root = shared / "small_run"
    with FileLock(str(shared / "small_run.lock")):
        done = root / ".done"
        if not done.exists():
            make_small_run(root)
            done.touch()
    return SmallRun(root)
