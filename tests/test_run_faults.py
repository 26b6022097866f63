"""Faults in a run never corrupt or half-publish anything: kill -9 mid-build, a full disk, a
read-only path (lifecycle/storage_errors.py, lifecycle/run_lock.py, orchestration/launch.py).

The run-level tests start from a copy of the shared small run (tests/conftest.py: landing dir,
warehouse, serving DB and its Parquet, the Dagster instance whose check results the publish gate
reads). The full-disk and read-only ones mount a small tmpfs, which needs root: they are skipped,
saying so, where mounting is not permitted.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import SmallRun

from lifecycle.settings import Settings
from lifecycle.storage_errors import dbt_storage_problem, storage_problem

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("lifecycle"))


def _hash_marts():
    spec = importlib.util.spec_from_file_location("hash_marts", ROOT / "scripts" / "hash_marts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


table_hashes = _hash_marts().table_hashes


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class RunCopy:
    """A writable copy of the shared small run: the landing dir under ``root``, the warehouse and
    the Dagster instance in ``data_dir``, the serving DB and its Parquet in ``serving_dir``."""

    root: Path
    data_dir: Path
    serving_dir: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.serving_dir / "serving.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.serving_dir / "serving_parquet"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
        env.update(
            LIFECYCLE_LANDING_DIR=str(self.landing),
            LIFECYCLE_WAREHOUSE=str(self.warehouse),
            LIFECYCLE_SERVING=str(self.serving),
            DBT_TARGET="duckdb",
        )
        return env


def copy_run(
    run: SmallRun, root: Path, data_dir: Path | None = None, serving_dir: Path | None = None
) -> RunCopy:
    """Copy ``run`` (read-only for tests) to where a test may write and break it; the copy's
    batch files keep their modification times, so the loader finds nothing new."""
    data_dir = data_dir or root / "data"
    copy = RunCopy(root, data_dir, serving_dir or data_dir)
    shutil.copytree(run.landing, copy.landing)
    copy.data_dir.mkdir(parents=True, exist_ok=True)
    copy.serving_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(run.warehouse, copy.warehouse)
    shutil.copytree(run.root / "data" / "dagster_home", copy.data_dir / "dagster_home")
    shutil.copy2(run.serving, copy.serving)
    shutil.copytree(run.parquet_dir, copy.parquet_dir)
    return copy


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the block (skips the test when not permitted)."""
    path.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    proc = (
        subprocess.run(
            [mount, "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
        )
        if mount
        else None
    )
    if proc is None or proc.returncode != 0:
        why = proc.stderr.strip() if proc else "no mount command"
        pytest.skip(f"cannot mount a tmpfs here ({why}): the full-disk and read-only tests need root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(fs: Path, leave_kib: int = 0) -> None:
    """Fill the file system of ``fs`` up to ``leave_kib`` KiB free."""
    free = os.statvfs(fs)
    kib = free.f_bavail * free.f_frsize // 1024 - leave_kib
    with (fs / "filler").open("wb") as out:
        chunk = b"\0" * 1024
        try:
            for _ in range(kib):
                out.write(chunk)
            out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    assert os.statvfs(fs).f_bavail * os.statvfs(fs).f_frsize // 1024 <= leave_kib + 4


def remount_read_only(fs: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(fs)], check=True)


def lifecycle(run: RunCopy, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=run.env(), cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    return lines[0]


# --- the translation, unit by unit -------------------------------------------------------------

SETTINGS = Settings(
    landing_dir=Path("/in/landing"),
    warehouse=Path("/w/warehouse.duckdb"),
    serving=Path("/s/serving.duckdb"),
    as_of_date=None,
    dbt_target="duckdb",
)


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            duckdb.IOException(
                'IO Error: Could not write file "/w/warehouse.duckdb": No space left on device'
            ),
            "no space left on device writing /w/warehouse.duckdb: free space, or set LIFECYCLE_WAREHOUSE "
            "to a path on a disk with room",
        ),
        (
            duckdb.TransactionException(
                'TransactionContext Error: Failed to commit: Could not write file "/w/warehouse.duckdb.wal": '
                "No space left on device"
            ),
            "no space left on device writing /w/warehouse.duckdb.wal: free space, or set LIFECYCLE_WAREHOUSE "
            "to a path on a disk with room",
        ),
        (
            duckdb.IOException('IO Error: Cannot open file "/w/warehouse.duckdb": Read-only file system'),
            "read-only file system writing /w/warehouse.duckdb: make it writable, or set LIFECYCLE_WAREHOUSE "
            "to a writable path",
        ),
        (
            OSError(errno.ENOSPC, "No space left on device", "/w/duckdb_tmp/spill.tmp"),
            "no space left on device writing /w/duckdb_tmp/spill.tmp: free space, or set "
            "LIFECYCLE_DUCKDB_TEMP_DIR to a path on a disk with room",
        ),
        (
            'serving__marts: IOException: IO Error: Could not write file "/s/.serving.duckdb.tmp-12-34": '
            "No space left on device",
            "no space left on device writing /s/.serving.duckdb.tmp-12-34, the new copy of /s/serving.duckdb: "
            "free space, or set LIFECYCLE_SERVING to a path on a disk with room",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", "/in/landing/crm/accounts/x.csv"),
            "read-only file system writing /in/landing/crm/accounts/x.csv: make it writable, or set "
            "LIFECYCLE_LANDING_DIR to a writable path",
        ),
        (
            RuntimeError("sqlite3.OperationalError: database or disk is full"),
            "no space left on device: free space, or point LIFECYCLE_WAREHOUSE / LIFECYCLE_SERVING elsewhere",
        ),
    ],
)
def test_storage_failures_become_one_line_naming_the_file_and_the_setting(error: object, line: str) -> None:
    problem = storage_problem(error)  # type: ignore[arg-type]
    assert problem is not None and problem.line(SETTINGS) == line


