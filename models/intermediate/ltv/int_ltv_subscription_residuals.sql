-- grain: one row per live subscription of int_ltv_subscription_periods: its expected residual
-- value, period revenue x DERL(discount rate per period, alpha, beta, renewals made) of its
-- segment x billing interval's sBG fit (Fader & Hardie 2010; docs/metrics.md, LTV). The current
-- period is paid already (it is in realised value), so DERL counts the periods after it. A
-- subscription whose group was not fitted has a null residual and its group's fit_status.
with

periods as (
    select * from {{ ref('int_ltv_subscription_periods') }}
),

fits as (
    select * from {{ ltv_fit_relation('sbg_parameters') }}
),

derl as (
    select * from {{ ltv_fit_relation('sbg_derl') }}
)

select
    periods.subscription_id,
    periods.account_id,
    periods.segment,
    periods.billing_interval,
    periods.renewals,
    periods.period_revenue_usd,
    coalesce(fits.fit_status, 'not_fitted') as fit_status,
    derl.derl,
    case
        when fits.fit_status = 'fitted' then cast(periods.period_revenue_usd * derl.derl as decimal(18, 2))
    end as expected_residual_usd
from periods
left join fits
    on periods.segment = fits.segment
        and periods.billing_interval = fits.billing_interval
left join derl
    on periods.segment = derl.segment
        and periods.billing_interval = derl.billing_interval
        and periods.renewals = derl.renewals
where not periods.is_churned
