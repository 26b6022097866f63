"""The month loop for one account: onboarding, billing, relationship and support events.

Each account owns a random generator (its substream) and a queue of pending events; a month is
simulated by drawing the month's decisions (at random instants), merging them with due pending
events (renewals, trial ends, payment retries, case resolutions) and processing them in time order.
Every state change is written through :class:`World` as a landing row at the instant it happens.
"""

from __future__ import annotations

import heapq
import math
from datetime import datetime, timedelta

from . import engagement as eng
from .catalog import Catalog, Staff
from .config import (
    CASE_SUBJECTS,
    COUNTRIES,
    CURRENCIES,
    INDUSTRIES,
    INTERVAL_ORDER,
    INTERVALS,
    NPS_COMMENTS_BAD,
    NPS_COMMENTS_GOOD,
    OPEN_OPP_STAGES,
    PLANS,
    SEGMENT_CSM_SHARE,
    SEGMENT_EMPLOYEES,
    SEGMENT_ENGAGEMENT_MEAN,
    SEGMENT_INTERVAL,
    SEGMENT_PLAN,
    SEGMENT_SEATS,
    SEGMENT_SERVICES_SHARE,
    SEGMENT_SHARE,
    SEGMENT_TRIAL_SHARE,
    SEGMENTS,
    TITLES,
    SimConfig,
)
from .names import COMPANY_A, COMPANY_B, COMPANY_C, FIRST_NAMES, LAST_NAMES, slug
from .state import LIVE, Account, Contact, Item, ProductUser, Sub
from .util import STREAM_ACCOUNT, ident, period_end, rng_for
from .writer import BatchWriter

TRIAL_DAYS = 14
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
_COUNTRY_KEYS = tuple(COUNTRIES)
_COUNTRY_P = tuple(v[1] / sum(c[1] for c in COUNTRIES.values()) for v in COUNTRIES.values())


def _choice(rng, options, p=None):
    return options[int(rng.choice(len(options), p=p))]


class World:
    """Shared context: configuration, catalogue, staff, the writer, and run counters."""

    def __init__(self, cfg: SimConfig, catalog: Catalog, staff: list[Staff], writer: BatchWriter) -> None:
        self.cfg = cfg
        self.seed = cfg.seed
        self.catalog = catalog
        self.staff = staff
        self.writer = writer
        self.customer_ids: list[str] = []  # for (rare) wrong links typed by sales
        self.churn_events: list[dict] = []
        self.month_end: datetime | None = None

    # ----------------------------------------------------------------- rows
    def emit(self, key: str, row: dict, at: datetime) -> None:
        assert self.month_end is None or at < self.month_end, (key, at, self.month_end)
        self.writer.add(key, row, at)

    def account_row(
        self,
        a: Account,
        at: datetime,
        name: str | None = None,
        acc_id: str | None = None,
        deleted: bool = False,
    ) -> None:
        self.emit(
            "crm__accounts",
            {
                "id": acc_id or a.id,
                "name": name or a.name,
                "industry": a.industry,
                "billing_country": a.country,
                "employee_count": a.employees,
                "owner_user_id": a.owner_id,
                "csm_user_id": a.csm_id,
                "billing_customer_id": a.billing_link,
                "workspace_id": a.account_ws_link,
                "created_at": a.arrival - timedelta(days=20),
                "updated_at": at,
                "is_deleted": deleted,
            },
            at,
        )

    def contact_row(self, a: Account, c: Contact, at: datetime) -> None:
        self.emit(
            "crm__contacts",
            {
                "id": c.id,
                "account_id": a.id,
                "email": c.email,
                "first_name": c.first_name,
                "last_name": c.last_name,
                "title": c.title,
                "persona": c.persona,
                "created_at": c.created_at,
                "left_company_at": c.left_at,
                "updated_at": at,
                "is_deleted": c.is_deleted,
            },
            at,
        )

    def customer_row(self, a: Account, at: datetime) -> None:
        self.emit(
            "billing__customers",
            {
                "id": a.customer_id,
                "email": f"billing@{a.domain}",
                "name": a.name,
                "currency": a.currency,
                "crm_account_id": a.customer_crm_link,
                "created_at": a.arrival,
                "delinquent": a.delinquent,
                "is_deleted": False,
            },
            at,
        )

    def sub_row(self, a: Account, s: Sub, at: datetime) -> None:
        self.emit(
            "billing__subscriptions",
            {
                "id": s.id,
                "customer_id": a.customer_id,
                "status": s.status,
                "created_at": s.created_at,
                "start_date": s.start_date,
                "trial_start": s.trial_start,
                "trial_end": s.trial_end,
                "current_period_start": s.current_period_start,
                "current_period_end": s.current_period_end,
                "cancel_at_period_end": s.cancel_at_period_end,
                "canceled_at": s.canceled_at,
                "ended_at": s.ended_at,
                "discount_percent_off": s.discount,
                "updated_at": at,
            },
            at,
        )

    def item_row(self, s: Sub, it: Item, at: datetime) -> None:
        self.emit(
            "billing__subscription_items",
            {
                "id": it.id,
                "subscription_id": s.id,
                "price_id": it.price.id,
                "quantity": it.quantity,
                "created_at": it.created_at,
                "deleted_at": it.deleted_at,
                "updated_at": at,
            },
            at,
        )

    def opp_row(self, a: Account, opp: dict, at: datetime) -> None:
        self.emit("crm__opportunities", {**opp, "updated_at": at, "is_deleted": False}, at)

    def staff_by_role(self, role: str) -> list[Staff]:
        return [s for s in self.staff if s.role == role and s.is_active]


