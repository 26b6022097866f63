"""Incremental = full refresh: the usage models take new days only and still give what a rebuild gives.

The incremental usage models (models/intermediate/usage/ and base_usage__tracks): the base table
classifies only new batch files' rows (and the keys they touch), `int_usage_user_daily` and
`int_account_usage_daily` recompute only the days that changed, `int_account_usage_spells` is
restated from the first day that can differ. This test simulates the small company, lands every
batch but each table's last one (the last extract run), loads and builds, then lands the last
batches plus a backfill (a late event, an earlier redelivery that moves an event a day back, a
workspace relinked to another account), loads and builds again - an incremental run - and hashes
every table (scripts/hash_marts.py). A `--full-refresh` run over the same loaded data must give the
same hash for every table of staging, intermediate, audit and marts.

The runs are `dbt run` (models only; `make test` builds the same data set with every data test):
three of them, about 60 s on 2 cores. The spells are also recounted day by day in Python from
staging, a different code path from the SQL sweep.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from lifecycle import cli
from lifecycle.simulator import simulate

ROOT = Path(__file__).resolve().parent.parent
LIFECYCLE = Path(sys.executable).parent / "lifecycle"
SCHEMAS = ["staging", "intermediate", "audit", "marts"]
USAGE_MODEL = "model.lifecycle_warehouse.int_usage_user_daily"
BASE_MODEL = "model.lifecycle_warehouse.base_usage__tracks"
ACCOUNT_DAILY_MODEL = "model.lifecycle_warehouse.int_account_usage_daily"
SPELLS_MODEL = "model.lifecycle_warehouse.int_account_usage_spells"
HEALTH_MODEL = "model.lifecycle_warehouse.int_account_health_weekly"
#: a CTE only the incremental (or restating) branch of each model compiles
INCREMENTAL_MARK = {
    USAGE_MODEL: "changed_days",
    BASE_MODEL: "classified_files",
    ACCOUNT_DAILY_MODEL: "built_days",
    SPELLS_MODEL: "kept_points",
    HEALTH_MODEL: "crm_week_changes",
}
ISO_UTC = "%Y-%m-%dT%H:%M:%S.%fZ"
#: the extract run of the crafted late events (a backfill after the last regular batch)
LATE_LOADED_AT = "2026-01-02T06:00:00Z"
#: an early event whose workspace lands late (see _early_orphan)
ORPHAN_ID = "early-orphan-1"
LATE_WORKSPACE = "ws-late-1"


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


def _incremental_models_code(tmp: Path) -> dict[str, str]:
    """The compiled code of each incremental model in the last dbt run."""
    results = json.loads((tmp / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    by_id = {r["unique_id"]: r for r in results}
    assert all(by_id[m]["status"] == "success" for m in INCREMENTAL_MARK)
    return {m: by_id[m]["compiled_code"] for m in INCREMENTAL_MARK}


def _events_by_day(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select usage_date, sum(event_count) from intermediate.int_usage_user_daily group by usage_date"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def _late_events(warehouse: Path) -> tuple[list[dict], date, date]:
    """Two events of the next extract that belong to days already built: a late delivery on the
    latest built day (client clock 23:30, received after midnight), and another delivery of an
    event already staged on an earlier day D1, received with its client clock a day earlier (the
    earliest delivery wins; the other, a conflicting payload, is quarantined): the event moves to
    D1 - 1, and D1 loses an event without a load of its own."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (last_day,) = con.execute("select max(event_date) from staging.stg_usage__tracks").fetchone()
        moved = con.execute(
            """
            with days as (
                select event_date, count(*) as events,
                    row_number() over (order by event_date) as day_number
                from staging.stg_usage__tracks
                group by event_date
            )
            select raw.message_id, raw.user_id, raw.anonymous_id, raw.workspace_id, raw.event,
                raw.timestamp, raw.properties, stg.received_at, stg.event_date
            from staging.stg_usage__tracks as stg
            inner join raw.usage__tracks as raw
                on stg.batch_file = raw._batch_file and stg.message_id = raw.message_id
            inner join days on stg.event_date = days.event_date
            where days.events >= 2 and days.day_number > 1 and days.event_date < ?
                and not stg.is_event_time_from_server
            order by days.day_number desc, stg.message_id
            limit 1
            """,
            [last_day],
        ).fetchone()
        template = con.execute(
            "select workspace_id, user_id from staging.stg_usage__tracks where event_date = ? "
            "and user_id is not null order by message_id limit 1",
            [last_day],
        ).fetchone()
    finally:
        con.close()
    assert moved and template, "no staged events to build the late ones from"
    message_id, user_id, anonymous_id, workspace_id, event, client_time, properties, received_at, day = moved
    earlier = timedelta(days=1)
    redelivered = {
        "message_id": message_id,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "workspace_id": workspace_id,
        "event": event,
        "timestamp": (datetime.fromisoformat(client_time) - earlier).isoformat(),
        "received_at": (received_at - earlier).strftime(ISO_UTC),
        "properties": properties,
        "_loaded_at": LATE_LOADED_AT,
    }
    late = {
        "message_id": "late-delivery-1",
        "user_id": template[1],
        "anonymous_id": None,
        "workspace_id": template[0],
        "event": "Report Created",
        "timestamp": f"{last_day.isoformat()}T23:30:00.000Z",
        "received_at": f"{(last_day + timedelta(days=1)).isoformat()}T00:10:00.000000Z",
        "properties": "{}",
        "_loaded_at": LATE_LOADED_AT,
    }
    return [late, redelivered], last_day, day


