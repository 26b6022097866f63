"""Cross-check of the revenue marts against an independent recomputation in plain Python.

Reads the shared small run (tests/conftest.py: the small simulated data set through the whole
pipeline), then recomputes account x month MRR straight from the *staging* tables (subscriptions, items, prices
and the currencies seed) by implementing docs/metrics.md literally - state at T = the latest
version with ``updated_at <= T`` (ties: latest ``loaded_at``), else the earliest; exact fractions;
one half-up rounding per account and month - and asserts equality with ``fct_mrr_monthly`` to the
cent, then the waterfall and retention built from those Python numbers.

A different code path from the SQL on purpose: it does not read valid_from/valid_to, the spine,
``unit_amount_usd`` or any intermediate revenue model. Only the customer -> account mapping
(``int_customer_accounts``) and the current segment (``int_accounts``) are reused: they are the
identity models' business, tested there.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb")

ROOT = Path(__file__).resolve().parent.parent
#: Subscription dates that record an event (counted when not after the version's updated_at).
SUBSCRIPTION_EVENT_DATES = ("created_at", "started_at", "current_period_start_at", "canceled_at", "ended_at")
INTERVAL_MONTHLY_FACTOR = {
    "month": Fraction(1),
    "year": Fraction(1, 12),
    "week": Fraction(52, 12),
    "day": Fraction(365, 12),
}
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- build


@pytest.fixture(scope="module")
def warehouse(small_run) -> Path:
    """The shared small run's warehouse (tests/conftest.py: `lifecycle run` on the small set)."""
    return small_run.warehouse


@pytest.fixture(scope="module")
def con(warehouse: Path):
    connection = duckdb.connect(str(warehouse), read_only=True)
    yield connection
    connection.close()


# --------------------------------------------------------------------------- recompute


@dataclass(frozen=True)
class Version:
    updated_at: datetime
    loaded_at: datetime
    row: dict


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _versions(rows: list[dict], key: str) -> dict[str, list[Version]]:
    out: dict[str, list[Version]] = defaultdict(list)
    for r in rows:
        out[r[key]].append(Version(r["updated_at"], r["loaded_at"], r))
    for vs in out.values():
        vs.sort(key=lambda v: (v.updated_at, v.loaded_at))
    return out


def state_at(versions: list[Version], cutoff: datetime) -> dict:
    """metrics.md: the latest version with updated_at <= T (T = the instant before cutoff),
    ties by the latest loaded_at; if no version is that old, the earliest version."""
    known = [v for v in versions if v.updated_at < cutoff]
    return (known[-1] if known else versions[0]).row


def _before(ts: datetime | None, cutoff: datetime) -> bool:
    return ts is not None and ts < cutoff


def _month_start(d: date) -> date:
    return date(d.year, d.month, 1)


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _months_between(first: date, last: date) -> list[date]:
    out, m = [], first
    while m <= last:
        out.append(m)
        m = _next_month(m)
    return out


