"""The packed column of a :class:`lifecycle.connectors.family.PackedTable`: the columns of a batch
file that are not the table's own, built back into one JSON object text.

Segment writes an event's properties as the columns of the event's own table; the loader lands
every event table in one raw relation, and the page calls, with the properties as
``{"name": value, ...}``:

- the file's columns in file order, but the declared and the standard ones (by name or prefix);
- a null value is left out (Segment writes a missing property as null);
- a number or boolean stays one; a timestamp is its ISO 8601 UTC text (as the loader lands
  timestamps); text is a JSON string, unless it is a JSON array (``[...]`` that parses): Segment
  stringifies arrays, so that text is kept as the array. A CSV file has no types: every value is
  text.

The DuckDB engine builds it here; the Spark engine builds the same in :mod:`.spark_reader`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from lifecycle.connectors.family import PackedTable


def packed_names(family: PackedTable, names: Sequence[str]) -> list[str]:
    """The file columns packed into ``family.packed``, in file order."""
    return [n for n in names if not family.is_standard(n)]


def duckdb_packed(
    columns: Sequence[tuple[str, str]], text: Callable[[str, str], str], *, empty_is_null: bool = False
) -> str:
    """SQL for the packed JSON object of ``columns`` (name, DuckDB type); ``text`` renders a
    timestamp column as the loader's text; ``empty_is_null``: an empty text is null (CSV)."""

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def lit(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    fragments = []
    for name, duck_type in columns:
        t, c = duck_type.upper(), q(name)
        if empty_is_null:
            c = f"nullif({c}, '')"
        if t.startswith("TIMESTAMP") or t in ("DATE", "TIME"):
            value = f"to_json({text(name, duck_type)})"
        elif t == "VARCHAR":
            value = f"case when {c} like '[%]' and json_valid({c}) then {c} else to_json({c}) end"
        else:
            value = f"to_json({c})"
        fragments.append(f"case when {c} is not null then {lit(json.dumps(name) + ':')} || {value} end")
    if not fragments:
        return "'{}'"
    return f"'{{' || concat_ws(',', {', '.join(fragments)}) || '}}'"
