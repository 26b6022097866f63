"""Connector layouts (lifecycle.connectors): settings, discovery, the loader on a connector's own
files, and the simulator's Fivetran Stripe form. The adapters' SQL: their dbt unit tests; the whole
layout against the contract's, mart by mart: ``make test-connectors``."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lifecycle.connectors import CONTRACT, LAYOUTS, describe, tables_for
from lifecycle.contract import TABLES
from lifecycle.loader import FAILED, LOADED, discover, has_batches, load_landing
from lifecycle.settings import ConfigError, Settings
from lifecycle.simulator import as_fivetran_stripe as stripe
from lifecycle.simulator.layouts import LayoutError, _typed, parse_layout_list, simulate_in_layouts

FIXTURES = Path(__file__).parent / "fixtures" / "connectors"


# -- settings -------------------------------------------------------------------------------------
def test_layouts_default_to_the_contract_and_are_checked() -> None:
    assert Settings.from_env({}).layouts == {"crm": CONTRACT, "billing": CONTRACT, "usage": CONTRACT}
    s = Settings.from_env({"LIFECYCLE_BILLING_LAYOUT": " Fivetran_Stripe "})
    assert s.layouts["billing"] == "fivetran_stripe"
    assert s.layout_vars() == {"billing_layout": "fivetran_stripe"}
    assert s.dbt_env()["LIFECYCLE_BILLING_LAYOUT"] == "fivetran_stripe"
    assert Settings.from_env({}).layout_vars() == {}  # the default parse is unchanged
    with pytest.raises(ConfigError, match=r"LIFECYCLE_BILLING_LAYOUT='segment' is not a layout of billing"):
        Settings.from_env({"LIFECYCLE_BILLING_LAYOUT": "segment"})
    with pytest.raises(ConfigError, match="LIFECYCLE_USAGE_LAYOUT"):
        Settings.from_env({"LIFECYCLE_USAGE_LAYOUT": "fivetran_stripe"})  # a billing layout


def test_tables_for_a_layout_replace_the_source_tables() -> None:
    keys = [t.key for t in tables_for({"billing": "fivetran_stripe"})]
    assert not any(k.startswith("billing__") for k in keys)
    assert [k for k in keys if k.startswith("crm__")] == [t.key for t in TABLES if t.source == "crm"]
    assert {f"fivetran_stripe__{t.name}" for t in LAYOUTS["fivetran_stripe"].tables} <= set(keys)
    assert (
        describe({"billing": "fivetran_stripe"}) == "crm: contract, billing: fivetran_stripe, usage: contract"
    )


def test_simulate_layout_list_is_checked() -> None:
    assert parse_layout_list("fivetran_stripe, contract") == {"billing": "fivetran_stripe"}
    with pytest.raises(LayoutError, match="unknown layout 'hubspot'"):
        parse_layout_list("hubspot")


# -- discovery and loading ------------------------------------------------------------------------
def _landing(tmp_path: Path) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "fivetran_stripe", landing / "fivetran_stripe")
    (landing / "billing" / "customers").mkdir(parents=True)
    (landing / "billing" / "customers" / "2025-03-01.csv").write_text("id\n")
    return landing


def test_discovery_reads_the_chosen_layout_and_names_what_it_ignores(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    contract = discover(landing)
    assert [f.batch_file for f in contract.files] == ["billing/customers/2025-03-01.csv"]
    assert any("fivetran_stripe/ ignored: billing is read as contract" in n for n in contract.notes)
    stripe_read = discover(landing, layouts={"billing": "fivetran_stripe"})
    assert [f.batch_file for f in stripe_read.files] == [
        "fivetran_stripe/subscription_history/2025-03-02.csv",
        "fivetran_stripe/subscription_item/2025-03-02.csv",
    ]
    assert any(
        "billing/ ignored: LIFECYCLE_BILLING_LAYOUT=fivetran_stripe reads fivetran_stripe/" in n
        for n in stripe_read.notes
    )
    assert has_batches(tmp_path / "landing")
    shutil.rmtree(landing / "billing")
    assert has_batches(landing)  # a connector's files are data too: never simulated over


def test_loader_lands_a_connectors_own_files_and_rejects_one_without_its_sync_time(tmp_path: Path) -> None:
    landing = _landing(tmp_path)
    report = load_landing(
        landing, tmp_path / "wh.duckdb", progress=None, layouts={"billing": "fivetran_stripe"}
    )
    status = {f.batch_file: (f.status, f.error) for f in report.files}
    assert status["fivetran_stripe/subscription_history/2025-03-02.csv"][0] == LOADED
    item_status, item_error = status["fivetran_stripe/subscription_item/2025-03-02.csv"]
    assert item_status == FAILED and "_fivetran_synced" in (item_error or "")
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        rows = con.execute(
            "select id, status, _fivetran_start, _fivetran_active, _row_number "
            'from raw."fivetran_stripe__subscription_history" order by _row_number'
        ).fetchall()
        columns = [
            r[0] for r in con.execute('describe raw."fivetran_stripe__subscription_history"').fetchall()
        ]
    finally:
        con.close()
    assert rows == [
        ("sub_1", "trialing", "2025-01-01T00:00:00Z", "false", 1),
        ("sub_1", "active", "2025-01-15T00:00:00Z", "false", 2),
        ("sub_1", "past_due", "2025-02-15T00:00:00Z", "true", 3),
        ("sub_2", "active", "last tuesday", "true", 4),  # landed as text; staging quarantines it
    ]
    assert "livemode" not in columns and "billing_cycle_anchor" not in columns  # unknown columns ignored


# -- the simulator's Fivetran Stripe form ---------------------------------------------------------
def _version(sub: str, at: str, percent: str | None, loaded: str) -> dict:
    return {
        "id": sub,
        "customer_id": "cus_1",
        "status": "active",
        "created_at": "2025-01-01T00:00:00Z",
        "start_date": "2025-01-01T00:00:00Z",
        "trial_start": None,
        "trial_end": None,
        "current_period_start": at,
        "current_period_end": at,
        "cancel_at_period_end": "false",
        "canceled_at": None,
        "ended_at": None,
        "discount_percent_off": percent,
        "updated_at": at,
        "_loaded_at": loaded,
    }


def test_a_percentage_off_becomes_a_discount_that_a_later_sync_ends() -> None:
    state = stripe.StripeState()
    jan = stripe.convert(
        "subscriptions",
        [
            _version("sub_1", "2025-01-01T00:00:00Z", None, "2025-01-02T02:00:00Z"),
            _version("sub_1", "2025-01-10T00:00:00Z", "20.0", "2025-01-02T02:00:01Z"),
        ],
        state,
    )
    assert [r["_fivetran_active"] for r in jan["subscription_history"]] == ["false", "true"]
    assert jan["subscription_history"][0]["_fivetran_end"] == "2025-01-10T00:00:00Z"
    assert jan["coupon"] == [
        {
            "id": "pct_20",
            "percent_off": "20.0",
            "amount_off": None,
            "duration": "forever",
            "created": None,
            "_fivetran_synced": "2025-01-02T02:00:01Z",
        }
    ]
    assert [(d["id"], d["start"], d["end"]) for d in jan["discount"]] == [
        ("di_sub_1_1", "2025-01-10T00:00:00Z", None)
    ]
    # a bad copy (unparseable percentage) is not a change Stripe could hold
    feb = stripe.convert(
        "subscriptions",
        [
            _version("sub_1", "2025-02-10T00:00:00Z", "12a", "2025-03-01T02:00:00Z"),
            _version("sub_1", "2025-02-10T00:00:00Z", None, "2025-03-01T02:00:00Z"),
        ],
        state,
    )
    assert [(d["id"], d["start"], d["end"]) for d in feb["discount"]] == [
        ("di_sub_1_1", "2025-01-10T00:00:00Z", "2025-02-10T00:00:00Z")
    ]
    assert "coupon" not in feb


def test_prices_amounts_and_refunds_take_stripes_shapes() -> None:
    prices = [
        {
            "id": f"price_{i}",
            "type": "recurring",
            "product_id": "p",
            "nickname": None,
            "currency": "usd",
            "unit_amount": "100",
            "recurring_interval": "month",
            "recurring_interval_count": "1",
            "active": "true",
            "created_at": "2025-01-01T00:00:00Z",
            "_loaded_at": "2025-01-02T02:00:00Z",
        }
        for i in range(40)
    ]
    out = stripe.convert("prices", prices, stripe.StripeState())
    assert 0 < len(out["plan"]) < len(prices) and len(out["plan"]) + len(out["price"]) == len(prices)
    assert {r["id"] for r in out["plan"]} == {p["id"] for p in prices if stripe.is_legacy_plan(p)}
    assert not stripe.is_legacy_plan({**prices[0], "type": "one_time"})
    assert stripe._amounts("0") == "[]" and stripe._amounts("300") == '[{"amount":300}]'
    assert stripe._amounts("12a") == '[{"amount":"12a"}]' and stripe._amounts(None) is None
    refund = {
        "id": "re_1",
        "invoice_id": "in_1",
        "amount": "5",
        "currency": "usd",
        "reason": None,
        "status": "succeeded",
        "created_at": "2025-01-01T00:00:00Z",
        "_loaded_at": "2025-01-02T02:00:00Z",
    }
    out = stripe.convert(
        "refunds", [refund, {**refund, "id": "re_2", "invoice_id": None}], stripe.StripeState()
    )
    assert [r["charge_id"] for r in out["refund"]] == ["ch_in_1", None]
    assert out["charge"][0]["invoice_id"] == "in_1" and len(out["charge"]) == 1


def test_connector_columns_are_typed_unless_a_value_does_not_parse() -> None:
    assert _typed(["2025-01-01T00:00:00Z", None], "timestamp").type == pa.timestamp("us", tz="UTC")
    assert _typed(["2025-01-01T00:00:00Z", "yesterday"], "timestamp").type == pa.string()
    assert _typed(["12", "-3"], "int").to_pylist() == [12, -3]
    assert _typed(["12", "12a"], "int").type == pa.string()
    assert _typed(["TRUE", "f"], "bool").to_pylist() == [True, False]


def test_simulate_writes_billing_as_fivetran_stripe_beside_the_contract_copy(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    simulate_in_layouts(out, {"billing": "fivetran_stripe"}, scale="small", seed=3, months=3, progress=None)
    assert (out / ".contract" / "billing" / "subscriptions").is_dir()
    assert not (out / "billing").exists() and (out / "crm" / "accounts").is_dir()
    history = sorted((out / "fivetran_stripe" / "subscription_history").iterdir())
    table = pq.read_table(history[-1])
    assert table.schema.field("_fivetran_start").type == pa.timestamp("us", tz="UTC")
    before = {p: p.read_bytes() for p in (out / "fivetran_stripe").rglob("*.parquet")}
    simulate_in_layouts(out, {"billing": "fivetran_stripe"}, scale="small", seed=3, months=3, progress=None)
    assert {
        p: p.read_bytes() for p in (out / "fivetran_stripe").rglob("*.parquet")
    } == before  # deterministic


def test_simulate_in_layouts_refuses_a_dir_holding_other_files(tmp_path: Path) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("x")
    with pytest.raises(LayoutError, match="did not write"):
        simulate_in_layouts(foreign, {"billing": "fivetran_stripe"}, scale="small", progress=None)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]  # nothing written


# -- Salesforce -----------------------------------------------------------------------------------
def test_salesforce_custom_field_names_are_settings_the_loader_lands_under(tmp_path: Path) -> None:
    env = {"LIFECYCLE_CRM_LAYOUT": "fivetran_salesforce", "LIFECYCLE_SALESFORCE_CSM_FIELD": "csm_owner_c"}
    s = Settings.from_env(env)
    assert s.connector_options == {"LIFECYCLE_SALESFORCE_CSM_FIELD": "csm_owner_c"}
    assert s.dbt_env()["LIFECYCLE_SALESFORCE_CSM_FIELD"] == "csm_owner_c"
    with pytest.raises(ConfigError, match="LIFECYCLE_SALESFORCE_CSM_FIELD='CSM__c' is not a field name"):
        Settings.from_env({**env, "LIFECYCLE_SALESFORCE_CSM_FIELD": "CSM__c"})
    landing = tmp_path / "landing"
    account = landing / "fivetran_salesforce" / "account"
    account.mkdir(parents=True)
    (account / "2025-03-02.csv").write_text(
        "id,name,owner_id,csm_owner_c,customer_success_manager_c,created_date,_fivetran_synced\n"
        "001A,Acme,005AE,005CS,005WRONG,2025-01-01T00:00:00Z,2025-03-02T02:00:00Z\n"
    )
    report = load_landing(
        landing, tmp_path / "wh.duckdb", progress=None, layouts=s.layouts, options=s.connector_options
    )
    assert {f.batch_file: f.status for f in report.files} == {
        "fivetran_salesforce/account/2025-03-02.csv": LOADED
    }
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        got = con.execute('select id, csm_owner_c from raw."fivetran_salesforce__account"').fetchall()
    finally:
        con.close()
    assert got == [("001A", "005CS")]  # the configured field, not the default-named one


def test_salesforce_form_uses_picklist_labels_tasks_and_events() -> None:
    from lifecycle.simulator import as_fivetran_salesforce as sf

    assert sf.label("new_business") == "New Business" and sf.label("qbr") == "QBR"
    base = {
        "account_id": "001A",
        "user_id": "005CS",
        "contact_id": None,
        "_loaded_at": "2025-02-02T02:00:00Z",
    }
    out = sf.convert(
        "activities",
        [
            {**base, "id": "a1", "type": "call", "occurred_at": "2025-02-01T10:00:00Z"},
            {**base, "id": "a2", "type": "onboarding_session", "occurred_at": "2025-02-01T11:00:00Z"},
        ],
        sf.State(),
    )
    assert [(r["id"], r["type"], r["activity_date"]) for r in out["task"]] == [("a1", "Call", "2025-02-01")]
    assert [(r["id"], r["type"], r["start_date_time"]) for r in out["event"]] == [
        ("a2", "Onboarding Session", "2025-02-01T11:00:00Z")
    ]
    opp = {
        "id": "o1",
        "account_id": "001A",
        "owner_user_id": "005AE",
        "type": "renewal",
        "amount": "10",
        "currency": "usd",
        "close_date": "2025-03-01",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-02-01T00:00:00Z",
        "is_deleted": "false",
        "_loaded_at": "2025-02-02T02:00:00Z",
    }
    rows = sf.convert(
        "opportunities", [{**opp, "stage": "closed_lost"}, {**opp, "stage": "proposal"}], sf.State()
    )
    assert [(r["stage_name"], r["is_closed"], r["is_won"]) for r in rows["opportunity"]] == [
        ("Closed Lost", "true", "false"),
        ("Proposal", "false", "false"),
    ]


# -- HubSpot --------------------------------------------------------------------------------------
def test_hubspot_form_links_only_known_companies_and_only_when_the_link_changes() -> None:
    from lifecycle.simulator import as_fivetran_hubspot as hs

    state = hs.State()
    hs.convert(
        "accounts",
        [
            {
                "id": "c1",
                "name": "Acme",
                "industry": None,
                "billing_country": None,
                "employee_count": "9",
                "owner_user_id": "o1",
                "csm_user_id": "o2",
                "billing_customer_id": None,
                "workspace_id": None,
                "created_at": "2025-01-01T00:00:00Z",
                "updated_at": "2025-01-01T00:00:00Z",
                "is_deleted": "false",
                "_loaded_at": "2025-01-02T02:00:00Z",
            }
        ],
        state,
    )
    case = {
        "id": "t1",
        "account_id": "c1",
        "contact_id": None,
        "priority": "normal",
        "status": "pending",
        "subject": "x",
        "created_at": "2025-01-03T00:00:00Z",
        "solved_at": None,
        "csat": None,
        "_loaded_at": "2025-01-04T02:00:00Z",
    }
    out = hs.convert("cases", [case, {**case, "account_id": "c_missing"}], state)  # a bad copy after it
    assert out["ticket_company"] == [
        {"ticket_id": "t1", "company_id": "c1", "_fivetran_synced": "2025-01-04T02:00:00Z"}
    ]
    assert [t["property_hs_ticket_priority"] for t in out["ticket"]] == ["MEDIUM", "MEDIUM"]
    assert out["ticket_pipeline_stage"] == [
        {
            "stage_id": "ticket_pending",
            "label": "Waiting on contact",
            "_fivetran_synced": "2025-01-04T02:00:00Z",
        }
    ]
    again = hs.convert("cases", [{**case, "_loaded_at": "2025-02-01T02:00:00Z"}], state)
    assert "ticket_company" not in again and "ticket_pipeline_stage" not in again  # nothing new to link
    users = hs.convert(
        "users",
        [
            {
                "id": "o1",
                "full_name": "Sam Van der Berg",
                "email": None,
                "role": "account_executive",
                "is_active": "true",
                "_loaded_at": "2025-01-02T02:00:00Z",
            }
        ],
        state,
    )
    assert (users["owner"][0]["first_name"], users["owner"][0]["last_name"]) == ("Sam", "Van der Berg")


def test_dagster_raw_assets_follow_the_layouts() -> None:
    """The Dagster definitions' raw assets are the tables the layouts read (a connector's under
    raw/<layout>/<table>, its custom fields as configured): read at load, in a fresh process."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from orchestration.raw_assets import RAW_TABLES; "
        "print(json.dumps([[t.source, t.name, list(t.column_names)] for t in RAW_TABLES]))"
    )
    env = {
        **os.environ,
        "LIFECYCLE_CRM_LAYOUT": "fivetran_salesforce",
        "LIFECYCLE_SALESFORCE_CSM_FIELD": "csm_owner_c",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    tables = {(s, n): cols for s, n, cols in json.loads(out.stdout)}
    assert ("crm", "accounts") not in tables and ("billing", "invoices") in tables
    assert "csm_owner_c" in tables[("fivetran_salesforce", "account")]


# -- a connector's DuckDB destination as the source -----------------------------------------------
def _stripe_database(path: Path, customers: list[tuple[str, str, str]]) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists stripe")
        con.execute(
            "create or replace table stripe.customer (id varchar, email varchar, created timestamptz, "
            "livemode boolean, _fivetran_synced timestamptz)"
        )
        con.executemany("insert into stripe.customer values (?, null, ?, false, ?)", customers)
    finally:
        con.close()


def test_a_connector_database_is_read_table_by_table_and_reloaded_when_it_changes(tmp_path: Path) -> None:
    db = tmp_path / "fivetran.duckdb"
    _stripe_database(db, [("cus_1", "2025-01-01 00:00:00+00", "2025-01-02 02:00:00+00")])
    env = {
        "LIFECYCLE_BILLING_LAYOUT": "fivetran_stripe",
        "LIFECYCLE_FIVETRAN_STRIPE_DATABASE": str(db),
    }
    s = Settings.from_env(env)
    assert s.connector_databases == {"fivetran_stripe": (db, "stripe")}
    landing = tmp_path / "landing"
    landing.mkdir()
    wh = tmp_path / "wh.duckdb"

    def load():
        return load_landing(
            landing,
            wh,
            progress=None,
            layouts=s.layouts,
            options=s.connector_options,
            databases=s.databases(),
        )

    first = load()
    batch = f"duckdb:{db}#stripe.customer"
    assert {f.batch_file: f.status for f in first.files}[batch] == LOADED
    assert any("stripe.invoice is not in" in n for n in first.notes)  # a table the schema lacks: empty
    assert {f.batch_file: f.status for f in load().files}[batch] == "skipped"  # unchanged
    _stripe_database(
        db,
        [
            ("cus_1", "2025-01-01 00:00:00+00", "2025-02-02 02:00:00+00"),
            ("cus_2", "2025-02-01 00:00:00+00", "2025-02-02 02:00:00+00"),
        ],
    )
    third = load()
    assert {f.batch_file: (f.status, f.rows) for f in third.files}[batch] == (LOADED, 2)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = con.execute(
            'select id, created, _fivetran_synced, _batch_file, _row_number from raw."fivetran_stripe__customer" '
            "order by _row_number"
        ).fetchall()
    finally:
        con.close()
    assert rows == [  # the previous load's rows replaced, values as text, rows numbered in table order
        ("cus_1", "2025-01-01T00:00:00Z", "2025-02-02T02:00:00Z", batch, 1),
        ("cus_2", "2025-02-01T00:00:00Z", "2025-02-02T02:00:00Z", batch, 2),
    ]


def test_a_connector_database_table_without_a_required_column_fails_alone(tmp_path: Path) -> None:
    db = tmp_path / "fivetran.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema stripe")
    con.execute("create table stripe.customer (id varchar, created timestamp)")  # no _fivetran_synced
    con.close()
    report = load_landing(
        tmp_path,
        tmp_path / "wh.duckdb",
        progress=None,
        layouts={"billing": "fivetran_stripe"},
        databases=Settings.from_env(
            {"LIFECYCLE_BILLING_LAYOUT": "fivetran_stripe", "LIFECYCLE_FIVETRAN_STRIPE_DATABASE": str(db)}
        ).databases(),
    )
    (failed,) = [f for f in report.files if f.status == FAILED]
    assert failed.batch_file.endswith("#stripe.customer") and "_fivetran_synced" in (failed.error or "")


