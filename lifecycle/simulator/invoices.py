"""Invoices and payments: a period's charges, prorations, coupons, tax, collection, failed
payments and their retries, refunds, and one-off services. Handlers take
``(world, account, at, payload)``."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import engagement as eng
from .catalog import Price
from .config import CURRENCIES
from .crm import new_opportunity
from .ids import choice, ident
from .records import write_customer, write_opportunity, write_subscription
from .state import Account, Subscription, SubscriptionItem
from .world import World


def cycle_lines(sub: Subscription) -> list[dict]:
    """The lines of a billing period: one per live item, the full period's amount."""
    lines = []
    for item in sub.items:
        if item.deleted_at is not None:
            continue
        lines.append(
            {
                "item": item,
                "quantity": item.quantity,
                "amount": item.price.unit_amount * item.quantity,
                "proration": False,
                "description": f"{item.quantity} × {item.price.nickname}",
                "period_start": sub.current_period_start,
                "period_end": sub.current_period_end,
            }
        )
    return lines


def proration_lines(
    sub: Subscription, at: datetime, changes: list[tuple[SubscriptionItem, Price, int]]
) -> list[dict]:
    """A mid-period change: credit the unused time of the old line, charge the rest on the new."""
    span = (sub.current_period_end - sub.current_period_start).total_seconds()
    remaining = max(0.0, (sub.current_period_end - at).total_seconds() / span)
    lines = []
    for item, old_price, old_quantity in changes:
        if old_quantity > 0:
            lines.append(
                {
                    "item": item,
                    "quantity": old_quantity,
                    "amount": -round(old_price.unit_amount * old_quantity * remaining),
                    "proration": True,
                    "description": f"Unused time on {old_quantity} × {old_price.nickname}",
                    "period_start": at,
                    "period_end": sub.current_period_end,
                }
            )
        lines.append(
            {
                "item": item,
                "quantity": item.quantity,
                "amount": round(item.price.unit_amount * item.quantity * remaining),
                "proration": True,
                "description": f"Remaining time on {item.quantity} × {item.price.nickname}",
                "period_start": at,
                "period_end": sub.current_period_end,
            }
        )
    return lines


def _line_rows(
    account: Account,
    sub: Subscription | None,
    invoice_id: str,
    number: int,
    lines: list[dict],
    one_off: bool,
    seed: int,
) -> list[dict]:
    rows = []
    for i, line in enumerate(lines):
        item = line.get("item")
        rows.append(
            {
                "id": ident("il_", seed, account.index, number, i),
                "invoice_id": invoice_id,
                "subscription_id": None if one_off else sub.id,
                "subscription_item_id": None if one_off else item.id,
                "price_id": line["price"].id if one_off else item.price.id,
                "type": "invoiceitem" if one_off else "subscription",
                "description": line["description"],
                "quantity": line["quantity"],
                "amount": int(line["amount"]),
                "discount_amount": 0,
                "proration": line["proration"],
                "period_start": line["period_start"],
                "period_end": line["period_end"],
                "currency": account.currency,
            }
        )
    return rows


def _apply_coupon(rows: list[dict], percent: float) -> None:
    """The coupon applies to the net recurring charge, spread over the positive lines."""
    subtotal = sum(r["amount"] for r in rows)
    if not percent or subtotal <= 0:
        return
    target = round(subtotal * percent / 100.0)
    positive = [r for r in rows if r["amount"] > 0]
    positive_total = sum(r["amount"] for r in positive)
    for r in positive:
        r["discount_amount"] = target * r["amount"] // positive_total
    biggest = max(positive, key=lambda r: r["amount"])
    biggest["discount_amount"] += target - sum(r["discount_amount"] for r in positive)


def create_invoice(
    world: World,
    account: Account,
    sub: Subscription | None,
    at: datetime,
    reason: str,
    lines: list[dict],
    collect: bool,
    one_off: bool = False,
) -> dict:
    """Create an invoice with its lines at ``at`` and try to collect it (payment may be pending)."""
    number = account.next_number("invoice")
    invoice_id = ident("in_", world.seed, account.index, number)
    percent = (sub.discount_percent or 0.0) if (sub is not None and not one_off) else 0.0
    rows = _line_rows(account, sub, invoice_id, number, lines, one_off, world.seed)
    _apply_coupon(rows, percent)
    subtotal = sum(r["amount"] for r in rows)
    discount = sum(r["discount_amount"] for r in rows)
    tax = round(max(subtotal - discount, 0) * account.tax_rate)
    total = subtotal - discount + tax
    if rows:
        period = (min(r["period_start"] for r in rows), max(r["period_end"] for r in rows))
    elif sub is not None and not one_off:
        period = (sub.current_period_start, sub.current_period_end)
    else:
        period = (at, at)
    invoice = {
        "id": invoice_id,
        "customer_id": account.customer_id,
        "subscription_id": None if one_off else sub.id,
        "number": f"{account.customer_id[4:12].upper()}-{number:04d}",
        "status": "open",
        "billing_reason": reason,
        "currency": account.currency,
        "subtotal": subtotal,
        "discount_total": discount,
        "tax": tax,
        "total": total,
        "amount_paid": 0,
        "amount_due": total,
        "period_start": period[0],
        "period_end": period[1],
        "created_at": at,
        "due_date": at,
        "paid_at": None,
        "attempt_count": 0,
    }
    for r in rows:
        world.emit("billing__invoice_line_items", r, at)
    _collect(world, account, sub, invoice, at, collect, one_off)
    return invoice


