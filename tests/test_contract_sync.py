"""One raw contract (lifecycle/contract.py); the dbt side is generated from it and must not drift."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from lifecycle import contract_sync
from lifecycle.cli import _cmd_contract
from lifecycle.contract import BY_KEY, LINEAGE_COLUMNS, TABLES, TYPES

ROOT = Path(__file__).resolve().parent.parent
BASE_MODELS = {t.key: ROOT / "models" / "staging" / t.source / "base" / f"base_{t.key}.sql" for t in TABLES}


def _project_copy(tmp_path: Path) -> Path:
    """The generated files (and the doc they live in) copied into a scratch project dir."""
    for f in contract_sync.generated_files(ROOT):
        target = tmp_path / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / f.path, target)
    return tmp_path


# -- the generated files ------------------------------------------------------------------------
def test_committed_generated_files_are_up_to_date():
    stale = contract_sync.stale_files(ROOT)
    assert not stale, f"stale generated files {stale}: run `lifecycle contract sync`"


def test_sync_rewrites_a_stale_file_and_check_reports_it(tmp_path):
    project = _project_copy(tmp_path)
    sources = project / "models" / "staging" / "crm" / "_crm__sources.yml"
    sources.write_text(sources.read_text().replace("CRM account id.", "hand edit"), encoding="utf-8")
    macro = project / "macros" / "generated" / "contract_table.sql"
    macro.unlink()
    assert set(contract_sync.stale_files(project)) == {
        Path("models/staging/crm/_crm__sources.yml"),
        Path("macros/generated/contract_table.sql"),
    }
    written = contract_sync.sync(project)
    assert set(written) == {
        Path("models/staging/crm/_crm__sources.yml"),
        Path("macros/generated/contract_table.sql"),
    }
    assert contract_sync.stale_files(project) == []
    assert sources.read_text() == (ROOT / "models/staging/crm/_crm__sources.yml").read_text()


def test_cli_check_exits_non_zero_on_a_stale_file(tmp_path, capsys):
    project = _project_copy(tmp_path)
    settings = SimpleNamespace(project_dir=project)
    check = argparse.Namespace(action="sync", check=True)
    assert _cmd_contract(settings, check) == 0
    doc = project / "docs" / "raw_contract.md"
    doc.write_text(
        doc.read_text().replace("| `id` | string | no | CRM account id. |", "| `id` | int |"), "utf-8"
    )
    assert _cmd_contract(settings, check) == 1
    assert "stale: docs/raw_contract.md" in capsys.readouterr().err
    assert _cmd_contract(settings, argparse.Namespace(action="sync", check=False)) == 0
    assert _cmd_contract(settings, check) == 0


def test_doc_without_markers_is_an_error_not_an_overwrite(tmp_path):
    project = _project_copy(tmp_path)
    (project / "docs" / "raw_contract.md").write_text("# hand-written, no markers\n", encoding="utf-8")
    with pytest.raises(contract_sync.ContractSyncError, match="markers"):
        contract_sync.sync(project)
    assert (project / "docs" / "raw_contract.md").read_text() == "# hand-written, no markers\n"


def test_doc_prose_around_the_tables_is_kept():
    doc = (ROOT / contract_sync.DOC_PATH).read_text()
    before, rest = doc.split(contract_sync.DOC_BEGIN)
    _, after = rest.split(contract_sync.DOC_END)
    assert "## What happens to a bad row" in after and len(before.splitlines()) > 20


# -- what the generated files say ---------------------------------------------------------------
def test_sources_list_and_describe_every_contract_column():
    for source in {t.source for t in TABLES}:
        doc = yaml.safe_load((ROOT / "models" / "staging" / source / f"_{source}__sources.yml").read_text())
        tables = {t["name"]: t for t in doc["sources"][0]["tables"]}
        assert doc["sources"][0]["loaded_at_field"] == "cast(_loaded_at as timestamp)"
        for t in (t for t in TABLES if t.source == source):
            entry = tables[t.name]
            assert entry["identifier"] == t.key
            assert entry["meta"]["dagster"]["asset_key"] == ["raw", t.source, t.name]
            assert [c["name"] for c in entry["columns"]] == [*t.column_names, *LINEAGE_COLUMNS], t.key
            for c in entry["columns"][: len(t.columns)]:
                meaning = t.column(c["name"]).description
                assert meaning and c["description"].startswith(meaning), (t.key, c["name"])


def test_contract_is_self_consistent():
    for t in TABLES:
        assert t.description and all(c.description for c in t.columns), t.key
        assert all(c.type in TYPES for c in t.columns), t.key
        assert t.column_names[-1] == "_loaded_at", t.key
        assert set(t.primary_key) <= set(t.column_names), t.key
        assert t.versioned == (t.version_column is not None), t.key
        if t.currency_column:
            assert t.currency_column in t.column_names, t.key
        for c in t.columns:
            if c.references:
                parent = BY_KEY[c.references.replace(".", "__")]
                assert not parent.versioned or parent.version_column, c.references


def test_every_enforced_parent_is_staged_under_the_foreign_keys_name():
    """classify_contract_rows joins `stg_<parent>.<foreign key>`: the parent's staging model must
    carry the key under the child's column name, and the base model's comment names the parents."""
    for t in TABLES:
        model = BASE_MODELS[t.key].read_text()
        comment = " ".join(line[3:] for line in model.splitlines() if line.startswith("-- "))
        for c in (c for c in t.columns if c.references):
            source, name = c.references.split(".")
            models = yaml.safe_load(
                (ROOT / "models" / "staging" / source / f"_{source}__models.yml").read_text()
            )
            stg = next(m for m in models["models"] if m["name"] == f"stg_{source}__{name}")
            assert c.name in [col["name"] for col in stg["columns"]], (t.key, c.name)
            assert f"stg_{source}__{name}" in comment, (t.key, "comment should name the parent", name)
        assert ("seed currencies" in comment) == bool(t.currency_column), t.key
        # the model imports only its source: lookups come from the contract
        assert "ref(" not in model, t.key


# -- the models use them -------------------------------------------------------------------------
def test_every_contract_table_has_a_base_and_a_staging_model():
    for t in TABLES:
        folder = ROOT / "models" / "staging" / t.source
        assert BASE_MODELS[t.key].exists(), t.key
        assert (folder / f"stg_{t.key}.sql").exists(), t.key


def test_base_models_take_rules_hash_and_raw_values_from_the_contract():
    for t in TABLES:
        sql = BASE_MODELS[t.key].read_text()
        assert re.search(rf"classify_contract_rows\(\s*'\w+',\s*'{t.source}',\s*'{t.name}'", sql), t.key
        # no hand-written column list, no second parse of the load time, no hand-made lookups
        for leftover in (
            r"row_hash\(",
            r"json_object_of\(",
            r"'_loaded_at'\)",
            r"\bknown_",
            "currency_rates",
        ):
            assert not re.search(leftover, sql), (t.key, leftover)


def test_one_public_macro_per_file_named_after_it_and_documented():
    documented = set()
    for doc in (ROOT / "macros").glob("_macros*.yml"):
        documented |= {m["name"] for m in yaml.safe_load(doc.read_text())["macros"]}
    for path in (ROOT / "macros").rglob("*.sql"):
        text = path.read_text()
        public = [
            name
            for kind, name in re.findall(r"{%-?\s*(macro|test)\s+(\w+)\(", text)
            if not name.startswith(("default__", "duckdb__", "spark__"))
        ]
        if not public:  # an override of an adapter's own macro (spark__load_csv_rows): say why
            assert path.parent.name == "cross_db" and text.lstrip().startswith("{#-"), path
            continue
        assert len(public) == 1, (path, public)
        kind = "test" if re.search(r"{%-?\s*test\s", text) else "macro"
        assert public[0] == path.stem, path
        assert (f"test_{public[0]}" if kind == "test" else public[0]) in documented, path


def test_a_column_of_an_unknown_type_is_refused_when_the_contract_loads():
    from lifecycle.contract import Column

    with pytest.raises(ValueError, match="type 'integer' is not one of string, int"):
        Column("amount", "integer")
