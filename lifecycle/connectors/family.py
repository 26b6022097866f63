"""A family of connector tables whose names are not known in advance (Segment's one table per
event): declared once, landed in one raw relation, their undeclared columns packed into one JSON
column by the loader (:mod:`lifecycle.loader.packing`)."""

from __future__ import annotations

from dataclasses import dataclass

from lifecycle.contract import Table


@dataclass(frozen=True)
class EventFamily(Table):
    """A family of connector tables of unknown names: every folder of the layout that is no other
    table of it and not in ``not_members`` lands in this one raw relation. Its ``packed`` column is
    not read from the files: the loader builds it, as a JSON object text, from every file column
    that is neither a declared column nor a ``standard`` one (by name or prefix); null values are
    left out, and a text value that is a JSON array (Segment's stringified arrays) is kept as the
    array."""

    packed: str = "properties"
    standard: tuple[str, ...] = ()
    standard_prefixes: tuple[str, ...] = ()
    not_members: tuple[str, ...] = ()

    def is_standard(self, name: str) -> bool:
        low = name.lower()
        return (
            low in self.column_names
            or low in self.standard
            or low.startswith(self.standard_prefixes)
            or low.startswith("_")
        )
