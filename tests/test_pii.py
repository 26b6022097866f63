"""Personal data stays in the raw layer and staging, tagged; no model past staging carries it.

docs/privacy.md is the policy; this is its proof on the shared small run (tests/conftest.py):

- **the known list.** The personal columns of the raw contract are written out here by hand and
  must be exactly the columns lifecycle/contract.py flags ``pii=True`` (so a flag cannot be
  dropped, nor a column added, without this list changing), and the value scan of
  tests/test_serving.py must look for every one of them.
- **tags** (the dbt manifest of the run): every such column is tagged ``meta: {pii: true}`` in the
  sources and in both staging models of its table (``base_`` and ``stg_``), and so is every staging
  column of the warehouse named like personal data. Past staging (intermediate, marts, audit,
  semantic, seeds) a ``pii`` tag can only be ``hashed`` (macro ``pii_hash``); today that is one
  column, ``audit.quarantine.raw_values``, whose personal fields are hashed. A warehouse column past
  staging named like personal data must carry that tag.
- **values.** Every distinct e-mail, name, case subject and NPS comment of the raw layer (the same
  values tests/test_serving.py looks for in the serving DB and the Parquet files) appears in no
  table of any warehouse schema but ``raw`` and ``staging``.

Staff names (``crm.users.full_name``) are personal too, but published on purpose as the owner and
CSM of an account (docs/privacy.md): they are neither flagged nor looked for.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import SmallRun
from test_serving import PII_SOURCES, leaks, load_pii

from lifecycle.contract import TABLES
from lifecycle.publish import PERSONAL_COLUMN, PII_HASHED, column_pii_tag

#: The raw contract's personal columns, by table (written out: the contract must agree).
KNOWN_PII: dict[str, tuple[str, ...]] = {
    "crm__contacts": ("email", "first_name", "last_name"),
    "crm__users": ("email",),
    "crm__cases": ("subject",),
    "crm__nps_responses": ("comment",),
    "billing__customers": ("email",),
    "usage__users": ("email",),
}
#: Personal, published on purpose: the staff's names (an account's owner and CSM).
PUBLISHED_ON_PURPOSE: dict[str, tuple[str, ...]] = {"crm__users": ("full_name",)}
#: The columns past staging that may carry a hashed ``pii`` tag (documented in docs/privacy.md).
HASHED_PAST_STAGING = {("quarantine", "raw_values")}
#: Schemas that may hold personal data as landed: the raw layer and staging.
PERSONAL_SCHEMAS = ("raw", "staging")
#: Column types that cannot hold a text value (skipped by the value scan, which casts to text).
NOT_TEXT = ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "DOUBLE", "DATE", "TIMESTAMP", "BOOLEAN", "DECIMAL")


@pytest.fixture(scope="module")
def manifest(small_run: SmallRun) -> dict:
    return json.loads(small_run.manifest.read_text(encoding="utf-8"))


def _models(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot")
    }


def _in_staging(node: dict) -> bool:
    return node["resource_type"] == "model" and node["original_file_path"].startswith("models/staging/")


def _tags(node: dict) -> dict[str, object]:
    """``column -> pii tag`` of a manifest node (columns without a tag left out)."""
    return {
        name.lower(): tag
        for name, column in (node.get("columns") or {}).items()
        if (tag := column_pii_tag(column)) is not None
    }


def test_the_contract_flags_exactly_the_known_personal_columns() -> None:
    flagged = {t.key: t.pii_columns for t in TABLES if t.pii_columns}
    assert flagged == KNOWN_PII
    for key, column in PUBLISHED_ON_PURPOSE.items():
        assert column[0] in {c.name for t in TABLES if t.key == key for c in t.columns}
    # tests/test_serving.py's value scan (and the one below) looks for every flagged column
    for key, columns in KNOWN_PII.items():
        for column in columns:
            assert any(f"from raw.{key}" in sql and column in sql for _kind, sql, _m in PII_SOURCES), (
                key,
                column,
            )


def test_sources_and_both_staging_models_tag_every_personal_column(manifest: dict) -> None:
    sources = {f"{s['source_name']}__{s['name']}": s for s in manifest["sources"].values()}
    models = _models(manifest)
    for key, columns in KNOWN_PII.items():
        assert _tags(sources[key]) == dict.fromkeys(columns, True), key
        assert _tags(models[f"stg_{key}"]) == dict.fromkeys(columns, True), key
        # the base model also keeps a quarantined row's raw values, with these fields hashed
        assert _tags(models[f"base_{key}"]) == {**dict.fromkeys(columns, True), "_raw_values": PII_HASHED}, (
            key
        )
    for source in sources.values():
        if f"{source['source_name']}__{source['name']}" not in KNOWN_PII:
            assert _tags(source) == {}, source["name"]


def test_every_staging_column_of_the_warehouse_holding_personal_data_is_tagged(
    small_run: SmallRun, manifest: dict
) -> None:
    """From the warehouse's side: a staging relation's column that carries a flagged contract
    column (or is named like personal data) has its tag, so a new model or column cannot slip by."""
    models = _models(manifest)
    with duckdb.connect(str(small_run.warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'staging'"
        ).fetchall()
    untagged, checked = [], 0
    for table, column in columns:
        key = table.removeprefix("base_").removeprefix("stg_")
        if column.lower() in PUBLISHED_ON_PURPOSE.get(key, ()):
            continue
        if column.lower() in KNOWN_PII.get(key, ()) or PERSONAL_COLUMN.search(column.lower()):
            checked += 1
            if _tags(models[table]).get(column.lower()) is not True:
                untagged.append(f"staging.{table}.{column}")
    assert untagged == []
    assert checked == 2 * sum(len(c) for c in KNOWN_PII.values())


def test_past_staging_a_pii_tag_is_only_ever_hashed(small_run: SmallRun, manifest: dict) -> None:
    tagged_past_staging = {}
    for node in _models(manifest).values():
        for column, tag in _tags(node).items():
            if _in_staging(node):
                assert tag in (True, PII_HASHED), (node["name"], column, tag)
            else:
                tagged_past_staging[(node["name"], column)] = tag
    assert tagged_past_staging == dict.fromkeys(HASHED_PAST_STAGING, PII_HASHED)
    # ... and a warehouse column past staging named like personal data must be one of them
    with duckdb.connect(str(small_run.warehouse), read_only=True) as con:
        named = [
            (t, c)
            for t, c in con.execute(
                "select table_name, lower(column_name) from information_schema.columns "
                f"where table_schema not in {PERSONAL_SCHEMAS}"
            ).fetchall()
            if PERSONAL_COLUMN.search(c) and (t, c) not in HASHED_PAST_STAGING
        ]
    assert named == []


@pytest.fixture(scope="module")
def warehouse_scan(small_run: SmallRun):
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    con.execute(f"attach '{small_run.warehouse}' as wh (read_only)")
    n = load_pii(con, "wh")
    yield con, n
    con.close()


def test_no_personal_value_in_any_warehouse_table_past_staging(warehouse_scan) -> None:
    """Every text column of every table and view of intermediate, marts, audit, semantic, seeds,
    ltv_fit, ... holds none of the raw layer's personal values, nor anything shaped like an e-mail."""
    con, n = warehouse_scan
    assert n > 100
    columns = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        f"where table_catalog = 'wh' and table_schema not in {PERSONAL_SCHEMAS} order by 1, 2, ordinal_position"
    ).fetchall()
    relations: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, data_type in columns:
        if not data_type.startswith(NOT_TEXT):
            relations.setdefault((schema, table), []).append(column)
    schemas = {schema for schema, _table in relations}
    assert {"intermediate", "marts", "audit"} <= schemas, schemas
    assert len(relations) >= 40, len(relations)
    found = []
    for (schema, table), text_columns in relations.items():
        cols = ", ".join('"' + c.replace('"', '""') + '"' for c in text_columns)
        found += leaks(con, f'(select {cols} from wh."{schema}"."{table}")', f"{schema}.{table}")
    assert found == []


