"""Connector tables whose columns (or names) are not known in advance: a table whose undeclared
columns the loader packs into one JSON column (Segment's ``pages``), and a family of such tables
landed in one raw relation (Segment's one table per event). See :mod:`lifecycle.loader.packing`."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.contract import Table


@dataclass(frozen=True)
class PackedTable(Table):
    """A connector table with a column the files do not carry: the loader builds ``packed``, as a
    JSON object text, from every file column that is neither a declared column nor a ``standard``
    one (by name or prefix, or starting with ``_``); null values are left out, and a text value
    that is a JSON array (Segment's stringified arrays) is kept as the array
    (:mod:`lifecycle.loader.packing`). Segment's ``pages`` table: a page call's properties."""

    packed: str = "properties"
    standard: tuple[str, ...] = ()
    standard_prefixes: tuple[str, ...] = ()

    def is_standard(self, name: str) -> bool:
        low = name.lower()
        return (
            low in self.column_names
            or low in self.standard
            or low.startswith(self.standard_prefixes)
            or low.startswith("_")
        )


@dataclass(frozen=True)
class EventFamily(PackedTable):
    """A family of packed tables of unknown names: every folder of the layout that is no other
    table of it and not in ``not_members`` lands in this one raw relation (Segment's per-event
    tables)."""

    not_members: tuple[str, ...] = ()
