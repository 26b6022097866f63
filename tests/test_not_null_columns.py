"""The generic data test `not_null_columns` (macros/not_null_columns.sql), rendered and run on DuckDB.

It replaced 406 column `not_null` tests, so it must fail exactly when one of its columns holds a
null, and say which: one row with each column's number of null rows. The macro body is rendered
with Jinja (the `{% test %}` wrapper removed, `adapter.quote` as DuckDB quotes) and run on small
hand-made tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import jinja2
import pytest

MACRO = Path(__file__).resolve().parent.parent / "macros" / "not_null_columns.sql"


class _Adapter:
    @staticmethod
    def quote(name: str) -> str:
        return f'"{name}"'


def _sql(model: str, columns: list[str]) -> str:
    text = MACRO.read_text(encoding="utf-8")
    body = re.search(
        r"{%\s*test not_null_columns\(model, columns\)\s*-?%}(.*){%-?\s*endtest\s*%}", text, re.S
    )
    assert body, "the macro's test block"
    return jinja2.Template(body.group(1)).render(model=model, columns=columns, adapter=_Adapter())


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute('create table t (id integer, "timestamp" varchar, note varchar)')
    return con


def test_no_row_when_no_listed_column_has_a_null(con) -> None:
    con.execute("insert into t values (1, 'a', null), (2, 'b', 'x')")  # note is not listed
    assert con.execute(_sql("t", ["id", "timestamp"])).fetchall() == []


def test_one_row_counting_the_nulls_of_each_column(con) -> None:
    con.execute("insert into t values (1, null, 'x'), (null, null, 'y'), (3, 'c', null)")
    result = con.execute(_sql("t", ["id", "timestamp", "note"]))
    assert [d[0] for d in result.description] == ["id__null_rows", "timestamp__null_rows", "note__null_rows"]
    assert result.fetchall() == [(1, 2, 1)]


def test_an_empty_model_passes(con) -> None:
    assert con.execute(_sql("t", ["id"])).fetchall() == []
