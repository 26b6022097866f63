"""The `lifecycle` command line: `lifecycle --help` lists the commands.

The one composition root: it wires the domain library (`lifecycle`: loader, simulator, dbt,
summary) and, lazily, the Dagster launcher (`orchestration.launch`, for `run`, `publish`, `ui`).
Normal output goes to stdout, every error and warning to stderr. Exit codes: 0 done; 1 the run
failed (a full disk or a read-only path included: one `error:` line, lifecycle/storage_errors.py);
2 bad configuration or usage (nothing was done); 3 done and published, but some batch files were
rejected (not loaded: listed in the summary and ``audit.rejected_files``); 4 another run holds
the warehouse's lock (lifecycle/run_lock.py: the commands that write take it before any work).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lifecycle import __version__
from lifecycle.settings import CHECKED, DEFAULT_LANDING_DIR, ConfigError, Settings

if TYPE_CHECKING:  # the launcher is imported lazily, by the commands that run Dagster
    from lifecycle.loader import LoadReport
    from orchestration.launch import RunOutcome

#: Exit codes (README: "Exit codes"). 3 is a run that finished and published, but left batch files
#: out because they could not be loaded: a scheduler must notice, and nothing else was lost.
EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_REJECTED = 0, 1, 2, 3

ENV_HELP = """environment (all optional):
  LIFECYCLE_LANDING_DIR  landing files <source>/<table>/<batch>   (default data/landing)
  LIFECYCLE_WAREHOUSE    DuckDB file the pipeline writes           (default data/warehouse.duckdb)
  LIFECYCLE_SERVING      read-only copy BI reads                   (default data/serving.duckdb)
  LIFECYCLE_AS_OF_DATE   YYYY-MM-DD the marts are as of            (default: latest date in the data)
  DBT_TARGET             duckdb | spark                            (default duckdb)
  LIFECYCLE_DUCKDB_MEMORY_LIMIT  DuckDB memory_limit, e.g. 3GB or 50%  (default 3GB)
  LIFECYCLE_DUCKDB_THREADS       DuckDB threads                        (default: number of CPUs)
  LIFECYCLE_DUCKDB_TEMP_DIR      DuckDB spill dir (temp_directory)     (default <warehouse dir>/duckdb_tmp)
"""


def error(message: str) -> None:
    """One error line on stderr."""
    print(f"error: {message}", file=sys.stderr)


def warning(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _missing_landing(settings: Settings) -> bool:
    if settings.landing_dir.exists():
        return False
    error(f"landing dir {settings.landing_dir} does not exist (set LIFECYCLE_LANDING_DIR)")
    return True


def _load(settings: Settings, *, verify: bool = False) -> LoadReport:
    """Load new batch files into the raw layer, printing progress, warnings and errors; the report
    says whether a file changed under a loaded name (``ok``) and which files were rejected."""
    from lifecycle.connectors import describe
    from lifecycle.loader import load_landing

    print(f"==> layouts: {describe(settings.layouts)}")
    report = load_landing(
        settings.landing_dir,
        settings.warehouse,
        progress=print,
        config=settings.duckdb_config(),
        verify=verify,
        spark_dir=settings.spark_dir if settings.dbt_target == "spark" else None,
        layouts=settings.layouts,
        options=settings.connector_options,
        databases=settings.databases(),
    )
    for w in report.warnings:
        warning(w)
    for e in report.errors:
        error(e)
    return report


def _rejected_exit(count: int) -> int:
    """Exit 3 with one error line when ``count`` batch files were rejected (else 0)."""
    if not count:
        return EXIT_OK
    error(
        f"completed, but {count} batch file(s) were rejected and not loaded (listed above and in "
        f"audit.rejected_files): fix or remove them; exit {EXIT_REJECTED}"
    )
    return EXIT_REJECTED


def _rejected_in_warehouse(settings: Settings) -> int:
    """How many batch files the warehouse's manifest holds as rejected (failed to load)."""
    from lifecycle.connection import connect
    from lifecycle.loader import rejected_files

    if not settings.warehouse.exists():
        return 0
    with connect(settings.warehouse, settings.duckdb_config(), read_only=True) as con:
        return len(rejected_files(con))


