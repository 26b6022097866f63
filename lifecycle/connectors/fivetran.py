"""What every Fivetran connector table has: ``_fivetran_synced``, when Fivetran wrote the row (the
contract's ``_loaded_at``). The Fivetran layouts build their tables with :func:`table`."""

from __future__ import annotations

from lifecycle.contract import Column, Table, col

SYNCED = col(
    "_fivetran_synced", "timestamp", "When Fivetran wrote the row (UTC): the contract's `_loaded_at`."
)


def table(
    layout: str, name: str, columns: tuple[Column, ...], key: tuple[str, ...], description: str
) -> Table:
    """A Fivetran table of ``layout``: ``columns`` and then ``_fivetran_synced``."""
    return Table(layout, name, (*columns, SYNCED), key, description=description)