# --------------------------------------------------------------------------- creation
def new_account(world: World, idx: int, arrival: datetime) -> Account:
    seed = world.seed
    rng = rng_for(seed, STREAM_ACCOUNT, idx)
    seg = _choice(rng, SEGMENTS, SEGMENT_SHARE)
    lo, hi = SEGMENT_EMPLOYEES[seg]
    employees = int(min(hi - 1, max(lo, round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))))
    country = _choice(rng, _COUNTRY_KEYS, _COUNTRY_P)
    currency, _w, tax, tz, tld = COUNTRIES[country]
    name = f"{_choice(rng, COMPANY_A)} {_choice(rng, COMPANY_B)}"
    suffix = _choice(rng, COMPANY_C)
    domain = f"{slug(name)}{idx % 97}.{tld}"
    share, smin, smax = SEGMENT_SEATS[seg]
    seats = int(min(smax, max(smin, round(employees * share * rng.lognormal(0.0, 0.4)))))
    a = Account(
        idx=idx,
        id=ident("001", seed, "acct", idx, n=15),
        name=f"{name} {suffix}".strip(),
        domain=domain,
        segment=seg,
        employees=employees,
        country=country,
        currency=currency,
        industry=_choice(rng, INDUSTRIES),
        tax_rate=tax,
        tz=tz,
        arrival=arrival,
        rng=rng,
        mu=SEGMENT_ENGAGEMENT_MEAN[seg] + 0.6 * float(rng.standard_normal()),
        tier=int(rng.choice(3, p=SEGMENT_PLAN[seg])),
        interval=_choice(rng, INTERVAL_ORDER, SEGMENT_INTERVAL[seg]),
        seats=seats,
        never_value=bool(rng.random() < 0.1),
        feature_perm=tuple(int(x) for x in rng.permutation(5)),
    )
    if a.interval == "weekly" and a.tier != 0:
        a.interval = "monthly"
    a.e = a.mu - 0.9 + 0.4 * float(rng.standard_normal())
    a.mu_prev = a.mu - 0.7
    return a


def _person(a: Account) -> tuple[str, str, str]:
    first = _choice(a.rng, FIRST_NAMES)
    last = _choice(a.rng, LAST_NAMES)
    email = f"{slug(first)}.{slug(last)}{a.next('email')}@{a.domain}"
    return first, last, email


def add_contact(world: World, a: Account, persona: str | None, t: datetime) -> Contact:
    first, last, email = _person(a)
    engaged_p = {"champion": 0.95, "economic_buyer": 0.55, "admin": 0.7, "end_user": 0.35, None: 0.1}[persona]
    c = Contact(
        ident("003", world.seed, a.idx, "contact", a.next("contact"), n=15),
        persona,
        first,
        last,
        email,
        _choice(a.rng, TITLES[persona]),
        t,
        bool(a.rng.random() < engaged_p),
    )
    a.contacts.append(c)
    world.contact_row(a, c, t)
    return c


def onboard(world: World, a: Account, accounts: list[Account]) -> None:
    """The account arrives: CRM records, billing customer, workspace, first subscription."""
    rng, t, seed = a.rng, a.arrival, world.seed
    a.arrived = True
    aes = world.staff_by_role("account_executive")
    a.owner_id = aes[int(rng.integers(len(aes)))].id
    if rng.random() < SEGMENT_CSM_SHARE[a.segment]:
        csms = world.staff_by_role("customer_success_manager")
        a.csm_id = csms[int(rng.integers(len(csms)))].id
    a.customer_id = ident("cus_", seed, a.idx)
    a.workspace_id = ident("ws_", seed, a.idx, n=12)
    # identity links, as typed by people and integrations: usually right, sometimes missing/wrong
    a.customer_crm_link = a.id if rng.random() < 0.92 else None
    r = rng.random()
    if r < 0.02 and world.customer_ids:
        a.billing_link = world.customer_ids[int(rng.integers(len(world.customer_ids)))]  # wrong
    elif r < 0.12 and a.customer_crm_link is not None:
        a.billing_link = None
    else:
        a.billing_link = a.customer_id
    a.workspace_crm_link = a.id if rng.random() < 0.88 else None
    a.account_ws_link = a.workspace_id if (rng.random() < 0.9 or a.workspace_crm_link is None) else None
    world.customer_ids.append(a.customer_id)
    world.account_row(a, t)
    if rng.random() < 0.02:  # a duplicate CRM record, merged (soft-deleted) by sales ops
        dup = ident("001", seed, "acct-dup", a.idx, n=15)
        world.account_row(a, t, name=f"{a.name} (duplicate)", acc_id=dup, deleted=True)
    world.customer_row(a, t)
    world.emit(
        "usage__workspaces",
        {
            "workspace_id": a.workspace_id,
            "name": a.name.split()[0].lower() + "-hq",
            "crm_account_id": a.workspace_crm_link,
            "created_at": t,
        },
        t,
    )
    # contacts: multi-threading grows with segment
    n_extra = {"smb": rng.integers(0, 3), "mid_market": rng.integers(2, 6), "enterprise": rng.integers(4, 10)}
    if rng.random() < 0.85:
        add_contact(world, a, "champion", t)
    if a.segment != "smb" or rng.random() < 0.4:
        add_contact(world, a, "economic_buyer", t)
    for _ in range(int(n_extra[a.segment])):
        add_contact(world, a, _choice(rng, ("admin", "end_user", "end_user", None)), t)
    if not a.contacts:
        add_contact(world, a, "admin", t)
    trial = rng.random() < SEGMENT_TRIAL_SHARE[a.segment]
    opp = {
        "id": ident("006", seed, a.idx, "opp", a.next("opp"), n=15),
        "account_id": a.id,
        "owner_user_id": a.owner_id,
        "type": "new_business",
        "stage": "closed_won",
        "amount": None,
        "currency": _crm_currency(a),
        "created_at": t - timedelta(days=int(rng.integers(5, 45))),
        "close_date": t.date(),
    }
    s = start_subscription(world, a, t, trial=trial)
    opp["amount"] = round(annual_value(a, s), 2)
    if trial:
        opp["stage"] = _choice(rng, OPEN_OPP_STAGES[1:])
        opp["close_date"] = (t + timedelta(days=TRIAL_DAYS)).date()
        s.renewal_opp = opp  # the trial's new-business opportunity closes when the trial ends
    world.opp_row(a, opp, t)
    if rng.random() < SEGMENT_SERVICES_SHARE[a.segment]:
        a.push(t + timedelta(hours=2), "services", "onboarding")


def _crm_currency(a: Account) -> str:
    r = a.rng.random()
    return a.currency.upper() if r < 0.6 else (a.currency if r < 0.9 else a.currency.capitalize())


# --------------------------------------------------------------------------- subscriptions
def plan_key(tier: int) -> str:
    return PLANS[tier][0]


