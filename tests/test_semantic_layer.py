"""The semantic layer (models/semantic/) says what the marts say: `lifecycle mf query` = the marts.

The shared small run (tests/conftest.py's ``small_run``, the one `make test` makes), its warehouse
copied once (mf opens DuckDB
read-write), then a few `lifecycle mf query --csv` invocations, each with as many metrics as
MetricFlow allows in one query, compared with the marts read straight from the run's warehouse:
money to the cent, ratios to 1e-6. Snapshot metrics (MRR, health counts) must not be summed over
periods, and retention by segment must not count the segment 'all' rows twice.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lifecycle.dbt import venv_tool
from lifecycle.metricflow import duckdb_database_name, metricflow_project_dir, semantic_manifest_is_stale
from lifecycle.settings import PROJECT_DIR

CENT = Decimal("0.01")
RATIO_TOLERANCE = 1e-6


def _run(cmd: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd[:3])} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def warehouse(small_run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy mf may open read-write (named like the run's, so a parse made for it is reused)."""
    copy = tmp_path_factory.mktemp("mf") / small_run.warehouse.name
    shutil.copyfile(small_run.warehouse, copy)
    return copy


@pytest.fixture(scope="module")
def marts(small_run) -> Iterator[duckdb.DuckDBPyConnection]:
    """The run's own warehouse, read-only (mf holds the copy)."""
    con = duckdb.connect(str(small_run.warehouse), read_only=True)
    yield con
    con.close()


@dataclass
class Timings:
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def timings() -> Iterator[Timings]:
    recorded = Timings({})
    yield recorded
    for name, seconds in recorded.seconds.items():
        print(f"lifecycle mf {name}: {seconds:.1f} s (startup included)")


