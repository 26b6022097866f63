"""The GX runner (lifecycle.quality) and the suites in expectations/."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from lifecycle.quality import (
    SUITES_DIR,
    SuiteError,
    load_suite,
    load_suites,
    row_count_parameters,
    validate,
)

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
    assert {"marts", "staging"} <= layers
    for suite in suites:
        assert suite.description and not suite.description.startswith("Great Expectations suite")
        types = {e["type"] for e in suite.expectations}
        assert not types & DBT_COLUMN_RULES, (
            f"{suite.name} repeats dbt column tests: {types & DBT_COLUMN_RULES}"
        )
        raw = json.loads(suite.path.read_text(encoding="utf-8"))
        assert raw["name"] == suite.path.stem
    assert any(s.blocking for s in suites)


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
