"""Per-account simulation state: only what the next month needs, never the history."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .catalog import Price

#: subscription statuses in which the customer uses the product
LIVE = ("trialing", "active", "past_due")


@dataclass(slots=True)
class Contact:
    id: str
    persona: str | None
    first_name: str
    last_name: str
    email: str
    title: str
    created_at: datetime
    engaged: bool
    left_at: datetime | None = None
    is_deleted: bool = False


@dataclass(slots=True)
class SubscriptionItem:
    id: str
    product_key: str
    price: Price
    quantity: int
    created_at: datetime
    per_seat: bool
    deleted_at: datetime | None = None


@dataclass(slots=True)
class Subscription:
    id: str
    billing_interval: str
    created_at: datetime
    start_date: datetime
    status: str
    anchor: datetime
    period_index: int
    current_period_start: datetime
    current_period_end: datetime
    items: list[SubscriptionItem]
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    cancel_at_period_end: bool = False
    canceled_at: datetime | None = None
    ended_at: datetime | None = None
    discount_percent: float | None = None
    discount_until: datetime | None = None
    #: the billing period whose renewal the customer has already decided on (quarterly, annual)
    reviewed_period: int = -1
    renewal_opportunity: dict | None = None
    send_invoice: bool = False


@dataclass(slots=True)
class ProductUser:
    id: str
    device: str
    email: str
    role: str
    propensity: float
    created_at: datetime


@dataclass(slots=True)
class Account:
    index: int
    id: str
    name: str
    domain: str
    segment: str
    employees: int
    country: str
    currency: str
    industry: str
    tax_rate: float
    utc_offset_hours: int
    arrival: datetime
    rng: np.random.Generator
    #: the account's engagement mean (segment mean + product fit), logit scale
    fit: float
    plan_tier: int
    billing_interval: str
    seats: int
    never_reaches_value: bool
    feature_order: tuple[int, ...]
    first_month_index: int = 0
    owner_id: str = ""
    csm_id: str | None = None
    customer_id: str = ""
    workspace_id: str = ""
    # identity links as the source systems hold them (usually right, sometimes missing or wrong)
    crm_billing_customer_id: str | None = None
    customer_crm_account_id: str | None = None
    workspace_crm_account_id: str | None = None
    crm_workspace_id: str | None = None
    arrived: bool = False
    engagement: float = 0.0
    previous_mean: float = 0.0
    boost: float = 0.0
    services: bool = False
    contacts: list[Contact] = field(default_factory=list)
    users: list[ProductUser] = field(default_factory=list)
    subscription: Subscription | None = None
    counters: dict[str, int] = field(default_factory=dict)
    first_value_at: datetime | None = None
    had_mrr: bool = False
    delinquent: bool = False
    champion_left_at: datetime | None = None
    bad_support_until: datetime | None = None
    last_csm_touch: datetime | None = None
    pending: list = field(default_factory=list)  # heap of (time, seq, kind, payload)
    live_since: datetime | None = None
    live_windows: list = field(default_factory=list)
    age_months: int = 0
    month_flags: dict[str, object] = field(default_factory=dict)
    churn_log: list = field(default_factory=list)  # truth only: (ended_at, kind)
    reactivations: int = 0

    def next_number(self, name: str) -> int:
        """The next value of a per-account counter (invoice numbers, id parts)."""
        n = self.counters.get(name, 0) + 1
        self.counters[name] = n
        return n

    def schedule(self, when: datetime, kind: str, payload: object = None) -> None:
        heapq.heappush(self.pending, (when, self.next_number("_ev"), kind, payload))

    @property
    def is_live(self) -> bool:
        return self.subscription is not None and self.subscription.status in LIVE

    def active_contacts(self) -> list[Contact]:
        return [c for c in self.contacts if c.left_at is None and not c.is_deleted]

    def champion(self) -> Contact | None:
        return next((c for c in self.active_contacts() if c.persona == "champion"), None)

    def engaged_contact_count(self) -> int:
        """Engaged contacts still at the customer: multi-threading."""
        return sum(1 for c in self.active_contacts() if c.engaged)