def mf(warehouse: Path, timings: Timings, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIFECYCLE_WAREHOUSE": str(warehouse)}
    started = time.perf_counter()
    proc = _run([venv_tool("lifecycle"), "mf", *args], env, timeout=300)
    timings.seconds[name] = time.perf_counter() - started
    return proc


def mf_query(
    warehouse: Path, timings: Timings, name: str, metrics: list[str], group_by: list[str]
) -> list[dict[str, str]]:
    out = warehouse.parent / f"{name}.csv"
    args = ["query", "--metrics", ",".join(metrics), "--csv", str(out), "--quiet"]
    if group_by:
        args += ["--group-by", ",".join(group_by)]
    mf(warehouse, timings, name, *args)
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def money(text: str) -> Decimal:
    """A money value from mf's CSV (empty: no rows, 0), to the cent."""
    return Decimal(text or "0").quantize(CENT)


def ratio(text: str) -> float:
    return float(text)


def month_of(text: str) -> str:
    return text[:10]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- definitions ------------------------------------------------------------------------------


def test_the_semantic_manifest_validates_against_the_warehouse(warehouse: Path, timings: Timings) -> None:
    proc = mf(warehouse, timings, "validate-configs", "validate-configs")
    output = proc.stdout + proc.stderr
    assert "ERRORS: 0" in output and "Successfully validated" in output, output[-2000:]


def test_the_metrics_are_defined(warehouse: Path, timings: Timings) -> None:
    listed = mf(warehouse, timings, "list metrics", "list", "metrics", "--show-all-dimensions").stdout
    dimensions = {
        line.split(":", 1)[0].removeprefix("• "): set(line.split(":", 1)[1].strip().split(", "))
        for line in listed.splitlines()
        if line.startswith("• ")
    }
    account = {"account__segment", "account__csm_name", "account__current_stage", "metric_time"}
    for metric in ("mrr", "arr", "customers", "new_mrr", "churned_mrr", "ltv_average", "ltv_total"):
        assert account <= dimensions[metric], metric
    for metric in ("health_accounts", "health_share_red", "health_score_average"):
        assert account | {"health__stage", "health__health_band"} <= dimensions[metric], metric
    assert account | {"lifecycle__stage"} <= dimensions["lifecycle_accounts"]
    for metric in ("ndr", "grr", "logo_retention", "logo_churn_rate", "churned_logos"):
        assert {"metric_time", "retention__segment"} <= dimensions[metric], metric


# --- revenue and retention --------------------------------------------------------------------


def test_mrr_arr_customers_movements_and_retention_by_month_equal_the_marts(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    metrics = [
        "mrr", "arr", "customers", "new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr",
        "churned_mrr", "net_new_mrr", "ndr", "grr", "logo_retention", "logo_churn_rate", "churned_logos",
    ]  # fmt: skip
    got = {
        month_of(r["metric_time__month"]): r
        for r in mf_query(warehouse, timings, "by_month", metrics, ["metric_time__month"])
    }
    waterfall = rows(marts, "select * from marts.mrr_waterfall_monthly")
    summed = {
        str(r["month"]): r["mrr_usd"]
        for r in rows(
            marts, "select month, sum(mrr_usd) as mrr_usd from marts.fct_mrr_monthly group by month"
        )
    }
    assert set(got) == {str(w["month"]) for w in waterfall}
    for w in waterfall:
        month, row = str(w["month"]), got[str(w["month"])]
        assert money(row["mrr"]) == w["closing_mrr_usd"] == summed[month], month
        assert money(row["arr"]) == 12 * w["closing_mrr_usd"], month
        assert int(row["customers"]) == w["customers"], month
        for metric, column in (
            ("new_mrr", "new_mrr_usd"),
            ("reactivation_mrr", "reactivation_mrr_usd"),
            ("expansion_mrr", "expansion_mrr_usd"),
            ("contraction_mrr", "contraction_mrr_usd"),
            ("churned_mrr", "churn_mrr_usd"),
        ):
            assert money(row[metric]) == w[column], (month, metric)
        assert money(row["net_new_mrr"]) == w["closing_mrr_usd"] - w["opening_mrr_usd"], month

    retention = rows(marts, "select * from marts.fct_retention_monthly where segment = 'all'")
    assert retention, "the small run has at least one month with a 12-month base"
    for r in retention:
        row = got[str(r["month"])]
        for metric in ("ndr", "grr", "logo_retention"):
            assert ratio(row[metric]) == pytest.approx(float(r[metric]), abs=RATIO_TOLERANCE), (
                r["month"],
                metric,
            )
        assert ratio(row["logo_churn_rate"]) == pytest.approx(
            1 - float(r["logo_retention"]), abs=RATIO_TOLERANCE
        )
        assert int(float(row["churned_logos"])) == r["base_accounts"] - r["retained_accounts"]
    without_base = set(got) - {str(r["month"]) for r in retention}
    assert all(got[m]["ndr"] == "" for m in without_base), "no retention without a 12-month base"


def test_retention_by_segment_never_counts_the_all_rows(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    got = mf_query(
        warehouse,
        timings,
        "retention_by_segment",
        ["ndr", "grr", "logo_retention", "retention_base_accounts", "retention_starting_mrr"],
        ["metric_time__month", "retention__segment"],
    )
    expected = {
        (str(r["month"]), r["segment"]): r
        for r in rows(marts, "select * from marts.fct_retention_monthly where segment <> 'all'")
    }
    assert {(month_of(r["metric_time__month"]), r["retention__segment"]) for r in got} == set(expected)
    for r in got:
        mart = expected[(month_of(r["metric_time__month"]), r["retention__segment"])]
        for metric in ("ndr", "grr", "logo_retention"):
            assert ratio(r[metric]) == pytest.approx(float(mart[metric]), abs=RATIO_TOLERANCE)
        assert int(float(r["retention_base_accounts"])) == mart["base_accounts"]
        assert money(r["retention_starting_mrr"]) == mart["starting_mrr_usd"]


def test_snapshot_metrics_take_the_last_period_at_a_coarser_grain(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    """MRR by quarter is the quarter's last month (never a sum of months); net new MRR, a flow, sums."""
    got = mf_query(
        warehouse, timings, "by_quarter", ["mrr", "customers", "net_new_mrr"], ["metric_time__quarter"]
    )
    expected = rows(
        marts,
        """
        with quarters as (
            select
                month, closing_mrr_usd, customers, closing_mrr_usd - opening_mrr_usd as net_new_mrr_usd,
                date_trunc('quarter', month) as quarter,
                max(month) over (partition by date_trunc('quarter', month)) as last_month
            from marts.mrr_waterfall_monthly
        )
        select
            quarter,
            sum(case when month = last_month then closing_mrr_usd end) as mrr_usd,
            sum(case when month = last_month then customers end) as customers,
            sum(net_new_mrr_usd) as net_new_mrr_usd
        from quarters
        group by quarter
        """,
    )
    by_quarter = {str(r["quarter"])[:10]: r for r in expected}
    assert {month_of(r["metric_time__quarter"]) for r in got} == set(by_quarter)
    assert len(by_quarter) >= 2
    for r in got:
        mart = by_quarter[month_of(r["metric_time__quarter"])]
        assert money(r["mrr"]) == mart["mrr_usd"]
        assert int(r["customers"]) == mart["customers"]
        assert money(r["net_new_mrr"]) == mart["net_new_mrr_usd"]


# --- health, LTV and the account dimensions ---------------------------------------------------


def test_health_mix_at_the_latest_week_equals_the_mart(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    metrics = [
        "health_accounts", "health_accounts_green", "health_accounts_yellow", "health_accounts_red",
        "health_share_green", "health_share_yellow", "health_share_red", "health_score_average",
    ]  # fmt: skip
    (got,) = mf_query(warehouse, timings, "health_latest_week", metrics, [])
    latest = rows(
        marts,
        """
        select health_band, count(*) as accounts, avg(health_score) as average_score
        from marts.fct_health_weekly
        where week = (select max(week) from marts.fct_health_weekly)
        group by rollup (health_band)
        """,
    )
    total = next(r for r in latest if r["health_band"] is None)
    by_band = {r["health_band"]: int(r["accounts"]) for r in latest if r["health_band"] is not None}
    assert int(got["health_accounts"]) == total["accounts"] > 0
    assert float(got["health_score_average"]) == pytest.approx(
        float(total["average_score"]), abs=RATIO_TOLERANCE
    )
    for band in ("green", "yellow", "red"):
        accounts = by_band.get(band, 0)
        assert int(float(got[f"health_accounts_{band}"] or 0)) == accounts, band
        share = float(got[f"health_share_{band}"] or 0)
        assert share == pytest.approx(accounts / total["accounts"], abs=RATIO_TOLERANCE), band


def test_ltv_and_current_mrr_by_segment_equal_the_marts(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    """LTV by the account's segment (the `account` entity joins dim_accounts); MRR with no time
    grouping is the latest month's (= dim_accounts.current_mrr_usd), not a sum over months."""
    got = mf_query(
        warehouse,
        timings,
        "by_segment",
        ["ltv_average", "ltv_total", "ltv_accounts", "mrr"],
        ["account__segment"],
    )
    ltv = {
        r["segment"]: r
        for r in rows(
            marts,
            """
            select accounts.segment, avg(ltv.ltv_usd) as ltv_average, sum(ltv.ltv_usd) as ltv_total,
                count(ltv.ltv_usd) as ltv_accounts
            from marts.fct_account_ltv as ltv
            inner join marts.dim_accounts as accounts on ltv.account_id = accounts.account_id
            group by accounts.segment
            """,
        )
    }
    current = {
        r["segment"]: r["mrr_usd"]
        for r in rows(
            marts,
            """
            select accounts.segment, sum(mrr.mrr_usd) as mrr_usd
            from marts.fct_mrr_monthly as mrr
            inner join marts.dim_accounts as accounts on mrr.account_id = accounts.account_id
            where mrr.month = (select max(month) from marts.fct_mrr_monthly)
            group by accounts.segment
            """,
        )
    }
    current_from_dim = {
        r["segment"]: r["mrr_usd"]
        for r in rows(
            marts, "select segment, sum(current_mrr_usd) as mrr_usd from marts.dim_accounts group by segment"
        )
    }
    by_segment = {r["account__segment"]: r for r in got}
    assert set(ltv) <= set(by_segment) and len(ltv) >= 2
    for segment, mart in ltv.items():
        row = by_segment[segment]
        if mart["ltv_average"] is None:  # no account of the segment has an LTV (insufficient_data)
            assert row["ltv_average"] == "", segment
        else:
            assert abs(Decimal(row["ltv_average"]) - Decimal(str(mart["ltv_average"]))) < CENT / 2, segment
        assert money(row["ltv_total"]) == (mart["ltv_total"] or 0), segment
        assert int(float(row["ltv_accounts"])) == mart["ltv_accounts"], segment
    for segment, mrr_usd in current.items():
        assert money(by_segment[segment]["mrr"]) == mrr_usd == current_from_dim[segment], segment


def test_mrr_by_csm_and_stage_adds_up_to_the_closing_mrr(
    warehouse: Path, marts: duckdb.DuckDBPyConnection, timings: Timings
) -> None:
    got = mf_query(
        warehouse, timings, "by_csm_and_stage", ["mrr"], ["account__csm_name", "account__current_stage"]
    )
    expected = rows(
        marts,
        """
        select csm_name, current_stage, sum(current_mrr_usd) as mrr_usd
        from marts.dim_accounts
        where account_id in (select account_id from marts.fct_mrr_monthly)
        group by csm_name, current_stage
        """,
    )
    want = {(r["csm_name"] or "", r["current_stage"] or ""): r["mrr_usd"] for r in expected}
    have = {(r["account__csm_name"], r["account__current_stage"]): money(r["mrr"]) for r in got}
    assert have == want
    (closing,) = marts.execute(
        "select closing_mrr_usd from marts.mrr_waterfall_monthly order by month desc limit 1"
    ).fetchone()
    assert sum(have.values()) == closing


# --- the CLI ----------------------------------------------------------------------------------


def test_mf_refuses_a_missing_warehouse_instead_of_creating_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.duckdb"
    env = {**os.environ, "LIFECYCLE_WAREHOUSE": str(missing)}
    proc = subprocess.run(
        [venv_tool("lifecycle"), "mf", "query", "--metrics", "mrr"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "no warehouse at" in proc.stderr
    assert not missing.exists()


def test_each_warehouse_name_gets_its_own_semantic_manifest_refreshed_when_stale(tmp_path: Path) -> None:
    """The semantic manifest names tables by database (the DuckDB file's stem), so each name has
    its own under target/metricflow/<name>/; `lifecycle mf` runs `dbt parse` into it first when it
    is missing, older than a YAML, or reads another database."""
    project = tmp_path / "project"
    (project / "models" / "marts").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: x\n")
    model_yaml = project / "models" / "marts" / "_marts__models.yml"
    model_yaml.write_text("version: 2\n")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    demo = tmp_path / "copies" / "demo.duckdb"
    assert duckdb_database_name(warehouse) == "warehouse" and duckdb_database_name(demo) == "demo"
    assert metricflow_project_dir(project, warehouse) == project / "target" / "metricflow" / "warehouse"
    assert semantic_manifest_is_stale(project, warehouse), "missing"

    def write_manifest(database: str) -> None:
        manifest = metricflow_project_dir(project, warehouse) / "target" / "semantic_manifest.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        relation = {"database": database, "schema_name": "marts", "alias": "dim_accounts"}
        manifest.write_text(
            json.dumps({"semantic_models": [{"name": "accounts", "node_relation": relation}]})
        )

    write_manifest("warehouse")
    past = time.time() - 60
    for path in (project / "dbt_project.yml", model_yaml):
        os.utime(path, (past, past))
    assert not semantic_manifest_is_stale(project, warehouse)
    assert semantic_manifest_is_stale(project, demo), "demo.duckdb has its own, not parsed yet"
    write_manifest("other")
    assert semantic_manifest_is_stale(project, warehouse), "a manifest reading another database"
    write_manifest("warehouse")
    os.utime(model_yaml, (time.time() + 60, time.time() + 60))
    assert semantic_manifest_is_stale(project, warehouse), "a YAML edited after the parse"


def test_the_queries_read_a_manifest_parsed_for_their_warehouse(warehouse: Path) -> None:
    """After the queries above, the warehouse's MetricFlow dir holds a current manifest for it."""
    manifest = metricflow_project_dir(PROJECT_DIR, warehouse) / "target" / "semantic_manifest.json"
    assert manifest.exists()
    assert not semantic_manifest_is_stale(PROJECT_DIR, warehouse)
    assert (manifest.parent.parent / "dbt_project.yml").read_text() == (
        PROJECT_DIR / "dbt_project.yml"
    ).read_text()
