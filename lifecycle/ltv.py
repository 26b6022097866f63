"""Predictive lifetime value: the shifted-beta-geometric (sBG) model and its residual lifetime.

The sBG model (Fader & Hardie, "How to Project Customer Retention", Journal of Interactive
Marketing 21(1), 2007) describes a contractual business with discrete renewal periods: each
customer has a constant probability ``theta`` of leaving at the end of every period, and
``theta`` varies across customers as a beta(``alpha``, ``beta``) distribution. For the period
``T`` in which a customer leaves (``T = 1`` leaves at the end of the first period, before any
renewal), with B the beta function::

    P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)      t = 1, 2, ...
    S(t)     = P(T > t) = B(alpha, beta + t) / B(alpha, beta)    S(0) = 1
    r_t      = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)

``S(t)`` is the share of a cohort that has renewed ``t`` times; the retention rate ``r_t``
rises with ``t`` because the customers most likely to leave leave first.

Counting convention (the off-by-one trap of public implementations): a customer in its n-th
period has made ``renewals = n - 1`` renewals. Everywhere in this module a customer is
described by ``renewals`` (whole renewals made) and whether it has churned; a churned customer
left at the end of period ``renewals + 1`` (``P(T = renewals + 1)``), a live one is
right-censored after ``renewals`` renewals (``S(renewals)``).

The discounted expected residual lifetime (Fader & Hardie, "Customer-Base Valuation in a
Contractual Setting: The Perils of Ignoring Heterogeneity", Marketing Science 29(1), 2010) of a
customer evaluated just before its n-th renewal decision, i.e. in period n having made
``renewals = n - 1`` renewals, is the discounted number of further payments it makes, the next
one (at that decision) undiscounted::

    DERL(d | alpha, beta, n - 1) = sum_{t >= n} S(t) / S(n - 1) / (1 + d) ** (t - n)
                                 = (beta + n - 1) / (alpha + beta + n - 1)
                                   * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))

Its first term is ``S(n) / S(n - 1)`` = ``r_n``, the chance of renewing at that decision.
Expected residual value = payment per period x DERL.

DERL is evaluated with ``scipy.special.hyp2f1`` and checked against the defining sum (see
:func:`derl`). Fitting is maximum likelihood on right-censored renewal counts with
``scipy.optimize.minimize`` (L-BFGS-B on ``log alpha``, ``log beta`` with the analytic
gradient, from several starting points), and the log-likelihood uses ``scipy.special.betaln``.
A fit that does not converge, or data that cannot determine the two parameters, raise
:class:`SbgFitError` with the reason; nothing here returns a default.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1

log = logging.getLogger(__name__)

#: ``fit_status`` of a group that was fitted / of one with too little data to fit.
FITTED = "fitted"
INSUFFICIENT_DATA = "insufficient_data"

#: The optimiser searches ``log alpha`` and ``log beta`` in [-LOG_BOUND, LOG_BOUND], i.e. alpha and
#: beta in [1e-6, 1e6]. A maximum on that boundary is not a maximum of the model: the likelihood
#: keeps increasing outside (for instance alpha, beta -> infinity when the data show no
#: heterogeneity), so the fit reports it instead of returning the boundary value.
LOG_BOUND = math.log(1e6)
#: Starting points (log alpha, log beta): the centre, and the four corners of the plausible range.
_STARTS = ((0.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (-2.0, -2.0), (2.0, 3.0))
#: At the optimum, the largest derivative of the *mean* log-likelihood per customer with respect to
#: log alpha or log beta must be below this (the optimiser's own stop rule is checked again).
_GRADIENT_TOLERANCE = 1e-6
#: A fit must beat the constant-rate limit by more than this per customer (in log-likelihood) to be a
#: maximum of the sBG rather than of its limit (betaln near the limit is accurate to about 1e-9).
_LIMIT_TOLERANCE = 1e-7


class SbgFitError(RuntimeError):
    """The sBG model cannot be fitted to these data; the message says which check failed and why."""


class SbgNotIdentifiedError(SbgFitError):
    """Valid data that do not determine alpha and beta (no churn at all, only the first renewal
    decision observed, or no heterogeneity: the likelihood has no finite maximum). A group with
    such data has too little information to fit, unlike an optimiser failure."""


@dataclass(frozen=True)
class SbgFit:
    """A maximum-likelihood sBG fit: the beta distribution's parameters, the maximised
    log-likelihood (natural log, the papers' ``LL``) and the number of customers fitted."""

    alpha: float
    beta: float
    log_likelihood: float
    customers: int


@dataclass(frozen=True)
class ParamRow:
    """One row of ``ltv_fit.sbg_parameters`` (without ``fitted_at_as_of``, which the writer adds).

    ``renewals_observed`` is the sum of the renewals the group's customers made, so the renewal
    decisions observed are ``renewals_observed + churned_customers``. ``alpha``, ``beta`` and
    ``log_likelihood`` are None unless ``fit_status`` is ``'fitted'``."""

    segment: str
    billing_interval: str
    fit_status: str
    alpha: float | None
    beta: float | None
    log_likelihood: float | None
    customers: int
    churned_customers: int
    renewals_observed: int
    discount_rate_per_period: float
    #: Why the group was not fitted, in words (None when fitted).
    fit_message: str | None = None


@dataclass(frozen=True)
class DerlRow:
    """One row of ``ltv_fit.sbg_derl``: DERL of a live customer of the group that has made
    ``renewals`` renewals (is in period ``renewals + 1``), at the group's period discount rate."""

    segment: str
    billing_interval: str
    renewals: int
    derl: float


# --------------------------------------------------------------------------------------------
# The model's functions
# --------------------------------------------------------------------------------------------


def _check_parameters(alpha: float, beta: float) -> None:
    if not (math.isfinite(alpha) and math.isfinite(beta) and alpha > 0 and beta > 0):
        raise ValueError(f"alpha and beta must be positive and finite, got alpha={alpha}, beta={beta}")


def _check_count(name: str, value: int, minimum: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    return int(value)


def survival(alpha: float, beta: float, t: int) -> float:
    """S(t) = B(alpha, beta + t) / B(alpha, beta): the share of a cohort still subscribed after
    ``t`` renewals (alive in period ``t + 1``); S(0) = 1."""
    _check_parameters(alpha, beta)
    t = _check_count("t", t, 0)
    return float(np.exp(betaln(alpha, beta + t) - betaln(alpha, beta)))


def retention_rate(alpha: float, beta: float, t: int) -> float:
    """r_t = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1: the share of the
    customers alive in period t that renew at its end."""
    _check_parameters(alpha, beta)
    t = _check_count("t", t, 1)
    return (beta + t - 1) / (alpha + beta + t - 1)


def derl(discount_rate: float, alpha: float, beta: float, renewals: int) -> float:
    """Discounted expected residual lifetime (Fader & Hardie 2010) of a customer that has made
    ``renewals`` renewals, i.e. is in period ``n = renewals + 1``, evaluated just before its n-th
    renewal decision: the expected number of further payments, each discounted by
    ``1 + discount_rate`` per period, the first (at that decision, probability S(n)/S(n-1))
    undiscounted.

    ``discount_rate`` is per period (see :func:`period_discount_rate`) and must be positive: the
    hypergeometric series converges only for z = 1 / (1 + d) < 1, and with d = 0 the expected
    lifetime is infinite whenever alpha <= 1.

    The value is the paper's closed form, ``scipy.special.hyp2f1``, guarded by the defining sum
    (computed to a proven truncation bound): scipy's hyp2f1 returns NaN for z near 1 with a large
    beta + n (monthly and weekly rates: about a quarter of a grid of alpha 0.05-200, beta 0.05-500,
    renewals 0-200) and a wrong, even negative, value where alpha is exactly 1 (c - a - b = 0) at
    weekly rates. When the two disagree by more than 1e-9 (relative), the sum is returned.
    """
    _check_parameters(alpha, beta)
    renewals = _check_count("renewals", renewals, 0)
    if not (math.isfinite(discount_rate) and discount_rate > 0):
        raise ValueError(f"the discount rate per period must be positive and finite, got {discount_rate}")
    n = renewals + 1
    z = 1 / (1 + discount_rate)
    with np.errstate(all="ignore"):
        closed_form = float(
            (beta + n - 1) / (alpha + beta + n - 1) * hyp2f1(1.0, beta + n, alpha + beta + n, z)
        )
    series = _derl_series(z, alpha, beta, n)
    if math.isfinite(closed_form) and abs(closed_form - series) <= _DERL_AGREEMENT * series:
        return closed_form
    # scipy's hyp2f1 returns NaN (or, where c - a - b is an integer, a wrong value) for some z near 1
    # with a large beta + n: the defining series is then the answer.
    log.debug(
        "hyp2f1 gave %s, the series %s (alpha=%s, beta=%s, n=%s, z=%s)",
        closed_form,
        series,
        alpha,
        beta,
        n,
        z,
    )
    return series


#: The closed form is accepted when it agrees with the defining series to this relative error.
_DERL_AGREEMENT = 1e-9
#: The series is summed until the bound on what is left is below this share of the sum.
_DERL_TAIL = 1e-13
#: A discount rate so small that the sum needs more periods than this is refused.
_DERL_MAX_TERMS = 10_000_000


def _derl_series(z: float, alpha: float, beta: float, n: int, chunk: int = 4096) -> float:
    """DERL by its definition, sum_{t >= n} S(t) / S(n - 1) z ** (t - n): term t is the previous
    one times r_t z (the first is r_n), and since every r_t < 1 the terms after term k sum to at
    most term_k z / (1 - z), which bounds the truncation error."""
    total = 0.0
    last = 1.0 / z  # so that the first term is r_n (undiscounted)
    start = n
    while start - n < _DERL_MAX_TERMS:
        t = np.arange(start, start + chunk, dtype=float)
        terms = last * np.cumprod(z * (beta + t - 1) / (alpha + beta + t - 1))
        total += float(terms.sum())
        last = float(terms[-1])
        if last * z / (1 - z) <= _DERL_TAIL * total:
            return total
        start += chunk
    raise ArithmeticError(
        f"DERL did not converge within {_DERL_MAX_TERMS:,} periods (z = {z}): the discount rate per "
        "period is too small"
    )


def period_discount_rate(
    annual_rate: float, months_per_period: int | None, days_per_period: int | None
) -> float:
    """The discount rate of one billing period from an annual rate: (1 + d) ** (months / 12) - 1
    for a period of whole months, (1 + d) ** (days / 365.25) - 1 for one of days (weekly: 7).
    Exactly one of ``months_per_period`` and ``days_per_period`` is given."""
    if not (math.isfinite(annual_rate) and annual_rate >= 0):
        raise ValueError(f"the annual discount rate must be >= 0 and finite, got {annual_rate}")
    if (months_per_period is None) == (days_per_period is None):
        raise ValueError(
            "give exactly one of months_per_period and days_per_period, got "
            f"months_per_period={months_per_period}, days_per_period={days_per_period}"
        )
    if months_per_period is not None:
        years = _check_count("months_per_period", months_per_period, 1) / 12
    else:
        assert days_per_period is not None
        years = _check_count("days_per_period", days_per_period, 1) / 365.25
    return (1 + annual_rate) ** years - 1


# --------------------------------------------------------------------------------------------
# Fitting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Observations:
    """Customers aggregated by what was observed: ``churn_counts[t]`` left at the end of period t
    (P(T = t), t >= 1); ``alive_counts[t]`` are alive after t renewals (S(t), t >= 0)."""

    churn_periods: np.ndarray
    churn_counts: np.ndarray
    alive_ages: np.ndarray
    alive_counts: np.ndarray

    @property
    def customers(self) -> int:
        return int(self.churn_counts.sum() + self.alive_counts.sum())

    @classmethod
    def of(cls, churned_at: Counter[int], alive_at: Counter[int]) -> _Observations:
        churn = sorted((t, n) for t, n in churned_at.items() if n)
        alive = sorted((t, n) for t, n in alive_at.items() if n)
        return cls(
            churn_periods=np.array([t for t, _ in churn], dtype=float),
            churn_counts=np.array([n for _, n in churn], dtype=float),
            alive_ages=np.array([t for t, _ in alive], dtype=float),
            alive_counts=np.array([n for _, n in alive], dtype=float),
        )


def _log_likelihood(log_params: np.ndarray, obs: _Observations) -> tuple[float, np.ndarray]:
    """The log-likelihood and its gradient with respect to (log alpha, log beta).

    log P(T = t) = betaln(a + 1, b + t - 1) - betaln(a, b); log S(t) = betaln(a, b + t) - betaln(a, b);
    d betaln(x, y) / dx = psi(x) - psi(x + y) (psi: digamma)."""
    a, b = np.exp(log_params)
    t, n = obs.churn_periods, obs.churn_counts
    u, m = obs.alive_ages, obs.alive_counts
    base = betaln(a, b)
    ll = float(n @ (betaln(a + 1, b + t - 1) - base) + m @ (betaln(a, b + u) - base))
    d_base_a = digamma(a) - digamma(a + b)
    d_base_b = digamma(b) - digamma(a + b)
    d_a = n @ (digamma(a + 1) - digamma(a + b + t) - d_base_a) + m @ (digamma(a + b) - digamma(a + b + u))
    d_b = n @ (digamma(b + t - 1) - digamma(a + b + t) - d_base_b) + m @ (
        digamma(b + u) - digamma(a + b + u) - d_base_b
    )
    return ll, np.array([a * d_a, b * d_b])  # chain rule: d/d log a = a d/da


def _constant_rate_log_likelihood(obs: _Observations) -> float:
    """The log-likelihood of the best constant churn rate (the geometric model, the sBG's limit as
    alpha, beta -> infinity with alpha / (alpha + beta) fixed): theta = churned / periods at risk."""
    t, n = obs.churn_periods, obs.churn_counts
    u, m = obs.alive_ages, obs.alive_counts
    theta = float(n.sum() / (n @ t + m @ u))
    if theta >= 1.0:  # everyone left in their first period: log(1 - theta) never counts
        return float(n.sum() * math.log(theta))
    return float(n @ (math.log(theta) + (t - 1) * math.log1p(-theta)) + m @ (u * math.log1p(-theta)))


def _check_identified(obs: _Observations) -> None:
    if obs.customers == 0:
        raise SbgFitError("empty cohort: there are no customers to fit")
    if obs.churn_counts.sum() == 0:
        raise SbgNotIdentifiedError(
            f"no churn at all among {obs.customers} customers: the likelihood increases without bound "
            "as beta -> infinity (retention 100%), so there is no finite maximum"
        )
    beyond_first = (obs.churn_periods >= 2).any() or (obs.alive_ages >= 2).any()
    if not beyond_first:
        raise SbgNotIdentifiedError(
            "only the first renewal decision is observed (every customer left at the end of period 1 "
            "or is censored after at most 1 renewal): one retention rate cannot determine alpha and beta"
        )


def _fit(obs: _Observations) -> SbgFit:
    """Maximise the log-likelihood over (log alpha, log beta) from several starting points and
    verify the best result is an interior maximum with a vanishing gradient."""
    _check_identified(obs)
    scale = obs.customers  # the mean log-likelihood per customer keeps tolerances scale-free

    def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _log_likelihood(x, obs)
        return -ll / scale, -grad / scale

    results = []
    for start in _STARTS:
        with np.errstate(all="ignore"):
            result = minimize(
                objective,
                np.array(start),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-LOG_BOUND, LOG_BOUND)] * 2,
                options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000},
            )
        if np.isfinite(result.fun):
            results.append(result)
    if not results:
        raise SbgFitError("the log-likelihood was not finite at any starting point")
    best = min(results, key=lambda r: r.fun)
    log_a, log_b = best.x
    if max(abs(log_a), abs(log_b)) >= LOG_BOUND - 1e-3:
        if max(log_a, log_b) >= LOG_BOUND - 1e-3:
            why = (
                "the data show no heterogeneity the sBG can measure (a constant retention rate fits "
                "best: alpha, beta -> infinity)"
            )
        else:
            why = (
                "the data look like a share that leaves at once and a rest that never leaves "
                "(alpha, beta -> 0)"
            )
        raise SbgNotIdentifiedError(
            f"the likelihood keeps increasing towards the search boundary (alpha={math.exp(log_a):.3g}, "
            f"beta={math.exp(log_b):.3g}): {why}, so alpha and beta have no finite maximum"
        )
    # alpha, beta -> infinity at a fixed mean is the constant-rate (geometric) model, the sBG's
    # limit: when no point found beats that limit, the supremum is the limit itself. Along that
    # ridge the likelihood is nearly flat, so the optimiser may stop short of the boundary (where
    # it stops depends on the platform's floating point): compare with the limit, not the point.
    if -best.fun * scale <= _constant_rate_log_likelihood(obs) + _LIMIT_TOLERANCE * scale:
        raise SbgNotIdentifiedError(
            f"no sBG fit beats a constant retention rate (best alpha={math.exp(log_a):.3g}, "
            f"beta={math.exp(log_b):.3g}): the data show no heterogeneity the sBG can measure (a "
            "constant retention rate fits best: alpha, beta -> infinity), so alpha and beta have no "
            "finite maximum"
        )
    ll, grad = _log_likelihood(best.x, obs)
    gradient = float(np.max(np.abs(grad))) / scale
    if gradient > _GRADIENT_TOLERANCE:
        raise SbgFitError(
            f"the optimiser did not converge ({best.message}; success={best.success}): the gradient of "
            f"the mean log-likelihood is {gradient:.2e} > {_GRADIENT_TOLERANCE:.0e} at "
            f"alpha={math.exp(log_a):.6g}, beta={math.exp(log_b):.6g}"
        )
    if not best.success and not _is_precision_stop(best.message):
        raise SbgFitError(f"the optimiser did not converge: {best.message}")
    curvature = np.linalg.eigvalsh(_hessian_of_mean_negative_ll(best.x, obs))
    if curvature.min() <= 1e-9 * max(1.0, float(curvature.max())):
        raise SbgNotIdentifiedError(
            f"the likelihood is flat in some direction at alpha={math.exp(log_a):.6g}, "
            f"beta={math.exp(log_b):.6g} (Hessian eigenvalues {curvature}): the parameters are not identified"
        )
    return SbgFit(
        alpha=float(math.exp(log_a)), beta=float(math.exp(log_b)), log_likelihood=ll, customers=scale
    )


