"""The contract exists twice (Python for the loader and simulator, Jinja for dbt): keep them in step."""

import re
from pathlib import Path

import yaml

from lifecycle.contract import TABLES

ROOT = Path(__file__).resolve().parent.parent


def test_dbt_contract_tables_macro_matches_python_contract():
    text = (ROOT / "macros" / "contract_tables.sql").read_text()
    pairs = re.findall(r"\['(\w+)', '(\w+)'\]", text)
    assert sorted(pairs) == sorted((t.source, t.name) for t in TABLES)


def test_sources_list_every_contract_column():
    for source in {t.source for t in TABLES}:
        doc = yaml.safe_load((ROOT / "models" / "staging" / source / f"_{source}__sources.yml").read_text())
        tables = {t["name"]: t for t in doc["sources"][0]["tables"]}
        for t in (t for t in TABLES if t.source == source):
            assert t.name in tables, f"{t.key} missing from sources"
            assert tables[t.name]["identifier"] == t.key
            cols = [c["name"] for c in tables[t.name]["columns"]]
            assert cols == [*t.column_names, "_batch_file", "_row_number"], t.key


def test_every_contract_table_has_a_base_and_a_staging_model():
    for t in TABLES:
        folder = ROOT / "models" / "staging" / t.source
        assert (folder / "base" / f"base_{t.key}.sql").exists(), t.key
        assert (folder / f"stg_{t.key}.sql").exists(), t.key