def start_subscription(world: World, a: Account, t: datetime, trial: bool) -> Sub:
    rng, seed = a.rng, world.seed
    n = a.next("sub")
    sid = ident("sub_", seed, a.idx, n)
    price = world.catalog.price(plan_key(a.tier), a.currency, a.interval)
    items = [Item(ident("si_", seed, a.idx, n, "plan"), plan_key(a.tier), price, a.seats, t, True)]
    if a.segment == "enterprise" and a.interval != "weekly" and rng.random() < 0.45:
        sso = world.catalog.price("sso", a.currency, a.interval)
        items.append(Item(ident("si_", seed, a.idx, n, "sso"), "sso", sso, a.seats, t, True))
    months = INTERVALS[a.interval][2]
    s = Sub(
        id=sid,
        interval=a.interval,
        created_at=t,
        start_date=t,
        status="active",
        anchor=t,
        period_index=0,
        current_period_start=t,
        current_period_end=period_end(t, months, 0),
        items=items,
        send_invoice=a.segment == "enterprise" and a.interval == "annual",
    )
    if rng.random() < 0.14:  # a coupon: some forever, most for the first months
        s.discount = float(_choice(rng, (10.0, 15.0, 20.0, 25.0, 50.0), (0.3, 0.2, 0.3, 0.15, 0.05)))
        s.discount_until = (
            None if rng.random() < 0.35 else t + timedelta(days=int(rng.choice((90, 180, 365))))
        )
    a.sub = s
    if trial:
        s.status, s.trial_start, s.trial_end = "trialing", t, t + timedelta(days=TRIAL_DAYS)
        s.current_period_end = s.trial_end
        a.push(s.trial_end, "trial_end", sid)
        _go_live(a, t)
        world.sub_row(a, s, t)
        for it in items:
            world.item_row(s, it, t)
        _invoice(world, a, s, t, "subscription_create", lines=[], collect=True)
        return s
    first_payment_fails = rng.random() < 0.02
    if first_payment_fails:
        s.status = "incomplete"
    else:
        _go_live(a, t)
    world.sub_row(a, s, t)
    for it in items:
        world.item_row(s, it, t)
    inv = _invoice(
        world, a, s, t, "subscription_create", lines=_cycle_lines(s), collect=not first_payment_fails
    )
    if first_payment_fails:
        a.push(t + timedelta(hours=23), "incomplete_expire", (sid, inv))
    else:
        a.push(s.current_period_end, "renew", sid)
        a.had_mrr = True
        _schedule_renewal_opp(a, s, t)
    return s


def _go_live(a: Account, t: datetime) -> None:
    if a.live_since is None:
        a.live_since = t


def _go_dark(a: Account, t: datetime) -> None:
    if a.live_since is not None:
        a.live_windows.append((a.live_since, t))
        a.live_since = None


def annual_value(a: Account, s: Sub) -> float:
    """Annualised contract value in major units of the account's currency (for opportunities)."""
    exp = CURRENCIES[a.currency][0]
    total = 0.0
    for it in s.items:
        if it.deleted_at is None:
            total += it.price.unit_amount * it.quantity * _per_year(it.price.interval)
    return total / (10**exp)


def _per_year(interval: str | None) -> float:
    return {"monthly": 12.0, "quarterly": 4.0, "annual": 1.0, "weekly": 52.0}.get(interval or "", 0.0)


def mrr_usd(a: Account, t: datetime) -> float:
    """The simulator's own MRR at instant t, by the warehouse's published rules."""
    s = a.sub
    if s is None or s.start_date > t or (s.trial_end is not None and s.trial_end > t):
        return 0.0
    if s.ended_at is not None and s.ended_at <= t:
        return 0.0
    if s.status not in ("active", "past_due", "canceled"):
        return 0.0
    exp, usd, _ = CURRENCIES[a.currency]
    disc = 1.0 - (s.discount or 0.0) / 100.0
    total = 0.0
    for it in s.items:
        if it.created_at <= t and (it.deleted_at is None or it.deleted_at > t):
            total += it.price.unit_amount * it.quantity * _per_year(it.price.interval) / 12.0
    return total * disc / (10**exp) * usd


def _cycle_lines(s: Sub) -> list[dict]:
    lines = []
    for it in s.items:
        if it.deleted_at is not None:
            continue
        amount = it.price.unit_amount * it.quantity
        lines.append(
            {
                "item": it,
                "quantity": it.quantity,
                "amount": amount,
                "proration": False,
                "description": f"{it.quantity} × {it.price.nickname}",
                "period_start": s.current_period_start,
                "period_end": s.current_period_end,
            }
        )
    return lines


