"""The vendor's product catalogue (billing.products, billing.prices) and staff (crm.users)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .config import ADDONS, CURRENCIES, INTERVAL_MULTIPLIER, INTERVALS, PLANS, SERVICES, VENDOR_DOMAIN
from .ids import STREAM_STAFF, ident, rng_for
from .names import FIRST_NAMES, LAST_NAMES, slug


@dataclass(frozen=True)
class Price:
    id: str
    product_id: str
    product_key: str
    currency: str
    unit_amount: int
    interval: str | None  # monthly/quarterly/annual/weekly, None for one_time
    nickname: str


def local_amount(usd_cents: float, currency: str) -> int:
    """A list price in ``currency`` minor units, rounded to a whole major unit (100 yen for jpy)."""
    exp, _usd_per, per_usd = CURRENCIES[currency]
    major = usd_cents / 100.0 * per_usd
    if exp == 0:
        return int(max(100, round(major / 100.0) * 100))
    return int(max(1, round(major)) * 100)


class Catalog:
    def __init__(self, seed: int, created: datetime) -> None:
        self.created = created
        self.products: list[dict] = []
        self.prices: dict[tuple[str, str, str | None], Price] = {}
        for key, name, category, usd in PLANS + ADDONS + SERVICES:
            pid = ident("prod_", seed, key)
            self.products.append({"id": pid, "name": name, "category": category, "active": True})
            for cur in CURRENCIES:
                if category == "services":
                    self._add(seed, pid, key, name, cur, local_amount(usd, cur), None)
                    continue
                for interval in INTERVALS:
                    if interval == "weekly" and key != "starter":
                        continue
                    amount = local_amount(usd * INTERVAL_MULTIPLIER[interval], cur)
                    self._add(seed, pid, key, name, cur, amount, interval)

    def _add(
        self, seed: int, pid: str, key: str, name: str, cur: str, amount: int, interval: str | None
    ) -> None:
        pr = Price(
            ident("price_", seed, key, cur, interval),
            pid,
            key,
            cur,
            amount,
            interval,
            f"{name} {interval or 'one-time'}",
        )
        self.prices[(key, cur, interval)] = pr

    def price(self, product_key: str, currency: str, interval: str | None) -> Price:
        return self.prices[(product_key, currency, interval)]

    def price_rows(self) -> list[dict]:
        rows = []
        for pr in self.prices.values():
            iv = INTERVALS[pr.interval] if pr.interval else None
            rows.append(
                {
                    "id": pr.id,
                    "product_id": pr.product_id,
                    "nickname": pr.nickname,
                    "currency": pr.currency,
                    "unit_amount": pr.unit_amount,
                    "type": "recurring" if iv else "one_time",
                    "recurring_interval": iv[0] if iv else None,
                    "recurring_interval_count": iv[1] if iv else None,
                    "active": True,
                    "created_at": self.created,
                }
            )
        return rows


@dataclass
class Staff:
    id: str
    full_name: str
    email: str
    role: str
    is_active: bool = True

    def row(self) -> dict:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "email": self.email,
            "role": self.role,
            "is_active": self.is_active,
        }


def make_staff(seed: int, accounts: int) -> list[Staff]:
    rng = rng_for(seed, STREAM_STAFF)
    out = []
    counts = {
        "account_executive": max(2, accounts // 70),
        "customer_success_manager": max(2, accounts // 45),
        "manager": max(1, accounts // 600),
    }
    for role, n in counts.items():
        for i in range(n):
            first = FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]
            last = LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
            out.append(
                Staff(
                    ident("005", seed, "staff", role, i, n=15),
                    f"{first} {last}",
                    f"{slug(first)}.{slug(last)}{i}@{VENDOR_DOMAIN}",
                    role,
                )
            )
    return out
