"""Latent drivers and the behaviour that follows from them.

Engagement (logit scale) is an AR(1) process around an account-specific mean (segment mean +
product fit), ramping up over the first months, lifted by vendor touches (onboarding sessions,
training, QBRs: ``boost``) and hit by shocks (a champion leaving, a bad support experience).
Churn, expansion, adoption, first value, NPS and CSAT are noisy functions of engagement, of the
relationship (champion present, engaged contacts, CSM touches) and of payment trouble. None of it
reads a warehouse metric.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from .config import SEGMENT_CHURN_BASE
from .state import Account

PHI = 0.8  # month-to-month persistence of engagement deviations
SIGMA = 0.3  # monthly engagement innovation


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def mean_at(a: Account, age_months: int) -> float:
    """Engagement mean this month: fit, an onboarding ramp, and the vendor's recent touches."""
    ramp = -0.7 * math.exp(-age_months / 3.0)
    dormant = -1.2 if not a.is_live else 0.0
    return a.fit + ramp + dormant + a.boost


def step_engagement(a: Account, age_months: int) -> None:
    mean = mean_at(a, age_months)
    a.engagement = mean + PHI * (a.engagement - a.previous_mean) + SIGMA * float(a.rng.standard_normal())
    a.previous_mean = mean
    a.boost *= 0.6


def champion_risk(a: Account, t: datetime) -> float:
    if a.champion() is not None:
        return 0.0
    if a.champion_left_at is not None and t - a.champion_left_at < timedelta(days=270):
        return 1.3
    return 0.6


def churn_logit(a: Account, t: datetime, age_months: int) -> float:
    x = SEGMENT_CHURN_BASE[a.segment] - 1.1 * a.engagement
    x += champion_risk(a, t)
    x -= 0.35 * min(max(a.engaged_contact_count() - 1, 0), 3)
    if a.bad_support_until is not None and t < a.bad_support_until:
        x += 0.7
    if a.delinquent:
        x += 0.6
    if a.segment != "smb" and (a.last_csm_touch is None or t - a.last_csm_touch > timedelta(days=120)):
        x += 0.3
    if age_months < 4:
        x += 0.4
    return x


def monthly_churn_probability(a: Account, t: datetime, age_months: int) -> float:
    return sigmoid(churn_logit(a, t, age_months))


def adoption_target(a: Account) -> float:
    """Share of licensed seats that become product users."""
    return min(1.0, 0.12 + 0.85 * sigmoid(1.3 * a.engagement + 0.6))


def seat_expansion_probability(a: Account, utilisation: float) -> float:
    return sigmoid(-3.4 + 1.2 * a.engagement + 4.0 * (utilisation - 0.85))


def upgrade_probability(a: Account) -> float:
    return sigmoid(-5.2 + 1.3 * a.engagement + 0.5 * a.boost)


def addon_probability(a: Account) -> float:
    return sigmoid(-4.8 + 1.1 * a.engagement)


def first_value_probability(a: Account) -> float:
    return sigmoid(-0.8 + 1.6 * a.engagement + 2.0 * a.boost + (0.8 if a.services else 0.0))


def trial_conversion_probability(a: Account) -> float:
    return sigmoid(0.2 + 1.5 * a.engagement + (1.4 if a.first_value_at is not None else -0.6))


def reactivation_probability(a: Account) -> float:
    return sigmoid(-4.3 + 0.7 * (a.engagement + 1.2))


def payment_failure_probability(a: Account) -> float:
    return 0.02 + (0.03 if a.segment == "smb" else 0.0) + (0.02 if a.engagement < -1.0 else 0.0)


def payment_recovery_probability(a: Account) -> float:
    """A retried charge succeeds more often at a customer who uses the product."""
    return 0.35 + 0.25 * sigmoid(a.engagement)


def feature_breadth(a: Account) -> int:
    """How many of the five value features the account uses (1-5), growing with engagement."""
    return int(min(5, max(1, round(1 + 4 * sigmoid(1.2 * a.engagement)))))


def nps_score(a: Account, noise: float, t: datetime) -> int:
    bad = 1.5 if a.bad_support_until is not None and t < a.bad_support_until else 0.0
    return int(min(10, max(0, round(7.3 + 1.7 * a.engagement + 1.1 * noise - bad))))


def csat_score(a: Account, slow: bool, noise: float) -> int:
    return int(min(5, max(1, round(4.1 + 0.5 * a.engagement - (0.9 if slow else 0.0) + 0.8 * noise))))
