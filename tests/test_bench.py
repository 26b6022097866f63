"""`lifecycle bench`: the pure parts (the split by batch date, dbt's model times, the goals, the
RSS sampler) and the report's shape on a tiny run. Never a time: figures depend on the machine."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

from lifecycle.bench import BenchError, BenchOptions, run_bench
from lifecycle.bench.dataset import parse_scale, split_by_last_batch_date
from lifecycle.bench.dbt_log import model_times, slowest_models
from lifecycle.bench.floor import scan_landing
from lifecycle.bench.measure import run_step
from lifecycle.bench.report import evaluate_goals
from lifecycle.bench.runner import check_steps
from lifecycle.cli import main

MB = 1024**2


def test_the_next_day_is_the_last_batch_date_of_every_table() -> None:
    files = [
        Path("usage/tracks/2025-12-30T06.parquet"),
        Path("usage/tracks/2025-12-31T06.parquet"),
        Path("usage/tracks/2026-01-01T06.jsonl.gz"),
        Path("billing/invoices/2025-12-22.parquet"),
        Path("billing/invoices/2026-01-01.csv"),
        Path("crm/users/2025-11-01.csv"),  # nothing on the last date: the next day has no file of it
    ]
    split = split_by_last_batch_date(files)
    assert split.last_date == date(2026, 1, 1)
    assert split.next_day == [files[2], files[4]]
    assert split.landing == [files[0], files[1], files[3], files[5]]
    with pytest.raises(ValueError, match="no earlier batches"):
        split_by_last_batch_date([Path("crm/users/2026-01-01.csv")])


DBT_LOG = """\
\x1b[0m22:16:59  1 of 812 OK created sql table model staging.base_billing__products ...... [\x1b[32mOK\x1b[0m in 0.67s]
\x1b[0m22:17:00  2 of 812 OK created sql incremental model staging.base_usage__tracks ..... [\x1b[32mOK\x1b[0m in 94.52s]
\x1b[0m22:17:00  3 of 812 PASS not_null_stg_x_id ........................................... [\x1b[32mPASS\x1b[0m in 3.10s]
\x1b[0m22:17:01  4 of 812 OK created sql view model staging.stg_usage__tracks ............. [\x1b[32mOK\x1b[0m in 11.90s]
==> LTV fit (sBG) on warehouse.duckdb
22:18:01  1 of 40 OK created sql table model marts.fct_account_ltv ..................... [OK in 2.00s]
22:18:02  2 of 40 ERROR creating sql table model marts.broken .......................... [ERROR in 9.00s]
"""


def test_model_times_come_from_both_dbt_runs_of_a_build(tmp_path: Path) -> None:
    times = model_times(DBT_LOG)
    assert [(t.model, t.materialized, t.seconds) for t in times] == [
        ("staging.base_billing__products", "table", 0.67),
        ("staging.base_usage__tracks", "incremental", 94.52),
        ("staging.stg_usage__tracks", "view", 11.9),
        ("marts.fct_account_ltv", "table", 2.0),
    ]  # tests and failed models are not model timings
    log = tmp_path / "cold.log"
    log.write_text(DBT_LOG)
    top = slowest_models(log, top=2)
    assert [t.model for t in top] == ["staging.base_usage__tracks", "staging.stg_usage__tracks"]
    assert slowest_models(tmp_path / "missing.log") == []


def test_goals_are_met_or_not_and_unknown_without_their_steps() -> None:
    seconds = {"floor": 10.0, "cold": 29.0, "incremental": 1.6, "noop": 12.0}
    goals = {g.name: g for g in evaluate_goals(seconds, 3 * 1024**3, 190, 100, "demo", 2_000)}
    assert (
        goals["cold build <= 3x the floor"].met is True and goals["cold build <= 3x the floor"].value == 2.9
    )
    assert goals["incremental <= 5% of the cold build"].met is False  # 1.6 / 29 = 5.5 %
    assert goals["no-op build <= 10 s"].met is False
    assert goals["peak memory <= 4 GB at demo scale"].met is True
    assert goals["warehouse <= 2x the landing files"].met is True
    assert len(goals) == 5
    partial = evaluate_goals({"floor": 10.0}, 5 * 1024**3, None, 100, "small", 25)
    assert [g.met for g in partial] == [None, None, None, None, None]  # memory: demo scale only
    over = {g.name: g.met for g in evaluate_goals(seconds, 5 * 1024**3, 300, 100, "demo", 2_000)}
    assert over["peak memory <= 4 GB at demo scale"] is False
    assert over["warehouse <= 2x the landing files"] is False


ALLOCATE = "import time; b = bytearray({mb} * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.0)"


def test_peak_rss_counts_the_whole_process_tree(tmp_path: Path) -> None:
    one = run_step([sys.executable, "-c", ALLOCATE.format(mb=200)], tmp_path / "one.log", interval=0.05)
    assert one.exit_code == 0
    assert one.peak_rss_bytes is not None and one.peak_rss_bytes >= 150 * MB
    assert one.max_process_rss_bytes >= 150 * MB
    # a parent that starts two children of 120 MB at once: the tree holds both, each process one
    code = (
        "import subprocess, sys; c = [subprocess.Popen([sys.executable, '-c', sys.argv[1]]) for _ in range(2)];"
        " sys.exit(max(p.wait() for p in c))"
    )
    tree = run_step(
        [sys.executable, "-c", code, ALLOCATE.format(mb=120)], tmp_path / "tree.log", interval=0.05
    )
    assert tree.exit_code == 0 and tree.peak_rss_bytes is not None
    assert tree.peak_rss_bytes >= 200 * MB
    # ru_maxrss of a forked child starts at its parent's size (here a pytest worker), so only a
    # lower bound holds for the largest process; the tree's sampled sum is the bench's figure
    assert tree.max_process_rss_bytes >= 100 * MB
    failed = run_step([sys.executable, "-c", "print('boom'); raise SystemExit(3)"], tmp_path / "f.log")
    assert failed.exit_code == 3 and "boom" in failed.log.read_text()


def test_scales_and_steps_are_checked() -> None:
    assert parse_scale("demo", 42).accounts == 2_000
    six = parse_scale("6000", 42)
    assert (six.preset, six.accounts, six.months) == ("demo", 6_000, 36)
    assert parse_scale("small", 1, months=2).months == 2
    assert parse_scale("small", 1).key() != parse_scale("small", 2).key()
    assert parse_scale("demo", 42).faults == 0.002 and parse_scale("demo", 42, faults=0).faults == 0.0
    assert parse_scale("demo", 42, faults=0).key() != parse_scale("demo", 42).key()
    with pytest.raises(ValueError, match="scale must be"):
        parse_scale("huge", 42)
    with pytest.raises(ValueError, match="faults"):
        parse_scale("small", 42, faults=1.5)
    assert check_steps(["noop", "cold"]) == ["cold", "noop"]
    with pytest.raises(BenchError, match="need the cold build"):
        check_steps(["incremental"])
    with pytest.raises(BenchError, match="unknown step"):
        check_steps(["floor", "warm"])


def test_a_tiny_bench_writes_the_report_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    out = tmp_path / "reports" / "bench.json"
    argv = [
        "bench",
        "--scale",
        "small",
        "--months",
        "2",
        "--seed",
        "3",
        "--steps",
        "floor",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| floor |" in printed and "==> bench done" in printed
    report = json.loads(out.read_text())
    assert set(report) == {"version", "started_at_utc", "machine", "scale", "steps", "sizes", "goals"}
    assert set(report["machine"]) == {"cpu", "cores", "ram_gb", "os", "python", "duckdb", "git_commit"}
    scale = report["scale"]
    assert (scale["preset"], scale["accounts"], scale["months"], scale["seed"]) == ("small", 25, 2, 3)
    assert scale["faults"] == 0.0 and scale["key"].startswith("small-a25-m2-s3-f0-")
    assert scale["files"] > 0 and scale["next_day_files"] > 0 and scale["landing_bytes"] > 0
    assert [s["name"] for s in report["steps"]] == ["data", "floor"]
    for step in report["steps"]:
        assert {
            "name",
            "seconds",
            "exit_code",
            "peak_rss_bytes",
            "max_process_rss_bytes",
            "log",
            "ratio",
        } <= set(step)
        assert step["exit_code"] == 0 and step["seconds"] >= 0
    assert [g["met"] for g in report["goals"]] == [None] * 5  # no build steps: nothing to judge
    assert out.with_suffix(".md").read_text().count("| floor |") == 1

    # the floor read every row: the run's landing dir (reported) and the whole set (the simulator's count)
    key_dir = tmp_path / "data" / "bench" / scale["key"]
    truth = json.loads((key_dir / "truth" / "manifest.json").read_text())
    assert scan_landing(key_dir / "full")["rows"] == sum(truth["rows"].values())
    assert 0 < scale["landing_rows"] < sum(truth["rows"].values())
    floor = report["steps"][1]
    assert floor["rows"] == scale["landing_rows"] and floor["values"] > floor["rows"] > 0
    assert floor["file_by_file"] == 0  # no fault made a Parquet column text: one scan per table and format
    assert not (key_dir / "run" / "landing").exists()  # without --keep only the logs stay
    assert (key_dir / "run" / "logs" / "floor.log").exists()

    assert main(argv) == 0  # the second run reuses the cached data set
    again = json.loads(out.read_text())
    assert again["steps"][0]["cached"] is True and again["scale"]["landing_rows"] == scale["landing_rows"]


def test_a_failing_step_stops_the_bench_naming_it_and_its_log(tmp_path: Path) -> None:
    failing_python = tmp_path / "python"  # every step's interpreter: prints and fails
    failing_python.write_text("#!/bin/sh\necho 'simulated failure'\nexit 4\n")
    failing_python.chmod(0o755)
    options = BenchOptions(scale="small", months=2, data_dir=tmp_path / "data", python=str(failing_python))
    with pytest.raises(BenchError, match=r"step data failed \(exit 4\): see its log .*data\.log") as failed:
        run_bench(options, say=lambda _line: None)
    assert "simulated failure" in str(failed.value)
    assert not (tmp_path / "data" / "reports").exists()  # no report of a failed bench


@pytest.mark.slow
def test_a_full_tiny_bench_builds_incrementally_and_skips_a_noop(tmp_path: Path, monkeypatch) -> None:
    """cold, incremental, noop and noop_run on the small set (about ten minutes). Its 14 months, not
    fewer: on 2 months the build fails a data test (health_backtest.account_weeks is null)."""
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "data" / "warehouse.duckdb"))
    out = tmp_path / "bench.json"
    assert main(["bench", "--scale", "small", "--out", str(out), "--keep"]) == 0
    report = json.loads(out.read_text())
    steps = {s["name"]: s for s in report["steps"]}
    assert list(steps) == ["data", "floor", "cold", "incremental", "noop", "noop_run"]
    assert all(s["exit_code"] == 0 for s in steps.values())
    assert steps["cold"]["ratio"]["to_floor"] > 0 and steps["incremental"]["ratio"]["to_cold"] > 0
    assert steps["cold"]["slowest_models"] and steps["cold"]["peak_rss_bytes"] > 0
    assert report["scale"]["landed_rows"] == report["scale"]["landing_rows"]
    assert report["sizes"]["warehouse_bytes_cold"] > 0 and report["sizes"]["warehouse_to_landing"] > 0
    assert all(g["met"] in (True, False) for g in report["goals"][:3] + report["goals"][4:])
