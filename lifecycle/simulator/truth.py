"""Ground truth for tests and for judging the warehouse (the warehouse never reads it).

``<truth_dir>/``
- ``account_months.parquet``: one row per account per month since arrival: latent engagement,
  relationship, seats, users, the account's own MRR at the month's last instant, flags.
- ``account_mrr_monthly.parquet``: MRR by the contract's rules, the grain of
  ``marts.fct_mrr_monthly``: one row per revenue account (a billing customer's revenue goes to
  the account the contract resolves it to) per month, from its first month with MRR through the
  last month, exact arithmetic rounded half up to the cent per account and month.
- ``accounts.csv``: one row per account: true ids and identity links, the account its revenue is
  attributed to, segment, arrival, first value, churn and reactivation counts, MRR at the end.
- ``churn_events.csv``: every ended subscription: account, subscription, when, kind
  (``voluntary``, ``involuntary``, ``trial_not_converted``, ``incomplete_expired``).
- ``faults.csv``: every injected contract violation (empty with ``faults = 0``).
- ``manifest.json``: parameters and counts.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import engagement as eng
from .config import PLANS
from .revenue import mrr_at, round_cents
from .state import Account
from .writer import PARQUET_OPTS, text

MONEY = pa.decimal128(18, 2)
MONTH_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("month", pa.date32()),
        ("segment", pa.string()),
        ("plan", pa.string()),
        ("billing_interval", pa.string()),
        ("status", pa.string()),
        ("seats", pa.int64()),
        ("users", pa.int64()),
        ("engagement", pa.float64()),
        ("boost", pa.float64()),
        ("champion_present", pa.bool_()),
        ("engaged_contacts", pa.int64()),
        ("churn_probability", pa.float64()),
        ("mrr_usd", MONEY),
        ("first_value_reached", pa.bool_()),
        ("delinquent", pa.bool_()),
        ("services", pa.bool_()),
        ("churned", pa.bool_()),
        ("reactivated", pa.bool_()),
        ("champion_left", pa.bool_()),
    ]
)
MRR_SCHEMA = pa.schema([("account_id", pa.string()), ("month", pa.date32()), ("mrr_usd", MONEY)])
FAULT_COLUMNS = ["source", "table", "batch_file", "row_number", "key", "rule", "column", "value"]
CHURN_COLUMNS = ["account_id", "subscription_id", "ended_at", "kind", "had_mrr", "segment"]


def account_month_row(account: Account, month: date, month_end: datetime) -> dict:
    """The account's latent and observable state at the month's last instant."""
    sub = account.subscription
    last_instant = month_end - timedelta(microseconds=1)
    return {
        "account_id": account.id,
        "month": month,
        "segment": account.segment,
        "plan": PLANS[account.plan_tier][0],
        "billing_interval": account.billing_interval,
        "status": sub.status if sub else None,
        "seats": account.seats,
        "users": len(account.users),
        "engagement": round(account.engagement, 6),
        "boost": round(account.boost, 6),
        "champion_present": account.champion() is not None,
        "engaged_contacts": account.engaged_contact_count(),
        "churn_probability": round(
            eng.monthly_churn_probability(account, last_instant, account.age_months), 6
        ),
        "mrr_usd": round_cents(mrr_at(account, last_instant)),
        "first_value_reached": account.first_value_at is not None,
        "delinquent": account.delinquent,
        "services": account.services,
        "churned": bool(account.month_flags.get("churned")),
        "reactivated": bool(account.month_flags.get("reactivated")),
        "champion_left": bool(account.month_flags.get("champion_left")),
    }


def account_row(account: Account, at_end: datetime, revenue_account_id: str) -> dict:
    """One account's true identity, links as landed, traits and outcomes."""
    return {
        "account_id": account.id,
        "customer_id": account.customer_id,
        "workspace_id": account.workspace_id,
        "segment": account.segment,
        "employee_count": account.employees,
        "country": account.country,
        "currency": account.currency,
        "arrival": account.arrival,
        "plan": PLANS[account.plan_tier][0],
        "billing_interval": account.billing_interval,
        "latent_fit": round(account.fit, 6),
        "never_reaches_value": account.never_reaches_value,
        "first_value_at": account.first_value_at,
        "services": account.services,
        "had_mrr": account.had_mrr,
        "churn_count": sum(1 for _t, kind in account.churn_log if kind in ("voluntary", "involuntary")),
        "last_churn_at": account.churn_log[-1][0] if account.churn_log else None,
        "reactivations": account.reactivations,
        "champion_left_at": account.champion_left_at,
        "mrr_usd_end": round_cents(mrr_at(account, at_end)),
        "customer_crm_account_id": account.customer_crm_account_id,
        "crm_billing_customer_id": account.crm_billing_customer_id,
        "workspace_crm_account_id": account.workspace_crm_account_id,
        "crm_workspace_id": account.crm_workspace_id,
        "revenue_account_id": revenue_account_id,
    }


class TruthWriter:
    def __init__(self, truth_dir: Path) -> None:
        self.dir = truth_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self._months = pq.ParquetWriter(self.dir / "account_months.parquet", MONTH_SCHEMA, **PARQUET_OPTS)

    def month(self, rows: list[dict]) -> None:
        if rows:
            self._months.write_table(pa.Table.from_pylist(rows, schema=MONTH_SCHEMA))

    def close(self) -> None:
        self._months.close()

    def account_mrr(self, rows: list[dict]) -> None:
        pq.write_table(
            pa.Table.from_pylist(rows, schema=MRR_SCHEMA),
            self.dir / "account_mrr_monthly.parquet",
            **PARQUET_OPTS,
        )

    def csv(self, name: str, rows: list[dict], columns: list[str]) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([text(r.get(c)) for c in columns])
        (self.dir / name).write_text(buf.getvalue(), encoding="utf-8")

    def json(self, name: str, obj: dict) -> None:
        (self.dir / name).write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
