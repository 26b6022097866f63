"""The dashboard on a hand-made serving DB: every page, its tiles, its "not built yet" notes.

The serving DB is built here with duckdb, a few rows per mart with figures computed by hand in
the comments; the app runs in Streamlit's AppTest (no server, no browser) with LIFECYCLE_SERVING
pointing at it. The format functions have their own file, tests/test_dashboard_format.py.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from lifecycle import child_process
from lifecycle.cli import main
from lifecycle.dashboard import data
from lifecycle.dashboard.filters import Filters
from lifecycle.dashboard.launch import APP, streamlit_command

PAGES = ("revenue", "lifecycle", "health", "ltv", "worklist")
AS_OF = date(2025, 12, 31)

# Five accounts: A and C smb, B and D enterprise, E mid_market.
SCHEMA = {
    "dim_accounts": """account_id varchar, account_name varchar, segment varchar, owner_name varchar,
        csm_name varchar, current_mrr_usd decimal(18,2), current_health_band varchar""",
    "fct_mrr_monthly": """account_id varchar, month date, mrr_usd decimal(18,2), arr_usd decimal(18,2),
        previous_mrr_usd decimal(18,2), movement_type varchar, mrr_change_usd decimal(18,2)""",
    "mrr_waterfall_monthly": """month date, opening_mrr_usd decimal(18,2), new_mrr_usd decimal(18,2),
        reactivation_mrr_usd decimal(18,2), expansion_mrr_usd decimal(18,2),
        contraction_mrr_usd decimal(18,2), churn_mrr_usd decimal(18,2), closing_mrr_usd decimal(18,2),
        customers bigint""",
    "fct_retention_monthly": """month date, segment varchar, base_accounts bigint,
        starting_mrr_usd decimal(18,2), ending_mrr_usd decimal(18,2), ndr decimal(18,6),
        grr decimal(18,6), logo_retention decimal(18,6)""",
    "fct_lifecycle_spells": """account_id varchar, land_number hugeint, stage varchar, phase varchar,
        provider_play varchar, valid_from date, valid_to date""",
    "fct_account_onboarding": """account_id varchar, land_number hugeint, is_reactivation boolean,
        segment varchar, land_date date, first_value_date date, time_to_first_value_days bigint,
        adopted_date date, churned_date date""",
    "fct_health_weekly": """account_id varchar, week date, snapshot_date date, health_score decimal(5,1),
        health_band varchar, usage_score decimal(5,1), breadth_score decimal(5,1),
        support_score decimal(5,1), sentiment_score decimal(5,1), relationship_score decimal(5,1),
        billing_score decimal(5,1), primary_driver varchar, stage varchar, mrr_usd decimal(18,2)""",
    "health_backtest": """band varchar, account_weeks hugeint, churned_90d hugeint,
        churn_rate_90d decimal(6,4), auc decimal(6,4), band_order integer""",
    "fct_account_ltv": """account_id varchar, segment varchar, billing_interval varchar, is_live boolean,
        realised_recurring_usd decimal(18,2), realised_services_usd decimal(18,2),
        realised_total_usd decimal(18,2), ltv_status varchar, expected_residual_usd decimal(18,2),
        ltv_usd decimal(18,2)""",
    "ltv_model_parameters": """segment varchar, billing_interval varchar, fit_status varchar,
        fit_message varchar, alpha double, beta double, customers bigint, churned_customers bigint,
        live_customers bigint, arpa_usd decimal(18,2), geometric_churn_rate double,
        simple_ltv_usd decimal(18,2), sbg_new_customer_ltv_usd decimal(18,2),
        geometric_new_customer_ltv_usd decimal(18,2)""",
    "fct_services_impact": """has_services boolean, segment varchar, accounts bigint,
        services_revenue_usd decimal(18,2), avg_realised_recurring_usd decimal(18,2),
        base_accounts bigint, ndr decimal(18,6), grr decimal(18,6), logo_retention decimal(18,6),
        median_time_to_first_value_days decimal(10,1)""",
    "csm_worklist": """worklist_date date, is_current boolean, account_id varchar, account_name varchar,
        segment varchar, play varchar, priority_score decimal(18,2), priority_rank bigint,
        arr_at_stake_usd decimal(18,2), urgency decimal(8,4), owner_name varchar, owner_role varchar,
        reasons varchar, health_score decimal(5,1), health_band varchar, days_to_renewal bigint""",
}

ROWS = {
    "dim_accounts": [
        ("A", "Alpha GmbH", "smb", "Ana Ruiz", "Ana Ruiz", 450, "green"),
        ("B", "Bravo Ltd", "enterprise", "Ben Okafor", "Ben Okafor", 475, "red"),
        ("C", "Charlie SA", "smb", "Ana Ruiz", None, 10, "red"),
        ("D", "Delta Inc", "enterprise", "Ben Okafor", None, 0, None),
        ("E", "Echo BV", "mid_market", "Ben Okafor", "Ben Okafor", 300.5, "yellow"),
    ],
    # Nov: opening 400+500+100 = 1000; A +50 expansion, B -25 contraction, C -100 churn, D +200 new
    #      -> closing 450+475+200 = 1125, 3 customers (A, B, D)
    # Dec: opening 1125; C +10 reactivation, D -200 churn, E +300.50 new
    #      -> closing 450+475+10+300.50 = 1235.50, 4 customers (A, B, C, E)
    "fct_mrr_monthly": [
        ("A", "2025-11-01", 450, 5400, 400, "expansion", 50),
        ("B", "2025-11-01", 475, 5700, 500, "contraction", -25),
        ("C", "2025-11-01", 0, 0, 100, "churn", -100),
        ("D", "2025-11-01", 200, 2400, 0, "new", 200),
        ("A", "2025-12-01", 450, 5400, 450, None, 0),
        ("B", "2025-12-01", 475, 5700, 475, None, 0),
        ("C", "2025-12-01", 10, 120, 0, "reactivation", 10),
        ("D", "2025-12-01", 0, 0, 200, "churn", -200),
        ("E", "2025-12-01", 300.50, 3606, 0, "new", 300.50),
    ],
    "mrr_waterfall_monthly": [
        ("2025-11-01", 1000, 200, 0, 50, -25, -100, 1125, 3),
        ("2025-12-01", 1125, 300.50, 10, 0, 0, -200, 1235.50, 4),
    ],
    "fct_retention_monthly": [
        ("2025-11-01", "all", 3, 1000, 1100, 1.1, 0.9, 1.0),
        ("2025-12-01", "all", 3, 1000, 1041.67, 1.041667, 0.9534123, 0.666667),
        ("2025-12-01", "smb", 2, 500, 250, 0.5, 0.45, 0.5),
        ("2025-12-01", "enterprise", 1, 500, 791.67, 1.58334, 1.0, 1.0),
    ],
    # funnel: land A B C D E = 5; adopt (adopt or expand) A B E = 3; expand A B = 2; renew B = 1
    "fct_lifecycle_spells": [
        ("A", 1, "land", "new", "integrate_services", "2025-01-10", "2025-02-01"),
        ("A", 1, "adopt", "new", "integrate_services", "2025-02-01", "2025-03-01"),
        ("A", 1, "expand", "growing", "tending", "2025-03-01", None),
        ("B", 1, "land", "new", "integrate_services", "2025-02-05", "2025-04-01"),
        ("B", 1, "expand", "growing", "tending", "2025-04-01", "2025-11-15"),
        ("B", 1, "renew", "renewal", "harvesting", "2025-11-15", None),
        ("C", 1, "land", "new", "saving", "2025-03-01", "2025-11-01"),
        ("C", 1, "churned", "cancelled", None, "2025-11-01", "2025-12-10"),
        ("C", 2, "land", "new", "integrate_services", "2025-12-10", None),
        ("D", 1, "land", "new", "integrate_services", "2025-10-20", "2025-12-01"),
        ("D", 1, "churned", "cancelled", None, "2025-12-01", None),
        ("E", 1, "land", "new", "integrate_services", "2025-12-05", "2025-12-20"),
        ("E", 1, "adopt", "new", "integrate_services", "2025-12-20", None),
    ],
    # time to first value: A 10, B 3, E 15 days -> median 10 (enterprise: 3)
    "fct_account_onboarding": [
        ("A", 1, False, "smb", "2025-01-10", "2025-01-20", 10, "2025-03-01", None),
        ("B", 1, False, "enterprise", "2025-02-05", "2025-02-08", 3, "2025-04-01", None),
        ("C", 1, False, "smb", "2025-03-01", None, None, None, "2025-11-01"),
        ("C", 2, True, "smb", "2025-12-10", None, None, None, None),
        ("D", 1, False, "enterprise", "2025-10-20", None, None, None, "2025-12-01"),
        ("E", 1, False, "mid_market", "2025-12-05", "2025-12-20", 15, None, None),
    ],
    # latest week 2025-12-29: B and C red -> 2 accounts in red (smb only: C -> 1)
    "fct_health_weekly": [
        (
            "A",
            "2025-12-22",
            "2025-12-28",
            82,
            "green",
            90,
            70,
            100,
            80,
            60,
            100,
            "relationship",
            "expand",
            450,
        ),
        (
            "B",
            "2025-12-22",
            "2025-12-28",
            45,
            "yellow",
            40,
            50,
            60,
            50,
            30,
            100,
            "relationship",
            "renew",
            475,
        ),
        (
            "A",
            "2025-12-29",
            "2025-12-31",
            80,
            "green",
            90,
            70,
            100,
            80,
            60,
            100,
            "relationship",
            "expand",
            450,
        ),
        ("B", "2025-12-29", "2025-12-31", 30, "red", 20, 30, 40, 30, 10, 100, "relationship", "renew", 475),
        ("C", "2025-12-29", "2025-12-31", 25, "red", 10, 20, 100, 40, 50, 100, "usage", "land", 10),
        ("E", "2025-12-29", "2025-12-31", 55, "yellow", 60, 40, 100, 50, 70, 100, "breadth", "adopt", 300.5),
    ],
    # AUC 0.8250 rounds half up to 0.83 (half-to-even would say 0.82)
    "health_backtest": [
        ("green", 100, 2, 0.02, None, 1),
        ("yellow", 50, 5, 0.1, None, 2),
        ("red", 10, 4, 0.4, None, 3),
        ("all", 160, 11, 0.0688, 0.8250, 4),
    ],
    # LTV: A 1000.25, B 5000.50, D 300 (not live: realised only), E 199.75; C has none
    #      -> average 6500.50 / 4 = 1625.125 -> $1,625 (smb: A -> $1,000)
    "fct_account_ltv": [
        ("A", "smb", "monthly", True, 800, 0, 800, "predicted", 200.25, 1000.25),
        ("B", "enterprise", "annual", True, 4000, 500, 4500, "predicted", 500.50, 5000.50),
        ("C", "smb", "monthly", True, 120, 0, 120, "insufficient_data", None, None),
        ("D", "enterprise", None, False, 300, 0, 300, "not_live", 0, 300),
        ("E", "mid_market", "monthly", True, 150, 0, 150, "predicted", 49.75, 199.75),
    ],
    # fitted groups: 2 of 3 (smb: 1 of 1)
    "ltv_model_parameters": [
        ("smb", "monthly", "fitted", None, 0.5, 5.0, 40, 10, 30, 30, 0.05, 480, 400, 350),
        ("enterprise", "annual", "fitted", None, 1.5, 12.0, 35, 3, 32, 4000, 0.09, 35000, 30000, 28000),
        (
            "mid_market",
            "monthly",
            "insufficient_data",
            "3 subscriptions",
            None,
            None,
            3,
            0,
            3,
            150,
            0.0,
            None,
            None,
            None,
        ),
    ],
    "fct_services_impact": [
        (True, "all", 1, 500, 4000, 1, 1.58, 1.0, 1.0, 3.0),
        (False, "all", 4, 0, 267.5, 2, 0.5, 0.45, 0.5, 12.5),
    ],
    # today (is_current): Ana Ruiz 2 plays, Ben Okafor 3 plays; the week before: not today's list
    "csm_worklist": [
        (
            "2025-12-31",
            True,
            "A",
            "Alpha GmbH",
            "smb",
            "expansion",
            2700,
            1,
            5400,
            0.5,
            "Ana Ruiz",
            "csm",
            "45 of 50 seats active; health green (80.0)",
            80,
            "green",
            None,
        ),
        (
            "2025-12-31",
            True,
            "C",
            "Charlie SA",
            "smb",
            "onboarding",
            72,
            2,
            120,
            0.6,
            "Ana Ruiz",
            "account_executive",
            "landed on 2025-12-10, no first value yet",
            25,
            "red",
            None,
        ),
        (
            "2025-12-31",
            True,
            "B",
            "Bravo Ltd",
            "enterprise",
            "saving",
            5700,
            1,
            5700,
            1.0,
            "Ben Okafor",
            "csm",
            "health red (30.0): relationship",
            30,
            "red",
            40,
        ),
        (
            "2025-12-31",
            True,
            "B",
            "Bravo Ltd",
            "enterprise",
            "renewal_prep",
            4560,
            2,
            5700,
            0.8,
            "Ben Okafor",
            "csm",
            "renewal in 40 days",
            30,
            "red",
            40,
        ),
        (
            "2025-12-31",
            True,
            "E",
            "Echo BV",
            "mid_market",
            "onboarding",
            2163.6,
            3,
            3606,
            0.6,
            "Ben Okafor",
            "csm",
            "landed on 2025-12-05, 26 days ago",
            55,
            "yellow",
            None,
        ),
        (
            "2025-12-28",
            False,
            "A",
            "Alpha GmbH",
            "smb",
            "expansion",
            2600,
            1,
            5400,
            0.48,
            "Ana Ruiz",
            "csm",
            "last week's list",
            82,
            "green",
            None,
        ),
    ],
}


def build_serving(path: Path, marts: tuple[str, ...] | None = None, *, snapshot: bool = True) -> Path:
    """A serving DB like lifecycle.publish writes: schema marts, _publish.snapshot; read-only file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for mart in marts if marts is not None else tuple(SCHEMA):
        con.execute(f"create table marts.{mart} ({SCHEMA[mart]})")
        rows = ROWS[mart]
        con.executemany(f"insert into marts.{mart} values ({', '.join('?' * len(rows[0]))})", rows)
    if snapshot:
        con.execute("create schema _publish")
        con.execute(
            "create table _publish.snapshot as select timestamp '2026-01-01 06:30:00' as published_at_utc, "
            "date '2025-12-31' as as_of_date, 'warehouse.duckdb' as warehouse, '' as tables, 0 as total_rows"
        )
    con.close()
    path.chmod(0o444)  # as published: a reader that tried to write would fail
    return path


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_serving(tmp_path_factory.mktemp("serving") / "serving.duckdb")


