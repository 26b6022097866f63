-- grain: one row per subscription per month, from the month of the subscription's earliest start
-- through the as_of month: the subscription's state at the month's snapshot instant and whether it
-- contributes MRR then (docs/metrics.md, MRR)
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

months as (
    select * from {{ ref('int_months') }}
),

-- every month from the earliest start any version records: an open-ended subscription stays on
-- the spine until as_of, whatever its current period is
subscription_first_months as (
    select
        subscription_id,
        cast({{ dbt.date_trunc('month', 'min(started_at)') }} as date) as first_month
    from subscriptions
    group by subscription_id
),

subscription_months as (
    select
        subscription_first_months.subscription_id,
        months.month,
        months.snapshot_cutoff_at
    from subscription_first_months
    inner join months
        on months.month >= subscription_first_months.first_month
),

-- the version valid at T and whether it contributes then: the contract's rules, shared with the
-- daily billing spells (macros/subscription_states_at.sql)
classified as (
    {{ subscription_states_at('subscription_months', 'subscriptions', ['month']) }}
),

final as (
    select
        subscription_id,
        month,
        snapshot_cutoff_at,
        customer_id,
        status,
        started_at,
        trial_end_at,
        is_cancel_at_period_end,
        canceled_at,
        ended_at,
        discount_percent_off,
        version_number,
        valid_from,
        valid_to,
        contribution_status,
        contribution_status = 'contributing' as is_contributing
    from classified
)

select * from final
