"""lifecycle/ltv.py against the papers, at their published precision (parameters to 3 decimals,
log-likelihood to 0.1, DERL to 0.01), and the traps of public implementations: an off-by-one
between period n and renewals = n - 1, and tolerances loose enough to let a wrong model pass.

Data: Fader & Hardie (2007), "How to Project Customer Retention", survivors per 1,000 for years
0-12 of the "high end" and "regular" cohorts; the model is fitted on years 0-7 and projected on
8-12. The 2010 paper's DERL table is not available offline, so the DERL values pinned here are not
quoted from it: each was derived two independent ways (the closed form with 2F1 in
``lifecycle.ltv.derl`` and, in this file, a direct discounted sum of S(t) / S(n - 1) with S from
``scipy.special.betaln``) and the two must agree before rounding.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

import numpy as np
import pytest
from scipy.special import betaln

from lifecycle import ltv
from lifecycle.ltv import (
    DerlRow,
    ParamRow,
    SbgFit,
    SbgFitError,
    SbgNotIdentifiedError,
    derl,
    fit_groups,
    fit_sbg,
    fit_sbg_durations,
    period_discount_rate,
    retention_rate,
    survival,
)

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
#: The 2007 paper's estimates from years 0-7: (alpha, beta).
PUBLISHED = {"high_end": (0.668, 3.806), "regular": (0.704, 1.182)}


def expand(survivors: list[int]) -> tuple[list[int], list[bool]]:
    """One entry per customer: those lost between t - 1 and t made t - 1 renewals and churned;
    the last survivors are alive after len - 1 renewals."""
    renewals: list[int] = []
    churned: list[bool] = []
    for t in range(1, len(survivors)):
        lost = survivors[t - 1] - survivors[t]
        renewals += [t - 1] * lost
        churned += [True] * lost
    renewals += [len(survivors) - 1] * survivors[-1]
    churned += [False] * survivors[-1]
    return renewals, churned


def direct_log_likelihood(alpha: float, beta: float, renewals: list[int], churned: list[bool]) -> float:
    """The sBG log-likelihood written out customer by customer (independent of the module)."""
    total = 0.0
    for r, gone in zip(renewals, churned, strict=True):
        if gone:  # P(T = r + 1) = B(a + 1, b + r) / B(a, b)
            total += betaln(alpha + 1, beta + r) - betaln(alpha, beta)
        else:  # S(r) = B(a, b + r) / B(a, b)
            total += betaln(alpha, beta + r) - betaln(alpha, beta)
    return float(total)


def direct_derl(discount_rate: float, alpha: float, beta: float, renewals: int, periods: int) -> float:
    """sum_{t = n}^{n + periods - 1} S(t) / S(n - 1) / (1 + d) ** (t - n), n = renewals + 1, with
    S(t) = B(a, b + t) / B(a, b) from betaln (not the module's recursion of retention rates)."""
    n = renewals + 1
    t = np.arange(n, n + periods, dtype=float)
    ratio = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta + n - 1))
    return float(np.sum(ratio / (1 + discount_rate) ** (t - n)))


# ---------------------------------------------------------------------------------------------
# Fader & Hardie (2007): the fit on years 0-7
# ---------------------------------------------------------------------------------------------


def test_high_end_fit_reproduces_the_published_parameters_and_log_likelihood() -> None:
    fit = fit_sbg(HIGH_END[:8])
    assert (round(fit.alpha, 3), round(fit.beta, 3)) == PUBLISHED["high_end"]
    assert round(fit.log_likelihood, 1) == -1611.2
    assert fit.customers == 1000


def test_regular_fit_reproduces_the_published_parameters_and_log_likelihood() -> None:
    """The parameters are the paper's; the maximised LL is -1680.3. (A value of -2115.5 has been
    quoted for this cohort; it is not consistent with these data: at the published parameters the
    LL of years 0..k is -1680.3 for k = 7 and never -2115.5 for any k = 1..12, and the maximum found
    here reproduces the published alpha and beta to 3 decimals.)"""
    fit = fit_sbg(REGULAR[:8])
    assert (round(fit.alpha, 3), round(fit.beta, 3)) == PUBLISHED["regular"]
    assert round(fit.log_likelihood, 1) == -1680.3
    alpha, beta = PUBLISHED["regular"]
    assert round(direct_log_likelihood(alpha, beta, *expand(REGULAR[:8])), 1) == -1680.3


