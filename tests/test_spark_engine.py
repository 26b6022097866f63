"""The Spark engine's file side (lifecycle/spark_engine.py), without Spark: what is landed for
Spark, what dbt is told to register, what comes back, and the one-line refusal when the engine is
not installed. `make test-spark` runs the real thing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lifecycle import spark_engine
from lifecycle.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"DBT_TARGET": "spark", "LIFECYCLE_WAREHOUSE": str(tmp_path / "w.duckdb")})


def test_the_manifest_and_the_fit_are_landed_as_parquet_and_listed_for_dbt(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    with duckdb.connect(str(s.warehouse)) as con:
        con.execute("create schema raw; create schema ltv_fit; create schema marts")
        con.execute("create table raw._load_manifest as select 'crm/a.csv' as batch_file, 2 as rows")
        con.execute("create table raw.crm__accounts as select 'a' as id")  # the Spark loader writes raw
        con.execute("create table ltv_fit.sbg_derl as select 'smb''s' as segment, 1.5 as derl")
        con.execute("create table marts.dim_accounts as select 1 as x")  # Spark builds marts itself
    accounts = s.spark_dir / "landed" / "raw" / "crm__accounts"
    accounts.mkdir(parents=True)  # as the Spark loader leaves it
    assert spark_engine.export_landed(s, progress=None) == 2
    assert not list(accounts.iterdir())  # not overwritten from the warehouse file
    landed = ["ltv_fit.sbg_derl", "raw._load_manifest", "raw.crm__accounts"]
    assert spark_engine.landed_tables(s) == landed
    assert s.dbt_env()["LIFECYCLE_SPARK_LANDED"] == ",".join(landed)
    assert str(spark_engine.spark_site()) in s.dbt_env()["PYTHONPATH"]
    part = s.spark_dir / "landed" / "ltv_fit" / "sbg_derl" / "part-0.parquet"
    assert duckdb.sql(f"select * from '{part}'").fetchall() == [("smb's", 1.5)]
    # a second export replaces the folder whole: no leftover staging or old folders
    assert spark_engine.export_landed(s, progress=None) == 2
    assert sorted(p.name for p in (s.spark_dir / "landed" / "ltv_fit").iterdir()) == ["sbg_derl"]


def test_what_spark_built_comes_back_into_the_warehouse_file(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    duckdb.connect(str(s.warehouse)).close()
    folder = s.spark_dir / "warehouse" / "marts.db" / "fct_mrr_monthly"
    folder.mkdir(parents=True)
    duckdb.sql(f"copy (select 'acc_1' as account_id, 12.5 as mrr_usd) to '{folder / 'part-00000.parquet'}'")
    (folder / "_SUCCESS").write_text("")
    assert spark_engine.import_built(s, progress=None) == 1
    with duckdb.connect(str(s.warehouse), read_only=True) as con:
        assert con.execute("select * from marts.fct_mrr_monthly").fetchall() == [("acc_1", 12.5)]


def test_a_missing_spark_engine_is_one_line_naming_make_spark_env(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(spark_engine, "spark_site", lambda: tmp_path / "nowhere")
    with pytest.raises(spark_engine.SparkEngineError, match=r"needs pyspark and dbt-spark .*make spark-env"):
        spark_engine.check_installed()
