"""The serving layer BI reads: DuckDB 1.x opens it, and no personal data ever reaches it.

- **Storage format.** The warehouse is written by DuckDB 2.x in its own format, which DuckDB 1.x
  cannot read; the published serving file carries the 1.0 storage format. Proved twice: by the tag
  DuckDB reports, and by an actual DuckDB 1.x client (installed apart from the project into
  ``.venv/duckdb1`` by ``make``) opening the published file of a real pipeline run and reading
  every table.
- **Personal data.** Contacts' names and e-mails, billing customers' and product users' e-mails,
  staff e-mails, free-text case subjects and NPS comments stay in the warehouse. Every table and
  column of the published database and every Parquet file is scanned for each such value as
  landed (and for anything shaped like an e-mail address). Account names and staff names (the
  owner of an account, the CSM) are published on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lifecycle.publish import EMAIL_SHAPE, SERVING_STORAGE_VERSION, mart_tables, publish, storage_version

ROOT = Path(__file__).resolve().parents[1]
DUCKDB1 = ROOT / ".venv" / "duckdb1"

#: Personal values as landed (raw layer, text as in the files): (kind, SQL, how a leak shows).
#: ``contains``: the value must not appear inside any published text; ``equals``: no published
#: value may be exactly it (single first or last names are common words inside account names).
PII_SOURCES: list[tuple[str, str, str]] = [
    ("contact email", "select email from raw.crm__contacts", "contains"),
    ("contact name", "select first_name || ' ' || last_name from raw.crm__contacts", "contains"),
    ("contact first name", "select first_name from raw.crm__contacts", "equals"),
    ("contact last name", "select last_name from raw.crm__contacts", "equals"),
    ("case subject", "select subject from raw.crm__cases", "contains"),
    ("NPS comment", "select comment from raw.crm__nps_responses", "contains"),
    ("product user email", "select email from raw.usage__users", "contains"),
    ("billing customer email", "select email from raw.billing__customers", "contains"),
    ("staff email", "select email from raw.crm__users", "contains"),
]


def load_pii(con: duckdb.DuckDBPyConnection, catalog: str) -> int:
    """Fill temp table ``pii(kind, value, match)`` from the warehouse's raw tables; returns its size."""
    con.execute("create or replace temp table pii (kind varchar, value varchar, match varchar)")
    for kind, sql, match in PII_SOURCES:
        source = sql.replace(" from raw.", f" from {catalog}.raw.")
        con.execute(
            f"insert into pii select distinct ?, trim(v), ? from ({source}) t(v) "
            "where v is not null and length(trim(v)) >= 3",
            [kind, match],
        )
    # A contact can share a name with a member of staff (the simulator draws both from one list of
    # names, as life does): a staff name is published on purpose as an owner, so it is no leak.
    con.execute(f"delete from pii where value in (select trim(full_name) from {catalog}.raw.crm__users)")
    return int(con.execute("select count(*) from pii").fetchone()[0])


def leaks(con: duckdb.DuckDBPyConnection, relation: str, label: str) -> list[str]:
    """Every (column, kind) of ``relation`` holding a value of temp table ``pii``, or an e-mail shape."""
    columns = con.execute(f"select * from {relation} limit 0").description
    found: list[str] = []
    for column, *_rest in columns:
        col = '"' + column.replace('"', '""') + '"'
        values = f"(select distinct cast({col} as varchar) as v from {relation} where {col} is not null)"
        hits = con.execute(
            f"select p.kind, min(x.v) from {values} x join pii p "
            "on (p.match = 'equals' and x.v = p.value) or (p.match = 'contains' and contains(x.v, p.value)) "
            "group by p.kind order by p.kind"
        ).fetchall()
        found += [f"{label}.{column}: {kind} ({example!r})" for kind, example in hits]
        shaped = con.execute(
            f"select min(v) from {values} x where regexp_matches(v, ?)", [EMAIL_SHAPE]
        ).fetchone()[0]
        if shaped is not None:
            found.append(f"{label}.{column}: an e-mail address ({shaped!r})")
    return found


def published_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? "
        "order by 1, 2",
        [catalog],
    ).fetchall()
    return [(f'{catalog}."{s}"."{t}"', f"{s}.{t}") for s, t in rows]


# --- storage format ------------------------------------------------------------------------------


def test_the_serving_file_is_written_in_the_duckdb_1_storage_format(tmp_path: Path) -> None:
    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.execute("create table marts.fct_x as select range as id from range(3)")
    con.close()
    serving = tmp_path / "serving.duckdb"
    report = publish(wh, serving, manifest=None)  # a hand-made warehouse: no parse applies
    assert storage_version(serving) == f"{SERVING_STORAGE_VERSION}+"
    assert storage_version(wh) != storage_version(serving), "the warehouse keeps the engine's own format"
    assert f"DuckDB storage {SERVING_STORAGE_VERSION}" in report.lines()[0]


def _read_with_duckdb1(path: Path) -> dict[str, object]:
    """Open ``path`` read-only with the DuckDB 1.x client and count the rows of every table."""
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        'tables = con.execute("select table_schema, table_name from information_schema.tables '
        'order by 1, 2").fetchall()\n'
        "rows = {f'{s}.{t}': con.execute(f'select count(*) from \"{s}\".\"{t}\"').fetchone()[0] "
        "for s, t in tables}\n"
        "print(json.dumps({'version': duckdb.__version__, 'rows': rows}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        env={"PYTHONPATH": str(DUCKDB1), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def duckdb1() -> Path:
    assert (DUCKDB1 / "duckdb").is_dir(), (
        f"no DuckDB 1.x client in {DUCKDB1}: `make .venv/.installed` installs it from "
        "requirements/duckdb1-client.lock"
    )
    return DUCKDB1


