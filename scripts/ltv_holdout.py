"""Holdout test of the sBG retention model on the warehouse's own history.

Every paid subscription of ``intermediate.int_ltv_subscription_periods`` is cut back to what was
known at a cutoff date (default: halfway between the earliest paid start and the as-of date):
subscriptions not yet started are dropped, those that ended by the cutoff are churned with their
renewals, the others are alive with the renewals they had made by the cutoff (renewal k falls k
periods after ``paid_start_date``, counted as ``int_ltv_subscription_periods`` counts them: whole
months // ``months_per_period`` - a month ends on the same day of a later month - or whole days
// ``days_per_period``; the script reports any subscription whose warehouse ``renewals`` this
arithmetic does not reproduce). The sBG is fitted per
segment x billing interval on those censored durations (``lifecycle.ltv.fit_sbg_durations``), and
compared with what happened after the cutoff:

- survivors: of the subscriptions alive at the cutoff, how many the model expects alive at the
  as-of date (sum of S(r_as_of) / S(r_cutoff), r_as_of being the renewals a subscription would
  have made by then had it stayed) against how many were, beside the naive benchmark of one
  constant retention rate (1 - churned / renewal decisions observed at the cutoff);
- the survival curve by period beyond the longest tenure seen at the cutoff (pure extrapolation):
  the Kaplan-Meier estimate on the full history against the cutoff fit's S(t).

Groups with too few customers or churned customers at the cutoff (``--min-customers``,
``--min-churned``, defaults as the seeds), or whose data do not identify the model, are listed
as not fitted, with the reason. The warehouse is opened read-only. Usage:

    .venv/bin/python scripts/ltv_holdout.py data/warehouse.duckdb [--cutoff 2024-06-30] [--json]
"""

from __future__ import annotations

import argparse
import calendar
import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from lifecycle.ltv import (
    FITTED,
    INSUFFICIENT_DATA,
    SbgFitError,
    SbgNotIdentifiedError,
    fit_sbg_durations,
    survival,
)

TABLE = "intermediate.int_ltv_subscription_periods"
AS_OF_TABLE = "intermediate.int_as_of_date"
#: The seeds' ltv_min_customers and ltv_min_churned.
DEFAULT_MIN_CUSTOMERS = 30
DEFAULT_MIN_CHURNED = 10


@dataclass(frozen=True)
class Subscription:
    """One paid subscription as the warehouse has it at the as-of date."""

    segment: str
    billing_interval: str
    months_per_period: int | None
    days_per_period: int | None
    paid_start_date: date
    ended_date: date | None
    is_churned: bool
    renewals: int


def whole_months(start: date, on: date) -> int:
    """Whole months from ``start`` to ``on``: a month ends on the same day of a later month, and a
    day of the month the later month lacks is not reached in it (from Jan 31: Feb 29 is not yet a
    whole month, Mar 1 is). The rule of ``int_ltv_subscription_periods``."""
    return (on.year - start.year) * 12 + on.month - start.month - (1 if on.day < start.day else 0)


def renewals_by(start: date, on: date, months_per_period: int | None, days_per_period: int | None) -> int:
    """Whole periods elapsed from ``start`` to ``on`` (0 when ``on`` is before ``start``), as
    ``int_ltv_subscription_periods`` counts renewals: whole months // months_per_period, or whole
    days // days_per_period."""
    if on < start:
        return 0
    if months_per_period is not None:
        return whole_months(start, on) // months_per_period
    if not days_per_period:
        raise ValueError("a subscription needs months_per_period or days_per_period")
    return (on - start).days // days_per_period


def renewal_date(start: date, k: int, months_per_period: int | None, days_per_period: int | None) -> date:
    """The first day on which ``renewals_by`` reaches k: the same day of the month k periods
    later, or the first of the next month when that month is too short."""
    if months_per_period is None:
        if not days_per_period:
            raise ValueError("a subscription needs months_per_period or days_per_period")
        return start + timedelta(days=k * days_per_period)
    year, month = divmod(start.year * 12 + start.month - 1 + k * months_per_period, 12)
    if start.day <= calendar.monthrange(year, month + 1)[1]:
        return date(year, month + 1, start.day)
    year, month = divmod(year * 12 + month + 1, 12)
    return date(year, month + 1, 1)


