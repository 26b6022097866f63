"""The GX runner (lifecycle.quality) and the suites in expectations/."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from lifecycle.quality import (
    SUITES_DIR,
    Suite,
    SuiteError,
    load_suite,
    load_suites,
    row_count_parameters,
    validate,
)
from lifecycle.settings import PROJECT_DIR

#: Column rules that belong to dbt's YAML tests (STYLE.md): GX suites must not repeat them.
DBT_COLUMN_RULES = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_select_column_values_to_be_unique_within_record",
}


def test_every_suite_file_is_reviewable_and_states_its_severity() -> None:
    suites = load_suites(SUITES_DIR)
    assert len(suites) >= 5
    layers = {s.schema for s in suites}
    assert {"marts", "audit"} <= layers
    for suite in suites:
        assert suite.description and not suite.description.startswith("Great Expectations suite")
        types = {e["type"] for e in suite.expectations}
        assert not types & DBT_COLUMN_RULES, (
            f"{suite.name} repeats dbt column tests: {types & DBT_COLUMN_RULES}"
        )
        raw = json.loads(suite.path.read_text(encoding="utf-8"))
        assert raw["name"] == suite.path.stem
    assert any(s.blocking for s in suites)


def test_every_suite_validates_a_documented_dbt_model_and_carries_no_sql() -> None:
    models = PROJECT_DIR / "models"
    for suite in load_suites(SUITES_DIR):
        assert "query" not in suite.meta, suite.name
        sql = list(models.rglob(f"{suite.table}.sql"))
        assert len(sql) == 1, f"{suite.name}: no dbt model {suite.table}.sql under models/"
        folder_yaml = "".join(p.read_text(encoding="utf-8") for p in sql[0].parent.glob("_*.yml"))
        assert f"- name: {suite.table}\n" in folder_yaml, f"{suite.table} has no YAML beside it"


def test_a_suite_with_sql_in_meta_query_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "staging.stg_x.json"
    path.write_text(
        json.dumps(
            {
                "name": "staging.stg_x",
                "meta": {"query": "select median(x) from staging.stg_x"},
                "expectations": [
                    {"type": "expect_table_row_count_to_be_between", "kwargs": {}, "severity": "warning"}
                ],
            }
        )
    )
    with pytest.raises(SuiteError, match=r"meta\.query is not supported.*models/audit/rpt_"):
        load_suite(path)
    with pytest.raises(SuiteError, match=r"meta\.query"):
        load_suites(tmp_path)


def test_a_suite_must_state_severity_and_match_its_file_name(tmp_path: Path) -> None:
    bad = tmp_path / "marts.x.json"
    bad.write_text(json.dumps({"name": "marts.x", "expectations": [{"type": "t", "kwargs": {}}]}))
    with pytest.raises(SuiteError, match="severity"):
        load_suite(bad)
    wrong = tmp_path / "marts.y.json"
    wrong.write_text(json.dumps({"name": "marts.z", "expectations": []}))
    with pytest.raises(SuiteError, match="file name"):
        load_suite(wrong)


def test_row_count_parameters_follow_the_last_passing_run() -> None:
    suite = load_suites(SUITES_DIR, names=["marts.fct_mrr_monthly"])[0]
    first = row_count_parameters(suite, 100, None)
    assert first["row_count_floor"] == 1 and first["row_count_ceiling"] is None
    later = row_count_parameters(suite, 100, 200)
    assert later["row_count_floor"] == 180 and later["row_count_ceiling"] == 1000


def _suite(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "marts.facts.json"
    path.write_text(
        json.dumps(
            {
                "name": "marts.facts",
                "meta": {"description": "test suite", "row_count_change": {"min_ratio": 0.9}},
                "expectations": [
                    {
                        "type": "expect_table_row_count_to_be_between",
                        "kwargs": {"min_value": {"$PARAMETER": "row_count_floor"}},
                        "severity": "critical",
                    },
                    {
                        "type": "expect_column_mean_to_be_between",
                        "kwargs": {"column": "amount_usd", "min_value": 0, "max_value": 50},
                        "severity": "warning",
                    },
                ],
            }
        )
    )
    return directory


def test_validate_writes_a_report_and_blocks_on_a_volume_drop(tmp_path: Path) -> None:
    suites = load_suites(_suite(tmp_path / "expectations"))
    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema marts")
    con.execute(
        "create table marts.facts as select i as id, cast(i as decimal(18, 2)) as amount_usd from range(40) t(i)"
    )
    con.close()
    reports = tmp_path / "reports"

    first = validate(suites, wh, report_dir=reports)
    assert first.ok and first.results[0].passed
    assert (reports / "gx" / "index.html").exists()
    assert (reports / "gx" / "results" / "marts.facts.json").exists()
    assert json.loads((reports / "gx_row_counts.json").read_text())["marts.facts"]["rows"] == 40

    con = duckdb.connect(str(wh))
    con.execute("delete from marts.facts where id >= 20")  # half the rows vanish
    con.close()
    second = validate(suites, wh, report_dir=reports)
    result = second.results[0]
    assert not second.ok and result.blocks_publishing
    assert [o.type for o in result.failed_critical] == ["expect_table_row_count_to_be_between"]
    assert result.previous_row_count == 40
    summary = json.loads((reports / "quality_summary.json").read_text())
    assert summary["ok"] is False and summary["suites"][0]["blocks_publishing"] is True
    # the baseline stays at the last passing run
    assert json.loads((reports / "gx_row_counts.json").read_text())["marts.facts"]["rows"] == 40


def test_a_missing_relation_is_an_error_that_blocks(tmp_path: Path) -> None:
    suites = load_suites(_suite(tmp_path / "expectations"))
    wh = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(wh)).close()
    report = validate(suites, wh, report_dir=tmp_path / "reports")
    assert not report.ok
    assert report.results[0].error and "facts" in report.results[0].error


def _volume_suite(directory: Path) -> list[Suite]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "audit.rpt_daily.json").write_text(
        json.dumps(
            {
                "name": "audit.rpt_daily",
                "meta": {
                    "description": "daily volume",
                    "row_count_change": {"min_ratio": 0.9, "column": "events"},
                },
                "expectations": [
                    {
                        "type": "expect_column_sum_to_be_between",
                        "kwargs": {"column": "events", "min_value": {"$PARAMETER": "row_count_floor"}},
                        "severity": "critical",
                    }
                ],
            }
        )
    )
    return load_suites(directory)


def test_the_volume_of_an_aggregate_model_is_the_sum_of_its_count_column(tmp_path: Path) -> None:
    suites = _volume_suite(tmp_path / "expectations")
    assert suites[0].volume_column == "events"
    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema audit")
    con.execute("create table audit.rpt_daily as select i as day, 100 as events from range(3) t(i)")
    con.close()
    reports = tmp_path / "reports"
    first = validate(suites, wh, report_dir=reports)
    assert first.ok and first.results[0].relation_row_count == 300  # 3 days x 100 events, not 3 rows
    con = duckdb.connect(str(wh))
    con.execute("update audit.rpt_daily set events = 50 where day = 0")  # 250 < 0.9 x 300
    con.close()
    second = validate(suites, wh, report_dir=reports)
    assert not second.ok and second.results[0].previous_row_count == 300


def test_a_volume_column_the_model_lacks_is_an_error_that_blocks(tmp_path: Path) -> None:
    suites = _volume_suite(tmp_path / "expectations")
    wh = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(wh))
    con.execute("create schema audit")
    con.execute("create table audit.rpt_daily as select 1 as day")
    con.close()
    report = validate(suites, wh, report_dir=tmp_path / "reports")
    assert not report.ok and "'events' is not a column" in (report.results[0].error or "")