def _early_orphan(landing: Path, held: Path) -> Path:
    """An event of the first usage batch whose workspace lands only with the last extract run:
    quarantined as an orphan by the first build, staged by the incremental one (its workspace
    check is redone although none of its own rows is new). Returns the held-back workspace file."""
    first = sorted((landing / "usage" / "tracks").iterdir())[0]
    reader = "read_parquet" if first.name.endswith(".parquet") else "read_json_auto"
    con = duckdb.connect()
    try:
        received_at, loaded_at = con.execute(
            f"select cast(min(received_at) as varchar), cast(min(_loaded_at) as varchar) from {reader}(?)",
            [str(first)],
        ).fetchone()
    finally:
        con.close()
    event = {
        "message_id": ORPHAN_ID,
        "user_id": None,
        "anonymous_id": "anon-early-1",
        "workspace_id": LATE_WORKSPACE,
        "event": "Page Viewed",
        "timestamp": received_at,
        "received_at": received_at,
        "properties": "{}",
        "_loaded_at": loaded_at,
    }
    (landing / "usage" / "tracks" / "early-orphan.jsonl").write_text(
        json.dumps(event) + "\n", encoding="utf-8"
    )
    workspace = {
        "workspace_id": LATE_WORKSPACE,
        "name": "Late Workspace",
        "crm_account_id": None,
        "created_at": received_at,
        "_loaded_at": LATE_LOADED_AT,
    }
    path = held / "usage" / "workspaces" / "late-workspaces.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(workspace) + "\n", encoding="utf-8")
    return path


def _orphan_status(warehouse: Path) -> tuple:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select _row_status, _quarantine_rule from staging.base_usage__tracks where message_id = ?",
            [ORPHAN_ID],
        ).fetchone()
    finally:
        con.close()


