"""The relationship side of an account in the CRM: contacts, opportunities, support cases,
CSM activities and NPS surveys. Handlers of pending events take ``(world, account, at, payload)``."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from . import engagement as eng
from .config import CASE_SUBJECTS, NPS_COMMENTS_BAD, NPS_COMMENTS_GOOD, OPEN_OPP_STAGES, TITLES
from .ids import choice, ident
from .names import FIRST_NAMES, LAST_NAMES, slug
from .records import write_contact, write_opportunity
from .revenue import annual_value
from .state import Account, Contact, Subscription
from .world import World

#: probability that a new contact of a persona is engaged with the product
ENGAGED_SHARE = {"champion": 0.95, "economic_buyer": 0.55, "admin": 0.7, "end_user": 0.35, None: 0.1}
#: how much an activity lifts the account's engagement (decays by the month)
ACTIVITY_LIFT = {
    "onboarding_session": 0.22,
    "training": 0.18,
    "qbr": 0.08,
    "meeting": 0.04,
    "call": 0.03,
    "email": 0.005,
}
#: expected hours to resolve a case, by priority
CASE_RESOLUTION_HOURS = {"low": 120, "normal": 60, "high": 20, "urgent": 6}


# --------------------------------------------------------------------------- contacts
def new_person(account: Account) -> tuple[str, str, str]:
    """A (first name, last name, email at the customer's domain) for someone at the account."""
    first = choice(account.rng, FIRST_NAMES)
    last = choice(account.rng, LAST_NAMES)
    email = f"{slug(first)}.{slug(last)}{account.next_number('email')}@{account.domain}"
    return first, last, email


def add_contact(world: World, account: Account, persona: str | None, at: datetime) -> Contact:
    first, last, email = new_person(account)
    contact = Contact(
        ident("003", world.seed, account.index, "contact", account.next_number("contact"), n=15),
        persona,
        first,
        last,
        email,
        choice(account.rng, TITLES[persona]),
        at,
        bool(account.rng.random() < ENGAGED_SHARE[persona]),
    )
    account.contacts.append(contact)
    write_contact(world, account, contact, at)
    return contact


def on_relationship_month(world: World, account: Account, at: datetime, _payload: object) -> None:
    """Champions change jobs; new contacts appear; contacts' engagement follows the product's."""
    rng = account.rng
    for contact in account.active_contacts():
        if contact.persona == "champion" and rng.random() < 0.022:
            contact.left_at = at
            write_contact(world, account, contact, at)
            account.champion_left_at = at
            account.engagement -= 0.4
            account.month_flags["champion_left"] = True
            if rng.random() < 0.55:
                account.schedule(at + timedelta(days=float(rng.uniform(30, 200))), "new_champion", None)
        elif contact.persona in ("admin", "end_user", "economic_buyer") and rng.random() < 0.008:
            contact.left_at = at
            write_contact(world, account, contact, at)
    hiring = {"smb": 0.03, "mid_market": 0.08, "enterprise": 0.14}[account.segment]
    if account.is_live and rng.random() < hiring:
        add_contact(world, account, choice(rng, ("admin", "end_user", "end_user", "economic_buyer")), at)
    for contact in account.active_contacts():  # engaged contacts follow the account's engagement, slowly
        if rng.random() < 0.08:
            follows = 0.6 + 0.4 * eng.sigmoid(2 * account.engagement) * 2
            contact.engaged = bool(rng.random() < min(0.98, ENGAGED_SHARE[contact.persona] * follows))


def on_new_champion(world: World, account: Account, at: datetime, _payload: object) -> None:
    if account.champion() is None and account.arrived:
        contact = add_contact(world, account, "champion", at)
        contact.engaged = True


# --------------------------------------------------------------------------- opportunities
def crm_currency(account: Account) -> str:
    """The account's currency as sales types it: ``USD``, ``usd`` or ``Usd``."""
    r = account.rng.random()
    if r < 0.6:
        return account.currency.upper()
    return account.currency if r < 0.9 else account.currency.capitalize()


def new_opportunity(
    world: World,
    account: Account,
    at: datetime,
    kind: str,
    stage: str,
    amount: float | None,
    close_date: date,
    created_days_before: tuple[int, int] | None = None,
    created_at: datetime | None = None,
) -> dict:
    """An opportunity row (not yet written), created ``created_at`` or a random number of days
    in ``created_days_before`` before ``at``."""
    opportunity = {
        "id": ident("006", world.seed, account.index, "opp", account.next_number("opp"), n=15),
        "account_id": account.id,
        "owner_user_id": account.owner_id,
        "type": kind,
        "stage": stage,
        "amount": amount,
        "currency": crm_currency(account),
    }
    if created_days_before is not None:
        created_at = at - timedelta(days=int(account.rng.integers(*created_days_before)))
    opportunity["created_at"] = created_at
    opportunity["close_date"] = close_date
    return opportunity


def close_opportunity(world: World, opportunity: dict, at: datetime, won: bool) -> None:
    opportunity["stage"] = "closed_won" if won else "closed_lost"
    opportunity["close_date"] = at.date()
    write_opportunity(world, opportunity, at)


def schedule_renewal_opportunity(account: Account, sub: Subscription, at: datetime) -> None:
    """Annual contracts get a renewal opportunity 90 days before they renew."""
    if sub.billing_interval == "annual":
        when = max(at + timedelta(hours=1), sub.current_period_end - timedelta(days=90))
        account.schedule(when, "renewal_opportunity", sub.id)


def on_renewal_opportunity(world: World, account: Account, at: datetime, subscription_id: str) -> None:
    sub = account.subscription
    if (
        sub is None
        or sub.id != subscription_id
        or sub.status not in ("active", "past_due")
        or sub.cancel_at_period_end
    ):
        return
    sub.renewal_opportunity = new_opportunity(
        world,
        account,
        at,
        "renewal",
        choice(account.rng, OPEN_OPP_STAGES),
        round(annual_value(account, sub), 2),
        sub.current_period_end.date(),
        created_at=at,
    )
    write_opportunity(world, sub.renewal_opportunity, at)


def record_expansion(world: World, account: Account, at: datetime, annual_value_delta: float) -> None:
    """Sales books an expansion opportunity for bigger customers."""
    if account.segment == "smb" or annual_value_delta <= 0:
        return
    opportunity = new_opportunity(
        world,
        account,
        at,
        "expansion",
        "closed_won",
        round(annual_value_delta, 2),
        at.date(),
        created_days_before=(5, 40),
    )
    write_opportunity(world, opportunity, at)


# --------------------------------------------------------------------------- support cases
def case_rate(account: Account) -> float:
    """Expected cases a month: more seats, more cases; more still when engagement is low."""
    if not (account.is_live or account.live_windows):
        return 0.0
    return (0.12 + 0.04 * math.sqrt(account.seats)) * (1.6 if account.engagement < 0 else 1.0)


def on_case_opened(world: World, account: Account, at: datetime, _payload: object) -> None:
    rng = account.rng
    contacts = account.active_contacts()
    contact = contacts[int(rng.integers(len(contacts)))] if contacts and rng.random() < 0.9 else None
    subject = choice(rng, CASE_SUBJECTS)
    if contact is not None and rng.random() < 0.12:
        subject += f" (reported by {contact.first_name} {contact.last_name}, {contact.email})"
    priority = choice(rng, ("low", "normal", "high", "urgent"), (0.25, 0.55, 0.15, 0.05))
    case = {
        "id": ident("500", world.seed, account.index, "case", account.next_number("case"), n=15),
        "account_id": account.id,
        "contact_id": contact.id if contact else None,
        "priority": priority,
        "status": "new" if rng.random() < 0.3 else "open",
        "subject": subject,
        "created_at": at,
        "solved_at": None,
        "csat": None,
    }
    world.emit("crm__cases", case, at)
    expected_hours = CASE_RESOLUTION_HOURS[priority]
    took = float(rng.exponential(expected_hours))
    if rng.random() < 0.15:
        account.schedule(at + timedelta(hours=took / 2), "case_pending", case)
    account.schedule(at + timedelta(hours=took + 0.2), "case_solved", (case, took > 2 * expected_hours))


def on_case_pending(world: World, account: Account, at: datetime, case: dict) -> None:
    if case["status"] in ("new", "open"):
        case["status"] = "pending"
        world.emit("crm__cases", case, at)


def on_case_solved(world: World, account: Account, at: datetime, payload: tuple[dict, bool]) -> None:
    case, slow = payload
    case["status"], case["solved_at"] = "solved", at
    if account.rng.random() < 0.4:
        case["csat"] = eng.csat_score(account, slow, float(account.rng.standard_normal()))
        if case["csat"] <= 2:
            account.bad_support_until = at + timedelta(days=90)
            account.engagement -= 0.15
    world.emit("crm__cases", case, at)
    account.schedule(at + timedelta(days=4), "case_closed", case)


def on_case_closed(world: World, account: Account, at: datetime, case: dict) -> None:
    case["status"] = "closed"
    world.emit("crm__cases", case, at)


# --------------------------------------------------------------------------- activities, NPS
def on_activity(world: World, account: Account, at: datetime, kind: str) -> None:
    """A CSM (or the AE) touches the account; touches lift engagement."""
    if not account.arrived:
        return
    rng = account.rng
    by_csm = account.csm_id and (kind != "email" or rng.random() < 0.7)
    user = account.csm_id if by_csm else account.owner_id
    contacts = account.active_contacts()
    contact = contacts[int(rng.integers(len(contacts)))].id if contacts and rng.random() < 0.85 else None
    world.emit(
        "crm__activities",
        {
            "id": ident("00T", world.seed, account.index, "act", account.next_number("act"), n=15),
            "account_id": account.id,
            "user_id": user,
            "contact_id": contact,
            "type": kind,
            "occurred_at": at,
        },
        at,
    )
    if account.is_live:
        account.boost += ACTIVITY_LIFT[kind]
    if user == account.csm_id:
        account.last_csm_touch = at


def on_nps_survey(world: World, account: Account, at: datetime, _payload: object) -> None:
    """Quarterly NPS: a quarter of the named contacts answer, within ten hours."""
    if not account.is_live:
        return
    rng = account.rng
    for contact in account.active_contacts():
        if contact.persona is not None and rng.random() < 0.25:
            score = eng.nps_score(account, float(rng.standard_normal()), at)
            comment = None
            if rng.random() < 0.3:
                comment = choice(rng, NPS_COMMENTS_GOOD if score >= 9 else NPS_COMMENTS_BAD)
            when = at + timedelta(minutes=float(rng.uniform(0, 600)))
            if world.month_end is not None and when >= world.month_end:
                continue
            world.emit(
                "crm__nps_responses",
                {
                    "id": ident("nps_", world.seed, account.index, account.next_number("nps")),
                    "account_id": account.id,
                    "contact_id": contact.id,
                    "score": score,
                    "comment": comment,
                    "responded_at": when,
                },
                when,
            )
