"""Launching the Dagster jobs from the `lifecycle` CLI: `make run`, `lifecycle publish`, `make ui`.

A run goes through Dagster's Python API (``JobDefinition.execute_in_process``) on the persistent
instance in DAGSTER_HOME (``<data dir>/dagster_home``, configured by the committed
``orchestration/dagster.yaml``), so `make ui` shows every run with its logs and check results.

While the run executes, the terminal gets what a person waits for, with the elapsed time: each
step's start and end, the loader's per-table lines, dbt's ``n of N`` result lines, and any check
that did not pass. Everything (every Dagster event, dbt's full output) goes to the run's log file,
whose path is printed first. What failed is read from the run's own events afterwards: each failed
step with its error, and each asset check that did not pass (blocking, or a warning).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import dagster as dg

from lifecycle.build_state import SKIPPED
from lifecycle.settings import Settings
from orchestration.build_skip import FORCE_TAG, SKIPPED_KEY
from orchestration.dbt_assets import DBT_OPS
from orchestration.jobs import FULL_GRAPH_JOB, PUBLISH_JOB

Progress = Callable[[str], None]

#: The committed instance configuration, copied into DAGSTER_HOME.
DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")
#: The code location `make ui` serves (``dagster dev -m ...``).
CODE_LOCATION = "orchestration.definitions"
#: Dagster's own console logger is silenced for launched runs: the launcher prints progress.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
#: dbt's per-node result lines (``12 of 481 OK created sql table model ...``); START lines are not shown.
DBT_RESULT = re.compile(r"^\s*(?:\d\d:\d\d:\d\d\s+)?\d+ of \d+ (?!START)")
#: Seconds between two reads of the run's event log while it executes.
POLL_SECONDS = 0.5
#: The pid of the process that executes a launched run in-process (`lifecycle run`, `publish`).
PID_TAG = "lifecycle/pid"
#: A run in one of these states has not finished: a process is (or was) executing it.
UNFINISHED = (
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)


def dagster_home(settings: Settings) -> Path:
    """DAGSTER_HOME under the data dir, with the committed dagster.yaml in it."""
    home = settings.data_dir / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_bytes() != DAGSTER_YAML.read_bytes():
        shutil.copyfile(DAGSTER_YAML, target)
    return home


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance in ``dagster_home(settings)`` (what `make ui` opens)."""
    return dg.DagsterInstance.from_config(str(dagster_home(settings)))


def log_path_for(settings: Settings) -> Path:
    return settings.data_dir / "logs" / "dagster_run.log"


@dataclass(frozen=True)
class CheckProblem:
    """An asset check that did not pass in the run."""

    check: str  # "<asset key>:<check name>"
    blocking: bool
    description: str

    def line(self) -> str:
        kind = "blocking check" if self.blocking else "warning: check"
        return f"{kind} {self.check} did not pass" + (f": {self.description}" if self.description else "")


@dataclass
class RunOutcome:
    """What a launched run did, from its own events."""

    job: str
    run_id: str
    success: bool
    seconds: float
    log_path: Path
    step_failures: list[str] = field(default_factory=list)
    checks: list[CheckProblem] = field(default_factory=list)
    materialized: list[str] = field(default_factory=list)
    #: ``<asset>:<check>`` of every check the run evaluated (passed or not).
    evaluated: list[str] = field(default_factory=list)
    #: ``<step>: <why>`` of every step that skipped its work because nothing changed since the last
    #: complete build (orchestration/build_skip.py): its assets are unchanged, its checks not run.
    skipped: list[str] = field(default_factory=list)
    #: The run's result (its events), for callers that want more than the summary above.
    result: dg.ExecuteInProcessResult | None = field(default=None, repr=False, compare=False)

    @property
    def blocking(self) -> list[CheckProblem]:
        return [c for c in self.checks if c.blocking]

    @property
    def warnings(self) -> list[CheckProblem]:
        return [c for c in self.checks if not c.blocking]

    def problem_lines(self) -> list[str]:
        """Failed steps, then blocking checks, then warnings: one line each."""
        return (
            [f"step {s}" for s in self.step_failures]
            + [c.line() for c in self.blocking]
            + [c.line() for c in self.warnings]
        )


