"""Revenue by the contract's rules: an account's MRR at an instant, in exact arithmetic, and the
ground truth's account x month MRR (docs/metrics.md).

- MRR of a subscription at instant T: it has started, its trial (if any) is over, it has not
  ended and its status is active, past_due or canceled (still running until its end); then the
  sum over its items that exist at T of unit amount x quantity x (1 - discount) per month, in USD
  by the currency's minor unit and rate (``config.CURRENCIES`` = ``seeds/currencies.csv``).
- A billing customer's revenue belongs to the account the contract resolves it to: its
  ``crm_account_id`` metadata when that CRM account exists and is not deleted; else the live CRM
  account whose ``billing_customer_id`` names it (several: the lowest account id); else its own
  account ``billing:<customer_id>``.
- One rounding, half up to the cent, per account and month; every total is a sum of those rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .config import CURRENCIES
from .state import Account, Subscription

CENT = Decimal("0.01")
#: months per billing period of a price's interval (a week is 12/52 of a month)
MONTHS_PER_PERIOD = {
    "monthly": Fraction(1),
    "quarterly": Fraction(3),
    "annual": Fraction(12),
    "weekly": Fraction(12, 52),
}
_PERIODS_PER_YEAR = {"monthly": 12.0, "quarterly": 4.0, "annual": 1.0, "weekly": 52.0}
_USD_PER_UNIT = {currency: Fraction(str(rate)) for currency, (_exp, rate, _local) in CURRENCIES.items()}


def annual_value(account: Account, sub: Subscription) -> float:
    """Annualised contract value in major units of the account's currency (for opportunities)."""
    exponent = CURRENCIES[account.currency][0]
    total = 0.0
    for item in sub.items:
        if item.deleted_at is None:
            total += (
                item.price.unit_amount * item.quantity * _PERIODS_PER_YEAR.get(item.price.interval or "", 0.0)
            )
    return total / (10**exponent)


def mrr_at(account: Account, at: datetime) -> Fraction:
    """The account's MRR in USD at instant ``at``, exact (its current subscription's state)."""
    sub = account.subscription
    if sub is None or sub.start_date > at or (sub.trial_end is not None and sub.trial_end > at):
        return Fraction(0)
    if sub.ended_at is not None and sub.ended_at <= at:
        return Fraction(0)
    if sub.status not in ("active", "past_due", "canceled"):
        return Fraction(0)
    exponent = CURRENCIES[account.currency][0]
    discount = 1 - Fraction(str(sub.discount_percent or 0)) / 100
    per_month = Fraction(0)
    for item in sub.items:
        if item.created_at <= at and (item.deleted_at is None or item.deleted_at > at):
            per_month += item.price.unit_amount * item.quantity / MONTHS_PER_PERIOD[item.price.interval or ""]
    return per_month * discount / 10**exponent * _USD_PER_UNIT[account.currency]


def round_cents(value: Fraction) -> Decimal:
    """Half up to the cent (the marts' rounding: DuckDB's ``round`` on a positive decimal)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def revenue_accounts(accounts: Iterable[Account]) -> dict[str, str]:
    """billing customer id -> the account its revenue belongs to, by the contract's precedence."""
    accounts = list(accounts)
    live_crm_ids = {a.id for a in accounts if a.arrived}  # the duplicate records are deleted
    claims: dict[str, list[str]] = defaultdict(list)
    for a in accounts:
        if a.arrived and a.crm_billing_customer_id is not None:
            claims[a.crm_billing_customer_id].append(a.id)
    resolved = {}
    for a in accounts:
        if not a.arrived:
            continue
        if a.customer_crm_account_id is not None and a.customer_crm_account_id in live_crm_ids:
            resolved[a.customer_id] = a.customer_crm_account_id
        elif claims.get(a.customer_id):
            resolved[a.customer_id] = min(claims[a.customer_id])
        else:
            resolved[a.customer_id] = f"billing:{a.customer_id}"
    return resolved


class MrrLedger:
    """Every customer's exact MRR at the end of every month, attributed and rounded at the end
    (an account can receive another customer's revenue, which is only known once all arrived)."""

    def __init__(self) -> None:
        self._months: list[date] = []
        self._by_month: list[dict[str, Fraction]] = []

    def record_month(self, month: date, mrr_by_customer: dict[str, Fraction]) -> None:
        self._months.append(month)
        self._by_month.append({c: v for c, v in mrr_by_customer.items() if v})

    def account_months(self, revenue_account: dict[str, str]) -> list[dict]:
        """fct_mrr_monthly's rows: account x month from the account's first month with MRR through
        the last month (zero after churn), MRR rounded once per account and month."""
        rounded: list[dict[str, Decimal]] = []
        for by_customer in self._by_month:
            totals: dict[str, Fraction] = defaultdict(Fraction)
            for customer, value in by_customer.items():
                totals[revenue_account[customer]] += value
            rounded.append({account: round_cents(v) for account, v in totals.items()})
        first_paid: dict[str, int] = {}
        for k, month_totals in enumerate(rounded):
            for account, value in month_totals.items():
                if value > 0:
                    first_paid.setdefault(account, k)
        rows = []
        for account in sorted(first_paid):
            for k in range(first_paid[account], len(self._months)):
                mrr = rounded[k].get(account, Decimal("0.00"))
                rows.append({"account_id": account, "month": self._months[k], "mrr_usd": mrr})
        return rows
