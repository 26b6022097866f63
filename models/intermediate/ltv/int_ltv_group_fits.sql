-- grain: one row per segment x billing interval of int_ltv_subscription_periods: the sBG fit
-- written by the LTV fit step (ltv_fit.sbg_parameters) beside the group's own facts and the
-- comparisons (docs/metrics.md, LTV):
--   arpa_usd: average period revenue of the group's live subscriptions (the price of one period);
--   geometric_churn_rate: churn per period of a model without heterogeneity, fitted to the same
--     censored data: churned / (periods of the churned + renewals of the live ones), its MLE;
--   simple_ltv_usd = arpa_usd x gross margin / geometric_churn_rate (the textbook, undiscounted);
--   sbg_new_customer_ltv_usd = arpa_usd x margin x (1 + DERL at 0 renewals): a new subscription's
--     discounted margin under sBG; geometric_new_customer_ltv_usd the same without heterogeneity,
--     r (1 + d) / (1 + d - r) with r = 1 - churn: the gap is what ignoring heterogeneity costs.
with

periods as (
    select * from {{ ref('int_ltv_subscription_periods') }}
),

fits as (
    select * from {{ ltv_fit_relation('sbg_parameters') }}
),

derl as (
    select * from {{ ltv_fit_relation('sbg_derl') }}
),

groups as (
    select
        segment,
        billing_interval,
        cast(count(*) as bigint) as subscriptions,
        cast(sum(case when is_churned then 1 else 0 end) as bigint) as churned_subscriptions,
        cast(sum(case when is_churned then 0 else 1 end) as bigint) as live_subscriptions,
        cast(sum(case when is_churned then renewals + 1 else renewals end) as bigint) as periods_observed,
        avg(case when not is_churned then period_revenue_usd end) as arpa_usd
    from periods
    group by segment, billing_interval
),

new_customer_derl as (
    select
        segment,
        billing_interval,
        derl as derl_at_start
    from derl
    where renewals = 0
),

measured as (
    select
        groups.*,
        fits.fit_status,
        fits.fit_message,
        fits.alpha,
        fits.beta,
        fits.log_likelihood,
        fits.discount_rate_per_period,
        new_customer_derl.derl_at_start,
        {{ threshold('ltv_gross_margin') }} as gross_margin,
        case
            when groups.periods_observed > 0
                then cast(groups.churned_subscriptions as double) / groups.periods_observed
        end as geometric_churn_rate
    from groups
    left join fits
        on groups.segment = fits.segment
            and groups.billing_interval = fits.billing_interval
    left join new_customer_derl
        on groups.segment = new_customer_derl.segment
            and groups.billing_interval = new_customer_derl.billing_interval
)

select
    segment,
    billing_interval,
    coalesce(fit_status, 'not_fitted') as fit_status,
    case
        when fit_status is null
            then 'the LTV fit has not run on this data: `lifecycle build` (make build) or `make run` runs it between two dbt steps'
        else fit_message
    end as fit_message,
    alpha,
    beta,
    log_likelihood,
    subscriptions,
    churned_subscriptions,
    live_subscriptions,
    periods_observed,
    discount_rate_per_period,
    gross_margin,
    cast(arpa_usd as decimal(18, 2)) as arpa_usd,
    geometric_churn_rate,
    case
        when geometric_churn_rate > 0 then cast(arpa_usd * gross_margin / geometric_churn_rate as decimal(18, 2))
    end as simple_ltv_usd,
    case
        when fit_status = 'fitted' then cast(arpa_usd * gross_margin * (1 + derl_at_start) as decimal(18, 2))
    end as sbg_new_customer_ltv_usd,
    case
        when geometric_churn_rate is not null and discount_rate_per_period is not null
            then cast(
                    arpa_usd * gross_margin * (
                        1 + (1 - geometric_churn_rate) * (1 + discount_rate_per_period)
                        / (discount_rate_per_period + geometric_churn_rate)
                    ) as decimal(18, 2)
                )
    end as geometric_new_customer_ltv_usd
from measured
