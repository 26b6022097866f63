"""The run lock (lifecycle/run_lock.py): one writer per warehouse, released when its holder dies."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from lifecycle import cli
from lifecycle.run_lock import EXIT_LOCKED, RunLockHeld, holds, lock_path, run_lock
from orchestration.resources import LifecycleResource

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("lifecycle"))
#: A process that holds the lock as `lifecycle build` would, until it is stopped.
HOLDER = (
    "import sys, time\n"
    "from lifecycle.run_lock import run_lock\n"
    "with run_lock(sys.argv[1], 'lifecycle build'):\n"
    "    print('held', flush=True)\n"
    "    time.sleep(600)\n"
)
WRITERS = ["load", "build", "run", "publish", "dbt"]


#: One batch file, so that the landing dir is usable: an empty named one is refused (exit 2)
#: before the lock is taken (tests/test_cli.py).
USERS_CSV = (
    "id,full_name,email,role,is_active,_loaded_at\nu1,User 1,u1@x.example,csm,true,2025-01-31T06:00:00Z\n"
)


def _land_a_batch(tmp_path: Path) -> Path:
    path = tmp_path / "landing" / "crm" / "users" / "2025-01-31.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(USERS_CSV, encoding="utf-8")
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFECYCLE_")}
    env.update(
        LIFECYCLE_LANDING_DIR=str(tmp_path / "landing"),
        LIFECYCLE_WAREHOUSE=str(tmp_path / "data" / "warehouse.duckdb"),
        LIFECYCLE_SERVING=str(tmp_path / "data" / "serving.duckdb"),
    )
    return env


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock of ``tmp_path/data/warehouse.duckdb``; the landing dir
    holds one batch file."""
    _land_a_batch(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "data" / "warehouse.duckdb")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def _lifecycle(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", WRITERS)
def test_a_second_run_refuses_at_once_naming_the_holder(
    tmp_path: Path, holder: subprocess.Popen[str], command: str
) -> None:
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    started = time.monotonic()
    proc = _lifecycle(tmp_path, command, *(["debug"] if command == "dbt" else []))
    assert proc.returncode == EXIT_LOCKED, proc.stdout + proc.stderr
    assert time.monotonic() - started < 30  # at once: no waiting for the holder
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    pattern = (
        rf"error: another lifecycle run \(pid {holder.pid}, `lifecycle build`, "
        rf"started \d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) is using {re.escape(str(warehouse))}: "
        "wait for it to finish"
    )
    assert re.fullmatch(pattern, lines[0]), lines[0]
    # refused before any work: nothing loaded, no warehouse opened, no Dagster instance
    assert not warehouse.exists()
    assert [p.name for p in (tmp_path / "landing").rglob("*") if p.is_file()] == ["2025-01-31.csv"]
    assert not (tmp_path / "data" / "dagster_home").exists()


@pytest.mark.parametrize("command", [*WRITERS, "summary", "simulate"])
def test_every_writing_command_holds_the_lock_while_it_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """In-process: the command's body runs with the lock held (and only the writers hold it)."""
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    _land_a_batch(tmp_path)
    for name, value in _env(tmp_path).items():
        monkeypatch.setenv(name, value)
    seen: dict[str, object] = {}

    def body(settings: object, args: object) -> int:
        seen["held"] = holds(warehouse)
        if seen["held"]:
            seen["file"] = json.loads(lock_path(warehouse).read_text(encoding="utf-8"))
        return 0

    monkeypatch.setattr(cli, f"_cmd_{command}", body)
    assert cli.main([command]) == 0
    assert seen["held"] is (command in WRITERS)
    if command in WRITERS:
        assert seen["file"]["pid"] == os.getpid()
        assert seen["file"]["command"] == f"lifecycle {command}"
        assert not holds(warehouse)  # released when the command returns


def test_a_killed_holder_never_blocks_the_next_run(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    assert _lifecycle(tmp_path, "load").returncode == EXIT_LOCKED
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    # the lock file is left behind, still naming the dead holder: it is not the lock
    assert str(holder.pid) in lock_path(warehouse).read_text(encoding="utf-8")
    started = time.monotonic()
    with run_lock(warehouse, "lifecycle load"):
        assert time.monotonic() - started < 1
    proc = _lifecycle(tmp_path, "load")  # and the CLI runs
    assert proc.returncode == 0, proc.stderr
    assert warehouse.exists()


def test_the_lock_is_reentrant_in_its_process_and_held_until_the_outer_block_ends(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    with run_lock(warehouse, "lifecycle run"):
        with run_lock(warehouse, "Dagster run"):  # `lifecycle run` -> the Dagster job, same process
            assert holds(warehouse)
        assert holds(warehouse)
        assert _lifecycle(tmp_path, "load").returncode == EXIT_LOCKED  # still held for others
    assert not holds(warehouse)
    assert lock_path(warehouse).read_text(encoding="utf-8") == ""  # no stale holder once released
    assert _lifecycle(tmp_path, "load").returncode == 0


def _probe_job(warehouse: Path) -> tuple[dg.JobDefinition, list[bool]]:
    """A two-step job on the `lifecycle` resource that records whether each step held the lock."""
    held: list[bool] = []

    @dg.asset
    def first(lifecycle: LifecycleResource) -> int:
        held.append(holds(Path(lifecycle.warehouse)))
        return 1

    @dg.asset
    def second(first: int, lifecycle: LifecycleResource) -> int:
        held.append(holds(Path(lifecycle.warehouse)))
        return first + 1

    resource = LifecycleResource(
        landing_dir=str(warehouse.parent / "landing"), warehouse=str(warehouse), serving=str(warehouse)
    )
    defs = dg.Definitions(
        assets=[first, second],
        jobs=[dg.define_asset_job("probe", executor_def=dg.in_process_executor)],
        resources={"lifecycle": resource},
    )
    return defs.resolve_job_def("probe"), held


def test_a_dagster_run_holds_the_lock_for_all_its_steps(tmp_path: Path) -> None:
    """What a run launched from `lifecycle ui` does: the `lifecycle` resource holds the lock."""
    warehouse = tmp_path / "warehouse.duckdb"
    job, held = _probe_job(warehouse)
    assert job.execute_in_process().success
    assert held == [True, True]
    assert not holds(warehouse)
    # inside `lifecycle run` (this process holds it already): re-entrant, no deadlock
    held.clear()
    with run_lock(warehouse, "lifecycle run"):
        assert job.execute_in_process().success
        assert holds(warehouse)
    assert held == [True, True]


def test_a_dagster_run_fails_before_its_first_step_while_another_process_holds_the_lock(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    job, held = _probe_job(warehouse)
    with pytest.raises(Exception) as caught:
        job.execute_in_process()
    assert held == []
    chain, error = [], caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, RunLockHeld) and f"pid {holder.pid}" in str(e) for e in chain), chain
