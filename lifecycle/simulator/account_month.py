"""One month of one account: the month's decisions at random instants, merged with the pending
events they and earlier months scheduled (renewals, trial ends, payment retries, case updates,
onboarding sessions), processed in time order. Every state change is written as a landing row
at the instant it happens."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime, timedelta

from . import engagement as eng
from .accounts import arrive, grow_headcount
from .config import INTERVALS
from .crm import (
    case_rate,
    close_opportunity,
    on_activity,
    on_case_closed,
    on_case_opened,
    on_case_pending,
    on_case_solved,
    on_new_champion,
    on_nps_survey,
    on_relationship_month,
    on_renewal_opportunity,
    record_expansion,
)
from .ids import choice
from .invoices import buy_services, on_invoice_paid, on_refund, on_services
from .product_users import on_deactivate_user, sync_product_users
from .records import write_subscription
from .revenue import annual_value
from .state import LIVE, Account
from .subscriptions import (
    add_analytics,
    change_plan,
    change_seats,
    end_subscription,
    on_incomplete_expired,
    on_payment_retry,
    on_renewal,
    on_signup_retry,
    on_trial_end,
    reactivate,
)
from .world import World

#: monthly CSM touches expected per segment
CSM_TOUCHES = {"smb": 0.3, "mid_market": 1.0, "enterprise": 2.0}


def on_monthly_decision(world: World, account: Account, at: datetime, _payload: object) -> None:
    """The customer's monthly decisions: churn, seats, plan, add-ons, services; or a come-back."""
    rng, sub = account.rng, account.subscription
    if sub is None or sub.status not in LIVE:
        came_back = rng.random() < eng.reactivation_probability(account) * (1.0 if account.had_mrr else 0.4)
        if (
            account.arrived
            and (account.had_mrr or (sub is not None and sub.status != "trialing"))
            and came_back
        ):
            reactivate(world, account, at)
        return
    if sub.status == "trialing":
        return
    if _decides_to_leave(world, account, at):
        return
    if sub.status != "active" or sub.cancel_at_period_end:
        return
    utilisation = len(account.users) / max(1, account.seats)
    if rng.random() < eng.seat_expansion_probability(account, utilisation):
        added = max(1, round(account.seats * rng.uniform(0.1, 0.45)))
        before = annual_value(account, sub)
        change_seats(world, account, at, account.seats + added, prorate=True)
        record_expansion(world, account, at, annual_value(account, sub) - before)
    elif (
        account.plan_tier < 2
        and sub.billing_interval != "weekly"
        and rng.random() < eng.upgrade_probability(account)
    ):
        before = annual_value(account, sub)
        change_plan(world, account, at, account.plan_tier + 1, prorate=True)
        record_expansion(world, account, at, annual_value(account, sub) - before)
    elif (
        account.plan_tier >= 1
        and sub.billing_interval != "weekly"
        and not any(i.product_key == "analytics" for i in sub.items if i.deleted_at is None)
        and rng.random() < eng.addon_probability(account)
    ):
        add_analytics(world, account, at)
    if account.segment != "smb" and account.services and rng.random() < 0.015 * (1 + account.engagement):
        buy_services(world, account, at, "training")


def _decides_to_leave(world: World, account: Account, at: datetime) -> bool:
    """Monthly and weekly plans can leave any month (mostly at period end); quarterly and annual
    plans decide once, 60 days before renewal, with the term's compounded probability."""
    rng, sub = account.rng, account.subscription
    assert sub is not None
    p = eng.monthly_churn_probability(account, at, account.age_months)
    if sub.status not in ("active", "past_due") or sub.cancel_at_period_end:
        return False
    months = INTERVALS[sub.billing_interval][2]
    if months in (1, None):
        if rng.random() < p:
            if rng.random() < 0.75 or sub.status == "past_due":
                sub.cancel_at_period_end, sub.canceled_at = True, at
                write_subscription(world, account, sub, at)
            else:
                end_subscription(world, account, at, "voluntary")
            return True
    elif sub.current_period_end - at <= timedelta(days=60) and sub.reviewed_period != sub.period_index:
        sub.reviewed_period = sub.period_index
        if rng.random() < 1.0 - (1.0 - p) ** months:
            sub.cancel_at_period_end, sub.canceled_at = True, at
            write_subscription(world, account, sub, at)
            if sub.renewal_opportunity is not None:
                close_opportunity(world, sub.renewal_opportunity, at, won=False)
                sub.renewal_opportunity = None
            return True
    return False


