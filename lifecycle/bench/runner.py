"""The bench's steps in one run, each a subprocess measured by :func:`.measure.run_step`.

data -> floor -> cold -> incremental -> noop -> noop_run (docs/performance.md says what each
measures). The run dir ``<data dir>/bench/<key>/run`` is made fresh every time: its landing dir
(hard links into the cached full set), warehouse, serving DB, Dagster home and ``logs/``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import dataset, report
from .dbt_log import slowest_models
from .measure import StepResult, run_step

STEPS = ("floor", "cold", "incremental", "noop", "noop_run")
NEED_COLD = ("incremental", "noop", "noop_run")


class BenchError(RuntimeError):
    """A step failed or the options make no sense; the message names the step and its log."""


@dataclass(frozen=True)
class BenchOptions:
    scale: str = "demo"
    seed: int = 42
    accounts: int | None = None
    months: int | None = None
    faults: float | None = None  # None: the preset's rate
    steps: Sequence[str] = STEPS
    keep: bool = False  # keep the whole run dir (else only its logs stay)
    regenerate: bool = False  # simulate again even when the cache has the data set
    out: Path | None = None  # the JSON report (bench.md beside it); default <data dir>/reports/bench.json
    data_dir: Path = field(default_factory=lambda: Path("data").resolve())
    project_dir: Path = field(default_factory=lambda: Path(__file__).resolve().parents[2])
    python: str = sys.executable
    interval: float = 0.2


def check_steps(steps: Sequence[str]) -> list[str]:
    """The steps to run in bench order; a BenchError for unknown ones or a missing cold build."""
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise BenchError(f"unknown step(s) {', '.join(unknown)}: choose from {', '.join(STEPS)}")
    chosen = [s for s in STEPS if s in steps]
    if any(s in chosen for s in NEED_COLD) and "cold" not in chosen:
        raise BenchError(f"steps {', '.join(NEED_COLD)} need the cold build: add cold to --steps")
    return chosen


class _Bench:
    def __init__(self, options: BenchOptions, say: Callable[[str], None]) -> None:
        self.o = options
        self.say = say
        self.scale = dataset.parse_scale(
            options.scale, options.seed, options.accounts, options.months, options.faults
        )
        self.key_dir = options.data_dir / "bench" / self.scale.key()
        self.full = self.key_dir / "full"
        self.run_dir = self.key_dir / "run"
        self.landing = self.run_dir / "landing"
        self.logs = self.run_dir / "logs"
        self.steps: list[dict[str, Any]] = []

    # -- environment of the steps
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LIFECYCLE_LANDING_DIR=str(self.landing),
            LIFECYCLE_WAREHOUSE=str(self.run_dir / "warehouse.duckdb"),
            LIFECYCLE_SERVING=str(self.run_dir / "serving.duckdb"),
            PYTHONUNBUFFERED="1",
        )
        return env

    def lifecycle(self, *args: str) -> list[str]:
        return [self.o.python, "-m", "lifecycle.cli", *args]

    def step(self, name: str, argv: list[str], **extra: Any) -> StepResult:
        log = self.logs / f"{name}.log"
        result = run_step(argv, log, env=self.env(), cwd=self.o.project_dir, interval=self.o.interval)
        record = {
            "name": name,
            "seconds": result.seconds,
            "exit_code": result.exit_code,
            "peak_rss_bytes": result.peak_rss_bytes,
            "max_process_rss_bytes": result.max_process_rss_bytes,
            "log": str(log),
            "ratio": {},
            **extra,
        }
        self.steps.append(record)
        rss = "" if result.peak_rss_bytes is None else f", peak RSS {result.peak_rss_bytes / 1024**2:,.0f} MB"
        self.say(f"  {name:<12} {result.seconds:>9,.1f} s{rss}  (exit {result.exit_code}; log {log})")
        if result.exit_code != 0:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
            raise BenchError(
                f"step {name} failed (exit {result.exit_code}): see its log {log}; it ends with:\n  "
                + "\n  ".join(tail)
            )
        return result

    # -- data
    def data(self) -> None:
        if self.o.regenerate and self.key_dir.exists():
            shutil.rmtree(self.key_dir)
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        self.logs.mkdir(parents=True)
        sc = self.scale
        if dataset.is_cached(self.key_dir):
            self.steps.append(
                {
                    "name": "data",
                    "seconds": 0.0,
                    "exit_code": 0,
                    "peak_rss_bytes": None,
                    "max_process_rss_bytes": None,
                    "log": None,
                    "ratio": {},
                    "cached": True,
                }
            )
            self.say(f"  data         cached in {self.full}")
        else:
            argv = self.lifecycle(
                "simulate",
                "--out",
                str(self.full),
                "--scale",
                sc.preset,
                "--seed",
                str(sc.seed),
                "--accounts",
                str(sc.accounts),
                "--months",
                str(sc.months),
                "--faults",
                str(sc.faults),
                "--truth-dir",
                str(self.key_dir / "truth"),
            )
            self.step("data", argv, cached=False)
            dataset.mark_cached(self.key_dir, sc)
        self.split = dataset.split_by_last_batch_date(dataset.batch_files(self.full))
        self.landing_bytes = dataset.link_files(self.full, self.landing, self.split.landing)
        self.next_day_bytes = dataset.size_of(self.full, self.split.next_day)

    def warm_up(self) -> float:
        """Read every landing file once, unmeasured, so that every step (the floor first) finds
        them in the page cache: the floor would otherwise pay the disk and the builds after it
        not, which flatters the ratios. Returns the seconds it took."""
        t0 = time.monotonic()
        for path in sorted(p for p in self.full.rglob("*") if p.is_file()):
            with path.open("rb") as fh:
                while fh.read(1 << 20):
                    pass
        return time.monotonic() - t0

    # -- the measured steps
    def floor(self) -> None:
        result = self.step("floor", [self.o.python, "-m", "lifecycle.bench.floor", str(self.landing)])
        lines = [ln for ln in result.log.read_text().splitlines() if ln.startswith("{")]
        self.floor_scan = json.loads(lines[-1]) if lines else {}
        # what the scan read: rows, non-null values, characters, files read one by one (type conflicts)
        self.steps[-1].update(
            {k: self.floor_scan.get(k) for k in ("rows", "values", "chars", "file_by_file")}
        )

    def build(self, name: str) -> None:
        result = self.step(name, self.lifecycle("build"))
        self.steps[-1]["slowest_models"] = [t.as_dict() for t in slowest_models(result.log)]

    def incremental(self) -> None:
        dataset.link_files(self.full, self.landing, self.split.next_day)
        self.build("incremental")

    def warehouse_bytes(self) -> int | None:
        files = [self.run_dir / "warehouse.duckdb", self.run_dir / "warehouse.duckdb.wal"]
        sizes = [p.stat().st_size for p in files if p.exists()]
        return sum(sizes) if sizes else None

    def landed_rows(self) -> int | None:
        import duckdb

        from lifecycle.connection import connect
        from lifecycle.loader.base import MANIFEST_TABLE

        path = self.run_dir / "warehouse.duckdb"
        if not path.exists():
            return None
        con = connect(path, read_only=True)
        try:
            (rows,) = con.execute(f"select coalesce(sum(rows), 0) from raw.{MANIFEST_TABLE}").fetchone()
        except duckdb.Error:
            return None
        finally:
            con.close()
        return int(rows)

    def run(self) -> dict[str, Any]:
        chosen = check_steps(self.o.steps)
        started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        sc = self.scale
        self.say(
            f"==> bench {sc.accounts:,} accounts x {sc.months} months (preset {sc.preset}, seed {sc.seed}, "
            f"faults {sc.faults:g}), "
            f"steps: data, {', '.join(chosen)}"
        )
        self.floor_scan: dict[str, Any] = {}
        self.data()
        self.say(
            f"  landing: {len(self.split.landing):,} files, {self.landing_bytes / 1024**2:,.1f} MB; the next day "
            f"{self.split.last_date}: {len(self.split.next_day):,} files, {self.next_day_bytes / 1024**2:,.1f} MB"
        )
        warm = self.warm_up()
        self.say(f"  warm-up: every landing file read once, unmeasured ({warm:.1f} s)")
        sizes: dict[str, Any] = {"landing_bytes": self.landing_bytes}
        landed_rows = None
        for name in chosen:
            if name == "floor":
                self.floor()
            elif name == "cold":
                self.build("cold")
                sizes["warehouse_bytes_cold"] = self.warehouse_bytes()
                landed_rows = self.landed_rows()
            elif name == "incremental":
                self.incremental()
                sizes["warehouse_bytes_incremental"] = self.warehouse_bytes()
            elif name == "noop":
                self.build("noop")
            elif name == "noop_run":
                self.step("noop_run", self.lifecycle("run"))
        sizes.setdefault("warehouse_bytes_cold", None)
        sizes.setdefault("warehouse_bytes_incremental", None)
        sizes["warehouse_to_landing"] = report.ratio(sizes["warehouse_bytes_cold"], self.landing_bytes)
        if not self.o.keep:  # the run's landing links, warehouse, serving DB, Dagster home: only logs stay
            for path in self.run_dir.iterdir():
                if path != self.logs:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        return self.report(started_at, sizes, landed_rows)

    def report(self, started_at: str, sizes: dict[str, Any], landed_rows: int | None) -> dict[str, Any]:
        seconds = {s["name"]: s["seconds"] for s in self.steps}
        for step in self.steps:
            if step["name"] == "cold":
                step["ratio"] = {"to_floor": report.ratio(step["seconds"], seconds.get("floor"))}
            elif step["name"] in NEED_COLD:
                step["ratio"] = {"to_cold": report.ratio(step["seconds"], seconds.get("cold"))}
        builds = [s["peak_rss_bytes"] for s in self.steps if s["name"] in ("cold", "incremental", "noop")]
        peaks = [p for p in builds if p is not None]
        sc = self.scale
        goals = report.evaluate_goals(
            seconds,
            max(peaks) if peaks else None,
            sizes["warehouse_bytes_cold"],
            self.landing_bytes,
            sc.preset,
            sc.accounts,
        )
        return {
            "version": report.REPORT_VERSION,
            "started_at_utc": started_at,
            "machine": report.machine(self.o.project_dir),
            "scale": {
                "preset": sc.preset,
                "accounts": sc.accounts,
                "months": sc.months,
                "seed": sc.seed,
                "faults": sc.faults,
                "key": sc.key(),
                "last_batch_date": self.split.last_date.isoformat(),
                "files": len(self.split.landing),
                "landing_bytes": self.landing_bytes,
                "landing_rows": self.floor_scan.get("rows"),
                "next_day_files": len(self.split.next_day),
                "next_day_bytes": self.next_day_bytes,
                "landed_rows": landed_rows,
            },
            "steps": self.steps,
            "sizes": sizes,
            "goals": [g.as_dict() for g in goals],
        }


def write_reports(data: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """bench.json at ``out`` and the Markdown table beside it (same name, ``.md``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    md = out.with_suffix(".md")
    md.write_text(report.markdown(data))
    return out, md


def run_bench(options: BenchOptions, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the bench, write its reports, return the report (a BenchError names a failed step)."""
    started = time.perf_counter()
    bench = _Bench(options, say)
    data = bench.run()
    out = options.out or options.data_dir / "reports" / "bench.json"
    json_path, md_path = write_reports(data, out)
    say("")
    say(report.markdown(data))
    say(f"==> bench done in {time.perf_counter() - started:,.0f} s: {json_path}, {md_path}")
    return data