def _round_cents(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _exact(value) -> Fraction:
    return Fraction(Decimal(str(value)))


def expected_as_of(con) -> date:
    """The latest business date (docs/metrics.md, as_of_date): subscription event dates not after
    their version's updated_at, invoice created/paid, refund created, and usage events at the
    earlier of the client and the server clock. Never loaded_at."""
    candidates = []
    for sub in _rows(con, "select * from staging.stg_billing__subscriptions"):
        for column in SUBSCRIPTION_EVENT_DATES:
            value = sub[column]
            if value is not None and (sub["updated_at"] is None or value <= sub["updated_at"]):
                candidates.append(value)
    for invoice in _rows(con, "select created_at, paid_at from staging.stg_billing__invoices"):
        candidates += [v for v in (invoice["created_at"], invoice["paid_at"]) if v is not None]
    candidates += [r["created_at"] for r in _rows(con, "select created_at from staging.stg_billing__refunds")]
    for event in _rows(con, "select event_at, received_at from staging.stg_usage__tracks"):
        times = [v for v in (event["event_at"], event["received_at"]) if v is not None]
        if times:
            candidates.append(min(times))
    return max(v for v in candidates if v is not None).date()


def recompute_mrr(con, as_of: date) -> dict[tuple[str, date], Decimal]:
    """Account x month MRR (rounded to the cent) for every month from the first subscription start
    to the as_of month, straight from staging, by metrics.md."""
    subs = _versions(_rows(con, "select * from staging.stg_billing__subscriptions"), "subscription_id")
    items = _versions(
        _rows(con, "select * from staging.stg_billing__subscription_items"), "subscription_item_id"
    )
    prices = {r["price_id"]: r for r in _rows(con, "select * from staging.stg_billing__prices")}
    rates = {r["currency"]: r for r in _rows(con, "select * from seeds.currencies")}
    accounts = {
        r["customer_id"]: r["account_id"]
        for r in _rows(con, "select customer_id, account_id from intermediate.int_customer_accounts")
    }

    def unit_usd(price: dict) -> Fraction:  # from minor units and the seed, not staging's usd column
        rate = rates[price["currency"]]
        return Fraction(int(price["unit_amount_minor"]), 10 ** int(rate["minor_unit_exponent"])) * _exact(
            rate["usd_per_unit"]
        )

    items_by_sub: dict[str, list[str]] = defaultdict(list)
    for item_id, vs in items.items():
        items_by_sub[vs[0].row["subscription_id"]].append(item_id)

    first = _month_start(min(v.row["started_at"] for vs in subs.values() for v in vs).date())
    months = _months_between(first, _month_start(as_of))
    total: dict[tuple[str, date], Fraction] = defaultdict(Fraction)
    for month in months:
        cutoff_date = as_of + timedelta(days=1) if month == _month_start(as_of) else _next_month(month)
        cutoff = datetime.combine(cutoff_date, datetime.min.time())
        for sub_id, vs in subs.items():
            s = state_at(vs, cutoff)
            running = (
                _before(s["started_at"], cutoff)
                and not (s["trial_end_at"] is not None and s["trial_end_at"] >= cutoff)
                and not _before(s["ended_at"], cutoff)
            )
            status_ok = s["status"] in ("active", "past_due") or (
                s["status"] == "canceled" and s["ended_at"] is not None and s["ended_at"] >= cutoff
            )
            account = accounts.get(s["customer_id"], f"billing:{s['customer_id']}")
            total[(account, month)] += 0  # the account has a row from its first subscription month
            if not (running and status_ok):
                continue
            discount = (
                _exact(s["discount_percent_off"]) if s["discount_percent_off"] is not None else Fraction(0)
            )
            for item_id in items_by_sub.get(sub_id, []):
                it = state_at(items[item_id], cutoff)
                if not _before(it["created_at"], cutoff) or _before(it["deleted_at"], cutoff):
                    continue
                price = prices.get(it["price_id"])
                if price is None or price["price_type"] != "recurring":
                    continue
                count = int(price["recurring_interval_count"] or 1)
                total[(account, month)] += (
                    unit_usd(price)
                    * int(it["quantity"])
                    * (1 - discount / 100)
                    * INTERVAL_MONTHLY_FACTOR[price["recurring_interval"]]
                    / count
                )
    return {key: _round_cents(value) for key, value in total.items()}


def fct_rows_from(mrr: dict[tuple[str, date], Decimal], as_of: date) -> dict[tuple[str, date], dict]:
    """fct_mrr_monthly by metrics.md: dense from the first paid month, movements against prev."""
    by_account: dict[str, dict[date, Decimal]] = defaultdict(dict)
    for (account, month), value in mrr.items():
        by_account[account][month] = value
    out = {}
    for account, series in by_account.items():
        paid = sorted(m for m, v in series.items() if v > 0)
        if not paid:
            continue
        prev, had = Decimal("0.00"), False
        for month in _months_between(paid[0], _month_start(as_of)):
            cur = series.get(month, Decimal("0.00"))
            if prev == 0 < cur:
                movement = "reactivation" if had else "new"
            elif 0 < prev < cur:
                movement = "expansion"
            elif 0 < cur < prev:
                movement = "contraction"
            elif prev > 0 == cur:
                movement = "churn"
            else:
                movement = None
            out[(account, month)] = {"mrr_usd": cur, "previous_mrr_usd": prev, "movement_type": movement}
            had, prev = had or cur > 0, cur
    return out


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def expected(con):
    as_of = expected_as_of(con)
    return as_of, fct_rows_from(recompute_mrr(con, as_of), as_of)


def test_as_of_date_defaults_to_latest_business_date(con, expected):
    as_of, _ = expected
    row = con.execute("select as_of_date, as_of_date_source from intermediate.int_as_of_date").fetchone()
    assert row == (as_of, "latest_business_date")
    latest_load = con.execute("select max(loaded_at) from staging.stg_usage__tracks").fetchone()[0]
    assert latest_load.date() > as_of, "the simulated extracts run after the last business day"


def test_fct_mrr_monthly_equals_python_recomputation_to_the_cent(con, expected):
    _, rows = expected
    actual = {
        (r["account_id"], r["month"]): {
            "mrr_usd": r["mrr_usd"],
            "previous_mrr_usd": r["previous_mrr_usd"],
            "movement_type": r["movement_type"],
        }
        for r in _rows(con, "select * from marts.fct_mrr_monthly")
    }
    assert rows, "the simulated data set produced no MRR at all"
    assert sum(1 for r in rows.values() if r["mrr_usd"] > 0) > 10
    missing, extra = rows.keys() - actual.keys(), actual.keys() - rows.keys()
    assert not missing and not extra, f"missing rows {sorted(missing)[:5]}, extra rows {sorted(extra)[:5]}"
    diffs = {k: (rows[k], actual[k]) for k in rows if rows[k] != actual[k]}
    assert not diffs, f"{len(diffs)} rows differ, e.g. {list(diffs.items())[:5]}"


def test_waterfall_equals_python_recomputation(con, expected):
    _, rows = expected
    by_month: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for (_, month), r in rows.items():
        w = by_month[month]
        w["opening_mrr_usd"] += r["previous_mrr_usd"]
        w["closing_mrr_usd"] += r["mrr_usd"]
        w["customers"] += 1 if r["mrr_usd"] > 0 else 0
        if r["movement_type"]:
            w[f"{r['movement_type']}_mrr_usd"] += r["mrr_usd"] - r["previous_mrr_usd"]
    actual = {r["month"]: r for r in _rows(con, "select * from marts.mrr_waterfall_monthly")}
    assert set(actual) == set(by_month)
    for month, w in by_month.items():
        for column in (
            "opening_mrr_usd", "new_mrr_usd", "reactivation_mrr_usd", "expansion_mrr_usd",
            "contraction_mrr_usd", "churn_mrr_usd", "closing_mrr_usd", "customers",
        ):  # fmt: skip
            assert actual[month][column] == w[column], (month, column, actual[month][column], w[column])


def test_retention_equals_python_recomputation(con, expected):
    _, rows = expected
    segment = {
        r["account_id"]: r["segment"] or "unknown"
        for r in _rows(con, "select account_id, segment from intermediate.int_accounts")
    }
    sums: dict[tuple[date, str], list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), Decimal(0), 0])
    for (account, month), r in rows.items():
        back = date(month.year - 1, month.month, 1)
        start = rows.get((account, back))
        if start is None or start["mrr_usd"] <= 0:
            continue
        for seg in ("all", segment.get(account, "unknown")):
            s = sums[(month, seg)]
            s[0] += 1
            s[1] += start["mrr_usd"]
            s[2] += r["mrr_usd"]
            s[3] += min(r["mrr_usd"], start["mrr_usd"])
            s[4] += 1 if r["mrr_usd"] > 0 else 0
    actual = {(r["month"], r["segment"]): r for r in _rows(con, "select * from marts.fct_retention_monthly")}
    assert set(actual) == set(sums)
    for key, (base, starting, ending, retained, logos) in sums.items():
        a = actual[key]
        assert (a["base_accounts"], a["starting_mrr_usd"], a["ending_mrr_usd"]) == (base, starting, ending), (
            key
        )
        assert abs(float(a["ndr"]) - float(ending / starting)) < 1e-6, key
        assert abs(float(a["grr"]) - float(retained / starting)) < 1e-6, key
        assert abs(float(a["logo_retention"]) - logos / base) < 1e-6, key
        assert (a["capped_ending_mrr_usd"], a["retained_accounts"]) == (retained, logos), key


def test_mrr_models_never_read_invoices_or_refunds(small_run):
    """MRR comes from subscription items only: no invoice, line item or refund model is a direct
    parent of a model on the MRR path (int_as_of_date reads their dates only, for the as_of default)."""
    manifest = json.loads(small_run.manifest.read_text())
    mrr_path = (
        "int_subscription_states_monthly", "int_item_mrr_monthly", "int_account_mrr_monthly",
        "fct_mrr_monthly", "mrr_waterfall_monthly", "fct_retention_monthly",
    )  # fmt: skip
    for name in mrr_path:
        parents = manifest["nodes"][f"model.lifecycle_warehouse.{name}"]["depends_on"]["nodes"]
        bad = [p for p in parents if any(w in p for w in ("invoice", "refund"))]
        assert not bad, f"{name} reads {bad}"
