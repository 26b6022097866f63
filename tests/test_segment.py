"""The segment layout: Segment's warehouse tables as they land (tracks, one table per event,
identifies, groups). Hand-written files in Segment's exact shape for the loader's part (the event
tables landed as one relation with their properties built back into JSON); the simulator's
Segment form; the adapters' own logic is in models/adapters/segment/_segment__unit_tests.yml."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lifecycle.connectors import LAYOUTS, tables_for
from lifecycle.connectors.family import EventFamily
from lifecycle.loader import discover, load_landing
from lifecycle.loader.base import FAILED, LOADED
from lifecycle.settings import Settings
from lifecycle.simulator import as_segment

T = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
R = datetime(2025, 3, 1, 6, 0, 2, tzinfo=UTC)


def _landing(tmp_path: Path) -> Path:
    """A Segment sync: two track calls, their Report Created table (one of them delivered twice:
    the redelivery at a later received_at), and the tables the layout does not read."""
    seg = tmp_path / "landing" / "segment"
    for folder in ("tracks", "report_created", "login", "pages", "users"):
        (seg / folder).mkdir(parents=True)
    later = datetime(2025, 3, 2, 6, 0, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "id": ["m1", "m2", "m1"],
                "anonymous_id": ["a1", "a1", "a1"],
                "user_id": ["u1", "u1", "u1"],
                "context_group_id": ["w1", "w1", "w1"],
                "context_library_name": ["analytics.js"] * 3,
                "event": ["Report Created", "Login", "Report Created"],
                "event_text": ["Report Created", "Login", "Report Created"],
                "original_timestamp": [T, T, T],
                "timestamp": [T, T, T],
                "sent_at": [T, T, T],
                "received_at": [R, R, later],
                "uuid_ts": [R, R, later],
                "loaded_at": [R, R, later],
            }
        ),
        seg / "tracks" / "2025-03-01.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "id": ["m1", "m1"],
                "user_id": ["u1", "u1"],
                "event": ["Report Created"] * 2,
                "context_ip": ["10.0.0.1"] * 2,
                "received_at": [R, later],
                "loaded_at": [R, later],
                "path": ["/reports", "/reports"],
                "object_id": [123, 123],
                "filters_region": ["emea", "emea"],  # {"filters": {"region": "emea"}} flattened
                "tags": ['["q1","board"]', '["q1","board"]'],  # an array, stringified
                "note": ["[draft", None],  # text that only starts like an array
                "is_public": [False, None],  # a null property is left out
                "shared_at": [T, T],
            }
        ),
        seg / "report_created" / "2025-03-01.parquet",
    )
    (seg / "login" / "2025-03-01.csv").write_text(
        "id,received_at,loaded_at,method,attempts,context_ip\n"
        "m2,2025-03-01T06:00:02Z,2025-03-01T06:00:02Z,sso,2,10.0.0.1\n"
    )
    (seg / "pages" / "2025-03-01.csv").write_text(
        "id,user_id,received_at,loaded_at,path,title,context_page_url\n"
        "p1,u1,2025-03-01T06:00:02Z,2025-03-01T06:00:02Z,/home,Home,https://app/home\n"
    )
    (seg / "users" / "2025-03-01.csv").write_text("id,received_at\nu1,2025-03-01T06:00:02Z\n")
    return tmp_path / "landing"


def test_every_other_folder_is_an_event_table_and_segments_own_unread_tables_are_named(
    tmp_path: Path,
) -> None:
    landing = _landing(tmp_path)
    found = discover(landing, layouts={"usage": "segment"})
    by_file = {f.batch_file: f.key for f in found.files}
    assert by_file == {
        "segment/login/2025-03-01.csv": "segment__event_properties",
        "segment/pages/2025-03-01.csv": "segment__pages",
        "segment/report_created/2025-03-01.parquet": "segment__event_properties",
        "segment/tracks/2025-03-01.parquet": "segment__tracks",
    }
    assert any("segment/users/ ignored: the segment layout does not read users" in n for n in found.notes)
    family = [t for t in tables_for({"usage": "segment"}) if isinstance(t, EventFamily)]
    assert [t.key for t in family] == ["segment__event_properties"]


def test_the_loader_builds_each_event_rows_properties_back_into_json(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    report = load_landing(landing, tmp_path / "wh.duckdb", progress=None, layouts={"usage": "segment"})
    assert {f.batch_file: f.status for f in report.files if f.source == "segment"} == {
        "segment/login/2025-03-01.csv": LOADED,
        "segment/pages/2025-03-01.csv": LOADED,
        "segment/report_created/2025-03-01.parquet": LOADED,
        "segment/tracks/2025-03-01.parquet": LOADED,
    }
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select id, received_at, properties, _batch_file, _row_number "
            "from raw.segment__event_properties order by _batch_file, _row_number"
        ).fetchall()
        tracks = con.execute("select count(*) from raw.segment__tracks").fetchone()
        pages = con.execute("select id, user_id, properties from raw.segment__pages").fetchall()
    finally:
        con.close()
    assert tracks == (3,)
    # a page call's properties are its columns too (its context is not)
    assert pages == [("p1", "u1", '{"path":"/home","title":"Home"}')]
    (login, first, second) = rows
    # CSV carries no types: every property is text
    assert login[:3] == ("m2", "2025-03-01T06:00:02Z", '{"method":"sso","attempts":"2"}')
    assert json.loads(first[2]) == {
        "path": "/reports",
        "object_id": 123,
        "filters_region": "emea",
        "tags": ["q1", "board"],
        "note": "[draft",
        "is_public": False,
        "shared_at": "2025-03-01T06:00:00Z",
    }
    assert list(json.loads(first[2])) == [
        "path",
        "object_id",
        "filters_region",
        "tags",
        "note",
        "is_public",
        "shared_at",
    ]  # file order; Segment's own columns (id, event, context_*, received_at, ...) are not properties
    assert json.loads(second[2]) == {
        "path": "/reports",
        "object_id": 123,
        "filters_region": "emea",
        "tags": ["q1", "board"],
        "shared_at": "2025-03-01T06:00:00Z",
    }
    assert (first[0], second[0]) == ("m1", "m1") and first[1] != second[1]  # a redelivery, later


def test_an_event_table_in_json_lines_is_refused_with_the_reason(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    (landing / "segment" / "login" / "2025-03-02.jsonl").write_text('{"id": "m9", "received_at": "x"}\n')
    report = load_landing(landing, tmp_path / "wh.duckdb", progress=None, layouts={"usage": "segment"})
    failed = {f.batch_file: f.error for f in report.files if f.status == FAILED}
    assert "Parquet or CSV" in (failed["segment/login/2025-03-02.jsonl"] or "")


def test_an_event_table_without_the_message_id_fails_alone(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    (landing / "segment" / "login" / "2025-03-03.csv").write_text("received_at,method\nx,sso\n")
    report = load_landing(landing, tmp_path / "wh.duckdb", progress=None, layouts={"usage": "segment"})
    failed = {f.batch_file: f.error for f in report.files if f.status == FAILED}
    assert list(failed) == ["segment/login/2025-03-03.csv"]
    assert "lacks the contract column id " in (failed["segment/login/2025-03-03.csv"] or "")


# -- the simulator's Segment form -----------------------------------------------------------------
def test_segment_form_flattens_properties_into_the_events_own_table() -> None:
    state = as_segment.State()
    rows = [
        {
            "message_id": "m1",
            "user_id": "u1",
            "anonymous_id": "d1",
            "workspace_id": "w1",
            "event": "Report Created",
            "timestamp": "2025-03-01T08:00:00.000+02:00",
            "received_at": "2025-03-01T06:00:01Z",
            "properties": '{"path":"/reports","filters":{"region":"emea"},"tags":["a"],"objectId":5}',
            "_loaded_at": "2025-03-01T07:00:00Z",
            "_batch_file": "usage/tracks/b1.jsonl.gz",
            "_row_number": 1,
        },
        {
            "message_id": "m2",
            "user_id": "u1",
            "anonymous_id": "d1",
            "workspace_id": "w1",
            "event": "Login",
            "timestamp": "2025-03-01T08:00:00.000+02:00",
            "received_at": "2025-03-01T06:00:01Z",
            "properties": '{"path":"/lo',  # truncated: Segment's API refuses such a call
            "_loaded_at": "2025-03-01T07:00:00Z",
            "_batch_file": "usage/tracks/b1.jsonl.gz",
            "_row_number": 2,
        },
    ]
    out = as_segment.convert("tracks", rows, state)
    assert [r["id"] for r in out["tracks"]] == ["m1"] and state.refused == 1
    (event,) = out["report_created"]
    assert event["context_group_id"] == "w1" and event["original_timestamp"] == rows[0]["timestamp"]
    assert {k: event[k] for k in ("path", "filters_region", "tags", "object_id")} == {
        "path": "/reports",
        "filters_region": "emea",
        "tags": '["a"]',
        "object_id": 5,
    }
    assert as_segment.event_table("Dashboard Shared") == "dashboard_shared"
    page = {**rows[0], "message_id": "m3", "event": "Page Viewed", "properties": '{"path":"/home"}'}
    out = as_segment.convert("tracks", [page], state)
    assert list(out) == ["pages"] and out["pages"][0]["path"] == "/home"  # a page call, not a track


def test_segment_form_of_users_and_workspaces() -> None:
    state = as_segment.State()
    user = {
        "user_id": "u1",
        "workspace_id": "w1",
        "email": "a@x.io",
        "role": "admin",
        "created_at": "2025-01-01T00:00:00Z",
        "deactivated_at": None,
        "_loaded_at": "2025-01-01T06:00:00Z",
        "_batch_file": "usage/users/b1.csv",
        "_row_number": 1,
    }
    (identify,) = as_segment.convert("users", [user], state)["identifies"]
    assert identify["user_id"] == "u1" and identify["context_group_id"] == "w1"
    workspace = {
        "workspace_id": "w1",
        "name": "Acme",
        "crm_account_id": "001A",
        "created_at": "2024-12-01T00:00:00Z",
        "_loaded_at": "2025-01-01T06:00:00Z",
        "_batch_file": "usage/workspaces/b1.csv",
        "_row_number": 1,
    }
    (group,) = as_segment.convert("workspaces", [workspace], state)["groups"]
    assert group["group_id"] == "w1" and group["user_id"] is None and group["crm_account_id"] == "001A"
    assert identify["id"] != group["id"]  # message ids are per call
    with pytest.raises(ValueError):
        as_segment.convert("accounts", [user], state)


def test_segment_is_the_usage_layout_with_its_options() -> None:
    layout = LAYOUTS["segment"]
    assert layout.source == "usage" and layout.loaded_at == "loaded_at"
    renamed = {
        t.name: t for t in layout.tables_for({"LIFECYCLE_SEGMENT_WORKSPACE_COLUMN": "context_workspace_id"})
    }
    assert "context_workspace_id" in renamed["tracks"].column_names
    assert "context_workspace_id" in renamed["identifies"].column_names


def test_event_tables_in_a_database_are_each_a_batch_of_the_family(tmp_path: Path) -> None:
    db = tmp_path / "warehouse_export.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema segment")
        con.execute(
            "create table segment.tracks as select 'm1' as id, 'Login' as event, "
            "timestamptz '2025-03-01 06:00:02+00' as received_at, timestamptz '2025-03-01 07:00:00+00' as loaded_at"
        )
        con.execute(
            "create table segment.login as select 'm1' as id, timestamptz '2025-03-01 06:00:02+00' as received_at, "
            "'sso' as method, 3 as attempts, '10.0.0.1' as context_ip"
        )
        con.execute("create table segment.users as select 'u1' as id")  # Segment's own: not a member
    finally:
        con.close()
    s = Settings.from_env({"LIFECYCLE_USAGE_LAYOUT": "segment", "LIFECYCLE_SEGMENT_DATABASE": str(db)})
    landing = tmp_path / "landing"
    landing.mkdir()
    report = load_landing(
        landing, tmp_path / "wh.duckdb", progress=None, layouts=s.layouts, databases=s.databases()
    )
    status = {f.batch_file: f.status for f in report.files}
    assert status[f"duckdb:{db}#segment.login"] == LOADED
    assert f"duckdb:{db}#segment.users" not in status
    wh = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        rows = wh.execute("select id, properties, _batch_file from raw.segment__event_properties").fetchall()
    finally:
        wh.close()
    assert rows == [("m1", '{"method":"sso","attempts":3}', f"duckdb:{db}#segment.login")]


def test_the_spark_engine_refuses_a_segment_database_in_one_line(tmp_path: Path) -> None:
    from lifecycle.loader.base import LoaderError
    from lifecycle.loader.database import DatabaseSource
    from lifecycle.loader.spark_loader import SparkLoader

    family = next(t for t in LAYOUTS["segment"].tables if isinstance(t, EventFamily))
    loader = SparkLoader(duckdb.connect(), tmp_path / "raw", None)  # type: ignore[arg-type]
    with pytest.raises(LoaderError, match="DuckDB engine only"):
        loader.database_members(family, DatabaseSource(tmp_path / "segment.duckdb", "segment"))