def app(monkeypatch: pytest.MonkeyPatch, serving: Path) -> AppTest:
    monkeypatch.setenv("LIFECYCLE_SERVING", str(serving))
    return AppTest.from_file(str(APP), default_timeout=30).run()


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_every_page_renders_with_the_hand_computed_tiles(monkeypatch, serving) -> None:
    at = app(monkeypatch, serving)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Revenue"  # the root URL opens the revenue page
    assert tiles(at) == {
        "Closing MRR": "$1,236",  # 1,235.50 rounds half up
        "ARR": "$14,826",  # 12 x 1,235.50
        "Customers": "4",
        "NDR": "104.2%",
        "GRR": "95.3%",
    }
    waterfall = at.dataframe[0].value  # newest month first, cells rounded like the tiles
    assert waterfall["closing_mrr_usd"].tolist() == [1236.0, 1125.0]
    assert waterfall["churn_mrr_usd"].tolist() == [-200.0, -100.0]
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "2025-12-31" in sidebar and "2026-01-01 06:30 UTC" in sidebar
    assert not at.info and not at.warning and not at.error

    expected = {
        "lifecycle": {"Accounts landed": "5", "Adopted": "3", "Median time to first value": "10 days"},
        "health": {"AUC": "0.83", "Accounts in red": "2"},
        "ltv": {"Average LTV": "$1,625", "Fitted groups": "2"},
        "worklist": {"Plays today": "5"},
    }
    for page, figures in expected.items():
        open_page(at, page)
        assert at.title[0].value == {"ltv": "LTV"}.get(page, page.capitalize())
        assert tiles(at) == figures, page
        assert not at.info and not at.warning and not at.error, page


