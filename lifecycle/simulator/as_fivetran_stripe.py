"""The simulated billing data in Fivetran's Stripe shape: contract rows -> connector rows.

Used by ``lifecycle simulate --layout fivetran_stripe`` (:mod:`.layouts`) to write the same company
as a Fivetran Stripe sync would land it, so that a build from the connector's tables can be
compared with a build from the contract's. Batch by batch, in batch order, each contract row
becomes the connector rows that carry it; values stay the contract's text, so an injected bad
value reaches the connector's tables too. Where Stripe holds a value in another shape, the row is
re-expressed the way Stripe does:

- a customer's CRM account id and a product's category go into ``metadata`` (JSON);
- a quarter of the recurring prices (chosen by a stable hash of the id) are legacy ``plan`` rows;
- a subscription version is a ``subscription_history`` row dated by ``_fivetran_start``; its
  percentage off becomes a subscription ``discount`` (started when the percentage appears, ended,
  as a later sync of the discount, when it changes) of a ``coupon`` per percentage;
- a removed subscription item is flagged ``_fivetran_deleted``;
- an invoice's discount total and a line's discount amount are Stripe's discount-amount arrays;
- a refund names a ``charge`` (one per invoice), which names the invoice.

A value Stripe cannot hold (an unparseable percentage, a removal date that is not a timestamp) is
re-expressed as the valid row it copies; such a bad copy then lands as a duplicate, not in
quarantine. Nothing here depends on what a metric comes out as.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

Row = dict[str, str | None]

#: contract billing table -> the connector table its unreadable batch files are copied to
PRIMARY_TABLE = {
    "customers": "customer",
    "products": "product",
    "prices": "price",
    "subscriptions": "subscription_history",
    "subscription_items": "subscription_item",
    "invoices": "invoice",
    "invoice_line_items": "invoice_line_item",
    "refunds": "refund",
}
#: share of recurring prices written as legacy plans: those whose id hashes to 0 mod this
LEGACY_PLAN_MODULUS = 4

_INT = re.compile(r"^[+-]?\d+$")


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _percent(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except InvalidOperation:
        return None


def _amounts(text: str | None) -> str | None:
    """A contract discount amount as Stripe's list of discount amounts (none for 0)."""
    if text is None:
        return None
    if text.strip() in ("0", "+0", "-0"):
        return "[]"
    value: object = int(text) if _INT.match(text.strip()) else text
    return json.dumps([{"amount": value}], separators=(",", ":"))


def _metadata(**keys: str | None) -> str:
    return json.dumps({k: v for k, v in keys.items() if v is not None}, separators=(",", ":"), sort_keys=True)


def is_legacy_plan(price: Row) -> bool:
    """True for the recurring prices written as legacy plans (a stable hash of the id)."""
    pid = price.get("id")
    return (
        price.get("type") == "recurring"
        and pid is not None
        and zlib.crc32(pid.encode()) % LEGACY_PLAN_MODULUS == 0
    )


@dataclass
class _Discount:
    discount_id: str
    percent: Decimal
    start: str


@dataclass
class StripeState:
    """What the conversion carries from batch to batch: each subscription's open discount."""

    discounts: dict[str, _Discount] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    coupons: set[str] = field(default_factory=set)


#: what :mod:`.layouts` calls a converter's state
State = StripeState


