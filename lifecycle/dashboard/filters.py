"""The sidebar: the snapshot it shows, and the segment and month filters the pages apply.

A filter becomes SQL through :meth:`Filters.segment_sql` / :meth:`Filters.period_sql`: a fragment
of constants and ``?`` placeholders plus its parameters, so user input never enters SQL text.
A month range that reaches the first or last month is open on that side (nothing is cut off by
default, e.g. a trial that landed before the first MRR month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from lifecycle.dashboard import data, format

#: Marts whose segment column gives the segment options (the first one present is used).
SEGMENT_SOURCES = ("dim_accounts", "fct_retention_monthly", "csm_worklist")
#: (mart, date column): the first month the month slider offers is the earliest of these.
MONTH_SOURCES = (
    ("mrr_waterfall_monthly", "month"),
    ("fct_account_onboarding", "land_date"),
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def month_range(first: date, last: date) -> list[date]:
    """Month starts from ``first``'s month to ``last``'s month, both included."""
    months, m = [], month_start(first)
    while m <= last:
        months.append(m)
        m = next_month(m)
    return months


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects: segments (empty: all) and a month range (None: open)."""

    segments: tuple[str, ...] = ()
    first_month: date | None = None
    last_month: date | None = None
    earliest_month: date | None = None  # the first month offered
    latest_month: date | None = None  # the last month offered (the snapshot's month)
    as_of_date: date | None = None  # the snapshot's as-of date

    def month_ends(self) -> list[date]:
        """The last day of every month in the range, the as-of date for its own month."""
        ends = [next_month(m) - timedelta(days=1) for m in self.months]
        return [min(d, self.as_of_date) if self.as_of_date else d for d in ends]

    @property
    def months(self) -> list[date]:
        """Every month in the range (empty when the serving DB offers none)."""
        start, end = self.first_month or self.earliest_month, self.end_month
        return month_range(start, end) if start and end else []

    @property
    def end_month(self) -> date | None:
        """The last month in the range, open or not (the month whose figures tiles show)."""
        return self.last_month or self.latest_month

    def segment_sql(self, column: str) -> tuple[str, list[Any]]:
        """``column`` is one of the selected segments (``true`` when all are)."""
        if not self.segments:
            return "true", []
        return f"list_contains(?, {column})", [list(self.segments)]

    def period_sql(self, column: str) -> tuple[str, list[Any]]:
        """``column`` (a date) falls within the selected months."""
        parts, params = [], []
        if self.first_month is not None:
            parts.append(f"{column} >= ?")
            params.append(self.first_month)
        if self.last_month is not None:
            parts.append(f"{column} < ?")
            params.append(next_month(self.last_month))
        return (" and ".join(parts) or "true"), params

    def describe(self, *, dates: bool = True) -> str:
        segments = ", ".join(self.segments) if self.segments else "all segments"
        if not dates:
            return f"Segments: {segments}."
        start = self.first_month or self.earliest_month
        first = month_label(start) if start else "the first month"
        last = month_label(self.end_month) if self.end_month else "the latest"
        return f"Segments: {segments}; months: {first} to {last}."


def _segments() -> list[str]:
    for mart in SEGMENT_SOURCES:
        if not data.missing_marts([mart]):
            frame = data.query(
                f"select distinct segment from marts.{mart} where segment is not null and segment <> 'all' "
                "order by segment"
            )
            return list(frame["segment"])
    return []


def _months(as_of: date | None) -> list[date]:
    firsts, lasts = [], []
    for mart, column in MONTH_SOURCES:
        if not data.missing_marts([mart]):
            frame = data.query(f"select min({column}) as lo, max({column}) as hi from marts.{mart}")
            lo, hi = frame.iat[0, 0], frame.iat[0, 1]
            if pd.notna(lo):
                firsts.append(pd.Timestamp(lo).date())
                lasts.append(pd.Timestamp(hi).date())
    if not firsts:
        return []
    return month_range(min(firsts), as_of or max(lasts))


def sidebar() -> Filters:
    """Render the sidebar (snapshot, filters) and return what it selects."""
    info = data.snapshot_info()
    with st.sidebar:
        if info.as_of_date or info.published_at_utc:
            as_of = info.as_of_date.isoformat() if info.as_of_date else format.MISSING
            published = (
                info.published_at_utc.strftime("%Y-%m-%d %H:%M UTC") if info.published_at_utc else "unknown"
            )
            st.caption(f"Data as of **{as_of}** · published {published}")
        else:
            st.caption("This serving DB has no `_publish.snapshot` row: as-of date unknown.")
        segments = st.multiselect("Segment", _segments(), key="filter_segments", placeholder="All segments")
        months = _months(info.as_of_date)
        first = last = None
        if len(months) > 1:
            first, last = st.select_slider(
                "Months",
                options=months,
                value=(months[0], months[-1]),
                format_func=month_label,
                key="filter_months",
            )
        return Filters(
            segments=tuple(segments),
            first_month=first if months and first != months[0] else None,
            last_month=last if months and last != months[-1] else None,
            earliest_month=months[0] if months else None,
            latest_month=months[-1] if months else None,
            as_of_date=info.as_of_date,
        )


def current() -> Filters:
    """The filters the sidebar selected in this run (app.py renders it before the page)."""
    value = st.session_state.get("filters")
    return value if isinstance(value, Filters) else Filters()