def test_the_fit_is_the_maximum_of_the_likelihood() -> None:
    renewals, churned = expand(HIGH_END[:8])
    fit = fit_sbg(HIGH_END[:8])
    best = direct_log_likelihood(fit.alpha, fit.beta, renewals, churned)
    assert fit.log_likelihood == pytest.approx(best, abs=1e-8)
    for da, db in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3), (1e-3, 1e-3)):
        assert direct_log_likelihood(fit.alpha + da, fit.beta + db, renewals, churned) < best


@pytest.mark.parametrize(
    ("cohort", "pinned", "measured_bound"),
    [
        # model survival in years 8-12 from the fit on 0-7 (3 decimals); the largest distance to
        # the actual share in those years: high end 0.016 (year 12: 0.378 vs 0.394), regular 0.0031
        ("high_end", [0.460, 0.436, 0.414, 0.395, 0.378], 0.017),
        ("regular", [0.220, 0.204, 0.191, 0.180, 0.170], 0.01),
    ],
)
def test_projected_survival_for_years_8_to_12_tracks_what_happened(
    cohort: str, pinned: list[float], measured_bound: float
) -> None:
    survivors = HIGH_END if cohort == "high_end" else REGULAR
    fit = fit_sbg(survivors[:8])
    projected = [survival(fit.alpha, fit.beta, t) for t in range(8, 13)]
    assert [round(s, 3) for s in projected] == pinned
    # the published parameters give the same projection to 3 decimals
    alpha, beta = PUBLISHED[cohort]
    assert [round(survival(alpha, beta, t), 3) for t in range(8, 13)] == pinned
    errors = [abs(s - survivors[t] / 1000) for s, t in zip(projected, range(8, 13), strict=True)]
    assert max(errors) <= measured_bound


def test_a_constant_retention_model_cannot_pass_the_projection_check() -> None:
    """What the tracking bound protects against: the best geometric (one churn rate) model of
    the regular cohort is far off in year 12."""
    renewals, churned = expand(REGULAR[:8])
    churn = sum(churned) / (sum(renewals) + sum(churned))
    assert abs((1 - churn) ** 12 - REGULAR[12] / 1000) > 0.1


# ---------------------------------------------------------------------------------------------
# The model's functions and the renewal-counting convention
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("alpha", "beta"), [PUBLISHED["high_end"], PUBLISHED["regular"], (2.5, 0.4)])
def test_retention_rate_is_the_ratio_of_survivals_and_the_closed_form(alpha: float, beta: float) -> None:
    assert survival(alpha, beta, 0) == 1.0
    for t in range(1, 25):
        ratio = survival(alpha, beta, t) / survival(alpha, beta, t - 1)
        assert retention_rate(alpha, beta, t) == pytest.approx(ratio, rel=1e-12)
        assert retention_rate(alpha, beta, t) == pytest.approx(
            (beta + t - 1) / (alpha + beta + t - 1), rel=1e-15
        )
    # survival is the product of the retention rates, and r_1 is the first-period retention
    assert survival(alpha, beta, 6) == pytest.approx(
        math.prod(retention_rate(alpha, beta, t) for t in range(1, 7))
    )
    assert retention_rate(alpha, beta, 1) == pytest.approx(beta / (alpha + beta))


def test_derl_of_renewals_n_minus_1_starts_with_the_renewal_at_the_end_of_period_n() -> None:
    """Off-by-one pin: a customer in period n (renewals = n - 1) first pays again with probability
    S(n) / S(n - 1) = r_n, undiscounted, so DERL(n - 1) = r_n (1 + DERL(n) / (1 + d)), and with a
    huge discount rate DERL is that first term alone."""
    alpha, beta = PUBLISHED["regular"]
    for renewals in range(8):
        n = renewals + 1
        first = survival(alpha, beta, n) / survival(alpha, beta, n - 1)
        assert first == pytest.approx(retention_rate(alpha, beta, n), rel=1e-12)
        assert derl(0.1, alpha, beta, renewals) == pytest.approx(
            first * (1 + derl(0.1, alpha, beta, n) / 1.1), rel=1e-12
        )
        assert derl(1e9, alpha, beta, renewals) == pytest.approx(first, rel=1e-8)
    # renewals = 0: the first renewal decision, r_1 = beta / (alpha + beta), not certainty
    assert derl(1e9, alpha, beta, 0) == pytest.approx(beta / (alpha + beta), rel=1e-8)


