"""lifecycle.layout_compare, the equality test's comparison (make test-connectors): marts row by
row; an adapted source's staging without its lineage columns, with ``properties`` compared as a
JSON object (its keys in any order); the reconciliation's staged counts. Hand-built warehouses."""

from __future__ import annotations

from pathlib import Path

import duckdb

from lifecycle.layout_compare import compare_layouts, main


def _warehouse(path: Path, properties: str, batch_file: str, mrr: float = 10.0) -> Path:
    con = duckdb.connect(str(path))
    try:
        for schema in ("marts", "staging", "audit"):
            con.execute(f"create schema {schema}")
        con.execute(f"create table marts.fct_mrr_monthly as select 'a1' as account_id, {mrr} as mrr")
        con.execute(
            "create table staging.stg_usage__tracks as select 'm1' as message_id, "
            f"'{properties}' as properties, '{batch_file}' as batch_file, 3 as _row_number"
        )
        con.execute(
            "create table audit.reconciliation as select 'usage.tracks' as source_table, 1 as rows_staged"
        )
    finally:
        con.close()
    return path


def test_properties_compare_as_objects_and_lineage_is_left_out(tmp_path: Path) -> None:
    ref = _warehouse(tmp_path / "ref.duckdb", '{"path":"/r","object_id":7}', "usage/tracks/b1.jsonl.gz")
    seg = _warehouse(tmp_path / "seg.duckdb", '{"object_id": 7, "path": "/r"}', "segment/tracks/b1.parquet")
    results = compare_layouts(ref, seg, ["usage"])
    assert [(r.schema, r.table, r.equal) for r in results] == [
        ("marts", "fct_mrr_monthly", True),
        ("staging", "stg_usage__tracks", True),
        ("audit", "reconciliation (rows_staged)", True),
    ]
    assert main([str(ref), str(seg), "--sources", "usage"]) == 0


def test_a_different_value_or_mart_is_found(tmp_path: Path, capsys) -> None:
    ref = _warehouse(tmp_path / "ref.duckdb", '{"path":"/r","object_id":7}', "b1")
    seg = _warehouse(tmp_path / "seg.duckdb", '{"path":"/r","object_id":"7"}', "b1", mrr=11.0)
    unequal = {r.table for r in compare_layouts(ref, seg, ["usage"]) if not r.equal}
    assert unequal == {"fct_mrr_monthly", "stg_usage__tracks"}  # 7 and "7" are not the same value
    assert main([str(ref), str(seg), "--sources", "usage"]) == 1
    assert "2 of 3 relations differ" in capsys.readouterr().out