def observed_renewals(sub: Subscription, as_of: date) -> int:
    """The renewals the warehouse should hold for ``sub``: by the as-of date if live, by the day
    before it ended if churned."""
    until = sub.ended_date - timedelta(days=1) if sub.is_churned and sub.ended_date else as_of
    return renewals_by(sub.paid_start_date, until, sub.months_per_period, sub.days_per_period)


def state_at(sub: Subscription, cutoff: date) -> tuple[int, bool] | None:
    """(renewals, churned) of a subscription as known at the end of ``cutoff``; None if its paid
    life had not started. One that ended by the cutoff is churned with its final renewals; one
    alive has made the renewals that fell by then (never more than it made in the end)."""
    if sub.paid_start_date > cutoff:
        return None
    if sub.is_churned and sub.ended_date is not None and sub.ended_date <= cutoff:
        return sub.renewals, True
    made = renewals_by(sub.paid_start_date, cutoff, sub.months_per_period, sub.days_per_period)
    return min(made, sub.renewals), False


def is_alive_at(sub: Subscription, on: date) -> bool:
    return not (sub.is_churned and sub.ended_date is not None and sub.ended_date <= on)


@dataclass(frozen=True)
class CurvePoint:
    """The survival curve at period t (after t renewal decisions)."""

    period: int
    at_risk: int
    churned: int
    kaplan_meier: float
    model: float


def kaplan_meier(durations: Iterable[tuple[int, bool]]) -> list[tuple[int, int, int, float]]:
    """(t, at risk, churned, S_KM(t)) for t = 1 .. the last decision observed. Decision t (the
    renewal at the end of period t) is observed for a churned customer with renewals >= t - 1 and
    a live one with renewals >= t; the churned ones with renewals = t - 1 leave at it."""
    items = list(durations)
    if not items:
        return []
    last = max(r + 1 if gone else r for r, gone in items)
    curve = []
    s = 1.0
    for t in range(1, last + 1):
        at_risk = sum(1 for r, gone in items if (r >= t - 1 if gone else r >= t))
        events = sum(1 for r, gone in items if gone and r == t - 1)
        if at_risk == 0:
            break
        s *= 1 - events / at_risk
        curve.append((t, at_risk, events, s))
    return curve


@dataclass
class GroupHoldout:
    """The holdout result of one segment x billing interval."""

    segment: str
    billing_interval: str
    fit_status: str
    reason: str | None
    customers_at_cutoff: int
    churned_at_cutoff: int
    longest_tenure_at_cutoff: int  # most renewals any customer had made by the cutoff
    #: subscriptions whose ``renewals`` in the warehouse differ from this script's calendar arithmetic
    renewals_mismatched: int = 0
    alpha: float | None = None
    beta: float | None = None
    log_likelihood: float | None = None
    alive_at_cutoff: int = 0
    expected_survivors_at_as_of: float | None = None
    #: the same expectation from one constant churn rate (churned / renewal decisions at the cutoff)
    expected_survivors_geometric: float | None = None
    actual_survivors_at_as_of: int | None = None
    curve_beyond_cutoff: list[CurvePoint] = field(default_factory=list)

    @property
    def max_curve_gap(self) -> float | None:
        if not self.curve_beyond_cutoff:
            return None
        return max(abs(p.model - p.kaplan_meier) for p in self.curve_beyond_cutoff)