def _invoice(
    world: World,
    a: Account,
    s: Sub | None,
    t: datetime,
    reason: str,
    lines: list[dict],
    collect: bool,
    one_off: bool = False,
) -> dict:
    """Create an invoice with its lines at t and try to collect it (payment outcome may be pending)."""
    seed = world.seed
    n = a.next("invoice")
    inv_id = ident("in_", seed, a.idx, n)
    pct = (s.discount or 0.0) if (s is not None and not one_off) else 0.0
    line_rows = []
    for i, ln in enumerate(lines):
        amount = int(ln["amount"])
        it = ln.get("item")
        line_rows.append(
            {
                "id": ident("il_", seed, a.idx, n, i),
                "invoice_id": inv_id,
                "subscription_id": None if one_off else s.id,
                "subscription_item_id": None if one_off else it.id,
                "price_id": ln["price"].id if one_off else it.price.id,
                "type": "invoiceitem" if one_off else "subscription",
                "description": ln["description"],
                "quantity": ln["quantity"],
                "amount": amount,
                "discount_amount": 0,
                "proration": ln["proration"],
                "period_start": ln["period_start"],
                "period_end": ln["period_end"],
                "currency": a.currency,
            }
        )
    subtotal = sum(r["amount"] for r in line_rows)
    if pct and subtotal > 0:  # the coupon applies to the net recurring charge, on the positive lines
        target = round(subtotal * pct / 100.0)
        positive = [r for r in line_rows if r["amount"] > 0]
        pos_total = sum(r["amount"] for r in positive)
        for r in positive:
            r["discount_amount"] = target * r["amount"] // pos_total
        biggest = max(positive, key=lambda r: r["amount"])
        biggest["discount_amount"] += target - sum(r["discount_amount"] for r in positive)
    discount = sum(r["discount_amount"] for r in line_rows)
    tax = round(max(subtotal - discount, 0) * a.tax_rate)
    total = subtotal - discount + tax
    period = (s.current_period_start, s.current_period_end) if (s is not None and not one_off) else (t, t)
    if line_rows:
        period = (min(r["period_start"] for r in line_rows), max(r["period_end"] for r in line_rows))
    inv = {
        "id": inv_id,
        "customer_id": a.customer_id,
        "subscription_id": None if one_off else s.id,
        "number": f"{a.customer_id[4:12].upper()}-{n:04d}",
        "status": "open",
        "billing_reason": reason,
        "currency": a.currency,
        "subtotal": subtotal,
        "discount_total": discount,
        "tax": tax,
        "total": total,
        "amount_paid": 0,
        "amount_due": total,
        "period_start": period[0],
        "period_end": period[1],
        "created_at": t,
        "due_date": t,
        "paid_at": None,
        "attempt_count": 0,
    }
    for r in line_rows:
        world.emit("billing__invoice_line_items", r, t)
    send = s is not None and s.send_invoice
    if send or one_off:
        inv["due_date"] = t + timedelta(days=30)
    if total <= 0:
        _mark_paid(world, a, inv, t, attempts=0)
    elif not collect:
        inv["attempt_count"] = 1
        world.emit("billing__invoices", inv, t)
    elif send or one_off:
        world.emit("billing__invoices", inv, t)  # open until the customer pays the invoice
        late = a.rng.gamma(2.0, 9.0 if a.e > -1 else 16.0)
        a.push(t + timedelta(days=float(late)), "invoice_paid", inv)
    elif a.rng.random() < eng.payment_failure_probability(a):
        inv["attempt_count"] = 1
        world.emit("billing__invoices", inv, t)
        _past_due(world, a, t)
        a.push(t + timedelta(days=3, hours=float(a.rng.uniform(0, 12))), "retry", inv)
    else:
        paid = t + timedelta(minutes=float(a.rng.uniform(1, 50)))
        if paid < world.month_end:
            _mark_paid(world, a, inv, paid, attempts=1)
        else:  # the charge settles after midnight: open now, paid in the next batch
            inv["attempt_count"] = 1
            world.emit("billing__invoices", inv, t)
            a.push(paid, "invoice_paid", inv)
    return inv


def _mark_paid(world: World, a: Account, inv: dict, t: datetime, attempts: int) -> None:
    inv.update(
        status="paid",
        amount_paid=inv["total"],
        amount_due=0,
        paid_at=t,
        attempt_count=max(inv["attempt_count"], attempts),
    )
    world.emit("billing__invoices", inv, t)
    if inv["total"] > 0 and a.rng.random() < 0.012:
        a.push(t + timedelta(days=float(a.rng.uniform(1, 20))), "refund", inv)


def _past_due(world: World, a: Account, t: datetime) -> None:
    s = a.sub
    if s is not None and s.status == "active":
        s.status = "past_due"
        world.sub_row(a, s, t)
    if not a.delinquent:
        a.delinquent = True
        world.customer_row(a, t)


def _recovered(world: World, a: Account, t: datetime) -> None:
    s = a.sub
    if s is not None and s.status == "past_due":
        s.status = "active"
        world.sub_row(a, s, t)
    if a.delinquent:
        a.delinquent = False
        world.customer_row(a, t)


def end_subscription(
    world: World, a: Account, t: datetime, kind: str, immediate_cancel: bool = False
) -> None:
    s = a.sub
    assert s is not None
    s.status = "canceled" if kind != "incomplete_expired" else "incomplete_expired"
    if s.canceled_at is None and kind != "incomplete_expired":
        s.canceled_at = t
    s.ended_at = t
    world.sub_row(a, s, t)
    _go_dark(a, t)
    paid = kind not in ("trial_not_converted", "incomplete_expired")
    world.churn_events.append(
        {
            "account_id": a.id,
            "subscription_id": s.id,
            "ended_at": t,
            "kind": kind,
            "had_mrr": paid,
            "segment": a.segment,
        }
    )
    a.churn_log.append((t, kind))
    a.month_flags["churned" if paid else "lost"] = True
    if s.renewal_opp is not None:
        close_opp(world, a, s.renewal_opp, t, won=False)
        s.renewal_opp = None
    for u in a.users:  # the workspace goes quiet: users are deactivated over the next days
        a.push(t + timedelta(days=float(a.rng.uniform(0, 10))), "deactivate_user", u.id)


def close_opp(world: World, a: Account, opp: dict, t: datetime, won: bool) -> None:
    opp["stage"] = "closed_won" if won else "closed_lost"
    opp["close_date"] = t.date()
    world.opp_row(a, opp, t)


def _schedule_renewal_opp(a: Account, s: Sub, t: datetime) -> None:
    if s.interval == "annual":
        a.push(max(t + HOUR, s.current_period_end - timedelta(days=90)), "renewal_opp", s.id)


def _prorate(world: World, a: Account, s: Sub, t: datetime, changes: list[tuple[Item, object, int]]) -> None:
    """Mid-period change: credit unused time on the old line, charge remaining time on the new one."""
    span = (s.current_period_end - s.current_period_start).total_seconds()
    frac = max(0.0, (s.current_period_end - t).total_seconds() / span)
    lines = []
    for it, old_price, old_qty in changes:
        if old_qty > 0:
            lines.append(
                {
                    "item": it,
                    "quantity": old_qty,
                    "amount": -round(old_price.unit_amount * old_qty * frac),
                    "proration": True,
                    "description": f"Unused time on {old_qty} × {old_price.nickname}",
                    "period_start": t,
                    "period_end": s.current_period_end,
                }
            )
        lines.append(
            {
                "item": it,
                "quantity": it.quantity,
                "amount": round(it.price.unit_amount * it.quantity * frac),
                "proration": True,
                "description": f"Remaining time on {it.quantity} × {it.price.nickname}",
                "period_start": t,
                "period_end": s.current_period_end,
            }
        )
    _invoice(world, a, s, t, "subscription_update", lines, collect=True)


