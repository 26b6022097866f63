"""Per-account simulation state: only what the next month needs, never the history."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from .catalog import Price

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
class Item:
    id: str
    product_key: str
    price: Price
    quantity: int
    created_at: datetime
    per_seat: bool
    deleted_at: datetime | None = None


@dataclass(slots=True)
class Sub:
    id: str
    interval: str
    created_at: datetime
    start_date: datetime
    status: str
    anchor: datetime
    period_index: int
    current_period_start: datetime
    current_period_end: datetime
    items: list[Item]
    trial_start: datetime | None = None
    trial_end: datetime | None = None
    cancel_at_period_end: bool = False
    canceled_at: datetime | None = None
    ended_at: datetime | None = None
    discount: float | None = None
    discount_until: datetime | None = None
    reviewed_period: int = -1
    renewal_opp: dict | None = None
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
    idx: int
    id: str
    name: str
    domain: str
    segment: str
    employees: int
    country: str
    currency: str
    industry: str
    tax_rate: float
    tz: int
    arrival: datetime
    rng: np.random.Generator
    mu: float
    tier: int
    interval: str
    seats: int
    never_value: bool
    feature_perm: tuple[int, ...]
    owner_id: str = ""
    csm_id: str | None = None
    customer_id: str = ""
    workspace_id: str = ""
    billing_link: str | None = None
    customer_crm_link: str | None = None
    workspace_crm_link: str | None = None
    account_ws_link: str | None = None
    arrived: bool = False
    e: float = 0.0
    mu_prev: float = 0.0
    boost: float = 0.0
    services: bool = False
    contacts: list[Contact] = field(default_factory=list)
    users: list[ProductUser] = field(default_factory=list)
    sub: Sub | None = None
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
    month_flags: dict[str, object] = field(default_factory=dict)
    churn_log: list = field(default_factory=list)  # truth only: (ended_at, kind)
    reactivations: int = 0

    def next(self, name: str) -> int:
        n = self.counters.get(name, 0) + 1
        self.counters[name] = n
        return n

    def push(self, when: datetime, kind: str, payload: object = None) -> None:
        heapq.heappush(self.pending, (when, self.next("_ev"), kind, payload))

    @property
    def is_live(self) -> bool:
        return self.sub is not None and self.sub.status in LIVE

    def active_contacts(self) -> list[Contact]:
        return [c for c in self.contacts if c.left_at is None and not c.is_deleted]

    def champion(self) -> Contact | None:
        return next((c for c in self.active_contacts() if c.persona == "champion"), None)

    def threads(self) -> int:
        """Engaged contacts still at the customer: multi-threading."""
        return sum(1 for c in self.active_contacts() if c.engaged)