def holdout(
    subscriptions: Sequence[Subscription],
    as_of: date,
    cutoff: date,
    *,
    min_customers: int = DEFAULT_MIN_CUSTOMERS,
    min_churned: int = DEFAULT_MIN_CHURNED,
) -> list[GroupHoldout]:
    """Fit each group on the subscriptions censored at ``cutoff`` and compare with ``as_of``."""
    if not cutoff < as_of:
        raise ValueError(f"the cutoff ({cutoff}) must be before the as-of date ({as_of})")
    groups: dict[tuple[str, str], list[Subscription]] = {}
    for sub in subscriptions:
        groups.setdefault((sub.segment, sub.billing_interval), []).append(sub)
    results = []
    for (segment, interval), subs in sorted(groups.items()):
        known = [(sub, state_at(sub, cutoff)) for sub in subs]
        at_cutoff = [(sub, state) for sub, state in known if state is not None]
        durations = [state for _, state in at_cutoff]
        churned = sum(1 for _, gone in durations if gone)
        result = GroupHoldout(
            segment=segment,
            billing_interval=interval,
            fit_status=INSUFFICIENT_DATA,
            reason=None,
            customers_at_cutoff=len(durations),
            churned_at_cutoff=churned,
            longest_tenure_at_cutoff=max((r for r, _ in durations), default=0),
            renewals_mismatched=sum(1 for sub in subs if observed_renewals(sub, as_of) != sub.renewals),
        )
        results.append(result)
        if len(durations) < min_customers or churned < min_churned:
            result.reason = (
                f"{len(durations)} customers and {churned} churned at the cutoff "
                f"(at least {min_customers} and {min_churned} needed)"
            )
            continue
        try:
            fit = fit_sbg_durations([r for r, _ in durations], [gone for _, gone in durations])
        except SbgNotIdentifiedError as error:
            result.reason = str(error)
            continue
        result.fit_status = FITTED
        result.alpha, result.beta, result.log_likelihood = fit.alpha, fit.beta, fit.log_likelihood

        alive = [(sub, r) for sub, (r, gone) in at_cutoff if not gone]
        result.alive_at_cutoff = len(alive)
        expected = 0.0
        for sub, r_cutoff in alive:
            r_as_of = renewals_by(sub.paid_start_date, as_of, sub.months_per_period, sub.days_per_period)
            expected += survival(fit.alpha, fit.beta, r_as_of) / survival(fit.alpha, fit.beta, r_cutoff)
        result.expected_survivors_at_as_of = expected
        decisions = sum(r for r, _ in durations) + churned
        retention = 1 - churned / decisions
        result.expected_survivors_geometric = sum(
            retention
            ** (renewals_by(sub.paid_start_date, as_of, sub.months_per_period, sub.days_per_period) - r)
            for sub, r in alive
        )
        result.actual_survivors_at_as_of = sum(1 for sub, _ in alive if is_alive_at(sub, as_of))

        full = [(sub.renewals, sub.is_churned) for sub in subs]
        result.curve_beyond_cutoff = [
            CurvePoint(t, at_risk, events, s, survival(fit.alpha, fit.beta, t))
            for t, at_risk, events, s in kaplan_meier(full)
            if t > result.longest_tenure_at_cutoff
        ]
    return results