def change_seats(world: World, a: Account, t: datetime, new_seats: int, prorate: bool) -> None:
    s = a.sub
    assert s is not None
    changes = []
    for it in s.items:
        if it.per_seat and it.deleted_at is None and it.quantity != new_seats:
            changes.append((it, it.price, it.quantity))
            it.quantity = new_seats
            world.item_row(s, it, t)
    a.seats = new_seats
    if prorate and changes:
        _prorate(world, a, s, t, changes)


def change_plan(world: World, a: Account, t: datetime, tier: int, prorate: bool) -> None:
    s = a.sub
    assert s is not None
    plan_item = s.items[0]
    old = plan_item.price
    plan_item.price = world.catalog.price(plan_key(tier), a.currency, s.interval)
    plan_item.product_key = plan_key(tier)
    a.tier = tier
    world.item_row(s, plan_item, t)
    if prorate:
        _prorate(world, a, s, t, [(plan_item, old, plan_item.quantity)])


def buy_services(world: World, a: Account, t: datetime, kind: str) -> None:
    price = world.catalog.price(kind, a.currency, None)
    a.services = True
    a.boost += 0.15
    line = {
        "price": price,
        "quantity": 1,
        "amount": price.unit_amount,
        "proration": False,
        "description": price.nickname,
        "period_start": t,
        "period_end": t,
    }
    inv = _invoice(world, a, a.sub, t, "manual", [line], collect=True, one_off=True)
    opp = {
        "id": ident("006", world.seed, a.idx, "opp", a.next("opp"), n=15),
        "account_id": a.id,
        "owner_user_id": a.owner_id,
        "type": "services",
        "stage": "closed_won",
        "amount": round(price.unit_amount / 10 ** CURRENCIES[a.currency][0], 2),
        "currency": _crm_currency(a),
        "created_at": t - timedelta(days=int(a.rng.integers(3, 20))),
        "close_date": t.date(),
    }
    world.opp_row(a, opp, t)
    sessions = int(a.rng.integers(2, 5))
    for i in range(sessions):  # delivered by the CSM (or the AE) over the next weeks
        a.push(
            t + timedelta(days=5 + 9 * i + float(a.rng.uniform(0, 4))),
            "activity",
            "onboarding_session" if kind == "onboarding" else "training",
        )
    a.month_flags["services_bought"] = inv["id"]


# --------------------------------------------------------------------------- the month
def simulate_month(
    world: World, a: Account, ms: datetime, me: datetime, age: int, accounts: list[Account]
) -> None:
    rng = a.rng
    a.month_flags = {}
    a.live_windows = []
    a.live_since = ms if a.is_live else None
    if not a.arrived:
        onboard(world, a, accounts)
    eng.step_engagement(a, age)

    def at_random(lo: datetime | None = None) -> datetime:
        lo = max(lo or ms, ms)
        return lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (me - lo).total_seconds() - 1))))

    start = max(ms, a.arrival)
    # the month's decisions, at random instants
    a.push(at_random(start), "decide", None)
    a.push(at_random(start), "relationship", None)
    for _ in range(int(rng.poisson(_case_rate(a)))):
        a.push(at_random(start), "case_open", None)
    if a.csm_id is not None:
        rate = {"smb": 0.3, "mid_market": 1.0, "enterprise": 2.0}[a.segment]
        for _ in range(int(rng.poisson(rate))):
            a.push(at_random(start), "activity", _choice(rng, ("call", "email", "email", "meeting")))
        if a.segment != "smb" and age % 3 == 2 and rng.random() < 0.85:
            a.push(at_random(start), "activity", "qbr")
        if age == 0 and not a.services and a.segment != "smb" and rng.random() < 0.6:
            a.push(at_random(start), "activity", "onboarding_session")
    elif rng.random() < 0.25:
        a.push(at_random(start), "activity", "email")
    if age % 3 == 2:
        a.push(at_random(start), "nps_survey", None)
    if age > 0 and age % 12 == 0:
        a.push(at_random(start), "employees", None)
    a.push(me - timedelta(microseconds=1), "month_end", None)

    while a.pending and a.pending[0][0] < me:
        t, _seq, kind, payload = heapq.heappop(a.pending)
        if kind == "month_end":
            break
        HANDLERS[kind](world, a, t, payload, age)
    # first value: a latent milestone the product usage reflects (value events start that day)
    reachable = (a.is_live or a.live_windows) and a.first_value_at is None and not a.never_value
    if reachable and rng.random() < eng.first_value_probability(a):
        lo = a.live_windows[0][0] if a.live_windows else a.live_since
        a.first_value_at = lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (me - lo).total_seconds()))))
        a.first_value_at = min(a.first_value_at, me - timedelta(seconds=1))
    sync_users(world, a, ms, me)
    if a.live_since is not None:
        a.live_windows.append((a.live_since, me))


def _case_rate(a: Account) -> float:
    if not (a.is_live or a.live_windows):
        return 0.0
    return (0.12 + 0.04 * math.sqrt(a.seats)) * (1.6 if a.e < 0 else 1.0)