def _one_line(text: str, limit: int = 400) -> str:
    text = " ".join(x.strip() for x in text.splitlines() if x.strip())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def step_failures(events: Sequence[dg.DagsterEvent]) -> list[str]:
    """``<step>: <error>`` for every failed step: the ``Failure`` description a step raised, else
    the class and message of the exception the step raised."""
    out = []
    for event in events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        if data.user_failure_data is not None and data.user_failure_data.description:
            error = data.user_failure_data.description
        elif data.error is not None:
            raised = data.error
            if raised.cls_name == "DagsterExecutionStepExecutionError" and raised.cause is not None:
                raised = raised.cause  # Dagster's wrapper says only "Error occurred while executing op"
            error = f"{raised.cls_name}: {raised.message.split(': ', 1)[-1]}"
        else:
            error = "failed"
        out.append(f"{event.step_key}: {_one_line(error)}")
    return out


def check_problems(evaluations: Sequence[dg.AssetCheckEvaluation]) -> list[CheckProblem]:
    """Every check evaluation that did not pass; blocking when the check blocks and failed with
    ERROR severity (what stops downstream assets and publishing), otherwise a warning."""
    out = []
    for e in evaluations:
        if e.passed:
            continue
        blocking = bool(e.blocking) and e.severity == dg.AssetCheckSeverity.ERROR
        out.append(
            CheckProblem(
                f"{e.asset_key.to_user_string()}:{e.check_name}", blocking, _one_line(e.description or "")
            )
        )
    return sorted(out, key=lambda c: (not c.blocking, c.check))


class _Clock:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def stamp(self, line: str) -> str:
        return f"[{time.monotonic() - self.started:6.1f}s] {line}"


class _RunOutput:
    """Stands in for ``sys.stdout`` during a run: everything to the log, dbt's results to the terminal."""

    def __init__(self, log: IO[str], show: Progress, clock: _Clock) -> None:
        self.log, self.show, self.clock = log, show, clock
        self.partial = ""
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.log.write(text)
            self.partial += text
            *lines, self.partial = self.partial.split("\n")
        for line in lines:
            if DBT_RESULT.match(line):
                self.show(self.clock.stamp("dbt " + line.strip()))
        return len(text)

    def log_line(self, line: str) -> None:
        """A line for the log only (the run's events, written from the thread that follows them)."""
        with self.lock:
            self.log.write(line + "\n")

    def flush(self) -> None:
        with self.lock:
            self.log.flush()

    def isatty(self) -> bool:
        return False


def _event_line(entry: dg.EventLogEntry) -> str | None:
    """The terminal line for one event of the run, or None for events not worth a line."""
    event = entry.dagster_event
    if event is None:  # a message logged by a step (the loader's per-table lines, publishing)
        quiet = entry.step_key in DBT_OPS and not entry.user_message.startswith(SKIPPED)
        if entry.level < logging.INFO or (quiet and entry.level < logging.WARNING):
            return None  # dbt's progress is its own `n of N` lines, not dagster-dbt's notes
        return entry.user_message
    if event.is_step_start:
        return f"==> step {event.step_key}"
    if event.is_step_success:
        return f"    step {event.step_key} done"
    if event.is_step_failure:
        return f"    step {event.step_key} FAILED"
    if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = event.asset_check_evaluation_data
        if not evaluation.passed:
            kind = (
                "blocking check" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "check (warning)"
            )
            return f"    {kind} {evaluation.asset_key.to_user_string()}:{evaluation.check_name} did not pass"
    return None


