"""Publishing: atomic copy of the marts into the serving DB and Parquet; failures keep the old copy."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from lifecycle import publish as publish_module
from lifecycle.publish import PublishError, default_parquet_dir, publish, read_snapshot_info


@pytest.fixture(autouse=True)
def _no_project_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    """These warehouses are made by hand, so the project's own parse says nothing about them; and
    `target/manifest.json` may be half-written by a dbt run of a test on the other worker."""
    monkeypatch.setitem(publish_module.publish.__kwdefaults__, "manifest", None)


def make_warehouse(path: Path, mrr: float = 100.0, marts: bool = True) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists staging")
    con.execute("create or replace table staging.stg_x as select 1 as id")
    if marts:
        con.execute("create schema if not exists marts")
        con.execute(
            "create or replace table marts.dim_accounts as "
            "select * from (values ('a', 'smb'), ('b', 'enterprise')) t(account_id, segment)"
        )
        con.execute(
            f"create or replace table marts.fct_mrr_monthly as select 'a' as account_id, "
            f"date '2025-01-01' as month, {mrr} as mrr_usd"
        )
    con.close()
    return path


def test_publish_copies_every_mart_and_writes_parquet(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "out" / "serving.duckdb"
    report = publish(wh, serving)

    assert report.rows_by_table == {"dim_accounts": 2, "fct_mrr_monthly": 1}
    con = duckdb.connect(str(serving), read_only=True)
    tables = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
    ).fetchall()
    assert [t for (t,) in tables] == ["dim_accounts", "fct_mrr_monthly"]
    assert con.execute("select mrr_usd from marts.fct_mrr_monthly").fetchone()[0] == 100.0
    con.close()
    parquet = default_parquet_dir(serving)
    assert sorted(p.name for p in parquet.iterdir()) == ["dim_accounts.parquet", "fct_mrr_monthly.parquet"]
    assert duckdb.sql(f"select count(*) from '{parquet / 'dim_accounts.parquet'}'").fetchall() == [(2,)]
    info = read_snapshot_info(serving)
    assert info is not None and info["tables"] == "dim_accounts,fct_mrr_monthly"
    assert info["as_of_date"] is None  # this warehouse has no int_as_of_date
    assert not os.access(serving, os.W_OK) or os.geteuid() == 0  # chmod 444 (root ignores it)
    assert oct(serving.stat().st_mode & 0o777) == "0o444"
    assert not [p for p in serving.parent.iterdir() if p.name.startswith(".")], "temporary files left"


def test_republish_switches_atomically_and_open_readers_keep_their_snapshot(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb", mrr=100.0)
    serving = tmp_path / "serving.duckdb"
    publish(wh, serving)
    reader = duckdb.connect(str(serving), read_only=True)  # a dashboard holding the file open

    make_warehouse(wh, mrr=250.0)
    publish(wh, serving)

    assert reader.execute("select mrr_usd from marts.fct_mrr_monthly").fetchone()[0] == 100.0
    reader.close()
    fresh = duckdb.connect(str(serving), read_only=True)
    assert fresh.execute("select mrr_usd from marts.fct_mrr_monthly").fetchone()[0] == 250.0
    fresh.close()


def test_nothing_to_publish_keeps_the_previous_serving_db(tmp_path: Path) -> None:
    serving = tmp_path / "serving.duckdb"
    publish(make_warehouse(tmp_path / "good.duckdb"), serving)
    before = serving.read_bytes()

    with pytest.raises(PublishError, match="no tables in schema marts"):
        publish(make_warehouse(tmp_path / "empty.duckdb", marts=False), serving)
    with pytest.raises(PublishError, match="no warehouse"):
        publish(tmp_path / "missing.duckdb", serving)
    assert serving.read_bytes() == before


def test_a_failure_during_the_switch_leaves_old_files_and_no_temporaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb", mrr=100.0)
    serving = tmp_path / "serving.duckdb"
    publish(wh, serving)
    before = serving.read_bytes()
    make_warehouse(wh, mrr=999.0)

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(publish_module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        publish(wh, serving)
    assert serving.read_bytes() == before
    leftovers = [p.name for p in tmp_path.rglob(".*tmp-*")]
    assert leftovers == []


def test_publish_can_reuse_the_pipelines_connection(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(wh))  # the caller holds the warehouse read-write
    try:
        report = publish(wh, tmp_path / "serving.duckdb", con=con)
    finally:
        con.close()
    assert set(report.rows_by_table) == {"dim_accounts", "fct_mrr_monthly"}


def test_the_snapshot_records_the_as_of_date_the_marts_were_built_for(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(wh))
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_as_of_date as select date '2025-12-31' as as_of_date")
    con.close()
    report = publish(wh, tmp_path / "serving.duckdb")
    assert str(report.as_of_date) == "2025-12-31"
    assert "published 2 marts as of 2025-12-31 to" in report.lines()[0]
    info = read_snapshot_info(tmp_path / "serving.duckdb")
    assert info is not None and str(info["as_of_date"]) == "2025-12-31"


@pytest.mark.parametrize(
    ("ddl", "found"),
    [
        (
            "create table marts.dim_contacts as select 'c1' as contact_id, 'ann@example.com' as email",
            "dim_contacts.email: a personal-data column name",
        ),
        (
            "create table marts.fct_notes as select 'a' as account_id, 'ask Ann (ann@example.com)' as reasons",
            "fct_notes.reasons: an e-mail address",
        ),
        (
            "create table marts.fct_cases as select 'a' as account_id, 'Cannot log in' as case_subject",
            "fct_cases.case_subject: a personal-data column name",
        ),
    ],
)
def test_publish_refuses_personal_data_and_keeps_the_old_copy(tmp_path: Path, ddl: str, found: str) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    publish(wh, serving)
    before = serving.read_bytes()
    con = duckdb.connect(str(wh))
    con.execute(ddl)
    con.close()
    with pytest.raises(PublishError, match="not publishing: personal data") as exc:
        publish(wh, serving)
    assert found in str(exc.value)
    assert serving.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".serving")], "temporary files left"


def test_owner_and_csm_names_are_not_personal_data_columns() -> None:
    from lifecycle.publish import PERSONAL_COLUMN

    for allowed in ("owner_name", "csm_name", "account_name", "reasons", "drivers", "segment"):
        assert not PERSONAL_COLUMN.search(allowed), allowed
    for personal in ("email", "contact_email", "first_name", "last_name", "subject", "nps_comment", "phone"):
        assert PERSONAL_COLUMN.search(personal), personal


def _manifest(path: Path, tag: object) -> Path:
    """A dbt manifest in which marts.dim_accounts.segment carries ``config.meta.pii = tag``."""
    column = {"name": "segment", "meta": {}, "config": {"meta": {"pii": tag}}}
    node = {
        "resource_type": "model",
        "name": "dim_accounts",
        "schema": "marts",
        "columns": {"segment": column},
    }
    path.write_text(json.dumps({"nodes": {"model.lifecycle_warehouse.dim_accounts": node}}), encoding="utf-8")
    return path


def test_publish_refuses_a_column_the_manifest_tags_pii_whatever_its_name(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "warehouse.duckdb")
    serving = tmp_path / "serving.duckdb"
    with pytest.raises(PublishError, match=r"dim_accounts\.segment: tagged pii: true in the dbt manifest"):
        publish(wh, serving, manifest=_manifest(tmp_path / "manifest.json", True))
    assert not serving.exists()
    publish(wh, serving, manifest=_manifest(tmp_path / "manifest.json", "hashed"))  # a hash may go
    assert read_snapshot_info(serving) is not None
    publish(wh, serving, manifest=tmp_path / "no-such-manifest.json")  # no parse: the name rules only


def test_the_default_manifest_is_the_projects_own_parse() -> None:
    from lifecycle.settings import PROJECT_DIR

    assert publish_module.DEFAULT_MANIFEST == PROJECT_DIR / "target" / "manifest.json"
    assert "subject" in publish_module.PERSONAL_WORDS and "phone" in publish_module.PERSONAL_WORDS