# DERL at d = 0.10 for renewals 0..6 (2 decimals): the closed form and the direct sum agree
# (checked below before rounding); not the 2010 paper's printed table, which is unavailable here.
DERL_AT_10_PERCENT = {
    "high_end": [5.41, 5.90, 6.29, 6.62, 6.90, 7.14, 7.35],
    "regular": [2.96, 4.10, 4.87, 5.44, 5.89, 6.26, 6.58],
}


@pytest.mark.parametrize("cohort", ["high_end", "regular"])
def test_derl_at_10_percent_for_renewals_0_to_6(cohort: str) -> None:
    alpha, beta = PUBLISHED[cohort]
    values = [derl(0.10, alpha, beta, renewals) for renewals in range(7)]
    # two independent derivations: 1.1 ** -600 < 1e-24, so the truncated sum is exact here
    for renewals, value in enumerate(values):
        assert value == pytest.approx(direct_derl(0.10, alpha, beta, renewals, periods=600), rel=1e-10)
    assert [round(v, 2) for v in values] == DERL_AT_10_PERCENT[cohort]


@pytest.mark.parametrize(
    ("months", "days"),
    [(1, None), (3, None), (None, 7)],
    ids=["monthly", "quarterly", "weekly"],
)
@pytest.mark.parametrize(
    ("alpha", "beta", "renewals"),
    [
        (0.668, 3.806, 0),
        (0.704, 1.182, 24),
        (1.0, 0.05, 0),  # c - a - b = 0: scipy's hyp2f1 is wrong (negative) here at weekly rates
        (30.0, 80.0, 60),  # scipy's hyp2f1 returns NaN here at monthly and weekly rates
        (0.05, 0.05, 5),
        (5.0, 20.0, 200),
    ],
)
def test_derl_at_monthly_quarterly_and_weekly_rates_equals_the_direct_sum(
    months: int | None, days: int | None, alpha: float, beta: float, renewals: int
) -> None:
    rate = period_discount_rate(0.10, months, days)
    periods = int(40 / rate)  # (1 + d) ** -periods < e ** -39: the rest of the sum is negligible
    assert derl(rate, alpha, beta, renewals) == pytest.approx(
        direct_derl(rate, alpha, beta, renewals, periods), rel=1e-9
    )


def test_derl_refuses_a_discount_rate_for_which_the_series_diverges() -> None:
    for bad in (0.0, -0.05, math.inf, math.nan):
        with pytest.raises(ValueError, match="discount rate per period must be positive"):
            derl(bad, 0.7, 1.2, 3)
    with pytest.raises(ArithmeticError, match="did not converge within"):
        derl(1e-9, 0.7, 1.2, 0)


def test_model_functions_refuse_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="alpha and beta must be positive"):
        survival(0.0, 1.0, 3)
    with pytest.raises(ValueError, match="alpha and beta must be positive"):
        derl(0.1, 1.0, -2.0, 3)
    with pytest.raises(ValueError, match="t must be a whole number >= 1"):
        retention_rate(0.7, 1.2, 0)
    with pytest.raises(ValueError, match="t must be a whole number >= 0"):
        survival(0.7, 1.2, -1)
    with pytest.raises(ValueError, match="renewals must be a whole number >= 0"):
        derl(0.1, 0.7, 1.2, 1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("months", "days", "expected"),
    [
        (1, None, 1.1 ** (1 / 12) - 1),  # monthly: 0.797 %
        (3, None, 1.1**0.25 - 1),  # quarterly: 2.411 %
        (12, None, 0.1),  # annual
        (None, 7, 1.1 ** (7 / 365.25) - 1),  # weekly: 0.183 %
    ],
    ids=["monthly", "quarterly", "annual", "weekly"],
)
def test_period_discount_rate(months: int | None, days: int | None, expected: float) -> None:
    assert period_discount_rate(0.10, months, days) == pytest.approx(expected, rel=1e-14)


def test_period_discount_rate_needs_exactly_one_period_length() -> None:
    with pytest.raises(ValueError, match="exactly one of months_per_period and days_per_period"):
        period_discount_rate(0.1, None, None)
    with pytest.raises(ValueError, match="exactly one of months_per_period and days_per_period"):
        period_discount_rate(0.1, 1, 7)
    with pytest.raises(ValueError, match="months_per_period must be a whole number >= 1"):
        period_discount_rate(0.1, 0, None)


# ---------------------------------------------------------------------------------------------
# Individual censored durations
# ---------------------------------------------------------------------------------------------


