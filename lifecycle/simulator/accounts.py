"""Accounts and their CRM side: who the customer is, how it arrives, its people and identity links.

An account is created with its latent traits (segment, size, country, product fit, plan, seats)
drawn from its own random substream; it *arrives* in the month of its sign-up instant: CRM
account, billing customer, workspace, contacts, the first subscription and its opportunity.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from .config import (
    COUNTRIES,
    INDUSTRIES,
    INTERVAL_ORDER,
    OPEN_OPP_STAGES,
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
)
from .crm import add_contact, new_opportunity
from .ids import STREAM_ACCOUNT, STREAM_STAFF, choice, ident, rng_for
from .names import COMPANY_A, COMPANY_B, COMPANY_C, slug
from .records import write_account, write_customer, write_opportunity
from .revenue import annual_value
from .state import Account
from .subscriptions import TRIAL_DAYS, start_subscription
from .world import World

_COUNTRY_KEYS = tuple(COUNTRIES)
_COUNTRY_P = tuple(v[1] / sum(c[1] for c in COUNTRIES.values()) for v in COUNTRIES.values())


def create_account(world: World, index: int, arrival: datetime) -> Account:
    """Account ``index``'s latent traits, from its own substream (not yet arrived)."""
    seed = world.seed
    rng = rng_for(seed, STREAM_ACCOUNT, index)
    segment = choice(rng, SEGMENTS, SEGMENT_SHARE)
    lo, hi = SEGMENT_EMPLOYEES[segment]
    employees = int(min(hi - 1, max(lo, round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))))
    country = choice(rng, _COUNTRY_KEYS, _COUNTRY_P)
    currency, _weight, tax, utc_offset, tld = COUNTRIES[country]
    name = f"{choice(rng, COMPANY_A)} {choice(rng, COMPANY_B)}"
    suffix = choice(rng, COMPANY_C)
    domain = f"{slug(name)}{index % 97}.{tld}"
    share, seats_min, seats_max = SEGMENT_SEATS[segment]
    seats = int(min(seats_max, max(seats_min, round(employees * share * rng.lognormal(0.0, 0.4)))))
    account = Account(
        index=index,
        id=ident("001", seed, "acct", index, n=15),
        name=f"{name} {suffix}".strip(),
        domain=domain,
        segment=segment,
        employees=employees,
        country=country,
        currency=currency,
        industry=choice(rng, INDUSTRIES),
        tax_rate=tax,
        utc_offset_hours=utc_offset,
        arrival=arrival,
        rng=rng,
        fit=SEGMENT_ENGAGEMENT_MEAN[segment] + 0.6 * float(rng.standard_normal()),
        plan_tier=int(rng.choice(3, p=SEGMENT_PLAN[segment])),
        billing_interval=choice(rng, INTERVAL_ORDER, SEGMENT_INTERVAL[segment]),
        seats=seats,
        never_reaches_value=bool(rng.random() < 0.1),
        feature_order=tuple(int(x) for x in rng.permutation(5)),
    )
    if account.billing_interval == "weekly" and account.plan_tier != 0:
        account.billing_interval = "monthly"
    account.engagement = account.fit - 0.9 + 0.4 * float(rng.standard_normal())
    account.previous_mean = account.fit - 0.7
    return account


def _assign_owners(world: World, account: Account) -> None:
    """An account executive always; a CSM for most bigger accounts."""
    rng = account.rng
    executives = world.staff_by_role("account_executive")
    account.owner_id = executives[int(rng.integers(len(executives)))].id
    if rng.random() < SEGMENT_CSM_SHARE[account.segment]:
        csms = world.staff_by_role("customer_success_manager")
        account.csm_id = csms[int(rng.integers(len(csms)))].id


def _link_identities(world: World, account: Account) -> None:
    """Identity links as typed by people and integrations: usually right, sometimes missing or
    wrong (a CRM account naming another account's billing customer)."""
    rng = account.rng
    account.customer_crm_account_id = account.id if rng.random() < 0.92 else None
    r = rng.random()
    if r < 0.02 and world.customer_ids:
        account.crm_billing_customer_id = world.customer_ids[int(rng.integers(len(world.customer_ids)))]
    elif r < 0.12 and account.customer_crm_account_id is not None:
        account.crm_billing_customer_id = None
    else:
        account.crm_billing_customer_id = account.customer_id
    account.workspace_crm_account_id = account.id if rng.random() < 0.88 else None
    keeps_workspace = rng.random() < 0.9 or account.workspace_crm_account_id is None
    account.crm_workspace_id = account.workspace_id if keeps_workspace else None


