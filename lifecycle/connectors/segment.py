"""Segment's warehouse schema: the tables and columns the ``segment`` adapter reads (usage source).

Segment writes one table per call type of a source (``tracks``, ``identifies``, ``groups``, ``pages``,
...) and, for every distinct track event, a table of its own named after the event in snake case
(``Report Created`` -> ``report_created``) holding the event's properties as columns: objects
flattened (``{"a": {"b": 1}}`` -> ``a_b``), arrays as their JSON text. Every call has ``id`` (the
message id), ``received_at`` (Segment's server clock) and ``loaded_at`` (when the warehouse load
wrote it).

The per-event tables are a family of unknown names and columns: every folder under ``segment/``
that is not one of Segment's own tables is an event table, and the loader lands all of them in one
raw relation, ``raw.segment__event_properties``, with the message id, ``received_at`` and the
event's ``properties`` built back into a JSON object from the columns that are not Segment's
standard ones (:class:`EventFamily`). The workspace a call belongs to is a ``context`` column
(``context_group_id`` by default, set by a B2B app's ``context.groupId``) and the workspace's CRM
account a group trait: both names are options. Mapping and what Segment cannot provide:
docs/connectors/segment.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from lifecycle.contract import Column, Table, col

from .family import EventFamily, PackedTable

LAYOUT = "segment"

#: (environment variable, default column name, what it carries)
OPTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "LIFECYCLE_SEGMENT_WORKSPACE_COLUMN",
        "context_group_id",
        "the workspace (group id) a track or identify call was made in: a context column",
    ),
    (
        "LIFECYCLE_SEGMENT_CRM_ACCOUNT_TRAIT",
        "crm_account_id",
        "the workspace's CRM account id: a group trait",
    ),
)

#: Segment's own tables, which are never event tables (``users``, ``screens`` and ``aliases`` are
#: not read: docs/connectors/segment.md)
SEGMENT_TABLES = ("tracks", "identifies", "groups", "users", "pages", "screens", "aliases")

#: the columns Segment writes into every event table besides the event's properties
STANDARD_COLUMNS = (
    "id",
    "anonymous_id",
    "user_id",
    "event",
    "event_text",
    "timestamp",
    "original_timestamp",
    "sent_at",
    "received_at",
    "uuid_ts",
    "loaded_at",
    "channel",
)
#: column prefixes Segment writes into every event table (the call's context)
STANDARD_PREFIXES = ("context_",)

_LOADED = col(
    "loaded_at", "timestamp", "When the warehouse load wrote the row (UTC): the contract's `_loaded_at`."
)
_RECEIVED = col("received_at", "timestamp", "Segment's server clock when the call arrived (UTC).")


def _call_columns(workspace: str) -> tuple[Column, ...]:
    """The columns of a track or page call the adapter reads (the workspace column by its option)."""
    return (
        col("id", "string", "The message id: unique per call, repeated by a redelivery."),
        col("user_id", "string", "The acting user; null for anonymous calls.", null=True),
        col("anonymous_id", "string", "Device id of an anonymous visitor.", null=True),
        col(workspace, "string", f"Option: {OPTIONS[0][2]}.", null=True),
        col(
            "original_timestamp",
            "timestamp",
            "The client's clock when the call was made (Segment's `timestamp` is corrected).",
            null=True,
        ),
        _RECEIVED,
        _LOADED,
    )


def tables(options: Mapping[str, str]) -> tuple[Table, ...]:
    """The tables with the columns named by ``options`` (by variable; defaults otherwise)."""
    name = {env: options.get(env) or default for env, default, _ in OPTIONS}
    workspace = name[OPTIONS[0][0]]
    crm_account = name[OPTIONS[1][0]]
    return (
        Table(
            LAYOUT,
            "tracks",
            (
                *_call_columns(workspace)[:4],
                col("event", "string", "The event name, e.g. `Report Created`."),
                *_call_columns(workspace)[4:],
            ),
            ("id",),
            description="One row per delivery of a track call.",
        ),
        EventFamily(
            LAYOUT,
            "event_properties",
            (
                col("id", "string", "The message id of the track call (`tracks.id`)."),
                col("received_at", "timestamp", "Segment's server clock: pairs the row with its track call."),
                col(
                    "properties",
                    "string",
                    "Built by the loader: the event's property columns as a JSON object text.",
                ),
            ),
            ("id",),
            description=(
                "One row per delivery of a track call, from the event's own table (any folder "
                "under segment/ that is not one of Segment's tables)."
            ),
            standard=STANDARD_COLUMNS,
            standard_prefixes=STANDARD_PREFIXES,
            not_members=SEGMENT_TABLES,
        ),
        PackedTable(
            LAYOUT,
            "pages",
            (
                *_call_columns(workspace),
                col(
                    "properties",
                    "string",
                    "Built by the loader: the page's property columns (`path`, `url`, `title`, custom ones) "
                    "as a JSON object text.",
                ),
            ),
            ("id",),
            description="One row per delivery of a page call: a page view, read as an event.",
            standard=STANDARD_COLUMNS,
            standard_prefixes=STANDARD_PREFIXES,
        ),
        Table(
            LAYOUT,
            "identifies",
            (
                col("id", "string", "The message id."),
                col("user_id", "string", "The user identified."),
                col("anonymous_id", "string", "The device the user was identified on.", null=True),
                col(workspace, "string", f"Option: {OPTIONS[0][2]}.", null=True),
                col("email", "string", "Trait `email`.", null=True, pii=True),
                col("role", "string", "Trait `role`.", null=True),
                col("created_at", "timestamp", "Trait `createdAt`: when the user signed up.", null=True),
                col("deactivated_at", "timestamp", "Trait `deactivatedAt`, if the app sends it.", null=True),
                _RECEIVED,
                _LOADED,
            ),
            ("id",),
            description="One row per identify call: a version of a user's traits.",
        ),
        Table(
            LAYOUT,
            "groups",
            (
                col("id", "string", "The message id."),
                col("group_id", "string", "The group (workspace) id."),
                col("user_id", "string", "The user the call linked to the group.", null=True),
                col("name", "string", "Trait `name`.", null=True),
                col(crm_account, "string", f"Option: {OPTIONS[1][2]}.", null=True),
                col(
                    "created_at", "timestamp", "Trait `createdAt`: when the workspace was created.", null=True
                ),
                _RECEIVED,
                _LOADED,
            ),
            ("id",),
            description="One row per group call: a version of a workspace's traits, and a user's link to it.",
        ),
    )


TABLES: tuple[Table, ...] = tables({})