def h_decide(world: World, a: Account, t: datetime, _p, age: int) -> None:
    """The customer's monthly decisions: churn, seats, plan, add-ons, services; or a come-back."""
    rng, s = a.rng, a.sub
    if s is None or s.status not in LIVE:
        came_back = rng.random() < eng.reactivation_probability(a) * (1.0 if a.had_mrr else 0.4)
        if a.arrived and (a.had_mrr or (s is not None and s.status != "trialing")) and came_back:
            reactivate(world, a, t)
        return
    if s.status == "trialing":
        return
    p = eng.monthly_churn_probability(a, t, age)
    if s.status in ("active", "past_due") and not s.cancel_at_period_end:
        months = INTERVALS[s.interval][2]
        if months in (1, None):
            if rng.random() < p:
                if rng.random() < 0.75 or s.status == "past_due":
                    s.cancel_at_period_end, s.canceled_at = True, t
                    world.sub_row(a, s, t)
                else:
                    end_subscription(world, a, t, "voluntary")
                return
        elif s.current_period_end - t <= timedelta(days=60) and s.reviewed_period != s.period_index:
            s.reviewed_period = s.period_index
            if rng.random() < 1.0 - (1.0 - p) ** months:
                s.cancel_at_period_end, s.canceled_at = True, t
                world.sub_row(a, s, t)
                if s.renewal_opp is not None:
                    close_opp(world, a, s.renewal_opp, t, won=False)
                    s.renewal_opp = None
                return
    if s.status != "active" or s.cancel_at_period_end:
        return
    util = len(a.users) / max(1, a.seats)
    if rng.random() < eng.seat_expansion_probability(a, util):
        add = max(1, round(a.seats * rng.uniform(0.1, 0.45)))
        old_arr = annual_value(a, s)
        change_seats(world, a, t, a.seats + add, prorate=True)
        _expansion_opp(world, a, t, annual_value(a, s) - old_arr)
    elif a.tier < 2 and s.interval != "weekly" and rng.random() < eng.upgrade_probability(a):
        old_arr = annual_value(a, s)
        change_plan(world, a, t, a.tier + 1, prorate=True)
        _expansion_opp(world, a, t, annual_value(a, s) - old_arr)
    elif (
        a.tier >= 1
        and s.interval != "weekly"
        and not any(i.product_key == "analytics" for i in s.items if i.deleted_at is None)
        and rng.random() < eng.addon_probability(a)
    ):
        price = world.catalog.price("analytics", a.currency, s.interval)
        it = Item(
            ident("si_", world.seed, a.idx, s.id, "analytics", a.next("addon")),
            "analytics",
            price,
            1,
            t,
            False,
        )
        s.items.append(it)
        world.item_row(s, it, t)
        _prorate(world, a, s, t, [(it, price, 0)])
    if a.segment != "smb" and a.services and rng.random() < 0.015 * (1 + a.e):
        buy_services(world, a, t, "training")


def _expansion_opp(world: World, a: Account, t: datetime, delta: float) -> None:
    if a.segment == "smb" or delta <= 0:
        return
    world.opp_row(
        a,
        {
            "id": ident("006", world.seed, a.idx, "opp", a.next("opp"), n=15),
            "account_id": a.id,
            "owner_user_id": a.owner_id,
            "type": "expansion",
            "stage": "closed_won",
            "amount": round(delta, 2),
            "currency": _crm_currency(a),
            "created_at": t - timedelta(days=int(a.rng.integers(5, 40))),
            "close_date": t.date(),
        },
        t,
    )


def reactivate(world: World, a: Account, t: datetime) -> None:
    rng = a.rng
    a.reactivations += 1
    a.month_flags["reactivated"] = True
    a.seats = max(1, round(a.seats * rng.uniform(0.5, 1.1)))
    if rng.random() < 0.3:
        a.tier = max(0, a.tier - 1)
    if a.interval == "weekly" and a.tier != 0:
        a.interval = "monthly"
    a.e += 0.8  # a fresh start: new sponsor, new use case
    start_subscription(world, a, t, trial=False)
    world.opp_row(
        a,
        {
            "id": ident("006", world.seed, a.idx, "opp", a.next("opp"), n=15),
            "account_id": a.id,
            "owner_user_id": a.owner_id,
            "type": "new_business",
            "stage": "closed_won",
            "amount": round(annual_value(a, a.sub), 2) if a.sub else None,
            "currency": _crm_currency(a),
            "created_at": t - timedelta(days=int(rng.integers(5, 60))),
            "close_date": t.date(),
        },
        t,
    )


def h_trial_end(world: World, a: Account, t: datetime, sid: str, _age: int) -> None:
    s = a.sub
    if s is None or s.id != sid or s.status != "trialing":
        return
    opp = s.renewal_opp or {
        "id": ident("006", world.seed, a.idx, "opp", a.next("opp"), n=15),
        "account_id": a.id,
        "owner_user_id": a.owner_id,
        "type": "new_business",
        "stage": "qualification",
        "amount": round(annual_value(a, s), 2),
        "currency": _crm_currency(a),
        "created_at": s.created_at - timedelta(days=3),
        "close_date": t.date(),
    }
    s.renewal_opp = None
    if a.rng.random() < eng.trial_conversion_probability(a):
        s.status, s.anchor, s.period_index = "active", t, 0
        s.current_period_start = t
        s.current_period_end = period_end(t, INTERVALS[s.interval][2], 0)
        world.sub_row(a, s, t)
        _invoice(world, a, s, t, "subscription_cycle", _cycle_lines(s), collect=True)
        a.push(s.current_period_end, "renew", sid)
        a.had_mrr = True
        _schedule_renewal_opp(a, s, t)
        close_opp(world, a, opp, t, won=True)
    else:
        close_opp(world, a, opp, t, won=False)
        end_subscription(world, a, t, "trial_not_converted")


def h_renew(world: World, a: Account, t: datetime, sid: str, _age: int) -> None:
    s, rng = a.sub, a.rng
    if s is None or s.id != sid or s.status not in ("active", "past_due"):
        return
    if s.cancel_at_period_end:
        end_subscription(world, a, t, "voluntary")
        return
    # changes that take effect at renewal, without proration: right-sizing, downgrades, coupons ending
    util = len(a.users) / max(1, a.seats)
    if util < 0.55 and a.seats > 1 and rng.random() < 0.5:
        target = max(1, math.ceil(len(a.users) / 0.8))
        if target < a.seats:
            change_seats(world, a, t, target, prorate=False)
    if a.tier > 0 and a.e < -0.8 and rng.random() < 0.25:
        change_plan(world, a, t, a.tier - 1, prorate=False)
    for it in s.items:
        if it.product_key == "analytics" and it.deleted_at is None and a.e < -0.5 and rng.random() < 0.3:
            it.deleted_at = t
            world.item_row(s, it, t)
    if s.discount is not None and s.discount_until is not None and t >= s.discount_until:
        s.discount, s.discount_until = None, None
    s.period_index += 1
    s.current_period_start = t
    s.current_period_end = period_end(s.anchor, INTERVALS[s.interval][2], s.period_index)
    s.items = [it for it in s.items if it.deleted_at is None or it.deleted_at > t - timedelta(days=400)]
    world.sub_row(a, s, t)
    if s.renewal_opp is not None:
        close_opp(world, a, s.renewal_opp, t, won=True)
        s.renewal_opp = None
    _invoice(world, a, s, t, "subscription_cycle", _cycle_lines(s), collect=True)
    a.push(s.current_period_end, "renew", sid)
    _schedule_renewal_opp(a, s, t)