def test_the_scan_of_the_warehouse_finds_a_leak_when_there_is_one(
    warehouse_scan, small_run: SmallRun
) -> None:
    """The same scan sees a contact's e-mail or an NPS comment when a table past staging holds one."""
    con, _n = warehouse_scan
    email, comment = con.execute(
        "select (select min(email) from wh.raw.crm__contacts), "
        "(select min(comment) from wh.raw.crm__nps_responses where length(comment) >= 3)"
    ).fetchone()
    con.execute(
        "create or replace temp table leaky_mart as select account_id, ? as champion, ? as feedback "
        "from wh.marts.dim_accounts",
        [email.upper(), f"they said: {comment}"],
    )
    found = leaks(con, "leaky_mart", "marts.leaky_mart")
    assert any(f.startswith("marts.leaky_mart.champion: an e-mail address") for f in found), found
    assert any(f.startswith("marts.leaky_mart.feedback: NPS comment") for f in found), found


def test_the_serving_db_holds_the_marts_and_the_snapshot_row_only(small_run: SmallRun) -> None:
    """audit (with the quarantine's raw values), staging and raw are never published."""
    with duckdb.connect(str(small_run.serving), read_only=True) as con:
        rows = con.execute("select distinct table_schema from information_schema.tables").fetchall()
    schemas = {s for (s,) in rows}
    assert schemas == {"marts", "_publish"}