def test_a_duckdb_1_client_reads_every_table_of_a_published_run(small_run, duckdb1: Path) -> None:
    seen = _read_with_duckdb1(small_run.serving)
    assert str(seen["version"]).startswith("1."), seen["version"]
    con = duckdb.connect(str(small_run.serving), read_only=True)
    try:
        expected = {
            label: con.execute(f"select count(*) from {rel}").fetchone()[0]
            for rel, label in published_relations(con, con.execute("select current_database()").fetchone()[0])
        }
    finally:
        con.close()
    assert seen["rows"] == expected
    assert {"marts.fct_mrr_monthly", "marts.csm_worklist", "_publish.snapshot"} <= set(expected)


def test_a_duckdb_1_client_cannot_read_the_warehouse_which_is_why_bi_reads_the_copy(
    small_run, duckdb1: Path
) -> None:
    """Guards the test above: the 1.x client really is older than the warehouse's format."""
    with pytest.raises(AssertionError, match="version number"):
        _read_with_duckdb1(small_run.warehouse)


# --- personal data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scan(small_run):
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{small_run.warehouse}' as wh (read_only)")
    con.execute(f"attach '{small_run.serving}' as serving (read_only)")
    n = load_pii(con, "wh")
    yield con, n
    con.close()


def test_the_raw_layer_has_personal_data_to_look_for(scan) -> None:
    con, n = scan
    kinds = dict(con.execute("select kind, count(*) from pii group by kind").fetchall())
    assert set(kinds) == {kind for kind, _sql, _match in PII_SOURCES}, kinds
    assert all(count >= 1 for count in kinds.values()), kinds
    assert n > 100


def test_no_personal_data_in_any_published_table_or_column(scan) -> None:
    con, _n = scan
    relations = published_relations(con, "serving")
    assert len(relations) >= len(mart_tables(con, "serving")) + 1 >= 10
    found = [leak for rel, label in relations for leak in leaks(con, rel, label)]
    assert found == []


def test_no_personal_data_in_the_published_parquet_files(scan, small_run) -> None:
    con, _n = scan
    files = sorted(small_run.parquet_dir.glob("*.parquet"))
    assert {p.stem for p in files} == set(mart_tables(con, "serving"))
    found = [leak for p in files for leak in leaks(con, f"read_parquet('{p}')", f"{p.name}")]
    assert found == []


def test_account_and_staff_names_are_published_on_purpose(scan) -> None:
    con, _n = scan
    published = con.execute(
        "select count(*) from serving.marts.dim_accounts d join wh.raw.crm__accounts a "
        "on d.account_name = a.name"
    ).fetchone()[0]
    assert published > 0
    owners = con.execute(
        "select count(*) from serving.marts.dim_accounts d join wh.raw.crm__users u on d.csm_name = u.full_name"
    ).fetchone()[0]
    assert owners > 0


def test_the_scan_finds_a_leak_when_there_is_one(scan, tmp_path: Path) -> None:
    """The scanner itself: an e-mail, a contact's name inside a reason, a case subject verbatim."""
    con, _n = scan
    first, last = con.execute(
        "select first_name, last_name from wh.raw.crm__contacts where email is not null limit 1"
    ).fetchone()
    subject = con.execute(
        "select subject from wh.raw.crm__cases where length(subject) >= 3 limit 1"
    ).fetchone()[0]
    con.execute(
        "create or replace temp table leaky as select * from (values "
        "(1, 'ok', 'fine'), (2, ?, ?), (3, 'someone@example.org', ?)) t(id, reason, note)",
        [f"champion {first} {last} left", subject, first],
    )
    found = leaks(con, "leaky", "leaky")
    assert any(f.startswith("leaky.reason: contact name") for f in found), found
    assert any(f.startswith("leaky.note: case subject") for f in found), found
    assert any(f.startswith("leaky.reason: an e-mail address") for f in found), found
    assert any(f.startswith("leaky.note: contact first name") for f in found), found


# --- read-only -----------------------------------------------------------------------------------

WRITES = [
    "create table marts.scratch as select 1 as x",
    "insert into _publish.snapshot select * from _publish.snapshot",
    "update marts.dim_accounts set account_name = 'x'",
    "drop table marts.fct_mrr_monthly",
]


@pytest.mark.parametrize("sql", WRITES)
def test_the_published_file_refuses_a_write_through_a_read_only_connection(small_run, sql: str) -> None:
    """BI opens the file read-only (docs/bi.md): such a connection cannot change the snapshot."""
    con = duckdb.connect(str(small_run.serving), read_only=True)
    try:
        before = con.execute("select count(*) from marts.dim_accounts").fetchone()
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute(sql)
        assert con.execute("select count(*) from marts.dim_accounts").fetchone() == before
    finally:
        con.close()


def test_the_dashboard_reads_the_published_file_read_only(small_run, monkeypatch) -> None:
    """The dashboard's one way to the data (lifecycle/dashboard/data.py) refuses a write too."""
    from lifecycle.dashboard import data

    monkeypatch.setenv("LIFECYCLE_SERVING", str(small_run.serving))
    assert "dim_accounts" in data.available_marts()
    with pytest.raises(data.ServingError, match="read-only"):
        data.query("create table marts.scratch as select 1 as x")
    assert "scratch" not in data.available_marts()