def test_segment_filter_recomputes_the_waterfall_from_account_months(monkeypatch, serving) -> None:
    at = app(monkeypatch, serving)
    at.sidebar.multiselect(key="filter_segments").set_value(["smb"]).run()
    # smb in Dec: A 450 + C 10 (reactivation) = 460, 2 customers; NDR/GRR of the smb row
    assert tiles(at) == {
        "Closing MRR": "$460",
        "ARR": "$5,520",
        "Customers": "2",
        "NDR": "50.0%",
        "GRR": "45.0%",
    }
    open_page(at, "health")
    assert tiles(at)["Accounts in red"] == "1"  # C only
    open_page(at, "ltv")
    assert tiles(at) == {"Average LTV": "$1,000", "Fitted groups": "1"}
    open_page(at, "lifecycle")
    assert tiles(at) == {"Accounts landed": "2", "Adopted": "1", "Median time to first value": "10 days"}


def test_month_filter_shows_the_last_month_in_the_range(monkeypatch, serving) -> None:
    at = app(monkeypatch, serving)
    months = at.sidebar.select_slider(key="filter_months")
    assert months.options[0] == "Jan 2025" and months.options[-1] == "Dec 2025"  # first land to as-of
    months.set_range(date(2025, 1, 1), date(2025, 11, 1)).run()
    assert not at.exception
    assert tiles(at) == {
        "Closing MRR": "$1,125",
        "ARR": "$13,500",
        "Customers": "3",
        "NDR": "110.0%",
        "GRR": "90.0%",
    }