def convert(table: str, rows: Iterable[Row], state: StripeState) -> dict[str, list[Row]]:
    """The connector rows of one contract batch of billing ``table`` (rows in file order)."""
    out: dict[str, list[Row]] = {}

    def add(name: str, row: Row) -> None:
        out.setdefault(name, []).append(row)

    rows = list(rows)
    if table == "subscriptions":
        _subscriptions(rows, state, add)
        return out
    for r in rows:
        synced = r.get("_loaded_at")
        if table == "customers":
            add(
                "customer",
                {
                    "id": r["id"],
                    "email": r["email"],
                    "name": r["name"],
                    "currency": r["currency"],
                    "delinquent": r["delinquent"],
                    "is_deleted": r["is_deleted"],
                    "metadata": _metadata(crm_account_id=r["crm_account_id"]),
                    "created": r["created_at"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "products":
            add(
                "product",
                {
                    "id": r["id"],
                    "name": r["name"],
                    "active": r["active"],
                    "metadata": _metadata(category=r["category"]),
                    "created": None,
                    "_fivetran_synced": synced,
                },
            )
        elif table == "prices":
            if is_legacy_plan(r):
                add(
                    "plan",
                    {
                        "id": r["id"],
                        "product_id": r["product_id"],
                        "nickname": r["nickname"],
                        "currency": r["currency"],
                        "amount": r["unit_amount"],
                        "interval": r["recurring_interval"],
                        "interval_count": r["recurring_interval_count"],
                        "active": r["active"],
                        "created": r["created_at"],
                        "_fivetran_synced": synced,
                    },
                )
            else:
                add(
                    "price",
                    {
                        **{k: r[k] for k in _PRICE_COLUMNS},
                        "created": r["created_at"],
                        "_fivetran_synced": synced,
                    },
                )
        elif table == "subscription_items":
            removed = _timestamp(r["deleted_at"]) is not None
            add(
                "subscription_item",
                {
                    "id": r["id"],
                    "subscription_id": r["subscription_id"],
                    "price_id": r["price_id"],
                    "plan_id": None,
                    "quantity": r["quantity"],
                    "created": r["created_at"],
                    "metadata": None,
                    "_fivetran_deleted": "true" if removed else "false",
                    "_fivetran_start": r["updated_at"],
                    "_fivetran_end": None,
                    "_fivetran_active": None,
                    "_fivetran_synced": synced,
                },
            )
        elif table == "invoices":
            add(
                "invoice",
                {
                    **{k: r[k] for k in _INVOICE_COLUMNS},
                    "total_discount_amounts": _amounts(r["discount_total"]),
                    "created": r["created_at"],
                    "status_transitions_paid_at": r["paid_at"],
                    "_fivetran_synced": synced,
                },
            )
        elif table == "invoice_line_items":
            add(
                "invoice_line_item",
                {
                    **{k: r[k] for k in _LINE_COLUMNS},
                    "price_id": None,
                    "plan_id": r["price_id"],
                    "discount_amounts": _amounts(r["discount_amount"]),
                    "_fivetran_synced": synced,
                },
            )
        elif table == "refunds":
            charge_id = f"ch_{r['invoice_id']}" if r["invoice_id"] is not None else None
            if charge_id is not None:
                add(
                    "charge",
                    {
                        "id": charge_id,
                        "invoice_id": r["invoice_id"],
                        "customer_id": None,
                        "amount": None,
                        "currency": r["currency"],
                        "status": "succeeded",
                        "created": None,
                        "_fivetran_synced": synced,
                    },
                )
            add(
                "refund",
                {
                    "id": r["id"],
                    "charge_id": charge_id,
                    "amount": r["amount"],
                    "currency": r["currency"],
                    "reason": r["reason"],
                    "status": r["status"],
                    "created": r["created_at"],
                    "_fivetran_synced": synced,
                },
            )
        else:
            raise ValueError(f"billing table {table!r} has no Fivetran Stripe form")
    return out


_PRICE_COLUMNS = (
    "id",
    "product_id",
    "nickname",
    "currency",
    "unit_amount",
    "type",
    "recurring_interval",
    "recurring_interval_count",
    "active",
)
_INVOICE_COLUMNS = (
    "id",
    "customer_id",
    "subscription_id",
    "number",
    "status",
    "billing_reason",
    "currency",
    "subtotal",
    "tax",
    "total",
    "amount_paid",
    "amount_due",
    "period_start",
    "period_end",
    "due_date",
    "attempt_count",
)
_LINE_COLUMNS = (
    "id",
    "invoice_id",
    "subscription_id",
    "subscription_item_id",
    "type",
    "description",
    "quantity",
    "amount",
    "proration",
    "period_start",
    "period_end",
    "currency",
)
_SUBSCRIPTION_COLUMNS = (
    "id",
    "customer_id",
    "status",
    "start_date",
    "trial_start",
    "trial_end",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "canceled_at",
    "ended_at",
)


def _subscriptions(rows: list[Row], state: StripeState, add) -> None:
    # within a batch the versions of a subscription are in time order: the last one is active
    last = {r["id"]: i for i, r in enumerate(rows) if r["id"] is not None}
    for i, r in enumerate(rows):
        sub_id, at, synced = r["id"], r["updated_at"], r["_loaded_at"]
        nxt = next((s["updated_at"] for s in rows[i + 1 :] if s["id"] == sub_id), None) if sub_id else None
        add(
            "subscription_history",
            {
                **{k: r[k] for k in _SUBSCRIPTION_COLUMNS},
                "created": r["created_at"],
                "metadata": None,
                "_fivetran_start": at,
                "_fivetran_end": nxt,
                "_fivetran_active": "true" if last.get(sub_id) == i else "false",
                "_fivetran_synced": synced,
            },
        )
        percent = _percent(r["discount_percent_off"])
        if sub_id is None or _timestamp(at) is None or (r["discount_percent_off"] and percent is None):
            continue  # a bad copy: Stripe cannot date or hold it, so its discount is the valid row's
        current = state.discounts.get(sub_id)
        if current is not None and current.percent == percent:
            continue
        if current is not None:  # the discount ends: a later sync of it, with its end
            add("discount", _discount_row(sub_id, current, synced, end=at))
            del state.discounts[sub_id]
        if percent is not None:
            n = state.counts[sub_id] = state.counts.get(sub_id, 0) + 1
            opened = state.discounts[sub_id] = _Discount(f"di_{sub_id}_{n}", percent, at)  # type: ignore[arg-type]
            coupon = _coupon_id(percent)
            if coupon not in state.coupons:
                state.coupons.add(coupon)
                add(
                    "coupon",
                    {
                        "id": coupon,
                        "percent_off": r["discount_percent_off"],
                        "amount_off": None,
                        "duration": "forever",
                        "created": None,
                        "_fivetran_synced": synced,
                    },
                )
            add("discount", _discount_row(sub_id, opened, synced, end=None))


def _coupon_id(percent: Decimal) -> str:
    return f"pct_{percent.normalize():f}"


def _discount_row(sub_id: str, discount: _Discount, synced: str | None, end: str | None) -> Row:
    return {
        "id": discount.discount_id,
        "type": "subscription",
        "type_id": sub_id,
        "coupon_id": _coupon_id(discount.percent),
        "subscription_id": sub_id,
        "start": discount.start,
        "end": end,
        "_fivetran_synced": synced,
    }
