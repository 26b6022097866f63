"""Subscriptions through their life: start (with a trial or a first payment), renewals,
mid-period changes with proration, cancellation, involuntary churn after failed retries, and
coming back. Handlers take ``(world, account, at, payload)``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from . import engagement as eng
from .config import INTERVALS, PLANS
from .crm import close_opportunity, new_opportunity, schedule_renewal_opportunity
from .dates import period_end
from .ids import choice, ident
from .invoices import create_invoice, cycle_lines, mark_paid, proration_lines, recover_payment
from .records import write_opportunity, write_subscription, write_subscription_item
from .revenue import annual_value
from .state import LIVE, Account, Subscription, SubscriptionItem
from .world import World

TRIAL_DAYS = 14


def plan_key(tier: int) -> str:
    return PLANS[tier][0]


def _months_per_period(interval: str) -> int | None:
    return INTERVALS[interval][2]


def start_subscription(world: World, account: Account, at: datetime, trial: bool) -> Subscription:
    """A new subscription on the account's plan and seats (SSO for some enterprise plans), a coupon
    now and then; a trial, or a first invoice that is paid (or fails: ``incomplete``)."""
    rng, seed = account.rng, world.seed
    n = account.next_number("sub")
    subscription_id = ident("sub_", seed, account.index, n)
    interval = account.billing_interval
    price = world.catalog.price(plan_key(account.plan_tier), account.currency, interval)
    items = [
        SubscriptionItem(
            ident("si_", seed, account.index, n, "plan"),
            plan_key(account.plan_tier),
            price,
            account.seats,
            at,
            True,
        )
    ]
    if account.segment == "enterprise" and interval != "weekly" and rng.random() < 0.45:
        sso = world.catalog.price("sso", account.currency, interval)
        items.append(
            SubscriptionItem(ident("si_", seed, account.index, n, "sso"), "sso", sso, account.seats, at, True)
        )
    sub = Subscription(
        id=subscription_id,
        billing_interval=interval,
        created_at=at,
        start_date=at,
        status="active",
        anchor=at,
        period_index=0,
        current_period_start=at,
        current_period_end=period_end(at, _months_per_period(interval), 0),
        items=items,
        send_invoice=account.segment == "enterprise" and interval == "annual",
    )
    if rng.random() < 0.14:  # a coupon: some forever, most for the first months
        sub.discount_percent = float(choice(rng, (10.0, 15.0, 20.0, 25.0, 50.0), (0.3, 0.2, 0.3, 0.15, 0.05)))
        sub.discount_until = (
            None if rng.random() < 0.35 else at + timedelta(days=int(rng.choice((90, 180, 365))))
        )
    account.subscription = sub
    if trial:
        sub.status, sub.trial_start, sub.trial_end = "trialing", at, at + timedelta(days=TRIAL_DAYS)
        sub.current_period_end = sub.trial_end
        account.schedule(sub.trial_end, "trial_end", subscription_id)
        go_live(account, at)
        _write_with_items(world, account, sub, at)
        create_invoice(world, account, sub, at, "subscription_create", lines=[], collect=True)
        return sub
    first_payment_fails = rng.random() < 0.02
    if first_payment_fails:
        sub.status = "incomplete"
    else:
        go_live(account, at)
    _write_with_items(world, account, sub, at)
    invoice = create_invoice(
        world,
        account,
        sub,
        at,
        "subscription_create",
        lines=cycle_lines(sub),
        collect=not first_payment_fails,
    )
    if first_payment_fails:
        account.schedule(at + timedelta(hours=23), "incomplete_expired", (subscription_id, invoice))
    else:
        account.schedule(sub.current_period_end, "renewal", subscription_id)
        account.had_mrr = True
        schedule_renewal_opportunity(account, sub, at)
    return sub


def _write_with_items(world: World, account: Account, sub: Subscription, at: datetime) -> None:
    write_subscription(world, account, sub, at)
    for item in sub.items:
        write_subscription_item(world, sub, item, at)


def go_live(account: Account, at: datetime) -> None:
    """The account starts using the product (product usage is generated for live windows)."""
    if account.live_since is None:
        account.live_since = at


def go_dark(account: Account, at: datetime) -> None:
    if account.live_since is not None:
        account.live_windows.append((account.live_since, at))
        account.live_since = None


def on_trial_end(world: World, account: Account, at: datetime, subscription_id: str) -> None:
    """The trial converts (more likely with engagement and first value) or the subscription ends."""
    sub = account.subscription
    if sub is None or sub.id != subscription_id or sub.status != "trialing":
        return
    opportunity = sub.renewal_opportunity or new_opportunity(
        world,
        account,
        at,
        "new_business",
        "qualification",
        round(annual_value(account, sub), 2),
        at.date(),
        created_at=sub.created_at - timedelta(days=3),
    )
    sub.renewal_opportunity = None
    if account.rng.random() < eng.trial_conversion_probability(account):
        sub.status, sub.anchor, sub.period_index = "active", at, 0
        sub.current_period_start = at
        sub.current_period_end = period_end(at, _months_per_period(sub.billing_interval), 0)
        write_subscription(world, account, sub, at)
        create_invoice(world, account, sub, at, "subscription_cycle", cycle_lines(sub), collect=True)
        account.schedule(sub.current_period_end, "renewal", subscription_id)
        account.had_mrr = True
        schedule_renewal_opportunity(account, sub, at)
        close_opportunity(world, opportunity, at, won=True)
    else:
        close_opportunity(world, opportunity, at, won=False)
        end_subscription(world, account, at, "trial_not_converted")


def on_renewal(world: World, account: Account, at: datetime, subscription_id: str) -> None:
    """A new billing period; changes that wait for renewal (no proration) take effect now."""
    sub, rng = account.subscription, account.rng
    if sub is None or sub.id != subscription_id or sub.status not in ("active", "past_due"):
        return
    if sub.cancel_at_period_end:
        end_subscription(world, account, at, "voluntary")
        return
    utilisation = len(account.users) / max(1, account.seats)
    if utilisation < 0.55 and account.seats > 1 and rng.random() < 0.5:  # right-sizing
        target = max(1, math.ceil(len(account.users) / 0.8))
        if target < account.seats:
            change_seats(world, account, at, target, prorate=False)
    if account.plan_tier > 0 and account.engagement < -0.8 and rng.random() < 0.25:
        change_plan(world, account, at, account.plan_tier - 1, prorate=False)
    for item in sub.items:
        if (
            item.product_key == "analytics"
            and item.deleted_at is None
            and account.engagement < -0.5
            and rng.random() < 0.3
        ):
            item.deleted_at = at
            write_subscription_item(world, sub, item, at)
    if sub.discount_percent is not None and sub.discount_until is not None and at >= sub.discount_until:
        sub.discount_percent, sub.discount_until = None, None
    sub.period_index += 1
    sub.current_period_start = at
    sub.current_period_end = period_end(
        sub.anchor, _months_per_period(sub.billing_interval), sub.period_index
    )
    sub.items = [it for it in sub.items if it.deleted_at is None or it.deleted_at > at - timedelta(days=400)]
    write_subscription(world, account, sub, at)
    if sub.renewal_opportunity is not None:
        close_opportunity(world, sub.renewal_opportunity, at, won=True)
        sub.renewal_opportunity = None
    create_invoice(world, account, sub, at, "subscription_cycle", cycle_lines(sub), collect=True)
    account.schedule(sub.current_period_end, "renewal", subscription_id)
    schedule_renewal_opportunity(account, sub, at)


def change_seats(world: World, account: Account, at: datetime, seats: int, prorate: bool) -> None:
    sub = account.subscription
    assert sub is not None
    changes = []
    for item in sub.items:
        if item.per_seat and item.deleted_at is None and item.quantity != seats:
            changes.append((item, item.price, item.quantity))
            item.quantity = seats
            write_subscription_item(world, sub, item, at)
    account.seats = seats
    if prorate and changes:
        create_invoice(
            world, account, sub, at, "subscription_update", proration_lines(sub, at, changes), collect=True
        )


def change_plan(world: World, account: Account, at: datetime, tier: int, prorate: bool) -> None:
    sub = account.subscription
    assert sub is not None
    plan_item = sub.items[0]
    old_price = plan_item.price
    plan_item.price = world.catalog.price(plan_key(tier), account.currency, sub.billing_interval)
    plan_item.product_key = plan_key(tier)
    account.plan_tier = tier
    write_subscription_item(world, sub, plan_item, at)
    if prorate:
        lines = proration_lines(sub, at, [(plan_item, old_price, plan_item.quantity)])
        create_invoice(world, account, sub, at, "subscription_update", lines, collect=True)


def add_analytics(world: World, account: Account, at: datetime) -> None:
    """The Advanced Analytics add-on (flat, quantity 1), prorated for the rest of the period."""
    sub = account.subscription
    assert sub is not None
    price = world.catalog.price("analytics", account.currency, sub.billing_interval)
    item = SubscriptionItem(
        ident("si_", world.seed, account.index, sub.id, "analytics", account.next_number("addon")),
        "analytics",
        price,
        1,
        at,
        False,
    )
    sub.items.append(item)
    write_subscription_item(world, sub, item, at)
    create_invoice(
        world,
        account,
        sub,
        at,
        "subscription_update",
        proration_lines(sub, at, [(item, price, 0)]),
        collect=True,
    )


def end_subscription(world: World, account: Account, at: datetime, kind: str) -> None:
    """The subscription ends (``kind``: voluntary, involuntary, trial_not_converted,
    incomplete_expired); its users are deactivated over the next days."""
    sub = account.subscription
    assert sub is not None
    sub.status = "canceled" if kind != "incomplete_expired" else "incomplete_expired"
    if sub.canceled_at is None and kind != "incomplete_expired":
        sub.canceled_at = at
    sub.ended_at = at
    write_subscription(world, account, sub, at)
    go_dark(account, at)
    paid = kind not in ("trial_not_converted", "incomplete_expired")
    world.churn_events.append(
        {
            "account_id": account.id,
            "subscription_id": sub.id,
            "ended_at": at,
            "kind": kind,
            "had_mrr": paid,
            "segment": account.segment,
        }
    )
    account.churn_log.append((at, kind))
    account.month_flags["churned" if paid else "lost"] = True
    if sub.renewal_opportunity is not None:
        close_opportunity(world, sub.renewal_opportunity, at, won=False)
        sub.renewal_opportunity = None
    for user in account.users:  # the workspace goes quiet: users are deactivated over the next days
        account.schedule(at + timedelta(days=float(account.rng.uniform(0, 10))), "deactivate_user", user.id)


def reactivate(world: World, account: Account, at: datetime) -> None:
    """A churned account comes back: a new subscription for the same customer."""
    rng = account.rng
    account.reactivations += 1
    account.month_flags["reactivated"] = True
    account.seats = max(1, round(account.seats * rng.uniform(0.5, 1.1)))
    if rng.random() < 0.3:
        account.plan_tier = max(0, account.plan_tier - 1)
    if account.billing_interval == "weekly" and account.plan_tier != 0:
        account.billing_interval = "monthly"
    account.engagement += 0.8  # a fresh start: new sponsor, new use case
    start_subscription(world, account, at, trial=False)
    amount = round(annual_value(account, account.subscription), 2) if account.subscription else None
    opportunity = new_opportunity(
        world, account, at, "new_business", "closed_won", amount, at.date(), created_days_before=(5, 60)
    )
    write_opportunity(world, opportunity, at)


def on_incomplete_expired(world: World, account: Account, at: datetime, payload: tuple[str, dict]) -> None:
    """A first payment that never succeeded: the invoice is voided, most sign up again."""
    subscription_id, invoice = payload
    sub = account.subscription
    if sub is None or sub.id != subscription_id or sub.status != "incomplete":
        return
    invoice.update(status="void", amount_due=0)
    world.emit("billing__invoices", invoice, at)
    end_subscription(world, account, at, "incomplete_expired")
    if account.rng.random() < 0.6:  # they fix the card and sign up again a few days later
        account.schedule(at + timedelta(days=float(account.rng.uniform(1, 6))), "signup_retry", None)


def on_signup_retry(world: World, account: Account, at: datetime, _payload: object) -> None:
    if account.subscription is None or account.subscription.status not in LIVE:
        start_subscription(world, account, at, trial=False)


def on_payment_retry(world: World, account: Account, at: datetime, invoice: dict) -> None:
    """Dunning: up to four attempts; the last failure ends the subscription (involuntary churn)."""
    if invoice["status"] != "open":
        return
    rng = account.rng
    invoice["attempt_count"] += 1
    if rng.random() < eng.payment_recovery_probability(account):
        mark_paid(world, account, invoice, at, invoice["attempt_count"])
        recover_payment(world, account, at)
    elif invoice["attempt_count"] >= 4:
        invoice.update(status="uncollectible")
        world.emit("billing__invoices", invoice, at)
        sub = account.subscription
        if sub is not None and sub.id == invoice["subscription_id"] and sub.status in ("active", "past_due"):
            end_subscription(world, account, at, "involuntary")
    else:
        world.emit("billing__invoices", invoice, at)
        account.schedule(at + timedelta(days=float(rng.uniform(2, 5))), "payment_retry", invoice)
