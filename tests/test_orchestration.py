"""The Dagster code location: loads fast, validates, has the intended graph, runs end to end.

The end-to-end part shares one module-scoped fixture: a small simulated data set run through the
launcher (`make run`'s `orchestration.launch.launch`, every asset and check) on a persistent
instance in a temp dir, then a corrupt batch that breaks a blocking check, which must leave the
previously published serving DB untouched and be reported by name from the run's events.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import SmallRun

from lifecycle.dbt import venv_tool
from lifecycle.publish import read_snapshot_info
from lifecycle.settings import PROJECT_DIR, Settings
from orchestration.launch import RunOutcome, dagster_home, launch
from orchestration.project import prepare_manifest


@pytest.fixture(scope="module", autouse=True)
def manifest() -> None:
    """The dbt manifest Dagster loads (dagster-dbt's preparer: `dbt parse`)."""
    assert prepare_manifest().exists()


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs


def graph(defs: dg.Definitions):
    return defs.resolve_asset_graph()


# --- loading --------------------------------------------------------------------------------


def test_definitions_load_fast_without_dbt_or_great_expectations() -> None:
    # CPU seconds of the loading process: make test runs this beside another pytest worker and
    # the dbt unit tests on 2 cores, where wall time measures the neighbours as much as the load
    # (idle, wall and CPU agree: 4-6 s). The wall time is printed, and bounded loosely.
    code = (
        "import sys, time; t = time.perf_counter(); c = time.process_time(); "
        "import orchestration.definitions as d; "
        "print(round(time.process_time() - c, 2), round(time.perf_counter() - t, 2), "
        "'great_expectations' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True
    ).stdout.split()
    cpu, wall, gx_imported = float(out[0]), float(out[1]), out[2] == "True"
    print(f"Definitions load: {cpu:.2f} s of CPU ({wall:.2f} s wall)")
    assert cpu < 10, f"loading the definitions took {cpu:.1f} s of CPU"
    assert wall < 30, f"loading the definitions took {wall:.1f} s of wall time"
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


def test_committed_dagster_yaml_limits_the_warehouse_to_one_writer(tmp_path: Path) -> None:
    settings = Settings.from_env({"LIFECYCLE_WAREHOUSE": str(tmp_path / "data" / "w.duckdb")})
    home = dagster_home(settings)
    assert home == tmp_path / "data" / "dagster_home"
    assert (home / "dagster.yaml").read_text() == (PROJECT_DIR / "orchestration" / "dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(home)) as instance:
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
    for raw in [k for k in g.get_all_asset_keys() if k.path[0] == "raw" and k.path[1] != "load_manifest"]:
        children = g.get(raw).child_keys
        assert any(c.path[0] == "staging" for c in children), f"{raw.to_user_string()} feeds no staging model"
    # the loader's manifest feeds the audit of rejected files only
    assert g.get(key(["raw", "load_manifest"])).child_keys == {key(["audit", "rejected_files"])}
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


def test_the_ltv_fit_sits_between_the_two_dbt_steps_and_gx_runs_after_both(defs: dg.Definitions) -> None:
    """dbt (all but source:ltv_fit+) -> the sBG fit -> dbt (the models reading the fit) -> GX -> publish.

    The GX suites are one step: planned before the second dbt step, it would run without the
    suites of the LTV marts (seen once: 9 of 11 suites evaluated in a full run).
    """
    from dagster._core.execution.api import create_execution_plan

    g = graph(defs)
    key = dg.AssetKey
    fit = key(["ltv_fit", "sbg_parameters"])
    assert key(["intermediate", "int_ltv_subscription_periods"]) in g.get(fit).parent_keys
    assert fit in g.get(key(["intermediate", "int_ltv_group_fits"])).parent_keys
    assert fit in _ancestors(g, key(["marts", "fct_account_ltv"]))
    plan = create_execution_plan(defs.resolve_job_def("lifecycle_full_graph"))
    order = [step.key for level in plan.get_steps_to_execute_by_level() for step in level]
    assert order.index("dbt_warehouse") < order.index("ltv_fit") < order.index("dbt_ltv")
    assert order.index("dbt_ltv") < order.index("great_expectations") < order.index("serving__marts")


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


#: The dashboard's pages (url paths) and the marts each reads: models/exposures.yml declares them.
def dashboard_pages() -> dict[str, set[str]]:
    """Each dashboard page and the marts its code reads (the ``MARTS`` of its view module): what
    its dbt exposure must declare, so the exposures cannot drift from the dashboard."""
    import importlib

    pages = ("revenue", "lifecycle", "health", "ltv", "worklist")
    return {p: set(importlib.import_module(f"lifecycle.dashboard.views.{p}").MARTS) for p in pages}


def test_dashboard_pages_are_bi_assets_downstream_of_the_published_marts(defs: dg.Definitions) -> None:
    """Lineage ends at the consumer: each dashboard page (a dbt exposure) is an asset bi/<page>
    reading the serving DB, and every mart it lists is one the serving DB publishes."""
    g = graph(defs)
    serving = dg.AssetKey(["serving", "marts"])
    published = {k.path[-1] for k in g.get(serving).parent_keys if k.path[0] == "marts"}
    pages = {k.path[1]: g.get(k) for k in g.get_all_asset_keys() if k.path[0] == "bi"}
    expected = dashboard_pages()
    assert set(pages) == set(expected)
    for page, node in pages.items():
        assert node.parent_keys == {serving}, page
        assert not node.child_keys, f"bi/{page} is a consumer: nothing reads it"
        reads = set(str(node.metadata["reads"]).split(", "))
        assert reads == expected[page], page
        assert reads <= published, f"bi/{page} reads marts that are not published: {reads - published}"
        assert node.metadata["url"].url == f"http://localhost:8501/{page}"
        assert node.owners and node.group_name == "bi" and node.description


def test_dbt_lineage_ends_at_the_dashboard_exposures() -> None:
    """dbt docs draws its lineage from the manifest: each exposure is a child of its marts, and a leaf."""
    import json

    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    expected = dashboard_pages()
    assert set(exposures) == set(expected)
    for name, exposure in exposures.items():
        uid = exposure["unique_id"]
        parents = {manifest["nodes"][n]["name"] for n in exposure["depends_on"]["nodes"]}
        assert parents == expected[name], name
        assert all(uid in manifest["child_map"][n] for n in exposure["depends_on"]["nodes"])
        assert manifest["child_map"].get(uid) == []
        assert exposure["type"] == "dashboard" and exposure["maturity"]
        assert exposure["owner"]["name"] and exposure["owner"]["email"]


def test_job_schedule_and_sensor(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("lifecycle_full_graph")
    assert job.executor_def is dg.in_process_executor
    assert job.tags.get("lifecycle/warehouse") == "writer"
    schedule = defs.resolve_schedule_def("lifecycle_daily")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.job_name == job.name
    assert defs.resolve_sensor_def("landing_files_sensor").job_name == job.name


def test_sensor_requests_a_run_only_for_new_files(tmp_path: Path) -> None:
    from lifecycle.run_lock import holds
    from orchestration.resources import LifecycleResource
    from orchestration.sensors import landing_files_sensor

    landing = tmp_path / "landing"
    (landing / "crm" / "users").mkdir(parents=True)
    (landing / "crm" / "users" / "b1.csv").write_text("id,full_name,email,role,is_active,_loaded_at\n")
    resource = LifecycleResource(
        landing_dir=str(landing), warehouse=str(tmp_path / "wh.duckdb"), serving=str(tmp_path / "s.duckdb")
    )

    def tick(cursor: str | None) -> dg.SensorResult | dg.SkipReason:
        # entered, as the daemon does: the resource is a context manager (it holds the run lock
        # in a run; a sensor's evaluation has no run and takes none)
        with dg.build_sensor_context(cursor=cursor, resources={"lifecycle": resource}) as context:
            result = landing_files_sensor(context)
        assert not holds(Path(resource.warehouse))
        return result

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


# --- end to end on a small simulated data set -------------------------------------------------


@dataclass
class Runs:
    settings: Settings
    defs: dg.Definitions
    good: RunOutcome
    good_lines: list[str]
    serving_bytes: bytes
    snapshot: dict | None
    bad: RunOutcome
    bad_lines: list[str]


def _corrupt_batch(landing: Path) -> None:
    """A CRM activities export whose timestamps are garbage: 300 rows, all quarantined; and a
    refunds batch that is not Parquet at all: rejected by the loader."""
    (landing / "billing" / "refunds" / "9999-garbage.parquet").write_bytes(b"not parquet")
    path = landing / "crm" / "activities" / "9999-corrupt.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "account_id", "user_id", "contact_id", "type", "occurred_at", "_loaded_at"])
        for i in range(300):
            w.writerow([f"00Tcorrupt{i:05d}", "001x", "005x", "003x", "call", "not-a-timestamp", ""])


@pytest.fixture(scope="module")
def runs(small_run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Two launches on the persistent instance in <data dir>/dagster_home, as `make run` does.

    The good one is the shared small run (``lifecycle run`` on the small data set: scripts/test.sh
    made it, or tests/conftest.py), read back from its Dagster instance in a copy of its directory;
    the copy then gets a corrupt batch and a second launch.
    """
    from orchestration.definitions import build_definitions
    from orchestration.launch import FULL_GRAPH_JOB, instance_for, stored_outcome

    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(small_run.root, root, dirs_exist_ok=True)
    settings = SmallRun(root).settings()
    with instance_for(settings) as instance:
        records = instance.get_run_records(dg.RunsFilter(job_name=FULL_GRAPH_JOB), limit=1)
        assert records, f"no {FULL_GRAPH_JOB} run in the shared small run's instance"
        good = stored_outcome(
            instance, records[0].dagster_run.run_id, settings.data_dir / "logs" / "dagster_run.log"
        )
    good_lines = small_run.log.read_text(encoding="utf-8").splitlines()
    serving_bytes = settings.serving.read_bytes() if settings.serving.exists() else b""
    snapshot = read_snapshot_info(settings.serving)
    _corrupt_batch(settings.landing_dir)
    bad_lines: list[str] = []
    bad = launch(settings, progress=bad_lines.append)
    print(f"full graph (the shared run): {good.seconds:.1f} s; with a corrupt batch: {bad.seconds:.1f} s")
    yield Runs(
        settings, build_definitions(settings), good, good_lines, serving_bytes, snapshot, bad, bad_lines
    )


def test_full_graph_materialises_and_every_check_passes(runs: Runs) -> None:
    assert runs.good.success, runs.good.problem_lines()
    keys = {dg.AssetKey.from_user_string(k) for k in runs.good.materialized}
    g = graph(runs.defs)
    expected = {k for k in g.get_all_asset_keys() if g.get(k).is_materializable}
    assert expected <= keys, f"not materialised: {sorted(k.to_user_string() for k in expected - keys)}"
    assert runs.good.checks == [], f"checks did not pass: {runs.good.problem_lines()}"
    assert runs.good.blocking == [] and runs.good.step_failures == []
    evaluated = runs.good.evaluated
    gx = [c for c in evaluated if c.rsplit(":", 1)[1].startswith("gx_")]
    assert len(gx) == len([k for k in g.asset_check_keys if k.name.startswith("gx_")]) > 0
    assert sorted(evaluated) == sorted(f"{k.asset_key.to_user_string()}:{k.name}" for k in g.asset_check_keys)


def test_the_run_is_recorded_in_the_persistent_instance(runs: Runs) -> None:
    """`make ui` opens DAGSTER_HOME=<data dir>/dagster_home: both runs are there, with their status."""
    home = runs.settings.data_dir / "dagster_home"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        good = instance.get_run_by_id(runs.good.run_id)
        bad = instance.get_run_by_id(runs.bad.run_id)
        assert good is not None and good.status == dg.DagsterRunStatus.SUCCESS
        assert bad is not None and bad.status == dg.DagsterRunStatus.FAILURE
        assert good.job_name == "lifecycle_full_graph"


def test_progress_shows_steps_loader_lines_and_dbt_results_as_they_happen(runs: Runs) -> None:
    # `lifecycle run`'s output: its own first line, the launcher's progress, then the run's summary
    printed = [line for line in runs.good_lines if not line.startswith("landing dir ")]
    assert re.fullmatch(r"full log of this run: \S+/data/logs/dagster_run\.log", printed[0]), printed[:3]
    stamped = [i for i, line in enumerate(printed) if re.match(r"\[\s*\d+\.\ds\] ", line)]
    lines = printed[: stamped[-1] + 1]
    text = "\n".join(lines)
    for step in ("load_raw_tables", "dbt_warehouse", "great_expectations", "serving__marts"):
        assert f"==> step {step}" in text and f"step {step} done" in text, step
    assert any("crm__accounts" in line and "rows" in line for line in lines), "the loader's per-table line"
    dbt_lines = [line for line in lines if re.search(r"\] dbt \d+ of \d+ ", line)]
    assert dbt_lines and not any(" START " in line for line in dbt_lines)
    assert all(re.match(r"\[\s*\d+\.\ds\] ", line) for line in lines[1:]), "every progress line has its time"
    assert "\x1b[" not in text, "no terminal colour codes"
    log = runs.good.log_path.read_text(encoding="utf-8")
    assert "STEP_START" in log and " of " in log and "START sql table model" in log


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
    outcome = runs.bad
    assert not outcome.success
    assert "serving/marts" not in outcome.materialized, "publish must be skipped when a blocking check fails"
    assert runs.settings.serving.read_bytes() == runs.serving_bytes
    assert read_snapshot_info(runs.settings.serving) == runs.snapshot


def test_the_failure_is_reported_by_name_from_the_runs_events(runs: Runs) -> None:
    outcome = runs.bad
    blocking = [c.check for c in outcome.blocking]
    assert "audit/rpt_reconciliation_shares:gx_rpt_reconciliation_shares" in blocking
    assert all(not c.blocking for c in outcome.warnings)
    assert any(
        f.startswith("great_expectations: ") and "gx_rpt_reconciliation_shares" in f
        for f in outcome.step_failures
    )
    lines = outcome.problem_lines()
    assert lines[0].startswith("step great_expectations")
    assert any(
        line.startswith(
            "blocking check audit/rpt_reconciliation_shares:gx_rpt_reconciliation_shares did not pass: "
        )
        and "quarantined_share" in line
        for line in lines
    ), lines
    assert any(
        "blocking check audit/rpt_reconciliation_shares:gx_rpt_reconciliation_shares did not pass" in line
        for line in runs.bad_lines
    )


def test_a_rejected_batch_file_fails_its_check_without_blocking(runs: Runs) -> None:
    """The loader's rejected file is a failed (ERROR, non-blocking) check on raw/load_manifest that
    names the file; the good run evaluated the same check and it passed."""
    assert "raw/load_manifest:no_rejected_batch_files" in runs.good.evaluated
    assert all(c.check != "raw/load_manifest:no_rejected_batch_files" for c in runs.good.checks)
    (check,) = [c for c in runs.bad.checks if c.check == "raw/load_manifest:no_rejected_batch_files"]
    assert not check.blocking
    assert check.description.startswith(
        "1 batch file(s) rejected, not loaded: billing/refunds/9999-garbage.parquet: "
    )
    assert "raw/load_manifest" in runs.bad.materialized
    con = duckdb.connect(str(runs.settings.warehouse), read_only=True)
    try:
        rows = con.execute("select batch_file, file_format from audit.rejected_files").fetchall()
    finally:
        con.close()
    assert rows == [("billing/refunds/9999-garbage.parquet", "parquet")]


def test_publishing_alone_refuses_after_a_failed_blocking_check(runs: Runs) -> None:
    from orchestration.launch import publish

    outcome = publish(runs.settings, progress=lambda _line: None)
    assert not outcome.success and outcome.job == "lifecycle_publish"
    assert len(outcome.step_failures) == 1
    failure = outcome.step_failures[0]
    assert failure.startswith("serving__marts: not publishing") and "gx_rpt_reconciliation_shares" in failure
    assert runs.settings.serving.read_bytes() == runs.serving_bytes


def test_publishing_refuses_when_no_blocking_check_was_ever_evaluated(tmp_path: Path) -> None:
    """A warehouse built without Dagster (`make build`) has no check results: nothing is published."""
    from orchestration.launch import publish

    settings = Settings(
        landing_dir=tmp_path / "landing",
        warehouse=tmp_path / "data" / "warehouse.duckdb",
        serving=tmp_path / "data" / "serving.duckdb",
        as_of_date=None,
        dbt_target="duckdb",
    )
    outcome = publish(settings, progress=lambda _line: None)
    assert not outcome.success
    message = outcome.step_failures[0]
    # every blocking check is named (the terminal line is cut at 400 characters; the count is first)
    (count,) = re.findall(r"not publishing: (\d+) blocking check\(s\) have not passed", message)
    assert int(count) > 100 and "(not evaluated yet)" in message
    assert not settings.serving.exists()


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