def _log_line(entry: dg.EventLogEntry) -> str:
    """One line of the run's log file: time, step, event type (or log level), message."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(entry.timestamp))
    kind = entry.dagster_event_type.value if entry.dagster_event_type else logging.getLevelName(entry.level)
    message = entry.message if entry.dagster_event else entry.user_message
    return " - ".join(x for x in (stamp, entry.step_key, kind, message) if x)


@contextmanager
def _follow(
    instance: dg.DagsterInstance, run_id: str, output: _RunOutput, show: Progress, clock: _Clock
) -> Iterator[None]:
    """Read the run's events while it executes: every event to the log, a line per notable one."""
    done = threading.Event()
    state: dict[str, str | None] = {"cursor": None}

    def drain() -> None:
        while True:
            conn = instance.get_records_for_run(run_id, cursor=state["cursor"], limit=500)
            for record in conn.records:
                entry = record.event_log_entry
                output.log_line(_log_line(entry))
                if (line := _event_line(entry)) is not None:
                    show(clock.stamp(line))
            state["cursor"] = conn.cursor
            if not conn.has_more:
                return

    def poll() -> None:
        while not done.wait(POLL_SECONDS):
            try:
                drain()
            except Exception:  # the run has not started writing yet; try again
                continue

    thread = threading.Thread(target=poll, name="dagster-run-events", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        drain()


#: Dagster's execution engine logs with Python's logging, outside the run's events: e.g. one line
#: per blocking check that a step did not evaluate (every dbt test, when nothing new skipped dbt).
ENGINE_LOGGER = "dagster._core.execution.plan.active"


class _ToLog(logging.Handler):
    def __init__(self, output: _RunOutput) -> None:
        super().__init__(logging.INFO)
        self.output = output

    def emit(self, record: logging.LogRecord) -> None:
        self.output.log_line(f"engine {record.levelname}: {record.getMessage()}")


@contextmanager
def _engine_notes_to(output: _RunOutput) -> Iterator[None]:
    """The engine's Python log records go to the run's log file, not the terminal's stderr."""
    logger = logging.getLogger(ENGINE_LOGGER)
    handler, propagate = _ToLog(output), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every unfinished run that a launched process began and did not survive.

    A `lifecycle run` killed mid-run (``kill -9``, an OOM kill, a power cut) leaves its run
    ``STARTED`` in the instance for ever, and the instance's queue (dagster.yaml: one run tagged
    ``lifecycle/warehouse`` at a time) would hold every later schedule, sensor or UI run behind
    it. A launched run carries its process's pid (:data:`PID_TAG`); one whose process is gone is
    reported failed, with a message saying so. Returns the ids of the runs marked."""
    marked = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(UNFINISHED))):
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run,
            message=f"the process that executed this run (pid {pid}) ended without finishing it "
            "(killed?): marked failed by the next launched run",
        )
        marked.append(run.run_id)
    return marked


def launch(
    settings: Settings,
    job_name: str = FULL_GRAPH_JOB,
    *,
    progress: Progress = print,
    instance: dg.DagsterInstance | None = None,
    force: bool = False,
) -> RunOutcome:
    """Run ``job_name`` of the project's definitions in this process on the persistent instance.

    ``force``: the run tag ``lifecycle/force=true``: dbt and the fit run even when nothing changed.

    Prepares the dbt manifest first (dagster-dbt's preparer: ``dbt parse``), builds the
    definitions for ``settings``, executes the job, and returns what its events say. Never raises
    for a failed run (``outcome.success`` is False, the problems are listed).
    """
    from orchestration.project import prepare_manifest

    terminal = sys.stdout  # progress is printed here while sys.stdout is redirected to the log
    if progress is print:
        progress = lambda line: print(line, file=terminal, flush=True)  # noqa: E731
    clock = _Clock()
    log_path = log_path_for(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    own_instance = instance is None
    instance = instance or instance_for(settings)
    progress(f"full log of this run: {log_path}")
    try:
        with log_path.open("w", encoding="utf-8") as log:
            output = _RunOutput(log, progress, clock)
            progress(clock.stamp("dbt parse (the manifest Dagster reads)"))
            with redirect_stdout(output):  # type: ignore[type-var]
                prepare_manifest(settings.dbt_vars(), settings.dbt_target)
            from orchestration.definitions import build_definitions

            job = build_definitions(settings).resolve_job_def(job_name)
            for abandoned in fail_abandoned_runs(instance):
                progress(
                    clock.stamp(f"run {abandoned[:8]} was left unfinished by a killed process: marked failed")
                )
            run_id = str(uuid.uuid4())
            progress(
                clock.stamp(
                    f"Dagster job {job_name}, run {run_id[:8]} (DAGSTER_HOME={instance.root_directory})"
                )
            )
            with (
                _follow(instance, run_id, output, progress, clock),
                redirect_stdout(output),  # type: ignore[type-var]
                _engine_notes_to(output),
            ):
                result = job.execute_in_process(
                    instance=instance,
                    run_id=run_id,
                    run_config=QUIET_CONSOLE,
                    raise_on_error=False,
                    tags={PID_TAG: str(os.getpid()), **({FORCE_TAG: "true"} if force else {})},
                )
            output.write("\n")
    finally:
        if own_instance:
            instance.dispose()
    outcome = outcome_from_events(
        job_name, run_id, result.success, time.monotonic() - clock.started, log_path, result.all_events
    )
    outcome.result = result
    return outcome


def outcome_from_events(
    job: str, run_id: str, success: bool, seconds: float, log_path: Path, events: Sequence[dg.DagsterEvent]
) -> RunOutcome:
    """What a run did, from its Dagster events (those of a result, or of the instance's event log)."""
    evaluations = [
        e.asset_check_evaluation_data
        for e in events
        if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    return RunOutcome(
        job=job,
        run_id=run_id,
        success=success,
        seconds=seconds,
        log_path=log_path,
        step_failures=step_failures(events),
        checks=check_problems(evaluations),
        materialized=sorted({e.asset_key.to_user_string() for e in events if e.is_step_materialization}),
        evaluated=sorted(f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations),
        skipped=skipped_steps(events),
    )


def skipped_steps(events: Sequence[dg.DagsterEvent]) -> list[str]:
    """``<step>: <why>`` for each step whose assets were reported unchanged (no work done)."""
    found: dict[str, str] = {}
    for event in events:
        if not event.is_step_materialization or event.step_key is None:
            continue
        value = event.step_materialization_data.materialization.metadata.get(SKIPPED_KEY)
        if value is not None:
            found.setdefault(event.step_key, str(getattr(value, "value", value)))
    return [f"{step}: {why}" for step, why in found.items()]


def stored_outcome(instance: dg.DagsterInstance, run_id: str, log_path: Path) -> RunOutcome:
    """The outcome of a finished run, read back from the instance's event log (e.g. a `make run`)."""
    run = instance.get_run_by_id(run_id)
    if run is None:
        raise LookupError(f"no run {run_id} in {instance.root_directory}")
    events = [entry.dagster_event for entry in instance.all_logs(run_id) if entry.dagster_event is not None]
    stats = instance.get_run_stats(run_id)
    seconds = (stats.end_time or 0.0) - (stats.start_time or 0.0)
    return outcome_from_events(
        run.job_name, run_id, run.status == dg.DagsterRunStatus.SUCCESS, seconds, log_path, events
    )


def publish(settings: Settings, *, progress: Progress = print) -> RunOutcome:
    """`lifecycle publish`: the serving DB from the built warehouse, behind the publish gate."""
    return launch(settings, PUBLISH_JOB, progress=progress)


def ui_command(host: str, port: int) -> list[str]:
    """`dagster dev` on the code location (run with :func:`ui_env` as its environment)."""
    from lifecycle.dbt import venv_tool

    return [venv_tool("dagster"), "dev", "-m", CODE_LOCATION, "-h", host, "-p", str(port)]


def ui_env(settings: Settings) -> dict[str, str]:
    """The environment of `dagster dev`: the settings (absolute paths) and DAGSTER_HOME."""
    return {**settings.dbt_env(), "DAGSTER_HOME": str(dagster_home(settings))}


def prepare_ui(settings: Settings) -> None:
    """Copy dagster.yaml into DAGSTER_HOME and parse the dbt project before `dagster dev` loads it."""
    from orchestration.project import prepare_manifest

    dagster_home(settings)
    with redirect_stdout(sys.stderr):
        prepare_manifest(settings.dbt_vars(), settings.dbt_target)
