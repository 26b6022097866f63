"""A late batch reopens exactly the periods it changes: fct_lifecycle_daily and the weekly health.

`fct_lifecycle_daily` (models/marts/) keeps the two spell tables it was built from
(`_lifecycle.fct_lifecycle_daily__*`, a post-hook) and an incremental run recomputes from the
first day where its inputs differ from them, or from the restated last days, whichever is earlier.
This test simulates the small company, holds back every table's last batch (the last extract
run), loads and builds the lifecycle (`+fct_lifecycle_daily`: its seeds and models), then lands
those batches and a crafted late batch: a new version of an active subscription that cancels it
about four months back (a backdated cancellation, loaded after everything else). The incremental
query of the model (its compiled code, evaluated on a copy of the warehouse taken just before it
ran) must begin at the first day where the built table and a full rebuild differ - months before
the restated days - and select no older day. `int_account_health_weekly`, which reopens the same
way by weeks, is built alongside: its incremental query must begin no later than the first week
that differs (no stale week) and after its first week (not a rebuild). After the run, every table
must hash the same as after `--full-refresh` of the same data (scripts/hash_marts.py).

Six dbt invocations on the lifecycle's models only (about 55 s on 2 cores): marked slow (`make
test-slow`), to keep `make test` within its budget. `make test` still proves incremental = full
refresh for fct_lifecycle_daily after a late batch that changes old days, in
tests/test_usage_incremental.py (a workspace relinked to another account moves its whole usage
history, and with it lands and stages months back).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from lifecycle.simulator import simulate

ROOT = Path(__file__).resolve().parent.parent
LIFECYCLE = Path(sys.executable).parent / "lifecycle"
SCHEMAS = ["staging", "intermediate", "audit", "marts"]
MODEL = "model.lifecycle_warehouse.fct_lifecycle_daily"
HEALTH_MODEL = "model.lifecycle_warehouse.int_account_health_weekly"
#: fct_lifecycle_daily and what it is built from, int_account_health_weekly among them
SELECT = "+fct_lifecycle_daily"
#: a CTE only the incremental branch with kept inputs compiles
INCREMENTAL_MARK = "lifecycle_spell_changes"
HEALTH_MARK = "crm_week_changes"
#: how far back the crafted cancellation takes effect (older than the restated days: 35)
CANCEL_DAYS_BACK = 120
#: the extract run of the late batch (after every regular one)
LATE_LOADED_AT = "2026-06-01T06:00:00Z"
#: `dbt build` without the data and unit tests (`make test` runs them)
MODELS_ONLY = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
COLUMNS = "account_id, date, land_number, stage, phase, provider_play, mrr_usd"
HEALTH_COLUMNS = "account_id, week, snapshot_date, stage, mrr_usd, health_score, drivers, billing_score"


def _hash_marts():
    spec = importlib.util.spec_from_file_location("hash_marts", ROOT / "scripts" / "hash_marts.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lifecycle(tmp: Path, env: dict[str, str], *args: str) -> None:
    """Run the `lifecycle` CLI; dbt's target and logs go to the temp dir, never the repo."""
    cmd = [str(LIFECYCLE), *args]
    if args[0] == "dbt":
        cmd += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