def arrive(world: World, account: Account) -> None:
    """The account signs up: CRM records, billing customer, workspace, contacts, first subscription."""
    rng, at, seed = account.rng, account.arrival, world.seed
    account.arrived = True
    _assign_owners(world, account)
    account.customer_id = ident("cus_", seed, account.index)
    account.workspace_id = ident("ws_", seed, account.index, n=12)
    _link_identities(world, account)
    world.customer_ids.append(account.customer_id)
    write_account(world, account, at)
    if rng.random() < 0.02:  # a duplicate CRM record, merged (soft-deleted) by sales ops
        duplicate_id = ident("001", seed, "acct-dup", account.index, n=15)
        write_account(
            world, account, at, name=f"{account.name} (duplicate)", account_id=duplicate_id, deleted=True
        )
    write_customer(world, account, at)
    world.emit(
        "usage__workspaces",
        {
            "workspace_id": account.workspace_id,
            "name": account.name.split()[0].lower() + "-hq",
            "crm_account_id": account.workspace_crm_account_id,
            "created_at": at,
        },
        at,
    )
    _add_first_contacts(world, account, at)
    trial = rng.random() < SEGMENT_TRIAL_SHARE[account.segment]
    opportunity = new_opportunity(
        world, account, at, "new_business", "closed_won", None, at.date(), created_days_before=(5, 45)
    )
    sub = start_subscription(world, account, at, trial=trial)
    opportunity["amount"] = round(annual_value(account, sub), 2)
    if trial:
        opportunity["stage"] = choice(rng, OPEN_OPP_STAGES[1:])
        opportunity["close_date"] = (at + timedelta(days=TRIAL_DAYS)).date()
        sub.renewal_opportunity = opportunity  # the trial's new-business opportunity closes at its end
    write_opportunity(world, opportunity, at)
    if rng.random() < SEGMENT_SERVICES_SHARE[account.segment]:
        account.schedule(at + timedelta(hours=2), "services", "onboarding")


def _add_first_contacts(world: World, account: Account, at: datetime) -> None:
    """Contacts at sign-up: multi-threading grows with the segment."""
    rng = account.rng
    extra = {"smb": rng.integers(0, 3), "mid_market": rng.integers(2, 6), "enterprise": rng.integers(4, 10)}
    if rng.random() < 0.85:
        add_contact(world, account, "champion", at)
    if account.segment != "smb" or rng.random() < 0.4:
        add_contact(world, account, "economic_buyer", at)
    for _ in range(int(extra[account.segment])):
        add_contact(world, account, choice(rng, ("admin", "end_user", "end_user", None)), at)
    if not account.contacts:
        add_contact(world, account, "admin", at)


def grow_headcount(world: World, account: Account, at: datetime) -> None:
    """Once a year the CRM learns the customer's new employee count."""
    account.employees = max(1, round(account.employees * account.rng.lognormal(0.06, 0.12)))
    write_account(world, account, at)


def staff_turnover(world: World, accounts: list[Account], month_index: int, month_start: datetime) -> None:
    """Staff leave now and then; their accounts move to a colleague (new account versions)."""
    rng = rng_for(world.seed, STREAM_STAFF, 1000 + month_index)
    at = month_start + timedelta(hours=3)
    for role, field in (("account_executive", "owner_id"), ("customer_success_manager", "csm_id")):
        for member in world.staff_by_role(role):
            if rng.random() >= 0.006 or len(world.staff_by_role(role)) <= 2:
                continue
            member.is_active = False
            world.emit("crm__users", member.row(), at)
            colleagues = world.staff_by_role(role)
            for account in accounts:
                if account.arrived and getattr(account, field) == member.id:
                    setattr(account, field, colleagues[int(rng.integers(len(colleagues)))].id)
                    write_account(world, account, at)