def _cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    if _refuses_load(settings):
        return EXIT_CONFIG
    from lifecycle.loader import FAILED

    report = _load(settings, verify=args.verify_checksums)
    if not report.ok:
        return EXIT_FAILED
    return _rejected_exit(report.count(FAILED))


def _cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.simulator import SCALES, LandingDirInUseError
    from lifecycle.simulator.layouts import LayoutError, parse_layout_list, simulate_in_layouts

    if args.scale not in SCALES:
        print(f"error: --scale must be one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else settings.landing_dir
    try:
        layouts = parse_layout_list(args.layout or "")
        simulate_in_layouts(  # prints its progress and the summary
            out,
            layouts,
            scale=args.scale,
            seed=args.seed,
            accounts=args.accounts,
            months=args.months,
            faults=args.faults,
            truth_dir=Path(args.truth_dir) if args.truth_dir else None,
            until=args.until,
        )
        if args.database:
            from lifecycle.simulator.layouts import write_database

            for layout in layouts.values():
                database = Path(args.database) / f"{layout}.duckdb"
                rows = write_database(out, layout, database)
                print(
                    f"  {layout}: {rows:,} rows also written to {database} (LIFECYCLE_{layout.upper()}_DATABASE)"
                )
    except (LandingDirInUseError, LayoutError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    """`make bench`: floor, cold, incremental and no-op builds of a cached simulated set, measured."""
    from lifecycle.bench import BenchError, BenchOptions, run_bench

    options = BenchOptions(
        scale=args.scale,
        seed=args.seed,
        accounts=args.accounts,
        months=args.months,
        faults=args.faults,
        steps=[s.strip() for s in args.steps.split(",") if s.strip()],
        keep=args.keep,
        regenerate=args.regenerate,
        out=Path(args.out).resolve() if args.out else None,
        data_dir=settings.data_dir,
        project_dir=settings.project_dir,
    )
    try:
        run_bench(options)
    except ValueError as exc:
        error(str(exc))
        return 2
    except BenchError as exc:
        error(str(exc))
        return 1
    return 0


def _cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    """`make build`: load the landing dir, then `dbt build` around the LTV fit (no Dagster, no simulation)."""
    from lifecycle.summary import summary_lines

    started = time.monotonic()
    if _refuses_build(settings):
        return EXIT_CONFIG
    print(f"==> load {settings.landing_dir} -> {settings.warehouse}")
    report = _load(settings)
    rc = _build_models(settings, full_refresh=args.full_refresh, force=args.force)
    for line in summary_lines(
        settings.warehouse, time.monotonic() - started, settings.duckdb_config(), settings.layouts
    ):
        print(line)
    if not report.ok:
        error("some batch files changed after they were loaded (see above): the build is not complete")
        return EXIT_FAILED
    if rc != 0:
        error(f"dbt build failed (exit {rc}): see dbt's output above")
        return EXIT_FAILED
    return _rejected_exit(_rejected_in_warehouse(settings))


def _nothing_to_build(settings: Settings) -> bool:
    """True (with one error line) when the landing dir has no batch files and the warehouse has
    never loaded any: a build would publish empty marts that look like a company without customers."""
    from lifecycle.loader import has_batches

    if has_batches(settings.landing_dir) or settings.connector_databases or _loaded_files(settings):
        return False
    error(
        f"landing dir {settings.landing_dir} has no batch files (<source>/<table>/<file>.csv|.jsonl|"
        ".jsonl.gz|.parquet) and the warehouse has loaded none: nothing to build. Check "
        "LIFECYCLE_LANDING_DIR, or write the demo data set with `make simulate`"
    )
    return True


def _loaded_files(settings: Settings) -> int:
    from lifecycle.connection import connect

    if not settings.warehouse.exists():
        return 0
    with connect(settings.warehouse, settings.duckdb_config(), read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'raw' "
            "and table_name = '_load_manifest'"
        ).fetchall()[0][0]
        if not found:
            return 0
        return int(
            con.execute("select count(*) from raw._load_manifest where status = 'loaded'").fetchall()[0][0]
        )


def _build_models(settings: Settings, *, full_refresh: bool, force: bool = False) -> int:
    """`dbt build` in two parts with the LTV fit between them (lifecycle/ltv_fit.py says why),
    skipped when the warehouse is a complete build of the same inputs (lifecycle/build_state.py)."""
    import uuid

    from lifecycle import build_state
    from lifecycle.connection import connect

    run_id = f"build-{uuid.uuid4()}"
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        fingerprint = build_state.fingerprint(settings, con)
        state = build_state.read(con)
        if state is not None and state.current(fingerprint) and not (full_refresh or force):
            print(state.skip_line())
            return 0
        build_state.begin(con, fingerprint, run_id)  # a failed build never leaves a skippable state
    rc = _run_models(settings, full_refresh=full_refresh)
    with connect(settings.warehouse, settings.duckdb_config()) as con:
        if rc == 0:
            build_state.finish(con, run_id)
        else:
            build_state.clear(con)
    return rc


def _run_models(settings: Settings, *, full_refresh: bool) -> int:
    from lifecycle.dbt import PIPELINE_BUILD_FLAGS
    from lifecycle.ltv import SbgFitError
    from lifecycle.ltv_fit import AFTER_FIT, LtvFitError, run_ltv_fit

    spark = settings.dbt_target == "spark"
    if spark:  # lifecycle/spark_engine.py: Spark reads the raw layer its loader wrote, and the manifest
        from lifecycle.spark_engine import export_landed, import_built

        print(f"==> spark: the load manifest of {settings.warehouse} as Parquet for Spark")
        export_landed(settings)
    on = f" on {settings.dbt_target}"
    refresh = ["--full-refresh"] if full_refresh else []
    print(f"==> dbt build {' '.join(refresh)} --exclude {AFTER_FIT}{on}".replace("  ", " "))
    rc = _run_dbt_build(settings, ["build", *refresh, *PIPELINE_BUILD_FLAGS, "--exclude", AFTER_FIT])
    if rc != 0:
        warning(f"dbt build failed: the LTV fit and the models after it ({AFTER_FIT}) were not run")
        return rc
    if spark:
        import_built(settings)  # the fit reads its inputs from the warehouse file
    print(f"==> LTV fit (sBG) on {settings.warehouse}")
    try:
        run_ltv_fit(settings.warehouse, progress=print, config=settings.duckdb_config())
    except (LtvFitError, SbgFitError) as exc:
        error(f"LTV fit failed: {exc}")
        return 1
    if spark:
        export_landed(settings)  # the fit's output, for the models after it
    print(f"==> dbt build {' '.join(refresh)} --select {AFTER_FIT}{on}".replace("  ", " "))
    rc = _run_dbt_build(settings, ["build", *refresh, *PIPELINE_BUILD_FLAGS, "--select", AFTER_FIT])
    if spark and rc == 0:
        import_built(settings)  # the marts and the audit, for the summary, the checks and publishing
    return rc


def _run_dbt_build(settings: Settings, args: list[str]) -> int:
    """`dbt <args>`; a failure of dbt's own writes (full disk, read-only path) raises it as an
    ``OSError``, for main's one line, instead of an exit code (the build state stays
    ``building``, which never skips)."""
    from lifecycle.dbt import run_dbt
    from lifecycle.storage_errors import dbt_storage_problem

    started = time.time()
    rc = run_dbt(settings, args)
    problem = (
        dbt_storage_problem(settings.project_dir / "target" / "run_results.json", started) if rc else None
    )
    if problem is not None:
        raise OSError(problem.code, problem.reason, problem.path)
    return rc


def _named_landing_unusable(settings: Settings) -> bool:
    """True (with one error line) when LIFECYCLE_LANDING_DIR names a folder that is missing or has
    no batch files: a typo must never be filled with the demo company and published."""
    from lifecycle.loader import has_batches

    if not settings.landing_dir_named or has_batches(settings.landing_dir) or settings.connector_databases:
        return False
    state = "does not exist" if not settings.landing_dir.exists() else "has no batch files"
    error(
        f"landing dir {settings.landing_dir} (LIFECYCLE_LANDING_DIR) {state}: nothing was loaded or "
        "published. Check the path; the demo data set is generated only into the default "
        f"{DEFAULT_LANDING_DIR} (unset LIFECYCLE_LANDING_DIR), or by `lifecycle simulate --out DIR`"
    )
    return True


def _refuses_run(settings: Settings) -> bool:
    if settings.dbt_target == "spark":
        error(
            "DBT_TARGET=spark: `lifecycle run` (the Dagster graph) builds on DuckDB only in this "
            "version; build on Spark with `lifecycle build` (make build), see docs/spark.md"
        )
        return True
    return _named_landing_unusable(settings)


def _refuses_load(settings: Settings) -> bool:
    return _missing_landing(settings)


def _refuses_build(settings: Settings) -> bool:
    return _missing_landing(settings) or _nothing_to_build(settings) or _spark_unusable(settings)


def _spark_unusable(settings: Settings) -> bool:
    """DBT_TARGET=spark without pyspark, dbt-spark or Java: one line before anything is loaded."""
    if settings.dbt_target != "spark":
        return False
    from lifecycle.spark_engine import SparkEngineError, check_installed

    try:
        check_installed()
    except SparkEngineError as exc:
        error(str(exc))
        return True
    return False


def _ensure_demo_data(settings: Settings, scale: str) -> bool:
    """Simulate the demo company into the default landing dir when it is empty; never touch a
    landing dir with batches, nor one the user named (LIFECYCLE_LANDING_DIR).

    False (with one error line printed) when a named landing dir is missing or has no batches, or
    when the default one has no batches but holds other files the simulator will not overwrite.
    """
    from lifecycle.loader import has_batches

    if has_batches(settings.landing_dir):
        print(f"landing dir {settings.landing_dir} has batch files: using them as they are")
        return True
    if settings.connector_databases:  # someone's data: never simulated over
        names = ", ".join(f"{n} from {db}" for n, (db, _) in settings.connector_databases.items())
        print(f"connector tables are read from a database ({names}): nothing is simulated")
        return True
    if _named_landing_unusable(settings):
        return False
    from lifecycle.connectors import describe
    from lifecycle.simulator.layouts import simulate_in_layouts

    print(
        f"landing dir {settings.landing_dir} has no batch files: generating the {scale} data set "
        f"({describe(settings.layouts)})"
    )
    try:  # in the layouts the sources are read in; ends with its summary lines
        simulate_in_layouts(settings.landing_dir, settings.layouts, scale=scale, progress=print)
    except (FileExistsError, ValueError) as exc:
        error(str(exc))
        return False
    return True


def _where_things_are(settings: Settings) -> list[str]:
    lines = []
    if settings.serving.exists():
        lines.append(
            f"serving DB (BI reads this): {settings.serving}  (+ {settings.serving.stem}_parquet/*.parquet)"
        )
        lines.append("the dashboard on it: make dashboard  (other BI tools: docs/bi.md)")
    else:
        lines.append(f"no serving DB published yet at {settings.serving}")
    gx_report = settings.data_dir / "reports" / "gx" / "index.html"
    if gx_report.exists():
        lines.append(f"quality report (Great Expectations): {gx_report}")
    if settings.warehouse.exists():
        lines.append('a CSM\'s worklist for today: .venv/bin/lifecycle worklist --owner "NAME"')
        lines.append(
            "metrics by name: .venv/bin/lifecycle mf query --metrics mrr --group-by metric_time__month"
        )
    return lines


def _report_problems(outcome: RunOutcome, what: str, settings: Settings) -> None:
    """The run's failed steps, blocking checks and warnings, on stderr; a step that failed on a
    full disk or a read-only path: that one line."""
    from lifecycle.storage_errors import storage_problem

    for failure in outcome.step_failures:
        if (problem := storage_problem(failure)) is not None:
            error(
                f"{problem.line(settings)} (Dagster run {outcome.run_id[:8]}; the serving DB was not updated)"
            )
            return
    error(f"{what} (Dagster run {outcome.run_id[:8]}); the serving DB was not updated.")
    for line in outcome.problem_lines() or ["see the log: " + str(outcome.log_path)]:
        print(f"  - {line}", file=sys.stderr)


def _reraise_storage_problem(exc: Exception) -> None:
    """A full disk or read-only path (e.g. under the Dagster instance) is main's one line."""
    from lifecycle.storage_errors import storage_problem

    if storage_problem(exc) is not None:
        raise exc


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """`make run`: demo data if the landing dir is empty, then the full Dagster graph."""
    from lifecycle.summary import summary_lines
    from orchestration.launch import launch

    started = time.monotonic()
    if not _ensure_demo_data(settings, args.demo_scale):
        return 2
    try:
        outcome = launch(settings, force=args.force)
    except Exception as exc:  # the dbt project does not parse, the definitions do not load
        _reraise_storage_problem(exc)
        error(f"the Dagster run could not start: {exc}")
        return 1
    for line in summary_lines(
        settings.warehouse, time.monotonic() - started, settings.duckdb_config(), settings.layouts
    ):
        print(line)
    for line in _where_things_are(settings):
        print(line)
    print(f"full log: {outcome.log_path}")
    print("asset graph, checks and this run in the Dagster UI: make ui")
    if outcome.skipped:
        steps = ", ".join(s.split(":", 1)[0] for s in outcome.skipped)
        why = outcome.skipped[0].split(": ", 1)[-1]
        print(
            f"dbt skipped: {why} ({steps} not run, their dbt tests not run again: they passed in that "
            "build; `make run` rebuilds as soon as a batch file, a model or a setting changes)"
        )
    if not outcome.success:
        _report_problems(outcome, "the pipeline failed", settings)
        return 1
    for check in outcome.warnings:
        warning(check.line().removeprefix("warning: "))
    return _rejected_exit(_rejected_in_warehouse(settings))


def _cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    """Publish the built warehouse's marts through the same gate as `make run` (a Dagster run)."""
    from orchestration.launch import publish

    try:
        outcome = publish(settings)
    except Exception as exc:
        _reraise_storage_problem(exc)
        error(f"the Dagster run could not start: {exc}")
        return 1
    if not outcome.success:
        _report_problems(outcome, "not published", settings)
        return 1
    for line in _where_things_are(settings):
        print(line)
    return 0


def _free_port(host: str, preferred: int) -> int:
    import socket

    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise OSError(f"no free port on {host}")


def _cmd_ui(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.child_process import run_child
    from orchestration.launch import prepare_ui, ui_command, ui_env

    try:
        prepare_ui(settings)
    except Exception as exc:
        error(f"`dbt parse` failed: fix the dbt project ({exc})")
        return 1
    port = args.port or _free_port(args.host, 3000)
    env = ui_env(settings)
    print(f"Dagster UI: http://{args.host}:{port}  (DAGSTER_HOME={env['DAGSTER_HOME']}; Ctrl-C stops it)")
    print(
        "Assets -> View lineage shows raw -> staging -> intermediate -> marts -> serving; `make run` records runs here too."
    )
    return run_child(ui_command(args.host, port), env=env, cwd=settings.project_dir)


def _cmd_dashboard(settings: Settings, args: argparse.Namespace) -> int:
    import os

    from lifecycle.child_process import run_child
    from lifecycle.dashboard.launch import DEFAULT_PORT, start_lines, streamlit_command

    port = args.port or _free_port(args.host, DEFAULT_PORT)
    line, problem = start_lines(settings.serving, port)
    print(line)
    if problem:
        warning(problem)
    print("Ctrl-C stops it.")
    env = dict(os.environ, LIFECYCLE_SERVING=str(settings.serving))
    return run_child(streamlit_command(port, args.host), env=env, cwd=settings.project_dir)


def _cmd_dbt(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.dbt import run_dbt

    return run_dbt(settings, args.dbt_args)


def _cmd_mf(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.metricflow import NO_PROJECT_ARGS, run_mf

    if args.mf_args and args.mf_args[0] not in NO_PROJECT_ARGS and not settings.warehouse.exists():
        error(f"no warehouse at {settings.warehouse}: build it first (make run), or set LIFECYCLE_WAREHOUSE")
        return 2
    return run_mf(settings, args.mf_args)


def _cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.summary import summary_lines

    for line in summary_lines(settings.warehouse, config=settings.duckdb_config(), layouts=settings.layouts):
        print(line)
    return 0


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _cmd_worklist(settings: Settings, args: argparse.Namespace) -> int:
    """One owner's CSM worklist from marts.csm_worklist, as a table."""
    from lifecycle.worklist import WorklistError, connect, owner_worklist, worklist_lines

    try:
        con = connect(settings.warehouse)
        try:
            worklist = owner_worklist(con, args.owner, args.date, args.limit)
        finally:
            con.close()
    except WorklistError as exc:
        error(str(exc))
        return exc.exit_code
    for line in worklist_lines(worklist, args.date, shutil.get_terminal_size((120, 24)).columns):
        print(line)
    return 0


def _cmd_contract(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.contract_sync import ContractSyncError, stale_files, sync

    try:
        if args.check:
            stale = stale_files(settings.project_dir)
            for path in stale:
                print(f"stale: {path} (run `lifecycle contract sync`)", file=sys.stderr)
            if not stale:
                print("the generated contract files are up to date")
            return 1 if stale else 0
        written = sync(settings.project_dir)
    except ContractSyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if not written:
        print("the generated contract files are up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifecycle",
        description="lifecycle-warehouse: SaaS revenue and customer lifecycle marts from raw exports.",
        epilog=ENV_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lifecycle-warehouse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str,
        help_: str,
        func,
        description: str | None = None,
        uses: tuple[str, ...] = CHECKED,
        writes: bool = False,
        refuses: Callable[[Settings], bool] | None = None,
    ) -> argparse.ArgumentParser:
        """A subcommand; ``uses``: the checked settings it reads (only those are validated);
        ``writes``: it writes the warehouse or the serving DB, so it holds the run lock;
        ``refuses(settings)``: True (after its one error line) when the input cannot be used,
        checked before the lock is taken, so a refused command writes nothing (exit 2)."""
        p = sub.add_parser(
            name,
            help=help_,
            description=description or help_,
            epilog=ENV_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func, uses=uses, writes=writes, refuses=refuses)
        return p

    load = add(
        "load",
        "load new landing batch files into the raw layer (incremental by file)",
        _cmd_load,
        "Load the batch files the raw layer does not hold yet. A file already loaded is skipped: "
        "unread when its size and modification time are those it was loaded with, otherwise after "
        "its sha256 matched (a different sha256 is an error: batch files are append-only).",
        uses=("duckdb",),
        writes=True,
        refuses=_refuses_load,
    )
    load.add_argument(
        "--verify-checksums",
        action="store_true",
        help="checksum every batch file, also those unchanged in size and modification time",
    )
    sim = add(
        "simulate",
        "write a realistic, deterministic SaaS company's landing files",
        _cmd_simulate,
        "Generate every table of the raw contract as landing batch files under OUT/<source>/<table>/. "
        "Same seed and parameters give byte-identical files.",
        uses=(),
    )
    sim.add_argument("--out", help="landing dir to write (default: LIFECYCLE_LANDING_DIR)")
    sim.add_argument("--scale", default="demo", help="preset: small | demo | large (default demo)")
    sim.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    sim.add_argument("--accounts", type=int, help="number of accounts (overrides the preset)")
    sim.add_argument("--months", type=int, help="number of months (overrides the preset)")
    sim.add_argument(
        "--faults",
        type=float,
        help="share of rows that get an injected bad row beside them, quarantined by the warehouse "
        "(default: the preset's, 0.002 for demo and large, 0 for small; 0 = a clean data set)",
    )
    sim.add_argument("--truth-dir", help="where ground truth goes (default: beside OUT, never inside it)")
    sim.add_argument(
        "--layout",
        help="comma-separated connector layouts to write sources in, e.g. fivetran_stripe (billing as "
        "Fivetran's Stripe tables under OUT/fivetran_stripe/); other sources in the contract's shape. "
        "The contract-shaped data set is kept in OUT/.contract/ (docs/connectors.md)",
    )
    sim.add_argument(
        "--database",
        help="with --layout: also write each connector layout's tables into DIR/<layout>.duckdb, as a "
        "DuckDB destination holds them, for LIFECYCLE_<LAYOUT>_DATABASE",
    )
    sim.add_argument(
        "--until",
        type=_iso_date,
        help="YYYY-MM-DD: write only the batches dated on or before it (the same world is simulated); "
        "a later --until into the same OUT keeps the files written and adds the next days' batches",
    )
    build = add(
        "build",
        "load the landing dir and run `dbt build` (no Dagster, no simulation)",
        _cmd_build,
        writes=True,
        refuses=_refuses_build,
    )
    build.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental models from scratch (e.g. the usage models after editing "
        "seeds/value_events.csv); by default they take new days only",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="run dbt even when nothing changed since the last build (new batch files, the dbt "
        "project, LIFECYCLE_AS_OF_DATE, DBT_TARGET); by default such a build skips dbt",
    )
    bench = add(
        "bench",
        "measure the build: floor, cold, incremental and no-op runs; writes data/reports/bench.json",
        _cmd_bench,
        "Simulate (or reuse, cached by its parameters under <data dir>/bench/) a data set, build its landing "
        "dir without the last batch date, and measure in one run, each step a subprocess: the floor (one "
        "DuckDB scan of every landing file), the cold `lifecycle build`, the incremental build after the next "
        "day's files, a no-op build and a no-op `lifecycle run` (Dagster). Prints a table and writes "
        "<data dir>/reports/bench.json and bench.md. docs/performance.md explains the figures.",
        uses=(),
    )
    bench.add_argument(
        "--scale", default="demo", help="small | demo | large | a number of accounts (default demo)"
    )
    bench.add_argument("--seed", type=int, default=42, help="random seed of the simulation (default 42)")
    bench.add_argument("--accounts", type=_positive_int, help="number of accounts (overrides the scale's)")
    bench.add_argument("--months", type=_positive_int, help="number of months (default: the preset's)")
    bench.add_argument(
        "--faults", type=float, help="injected fault rate (default: the preset's, 0.002 for demo; 0 = clean)"
    )
    bench.add_argument(
        "--steps",
        default="floor,cold,incremental,noop,noop_run",
        help="comma-separated subset of floor,cold,incremental,noop,noop_run (the data step always runs)",
    )
    bench.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's landing dir, warehouse and serving DB (logs are kept)",
    )
    bench.add_argument(
        "--regenerate", action="store_true", help="simulate again even if the data set is cached"
    )
    bench.add_argument(
        "--out", help="JSON report path (default <data dir>/reports/bench.json; .md beside it)"
    )
    run = add(
        "run",
        "the full pipeline: demo data if the landing dir is empty, load, build, checks, publish",
        _cmd_run,
        "Simulate the demo company when the landing dir has no batch files, then run the Dagster job "
        "lifecycle_full_graph (load, dbt build with its tests as checks, Great Expectations, publish) "
        "on the instance in <data dir>/dagster_home, which `lifecycle ui` shows.",
        writes=True,
        refuses=_refuses_run,
    )
    run.add_argument(
        "--demo-scale",
        default="demo",
        help="size of the demo data set simulated into an empty landing dir: small | demo | large (default demo)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="run dbt and the LTV fit even when nothing changed since the last build (by default "
        "such a run skips them: the run tag lifecycle/force=true)",
    )
    add(
        "publish",
        "copy the warehouse's marts into the read-only serving DB and Parquet files (atomic switch)",
        _cmd_publish,
        "Publish marts.* to LIFECYCLE_SERVING (schema marts) and <serving>_parquet/<mart>.parquet, as a "
        "Dagster run of lifecycle_publish: the same gate as `lifecycle run`, it refuses unless the latest "
        "evaluation of every blocking check passed.",
        writes=True,
    )
    ui = add(
        "ui",
        "start the Dagster UI (dagster dev) with DAGSTER_HOME under the data dir; prints the URL",
        _cmd_ui,
    )
    ui.add_argument("--port", type=int, help="port (default 3000, or a free one if it is taken)")
    ui.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    dashboard = add(
        "dashboard",
        "start the dashboard (Streamlit) on the serving DB, read-only; prints the local URL",
        _cmd_dashboard,
        "Run `streamlit run lifecycle/dashboard/app.py` headless: five pages (revenue, lifecycle, health, "
        "ltv, worklist) read from LIFECYCLE_SERVING, read-only, and follow each publish.",
        uses=(),
    )
    dashboard.add_argument("--port", type=int, help="port (default 8501, or a free one if it is taken)")
    dashboard.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    dbt = add(
        "dbt",
        "run any dbt command against the configured warehouse, e.g. `lifecycle dbt test`",
        _cmd_dbt,
        writes=True,
    )
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    mf = add(
        "mf",
        "run MetricFlow (the semantic layer) against the configured warehouse, e.g. "
        "`lifecycle mf query --metrics mrr --group-by metric_time__month`",
        _cmd_mf,
        "Run MetricFlow's `mf` with this repo's dbt project and profiles against LIFECYCLE_WAREHOUSE, "
        "reading a semantic manifest parsed for that warehouse file's name in target/metricflow/<name>/ "
        "(`dbt parse` runs first when it is missing or older than the YAML). By hand, from the repo root: "
        "`.venv/bin/lifecycle dbt parse`, then `DBT_PROFILES_DIR=. .venv/bin/mf ...`. Metrics and "
        "dimensions: `lifecycle mf list metrics`, docs/semantic_layer.md.",
    )
    mf.add_argument("mf_args", nargs=argparse.REMAINDER, help="arguments passed to mf")
    add(
        "summary",
        "print the reconciliation and marts of the built warehouse",
        _cmd_summary,
        uses=("duckdb",),
    )
    worklist = add(
        "worklist",
        "print one owner's CSM worklist (marts.csm_worklist) as a table, highest priority first",
        _cmd_worklist,
        "Read marts.csm_worklist from LIFECYCLE_WAREHOUSE (read-only) and print the rows of one owner "
        "(the account's CSM, else its account executive) at the latest worklist date on or before --date "
        "(default: the latest, as_of_date): rank, account, play, priority (ARR at stake x urgency), ARR at "
        "stake and the reasons in words.",
        uses=(),
    )
    worklist.add_argument(
        "--owner", required=True, help="owner name as in the CRM, e.g. 'Yuki Novak' (any case)"
    )
    worklist.add_argument(
        "--date", type=_iso_date, help="YYYY-MM-DD: the list as it was on that date (default: the latest)"
    )
    worklist.add_argument("--limit", type=_positive_int, help="print at most N rows (default: all)")
    contract = add(
        "contract",
        "write the dbt side of the raw contract (sources YAML, contract macros, doc tables)",
        _cmd_contract,
        "`lifecycle contract sync` regenerates, from lifecycle/contract.py, the sources YAML, "
        "macros/generated/ and the column tables of docs/raw_contract.md; with --check it writes "
        "nothing and exits 1 when a generated file is stale.",
        uses=(),
    )
    contract.add_argument("action", choices=["sync"], help="what to do (sync)")
    contract.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(uses=args.uses)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    from lifecycle.loader import LoaderError
    from lifecycle.run_lock import EXIT_LOCKED, RunLockHeld, run_lock
    from lifecycle.storage_errors import storage_problem

    if args.refuses is not None and args.refuses(settings):
        return EXIT_CONFIG
    try:
        # the commands that write hold the warehouse's run lock, taken before any work
        lock = (
            run_lock(settings.warehouse, f"lifecycle {args.command}")
            if args.writes
            else contextlib.nullcontext()
        )
        with lock:
            return int(args.func(settings, args) or 0)
    except RunLockHeld as exc:
        error(str(exc))
        return EXIT_LOCKED
    except LoaderError as exc:
        error(str(exc))
        return 2
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except Exception as exc:  # a full disk or a read-only path: one line; anything else as it is
        problem = storage_problem(exc)
        if problem is None:
            raise
        error(problem.line(settings))
        return 1


if __name__ == "__main__":
    sys.exit(main())