def _is_precision_stop(message: str) -> bool:
    """L-BFGS-B stops with 'ABNORMAL...' when a line search cannot improve on a point that is
    already optimal to machine precision; the gradient check above decides whether it is."""
    return "ABNORMAL" in str(message).upper()


def _hessian_of_mean_negative_ll(x: np.ndarray, obs: _Observations, step: float = 1e-5) -> np.ndarray:
    """Central differences of the analytic gradient (symmetrised)."""
    columns = []
    for i in range(2):
        dx = np.zeros(2)
        dx[i] = step
        columns.append((_log_likelihood(x - dx, obs)[1] - _log_likelihood(x + dx, obs)[1]) / (2 * step))
    hessian = np.array(columns).T / obs.customers
    return (hessian + hessian.T) / 2


def fit_sbg(survivors: Sequence[int]) -> SbgFit:
    """Fit the sBG to one cohort's survivors per period: ``survivors[0]`` is the cohort size,
    ``survivors[t]`` the customers still subscribed after ``t`` renewals. The customers lost
    between t - 1 and t left at the end of period t; the last survivors are right-censored.

    Raises :class:`SbgFitError` for an empty cohort, negative counts, survivors that increase, no
    churn at all, fewer than two observed renewal decisions, or a fit that does not converge.
    """
    counts = list(survivors)
    if not counts or counts[0] == 0:
        raise SbgFitError("empty cohort: survivors must start with the cohort size (> 0)")
    for i, value in enumerate(counts):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise SbgFitError(f"survivors[{i}] = {value!r}: survivor counts must be whole numbers >= 0")
    for i in range(1, len(counts)):
        if counts[i] > counts[i - 1]:
            raise SbgFitError(
                f"survivors increase from {counts[i - 1]} to {counts[i]} at period {i}: a cohort can only shrink"
            )
    churned = Counter({t: int(counts[t - 1] - counts[t]) for t in range(1, len(counts))})
    alive = Counter({len(counts) - 1: int(counts[-1])})
    return _fit(_Observations.of(churned, alive))