def _relinked_workspace(warehouse: Path, landing: Path) -> tuple[str, str]:
    """A new version of a workspace with usage, in the next extract, that links it to another CRM
    account: every usage day of the workspace moves from one account to another, none of its
    events changes. Returns (workspace_id, the new account id)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        workspace_id, name, created_at, account_id = con.execute(
            """
            select raw.workspace_id, raw.name, raw.created_at, links.account_id
            from raw.usage__workspaces as raw
            inner join intermediate.int_workspace_accounts as links
                on raw.workspace_id = links.workspace_id
            where links.account_id is not null
                and raw.workspace_id in (select workspace_id from intermediate.int_usage_user_daily)
            order by raw.workspace_id, raw._loaded_at desc
            limit 1
            """
        ).fetchone()
        (other,) = con.execute(
            "select min(account_id) from intermediate.int_accounts where account_id <> ?", [account_id]
        ).fetchone()
    finally:
        con.close()
    version = {
        "workspace_id": workspace_id,
        "name": name,
        "crm_account_id": other,
        "created_at": created_at,
        "_loaded_at": LATE_LOADED_AT,
    }
    (landing / "usage" / "workspaces" / "relinked-2026-01-02.jsonl").write_text(
        json.dumps(version) + "\n", encoding="utf-8"
    )
    return workspace_id, other


def _account_of(warehouse: Path, workspace_id: str) -> str | None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (account_id,) = con.execute(
            "select account_id from intermediate.int_workspace_accounts where workspace_id = ?",
            [workspace_id],
        ).fetchone()
    finally:
        con.close()
    return account_id


def _usage_days_refreshed_after_the_health_build(warehouse: Path) -> int:
    """Usage days whose _refreshed_at is later than the weekly health's build record: each one
    makes the next run recompute the weekly health from its week."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*) from intermediate.int_account_usage_daily "
            "where _refreshed_at > (select max(built_at) from _lifecycle.int_account_health_weekly__build)"
        ).fetchone()[0]


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


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Partial build, incremental build after the last batches, full refresh of the same data."""
    tmp = tmp_path_factory.mktemp("usage_incremental")
    landing, held, warehouse = tmp / "landing", tmp / "held", tmp / "warehouse.duckdb"
    simulate(landing, scale="small", seed=7, truth_dir=tmp / "truth", progress=None)
    moved = _hold_back_last_batches(landing, held)
    assert any(p.parent.name == "tracks" for p in moved), "no usage batch held back"
    moved.append(_early_orphan(landing, held))

    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_AS_OF_DATE", "DBT_TARGET")}
    env.update(LIFECYCLE_LANDING_DIR=str(landing), LIFECYCLE_WAREHOUSE=str(warehouse))
    hash_marts = _hash_marts()

    _lifecycle(tmp, env, "load")
    _lifecycle(tmp, env, "dbt", "seed")
    _lifecycle(tmp, env, "dbt", "run")
    first_code = _incremental_models_code(tmp)
    refreshed_after_build = _usage_days_refreshed_after_the_health_build(warehouse)
    before = _events_by_day(warehouse)
    orphan_before = _orphan_status(warehouse)

    for path in moved:  # the last extract run arrives, then a backfill with two late events
        target = landing / path.relative_to(held)
        shutil.move(path, target)
    late_events, late_day, moved_from_day = _late_events(warehouse)
    backfill = landing / "usage" / "tracks" / "backfill-2026-01-02.jsonl"
    backfill.write_text("".join(json.dumps(e) + "\n" for e in late_events), encoding="utf-8")
    relinked, relinked_to = _relinked_workspace(warehouse, landing)
    _lifecycle(tmp, env, "load")
    _lifecycle(tmp, env, "dbt", "run")
    incremental_code = _incremental_models_code(tmp)
    after = _events_by_day(warehouse)
    orphan_after = _orphan_status(warehouse)
    relinked_account = _account_of(warehouse, relinked)
    incremental = hash_marts.table_hashes(warehouse, SCHEMAS)

    _lifecycle(tmp, env, "dbt", "run", "--full-refresh")
    refresh_code = _incremental_models_code(tmp)
    full = hash_marts.table_hashes(warehouse, SCHEMAS)
    return {
        "warehouse": warehouse,
        "first_code": first_code,
        "refreshed_after_build": refreshed_after_build,
        "incremental_code": incremental_code,
        "refresh_code": refresh_code,
        "before": before,
        "after": after,
        "late_day": late_day,
        "moved_from_day": moved_from_day,
        "incremental": incremental,
        "full": full,
        "orphan_before": orphan_before,
        "orphan_after": orphan_after,
        "relinked_account": relinked_account,
        "relinked_to": relinked_to,
    }


@pytest.mark.parametrize("model", list(INCREMENTAL_MARK))
def test_the_second_run_is_incremental_and_the_others_are_not(builds, model: str) -> None:
    mark = INCREMENTAL_MARK[model]
    assert mark not in builds["first_code"][model]  # the first build of a warehouse is a full one
    assert mark in builds["incremental_code"][model]
    assert mark not in builds["refresh_code"][model]


def test_a_build_record_is_not_earlier_than_the_rows_of_its_own_build(builds) -> None:
    # built_at to the second, against _refreshed_at to the microsecond, made every usage day the
    # same dbt invocation refreshed look refreshed since the build: the incremental run after a
    # cold build recomputed every week of the weekly health (35 s of 374 s at 50,000 accounts)
    assert builds["refreshed_after_build"] == 0


def test_the_incremental_run_adds_new_days_and_recomputes_a_day_it_had(builds) -> None:
    before, after = builds["before"], builds["after"]
    assert before and set(after) > set(before), "the last batches brought no new usage day"
    # a day already built gets a late event: it is recomputed, not skipped or appended to
    late_day, moved_from = builds["late_day"], builds["moved_from_day"]
    assert after[late_day] == before[late_day] + 1
    # the earlier delivery moved an event from its day to the day before: both are recomputed,
    # the first without a new load of its own (its staged count no longer matches the table)
    assert after[moved_from] == before[moved_from] - 1
    day_before = moved_from - timedelta(days=1)
    assert after[day_before] == before.get(day_before, 0) + 1


def test_an_event_whose_workspace_lands_later_is_reclassified(builds) -> None:
    assert builds["orphan_before"] == ("quarantined", "orphan_foreign_key")
    assert builds["orphan_after"] == ("staged", None)


def test_a_workspace_linked_to_another_account_moves_its_usage(builds) -> None:
    """The relinked workspace belongs to its new account after the incremental run (and the
    equality with --full-refresh below covers every day of its usage moving)."""
    assert builds["relinked_account"] == builds["relinked_to"]


def test_incremental_equals_full_refresh_for_every_table(builds) -> None:
    incremental, full = builds["incremental"], builds["full"]
    assert set(incremental) == set(full)
    usage_tables = {t for t in full if t.startswith("intermediate.int_") and "usage" in t}
    assert usage_tables >= {
        "intermediate.int_usage_user_daily",
        "intermediate.int_account_usage_daily",
        "intermediate.int_account_usage_spells",
    }
    assert all(full[t]["rows"] for t in usage_tables), "an empty usage model proves nothing"
    differ = sorted(t for t in full if incremental[t] != full[t])
    assert differ == [], f"incremental run differs from --full-refresh in {differ}"


def test_spells_match_a_day_by_day_recount_from_staging(builds) -> None:
    """An independent recount: for every account-day from the account's first usage day to
    as_of_date, the distinct users and value features of the trailing window, counted in Python
    straight from stg_usage__tracks, equal the values of the one spell covering that day."""
    con = duckdb.connect(str(builds["warehouse"]), read_only=True)
    try:
        (as_of,) = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()
        (window,) = con.execute(
            "select cast(value as integer) from seeds.thresholds where name = 'active_user_window_days'"
        ).fetchone()
        accounts = dict(
            con.execute(
                "select workspace_id, account_id from intermediate.int_workspace_accounts where account_id is not null"
            ).fetchall()
        )
        features = dict(con.execute("select event_name, feature from seeds.value_events").fetchall())
        events = con.execute(
            "select workspace_id, user_id, event_name, event_date from staging.stg_usage__tracks"
        ).fetchall()
        spells = con.execute(
            "select account_id, valid_from, valid_to, active_users_28d, value_features_28d "
            "from intermediate.int_account_usage_spells"
        ).fetchall()
    finally:
        con.close()
    users_on: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    features_on: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    first_day: dict[str, date] = {}
    for workspace_id, user_id, event_name, day in events:
        account = accounts.get(workspace_id)
        if account is None or day > as_of:
            continue
        first_day[account] = min(first_day.get(account, day), day)
        if user_id is not None:
            users_on[account][day].add(user_id)
        if event_name in features:
            features_on[account][day].add(features[event_name])
    by_account: dict[str, list[tuple]] = defaultdict(list)
    for account, valid_from, valid_to, active_users, value_features in spells:
        by_account[account].append((valid_from, valid_to, active_users, value_features))
    assert set(by_account) == set(first_day)

    checked, wrong = 0, []
    for account, day in first_day.items():
        while day <= as_of:
            trailing = [day - timedelta(days=k) for k in range(window)]
            users = set().union(*(users_on[account].get(d, set()) for d in trailing))
            used = set().union(*(features_on[account].get(d, set()) for d in trailing))
            covering = [s for s in by_account[account] if s[0] <= day and (s[1] is None or day < s[1])]
            if [(s[2], s[3]) for s in covering] != [(len(users), len(used))]:
                wrong.append((account, day, covering, len(users), len(used)))
            checked += 1
            day += timedelta(days=1)
    assert checked > 1000 and any(active > 1 for rows in by_account.values() for _, _, active, _ in rows)
    assert wrong == [], f"{len(wrong)} of {checked} account-days differ, e.g. {wrong[:3]}"


def test_build_passes_full_refresh_to_dbt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lifecycle build --full-refresh` (after editing seeds/value_events.csv) rebuilds the incremental models."""
    calls: list[list[str]] = []
    monkeypatch.setattr("lifecycle.dbt.run_dbt", lambda settings, args: calls.append(args) or 0)
    monkeypatch.setattr(
        "lifecycle.ltv_fit.run_ltv_fit", lambda warehouse, progress=None, config=None: calls.append(["fit"])
    )
    from lifecycle.loader import LoadReport

    monkeypatch.setattr(cli, "_load", lambda settings: LoadReport(files=[], seconds=0.0))
    monkeypatch.setattr(
        "lifecycle.summary.summary_lines", lambda warehouse, seconds=None, config=None, layouts=None: []
    )
    # a landing dir with a batch: `build` refuses an empty one before any work (exit 2)
    users = tmp_path / "crm" / "users"
    users.mkdir(parents=True)
    (users / "1.csv").write_text("id,full_name,email,role,is_active,_loaded_at\n", encoding="utf-8")
    monkeypatch.setenv("LIFECYCLE_LANDING_DIR", str(tmp_path))
    monkeypatch.setenv("LIFECYCLE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.delenv("LIFECYCLE_AS_OF_DATE", raising=False)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    assert cli.main(["build", "--full-refresh"]) == 0
    assert cli.main(["build", "--force"]) == 0  # nothing changed: without --force dbt is skipped
    no_unit_tests = ["--exclude-resource-type", "unit_test"]  # `make test` runs them, not builds
    after = ["source:ltv_fit+"]  # the models reading the LTV fit run after it (lifecycle/ltv_fit.py)
    assert calls == [
        ["build", "--full-refresh", *no_unit_tests, "--exclude", *after],
        ["fit"],
        ["build", "--full-refresh", *no_unit_tests, "--select", *after],
        ["build", *no_unit_tests, "--exclude", *after],
        ["fit"],
        ["build", *no_unit_tests, "--select", *after],
    ]