def test_durations_fit_equals_the_survivor_fit_on_the_same_customers() -> None:
    renewals, churned = expand(HIGH_END[:8])
    assert len(renewals) == 1000 and sum(churned) == 509
    by_customer = fit_sbg_durations(renewals, churned)
    by_cohort = fit_sbg(HIGH_END[:8])
    assert by_customer.alpha == pytest.approx(by_cohort.alpha, rel=1e-7)
    assert by_customer.beta == pytest.approx(by_cohort.beta, rel=1e-7)
    assert by_customer.log_likelihood == pytest.approx(by_cohort.log_likelihood, abs=1e-8)
    assert by_customer.customers == 1000


def test_durations_fit_of_cohorts_censored_at_different_ages() -> None:
    """Five cohorts of 1,000 that follow the regular curve, observed for 7, 6, 5, 4 and 3 years
    (the youngest customers censored earliest): the fit projects years 8-12 within 0.01 of the
    curve (measured: at most 0.0081), and is the maximum of the likelihood of exactly these data."""
    renewals: list[int] = []
    churned: list[bool] = []
    for age in (7, 6, 5, 4, 3):
        r, c = expand(REGULAR[: age + 1])
        renewals += r
        churned += c
    fit = fit_sbg_durations(renewals, churned)
    assert (round(fit.alpha, 3), round(fit.beta, 3)) == (0.732, 1.234)
    assert fit.customers == 5000
    best = direct_log_likelihood(fit.alpha, fit.beta, renewals, churned)
    assert fit.log_likelihood == pytest.approx(best, abs=1e-7)
    assert round(best, 1) == -7448.5
    # the paper's single-cohort parameters are worse on these data
    assert direct_log_likelihood(*PUBLISHED["regular"], renewals, churned) < best
    for t in range(8, 13):
        assert abs(survival(fit.alpha, fit.beta, t) - REGULAR[t] / 1000) <= 0.01


def test_the_analytic_gradient_matches_finite_differences() -> None:
    renewals, churned = expand(REGULAR[:6])
    obs = ltv._Observations.of(
        ltv.Counter(r + 1 for r, c in zip(renewals, churned, strict=True) if c),
        ltv.Counter(r for r, c in zip(renewals, churned, strict=True) if not c),
    )
    x = np.array([math.log(0.9), math.log(1.7)])
    _, grad = ltv._log_likelihood(x, obs)
    h = 1e-6
    for i in range(2):
        dx = np.zeros(2)
        dx[i] = h
        numeric = (ltv._log_likelihood(x + dx, obs)[0] - ltv._log_likelihood(x - dx, obs)[0]) / (2 * h)
        assert grad[i] == pytest.approx(numeric, rel=1e-6)


# ---------------------------------------------------------------------------------------------
# Error paths: never a default
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([], "empty cohort"),
        ([0, 0, 0], "empty cohort"),
        ([100, 90, 95, 80], "survivors increase from 90 to 95 at period 2"),
        ([100, 90, -5], r"survivors\[2\] = -5: survivor counts must be whole numbers >= 0"),
        ([100, 90, 80.5], r"survivors\[2\] = 80.5"),
        ([100, 100, 100, 100], "no churn at all among 100 customers"),
        ([100, 60], "only the first renewal decision is observed"),
        ([100], "no churn at all"),
    ],
)
def test_fit_sbg_refuses_bad_or_uninformative_survivors(survivors: list, message: str) -> None:
    with pytest.raises(SbgFitError, match=message):
        fit_sbg(survivors)


def test_no_heterogeneity_has_no_finite_maximum() -> None:
    """A cohort that loses exactly 20 % every period (a constant retention rate): the likelihood
    rises towards alpha, beta -> infinity. The fit says so instead of returning the boundary."""
    survivors = [100_000]
    for _ in range(8):
        survivors.append(round(survivors[-1] * 0.8))
    with pytest.raises(SbgNotIdentifiedError, match="no heterogeneity"):
        fit_sbg(survivors)
    # retention falling with tenure (the opposite of what the sBG can describe): same answer
    with pytest.raises(SbgNotIdentifiedError, match="search boundary"):
        fit_sbg([1000, 900, 800, 650, 500])


def test_a_share_that_leaves_at_once_and_a_rest_that_stays_has_no_finite_maximum() -> None:
    with pytest.raises(SbgNotIdentifiedError, match=r"leaves at once .* \(alpha, beta -> 0\)"):
        fit_sbg([1000, 700, 700, 700, 700, 700])