def test_a_storage_failure_is_found_in_the_exception_chain_and_nothing_else_is() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/w/warehouse.duckdb")
        except OSError as inner:
            raise RuntimeError("the step failed") from inner
    except RuntimeError as outer:
        problem = storage_problem(outer)
    assert problem is not None and problem.path == "/w/warehouse.duckdb"
    for other in (
        ValueError("bad value"),
        duckdb.CatalogException("Table x does not exist"),
        "a failed test",
    ):
        assert storage_problem(other) is None  # type: ignore[arg-type]


def test_a_dbt_failure_on_a_full_disk_is_read_from_this_invocations_run_results(tmp_path: Path) -> None:
    results = tmp_path / "run_results.json"
    message = 'IO Error: Could not write file "/w/warehouse.duckdb.wal": No space left on device'
    results.write_text(
        json.dumps(
            {"results": [{"status": "success", "message": "OK"}, {"status": "error", "message": message}]}
        ),
        encoding="utf-8",
    )
    found = dbt_storage_problem(results, since=time.time() - 60)
    assert found is not None and found.path == "/w/warehouse.duckdb.wal" and found.code == errno.ENOSPC
    assert dbt_storage_problem(results, since=time.time() + 60) is None  # an older invocation's file
    results.write_text('{"results": [{"status": "error", "message": "Division by zero"}]}', encoding="utf-8")
    assert dbt_storage_problem(results, since=0) is None


# --- kill -9 in the middle of a build ----------------------------------------------------------


