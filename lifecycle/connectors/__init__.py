"""Connector layouts: the tables a sync tool (Fivetran, Airbyte, dlt, Segment) lands, read as they are.

A source (``crm``, ``billing``, ``usage``) is read either in the landing contract's shape (layout
``contract``, the default) or in a connector's shape, named per source by an environment variable::

    LIFECYCLE_BILLING_LAYOUT=fivetran_stripe

A connector layout's tables land under ``<landing_dir>/<layout>/<table>/<batch files>`` (e.g.
``fivetran_stripe/subscription_history/2025-03-01.parquet``) and are loaded like contract tables:
every value as text, plus lineage, into ``raw.<layout>__<table>``. The dbt models in
``models/adapters/<layout>/`` map them onto the contract's raw relations, so staging, quarantine,
reconciliation and every mart are shared (docs/connectors.md). This module is the registry: which
layouts exist, which source each feeds and which tables it lands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lifecycle.contract import SOURCES, TABLES, Table

from . import fivetran_hubspot, fivetran_salesforce, fivetran_stripe, segment

#: The layout of a source read in the landing contract's own shape.
CONTRACT = "contract"


@dataclass(frozen=True)
class LayoutOption:
    """A setting of a layout: the name of a custom field in the connector's tables."""

    env_var: str
    default: str
    description: str


@dataclass(frozen=True)
class Layout:
    name: str
    #: the contract source whose raw relations the layout's adapters produce
    source: str
    #: the connector's tables with the options' defaults (``Table.source`` is the layout's name:
    #: its landing folder)
    tables: tuple[Table, ...]
    description: str
    options: tuple[LayoutOption, ...] = ()
    #: the schema a connector's DuckDB destination usually writes it to (LIFECYCLE_<LAYOUT>_SCHEMA)
    default_schema: str = "main"
    #: the tables for given option values (custom field names), when the layout has options
    tables_with: Callable[[Mapping[str, str]], tuple[Table, ...]] | None = None
    #: the column of every table that says when the connector wrote the row (the contract's
    #: ``_loaded_at``; the sources' freshness field)
    loaded_at: str = "_fivetran_synced"

    @property
    def env_var(self) -> str:
        return layout_env_var(self.source)

    @property
    def database_env_var(self) -> str:
        """Names a DuckDB database to read the layout's tables from instead of files."""
        return f"LIFECYCLE_{self.name.upper()}_DATABASE"

    @property
    def schema_env_var(self) -> str:
        return f"LIFECYCLE_{self.name.upper()}_SCHEMA"

    def tables_for(self, options: Mapping[str, str]) -> tuple[Table, ...]:
        if self.tables_with is None:
            return self.tables
        return self.tables_with({o.env_var: options.get(o.env_var) or o.default for o in self.options})


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout(
            fivetran_stripe.LAYOUT,
            "billing",
            fivetran_stripe.TABLES,
            "Stripe as Fivetran lands it (history mode for subscriptions and their items).",
            default_schema="stripe",
        ),
        Layout(
            fivetran_salesforce.LAYOUT,
            "crm",
            fivetran_salesforce.tables({}),
            "Salesforce as Fivetran lands it (standard objects, the custom fields named by the options).",
            tuple(LayoutOption(*o) for o in fivetran_salesforce.OPTIONS),
            "salesforce",
            fivetran_salesforce.tables,
        ),
        Layout(
            fivetran_hubspot.LAYOUT,
            "crm",
            fivetran_hubspot.tables({}),
            "HubSpot as Fivetran lands it (objects, associations, pipeline stages; the custom "
            "company properties named by the options).",
            tuple(LayoutOption(*o) for o in fivetran_hubspot.OPTIONS),
            "hubspot",
            fivetran_hubspot.tables,
        ),
        Layout(
            segment.LAYOUT,
            "usage",
            segment.TABLES,
            "Segment's warehouse schema (tracks, one table per event, identifies, groups; the "
            "workspace column and the CRM account trait named by the options).",
            tuple(LayoutOption(*o) for o in segment.OPTIONS),
            "segment",
            segment.tables,
            "loaded_at",
        ),
    )
}
#: a custom field's name as Fivetran writes it: lower-case snake case
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

#: Every connector table of every layout, by raw table key (``<layout>__<table>``).
CONNECTOR_BY_KEY: dict[str, Table] = {t.key: t for layout in LAYOUTS.values() for t in layout.tables}
#: Contract and connector tables by raw table key: what the loader can load.
ALL_BY_KEY: dict[str, Table] = {t.key: t for t in TABLES} | CONNECTOR_BY_KEY


def layout_env_var(source: str) -> str:
    return f"LIFECYCLE_{source.upper()}_LAYOUT"


def layouts_for(source: str) -> list[str]:
    """The layouts a source can be read in, the contract first."""
    return [CONTRACT, *(name for name, layout in LAYOUTS.items() if layout.source == source)]


def default_layouts() -> dict[str, str]:
    return dict.fromkeys(SOURCES, CONTRACT)


def tables_for(layouts: Mapping[str, str], options: Mapping[str, str] | None = None) -> list[Table]:
    """The tables to load for a choice of layout per source: the contract's tables of each source
    read as ``contract``, the connector's tables of each other one (with the custom field names
    ``options`` gives, by option variable); contract order first."""
    chosen = default_layouts() | dict(layouts)
    out = [t for t in TABLES if chosen[t.source] == CONTRACT]
    for source in SOURCES:
        if chosen[source] != CONTRACT:
            out.extend(LAYOUTS[chosen[source]].tables_for(options or {}))
    return out


def describe(layouts: Mapping[str, str]) -> str:
    """``crm: contract, billing: fivetran_stripe, usage: contract``: for run summaries."""
    chosen = default_layouts() | dict(layouts)
    return ", ".join(f"{source}: {chosen[source]}" for source in SOURCES)