@pytest.mark.parametrize(
    ("renewals", "churned", "message"),
    [
        ([], [], "empty cohort"),
        ([1, 2], [True], r"renewals \(2\) and churned \(1\) differ in length"),
        ([1, -1], [True, False], r"renewals\[1\] = -1"),
        ([1, 2.5], [True, False], r"renewals\[1\] = 2.5"),
        ([1, 2], [True, "yes"], r"churned\[1\] = 'yes': churned must be True or False"),
        ([3, 4, 5], [False, False, False], "no churn at all among 3 customers"),
        ([0, 0, 1, 1], [True, True, False, False], "only the first renewal decision is observed"),
    ],
)
def test_fit_sbg_durations_refuses_bad_or_uninformative_customers(
    renewals: list, churned: list, message: str
) -> None:
    with pytest.raises(SbgFitError, match=message):
        fit_sbg_durations(renewals, churned)


def test_an_optimiser_that_stops_early_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_minimize = ltv.minimize

    def one_iteration(*args, **kwargs):
        kwargs["options"] = {**kwargs["options"], "maxiter": 1}
        return real_minimize(*args, **kwargs)

    monkeypatch.setattr(ltv, "minimize", one_iteration)
    with pytest.raises(SbgFitError, match="the optimiser did not converge") as raised:
        fit_sbg(HIGH_END[:8])
    assert not isinstance(raised.value, SbgNotIdentifiedError)


# ---------------------------------------------------------------------------------------------
# fit_groups: one fit per segment x billing interval
# ---------------------------------------------------------------------------------------------


def group_rows(
    segment: str, interval: str, months: int | None, days: int | None, survivors: list[int]
) -> list[tuple[str, str, int | None, int | None, int, bool]]:
    renewals, churned = expand(survivors)
    return [(segment, interval, months, days, r, c) for r, c in zip(renewals, churned, strict=True)]


def test_fit_groups_fits_large_groups_and_flags_small_ones(caplog: pytest.LogCaptureFixture) -> None:
    rows = (
        group_rows("enterprise", "annual", 12, None, HIGH_END[:8])
        + group_rows("smb", "monthly", 1, None, REGULAR[:8])
        + group_rows("smb", "weekly", None, 7, [200, 150, 120, 100, 90])
        + group_rows("mid_market", "quarterly", 3, None, [25, 20, 17, 15])  # 25 customers < 30
        + group_rows("mid_market", "monthly", 1, None, [40, 38, 36, 35])  # 5 churned < 10
        + group_rows("smb", "6 months", 6, None, [1000, 800, 640, 512, 409])  # no heterogeneity
    )
    with caplog.at_level(logging.WARNING, logger="lifecycle.ltv"):
        params, derls = fit_groups(rows, min_customers=30, min_churned=10, annual_discount_rate=0.10)

    by_group = {(p.segment, p.billing_interval): p for p in params}
    assert list(by_group) == sorted(by_group)  # sorted by segment, interval
    assert set(by_group) == {
        ("enterprise", "annual"),
        ("mid_market", "monthly"),
        ("mid_market", "quarterly"),
        ("smb", "6 months"),
        ("smb", "monthly"),
        ("smb", "weekly"),
    }

    high_end = by_group[("enterprise", "annual")]
    assert high_end.fit_status == "fitted"
    assert (round(high_end.alpha, 3), round(high_end.beta, 3)) == PUBLISHED["high_end"]
    assert round(high_end.log_likelihood, 1) == -1611.2
    assert (high_end.customers, high_end.churned_customers) == (1000, 509)
    renewals, _ = expand(HIGH_END[:8])
    assert high_end.renewals_observed == sum(renewals)
    assert high_end.discount_rate_per_period == pytest.approx(0.10)
    assert by_group[("smb", "monthly")].discount_rate_per_period == pytest.approx(1.1 ** (1 / 12) - 1)
    assert by_group[("smb", "weekly")].discount_rate_per_period == pytest.approx(1.1 ** (7 / 365.25) - 1)
    assert by_group[("mid_market", "quarterly")].discount_rate_per_period == pytest.approx(1.1**0.25 - 1)
    assert by_group[("smb", "weekly")].fit_status == "fitted"

    for key in (("mid_market", "quarterly"), ("mid_market", "monthly"), ("smb", "6 months")):
        row = by_group[key]
        assert row.fit_status == "insufficient_data"
        assert (row.alpha, row.beta, row.log_likelihood) == (None, None, None)
    assert by_group[("mid_market", "quarterly")].customers == 25
    assert by_group[("mid_market", "monthly")].churned_customers == 5
    assert "smb / 6 months: insufficient data" in caplog.text and "no heterogeneity" in caplog.text
    assert (
        by_group[("mid_market", "quarterly")].fit_message
        == "25 subscriptions, fewer than ltv_min_customers (30)"
    )
    assert by_group[("mid_market", "monthly")].fit_message == "5 churned, fewer than ltv_min_churned (10)"
    assert "no heterogeneity" in (by_group[("smb", "6 months")].fit_message or "")
    assert high_end.fit_message is None

    # DERL rows: fitted groups only, renewals 0 .. the most renewals seen (7 and 4), at the group's rate
    derl_groups = {(d.segment, d.billing_interval) for d in derls}
    assert derl_groups == {("enterprise", "annual"), ("smb", "monthly"), ("smb", "weekly")}
    annual = [d for d in derls if d.billing_interval == "annual"]
    assert [d.renewals for d in annual] == list(range(8))
    assert annual[0] == DerlRow("enterprise", "annual", 0, derl(0.10, high_end.alpha, high_end.beta, 0))
    assert round(annual[0].derl, 2) == DERL_AT_10_PERCENT["high_end"][0]
    assert [d.renewals for d in derls if d.billing_interval == "weekly"] == list(range(5))
    monthly = by_group[("smb", "monthly")]
    assert [d.derl for d in derls if d.billing_interval == "monthly"] == [
        derl(monthly.discount_rate_per_period, monthly.alpha, monthly.beta, n) for n in range(8)
    ]