def test_worklist_filters_by_owner_and_shows_the_chosen_accounts_history(monkeypatch, serving) -> None:
    at = open_page(app(monkeypatch, serving), "worklist")
    at.selectbox(key="worklist_owner").set_value("Ana Ruiz").run()
    assert tiles(at) == {"Plays today": "2"}
    table = at.dataframe[0].value
    assert list(table["account_name"]) == ["Alpha GmbH", "Charlie SA"]  # ranked by priority
    assert list(table["priority_rank"]) == [1, 2]

    at.selectbox(key="worklist_owner").set_value("Ben Okafor").run()
    assert tiles(at) == {"Plays today": "3"}
    at.selectbox(key="worklist_account").set_value("B").run()
    assert not at.exception
    assert any(s.value == "History: Bravo Ltd" for s in at.subheader)
    spells = at.dataframe[1].value
    assert list(spells["stage"]) == ["land", "expand", "renew"]
    assert "MRR now: $475 (ARR $5,700)." in [c.value for c in at.caption]
    plays = " ".join(m.value for m in at.markdown)
    assert "**Saving** (priority $5,700): health red (30.0): relationship" in plays
    assert "renewal in 40 days" in plays


def test_stage_mix_counts_live_accounts_per_stage_at_each_month_end(monkeypatch, serving) -> None:
    from lifecycle.dashboard.views.lifecycle import funnel, stage_mix

    monkeypatch.setenv("LIFECYCLE_SERVING", str(serving))
    filters = Filters(earliest_month=date(2025, 11, 1), latest_month=date(2025, 12, 1), as_of_date=AS_OF)
    mix = stage_mix(filters)
    by_day = {
        str(day.date()): dict(zip(g["stage"], g["accounts"], strict=True)) for day, g in mix.groupby("day")
    }
    # 30 Nov: A expand, B renew (from 15 Nov), C churned (not live), D land
    # 31 Dec (as of): A expand, B renew, C land again, D churned, E adopt (from 20 Dec)
    assert by_day == {
        "2025-11-30": {"expand": 1, "land": 1, "renew": 1},
        "2025-12-31": {"adopt": 1, "expand": 1, "land": 1, "renew": 1},
    }
    steps = funnel(Filters())
    assert list(steps["accounts"]) == [5, 3, 2, 1]
    # lands that started in Dec 2025: C's second land, E
    december = funnel(Filters(first_month=date(2025, 12, 1), latest_month=date(2025, 12, 1)))
    assert list(december["accounts"]) == [2, 1, 0, 0]


