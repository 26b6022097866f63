"""The simulated product usage in Segment's warehouse shape: contract rows -> Segment rows.

Used by ``lifecycle simulate --layout segment`` (:mod:`.layouts`), batch by batch. Where Segment
holds a value in another shape, the row is re-expressed the way Segment's warehouse loads do:

- a workspace row is a ``groups`` call made server-side (no user) with the workspace's traits
  (``name``, the CRM account trait, ``created_at``);
- a user row is an ``identifies`` call with the user's traits; the app sets ``context.groupId``,
  so the call carries the workspace in ``context_group_id``;
- an event is a ``tracks`` row, and a row of the event's own table (``Report Created`` ->
  ``report_created``) holding its properties as columns: an object flattened into ``<key>_<sub>``
  columns, an array as its JSON text. The client clock is ``original_timestamp``;
- a page view (``Page Viewed``) is a page call: a ``pages`` row with its properties (``path``, the
  plan) as columns, as ``analytics.page()`` sends it.

An event whose properties are not a JSON object (an injected truncated payload) has no Segment
form: Segment's API refuses such a call, so it is not written (:attr:`State.refused` counts them;
the contract build quarantines it as ``malformed_json``). Nothing here depends on what a metric
comes out as.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lifecycle.connectors.segment import OPTIONS

Row = dict[str, Any]

PRIMARY_TABLE = {"workspaces": "groups", "users": "identifies", "tracks": "tracks"}
_NAMES = {env: default for env, default, _ in OPTIONS}
_WORKSPACE = _NAMES["LIFECYCLE_SEGMENT_WORKSPACE_COLUMN"]
_CRM_ACCOUNT = _NAMES["LIFECYCLE_SEGMENT_CRM_ACCOUNT_TRAIT"]
#: the event the product's page views are (LIFECYCLE_SEGMENT_PAGE_EVENT's default): a page call
PAGE_EVENT = "Page Viewed"


@dataclass
class State:
    """Counts what could not be written in Segment's shape."""

    refused: int = 0


def event_table(event: str) -> str:
    """Segment's table name for an event: ``Report Created`` -> ``report_created``."""
    return re.sub(r"[^a-z0-9]+", "_", event.lower()).strip("_") or "event"


def flatten(properties: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Segment's columns for a properties object: nested objects flattened with ``_``, arrays as
    their JSON text, names in lower snake case."""
    out: dict[str, Any] = {}
    for key, value in properties.items():
        name = prefix + re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower())
        if isinstance(value, dict):
            out.update(flatten(value, name + "_"))
        elif isinstance(value, list):
            out[name] = json.dumps(value, separators=(",", ":"))
        else:
            out[name] = value
    return out


def _message_id(kind: str, row: Row) -> str:
    digest = hashlib.sha256(f"{kind}:{row['_batch_file']}:{row['_row_number']}".encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def convert(table: str, rows: Iterable[Row], state: State) -> dict[str, list[Row]]:
    """The Segment rows of one contract batch of usage ``table`` (rows in file order)."""
    out: dict[str, list[Row]] = {}

    def add(name: str, row: Row) -> None:
        out.setdefault(name, []).append(row)

    for r in rows:
        loaded = r.get("_loaded_at")
        if table == "workspaces":
            add(
                "groups",
                {
                    "id": _message_id("group", r),
                    "group_id": r["workspace_id"],
                    "user_id": None,
                    "name": r["name"],
                    _CRM_ACCOUNT: r["crm_account_id"],
                    "created_at": r["created_at"],
                    "received_at": loaded,
                    "loaded_at": loaded,
                },
            )
        elif table == "users":
            add(
                "identifies",
                {
                    "id": _message_id("identify", r),
                    "user_id": r["user_id"],
                    "anonymous_id": None,
                    _WORKSPACE: r["workspace_id"],
                    "email": r["email"],
                    "role": r["role"],
                    "created_at": r["created_at"],
                    "deactivated_at": r["deactivated_at"],
                    "received_at": loaded,
                    "loaded_at": loaded,
                },
            )
        elif table == "tracks":
            properties: object = None
            if r["properties"] is not None:
                try:
                    properties = json.loads(r["properties"])
                except ValueError:
                    properties = r["properties"]
                if not isinstance(properties, dict):
                    state.refused += 1
                    continue
            call = {
                "id": r["message_id"],
                "user_id": r["user_id"],
                "anonymous_id": r["anonymous_id"],
                _WORKSPACE: r["workspace_id"],
                "event": r["event"],
                "original_timestamp": r["timestamp"],
                "received_at": r["received_at"],
                "loaded_at": loaded,
            }
            if r["event"] == PAGE_EVENT:  # a page call: its properties are the page's columns
                add("pages", {**call, **(flatten(properties) if isinstance(properties, dict) else {})})
                continue
            add("tracks", call)
            if isinstance(properties, dict) and r["event"] is not None:
                add(event_table(r["event"]), {**call, "event_text": r["event"], **flatten(properties)})
        else:
            raise ValueError(f"no Segment form for usage.{table}")
    return out