def test_a_database_for_a_layout_not_in_use_is_a_config_error() -> None:
    with pytest.raises(
        ConfigError, match="LIFECYCLE_FIVETRAN_STRIPE_DATABASE is set, but billing is read as contract"
    ):
        Settings.from_env({"LIFECYCLE_FIVETRAN_STRIPE_DATABASE": "/x.duckdb"})


def test_two_layouts_read_from_two_databases_do_not_mix(tmp_path: Path) -> None:
    stripe_db, salesforce_db = tmp_path / "fivetran_a.duckdb", tmp_path / "fivetran_b.duckdb"
    _stripe_database(stripe_db, [("cus_1", "2025-01-01 00:00:00+00", "2025-01-02 02:00:00+00")])
    con = duckdb.connect(str(salesforce_db))
    con.execute("create schema salesforce")
    con.execute(
        "create table salesforce.account as select '001A' as id, 'Acme' as name, '005' as owner_id, "
        "timestamp '2025-01-01' as created_date, timestamp '2025-01-02 02:00:00' as _fivetran_synced"
    )
    con.close()
    s = Settings.from_env(
        {
            "LIFECYCLE_BILLING_LAYOUT": "fivetran_stripe",
            "LIFECYCLE_FIVETRAN_STRIPE_DATABASE": str(stripe_db),
            "LIFECYCLE_CRM_LAYOUT": "fivetran_salesforce",
            "LIFECYCLE_FIVETRAN_SALESFORCE_DATABASE": str(salesforce_db),
        }
    )
    (tmp_path / "landing").mkdir()
    report = load_landing(
        tmp_path / "landing",
        tmp_path / "wh.duckdb",
        progress=None,
        layouts=s.layouts,
        databases=s.databases(),
    )
    loaded = {f.batch_file: f.rows for f in report.files if f.status == LOADED}
    assert loaded == {
        f"duckdb:{stripe_db}#stripe.customer": 1,
        f"duckdb:{salesforce_db}#salesforce.account": 1,
    }
