"""Contract violations injected on purpose (``faults`` > 0), each recorded in the ground truth.

A fault never replaces or alters a valid row: it *adds* a bad row, so the valid rows of a batch
are exactly those of a run without faults and the ground truth (revenue, churn, identity) stays
right. A row is hit with probability ``rate``; the fault is drawn from the rules that apply to
its table (the warehouse's quarantine rule names):

- a corrupted copy of the row right after it (same key and ``_loaded_at``): a null primary key,
  an unparseable timestamp/date/number/bool, an unknown currency, a negative amount or
  quantity, a foreign key to a parent that does not exist, or (tracks) truncated JSON
  properties. The warehouse quarantines the copy; a bad row never competes with a valid one.
- ``duplicate_key_conflict``: a copy with a changed payload under the same key and
  ``_loaded_at``. It is placed where the warehouse's tie-break makes it lose (before the true row
  in entity batches, whose latest row wins; after it in tracks batches, whose first row wins), so
  the true row is staged and the copy quarantined.

Only the added row is recorded (``faults.csv``: batch file, 1-based row number, key, rule,
column, value). The injector has its own random stream per batch file.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.contract import Table

from .ids import STREAM_FAULTS, rng_for
from .writer import text

ORPHAN_FK = {
    "billing__subscription_items": "subscription_id",
    "billing__invoice_line_items": "invoice_id",
    "billing__invoices": "customer_id",
    "billing__refunds": "invoice_id",
    "billing__subscriptions": "customer_id",
    "billing__prices": "product_id",
    "crm__contacts": "account_id",
    "crm__cases": "account_id",
}
NEGATIVE_AMOUNT = {
    "billing__refunds": "amount",
    "billing__invoice_line_items": "discount_amount",
    "billing__prices": "unit_amount",
}
NEGATIVE_QUANTITY = {"billing__subscription_items": "quantity", "billing__invoice_line_items": "quantity"}
BAD = {
    "unparseable_timestamp": (
        "2025-02-30T10:00:00Z",
        "yesterday",
        "13/45/2025 10:00",
        "2025-07-01T25:61:00Z",
    ),
    "unparseable_number": ("12a", "1,200", "n/a", "3.5.1"),
    "unparseable_bool": ("yes", "maybe", "2", "Y"),
    "unknown_currency": ("xxx", "btc", "usdd", "€"),
}
#: the column a conflicting duplicate changes (a valid value, so only the key conflict is wrong)
CONFLICT_COLUMN = {
    "crm__accounts": "name",
    "crm__contacts": "title",
    "crm__users": "full_name",
    "crm__opportunities": "amount",
    "crm__cases": "subject",
    "crm__activities": "occurred_at",
    "crm__nps_responses": "comment",
    "billing__customers": "name",
    "billing__products": "name",
    "billing__prices": "nickname",
    "billing__subscriptions": "cancel_at_period_end",
    "billing__subscription_items": "quantity",
    "billing__invoices": "number",
    "billing__invoice_line_items": "description",
    "billing__refunds": "created_at",
    "usage__workspaces": "name",
    "usage__users": "email",
}
#: the contract's timestamp text for a valid ``received_at`` in a batch that also holds a bad one
RECEIVED_AT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # Arrow's %S carries the microseconds: ...:42.238320Z
BAD_RECEIVED_AT = "2025-13-01T00:00:00Z"
#: tracks faults, by the kind drawn for a hit row
TRACK_RULES = ("null_primary_key", "malformed_json", "unparseable_timestamp", "duplicate_key_conflict")


class FaultInjector:
    def __init__(self, seed: int, rate: float) -> None:
        self.seed = seed
        self.rate = rate
        self.records: list[dict] = []

    def _rng(self, rel: str) -> np.random.Generator:
        return rng_for(self.seed, STREAM_FAULTS, zlib.crc32(rel.encode()))

    def rules(self, table: Table) -> list[tuple[str, str]]:
        """(rule, column) pairs that can hit a row of ``table``."""
        out: list[tuple[str, str]] = [("null_primary_key", table.primary_key[0])]
        for c in table.columns:
            if c.name == "_loaded_at" or c.name in table.primary_key:
                continue
            if c.type in ("timestamp", "date"):
                out.append(("unparseable_timestamp" if c.type == "timestamp" else "unparseable_date", c.name))
            elif c.type in ("int", "decimal"):
                out.append(("unparseable_number", c.name))
            elif c.type == "bool":
                out.append(("unparseable_bool", c.name))
        if table.source == "billing" and "currency" in table.column_names:
            out.append(("unknown_currency", "currency"))
        if table.key in NEGATIVE_AMOUNT:
            out.append(("negative_amount", NEGATIVE_AMOUNT[table.key]))
        if table.key in NEGATIVE_QUANTITY:
            out.append(("negative_quantity", NEGATIVE_QUANTITY[table.key]))
        if table.key in ORPHAN_FK:
            out.append(("orphan_foreign_key", ORPHAN_FK[table.key]))
        out.append(("duplicate_key_conflict", ""))
        return out

    def __call__(self, table: Table, rows: list[dict], rel: str) -> list[dict]:
        """The rows of one entity batch with bad rows added (the valid rows unchanged, in order)."""
        if self.rate <= 0 or not rows:
            return rows
        rng = self._rng(rel)
        rules = self.rules(table)
        hit = rng.random(len(rows)) < self.rate
        out: list[dict] = []
        pk = table.primary_key[0]
        for i, row in enumerate(rows):
            if not hit[i]:
                out.append(row)
                continue
            rule, col = rules[int(rng.integers(len(rules)))]
            key = text(row.get(pk))
            if rule == "duplicate_key_conflict":
                col = CONFLICT_COLUMN[table.key]
                twin = {**row, col: _changed(row.get(col))}
                out.extend((twin, row))  # the latest row of a key wins: the true one comes second
                self._record(table, rel, len(out) - 1, key, rule, col, text(twin[col]))
                continue
            bad = dict(row)
            if rule == "null_primary_key":
                bad[col] = None
            elif rule in BAD:
                bad[col] = BAD[rule][int(rng.integers(4))]
            elif rule == "unparseable_date":
                bad[col] = "2025-02-30"
            elif rule in ("negative_amount", "negative_quantity"):
                bad[col] = -abs(int(row.get(col) or 0)) - 1
            elif rule == "orphan_foreign_key":
                bad[col] = f"{str(row.get(col) or 'x').split('_')[0]}_missing{int(rng.integers(10**9))}"
            out.extend((row, bad))
            self._record(table, rel, len(out), key, rule, col, text(bad.get(col)))
        return out

    def tracks(self, table: Table, tbl: pa.Table, rel: str) -> pa.Table:
        """A tracks batch with bad copies of hit events appended: a null message id, truncated
        JSON properties, an unparseable received_at, or another payload under the same id."""
        n = tbl.num_rows
        if self.rate <= 0 or n == 0:
            return tbl
        rng = self._rng(rel)
        hits = np.nonzero(rng.random(n) < self.rate)[0]
        if len(hits) == 0:
            return tbl
        kinds = rng.integers(0, len(TRACK_RULES), len(hits))
        copies = tbl.take(pa.array(hits))
        message_ids = copies.column("message_id").to_pylist()
        properties = copies.column("properties").to_pylist()
        bad_times = bool((kinds == TRACK_RULES.index("unparseable_timestamp")).any())
        if bad_times:  # one bad received_at makes the column text: valid ones keep the contract's format
            tbl = _received_at_as_text(tbl)
            copies = _received_at_as_text(copies)
        received = copies.column("received_at").to_pylist()
        ids = list(message_ids)
        conflicts = 0
        for j, kind in enumerate(kinds.tolist()):
            rule, row_number = TRACK_RULES[kind], n + j + 1
            if rule == "null_primary_key":
                ids[j] = None
                self._record(table, rel, row_number, message_ids[j], rule, "message_id", "")
            elif rule == "malformed_json":
                properties[j] = properties[j][: max(1, len(properties[j]) // 2)]
                self._record(table, rel, row_number, message_ids[j], rule, "properties", properties[j])
            elif rule == "unparseable_timestamp":
                received[j] = BAD_RECEIVED_AT
                self._record(table, rel, row_number, message_ids[j], rule, "received_at", BAD_RECEIVED_AT)
            else:  # the first delivery of an id wins: the copy, later in the batch, loses
                properties[j] = json.dumps({"conflict": True, "n": conflicts})
                conflicts += 1
                self._record(table, rel, row_number, message_ids[j], rule, "properties", properties[j])
        copies = _replace(copies, "message_id", pa.array(ids, type=pa.string()))
        copies = _replace(copies, "properties", pa.array(properties, type=pa.string()))
        if bad_times:
            copies = _replace(copies, "received_at", pa.array(received, type=pa.string()))
        return pa.concat_tables([tbl, copies])

    def _record(
        self, table: Table, rel: str, row_number: int, key: str, rule: str, col: str, value: str
    ) -> None:
        self.records.append(
            {
                "source": table.source,
                "table": table.name,
                "batch_file": rel,
                "row_number": row_number,
                "key": key,
                "rule": rule,
                "column": col,
                "value": value,
            }
        )


def _replace(tbl: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return tbl.set_column(tbl.schema.get_field_index(name), name, values)


def _received_at_as_text(tbl: pa.Table) -> pa.Table:
    return _replace(tbl, "received_at", pc.strftime(tbl.column("received_at"), format=RECEIVED_AT_FORMAT))


def _changed(v: object) -> object:
    if isinstance(v, bool):
        return not v
    if isinstance(v, int | float):
        return v + 1
    if isinstance(v, datetime):
        return v + timedelta(seconds=1)
    if isinstance(v, str):
        return v + " (edited)"
    return "changed"
