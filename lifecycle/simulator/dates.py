"""Calendar arithmetic in UTC: months, billing periods, batch days, contract timestamps."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta


def utc(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)


def month_start(d: date) -> datetime:
    return utc(d.year, d.month, 1)


def next_month(dt: datetime) -> datetime:
    return utc(dt.year + dt.month // 12, dt.month % 12 + 1, 1)


def add_months(anchor: datetime, n: int) -> datetime:
    """``anchor`` + n months, day clamped to the month's length (Stripe's billing anchor rule)."""
    total = anchor.year * 12 + anchor.month - 1 + n
    y, m = divmod(total, 12)
    d = min(anchor.day, calendar.monthrange(y, m + 1)[1])
    return anchor.replace(year=y, month=m + 1, day=d)


def period_end(anchor: datetime, interval_months: int | None, index: int) -> datetime:
    """End of billing period ``index`` (0-based) for a subscription anchored at ``anchor``."""
    if interval_months is None:  # weekly
        return anchor + timedelta(days=7 * (index + 1))
    return add_months(anchor, interval_months * (index + 1))


def iso(dt: datetime | None) -> str | None:
    """A contract timestamp at whole seconds: ``YYYY-MM-DDTHH:MM:SSZ``."""
    if dt is None:
        return None
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def batch_date(at: datetime, cadence: str) -> date:
    """The day a batch holding a row known at ``at`` is written: the day after its period ends.

    Periods never straddle a month, so a month's rows are complete once the month is simulated.
    """
    d = at.date()
    if cadence == "day":
        end = d
    elif cadence == "week":
        last = calendar.monthrange(d.year, d.month)[1]
        end = d.replace(day=min(last, ((d.day - 1) // 7 + 1) * 7)) if d.day <= 21 else d.replace(day=last)
    elif cadence == "month":
        end = d.replace(day=calendar.monthrange(d.year, d.month)[1])
    else:
        raise ValueError(f"unknown cadence {cadence!r}")
    return end + timedelta(days=1)
