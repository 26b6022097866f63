"""Bad input of every kind reaches the right place: the hand-written corpus tests/fixtures/landing_nasty.

The corpus (tests/fixtures/README.md says what each file tests) is loaded with the real loader
(``load_landing``) and staged with one dbt build of the staging models, the quarantine and the
reconciliation (``+reconciliation``: seeds and models, plus the quarantine-rule accepted_values
tests and ``assert_reconciliation_balances``; about 35-50 s on 2 cores). Every outcome is asserted
exactly: the file's status and message, each value as it is in raw and in staging, each
quarantined row's rule, and the reconciliation.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from lifecycle.loader import FAILED, LOADED, LoadReport, load_landing

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "landing_nasty"
LIFECYCLE = Path(sys.executable).parent / "lifecycle"
ACCOUNTS = "crm/accounts"
REQUIRED = "(a batch file must carry every required column; see docs/raw_contract.md)"
ONCE = "(a batch file carries each column once; see docs/raw_contract.md)"
NULLABLE_ACCOUNT_COLUMNS = "industry, billing_country, csm_user_id, billing_customer_id, workspace_id"
INT64_MAX = 2**63 - 1


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[LoadReport, Path]:
    """The corpus copied to a temp dir (the repo's copy is never written) and loaded."""
    tmp = tmp_path_factory.mktemp("nasty")
    landing = tmp / "landing"
    shutil.copytree(CORPUS, landing)
    warehouse = tmp / "warehouse.duckdb"
    return load_landing(landing, warehouse, progress=None), warehouse


@pytest.fixture(scope="module")
def built(loaded: tuple[LoadReport, Path]) -> Path:
    """The loaded warehouse after one dbt build of staging, quarantine and reconciliation."""
    _, warehouse = loaded
    tmp = warehouse.parent
    env = {k: v for k, v in os.environ.items() if k not in ("LIFECYCLE_AS_OF_DATE", "DBT_TARGET")}
    env.update(LIFECYCLE_LANDING_DIR=str(tmp / "landing"), LIFECYCLE_WAREHOUSE=str(warehouse))
    cmd = [
        str(LIFECYCLE),
        "dbt",
        "build",
        "--select",
        "+reconciliation",
        "path:models/staging,test_name:accepted_values",
        "assert_reconciliation_balances",
        "--indirect-selection",
        "empty",
        "--exclude-resource-type",
        "unit_test",
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"dbt build failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    # the quarantine-rule accepted_values test of every base model (18) ran and passed
    assert proc.stdout.count("__quarantine_rule__null_primary_key__missing_value_") == 2 * 18  # START, PASS
    assert proc.stdout.count("PASS accepted_values_base_") == 2 * 18  # _quarantine_rule, _row_status
    return warehouse


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def raw_accounts(warehouse: Path, ids: list[str], columns: str = "name, industry") -> dict[str, tuple]:
    rows = query(warehouse, f"select id, {columns} from raw.crm__accounts where id in ?", [ids])
    return {r[0]: r[1:] for r in rows}


def staged_accounts(warehouse: Path, ids: list[str], columns: str) -> dict[str, tuple]:
    rows = query(
        warehouse, f"select account_id, {columns} from staging.stg_crm__accounts where account_id in ?", [ids]
    )
    return {r[0]: r[1:] for r in rows}


def quarantined(warehouse: Path) -> dict[str, str]:
    """row_key -> rule for every rejected row."""
    return dict(query(warehouse, "select row_key, rule from audit.quarantine where is_rejected"))


# -- the corpus itself -----------------------------------------------------------------------------
def test_the_corpus_bytes_are_the_edge_cases_they_claim():
    """Git must not normalise the fixtures (.gitattributes: -text): the BOM, the CRLF line ends and
    the truncated gzip are the point."""
    rfc = (CORPUS / ACCOUNTS / "2025-03-01_rfc4180.csv").read_bytes()
    assert rfc.startswith(b"\xef\xbb\xbfid,name,")
    assert rfc.count(b"\r\n") == 7 and rfc.replace(b"\r\n", b"").count(b"\n") == 1  # 6 records + 1 in a field
    text = (CORPUS / ACCOUNTS / "2025-03-02_text.csv").read_bytes()
    assert b"\r" not in text and not text.startswith(b"\xef\xbb\xbf")
    cut = (CORPUS / "usage/tracks/2025/03/02_cut.jsonl.gz").read_bytes()
    assert cut[:2] == b"\x1f\x8b" and len(cut) > 100


# -- what the loader did with each file --------------------------------------------------------------
def test_every_batch_file_has_its_exact_outcome(loaded):
    report, _ = loaded
    got = {f.batch_file: (f.status, f.rows, f.error, f.note) for f in report.files}
    cut = got.pop("usage/tracks/2025/03/02_cut.jsonl.gz")
    assert cut[:2] == (FAILED, 0) and cut[3] is None
    assert cut[2].startswith("IO Error: Unexpected end of GZIP stream: ")
    assert cut[2].endswith("usage/tracks/2025/03/02_cut.jsonl.gz")
    assert got == {
        f"{ACCOUNTS}/2025-03-01_rfc4180.csv": (LOADED, 5, None, None),
        f"{ACCOUNTS}/2025-03-02_text.csv": (LOADED, 10, None, None),
        f"{ACCOUNTS}/2025-03-03_numbers_and_times.csv": (LOADED, 10, None, None),
        f"{ACCOUNTS}/2025-03-04_duplicate_header.csv": (
            FAILED,
            0,
            f"{ACCOUNTS}/2025-03-04_duplicate_header.csv has the contract column name 2 times (name, Name): "
            f"which one to load is ambiguous {ONCE}",
            None,
        ),
        f"{ACCOUNTS}/2025-03-05_header_only.csv": (LOADED, 0, None, None),
        f"{ACCOUNTS}/2025-03-06_no_id.csv": (
            FAILED,
            0,
            f"{ACCOUNTS}/2025-03-06_no_id.csv lacks the contract columns id, _loaded_at {REQUIRED}",
            None,
        ),
        f"{ACCOUNTS}/2025-03-07_count_as_string.parquet": (
            LOADED,
            4,
            None,
            f"{ACCOUNTS}/2025-03-07_count_as_string.parquet lacks the nullable contract columns "
            f"{NULLABLE_ACCOUNT_COLUMNS}: loaded as NULL",
        ),
        f"{ACCOUNTS}/2025-03-08_time_as_int.parquet": (
            LOADED,
            2,
            None,
            f"{ACCOUNTS}/2025-03-08_time_as_int.parquet lacks the nullable contract columns "
            f"{NULLABLE_ACCOUNT_COLUMNS}: loaded as NULL",
        ),
        f"{ACCOUNTS}/2025-03-09_json.jsonl": (LOADED, 5, None, None),
        "crm/opportunities/2025-03-01_amount_as_string.parquet": (LOADED, 6, None, None),
        "usage/tracks/2025/03/01.jsonl.gz": (LOADED, 5, None, None),
        "usage/workspaces/2025-03-01_required_only.csv": (
            LOADED,
            1,
            None,
            "usage/workspaces/2025-03-01_required_only.csv lacks the nullable contract columns "
            "name, crm_account_id: loaded as NULL",
        ),
    }
    # the three failed files are warnings (retried next run), not errors; the notes follow them
    assert report.ok and report.errors == []
    assert sum("could not be loaded (will be retried next run)" in w for w in report.warnings) == 3
    assert len(report.warnings) == 6


def test_failed_files_leave_nothing_in_raw_and_are_in_the_manifest(loaded):
    _, warehouse = loaded
    assert query(
        warehouse,
        "select batch_file, status, rows from raw._load_manifest where status = 'failed' order by 1",
    ) == [
        (f"{ACCOUNTS}/2025-03-04_duplicate_header.csv", "failed", 0),
        (f"{ACCOUNTS}/2025-03-06_no_id.csv", "failed", 0),
        ("usage/tracks/2025/03/02_cut.jsonl.gz", "failed", 0),
    ]
    batch_files = {r[0] for r in query(warehouse, "select distinct _batch_file from raw.crm__accounts")}
    batch_files |= {r[0] for r in query(warehouse, "select distinct _batch_file from raw.usage__tracks")}
    assert not any(f.endswith(("duplicate_header.csv", "no_id.csv", "_cut.jsonl.gz")) for f in batch_files)
    # the good gzip of the same group (one scan) loaded all its rows
    assert query(warehouse, "select count(*) from raw.usage__tracks") == [(5,)]


# -- values that must arrive byte for byte ---------------------------------------------------------
RFC4180 = {
    "A01": ('Acme "Rocket" Co, Ltd', "Aerospace"),
    "A02": ("Two\r\nlines (CRLF inside quotes)", None),  # "" is NULL
    "A03": ("One\nline feed (LF inside quotes)", "   "),  # whitespace-only is kept
    "A04": ('"quoted at both ends"', "Retail"),
    "A05": ("ends with a comma,", " padded "),
}
TEXT = {
    "B01": ("Müller & Søn GmbH", "Straße und Brücken"),
    "B02": ("東京ロケット株式会社 🚀", "👩\u200d💻 Software"),
    "B03": ("Cafe\u0301 (e + combining acute)", "🇫🇷 Export"),
    "B04": ("=SUM(A1)", "+1"),
    "B05": ("@x", "-1+2"),
    "B06": ('=HYPERLINK("https://example.invalid","click")', "=1+1"),
    "B07": ("'; drop table x; --", "Robert'); DROP TABLE raw.crm__accounts;--"),
    "B08": ("{{ var('x') }}", "{% if %}"),
    "B09": ('{{ "}}" }} {# c #}', "{%- raw -%}{{ x }}{%- endraw -%}"),
    "B10": ("C:\\new\\table\\x00", "tab\tinside"),
    "J05": ("{{ var('x') }} 🚀 \"quoted\"\nsecond line", "'; drop table x; --"),
}


def test_rfc4180_edge_cases_reach_raw_and_staging_verbatim(built):
    assert raw_accounts(built, list(RFC4180)) == RFC4180
    assert staged_accounts(built, list(RFC4180), "account_name, industry") == RFC4180
    # the BOM is not part of the first column's name: every id came through
    assert query(built, "select count(*) from raw.crm__accounts where _batch_file like '%rfc4180.csv'") == [
        (5,)
    ]


def test_unicode_formula_sql_and_jinja_text_reach_raw_and_staging_verbatim(built):
    assert raw_accounts(built, list(TEXT)) == TEXT
    assert staged_accounts(built, list(TEXT), "account_name, industry") == TEXT
    # the statement in the text did nothing: the table it names is there, with every row
    assert query(built, "select count(*) from raw.crm__accounts") == [(36,)]
    # tracks: an event name and properties (a JSON object delivered natively, and a JSON text)
    assert query(
        built, "select message_id, event_name, properties from staging.stg_usage__tracks order by 1"
    ) == [
        ("T1", "Report Created", '{"q":"{{ var(\'x\') }}","emoji":"🚀"}'),
        ("T2", "{% if %}", '{"sql": "\'; drop table x; --"}'),
    ]


def test_integers_beyond_64_bits_are_quarantined_never_wrapped(built):
    """The contract's int is staged as a 64-bit integer: a value beyond it does not parse
    (unparseable_number) and is never wrapped or rounded; the largest one stages exactly."""
    big = ["C01", "C02", "C03", "C04", "J01", "J02", "P04", "P06"]
    assert raw_accounts(built, big, "employee_count") == {
        "C01": ("9223372036854775807",),
        "C02": ("9223372036854775808",),
        "C03": ("123456789012345678901234567890",),
        "C04": ("+42",),
        "J01": ("123456789012345678901234567890",),  # a JSON number: its digits, exactly
        "J02": ("9223372036854775807",),
        "P04": ("99999999999999999999",),
        "P06": ("18446744073709551615",),  # Parquet uint64 max: not -1
    }
    assert staged_accounts(built, big, "employee_count") == {
        "C01": (INT64_MAX,),
        "C04": (42,),
        "J02": (INT64_MAX,),
    }
    rules = quarantined(built)
    assert {k: rules[k] for k in ("C02", "C03", "J01", "P04", "P06")} == dict.fromkeys(
        ("C02", "C03", "J01", "P04", "P06"), "unparseable_number"
    )


def test_timestamps_with_offsets_are_utc_instants_and_without_a_zone_are_utc(built):
    ids = ["C05", "C06", "C07", "C08", "C09", "C10"]
    assert staged_accounts(built, ids, "created_at, updated_at") == {
        "C05": (datetime(2025, 3, 1, 4, 30),) * 2,  # +05:30
        "C06": (datetime(2025, 3, 1, 18, 0),) * 2,  # -08:00
        "C07": (datetime(2025, 3, 1, 10, 0),) * 2,  # no zone, space separator: UTC
        "C08": (datetime(2025, 3, 2, 7, 30),) * 2,  # -08:00 late in the day: the next UTC day
        "C09": (datetime(2025, 3, 1, 4, 30, 0, 123456),) * 2,  # microseconds kept
        "C10": (datetime(2025, 3, 1, 10, 0),) * 2,  # no zone, T separator: UTC
    }
    assert staged_accounts(built, ["C10"], "loaded_at") == {"C10": (datetime(2025, 3, 3, 5, 30),)}  # +05:30
    # raw keeps the text as written
    assert raw_accounts(built, ["C05", "C07"], "created_at") == {
        "C05": ("2025-03-01T10:00:00+05:30",),
        "C07": ("2025-03-01 10:00:00",),
    }
    assert query(
        built, "select message_id, received_at, event_at from staging.stg_usage__tracks order by 1"
    ) == [
        ("T1", datetime(2025, 3, 1, 4, 30), datetime(2025, 3, 1, 4, 29, 59)),  # received +05:30
        ("T2", datetime(2025, 3, 1, 10, 0), datetime(2025, 3, 1, 18, 0)),  # client -08:00 within a day
    ]


def test_parquet_columns_of_the_wrong_type_load_as_text_and_quarantine_per_row(built):
    """A Parquet column of another physical type is not a file error: the loader keeps every value
    as text (the raw layer's rule), and staging judges each value by the contract type, as it
    would the same text from a CSV: a number in a string column stages, a word does not."""
    ids = ["P01", "P02", "P03", "P04", "P05", "P06"]
    assert raw_accounts(built, ids, "employee_count, created_at, is_deleted") == {
        "P01": ("40", "2025-01-01T00:00:00Z", "false"),
        "P02": ("12 people", "2025-01-01T00:00:00Z", "false"),
        "P03": (None, "2025-01-01T00:00:00Z", "false"),  # "" is NULL in every format
        "P04": ("99999999999999999999", "2025-01-01T00:00:00Z", "false"),
        "P05": ("7", "1740823200", "0"),  # epoch seconds are not a contract timestamp
        "P06": ("18446744073709551615", "1740823200", "1"),
    }
    assert staged_accounts(built, ids, "employee_count, created_at") == {
        "P01": (40, datetime(2025, 1, 1)),
        "P03": (None, datetime(2025, 1, 1)),
    }
    rules = quarantined(built)
    assert {k: rules[k] for k in ("P02", "P04", "P05", "P06")} == {
        "P02": "unparseable_number",
        "P04": "unparseable_number",
        "P05": "unparseable_timestamp",
        "P06": "unparseable_number",  # employee_count comes before created_at in contract order
    }
    # crm.opportunities.amount (a decimal) as a string column
    assert query(built, "select id, amount from raw.crm__opportunities order by id") == [
        ("O1", "4800.00"),
        ("O2", "1,200"),
        ("O3", "12345678901234567890.5"),
        ("O4", "10"),
        ("O5", "10"),
        ("O6", "10"),
    ]
    assert query(built, "select opportunity_id, amount, amount_usd from staging.stg_crm__opportunities") == [
        ("O1", Decimal("4800.0000"), Decimal("4800.0000"))
    ]


def test_absent_values_are_missing_value_and_garbage_keeps_its_rule(built):
    rules = quarantined(built)
    assert {k: rules[k] for k in ("J03", "J04", "O4", "O5", "O6", "T3", "T4", "T5")} == {
        "J03": "missing_value",  # a JSON record without _loaded_at
        "J04": "unparseable_timestamp",  # _loaded_at 'yesterday'
        "O4": "missing_value",  # no account_id (a required foreign key)
        "O5": "missing_value",  # an amount without a currency
        "O6": "orphan_foreign_key",  # an account that does not exist
        "T3": "missing_value",  # no received_at
        "T4": "unparseable_timestamp",  # received_at 'soon'
        "T5": "missing_value",  # no _loaded_at
    }
    (raw_values,) = query(built, "select raw_values from audit.quarantine where row_key = 'J03'")[0]
    assert (
        json.loads(raw_values)["_loaded_at"] is None and json.loads(raw_values)["name"] == "JSON no load time"
    )


def test_header_only_file_is_zero_rows_and_no_error(loaded):
    report, warehouse = loaded
    (result,) = [f for f in report.files if f.batch_file.endswith("header_only.csv")]
    assert (result.status, result.rows, result.error, result.note) == (LOADED, 0, None, None)
    assert query(
        warehouse,
        "select status, rows, error from raw._load_manifest where batch_file like '%header_only.csv'",
    ) == [("loaded", 0, None)]


def test_quarantine_is_exactly_the_bad_rows_and_reconciliation_balances(built):
    assert quarantined(built) == {
        "C02": "unparseable_number",
        "C03": "unparseable_number",
        "J01": "unparseable_number",
        "J03": "missing_value",
        "J04": "unparseable_timestamp",
        "P02": "unparseable_number",
        "P04": "unparseable_number",
        "P05": "unparseable_timestamp",
        "P06": "unparseable_number",
        "O2": "unparseable_number",
        "O3": "unparseable_number",  # beyond decimal(18, 4)
        "O4": "missing_value",
        "O5": "missing_value",
        "O6": "orphan_foreign_key",
        "T3": "missing_value",
        "T4": "unparseable_timestamp",
        "T5": "missing_value",
    }
    assert query(
        built,
        "select source_table, rows_landed, rows_staged, rows_quarantined, rows_duplicate, rows_superseded, "
        "rows_unaccounted from audit.reconciliation where rows_landed > 0 order by 1",
    ) == [
        ("crm.accounts", 36, 27, 9, 0, 0, 0),
        ("crm.opportunities", 6, 1, 5, 0, 0, 0),
        ("usage.tracks", 5, 2, 3, 0, 0, 0),
        ("usage.workspaces", 1, 1, 0, 0, 0, 0),
    ]
    assert query(built, "select count(*) from audit.reconciliation where rows_unaccounted <> 0") == [(0,)]
