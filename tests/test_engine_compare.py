"""The DuckDB-Spark equality check of `make test-spark` (lifecycle/engine_compare.py) on tables
made by hand: it must find every kind of difference, and only real ones."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lifecycle.engine_compare import compare_with_spark, main

REFERENCE = """
    select * from (values
        ('a', date '2025-01-31', 10, cast(12.50 as decimal(18, 2)), 0.1 + 0.2, true),
        ('b', date '2025-02-28', null, cast(0.00 as decimal(18, 2)), 1e12, false),
        ('b', date '2025-02-28', 3, cast(1.00 as decimal(18, 2)), null, null)
    ) as t(account_id, month, seats, mrr_usd, ratio, is_live)
"""


def _warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.fct_x as {REFERENCE}")
    return path


def _spark_side(tmp_path: Path, select: str) -> Path:
    """A Spark-style warehouse dir (`marts.db/fct_x/part-*.parquet`) holding ``select`` over t."""
    root = tmp_path / "spark_warehouse"
    folder = root / "marts.db" / "fct_x"
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"create table t as {REFERENCE}")
    con.execute(f"copy ({select}) to '{folder / 'part-00000.snappy.parquet'}' (format parquet)")
    (folder / "_SUCCESS").write_text("")
    return root


def test_the_same_rows_in_another_order_and_float_noise_are_equal(tmp_path: Path) -> None:
    spark = _spark_side(
        tmp_path,
        "select account_id, month, seats, mrr_usd, ratio * (1 + 1e-13) as ratio, is_live "
        "from t order by account_id desc, seats",
    )
    [result] = compare_with_spark(_warehouse(tmp_path), spark)
    assert result.equal, result.problems
    assert result.reference_rows == 3


@pytest.mark.parametrize(
    ("select", "words"),
    [
        ("select * from t where seats is distinct from 3", "3 rows against 2"),
        ("select * from t union all select * from t where seats = 10", "3 rows against 4"),
        ("select * replace (mrr_usd + 0.01 as mrr_usd) from t", "column mrr_usd"),
        ("select * replace (ratio * (1 + 1e-6) as ratio) from t", "column ratio"),
        ("select * replace (coalesce(seats, 0) as seats) from t", "column seats"),
        ("select * replace (upper(account_id) as account_id) from t", "column account_id"),
        ("select * exclude (is_live) from t", "columns differ"),
        ("select *, 1 as extra from t", "columns differ"),
    ],
)
def test_each_kind_of_difference_is_found(tmp_path: Path, select: str, words: str) -> None:
    [result] = compare_with_spark(_warehouse(tmp_path), _spark_side(tmp_path, select))
    assert not result.equal and any(words in p for p in result.problems), result.problems


def test_a_table_spark_did_not_build_fails_the_command(tmp_path: Path, capsys) -> None:
    empty = tmp_path / "spark_warehouse"
    empty.mkdir()
    assert main([str(_warehouse(tmp_path)), str(empty)]) == 1
    assert "Spark has no such table" in capsys.readouterr().out