def fit_sbg_durations(renewals: Sequence[int], churned: Sequence[bool]) -> SbgFit:
    """Fit the sBG to individual customers from any number of cohorts, each censored at its own
    age: customer i made ``renewals[i]`` renewals and, if ``churned[i]``, left at the end of
    period ``renewals[i] + 1`` (P(T = renewals + 1)); otherwise it is alive after ``renewals[i]``
    renewals (S(renewals)).

    Raises :class:`SbgFitError` for no customers, lists of different lengths, negative or
    fractional renewals, no churn at all, fewer than two observed renewal decisions, or a fit
    that does not converge.
    """
    renewals = list(renewals)
    churned = list(churned)
    if len(renewals) != len(churned):
        raise SbgFitError(f"renewals ({len(renewals)}) and churned ({len(churned)}) differ in length")
    if not renewals:
        raise SbgFitError("empty cohort: there are no customers to fit")
    churned_at: Counter[int] = Counter()
    alive_at: Counter[int] = Counter()
    for i, (r, gone) in enumerate(zip(renewals, churned, strict=True)):
        if isinstance(r, bool) or int(r) != r or r < 0:
            raise SbgFitError(f"renewals[{i}] = {r!r}: renewals must be whole numbers >= 0")
        if gone not in (True, False):
            raise SbgFitError(f"churned[{i}] = {gone!r}: churned must be True or False")
        if gone:
            churned_at[int(r) + 1] += 1
        else:
            alive_at[int(r)] += 1
    return _fit(_Observations.of(churned_at, alive_at))


