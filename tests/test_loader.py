"""The ingestion loader: landing batch files -> raw.<source>__<table> (every value as text)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lifecycle.contract import BY_KEY, TABLES
from lifecycle.loader import (
    CHANGED,
    FAILED,
    LOADED,
    SKIPPED,
    DuckDBLoader,
    LoaderError,
    load_landing,
    raw_row_counts,
)

T0 = "2025-01-31T06:00:00Z"


# -- helpers ---------------------------------------------------------------------------------------
def write_csv(path: Path, header: list[str], rows: list[list[str]], *, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_jsonl(path: Path, records: list[dict], *, gz: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if gz:
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_parquet(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def load(landing: Path, wh: Path, **kw):
    kw.setdefault("progress", None)
    return load_landing(landing, wh, **kw)


def rows(wh: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def counts(wh: Path) -> dict[str, int]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return raw_row_counts(con)
    finally:
        con.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    d = tmp_path / "landing"
    d.mkdir()
    return d


@pytest.fixture
def wh(tmp_path: Path) -> Path:
    return tmp_path / "out" / "warehouse.duckdb"


USERS = ["id", "full_name", "email", "role", "is_active", "_loaded_at"]


# -- raw layer shape -------------------------------------------------------------------------------
def test_empty_landing_dir_creates_every_raw_table_with_contract_columns(landing, wh):
    report = load(landing, wh)
    assert report.ok and report.files == [] and report.errors == []
    assert wh.exists()
    con = duckdb.connect(str(wh), read_only=True)
    for t in TABLES:
        cols = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = ? order by ordinal_position",
            [t.key],
        ).fetchall()
        assert cols == [(c, "VARCHAR") for c in t.column_names] + [
            ("_batch_file", "VARCHAR"),
            ("_row_number", "BIGINT"),
        ], t.key
    manifest_cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = '_load_manifest' order by ordinal_position"
        ).fetchall()
    ]
    con.close()
    assert manifest_cols == [
        "source_name",
        "table_name",
        "batch_file",
        "file_format",
        "size_bytes",
        "sha256",
        "rows",
        "status",
        "error",
        "loaded_at_utc",
        "load_seconds",
        "modified_ns",
    ]
    assert counts(wh) == {t.key: 0 for t in TABLES}


def test_missing_landing_dir_is_a_clear_error(tmp_path, wh):
    with pytest.raises(LoaderError, match="does not exist"):
        load(tmp_path / "nope", wh)
    with pytest.raises(LoaderError, match="unknown raw table"):
        load(tmp_path, wh, tables=["crm__nope"])
    with pytest.raises(LoaderError, match="warehouse path or an open DuckDB connection"):
        load_landing(tmp_path, None, progress=None)


# -- CSV -------------------------------------------------------------------------------------------
def test_csv_quoting_newlines_non_ascii_nulls_lineage(landing, wh):
    write_csv(
        landing / "crm/users/2025-01-31.csv",
        USERS,
        [
            ["005A", 'Anna "the boss" Müller, PhD', "anna@x.example", "manager", "true", T0],
            ["005B", "line one\nline two", "", "account_executive", "TRUE", T0],
            ["005C", "東京 太郎", "t@x.example", "", "1", ""],
        ],
        newline="\r\n",
    )
    report = load(landing, wh)
    assert report.ok and [f.status for f in report.files] == [LOADED]
    assert report.rows_by_table()["crm__users"] == 3
    got = rows(wh, "select * from raw.crm__users order by _row_number")
    assert got == [
        (
            "005A",
            'Anna "the boss" Müller, PhD',
            "anna@x.example",
            "manager",
            "true",
            T0,
            "crm/users/2025-01-31.csv",
            1,
        ),
        ("005B", "line one\nline two", None, "account_executive", "TRUE", T0, "crm/users/2025-01-31.csv", 2),
        ("005C", "東京 太郎", "t@x.example", None, "1", None, "crm/users/2025-01-31.csv", 3),
    ]


def test_csv_extra_columns_ignored_order_shuffled_nullable_missing_columns_null(landing, wh):
    write_csv(
        landing / "usage/workspaces/b1.csv",
        # no name, no crm_account_id (both nullable); Workspace_ID in another case
        ["_loaded_at", "extra_col", "created_at", "Workspace_ID"],
        [[T0, "junk", "2024-01-01", "ws1"], [T0, "junk", "", "ws2"]],
    )
    report = load(landing, wh)
    assert report.ok and [f.status for f in report.files] == [LOADED]
    # the nullable columns it lacks are NULL, and said so once
    assert report.warnings == [
        "usage/workspaces/b1.csv lacks the nullable contract columns name, crm_account_id: loaded as NULL"
    ]
    assert rows(wh, "select * from raw.usage__workspaces order by _row_number") == [
        ("ws1", None, None, "2024-01-01", T0, "usage/workspaces/b1.csv", 1),
        ("ws2", None, None, None, T0, "usage/workspaces/b1.csv", 2),
    ]


def _full_row(table_key: str, i: int) -> dict[str, str]:
    return {c: f"{c}-{i}" for c in BY_KEY[table_key].column_names}


def test_a_file_without_a_required_contract_column_fails_the_others_load(landing, wh):
    """CSV and Parquet files carry a header: one without a key, _loaded_at or another non-nullable
    column is not loaded (failed, named, retried); files of the same table with every required
    column still load, in groups; JSON lines have no header, a missing key is a per-row matter."""
    accounts = BY_KEY["crm__accounts"].column_names
    no_id = [c for c in accounts if c not in ("id", "_loaded_at")]
    for name in ("2025-03-01.csv", "2025-03-02.csv", "2025-03-03.csv"):  # one header: one group
        write_csv(landing / "crm/accounts" / name, no_id, [[f"{c}-x" for c in no_id]])
    for i in range(3):  # good files, read as another group
        row = _full_row("crm__accounts", i)
        write_csv(landing / f"crm/accounts/good-{i}.csv", list(row), [list(row.values())])
    refunds = [c for c in BY_KEY["billing__refunds"].column_names if c != "_loaded_at"]
    write_csv(landing / "billing/refunds/r.csv", refunds, [[f"{c}-1" for c in refunds]])
    users = [c for c in USERS if c != "role"]
    write_parquet(landing / "crm/users/u.parquet", pa.table({c: ["v"] for c in users}))
    write_jsonl(landing / "billing/refunds/r.jsonl", [{"amount": "1"}])  # no id: loads, per-row rule
    report = load(landing, wh)
    assert report.ok  # failed files are warnings
    status = {f.batch_file: (f.status, f.rows, f.error) for f in report.files}
    why = "(a batch file must carry every required column; see docs/raw_contract.md)"
    for day in ("01", "02", "03"):
        path = f"crm/accounts/2025-03-{day}.csv"
        assert status.pop(path) == (FAILED, 0, f"{path} lacks the contract columns id, _loaded_at {why}")
    assert status.pop("billing/refunds/r.csv") == (
        FAILED,
        0,
        f"billing/refunds/r.csv lacks the contract column _loaded_at {why}",
    )
    assert status.pop("crm/users/u.parquet") == (
        FAILED,
        0,
        f"crm/users/u.parquet lacks the contract column role {why}",
    )
    assert status == {
        **{f"crm/accounts/good-{i}.csv": (LOADED, 1, None) for i in range(3)},
        "billing/refunds/r.jsonl": (LOADED, 1, None),
    }
    assert rows(wh, "select id from raw.crm__accounts order by id") == [(f"id-{i}",) for i in range(3)]
    assert rows(wh, "select id, amount from raw.billing__refunds") == [(None, "1")]
    assert counts(wh)["crm__users"] == 0
    assert sum("could not be loaded (will be retried next run)" in w for w in report.warnings) == 5
    assert rows(
        wh, "select batch_file, error from raw._load_manifest where status = 'failed' order by 1"
    ) == [
        ("billing/refunds/r.csv", f"billing/refunds/r.csv lacks the contract column _loaded_at {why}"),
        *[
            (
                f"crm/accounts/2025-03-0{d}.csv",
                f"crm/accounts/2025-03-0{d}.csv lacks the contract columns id, _loaded_at {why}",
            )
            for d in (1, 2, 3)
        ],
        ("crm/users/u.parquet", f"crm/users/u.parquet lacks the contract column role {why}"),
    ]
    # retried next run: a fixed file loads, the others fail again
    write_csv(
        landing / "billing/refunds/r.csv", [*refunds, "_loaded_at"], [[*(f"{c}-1" for c in refunds), T0]]
    )
    again = {f.batch_file: f.status for f in load(landing, wh).files}
    assert again["billing/refunds/r.csv"] == LOADED and again["crm/accounts/2025-03-01.csv"] == FAILED
    assert again["crm/accounts/good-0.csv"] == SKIPPED


def test_a_contract_column_twice_in_a_header_fails_naming_it(landing, wh):
    """Which of two `email` columns (or `id` and `ID`) carries the value is ambiguous: the file is
    rejected. A repeated column the contract does not know is ignored, as any extra column."""
    d = landing / "crm/users"
    write_csv(d / "twice.csv", [*USERS, "Email"], [["a", "A", "a@x", "r", "true", T0, "b@x"]])
    write_parquet(d / "twice.parquet", pa.Table.from_arrays([pa.array(["a"])] * 7, names=[*USERS, "ID"]))
    write_csv(d / "extra_twice.csv", [*USERS, "note", "note"], [["c", "C", "", "r", "true", T0, "1", "2"]])
    report = load(landing, wh)
    status = {f.batch_file: (f.status, f.error) for f in report.files}
    why = "(a batch file carries each column once; see docs/raw_contract.md)"
    assert status == {
        "crm/users/extra_twice.csv": (LOADED, None),
        "crm/users/twice.csv": (
            FAILED,
            f"crm/users/twice.csv has the contract column email 2 times (email, Email): "
            f"which one to load is ambiguous {why}",
        ),
        "crm/users/twice.parquet": (
            FAILED,
            f"crm/users/twice.parquet has the contract column id 2 times (id, ID): "
            f"which one to load is ambiguous {why}",
        ),
    }
    assert rows(wh, "select id from raw.crm__users") == [("c",)]


def test_row_numbers_follow_file_order_in_a_large_file(landing, wh):
    n = 60_000
    write_csv(
        landing / "crm/users/big.csv",
        USERS,
        [[str(i), f"n{i}", "", "r", "true", T0] for i in range(1, n + 1)],
    )
    write_jsonl(
        landing / "usage/workspaces/big.jsonl.gz",
        [{"workspace_id": str(i), "_loaded_at": T0} for i in range(1, n + 1)],
        gz=True,
    )
    assert load(landing, wh).ok
    for table, key in (("crm__users", "id"), ("usage__workspaces", "workspace_id")):
        bad, total, lo, hi = rows(
            wh,
            f"select count(*) filter (where cast({key} as bigint) <> _row_number), count(*), "
            f"min(_row_number), max(_row_number) from raw.{table}",
        )[0]
        assert (bad, total, lo, hi) == (0, n, 1, n), table


# -- JSON lines ------------------------------------------------------------------------------------
def test_jsonl_and_gz_native_types_become_text(landing, wh):
    rec = {
        "message_id": "m1",
        "user_id": "u1",
        "anonymous_id": "",
        "event": "Report Created",
        "timestamp": "2024-05-22T10:00:00+02:00",
        "received_at": "2024-05-22T08:00:02Z",
        "properties": {"report_type": "pipeline", "n": [1, 2], "ok": True, "city": "Zürich"},
        "_loaded_at": T0,
        "unknown": 1,
    }
    write_jsonl(landing / "usage/tracks/a.jsonl", [rec, {**rec, "message_id": "m2", "properties": None}])
    write_jsonl(
        landing / "usage/tracks/b.jsonl.gz", [{**rec, "message_id": "m3", "properties": "{not json"}], gz=True
    )
    write_jsonl(
        landing / "billing/prices/p.jsonl",
        [
            {
                "id": "price_1",
                "unit_amount": 1999,
                "active": True,
                "recurring_interval_count": None,
                "nickname": "",
            }
        ],
    )
    report = load(landing, wh)
    assert report.ok and report.count(LOADED) == 3
    got = rows(
        wh, "select message_id, anonymous_id, properties, _batch_file, _row_number from raw.usage__tracks"
    )
    props = {r[0]: r[2] for r in got}
    assert json.loads(props["m1"]) == rec["properties"]
    assert props["m2"] is None and props["m3"] == "{not json"
    assert sorted((r[0], r[1], r[3], r[4]) for r in got) == [
        ("m1", None, "usage/tracks/a.jsonl", 1),
        ("m2", None, "usage/tracks/a.jsonl", 2),
        ("m3", None, "usage/tracks/b.jsonl.gz", 1),
    ]
    assert rows(
        wh, "select id, unit_amount, active, recurring_interval_count, nickname from raw.billing__prices"
    ) == [("price_1", "1999", "true", None, None)]


# -- Parquet ---------------------------------------------------------------------------------------
def test_parquet_native_types_and_timestamp_round_trip(landing, wh):
    instant = datetime(2025, 3, 1, 6, 7, 8, 123456, tzinfo=UTC)
    table = pa.table(
        {
            "is_deleted": pa.array([True, False, None]),
            "employee_count": pa.array([120, -3, None], pa.int64()),
            "id": ["001A", "001B", "001C"],
            "name": ["Müller GmbH", "", None],
            "owner_user_id": ["u1", "u1", "u1"],
            "created_at": pa.array([instant, instant, None], pa.timestamp("us", tz="UTC")),
            "updated_at": pa.array([instant.replace(tzinfo=None)] * 3, pa.timestamp("ns")),  # naive = UTC
            "_loaded_at": pa.array([instant] * 3, pa.timestamp("ms", tz="Europe/Berlin")),
            "ignored_extra": [1.5, 2.5, 3.5],
        }
    )
    write_parquet(landing / "crm/accounts/2025-03-01.parquet", table)
    con = duckdb.connect()
    con.execute("set TimeZone = 'America/New_York'")  # the caller's setting is restored afterwards
    report = load_landing(landing, con=con, progress=None)
    assert report.ok
    assert con.execute("select current_setting('TimeZone')").fetchall() == [("America/New_York",)]
    con.execute("set TimeZone = 'UTC'")
    got = con.execute(
        "select id, name, is_deleted, employee_count, created_at, updated_at, _loaded_at, "
        "try_cast(created_at as timestamptz) = ?, try_cast(updated_at as timestamptz) = ?, "
        "try_cast(_loaded_at as timestamptz) = ?, _batch_file, _row_number "
        "from raw.crm__accounts order by _row_number",
        [instant, instant, instant.replace(microsecond=123000)],
    ).fetchall()
    assert [r[:4] for r in got] == [
        ("001A", "Müller GmbH", "true", "120"),
        ("001B", None, "false", "-3"),
        ("001C", None, None, None),
    ]
    assert got[0][4] == "2025-03-01T06:07:08.123456Z"
    assert [r[7:10] for r in got] == [(True, True, True), (True, True, True), (None, True, True)]
    assert [r[10:] for r in got] == [("crm/accounts/2025-03-01.parquet", i) for i in (1, 2, 3)]
    con.close()


def test_mixed_formats_in_one_table(landing, wh):
    d = landing / "crm/users"
    write_csv(d / "1.csv", USERS, [["a", "A", "", "r", "true", T0], ["b", "B", "", "r", "false", T0]])
    write_jsonl(d / "2.jsonl", [{"id": "c", "is_active": False}])
    write_jsonl(d / "3.jsonl.gz", [{"id": "d"}, {"id": "e"}], gz=True)
    write_parquet(
        d / "4.parquet",
        pa.table(
            {
                "id": ["f"],
                "full_name": ["F"],
                "email": ["f@x"],
                "role": ["r"],
                "is_active": [True],
                "_loaded_at": [T0],
            }
        ),
    )
    report = load(landing, wh)
    assert report.ok and report.rows_by_table()["crm__users"] == 6
    assert rows(
        wh, "select id, is_active, _batch_file, _row_number from raw.crm__users order by _batch_file, 4"
    ) == [
        ("a", "true", "crm/users/1.csv", 1),
        ("b", "false", "crm/users/1.csv", 2),
        ("c", "false", "crm/users/2.jsonl", 1),
        ("d", None, "crm/users/3.jsonl.gz", 1),
        ("e", None, "crm/users/3.jsonl.gz", 2),
        ("f", "true", "crm/users/4.parquet", 1),
    ]


def test_header_only_and_zero_byte_files_are_zero_rows(landing, wh):
    d = landing / "billing/refunds"
    refunds = list(BY_KEY["billing__refunds"].column_names)
    write_csv(d / "header_only.csv", refunds, [])
    (d / "no_newline.csv").write_text(",".join(refunds), encoding="utf-8")
    for name in ("zero.csv", "zero.jsonl", "zero.jsonl.gz", "zero.parquet"):
        (d / name).write_bytes(b"")
    write_jsonl(d / "empty_gz.jsonl.gz", [], gz=True)
    report = load(landing, wh)
    assert report.ok and report.warnings == []
    assert [f.status for f in report.files] == [LOADED] * 7
    assert counts(wh)["billing__refunds"] == 0
    assert rows(wh, "select count(*), sum(rows) from raw._load_manifest where status = 'loaded'") == [(7, 0)]


# -- incremental -----------------------------------------------------------------------------------
def test_rerun_loads_nothing_and_a_new_file_adds_only_its_rows(landing, wh):
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    write_jsonl(landing / "usage/tracks/1.jsonl", [{"message_id": "m1"}, {"message_id": "m1"}])
    first = load(landing, wh)
    assert first.rows_by_table() == {"crm__users": 1, "usage__tracks": 2}
    before = counts(wh)

    second = load(landing, wh)
    assert second.ok and {f.status for f in second.files} == {SKIPPED}
    assert sum(second.rows_by_table().values()) == 0
    assert counts(wh) == before

    write_csv(
        landing / "crm/users/2.csv", USERS, [["b", "B", "", "r", "true", T0], ["c", "C", "", "r", "t", T0]]
    )
    third = load(landing, wh)
    assert {f.batch_file: f.status for f in third.files} == {
        "crm/users/1.csv": SKIPPED,
        "crm/users/2.csv": LOADED,
        "usage/tracks/1.jsonl": SKIPPED,
    }
    after = counts(wh)
    assert after["crm__users"] == 3 and after["usage__tracks"] == 2
    assert rows(wh, "select count(*) from raw._load_manifest") == [(3,)]


def test_a_file_unchanged_in_size_and_time_is_skipped_unread(landing, wh, monkeypatch):
    from lifecycle.loader import manifest

    f = write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    load(landing, wh)
    read: list[str] = []
    real = manifest.sha256_of
    monkeypatch.setattr(manifest, "sha256_of", lambda path: read.append(path.name) or real(path))
    assert [r.status for r in load(landing, wh).files] == [SKIPPED]
    assert read == []  # not even checksummed
    # the same size, other content, the old modification time: only a verifying run reads it
    stat = f.stat()
    f.write_text(f.read_text(encoding="utf-8").replace("A", "B"), encoding="utf-8")
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert f.stat().st_size == stat.st_size
    assert [r.status for r in load(landing, wh).files] == [SKIPPED] and read == []
    assert [r.status for r in load(landing, wh, verify=True).files] == [CHANGED]
    assert read == ["1.csv"]


def test_a_touched_or_previously_loaded_file_is_checksummed_once_then_skipped_unread(
    landing, wh, monkeypatch
):
    from lifecycle.loader import manifest

    f = write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    load(landing, wh)
    con = duckdb.connect(str(wh))  # as a manifest written before modification times were kept
    con.execute("alter table raw._load_manifest drop column modified_ns")
    con.close()
    os.utime(f, ns=(f.stat().st_atime_ns, f.stat().st_mtime_ns + 10**9))  # touched, same content
    read: list[str] = []
    real = manifest.sha256_of
    monkeypatch.setattr(manifest, "sha256_of", lambda path: read.append(path.name) or real(path))
    assert [r.status for r in load(landing, wh).files] == [SKIPPED] and read == ["1.csv"]
    assert rows(wh, "select modified_ns from raw._load_manifest") == [(f.stat().st_mtime_ns,)]
    assert [r.status for r in load(landing, wh).files] == [SKIPPED] and read == ["1.csv"]


def test_changed_file_under_a_loaded_name_is_an_error_without_double_count(landing, wh):
    f = write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    load(landing, wh)
    (old_sha,) = rows(wh, "select sha256 from raw._load_manifest")[0]
    write_csv(f, USERS, [["a", "A2", "", "r", "true", T0], ["b", "B", "", "r", "true", T0]])
    write_csv(landing / "crm/users/2.csv", USERS, [["c", "C", "", "r", "true", T0]])
    report = load(landing, wh)
    assert not report.ok
    assert [r.status for r in report.files] == [CHANGED, LOADED]  # everything else still loads
    (msg,) = report.errors
    new_sha = hashlib.sha256(f.read_bytes()).hexdigest()
    assert "crm/users/1.csv" in msg and old_sha in msg and new_sha in msg
    assert rows(wh, "select id, full_name from raw.crm__users order by id") == [("a", "A"), ("c", "C")]
    # the manifest still describes what was loaded; the next run reports it again
    assert rows(wh, "select sha256 from raw._load_manifest where batch_file = 'crm/users/1.csv'") == [
        (old_sha,)
    ]
    assert not load(landing, wh).ok


def test_unparseable_files_fail_are_reported_and_retried(landing, wh):
    d = landing / "crm/users"
    write_csv(d / "good.csv", USERS, [["a", "A", "", "r", "true", T0]])
    (d / "garbage.parquet").write_bytes(b"this is not parquet at all" * 10)
    (d / "broken.jsonl").write_text('{"id": "x"}\n{"id": \n', encoding="utf-8")
    header = ",".join(USERS)
    (d / "ragged.csv").write_text(f"{header}\n1,a,e,r,t,{T0}\n2,b,e,r,t,{T0},c\n", encoding="utf-8")
    (d / "latin1.csv").write_bytes(f"{header}\n1,M\xfcller,e,r,t,{T0}\n".encode("latin-1"))
    (d / "array.jsonl").write_text('{"id": "y"}\n[1, 2]\n', encoding="utf-8")
    report = load(landing, wh)
    assert report.ok  # failed files are warnings, not errors
    status = {f.batch_file.rsplit("/", 1)[1]: f.status for f in report.files}
    assert status == {
        "array.jsonl": FAILED,
        "broken.jsonl": FAILED,
        "garbage.parquet": FAILED,
        "good.csv": LOADED,
        "latin1.csv": FAILED,
        "ragged.csv": FAILED,
    }
    assert len(report.warnings) == 5
    for w in report.warnings:
        assert "could not be loaded" in w and "crm/users/" in w
    assert any("not utf-8" in w.lower() for w in report.warnings)
    assert any("Expected Number of Columns" in w for w in report.warnings)
    # nothing of the failed files reached raw (each file is one transaction)
    assert rows(wh, "select id from raw.crm__users") == [("a",)]
    failed = rows(wh, "select batch_file, error from raw._load_manifest where status = 'failed' order by 1")
    assert len(failed) == 5 and all(err for _, err in failed)

    # retried next run: still failing ones fail again (one manifest row each), fixed ones load
    write_csv(d / "ragged.csv", USERS, [["1", "a", "e", "r", "t", T0], ["2", "b", "e", "r", "t", T0]])
    again = load(landing, wh)
    status = {f.batch_file.rsplit("/", 1)[1]: f.status for f in again.files}
    assert (
        status["ragged.csv"] == LOADED
        and status["garbage.parquet"] == FAILED
        and status["good.csv"] == SKIPPED
    )
    assert rows(wh, "select count(*) from raw.crm__users") == [(3,)]
    assert rows(wh, "select status, count(*) from raw._load_manifest group by 1 order by 1") == [
        ("failed", 4),
        ("loaded", 2),
    ]


# -- discovery -------------------------------------------------------------------------------------
def test_stray_files_and_unknown_folders_are_ignored_with_notes(landing, wh):
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    (landing / "crm/users/README").write_text("hello", encoding="utf-8")
    (landing / "crm/leads").mkdir()
    (landing / "hubspot/deals").mkdir(parents=True)
    (landing / "notes.txt").write_text("x", encoding="utf-8")
    report = load(landing, wh)
    assert report.ok and [f.batch_file for f in report.files] == ["crm/users/1.csv"]
    text = "\n".join(report.warnings)
    for needle in ("crm/users/README", "crm/leads", "hubspot", "notes.txt"):
        assert needle in text, needle


def test_hidden_files_and_folders_are_not_batches_and_skipped_silently(landing, wh):
    """Dot-files: the simulator's .simulator.json, .DS_Store, a landing tool's .name.csv.tmp."""
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    (landing / ".simulator.json").write_text("{}", encoding="utf-8")
    (landing / ".cache").mkdir()
    (landing / "crm/.hidden_table").mkdir()
    (landing / "crm/users/.DS_Store").write_bytes(b"\0\1")
    write_csv(landing / "crm/users/.2.csv", USERS, [["b", "B", "", "r", "true", T0]])
    write_csv(landing / "crm/users/.partial/3.csv", USERS, [["c", "C", "", "r", "true", T0]])
    report = load(landing, wh)
    assert report.ok and [f.batch_file for f in report.files] == ["crm/users/1.csv"]
    assert report.warnings == [], report.warnings
    assert counts(wh)["crm__users"] == 1


def test_has_batches_sees_batches_in_sub_folders_and_ignores_the_rest(landing):
    from lifecycle.loader import has_batches

    assert not has_batches(landing.parent / "nowhere")
    assert not has_batches(landing)  # empty
    (landing / ".simulator.json").write_text("{}", encoding="utf-8")
    (landing / "crm/users").mkdir(parents=True)
    (landing / "crm/users/README").write_text("not a batch", encoding="utf-8")
    (landing / "hubspot/deals").mkdir(parents=True)
    write_csv(landing / "hubspot/deals/1.csv", ["id"], [["x"]])  # not a contract table
    assert not has_batches(landing)
    write_jsonl(landing / "usage/tracks/2025/03/01.jsonl", [{"message_id": "m1"}])
    assert has_batches(landing)


def test_table_subset_loads_only_those_tables(landing, wh):
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    write_jsonl(landing / "usage/tracks/1.jsonl", [{"message_id": "m1"}])
    report = load(landing, wh, tables=["usage__tracks"])
    assert [f.batch_file for f in report.files] == ["usage/tracks/1.jsonl"]
    assert counts(wh)["crm__users"] == 0 and counts(wh)["usage__tracks"] == 1
    assert load(landing, wh).rows_by_table() == {"crm__users": 1, "usage__tracks": 0}


def test_progress_lines_and_summary(landing, wh):
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    (landing / "crm/users/bad.parquet").write_bytes(b"nope")
    lines: list[str] = []
    report = load_landing(landing, wh, progress=lines.append)
    assert sum("crm__users" in line and "new    1" in line and "failed   1" in line for line in lines) == 1
    assert sum(line.lstrip().startswith(tuple(BY_KEY)) for line in lines) == len(TABLES)
    assert lines[-1].startswith("load: 1 new files (1 rows)")
    assert report.lines()[-1] == lines[-1] or report.lines()[-1].startswith("load: 1 new files")
    assert any("bad.parquet failed" in line for line in lines)


def test_reused_connection_stays_usable(landing):
    write_csv(landing / "crm/users/1.csv", USERS, [["a", "A", "", "r", "true", T0]])
    con = duckdb.connect()
    report = load_landing(landing, con=con, progress=None)
    assert report.ok
    assert con.sql("select count(*) from raw.crm__users").fetchall() == [(1,)]
    assert raw_row_counts(con)["crm__users"] == 1
    con.close()


def test_older_raw_table_is_reshaped_to_the_contract(landing, wh):
    wh.parent.mkdir(parents=True)
    con = duckdb.connect(str(wh))
    con.execute("create schema raw")
    con.execute(
        "create table raw.crm__users (id varchar, email varchar, retired varchar, "
        "_batch_file varchar, _row_number bigint)"
    )
    con.execute("insert into raw.crm__users values ('old', 'o@x', 'r', 'crm/users/0.csv', 1)")
    con.close()
    report = load(landing, wh)
    assert any("reshaped" in n and "retired" in n for n in report.notes)
    assert rows(wh, "select * from raw.crm__users") == [
        ("old", None, "o@x", None, None, None, "crm/users/0.csv", 1)
    ]


def test_loader_protocol_is_engine_neutral():
    from lifecycle.loader import Loader

    loader: Loader = DuckDBLoader(duckdb.connect())
    assert loader.engine == "duckdb"


# -- a landing dir with every contract table ----------------------------------------------------
def _every_table(out: Path) -> dict[str, int]:
    """One CSV per contract table, made from lifecycle/contract.py: two rows each (tracks: three),
    the second row with empty values; returns the rows written per table key."""
    written = {}
    for t in TABLES:
        n = 3 if t.key == "usage__tracks" else 2
        rows_ = [
            [f"{c}-{i}" if i == 0 or c in t.primary_key else "" for c in t.column_names] for i in range(n)
        ]
        write_csv(out / t.source / t.name / "2025-01-31.csv", list(t.column_names), rows_)
        written[t.key] = n
    return written


def test_every_contract_table_loads_from_one_landing_dir(tmp_path, wh):
    out = tmp_path / "every_table"
    written = _every_table(out)
    report = load(out, wh)
    assert report.ok and report.warnings == [] and report.count(LOADED) == len(TABLES)
    assert counts(wh) == written
    # empty CSV values are NULL in raw; the first row keeps its text
    assert rows(wh, "select csm_user_id from raw.crm__accounts order by id") == [("csm_user_id-0",), (None,)]


# -- many small files (read in groups) -------------------------------------------------------------
def test_many_small_files_keep_per_file_lineage_and_isolate_a_bad_one(landing, wh):
    d = landing / "usage/tracks"
    clocks = ["timestamp", "received_at", "_loaded_at"]  # required: every file carries them
    times = [T0, T0, T0]
    for i in range(120):
        header = ["message_id", "event", *clocks] if i % 2 else ["event", "message_id", "extra", *clocks]
        rows_ = [
            [f"m{i}_{k}", "e", *times] if i % 2 else ["e", f"m{i}_{k}", "x", *times] for k in range(i % 4)
        ]
        write_csv(d / f"{i:04}.csv", header, rows_)
    (d / "0050.csv").write_text(  # in a group
        f"message_id,event,{','.join(clocks)}\nm50_0,e,{','.join(times)}\nm50_1,e,{','.join(times)},boom\n",
        encoding="utf-8",
    )
    for i in range(30):
        ids = [f"p{i}_{k}" for k in range(i % 3)]
        write_parquet(
            d / f"p{i:03}.parquet",
            pa.table({"message_id": ids, "event": ["e"] * len(ids), **{c: [T0] * len(ids) for c in clocks}}),
        )
    write_csv(
        d / "virtual.csv",
        ["message_id", "filename", "file_index", "event", *clocks],
        [["v_0", "f", "9", "e", *times], ["v_1", "f", "9", "e", *times]],
    )
    report = load(landing, wh)
    status = {f.batch_file: f.status for f in report.files}
    assert status.pop("usage/tracks/0050.csv") == FAILED
    assert set(status.values()) == {LOADED} and len(status) == 150
    expected = sum(i % 4 for i in range(120) if i != 50) + sum(i % 3 for i in range(30)) + 2
    assert report.rows_by_table()["usage__tracks"] == expected
    # every row knows its file and position: message_id encodes both
    got = rows(wh, "select message_id, _batch_file, _row_number from raw.usage__tracks")
    assert len(got) == expected
    for message_id, batch_file, row_number in got:
        if batch_file.endswith("virtual.csv"):
            continue
        stem = batch_file.rsplit("/", 1)[1].split(".")[0]
        prefix = "p" if stem.startswith("p") else "m"
        assert message_id == f"{prefix}{int(stem.lstrip('p'))}_{row_number - 1}", (message_id, batch_file)
    assert rows(
        wh, "select message_id, _row_number from raw.usage__tracks where _batch_file like '%virtual.csv'"
    ) == [
        ("v_0", 1),
        ("v_1", 2),
    ]
    per_file = dict(rows(wh, "select batch_file, rows from raw._load_manifest where status = 'loaded'"))
    assert per_file["usage/tracks/0007.csv"] == 3 and per_file["usage/tracks/p029.parquet"] == 2
    assert sum(per_file.values()) == expected