def _collect(
    world: World,
    account: Account,
    sub: Subscription | None,
    invoice: dict,
    at: datetime,
    collect: bool,
    one_off: bool,
) -> None:
    """Charge the card, or send the invoice (30-day terms); a charge may fail and be retried."""
    rng = account.rng
    send = sub is not None and sub.send_invoice
    if send or one_off:
        invoice["due_date"] = at + timedelta(days=30)
    if invoice["total"] <= 0:
        mark_paid(world, account, invoice, at, attempts=0)
    elif not collect:
        invoice["attempt_count"] = 1
        world.emit("billing__invoices", invoice, at)
    elif send or one_off:
        world.emit("billing__invoices", invoice, at)  # open until the customer pays the invoice
        late = rng.gamma(2.0, 9.0 if account.engagement > -1 else 16.0)
        account.schedule(at + timedelta(days=float(late)), "invoice_paid", invoice)
    elif rng.random() < eng.payment_failure_probability(account):
        invoice["attempt_count"] = 1
        world.emit("billing__invoices", invoice, at)
        fall_past_due(world, account, at)
        account.schedule(at + timedelta(days=3, hours=float(rng.uniform(0, 12))), "payment_retry", invoice)
    else:
        paid = at + timedelta(minutes=float(rng.uniform(1, 50)))
        if world.month_end is None or paid < world.month_end:
            mark_paid(world, account, invoice, paid, attempts=1)
        else:  # the charge settles after midnight: open now, paid in the next batch
            invoice["attempt_count"] = 1
            world.emit("billing__invoices", invoice, at)
            account.schedule(paid, "invoice_paid", invoice)


def mark_paid(world: World, account: Account, invoice: dict, at: datetime, attempts: int) -> None:
    invoice.update(
        status="paid",
        amount_paid=invoice["total"],
        amount_due=0,
        paid_at=at,
        attempt_count=max(invoice["attempt_count"], attempts),
    )
    world.emit("billing__invoices", invoice, at)
    if invoice["total"] > 0 and account.rng.random() < 0.012:
        account.schedule(at + timedelta(days=float(account.rng.uniform(1, 20))), "refund", invoice)


def fall_past_due(world: World, account: Account, at: datetime) -> None:
    """A failed charge: the subscription goes past_due, the customer delinquent."""
    sub = account.subscription
    if sub is not None and sub.status == "active":
        sub.status = "past_due"
        write_subscription(world, account, sub, at)
    if not account.delinquent:
        account.delinquent = True
        write_customer(world, account, at)


def recover_payment(world: World, account: Account, at: datetime) -> None:
    sub = account.subscription
    if sub is not None and sub.status == "past_due":
        sub.status = "active"
        write_subscription(world, account, sub, at)
    if account.delinquent:
        account.delinquent = False
        write_customer(world, account, at)


def on_invoice_paid(world: World, account: Account, at: datetime, invoice: dict) -> None:
    if invoice["status"] == "open":
        mark_paid(world, account, invoice, at, 1)


def on_refund(world: World, account: Account, at: datetime, invoice: dict) -> None:
    rng = account.rng
    full = rng.random() < 0.4
    amount = invoice["total"] if full else max(1, int(invoice["total"] * rng.uniform(0.05, 0.5)))
    world.emit(
        "billing__refunds",
        {
            "id": ident("re_", world.seed, account.index, account.next_number("refund")),
            "invoice_id": invoice["id"],
            "amount": amount,
            "currency": account.currency,
            "reason": choice(
                rng, ("requested_by_customer", "duplicate", "fraudulent", None), (0.7, 0.15, 0.03, 0.12)
            ),
            "status": choice(rng, ("succeeded", "pending", "failed"), (0.92, 0.05, 0.03)),
            "created_at": at,
        },
        at,
    )


def buy_services(world: World, account: Account, at: datetime, kind: str) -> None:
    """A one-off services package: a manual invoice, a services opportunity, sessions after it."""
    price = world.catalog.price(kind, account.currency, None)
    account.services = True
    account.boost += 0.15
    line = {
        "price": price,
        "quantity": 1,
        "amount": price.unit_amount,
        "proration": False,
        "description": price.nickname,
        "period_start": at,
        "period_end": at,
    }
    invoice = create_invoice(
        world, account, account.subscription, at, "manual", [line], collect=True, one_off=True
    )
    amount = round(price.unit_amount / 10 ** CURRENCIES[account.currency][0], 2)
    opportunity = new_opportunity(
        world, account, at, "services", "closed_won", amount, at.date(), created_days_before=(3, 20)
    )
    write_opportunity(world, opportunity, at)
    sessions = int(account.rng.integers(2, 5))
    for i in range(sessions):  # delivered by the CSM (or the AE) over the next weeks
        account.schedule(
            at + timedelta(days=5 + 9 * i + float(account.rng.uniform(0, 4))),
            "activity",
            "onboarding_session" if kind == "onboarding" else "training",
        )
    account.month_flags["services_bought"] = invoice["id"]


def on_services(world: World, account: Account, at: datetime, kind: str) -> None:
    if account.subscription is not None:
        buy_services(world, account, at, kind)