# --------------------------------------------------------------------------------------------
# Per group (segment x billing interval)
# --------------------------------------------------------------------------------------------

#: One paid subscription: (segment, billing_interval, months_per_period, days_per_period,
#: renewals, is_churned), the columns of ``intermediate.int_ltv_subscription_periods``.
SubscriptionRow = tuple[str, str, int | None, int | None, int, bool]


def _optional_int(value: object) -> int | None:
    """A nullable whole number as a database or a DataFrame hands it over (None, NaN, pandas.NA)."""
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except TypeError:  # pandas.NA
        return None
    return None if math.isnan(number) else int(number)


def fit_groups(
    rows: Iterable[SubscriptionRow],
    *,
    min_customers: int,
    min_churned: int,
    annual_discount_rate: float,
) -> tuple[list[ParamRow], list[DerlRow]]:
    """Fit the sBG per (segment, billing_interval) and tabulate DERL for renewals 0 .. the most
    renewals any of the group's customers made.

    A group with fewer than ``min_customers`` customers or ``min_churned`` churned ones, or whose
    data do not identify alpha and beta (:class:`SbgNotIdentifiedError`, logged as a warning),
    gets ``fit_status = 'insufficient_data'``, no parameters and no DERL rows. An optimiser
    failure on a group with enough data raises :class:`SbgFitError` naming the group. Rows come
    back sorted by segment and billing interval.
    """
    groups: dict[tuple[str, str], list[tuple[int, bool]]] = {}
    periods: dict[tuple[str, str], tuple[int | None, int | None]] = {}
    for segment, interval, months, days, renewals, is_churned in rows:
        key = (segment, interval)
        length = (_optional_int(months), _optional_int(days))
        if periods.setdefault(key, length) != length:
            raise ValueError(
                f"{segment} / {interval}: the period length differs within the group "
                f"({periods[key]} and {length} as (months_per_period, days_per_period))"
            )
        groups.setdefault(key, []).append((int(renewals), bool(is_churned)))

    params: list[ParamRow] = []
    derls: list[DerlRow] = []
    for (segment, interval), customers in sorted(groups.items()):
        rate = period_discount_rate(annual_discount_rate, *periods[(segment, interval)])
        churned = sum(1 for _, gone in customers if gone)
        counts = {
            "customers": len(customers),
            "churned_customers": churned,
            "renewals_observed": sum(r for r, _ in customers),
            "discount_rate_per_period": rate,
        }
        fit: SbgFit | None = None
        reason = None
        if len(customers) < min_customers:
            n = len(customers)
            reason = (
                f"{n} subscription{'' if n == 1 else 's'}, fewer than ltv_min_customers ({min_customers})"
            )
        elif churned < min_churned:
            reason = f"{churned} churned, fewer than ltv_min_churned ({min_churned})"
        else:
            try:
                fit = fit_sbg_durations([r for r, _ in customers], [gone for _, gone in customers])
            except SbgNotIdentifiedError as error:
                reason = str(error)
                log.warning("sBG %s / %s: insufficient data: %s", segment, interval, error)
            except SbgFitError as error:
                raise SbgFitError(f"{segment} / {interval}: {error}") from error
        if fit is None:
            params.append(
                ParamRow(segment, interval, INSUFFICIENT_DATA, None, None, None, **counts, fit_message=reason)
            )
            continue
        params.append(ParamRow(segment, interval, FITTED, fit.alpha, fit.beta, fit.log_likelihood, **counts))
        most = max(r for r, _ in customers)
        derls.extend(
            DerlRow(segment, interval, n, derl(rate, fit.alpha, fit.beta, n)) for n in range(most + 1)
        )
    return params, derls
