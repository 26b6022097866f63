-- grain: one row per segment x billing interval of paid subscriptions: the sBG retention model
-- fitted to it (Fader & Hardie 2007, by maximum likelihood on right-censored renewal counts) and
-- the simple ARPA x gross margin / churn figure beside it (docs/metrics.md, LTV). A group too
-- small to fit, or whose fit did not converge, says so in fit_status and has no parameters.
with

group_fits as (
    select * from {{ ref('int_ltv_group_fits') }}
)

select
    segment,
    billing_interval,
    fit_status,
    fit_message,
    alpha,
    beta,
    log_likelihood,
    subscriptions as customers,
    churned_subscriptions as churned_customers,
    live_subscriptions as live_customers,
    discount_rate_per_period,
    gross_margin,
    arpa_usd,
    geometric_churn_rate,
    simple_ltv_usd,
    sbg_new_customer_ltv_usd,
    geometric_new_customer_ltv_usd
from group_fits