def h_renewal_opp(world: World, a: Account, t: datetime, sid: str, _age: int) -> None:
    s = a.sub
    if s is None or s.id != sid or s.status not in ("active", "past_due") or s.cancel_at_period_end:
        return
    s.renewal_opp = {
        "id": ident("006", world.seed, a.idx, "opp", a.next("opp"), n=15),
        "account_id": a.id,
        "owner_user_id": a.owner_id,
        "type": "renewal",
        "stage": _choice(a.rng, OPEN_OPP_STAGES),
        "amount": round(annual_value(a, s), 2),
        "currency": _crm_currency(a),
        "created_at": t,
        "close_date": s.current_period_end.date(),
    }
    world.opp_row(a, s.renewal_opp, t)


def h_services(world: World, a: Account, t: datetime, kind: str, _age: int) -> None:
    if a.sub is not None:
        buy_services(world, a, t, kind)


def h_incomplete_expire(world: World, a: Account, t: datetime, payload, _age: int) -> None:
    sid, inv = payload
    s = a.sub
    if s is None or s.id != sid or s.status != "incomplete":
        return
    inv.update(status="void", amount_due=0)
    world.emit("billing__invoices", inv, t)
    end_subscription(world, a, t, "incomplete_expired")
    if a.rng.random() < 0.6:  # they fix the card and sign up again a few days later
        a.push(t + timedelta(days=float(a.rng.uniform(1, 6))), "retry_signup", None)