def load(warehouse: Path) -> tuple[list[Subscription], date]:
    """The paid subscriptions and the as-of date (``intermediate.int_as_of_date``, else the
    latest date in the table)."""
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse there")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            f"""
            select segment, billing_interval, months_per_period, days_per_period,
                paid_start_date, ended_date, is_churned, renewals
            from {TABLE}
            """
        ).fetchall()
        try:
            as_of_row = con.execute(f"select max(as_of_date) from {AS_OF_TABLE}").fetchone()
        except duckdb.CatalogException:
            as_of_row = con.execute(
                f"select max(greatest(paid_start_date, coalesce(ended_date, paid_start_date))) from {TABLE}"
            ).fetchone()
    finally:
        con.close()
    subscriptions = [
        Subscription(
            segment=str(segment),
            billing_interval=str(interval),
            months_per_period=None if months is None else int(months),
            days_per_period=None if days is None else int(days),
            paid_start_date=start,
            ended_date=ended,
            is_churned=bool(churned),
            renewals=int(renewals),
        )
        for segment, interval, months, days, start, ended, churned, renewals in rows
    ]
    if not subscriptions or as_of_row is None or as_of_row[0] is None:
        raise ValueError(f"{TABLE} is empty: nothing to test")
    return subscriptions, as_of_row[0]


def default_cutoff(subscriptions: Sequence[Subscription], as_of: date) -> date:
    """Halfway between the earliest paid start and the as-of date."""
    first = min(sub.paid_start_date for sub in subscriptions)
    return first + timedelta(days=(as_of - first).days // 2)


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_report(results: Sequence[GroupHoldout], as_of: date, cutoff: date) -> str:
    """The readable tables: one line per group, then the survival curve beyond the cutoff."""
    lines = [
        f"sBG holdout: fitted on what was known at {cutoff}, compared with {as_of}",
        "survivors at the as-of date of the subscriptions alive at the cutoff: expected by the sBG, by one",
        "constant retention rate (geometric), actual; diff = expected - actual; curve gap = the largest",
        "|model - Kaplan-Meier| survival in the periods beyond the longest tenure at the cutoff",
        "",
        f"{'segment':<14} {'interval':<10} {'status':<17} {'cust':>6} {'churn':>6} {'alpha':>7} {'beta':>7}"
        f" {'alive@cut':>9} {'expected':>9} {'geometric':>9} {'actual':>7} {'diff':>7} {'curve gap':>9}",
    ]
    for r in results:
        diff = (
            None
            if r.expected_survivors_at_as_of is None or r.actual_survivors_at_as_of is None
            else r.expected_survivors_at_as_of - r.actual_survivors_at_as_of
        )
        lines.append(
            f"{r.segment:<14} {r.billing_interval:<10} {r.fit_status:<17} {r.customers_at_cutoff:>6}"
            f" {r.churned_at_cutoff:>6} {_number(r.alpha, 3):>7} {_number(r.beta, 3):>7}"
            f" {r.alive_at_cutoff if r.fit_status == FITTED else '-':>9}"
            f" {_number(r.expected_survivors_at_as_of, 1):>9} {_number(r.expected_survivors_geometric, 1):>9}"
            f" {'-' if r.actual_survivors_at_as_of is None else r.actual_survivors_at_as_of:>7}"
            f" {_number(diff, 1):>7} {_number(r.max_curve_gap, 3):>9}"
        )
    mismatched = [r for r in results if r.renewals_mismatched]
    if mismatched:
        lines += [
            "",
            "warning: renewals in the warehouse differ from the calendar arithmetic used at the cutoff:",
        ]
        lines += [
            f"  {r.segment} / {r.billing_interval}: {r.renewals_mismatched} subscriptions" for r in mismatched
        ]
    not_fitted = [r for r in results if r.fit_status != FITTED]
    if not_fitted:
        lines += ["", "not fitted:"]
        lines += [f"  {r.segment} / {r.billing_interval}: {r.reason}" for r in not_fitted]
    for r in results:
        if r.fit_status != FITTED:
            continue
        lines += [
            "",
            f"{r.segment} / {r.billing_interval}: survival beyond the longest tenure at the cutoff "
            f"({r.longest_tenure_at_cutoff} renewals)",
        ]
        if not r.curve_beyond_cutoff:
            lines.append("  (no customer of the full history got that far)")
            continue
        lines.append(
            f"  {'period':>6} {'at risk':>8} {'churned':>8} {'Kaplan-Meier':>13} {'model':>7} {'diff':>7}"
        )
        lines += [
            f"  {p.period:>6} {p.at_risk:>8} {p.churned:>8} {p.kaplan_meier:>13.3f} {p.model:>7.3f}"
            f" {p.model - p.kaplan_meier:>+7.3f}"
            for p in r.curve_beyond_cutoff
        ]
    return "\n".join(lines)


def as_json(results: Sequence[GroupHoldout], as_of: date, cutoff: date) -> str:
    def clean(value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    groups = []
    for r in results:
        record = {k: clean(v) for k, v in asdict(r).items() if k != "curve_beyond_cutoff"}
        record["max_curve_gap"] = r.max_curve_gap
        record["curve_beyond_cutoff"] = [asdict(p) for p in r.curve_beyond_cutoff]
        groups.append(record)
    return json.dumps(
        {"as_of_date": as_of.isoformat(), "cutoff_date": cutoff.isoformat(), "groups": groups}, indent=2
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path, help="the built warehouse (LIFECYCLE_WAREHOUSE)")
    parser.add_argument(
        "--cutoff",
        type=date.fromisoformat,
        help="fit on what was known at the end of this day (default: halfway through the history)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of the tables")
    parser.add_argument("--min-customers", type=int, default=DEFAULT_MIN_CUSTOMERS)
    parser.add_argument("--min-churned", type=int, default=DEFAULT_MIN_CHURNED)
    args = parser.parse_args(argv)
    try:
        subscriptions, as_of = load(args.warehouse)
        cutoff = args.cutoff or default_cutoff(subscriptions, as_of)
        results = holdout(
            subscriptions, as_of, cutoff, min_customers=args.min_customers, min_churned=args.min_churned
        )
    except (FileNotFoundError, ValueError, SbgFitError, duckdb.Error) as exc:
        print(f"ltv_holdout: {exc}", file=sys.stderr)
        return 2
    print(as_json(results, as_of, cutoff) if args.json else format_report(results, as_of, cutoff))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