def on_headcount_review(world: World, account: Account, at: datetime, _payload: object) -> None:
    grow_headcount(world, account, at)


Handler = Callable[[World, Account, datetime, object], None]
#: pending event kind -> what happens
HANDLERS: dict[str, Handler] = {
    "decide": on_monthly_decision,
    "relationship": on_relationship_month,
    "trial_end": on_trial_end,
    "renewal": on_renewal,
    "renewal_opportunity": on_renewal_opportunity,
    "incomplete_expired": on_incomplete_expired,
    "signup_retry": on_signup_retry,
    "payment_retry": on_payment_retry,
    "invoice_paid": on_invoice_paid,
    "refund": on_refund,
    "new_champion": on_new_champion,
    "case_opened": on_case_opened,
    "case_pending": on_case_pending,
    "case_solved": on_case_solved,
    "case_closed": on_case_closed,
    "activity": on_activity,
    "nps_survey": on_nps_survey,
    "headcount_review": on_headcount_review,
    "deactivate_user": on_deactivate_user,
    "services": on_services,
}


def simulate_account_month(
    world: World, account: Account, month_start: datetime, month_end: datetime
) -> None:
    """Simulate ``account`` from ``month_start`` to ``month_end`` (its age already set)."""
    rng, age = account.rng, account.age_months
    account.month_flags = {}
    account.live_windows = []
    account.live_since = month_start if account.is_live else None
    if not account.arrived:
        arrive(world, account)
    eng.step_engagement(account, age)

    def at_random(lo: datetime) -> datetime:
        lo = max(lo, month_start)
        return lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (month_end - lo).total_seconds() - 1))))

    start = max(month_start, account.arrival)
    account.schedule(at_random(start), "decide", None)
    account.schedule(at_random(start), "relationship", None)
    for _ in range(int(rng.poisson(case_rate(account)))):
        account.schedule(at_random(start), "case_opened", None)
    if account.csm_id is not None:
        for _ in range(int(rng.poisson(CSM_TOUCHES[account.segment]))):
            account.schedule(at_random(start), "activity", choice(rng, ("call", "email", "email", "meeting")))
        if account.segment != "smb" and age % 3 == 2 and rng.random() < 0.85:
            account.schedule(at_random(start), "activity", "qbr")
        if age == 0 and not account.services and account.segment != "smb" and rng.random() < 0.6:
            account.schedule(at_random(start), "activity", "onboarding_session")
    elif rng.random() < 0.25:
        account.schedule(at_random(start), "activity", "email")
    if age % 3 == 2:
        account.schedule(at_random(start), "nps_survey", None)
    if age > 0 and age % 12 == 0:
        account.schedule(at_random(start), "headcount_review", None)
    account.schedule(month_end - timedelta(microseconds=1), "month_end", None)

    while account.pending and account.pending[0][0] < month_end:
        at, _seq, kind, payload = heapq.heappop(account.pending)
        if kind == "month_end":
            break
        HANDLERS[kind](world, account, at, payload)
    _maybe_reach_first_value(account, month_end)
    sync_product_users(world, account, month_start, month_end)
    if account.live_since is not None:
        account.live_windows.append((account.live_since, month_end))


def _maybe_reach_first_value(account: Account, month_end: datetime) -> None:
    """First value: a latent milestone the product usage reflects (value events start then)."""
    rng = account.rng
    reachable = (
        (account.is_live or account.live_windows)
        and account.first_value_at is None
        and not account.never_reaches_value
    )
    if reachable and rng.random() < eng.first_value_probability(account):
        lo = account.live_windows[0][0] if account.live_windows else account.live_since
        reached = lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (month_end - lo).total_seconds()))))
        account.first_value_at = min(reached, month_end - timedelta(seconds=1))