def test_missing_marts_show_not_built_yet_notes(monkeypatch, tmp_path) -> None:
    serving = build_serving(tmp_path / "partial.duckdb", ("mrr_waterfall_monthly", "dim_accounts"))
    at = app(monkeypatch, serving)
    assert not at.exception
    assert tiles(at)["Closing MRR"] == "$1,236"
    assert tiles(at)["NDR"] == "—"
    notes = " ".join(i.value for i in at.info).lower()
    assert "not built yet" in notes and "fct_retention_monthly" in notes and "make run" in notes
    missing = {
        "lifecycle": ["fct_lifecycle_spells", "fct_account_onboarding"],
        "health": ["fct_health_weekly", "health_backtest"],
        "ltv": ["fct_account_ltv", "ltv_model_parameters", "fct_services_impact"],
        "worklist": ["csm_worklist"],
    }
    for page, marts in missing.items():
        open_page(at, page)
        notes = " ".join(i.value for i in at.info).lower()
        assert "not built yet" in notes and len(at.info) == 1, page
        for mart in marts:
            assert mart in notes, (page, mart)
        assert all(v == "—" for v in tiles(at).values()), page


def test_a_serving_db_without_a_snapshot_row_still_renders(monkeypatch, tmp_path) -> None:
    serving = build_serving(tmp_path / "old.duckdb", snapshot=False)
    at = app(monkeypatch, serving)
    assert not at.exception
    assert "as-of date unknown" in " ".join(c.value for c in at.sidebar.caption)
    assert tiles(at)["Closing MRR"] == "$1,236"