def h_retry_signup(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    if a.sub is None or a.sub.status not in LIVE:
        start_subscription(world, a, t, trial=False)


def h_retry(world: World, a: Account, t: datetime, inv: dict, _age: int) -> None:
    if inv["status"] != "open":
        return
    rng = a.rng
    inv["attempt_count"] += 1
    if rng.random() < 0.35 + 0.25 * eng._sig(a.e):
        _mark_paid(world, a, inv, t, inv["attempt_count"])
        _recovered(world, a, t)
    elif inv["attempt_count"] >= 4:
        inv.update(status="uncollectible")
        world.emit("billing__invoices", inv, t)
        s = a.sub
        if s is not None and s.id == inv["subscription_id"] and s.status in ("active", "past_due"):
            end_subscription(world, a, t, "involuntary")
    else:
        world.emit("billing__invoices", inv, t)
        a.push(t + timedelta(days=float(rng.uniform(2, 5))), "retry", inv)


def h_invoice_paid(world: World, a: Account, t: datetime, inv: dict, _age: int) -> None:
    if inv["status"] == "open":
        _mark_paid(world, a, inv, t, 1)


def h_refund(world: World, a: Account, t: datetime, inv: dict, _age: int) -> None:
    rng = a.rng
    full = rng.random() < 0.4
    amount = inv["total"] if full else max(1, int(inv["total"] * rng.uniform(0.05, 0.5)))
    world.emit(
        "billing__refunds",
        {
            "id": ident("re_", world.seed, a.idx, a.next("refund")),
            "invoice_id": inv["id"],
            "amount": amount,
            "currency": a.currency,
            "reason": _choice(
                rng, ("requested_by_customer", "duplicate", "fraudulent", None), (0.7, 0.15, 0.03, 0.12)
            ),
            "status": _choice(rng, ("succeeded", "pending", "failed"), (0.92, 0.05, 0.03)),
            "created_at": t,
        },
        t,
    )


def h_relationship(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    """Champions change jobs; new contacts appear; engagement of contacts moves with the product."""
    rng = a.rng
    for c in a.active_contacts():
        if c.persona == "champion" and rng.random() < 0.022:
            c.left_at = t
            world.contact_row(a, c, t)
            a.champion_left_at = t
            a.e -= 0.4
            a.month_flags["champion_left"] = True
            if rng.random() < 0.55:
                a.push(t + timedelta(days=float(rng.uniform(30, 200))), "new_champion", None)
        elif c.persona in ("admin", "end_user", "economic_buyer") and rng.random() < 0.008:
            c.left_at = t
            world.contact_row(a, c, t)
    if a.is_live and rng.random() < {"smb": 0.03, "mid_market": 0.08, "enterprise": 0.14}[a.segment]:
        add_contact(world, a, _choice(rng, ("admin", "end_user", "end_user", "economic_buyer")), t)
    for c in a.active_contacts():  # engaged contacts follow the account's engagement, slowly
        if rng.random() < 0.08:
            base = {"champion": 0.95, "economic_buyer": 0.55, "admin": 0.7, "end_user": 0.35, None: 0.1}
            c.engaged = bool(rng.random() < min(0.98, base[c.persona] * (0.6 + 0.4 * eng._sig(2 * a.e) * 2)))


def h_new_champion(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    if a.champion() is None and a.arrived:
        c = add_contact(world, a, "champion", t)
        c.engaged = True


def h_case_open(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    rng = a.rng
    contacts = a.active_contacts()
    contact = contacts[int(rng.integers(len(contacts)))] if contacts and rng.random() < 0.9 else None
    subject = _choice(rng, CASE_SUBJECTS)
    if contact is not None and rng.random() < 0.12:
        subject += f" (reported by {contact.first_name} {contact.last_name}, {contact.email})"
    priority = _choice(rng, ("low", "normal", "high", "urgent"), (0.25, 0.55, 0.15, 0.05))
    case = {
        "id": ident("500", world.seed, a.idx, "case", a.next("case"), n=15),
        "account_id": a.id,
        "contact_id": contact.id if contact else None,
        "priority": priority,
        "status": "new" if rng.random() < 0.3 else "open",
        "subject": subject,
        "created_at": t,
        "solved_at": None,
        "csat": None,
    }
    world.emit("crm__cases", case, t)
    expect_h = {"low": 120, "normal": 60, "high": 20, "urgent": 6}[priority]
    took = float(rng.exponential(expect_h))
    if rng.random() < 0.15:
        a.push(t + timedelta(hours=took / 2), "case_pending", case)
    a.push(t + timedelta(hours=took + 0.2), "case_solve", (case, took > 2 * expect_h))


def h_case_pending(world: World, a: Account, t: datetime, case: dict, _age: int) -> None:
    if case["status"] in ("new", "open"):
        case["status"] = "pending"
        world.emit("crm__cases", case, t)


def h_case_solve(world: World, a: Account, t: datetime, payload, _age: int) -> None:
    case, slow = payload
    case["status"], case["solved_at"] = "solved", t
    if a.rng.random() < 0.4:
        case["csat"] = eng.csat_score(a, slow, float(a.rng.standard_normal()))
        if case["csat"] <= 2:
            a.bad_support_until = t + timedelta(days=90)
            a.e -= 0.15
    world.emit("crm__cases", case, t)
    a.push(t + timedelta(days=4), "case_close", case)


def h_case_close(world: World, a: Account, t: datetime, case: dict, _age: int) -> None:
    case["status"] = "closed"
    world.emit("crm__cases", case, t)


def h_activity(world: World, a: Account, t: datetime, kind: str, _age: int) -> None:
    if not a.arrived:
        return
    user = a.csm_id if a.csm_id and (kind != "email" or a.rng.random() < 0.7) else a.owner_id
    contacts = a.active_contacts()
    contact = contacts[int(a.rng.integers(len(contacts)))].id if contacts and a.rng.random() < 0.85 else None
    world.emit(
        "crm__activities",
        {
            "id": ident("00T", world.seed, a.idx, "act", a.next("act"), n=15),
            "account_id": a.id,
            "user_id": user,
            "contact_id": contact,
            "type": kind,
            "occurred_at": t,
        },
        t,
    )
    lift = {
        "onboarding_session": 0.22,
        "training": 0.18,
        "qbr": 0.08,
        "meeting": 0.04,
        "call": 0.03,
        "email": 0.005,
    }[kind]
    if a.is_live:
        a.boost += lift
    if user == a.csm_id:
        a.last_csm_touch = t


def h_nps(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    if not a.is_live:
        return
    rng = a.rng
    for c in a.active_contacts():
        if c.persona is not None and rng.random() < 0.25:
            score = eng.nps_score(a, float(rng.standard_normal()), t)
            comment = None
            if rng.random() < 0.3:
                comment = _choice(rng, NPS_COMMENTS_GOOD if score >= 9 else NPS_COMMENTS_BAD)
            when = t + timedelta(minutes=float(rng.uniform(0, 600)))
            if when >= world.month_end:
                continue
            world.emit(
                "crm__nps_responses",
                {
                    "id": ident("nps_", world.seed, a.idx, a.next("nps")),
                    "account_id": a.id,
                    "contact_id": c.id,
                    "score": score,
                    "comment": comment,
                    "responded_at": when,
                },
                when,
            )


def h_employees(world: World, a: Account, t: datetime, _p, _age: int) -> None:
    a.employees = max(1, round(a.employees * a.rng.lognormal(0.06, 0.12)))
    world.account_row(a, t)


def h_deactivate_user(world: World, a: Account, t: datetime, uid: str, _age: int) -> None:
    for u in a.users:
        if u.id == uid and not a.is_live:
            a.users.remove(u)
            _user_row(world, a, u, t, deactivated=t)
            return


HANDLERS = {
    "decide": h_decide,
    "relationship": h_relationship,
    "trial_end": h_trial_end,
    "renew": h_renew,
    "renewal_opp": h_renewal_opp,
    "incomplete_expire": h_incomplete_expire,
    "retry_signup": h_retry_signup,
    "retry": h_retry,
    "invoice_paid": h_invoice_paid,
    "refund": h_refund,
    "new_champion": h_new_champion,
    "case_open": h_case_open,
    "case_pending": h_case_pending,
    "case_solve": h_case_solve,
    "case_close": h_case_close,
    "activity": h_activity,
    "nps_survey": h_nps,
    "employees": h_employees,
    "deactivate_user": h_deactivate_user,
    "services": h_services,
}


# --------------------------------------------------------------------------- product users
def _user_row(
    world: World, a: Account, u: ProductUser, at: datetime, deactivated: datetime | None = None
) -> None:
    world.emit(
        "usage__users",
        {
            "user_id": u.id,
            "workspace_id": a.workspace_id,
            "email": u.email,
            "role": u.role,
            "created_at": u.created_at,
            "deactivated_at": deactivated,
        },
        at,
    )


def sync_users(world: World, a: Account, ms: datetime, me: datetime) -> None:
    """Invite product users toward the adoption the account's engagement supports (capped by seats)."""
    if not a.is_live:
        return
    rng = a.rng
    target = min(a.seats, max(1, math.ceil(a.seats * eng.adoption_target(a))))
    have = len(a.users)
    if have < target:
        add = max(1, math.ceil((target - have) * rng.uniform(0.3, 0.8)))
        lo = max(ms, a.live_since or ms)
        for _ in range(add):
            t = lo + timedelta(seconds=float(rng.uniform(0, max(1.0, (me - lo).total_seconds() - 1))))
            n = a.next("user")
            champ = a.champion() if n == 1 else None
            if champ is not None:
                email = champ.email
            else:
                _first, _last, email = _person(a)
            role = (
                "owner" if n == 1 else ("admin" if n <= 3 else ("member" if rng.random() < 0.8 else "viewer"))
            )
            if rng.random() < 0.05:
                email = email.upper() if rng.random() < 0.5 else email.capitalize()
            u = ProductUser(
                ident("usr_", world.seed, a.idx, n),
                ident("anon-", world.seed, a.idx, n, n=20),
                email,
                role,
                float(rng.normal(0.0, 0.9)),
                t,
            )
            a.users.append(u)
            _user_row(world, a, u, t)
    elif have > a.seats or (have > target + 2 and rng.random() < 0.3):
        drop = sorted(a.users, key=lambda u: (u.propensity, u.id))[: max(1, have - max(target, 1))]
        for u in drop:
            t = ms + timedelta(seconds=float(rng.uniform(0, (me - ms).total_seconds() - 1)))
            t = max(t, u.created_at + timedelta(seconds=1))
            if u.role == "owner" or t >= me:
                continue
            a.users.remove(u)
            _user_row(world, a, u, t, deactivated=t)
