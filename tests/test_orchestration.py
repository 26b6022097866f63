"""The Dagster code location: loads fast, validates, has the intended graph, runs end to end.

The end-to-end part shares one module-scoped fixture: a small simulated data set materialised
in-process (every asset and check), then a corrupt batch that breaks a blocking check, which must
leave the previously published serving DB untouched.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from lifecycle.pipeline import DAGSTER_YAML, ensure_manifest, failed_steps, venv_tool
from lifecycle.publish import read_snapshot_info
from lifecycle.settings import PROJECT_DIR, Settings


@pytest.fixture(scope="module", autouse=True)
def manifest() -> None:
    """The dbt manifest Dagster loads (``make test`` has just built it; parse only if stale)."""
    assert ensure_manifest(Settings.from_env(), progress=lambda _m: None), "dbt parse failed"


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


def graph(defs: dg.Definitions):
    return defs.resolve_asset_graph()


# --- loading --------------------------------------------------------------------------------


def test_definitions_load_fast_without_dbt_or_great_expectations() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); import orchestration.definitions as d; "
        "print(round(time.perf_counter() - t, 2), 'great_expectations' in sys.modules)"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    wall = time.perf_counter() - started
    seconds, gx_imported = float(out[0]), out[1] == "True"
    print(f"Definitions load: {seconds:.2f} s (process wall {wall:.2f} s)")
    assert seconds < 10, f"loading the definitions took {seconds:.1f} s"
    assert not gx_imported, "great_expectations must be imported lazily"


def test_dagster_definitions_validate(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    proc = subprocess.run(
        [venv_tool("dagster"), "definitions", "validate", "-m", "orchestration.definitions"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dagster_yaml_limits_the_warehouse_to_one_writer(tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").write_text(DAGSTER_YAML)
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        config = instance.get_concurrency_config().run_queue_config
        assert config is not None and config.max_concurrent_runs == 1
        assert {"key": "lifecycle/warehouse", "limit": 1} in config.tag_concurrency_limits
        assert instance.run_retries_enabled and instance.run_retries_max_retries == 1


# --- the graph ------------------------------------------------------------------------------


def test_groups_by_layer_and_source(defs: dg.Definitions) -> None:
    from lifecycle.contract import TABLES

    g = graph(defs)
    groups: dict[str, int] = {}
    for key in g.get_all_asset_keys():
        groups[g.get(key).group_name] = groups.get(g.get(key).group_name, 0) + 1
    print("assets by group:", dict(sorted(groups.items())))
    sources = {t.source for t in TABLES}
    assert sum(groups.get(f"raw_{s}", 0) for s in sources) == len(TABLES)
    assert {f"staging_{s}" for s in sources} <= set(groups)
    assert {"intermediate", "marts", "audit", "seeds", "serving"} <= set(groups)
    for key in g.get_all_asset_keys():
        node = g.get(key)
        assert node.owners, f"{key.to_user_string()} has no owner"
        assert node.description, f"{key.to_user_string()} has no description"


def test_lineage_reads_raw_to_staging_to_marts_to_serving(defs: dg.Definitions) -> None:
    g = graph(defs)
    key = dg.AssetKey
    for raw in [k for k in g.get_all_asset_keys() if k.path[0] == "raw"]:
        children = g.get(raw).child_keys
        assert any(c.path[0] == "staging" for c in children), f"{raw.to_user_string()} feeds no staging model"
    assert (
        key(["raw", "billing", "subscriptions"])
        in g.get(key(["staging", "base_billing__subscriptions"])).parent_keys
    )
    upstream = g.upstream_key_closure = _ancestors(g, key(["marts", "fct_mrr_monthly"]))
    assert key(["raw", "billing", "subscriptions"]) in upstream
    assert key(["staging", "stg_billing__subscriptions"]) in upstream
    marts = {k for k in g.get_all_asset_keys() if g.get(k).group_name == "marts"}
    assert marts and marts <= g.get(key(["serving", "marts"])).parent_keys
    for mart in marts:
        assert g.get(mart).freshness_policy is not None


def _ancestors(g, start: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [start]
    while todo:
        for parent in g.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_dbt_tests_and_gx_suites_are_checks_with_the_right_blocking(defs: dg.Definitions) -> None:
    import json

    from lifecycle.quality import SUITES_DIR, load_suites

    g = graph(defs)
    specs = {k: g.get_check_spec(k) for k in g.asset_check_keys}
    dbt_checks = {k: s for k, s in specs.items() if s.metadata.get("source") == "dbt"}
    gx_checks = {k: s for k, s in specs.items() if s.metadata.get("source") == "great_expectations"}
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(dbt_checks) == len(tests), "every dbt data test (multi-model singular ones too) is a check"
    assert len(gx_checks) == len(load_suites(SUITES_DIR))
    print(
        f"checks: dbt {len(dbt_checks)} ({sum(s.blocking for s in dbt_checks.values())} blocking), "
        f"GX {len(gx_checks)} ({sum(s.blocking for s in gx_checks.values())} blocking)"
    )
    by_name = {k.name: s for k, s in dbt_checks.items()}
    for name in ("assert_reconciliation_balances", "assert_mrr_waterfall_identity"):
        if name in by_name:
            assert by_name[name].blocking, name
    assert by_name["assert_reconciliation_balances"].asset_key == dg.AssetKey(["audit", "reconciliation"])
    uniques = [s for n, s in by_name.items() if n.startswith(("unique_", "unique_combination_"))]
    assert uniques and all(s.blocking for s in uniques)
    if "assert_mrr_monthly_sums_to_waterfall" in by_name:  # a two-model singular test
        assert by_name["assert_mrr_monthly_sums_to_waterfall"].asset_key == dg.AssetKey(
            ["marts", "mrr_waterfall_monthly"]
        )
    if "warn_quarantined_rows" in by_name:
        assert not by_name["warn_quarantined_rows"].blocking
    publish_parents = g.get(dg.AssetKey(["serving", "marts"])).parent_keys
    for spec in gx_checks.values():
        if spec.blocking:
            assert spec.asset_key in publish_parents, f"publishing must wait for {spec.key}"


def test_job_schedule_and_sensor(defs: dg.Definitions) -> None:
    from dagster._core.definitions.executor_definition import in_process_executor

    job = defs.resolve_job_def("lifecycle_full_graph")
    assert job.executor_def is in_process_executor
    assert job.tags.get("lifecycle/warehouse") == "writer"
    schedule = defs.resolve_schedule_def("lifecycle_daily")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.job_name == job.name
    assert defs.resolve_sensor_def("landing_files_sensor").job_name == job.name


def test_sensor_requests_a_run_only_for_new_files(tmp_path: Path) -> None:
    from orchestration.resources import LifecycleResource
    from orchestration.sensors import landing_files_sensor

    landing = tmp_path / "landing"
    (landing / "crm" / "users").mkdir(parents=True)
    (landing / "crm" / "users" / "b1.csv").write_text("id,full_name,email,role,is_active,_loaded_at\n")
    resource = LifecycleResource(
        landing_dir=str(landing), warehouse=str(tmp_path / "wh.duckdb"), serving=str(tmp_path / "s.duckdb")
    )

    def tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
        context = dg.build_sensor_context(cursor=cursor, resources={"lifecycle": resource})
        return landing_files_sensor(context)

    first = tick(None)  # no warehouse yet: build it
    assert isinstance(first, dg.SensorResult) and len(first.run_requests or []) == 1
    same = tick(first.cursor)
    assert isinstance(same, dg.SkipReason)
    (landing / "crm" / "users" / "b2.csv").write_text("id,full_name,email,role,is_active,_loaded_at\n")
    new = tick(first.cursor)
    assert isinstance(new, dg.SensorResult) and new.run_requests[0].tags["lifecycle/new_files"] == "1"
    (tmp_path / "wh.duckdb").write_bytes(b"")  # a warehouse exists: the first tick is a baseline
    baseline = tick(None)
    assert isinstance(baseline, dg.SensorResult) and not baseline.run_requests and baseline.cursor


def test_failed_steps_names_the_failing_step_and_check() -> None:
    log = (
        "2026-01-01 00:00:00 +0000 - dagster - DEBUG - job - r - 1 - great_expectations - "
        "ASSET_CHECK_EVALUATION - Asset check 'gx_reconciliation' on 'audit/reconciliation' did not pass. "
        "Description: 'quarantined_share too high'\n"
        "2026-01-01 00:00:01 +0000 - dagster - ERROR - job - r - 1 - great_expectations - STEP_FAILURE - "
        'Execution of step "great_expectations" failed.\n\n'
        "dagster._core.errors.DagsterAssetCheckFailedError: 1 blocking asset check failed with ERROR severity:\n"
        "audit/reconciliation: gx_reconciliation\n\nStack Trace:\n  File x\n"
    )
    assert failed_steps(log) == [
        "check audit/reconciliation:gx_reconciliation did not pass: quarantined_share too high",
        "step great_expectations: DagsterAssetCheckFailedError: 1 blocking asset check failed with "
        "ERROR severity: audit/reconciliation: gx_reconciliation",
    ]


# --- end to end on a small simulated data set -------------------------------------------------


@dataclass
class Runs:
    settings: Settings
    defs: dg.Definitions
    instance: dg.DagsterInstance
    good: dg.ExecuteInProcessResult
    good_seconds: float
    serving_bytes: bytes
    snapshot: dict | None
    bad: dg.ExecuteInProcessResult
    bad_seconds: float


def _corrupt_batch(landing: Path) -> None:
    """A CRM activities export whose timestamps are garbage: 300 rows, all quarantined."""
    path = landing / "crm" / "activities" / "9999-corrupt.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "account_id", "user_id", "contact_id", "type", "occurred_at", "_loaded_at"])
        for i in range(300):
            w.writerow([f"00Tcorrupt{i:05d}", "001x", "005x", "003x", "call", "not-a-timestamp", ""])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    from lifecycle.simulator import simulate
    from orchestration.definitions import build_definitions

    root = tmp_path_factory.mktemp("e2e")
    simulate(root / "landing", scale="small", seed=7, truth_dir=root / "truth", progress=None)
    settings = Settings(
        landing_dir=root / "landing",
        warehouse=root / "data" / "warehouse.duckdb",
        serving=root / "data" / "serving.duckdb",
        as_of_date=None,
        dbt_target="duckdb",
    )
    defs = build_definitions(settings)
    job = defs.resolve_job_def("lifecycle_full_graph")
    (root / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(root / "dagster_home")) as instance:
        t0 = time.perf_counter()
        good = job.execute_in_process(instance=instance, raise_on_error=False)
        good_seconds = time.perf_counter() - t0
        serving_bytes = settings.serving.read_bytes() if settings.serving.exists() else b""
        snapshot = read_snapshot_info(settings.serving)
        _corrupt_batch(settings.landing_dir)
        t0 = time.perf_counter()
        bad = job.execute_in_process(instance=instance, raise_on_error=False)
        bad_seconds = time.perf_counter() - t0
        print(f"full graph in-process: {good_seconds:.1f} s; with a corrupt batch: {bad_seconds:.1f} s")
        yield Runs(settings, defs, instance, good, good_seconds, serving_bytes, snapshot, bad, bad_seconds)


def test_full_graph_materialises_and_every_check_passes(runs: Runs) -> None:
    result = runs.good
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    keys = {e.asset_key for e in result.get_asset_materialization_events()}
    g = graph(runs.defs)
    expected = {k for k in g.get_all_asset_keys() if g.get(k).is_materializable}
    assert expected <= keys, f"not materialised: {sorted(k.to_user_string() for k in expected - keys)}"
    evaluations = result.get_asset_check_evaluations()
    failed = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed]
    assert not failed, f"checks did not pass: {failed}"
    gx = [e for e in evaluations if e.check_name.startswith("gx_")]
    assert len(gx) == len([k for k in g.asset_check_keys if k.name.startswith("gx_")]) > 0
    assert len(evaluations) == len(g.asset_check_keys)


def test_published_serving_db_and_reports(runs: Runs) -> None:
    import duckdb

    assert runs.serving_bytes, "serving DB not published"
    con = duckdb.connect(str(runs.settings.serving), read_only=True)
    try:
        served = {
            t
            for (t,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    wh = duckdb.connect(str(runs.settings.warehouse), read_only=True)
    try:
        built = {
            t
            for (t,) in wh.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        wh.close()
    assert served == built and "fct_mrr_monthly" in served
    parquet = runs.settings.serving.with_name("serving_parquet")
    assert {p.stem for p in parquet.glob("*.parquet")} == built
    reports = runs.settings.data_dir / "reports"
    assert (reports / "gx" / "index.html").exists() and (reports / "quality_summary.json").exists()


def test_a_corrupt_batch_fails_a_blocking_check_and_keeps_the_old_serving_db(runs: Runs) -> None:
    result = runs.bad
    assert not result.success
    failed = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in result.get_asset_check_evaluations()
        if not e.passed
    }
    assert ("audit/rpt_reconciliation_shares", "gx_rpt_reconciliation_shares") in failed
    published = [
        e
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["serving", "marts"])
    ]
    assert published == [], "publish must be skipped when a blocking check fails"
    assert runs.settings.serving.read_bytes() == runs.serving_bytes
    assert read_snapshot_info(runs.settings.serving) == runs.snapshot


def test_publishing_alone_refuses_after_a_failed_blocking_check(runs: Runs) -> None:
    job = runs.defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        instance=runs.instance, asset_selection=[dg.AssetKey(["serving", "marts"])], raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "gx_rpt_reconciliation_shares" in str(failure.step_failure_data.error.message)
    assert runs.settings.serving.read_bytes() == runs.serving_bytes


def test_dbt_failures_name_the_model_and_the_test() -> None:
    from orchestration.dbt_assets import failures_from_run_results

    run_results = {
        "results": [
            {
                "unique_id": "model.p.base_x",
                "status": "error",
                "message": "Runtime Error in model base_x\n  Overflow",
            },
            {
                "unique_id": "test.p.unique_y.abc123",
                "status": "fail",
                "failures": 3,
                "message": "Got 3 results",
            },
            {"unique_id": "model.p.fine", "status": "success"},
        ]
    }
    assert failures_from_run_results(run_results) == [
        "model base_x: error - Runtime Error in model base_x Overflow",
        "test unique_y: fail (3 rows) - Got 3 results",
    ]