def test_no_serving_file_gives_one_clear_message_on_every_page(monkeypatch, tmp_path) -> None:
    missing = tmp_path / "nowhere" / "serving.duckdb"
    at = app(monkeypatch, missing)
    for page in PAGES:
        if page != "revenue":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, page
        assert len(at.error) == 1, page
        assert str(missing) in at.error[0].value and "make run" in at.error[0].value
        assert not at.metric


def test_a_publish_is_seen_on_the_next_query(tmp_path, monkeypatch) -> None:
    # publish replaces the file with os.replace; the cached connection must not keep the old one
    path = build_serving(tmp_path / "serving.duckdb")
    monkeypatch.setenv("LIFECYCLE_SERVING", str(path))
    sql = "select max(closing_mrr_usd) as c from marts.mrr_waterfall_monthly"
    assert data.scalar(sql) == pytest.approx(1235.50)
    fresh = tmp_path / "next.duckdb"
    con = duckdb.connect(str(fresh))
    con.execute("create schema marts")
    con.execute(f"create table marts.mrr_waterfall_monthly ({SCHEMA['mrr_waterfall_monthly']})")
    con.execute("insert into marts.mrr_waterfall_monthly values ('2026-01-01', 0, 0, 0, 0, 0, 0, 2000, 9)")
    con.close()
    os.replace(fresh, path)
    assert data.scalar(sql) == pytest.approx(2000)
    assert data.missing_marts(["mrr_waterfall_monthly", "dim_accounts"]) == ["dim_accounts"]


