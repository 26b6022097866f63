"""The `lifecycle` command line: `lifecycle --help` lists the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lifecycle import __version__
from lifecycle.settings import ConfigError, Settings

ENV_HELP = """environment (all optional):
  LIFECYCLE_LANDING_DIR  landing files <source>/<table>/<batch>   (default data/landing)
  LIFECYCLE_WAREHOUSE    DuckDB file the pipeline writes           (default data/warehouse.duckdb)
  LIFECYCLE_SERVING      read-only copy BI reads                   (default data/serving.duckdb)
  LIFECYCLE_AS_OF_DATE   YYYY-MM-DD the marts are as of            (default: latest date in the data)
  DBT_TARGET             duckdb | spark                            (default duckdb)
"""


def _cmd_load(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.pipeline import load

    if not settings.landing_dir.exists():
        print(f"error: landing dir {settings.landing_dir} does not exist (set LIFECYCLE_LANDING_DIR)")
        return 2
    return 0 if load(settings) else 1


def _cmd_simulate(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.simulator import SCALES, LandingDirInUseError, simulate

    if args.scale not in SCALES:
        print(f"error: --scale must be one of {', '.join(SCALES)}", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else settings.landing_dir
    try:
        simulate(  # prints its progress and the summary
            out,
            scale=args.scale,
            seed=args.seed,
            accounts=args.accounts,
            months=args.months,
            faults=args.faults,
            truth_dir=Path(args.truth_dir) if args.truth_dir else None,
        )
    except (LandingDirInUseError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _cmd_build(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.pipeline import build

    return build(settings)


def _cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.pipeline import run

    return run(settings)


def _cmd_publish(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from lifecycle.publish import PublishError, publish

    summary = settings.data_dir / "reports" / "quality_summary.json"
    if summary.exists() and not args.force:
        quality = json.loads(summary.read_text(encoding="utf-8"))
        if not quality.get("ok", True):
            blocking = [s["suite"] for s in quality.get("suites", []) if s.get("blocks_publishing")]
            print(
                f"error: the last quality run failed blocking suites ({', '.join(blocking)}); see {summary}."
            )
            print("Fix the data and `make run`, or publish anyway with `lifecycle publish --force`.")
            return 1
    try:
        publish(settings.warehouse, settings.serving, progress=print)
    except PublishError as exc:
        print(f"error: {exc}")
        return 1
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
    import subprocess

    from lifecycle.pipeline import DAGSTER_MODULE, dagster_env, ensure_manifest, venv_tool

    if not ensure_manifest(settings):
        print("error: `dbt parse` failed: fix the dbt project (see above)")
        return 1
    port = args.port or _free_port(args.host, 3000)
    env = dagster_env(settings)
    print(f"Dagster UI: http://{args.host}:{port}  (DAGSTER_HOME={env['DAGSTER_HOME']}; Ctrl-C stops it)")
    print(
        "Assets -> View lineage shows raw -> staging -> intermediate -> marts -> serving; `make run` records runs here too."
    )
    cmd = [venv_tool("dagster"), "dev", "-m", DAGSTER_MODULE, "-h", args.host, "-p", str(port)]
    try:
        return subprocess.run(cmd, env=env, cwd=settings.project_dir).returncode
    except KeyboardInterrupt:
        return 0


def _cmd_dbt(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.dbt import run_dbt

    return run_dbt(settings, args.dbt_args)


def _cmd_summary(settings: Settings, args: argparse.Namespace) -> int:
    from lifecycle.summary import summary_lines

    for line in summary_lines(settings.warehouse):
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

    def add(name: str, help_: str, func, description: str | None = None) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=description or help_,
            epilog=ENV_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    add("load", "load new landing batch files into the raw layer (incremental by file)", _cmd_load)
    sim = add(
        "simulate",
        "write a realistic, deterministic SaaS company's landing files",
        _cmd_simulate,
        "Generate every table of the raw contract as landing batch files under OUT/<source>/<table>/. "
        "Same seed and parameters give byte-identical files.",
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
    add("build", "load the landing dir and run `dbt build` (no Dagster, no simulation)", _cmd_build)
    add(
        "run",
        "the full pipeline: demo data if the landing dir is empty, load, build, checks, publish",
        _cmd_run,
    )
    pub = add(
        "publish",
        "copy the warehouse's marts into the read-only serving DB and Parquet files (atomic switch)",
        _cmd_publish,
        "Publish marts.* to LIFECYCLE_SERVING (schema marts) and <serving>_parquet/<mart>.parquet. "
        "`make run` does this after every blocking check passed; this command refuses when the "
        "last quality run failed, unless --force.",
    )
    pub.add_argument("--force", action="store_true", help="publish even if the last quality run failed")
    ui = add(
        "ui",
        "start the Dagster UI (dagster dev) with DAGSTER_HOME under the data dir; prints the URL",
        _cmd_ui,
    )
    ui.add_argument("--port", type=int, help="port (default 3000, or a free one if it is taken)")
    ui.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    dbt = add(
        "dbt", "run any dbt command against the configured warehouse, e.g. `lifecycle dbt test`", _cmd_dbt
    )
    dbt.add_argument("dbt_args", nargs=argparse.REMAINDER, help="arguments passed to dbt")
    add("summary", "print the reconciliation and marts of the built warehouse", _cmd_summary)
    contract = add(
        "contract",
        "write the dbt side of the raw contract (sources YAML, contract macros, doc tables)",
        _cmd_contract,
        "`lifecycle contract sync` regenerates, from lifecycle/contract.py, the sources YAML, "
        "macros/generated/ and the column tables of docs/raw_contract.md; with --check it writes "
        "nothing and exits 1 when a generated file is stale.",
    )
    contract.add_argument("action", choices=["sync"], help="what to do (sync)")
    contract.add_argument("--check", action="store_true", help="only report stale files (exit 1 if any)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return int(args.func(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