def _model_code(tmp: Path, model: str = MODEL) -> str:
    """The compiled code of a model (fct_lifecycle_daily by default) in the last dbt run."""
    results = json.loads((tmp / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    (result,) = [r for r in results if r["unique_id"] == model]
    assert result["status"] == "success"
    return str(result["compiled_code"])


def _daily_rows(warehouse: Path) -> set[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return set(con.execute(f"select {COLUMNS} from marts.fct_lifecycle_daily").fetchall())
    finally:
        con.close()


def _health_rows(warehouse: Path) -> set[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return set(
            con.execute(f"select {HEALTH_COLUMNS} from intermediate.int_account_health_weekly").fetchall()
        )
    finally:
        con.close()


def _copy_warehouse(warehouse: Path, directory: Path) -> Path:
    """A copy of the warehouse file under the same name (the same catalog name in the SQL)."""
    copy = directory / warehouse.name
    directory.mkdir()
    for suffix in ("", ".wal"):  # dbt checkpoints when it closes; a write-ahead log, if any, too
        if warehouse.with_name(warehouse.name + suffix).exists():
            shutil.copyfile(warehouse.with_name(warehouse.name + suffix), copy.with_name(copy.name + suffix))
    return copy


def _select(warehouse: Path, sql: str) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(sql).fetchone()
        assert row is not None
        return tuple(row)
    finally:
        con.close()


def _hold_back_last_batches(landing: Path, held: Path) -> list[Path]:
    """Move each table's latest batch file (of tables with two or more) from landing to held."""
    moved = []
    for table_dir in sorted(p for p in landing.glob("*/*") if p.is_dir()):
        batches = sorted(p for p in table_dir.iterdir() if p.is_file())
        if len(batches) < 2:
            continue
        target = held / table_dir.relative_to(landing) / batches[-1].name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(batches[-1], target)
        moved.append(target)
    return moved


def _backdated_cancellation(warehouse: Path, landing: Path) -> tuple[dict, date]:
    """A new version of a subscription that is active and billed CANCEL_DAYS_BACK days before the
    built as_of date: the version then in effect, as landed, but canceled and ended that day."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (as_of,) = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()
        day = as_of - timedelta(days=CANCEL_DAYS_BACK)
        found = con.execute(
            """
            select subscriptions.subscription_id, subscriptions.updated_at, subscriptions.batch_file
            from staging.stg_billing__subscriptions as subscriptions
            inner join intermediate.int_customer_accounts as customers
                on subscriptions.customer_id = customers.customer_id
            inner join intermediate.int_lifecycle_billing_states as states
                on customers.account_id = states.account_id
                and states.valid_from <= ? and (states.valid_to is null or states.valid_to > ?)
            where subscriptions.status = 'active' and states.mrr_usd > 0
                and subscriptions.valid_from <= ? and subscriptions.valid_to > ?
            order by subscriptions.subscription_id
            limit 1
            """,
            [day, day, day, day],
        ).fetchone()
    finally:
        con.close()
    assert found, f"no subscription active and billed on {day}"
    subscription_id, updated_at, batch_file = found
    with gzip.open(landing / batch_file, "rt", encoding="utf-8") as lines:
        versions = [json.loads(line) for line in lines]
    (version,) = [
        v
        for v in versions
        if v["id"] == subscription_id and v["updated_at"].startswith(updated_at.strftime("%Y-%m-%dT%H:%M:%S"))
    ]
    instant = f"{day.isoformat()}T12:00:00Z"
    version.update(
        status="canceled",
        cancel_at_period_end=False,
        canceled_at=instant,
        ended_at=instant,
        updated_at=instant,
        _loaded_at=LATE_LOADED_AT,
    )
    return version, day


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Partial build; the last batches and the late one land; the incremental query is evaluated,
    then run; then a full refresh of the same data."""
    tmp = tmp_path_factory.mktemp("lifecycle_daily_reopen")
    landing, held, warehouse = tmp / "landing", tmp / "held", tmp / "warehouse.duckdb"
    simulate(landing, scale="small", seed=7, truth_dir=tmp / "truth", progress=None)
    moved = _hold_back_last_batches(landing, held)
    assert any(p.parent.name == "subscriptions" for p in moved), "no billing batch held back"

    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_AS_OF_DATE", "DBT_TARGET")}
    env.update(LIFECYCLE_LANDING_DIR=str(landing), LIFECYCLE_WAREHOUSE=str(warehouse))
    hash_marts = _hash_marts()

    _lifecycle(tmp, env, "load")
    _lifecycle(tmp, env, "dbt", "build", "--select", SELECT, *MODELS_ONLY)  # the seeds, then the models
    first_code = _model_code(tmp)
    first_health_code = _model_code(tmp, HEALTH_MODEL)
    built = _daily_rows(warehouse)
    built_health = _health_rows(warehouse)

    for path in moved:  # the last extract run arrives, then the late batch
        shutil.move(path, landing / path.relative_to(held))
    cancellation, cancelled_on = _backdated_cancellation(warehouse, landing)
    late = landing / "billing" / "subscriptions" / "backfill-2026-06-01.jsonl"
    late.write_text(json.dumps(cancellation) + "\n", encoding="utf-8")
    _lifecycle(tmp, env, "load")
    # each reopening model runs alone after its inputs (the weekly health is upstream of
    # fct_lifecycle_daily), on a copy of the warehouse taken just before it ran
    _lifecycle(
        tmp,
        env,
        "dbt",
        "run",
        "--select",
        "+int_account_health_weekly",
        "--exclude",
        "int_account_health_weekly",
    )
    before_health = _copy_warehouse(warehouse, tmp / "before_health")
    _lifecycle(tmp, env, "dbt", "run", "--select", "int_account_health_weekly")
    incremental_health_code = _model_code(tmp, HEALTH_MODEL)
    _lifecycle(
        tmp,
        env,
        "dbt",
        "run",
        "--select",
        SELECT,
        "--exclude",
        "+int_account_health_weekly",
        "fct_lifecycle_daily",
    )
    before = _copy_warehouse(warehouse, tmp / "before")
    _lifecycle(tmp, env, "dbt", "run", "--select", "fct_lifecycle_daily")
    incremental_code = _model_code(tmp)
    # what each incremental run selected: its compiled query, on the warehouse as it was before
    selected = _select(before, f"select min(date), count(*) from ({incremental_code}) as incremental")
    selected_health = _select(
        before_health, f"select min(week), count(*) from ({incremental_health_code}) as incremental"
    )
    incremental = hash_marts.table_hashes(warehouse, SCHEMAS)

    _lifecycle(tmp, env, "dbt", "run", "--select", SELECT, "--full-refresh")
    refresh_code = _model_code(tmp)
    refresh_health_code = _model_code(tmp, HEALTH_MODEL)
    full = hash_marts.table_hashes(warehouse, SCHEMAS)
    return {
        "first_code": first_code,
        "incremental_code": incremental_code,
        "refresh_code": refresh_code,
        "built": built,
        "rebuilt": _daily_rows(warehouse),
        "selected_from": selected[0],
        "selected_rows": selected[1],
        "cancelled_on": cancelled_on,
        "health_codes": (first_health_code, incremental_health_code, refresh_health_code),
        "built_health": built_health,
        "rebuilt_health": _health_rows(warehouse),
        "selected_health_from": selected_health[0],
        "selected_health_rows": selected_health[1],
        "incremental": incremental,
        "full": full,
    }


def test_only_the_second_run_compares_with_the_kept_inputs(builds) -> None:
    assert INCREMENTAL_MARK not in builds["first_code"]  # the first build: nothing kept, every day
    assert INCREMENTAL_MARK in builds["incremental_code"]
    assert INCREMENTAL_MARK not in builds["refresh_code"]


def test_the_late_batch_reopens_from_the_first_day_it_changes(builds) -> None:
    built, rebuilt = builds["built"], builds["rebuilt"]
    built_last_day = max(row[1] for row in built)
    # the first day whose rows differ between the table as built and a rebuild of the new data
    changed = {row[1] for row in built ^ rebuilt if row[1] <= built_last_day}
    assert changed, "the late batch changed no built day"
    first_changed = min(changed)
    assert first_changed >= builds["cancelled_on"]  # nothing before the cancellation changed
    restated_from = built_last_day - timedelta(days=34)  # lifecycle_daily_restate_days = 35
    assert first_changed < restated_from - timedelta(days=30), (
        "the change is not older than the restated days"
    )
    # the incremental query began exactly there: not later (stale rows), not earlier (a rebuild)
    assert builds["selected_from"] == first_changed
    assert builds["selected_rows"] == sum(1 for row in rebuilt if row[1] >= first_changed)
    assert builds["selected_rows"] < len(rebuilt)


def test_the_weekly_health_reopens_no_later_than_its_first_changed_week(builds) -> None:
    first, incremental, refresh = builds["health_codes"]
    assert HEALTH_MARK not in first and HEALTH_MARK in incremental and HEALTH_MARK not in refresh
    built, rebuilt = builds["built_health"], builds["rebuilt_health"]
    built_last_week = max(row[1] for row in built)
    changed = {row[1] for row in built ^ rebuilt if row[1] <= built_last_week}
    assert changed, "the late batch changed no built week"
    # the cancellation changes MRR months back: far before the last week built
    assert min(changed) < built_last_week - timedelta(weeks=8)
    assert builds["selected_health_from"] <= min(changed)  # no stale week
    assert builds["selected_health_from"] > min(row[1] for row in rebuilt)  # not a rebuild
    assert builds["selected_health_rows"] < len(rebuilt)


def test_incremental_equals_full_refresh_for_every_table(builds) -> None:
    incremental, full = builds["incremental"], builds["full"]
    assert set(incremental) == set(full)
    assert full["marts.fct_lifecycle_daily"]["rows"]
    differ = sorted(t for t in full if incremental[t] != full[t])
    assert differ == [], f"incremental run differs from --full-refresh in {differ}"
