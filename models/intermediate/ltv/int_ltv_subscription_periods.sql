-- grain: one row per paid subscription: one that started a paid period (its trial, if any, over) by
-- the end of as_of_date and is, at that instant, either contributing MRR (live) or ended (churned).
-- This is the sBG model's population (docs/metrics.md, LTV): each subscription is a contract
-- renewed period after period. A subscription ended before its trial was over never paid and is
-- left out; so are subscriptions in a state that is neither (unpaid, paused, incomplete) at as_of.
--   billing_interval: of its plan item (else any recurring item), latest version: 'weekly',
--     'monthly', 'quarterly', 'annual', else '<n> <unit>s'.
--   renewals: renewals made, counted in whole periods from paid_start_date (a month period ends on
--     the same day of a later month; a month-end anchor reads short months as not yet renewed):
--     live: whole periods elapsed by as_of_date (it is in period renewals + 1); churned: whole
--     periods elapsed by the day before it ended (it left at the end of period renewals + 1).
--   period_revenue_usd: live only, the subscription's MRR at the as_of snapshot x months in a
--     period (a week: x 12 / 52, a day: x 12 / 365, the inverse of item_mrr_at's normalisation).
with

subscription_states as (
    select * from {{ ref('int_subscription_states_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

item_mrr as (
    select * from {{ ref('int_item_mrr_monthly') }}
),

subscription_items as (
    select * from {{ ref('stg_billing__subscription_items') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

products as (
    select * from {{ ref('stg_billing__products') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

states_at_as_of as (
    select
        subscription_states.subscription_id,
        subscription_states.customer_id,
        subscription_states.contribution_status,
        cast(
            case
                when subscription_states.trial_end_at > subscription_states.started_at
                    then subscription_states.trial_end_at
                else subscription_states.started_at
            end as date
        ) as paid_start_date,
        cast(subscription_states.ended_at as date) as ended_date
    from subscription_states
    inner join months
        on subscription_states.month = months.month
            and months.is_as_of_month
    where subscription_states.contribution_status in ('contributing', 'ended')
),

-- the subscription's interval: its plan item's price first, then the latest item version
item_intervals as (
    select
        subscription_items.subscription_id,
        prices.recurring_interval,
        coalesce(prices.recurring_interval_count, 1) as recurring_interval_count,
        row_number() over (
            partition by subscription_items.subscription_id
            order by
                case when products.product_category = 'plan' then 0 else 1 end,
                subscription_items.valid_from desc,
                subscription_items.subscription_item_id
        ) as interval_rank
    from subscription_items
    inner join prices
        on subscription_items.price_id = prices.price_id
    left join products
        on prices.product_id = products.product_id
    where prices.price_type = 'recurring'
        -- the intervals item_mrr_at accepts (any other price is price_interval_invalid there too)
        and prices.recurring_interval in ('day', 'week', 'month', 'year')
        and coalesce(prices.recurring_interval_count, 1) >= 1
),

intervals as (
    select
        subscription_id,
        case
            when recurring_interval = 'week' and recurring_interval_count = 1 then 'weekly'
            when recurring_interval = 'month' and recurring_interval_count = 1 then 'monthly'
            when recurring_interval = 'month' and recurring_interval_count = 3 then 'quarterly'
            when recurring_interval = 'year' and recurring_interval_count = 1 then 'annual'
            when recurring_interval = 'month' and recurring_interval_count = 12 then 'annual'
            else cast(recurring_interval_count as {{ dbt.type_string() }}) || ' ' || recurring_interval || 's'
        end as billing_interval,
        case
            when recurring_interval = 'month' then recurring_interval_count
            when recurring_interval = 'year' then 12 * recurring_interval_count
        end as months_per_period,
        case
            when recurring_interval = 'week' then 7 * recurring_interval_count
            when recurring_interval = 'day' then recurring_interval_count
        end as days_per_period,
        -- MRR x this = one period's revenue: the inverse of item_mrr_at's normalisation (month /
        -- count, year / (12 x count), week x 52 / 12 / count, day x 365 / 12 / count)
        case recurring_interval
            when 'month' then 1.0 * recurring_interval_count
            when 'year' then 12.0 * recurring_interval_count
            when 'week' then 12.0 * recurring_interval_count / 52
            when 'day' then 12.0 * recurring_interval_count / 365
        end as months_in_period
    from item_intervals
    where interval_rank = 1
),

subscription_mrr as (
    select
        item_mrr.subscription_id,
        sum(item_mrr.item_mrr_usd) as mrr_usd
    from item_mrr
    inner join months
        on item_mrr.month = months.month
            and months.is_as_of_month
    where item_mrr.is_contributing
    group by item_mrr.subscription_id
),

paid as (
    select
        states_at_as_of.subscription_id,
        customer_accounts.account_id,
        coalesce(accounts.segment, 'unknown') as segment,
        intervals.billing_interval,
        intervals.months_per_period,
        intervals.days_per_period,
        intervals.months_in_period,
        states_at_as_of.paid_start_date,
        case when states_at_as_of.contribution_status = 'ended' then states_at_as_of.ended_date end as ended_date,
        states_at_as_of.contribution_status = 'ended' as is_churned,
        -- the last day the subscription is known to have been in force
        case
            when states_at_as_of.contribution_status = 'ended'
                then cast({{ dbt.dateadd('day', -1, 'states_at_as_of.ended_date') }} as date)
            else as_of.as_of_date
        end as observed_until_date,
        subscription_mrr.mrr_usd
    from states_at_as_of
    cross join as_of
    inner join intervals
        on states_at_as_of.subscription_id = intervals.subscription_id
    left join customer_accounts
        on states_at_as_of.customer_id = customer_accounts.customer_id
    left join accounts
        on customer_accounts.account_id = accounts.account_id
    left join subscription_mrr
        on states_at_as_of.subscription_id = subscription_mrr.subscription_id
    where states_at_as_of.paid_start_date <= as_of.as_of_date
        and (states_at_as_of.contribution_status = 'contributing' or states_at_as_of.ended_date > states_at_as_of.paid_start_date)
),

elapsed as (
    select
        paid.*,
        (extract(year from observed_until_date) - extract(year from paid_start_date)) * 12
        + extract(month from observed_until_date) - extract(month from paid_start_date)
        - case when extract(day from observed_until_date) < extract(day from paid_start_date) then 1 else 0 end
            as whole_months,
        {{ dbt.datediff('paid_start_date', 'observed_until_date', 'day') }} as elapsed_days
    from paid
),

final as (
    select
        subscription_id,
        account_id,
        segment,
        billing_interval,
        months_per_period,
        days_per_period,
        paid_start_date,
        ended_date,
        is_churned,
        cast(
            case
                when whole_months < 0 or elapsed_days < 0 then 0
                when months_per_period is not null then floor(whole_months / months_per_period)
                else floor(elapsed_days / days_per_period)
            end as integer
        ) as renewals,
        case
            when not is_churned
                then cast(coalesce(mrr_usd, 0) * months_in_period as decimal(18, 2))
        end as period_revenue_usd
    from elapsed
)

select * from final
