"""Parameters of the simulated company: scale presets, segments, catalogue, currencies, rates.

Everything the simulator draws from is declared here, so a reader can see what drives the data.
Nothing here is tuned to make a metric look good: behaviour follows from latent drivers
(engagement, relationship, support experience, payment reliability) in :mod:`.engagement`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: Scale presets. ``cadence`` is the batch period of entity tables, ``track_cadence`` of tracks
#: (``day``, ``week`` = the month's days 1-7/8-14/15-21/22-end, ``month``); ``faults`` the
#: default rate of injected contract violations (bad rows added, see faults.py): a realistic
#: 0.2 % for the demo and large sets, so the quarantine has work to show; none for ``small``,
#: the fixture tests and CI build on (a test that wants faults asks for them).
SCALES: dict[str, dict] = {
    "small": {"accounts": 25, "months": 14, "cadence": "month", "track_cadence": "month", "faults": 0.0},
    "demo": {"accounts": 2_000, "months": 36, "cadence": "week", "track_cadence": "day", "faults": 0.002},
    "large": {"accounts": 50_000, "months": 36, "cadence": "week", "track_cadence": "day", "faults": 0.002},
}

DEFAULT_END = date(2025, 12, 31)


@dataclass(frozen=True)
class SimConfig:
    accounts: int
    months: int
    seed: int = 42
    end: date = DEFAULT_END
    cadence: str = "week"
    track_cadence: str = "day"
    faults: float = 0.0
    #: multiplies product-usage intensity (track events per user-day)
    usage_intensity: float = 1.0
    extra: dict = field(default_factory=dict)


SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_SHARE = (0.64, 0.27, 0.09)
#: employee_count ranges [lo, hi) per segment (the warehouse's default segment thresholds)
SEGMENT_EMPLOYEES = {"smb": (3, 100), "mid_market": (100, 1000), "enterprise": (1000, 60_000)}
#: latent engagement mean per segment (logit scale)
SEGMENT_ENGAGEMENT_MEAN = {"smb": -0.15, "mid_market": 0.15, "enterprise": 0.35}
#: base monthly churn log-odds at engagement 0 with a champion and two threads
SEGMENT_CHURN_BASE = {"smb": -3.5, "mid_market": -4.1, "enterprise": -4.7}
SEGMENT_TRIAL_SHARE = {"smb": 0.6, "mid_market": 0.3, "enterprise": 0.08}
SEGMENT_SERVICES_SHARE = {"smb": 0.08, "mid_market": 0.3, "enterprise": 0.55}
SEGMENT_CSM_SHARE = {"smb": 0.25, "mid_market": 0.9, "enterprise": 1.0}
#: plan tier (0 starter, 1 growth, 2 enterprise) probabilities per segment
SEGMENT_PLAN = {"smb": (0.72, 0.28, 0.0), "mid_market": (0.05, 0.7, 0.25), "enterprise": (0.0, 0.18, 0.82)}
#: billing interval probabilities per segment: (monthly, quarterly, annual, weekly)
SEGMENT_INTERVAL = {
    "smb": (0.70, 0.07, 0.19, 0.04),
    "mid_market": (0.38, 0.14, 0.48, 0.0),
    "enterprise": (0.0, 0.1, 0.9, 0.0),
}
#: initial seats as a share of employees, and bounds
SEGMENT_SEATS = {"smb": (0.25, 1, 30), "mid_market": (0.06, 8, 150), "enterprise": (0.02, 40, 600)}

#: (interval key, stripe recurring_interval, recurring_interval_count, months per period or None)
INTERVALS = {
    "monthly": ("month", 1, 1),
    "quarterly": ("month", 3, 3),
    "annual": ("year", 1, 12),
    "weekly": ("week", 1, None),
}
INTERVAL_ORDER = ("monthly", "quarterly", "annual", "weekly")

#: currency -> (minor unit exponent, usd per major unit, local price per 1 USD list price)
#: usd_per_unit matches seeds/currencies.csv so the simulator's own MRR agrees with the warehouse.
CURRENCIES = {
    "usd": (2, 1.0, 1.0),
    "eur": (2, 1.08, 0.93),
    "gbp": (2, 1.27, 0.79),
    "aud": (2, 0.66, 1.52),
    "jpy": (0, 0.0067, 150.0),
}

#: country -> (currency, weight, tax rate, UTC offset hours of its business hours, email tld)
COUNTRIES = {
    "US": ("usd", 0.50, 0.0, -5, "com"),
    "CA": ("usd", 0.05, 0.0, -5, "ca"),
    "GB": ("gbp", 0.10, 0.20, 0, "co.uk"),
    "DE": ("eur", 0.09, 0.19, 1, "de"),
    "FR": ("eur", 0.06, 0.20, 1, "fr"),
    "NL": ("eur", 0.04, 0.21, 1, "nl"),
    "AU": ("aud", 0.07, 0.10, 10, "com.au"),
    "JP": ("jpy", 0.09, 0.10, 9, "co.jp"),
}

INDUSTRIES = (
    "software",
    "financial_services",
    "healthcare",
    "retail",
    "manufacturing",
    "education",
    "media",
    "logistics",
    "professional_services",
    "non_profit",
)

#: products: id suffix, name, category, USD list price in cents per unit per month (plans/addons)
#: or per purchase (services)
PLANS = (
    ("starter", "Starter", "plan", 1_500),
    ("growth", "Growth", "plan", 4_000),
    ("enterprise", "Enterprise", "plan", 8_500),
)
ADDONS = (
    ("analytics", "Advanced Analytics", "addon", 9_900),  # flat per subscription, quantity 1
    ("sso", "SSO & Audit Log", "addon", 300),  # per seat
)
SERVICES = (
    ("onboarding", "Onboarding Package", "services", 250_000),
    ("training", "Training Workshop", "services", 120_000),
)
#: period price multiplier from the monthly list price
INTERVAL_MULTIPLIER = {"monthly": 1.0, "quarterly": 2.85, "annual": 10.0, "weekly": 0.25}

VALUE_EVENTS = (
    "Report Created",
    "Dashboard Shared",
    "Integration Connected",
    "Workflow Automated",
    "Data Exported",
)
#: relative weight of each value event among an account's enabled features
VALUE_EVENT_WEIGHTS = (2.0, 0.8, 0.35, 0.8, 0.6)
PAGE_PATHS = ("/home", "/reports", "/dashboards", "/integrations", "/workflows", "/settings", "/exports")

TITLES = {
    "champion": ("Head of Operations", "Analytics Lead", "Director of RevOps", "Product Ops Manager"),
    "economic_buyer": ("VP Finance", "COO", "CFO", "VP Operations"),
    "admin": ("IT Administrator", "Systems Engineer", "Ops Analyst"),
    "end_user": ("Analyst", "Account Manager", "Marketing Specialist", "Engineer", "Designer"),
    None: ("Consultant", "Intern", "Office Manager"),
}

CASE_SUBJECTS = (
    "Cannot export report",
    "SSO login fails",
    "Dashboard loads slowly",
    "Billing question",
    "Integration sync error",
    "How do I invite users?",
    "Workflow did not trigger",
    "Data mismatch in report",
    "Please add seats",
    "Feature request: custom fields",
)
NPS_COMMENTS_GOOD = ("Love the dashboards", "Saves us hours every week", "Great support team")
NPS_COMMENTS_BAD = (
    "Too expensive for what we use",
    "Reports are slow",
    "Hard to onboard new staff",
    "Support took too long",
)

OPEN_OPP_STAGES = ("prospecting", "qualification", "proposal", "negotiation")

VENDOR_DOMAIN = "lifecycle-saas.example"
