-- grain: one row per account that has paid an invoice or had a paid subscription by the end of
-- as_of_date: realised value so far plus the expected residual value of its live subscriptions
-- (docs/metrics.md, LTV). ltv_usd = realised_total_usd + expected_residual_usd; an account without a
-- live paid subscription (churned, or services only) has a residual of 0; one with a live
-- subscription in a group the sBG fit could not estimate has no residual and no ltv_usd
-- (ltv_status insufficient_data), never an invented number.
-- billing_interval, renewals and derl describe its largest live subscription; as_of_date is the
-- date it is as of.
with

realised as (
    select * from {{ ref('int_account_realised_revenue') }}
),

periods as (
    select * from {{ ref('int_ltv_subscription_periods') }}
),

residuals as (
    select * from {{ ref('int_ltv_subscription_residuals') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

ltv_accounts as (
    select account_id from realised
    union
    select account_id from periods
),

live as (
    select
        account_id,
        cast(count(*) as bigint) as live_subscriptions,
        sum(period_revenue_usd) as period_revenue_usd,
        sum(expected_residual_usd) as expected_residual_usd,
        sum(case when fit_status = 'fitted' then 0 else 1 end) as unfitted_subscriptions
    from residuals
    group by account_id
),

largest_live as (
    select
        account_id,
        billing_interval,
        renewals,
        derl,
        row_number() over (
            partition by account_id
            order by period_revenue_usd desc, subscription_id
        ) as size_rank
    from residuals
),

final as (
    select
        ltv_accounts.account_id,
        coalesce(accounts.segment, 'unknown') as segment,
        largest_live.billing_interval,
        coalesce(live.live_subscriptions, 0) > 0 as is_live,
        largest_live.renewals,
        cast(largest_live.derl as decimal(18, 4)) as derl,
        cast(live.period_revenue_usd as decimal(18, 2)) as period_revenue_usd,
        cast(coalesce(realised.realised_recurring_usd, 0) as decimal(18, 2)) as realised_recurring_usd,
        cast(coalesce(realised.realised_services_usd, 0) as decimal(18, 2)) as realised_services_usd,
        cast(coalesce(realised.realised_other_usd, 0) as decimal(18, 2)) as realised_other_usd,
        cast(coalesce(realised.realised_total_usd, 0) as decimal(18, 2)) as realised_total_usd,
        case
            when live.account_id is null then 'not_live'
            when live.unfitted_subscriptions > 0 then 'insufficient_data'
            else 'predicted'
        end as ltv_status,
        case
            when live.account_id is null then cast(0 as decimal(18, 2))
            when live.unfitted_subscriptions = 0 then cast(live.expected_residual_usd as decimal(18, 2))
        end as expected_residual_usd
    from ltv_accounts
    left join accounts
        on ltv_accounts.account_id = accounts.account_id
    left join realised
        on ltv_accounts.account_id = realised.account_id
    left join live
        on ltv_accounts.account_id = live.account_id
    left join largest_live
        on ltv_accounts.account_id = largest_live.account_id
            and largest_live.size_rank = 1
)

select
    final.*,
    cast(final.realised_total_usd + final.expected_residual_usd as decimal(18, 2)) as ltv_usd,
    -- the date the value is as of (the semantic layer's time dimension for LTV)
    as_of.as_of_date
from final
cross join as_of
