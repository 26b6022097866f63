"""Contract violations injected on purpose (``faults`` > 0), each recorded for the tests.

A row is hit with probability ``rate``; the fault is drawn from the rules that apply to its
table. Rule names are the warehouse's quarantine rules. ``duplicate_key_conflict`` appends a copy
of the row with a changed payload under the same key and ``_loaded_at`` (both rows are recorded).
The injector has its own random stream, so the valid rows are the same as in a run without faults.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lifecycle.contract import Table

from .util import STREAM_FAULTS, rng_for
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


class FaultInjector:
    def __init__(self, seed: int, rate: float) -> None:
        self.seed = seed
        self.rate = rate
        self.records: list[dict] = []

    def _rng(self, rel: str) -> np.random.Generator:
        return rng_for(self.seed, STREAM_FAULTS, zlib.crc32(rel.encode()))

    def rules(self, table: Table) -> list[tuple[str, str]]:
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
                out.append(row)
                twin = dict(row)
                col = _mutable_column(table)
                twin[col] = _changed(twin.get(col))
                out.append(twin)
                for n in (len(out) - 1, len(out)):
                    self._record(table, rel, n, key, rule, col, text(out[n - 1].get(col)))
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
            out.append(bad)
            self._record(table, rel, len(out), key, rule, col, text(bad.get(col)))
        return out

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

    def tracks(self, table: Table, tbl: pa.Table, rel: str) -> pa.Table:
        """Faults on a tracks batch (arrow): null id, malformed JSON, bad received_at, key conflicts."""
        n = tbl.num_rows
        if self.rate <= 0 or n == 0:
            return tbl
        rng = self._rng(rel)
        hits = np.nonzero(rng.random(n) < self.rate)[0]
        if len(hits) == 0:
            return tbl
        kinds = rng.integers(0, 4, len(hits))
        cols = {c: tbl.column(c).to_pylist() for c in ("message_id", "properties")}
        recv = (
            pc.strftime(tbl.column("received_at"), format="%Y-%m-%dT%H:%M:%S.%fZ").to_pylist()
            if (kinds == 2).any()
            else None
        )
        dup_rows = []
        for i, kind in zip(hits.tolist(), kinds.tolist(), strict=True):
            key = cols["message_id"][i]
            if kind == 0:
                cols["message_id"][i] = None
                self._record(table, rel, i + 1, key, "null_primary_key", "message_id", "")
            elif kind == 1:
                cols["properties"][i] = cols["properties"][i][: max(1, len(cols["properties"][i]) // 2)]
                self._record(table, rel, i + 1, key, "malformed_json", "properties", cols["properties"][i])
            elif kind == 2:
                recv[i] = "2025-13-01T00:00:00Z"
                self._record(table, rel, i + 1, key, "unparseable_timestamp", "received_at", recv[i])
            else:
                dup_rows.append(i)
        new = tbl.set_column(
            tbl.schema.get_field_index("message_id"),
            "message_id",
            pa.array(cols["message_id"], type=pa.string()),
        )
        new = new.set_column(
            new.schema.get_field_index("properties"),
            "properties",
            pa.array(cols["properties"], type=pa.string()),
        )
        if recv is not None:
            new = new.set_column(
                new.schema.get_field_index("received_at"), "received_at", pa.array(recv, type=pa.string())
            )
        if dup_rows:  # the same message id with another payload, in the same batch
            twins = new.take(pa.array(dup_rows))
            props = [json.dumps({"conflict": True, "n": k}) for k in range(len(dup_rows))]
            twins = twins.set_column(
                twins.schema.get_field_index("properties"), "properties", pa.array(props, type=pa.string())
            )
            start = new.num_rows
            new = pa.concat_tables([new, twins])
            for j, i in enumerate(dup_rows):
                key = cols["message_id"][i]
                self._record(table, rel, i + 1, key, "duplicate_key_conflict", "properties", "")
                self._record(table, rel, start + j + 1, key, "duplicate_key_conflict", "properties", props[j])
        return new


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


def _mutable_column(table: Table) -> str:
    return CONFLICT_COLUMN[table.key]


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