def test_fit_groups_rows_have_exactly_the_warehouse_columns() -> None:
    assert list(ParamRow.__dataclass_fields__) == [
        "segment",
        "billing_interval",
        "fit_status",
        "alpha",
        "beta",
        "log_likelihood",
        "customers",
        "churned_customers",
        "renewals_observed",
        "discount_rate_per_period",
        "fit_message",
    ]
    assert list(DerlRow.__dataclass_fields__) == ["segment", "billing_interval", "renewals", "derl"]
    assert list(SbgFit.__dataclass_fields__) == ["alpha", "beta", "log_likelihood", "customers"]


def test_fit_groups_takes_nulls_as_a_dataframe_gives_them() -> None:
    """months_per_period of a weekly row arrives as NaN from pandas, as None from duckdb."""
    rows = [
        (s, i, float("nan") if m is None else float(m), d, r, c)
        for s, i, m, d, r, c in group_rows("smb", "weekly", None, 7, [200, 150, 120, 100, 90])
    ]
    params, _ = fit_groups(rows, min_customers=30, min_churned=10, annual_discount_rate=0.10)
    assert params[0].fit_status == "fitted"
    assert params[0].discount_rate_per_period == pytest.approx(1.1 ** (7 / 365.25) - 1)


def test_fit_groups_refuses_two_period_lengths_in_one_group() -> None:
    rows = [("smb", "monthly", 1, None, 3, True), ("smb", "monthly", 3, None, 2, False)]
    with pytest.raises(ValueError, match="smb / monthly: the period length differs within the group"):
        fit_groups(rows, min_customers=1, min_churned=1, annual_discount_rate=0.1)


def test_fit_groups_names_the_group_whose_fit_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(renewals, churned):
        raise SbgFitError("the optimiser did not converge: test")

    monkeypatch.setattr(ltv, "fit_sbg_durations", failing)
    with pytest.raises(SbgFitError, match="enterprise / annual: the optimiser did not converge"):
        fit_groups(
            group_rows("enterprise", "annual", 12, None, HIGH_END[:8]),
            min_customers=30,
            min_churned=10,
            annual_discount_rate=0.1,
        )


def test_the_constant_rate_limit_is_the_geometric_likelihood() -> None:
    """100 customers: 20 leave after period 1, 16 after period 2, 64 are alive at age 2. The best
    constant rate is 36 churned / 180 periods at risk = 0.2, and the log-likelihood is
    36 ln 0.2 + (16 + 2 x 64) ln 0.8 (20 x 0.2, 16 x 0.8 x 0.2, 64 x 0.8^2)."""
    obs = ltv._Observations.of(Counter({1: 20, 2: 16}), Counter({2: 64}))
    expected = 36 * math.log(0.2) + 144 * math.log(0.8)
    assert ltv._constant_rate_log_likelihood(obs) == pytest.approx(expected, rel=1e-12)
    # the sBG approaches it as alpha, beta -> infinity at alpha / (alpha + beta) = 0.2
    near_limit, _ = ltv._log_likelihood(np.log([2e5, 8e5]), obs)
    assert near_limit == pytest.approx(expected, rel=1e-6)