def test_dashboard_command_runs_streamlit_headless_and_prints_the_url(
    monkeypatch, serving, tmp_path, capsys
) -> None:
    calls = []

    def fake_run_child(cmd, **kwargs):
        calls.append((cmd, kwargs))
        return 0

    monkeypatch.setattr(child_process, "run_child", fake_run_child)
    monkeypatch.setenv("LIFECYCLE_SERVING", str(serving))
    assert main(["dashboard", "--port", "8765"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"dashboard: http://localhost:8765 (reading {serving}, as of 2025-12-31)"
    ((cmd, kwargs),) = calls
    assert cmd[1:5] == ["-m", "streamlit", "run", str(APP)]
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags == {
        "--server.headless": "true",
        "--server.address": "127.0.0.1",
        "--server.port": "8765",
        "--browser.gatherUsageStats": "false",
    }
    assert kwargs["env"]["LIFECYCLE_SERVING"] == str(serving)
    assert cmd == streamlit_command(8765)

    monkeypatch.setenv("LIFECYCLE_SERVING", str(tmp_path / "none.duckdb"))
    assert main(["dashboard", "--port", "8766"]) == 0  # still starts: every page says what to do
    captured = capsys.readouterr()
    assert captured.out.startswith(f"dashboard: http://localhost:8766 (reading {tmp_path / 'none.duckdb'}")
    assert "warning: no serving DB" in captured.err and "make run" in captured.err
    assert len(calls) == 2


class _InterruptedServer:
    """A stand-in for the streamlit process: Ctrl-C arrives while the command waits for it."""

    def __init__(self, cmd, **kwargs) -> None:
        self.waits = 0

    def wait(self, timeout=None) -> int:
        self.waits += 1
        if self.waits == 1:
            raise KeyboardInterrupt
        return -2  # the terminal's SIGINT ended it too

    def poll(self) -> int | None:
        return None

    def send_signal(self, signum) -> None:
        pass

    def kill(self) -> None:
        pass


def test_dashboard_command_stops_cleanly_on_ctrl_c(monkeypatch, serving, capsys) -> None:
    monkeypatch.setattr(child_process.subprocess, "Popen", _InterruptedServer)
    monkeypatch.setenv("LIFECYCLE_SERVING", str(serving))
    assert main(["dashboard", "--port", "8767"]) == 0
    assert "interrupted" not in capsys.readouterr().err


def test_the_hand_made_marts_only_use_columns_the_real_marts_have(serving) -> None:
    # the dashboard's SQL runs on these tables: a column the marts do not have would pass here
    # and fail on a real serving DB
    documented: dict[str, set[str]] = {}
    for yml in (Path(__file__).parents[1] / "models" / "marts").glob("*.yml"):
        for model in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            documented[model["name"]] = {c["name"] for c in model.get("columns", [])}
    con = duckdb.connect(str(serving), read_only=True)
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
    ).fetchall()
    con.close()
    assert {t for t, _ in rows} == set(SCHEMA)
    for mart, column in rows:
        assert column in documented[mart], f"{mart}.{column} is not a column of the real mart"


def test_a_new_publish_under_an_open_page_resets_filters_it_no_longer_offers(monkeypatch, tmp_path) -> None:
    path = build_serving(tmp_path / "serving.duckdb")
    at = app(monkeypatch, path)
    at.sidebar.select_slider(key="filter_months").set_range(date(2025, 1, 1), date(2025, 11, 1)).run()
    at.sidebar.multiselect(key="filter_segments").set_value(["smb"]).run()
    assert tiles(at)["Closing MRR"] == "$450"
    # the next publish has months from Nov 2025 only (no onboarding mart): Jan 2025 is gone, and
    # no segments (no dim_accounts, retention, worklist)
    os.replace(build_serving(tmp_path / "next.duckdb", ("mrr_waterfall_monthly",)), path)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.select_slider(key="filter_months").value == (date(2025, 11, 1), date(2025, 12, 1))
    assert at.sidebar.multiselect(key="filter_segments").value == []
    assert tiles(at)["Closing MRR"] == "$1,236"