def _kill_group_after(
    proc: subprocess.Popen[str], pattern: re.Pattern[str], count: int, log: list[str]
) -> int:
    """Read ``proc``'s output until ``pattern`` matched ``count`` lines, then SIGKILL its process group."""
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        log.append(line)
        if pattern.search(line):
            seen += 1
            if seen >= count:
                os.killpg(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    return seen


@pytest.mark.slow  # two pipeline runs on the small data set: 3-7 minutes on a 2-core machine
def test_kill_9_mid_build_leaves_the_serving_db_and_the_next_run_completes(
    small_run: SmallRun, tmp_path: Path
) -> None:
    run = copy_run(small_run, tmp_path / "run")
    serving_bytes = _sha256(run.serving)
    marts = table_hashes(run.serving, ["marts"])
    assert marts

    proc = subprocess.Popen(
        [CLI, "run", "--force"],
        env=run.env(),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: the dbt subprocess is killed with it
    )
    watchdog = threading.Timer(900, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    log: list[str] = []
    try:  # killed while dbt builds: after its third model, hundreds of nodes before the end
        seen = _kill_group_after(proc, re.compile(r"\] dbt \d+ of \d+ OK created"), 3, log)
    finally:
        watchdog.cancel()
    assert seen == 3 and proc.returncode == -signal.SIGKILL, "".join(log[-30:])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the whole group is gone (dbt included)
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the killed run's dbt subprocess is still running")

    # the previous serving DB: the same bytes, and it opens read-only with the same marts
    assert _sha256(run.serving) == serving_bytes
    assert table_hashes(run.serving, ["marts"]) == marts
    assert not list(run.serving.parent.glob(f".{run.serving.name}.tmp-*"))

    # the next run completes without repair: the lock file and DuckDB's WAL left by the killed
    # run do not stop it, and the interrupted build is not taken for a complete one
    assert (run.warehouse.parent / "warehouse.duckdb.lock").exists()
    again = lifecycle(run, "run")
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    assert "dbt skipped" not in again.stdout
    assert "was left unfinished by a killed process: marked failed" in again.stdout
    assert table_hashes(run.serving, ["marts"]) == marts  # the same data: the same marts
    instance = dg.DagsterInstance.from_config(str(run.warehouse.parent / "dagster_home"))
    try:
        unfinished = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        assert unfinished == []  # the killed run no longer holds the instance's one-writer queue
        killed = [r for r in instance.get_runs() if r.tags.get("lifecycle/force") == "true"]
        assert [r.status for r in killed] == [dg.DagsterRunStatus.FAILURE]
    finally:
        instance.dispose()


# --- a full disk, a read-only path -------------------------------------------------------------


def test_build_on_a_full_disk_is_one_line_and_the_serving_db_stays(
    small_run: SmallRun, tmp_path: Path
) -> None:
    """The warehouse and the serving DB on one full file system."""
    with tmpfs(tmp_path / "fs", "64m") as fs:
        run = copy_run(small_run, tmp_path / "run", data_dir=fs)
        serving_bytes = _sha256(run.serving)
        fill(fs, leave_kib=0)  # not even the lock file's few bytes fit
        proc = lifecycle(run, "build", "--force")
        assert proc.returncode == 1
        assert one_error_line(proc) == (
            f"error: no space left on device writing {run.warehouse}.lock: free space, or set "
            "LIFECYCLE_WAREHOUSE to a path on a disk with room"
        )
        # room for the lock, not for a new warehouse: the loader's first DuckDB write fails
        run.warehouse.unlink()
        (fs / "filler").unlink()
        fill(fs, leave_kib=16)
        proc = lifecycle(run, "load")
        assert proc.returncode == 1
        line = one_error_line(proc)
        assert re.fullmatch(
            rf"error: no space left on device writing {re.escape(str(run.warehouse))}(\.wal)?: free space, "
            "or set LIFECYCLE_WAREHOUSE to a path on a disk with room",
            line,
        ), line
        assert _sha256(run.serving) == serving_bytes
        # space again: the next run needs no repair (the half-created warehouse file is reused)
        (fs / "filler").unlink()
        proc = lifecycle(run, "load")
        assert proc.returncode == 0, proc.stderr
        assert re.search(r"load: [1-9]\d* new files \(.*, 0 failed", proc.stdout), proc.stdout[-2000:]


@pytest.mark.slow  # a dbt build until the disk fills: 1-3 minutes on a 2-core machine
def test_dbt_running_out_of_space_mid_build_is_one_line(small_run: SmallRun, tmp_path: Path) -> None:
    """The disk fills while dbt (a subprocess) writes: its failed nodes' messages name the file."""
    with tmpfs(tmp_path / "fs", "64m") as fs:
        run = copy_run(small_run, tmp_path / "run", data_dir=fs)
        serving_bytes = _sha256(run.serving)
        fill(fs, leave_kib=200)  # the lock and the build state fit, dbt's tables do not
        proc = lifecycle(run, "build", "--force")
        assert proc.returncode == 1
        line = one_error_line(proc)
        assert re.fullmatch(
            rf"error: no space left on device writing {re.escape(str(run.warehouse))}(\.wal)?: free space, "
            "or set LIFECYCLE_WAREHOUSE to a path on a disk with room",
            line,
        ), line
        assert "ERROR=" in proc.stdout  # dbt did run, and failed
        assert _sha256(run.serving) == serving_bytes


def test_build_on_a_read_only_warehouse_path_is_one_line(small_run: SmallRun, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "fs", "64m") as fs:
        run = copy_run(small_run, tmp_path / "run", data_dir=fs)
        serving_bytes = _sha256(run.serving)
        remount_read_only(fs)
        for command in ("build", "load"):
            proc = lifecycle(run, command)
            assert proc.returncode == 1
            assert one_error_line(proc) == (
                f"error: read-only file system writing {run.warehouse}.lock: make it writable, or set "
                "LIFECYCLE_WAREHOUSE to a writable path"
            )
        assert _sha256(run.serving) == serving_bytes


@pytest.mark.slow  # a Dagster publish until the disk fills: 20-90 s on a 2-core machine
def test_publish_to_a_full_disk_is_one_line_and_keeps_the_published_serving_db(
    small_run: SmallRun, tmp_path: Path
) -> None:
    """The serving DB on a full file system, the warehouse elsewhere: a Dagster publish run."""
    with tmpfs(tmp_path / "fs", "40m") as fs:
        run = copy_run(small_run, tmp_path / "run", serving_dir=fs)
        serving_bytes = _sha256(run.serving)
        parquet = {p.name: _sha256(p) for p in run.parquet_dir.iterdir()}
        fill(fs)
        proc = lifecycle(run, "publish")
        assert proc.returncode == 1
        line = one_error_line(proc)
        assert re.fullmatch(
            rf"error: no space left on device writing {re.escape(str(fs))}/\.serving\.duckdb\.tmp-\d+-\d+, "
            rf"the new copy of {re.escape(str(run.serving))}: free space, or set LIFECYCLE_SERVING to a path "
            r"on a disk with room \(Dagster run [0-9a-f]{8}; the serving DB was not updated\)",
            line,
        ), line
        assert _sha256(run.serving) == serving_bytes
        assert {p.name: _sha256(p) for p in run.parquet_dir.iterdir()} == parquet
        assert not list(fs.glob(".serving.duckdb.tmp-*"))  # the half-written copy is removed
        con = duckdb.connect(str(run.serving), read_only=True)
        con.close()


def test_a_run_left_started_by_a_dead_process_is_marked_failed_and_no_other() -> None:
    """What `lifecycle run` does first (orchestration/launch.py), on runs a killed process left."""
    from dagster._core.events import DagsterEvent, DagsterEventType

    from orchestration.launch import PID_TAG, fail_abandoned_runs

    @dg.op
    def step() -> int:
        return 1

    @dg.job
    def job() -> None:
        step()

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with dg.instance_for_test() as instance:
            runs = {}
            for name, tags in {
                "killed": {PID_TAG: str(dead.pid)},
                "running": {PID_TAG: str(alive.pid)},
                "from the UI": {},
            }.items():
                run = instance.create_run_for_job(job, tags=tags)
                start = DagsterEvent(event_type_value=DagsterEventType.RUN_START.value, job_name=job.name)
                instance.report_dagster_event(start, run.run_id)
                runs[name] = run.run_id
            assert fail_abandoned_runs(instance) == [runs["killed"]]
            status = {name: instance.get_run_by_id(run_id).status for name, run_id in runs.items()}
            assert status == {
                "killed": dg.DagsterRunStatus.FAILURE,
                "running": dg.DagsterRunStatus.STARTED,
                "from the UI": dg.DagsterRunStatus.STARTED,
            }
            assert fail_abandoned_runs(instance) == []
    finally:
        alive.kill()
        alive.wait()
