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

-- the version valid at T (valid_from <= T < valid_to, i.e. valid_from < cutoff <= valid_to);
-- should staging ever hand over overlapping versions, the latest one wins (never double counted)
versions_at_snapshot as (
    select
        subscription_months.month,
        subscription_months.snapshot_cutoff_at,
        subscriptions.*,
        row_number() over (
            partition by subscription_months.subscription_id, subscription_months.month
            order by
                subscriptions.valid_from desc,
                subscriptions.version_number desc,
                subscriptions.loaded_at desc
        ) as version_rank
    from subscription_months
    inner join subscriptions
        on subscription_months.subscription_id = subscriptions.subscription_id
            and subscriptions.valid_from < subscription_months.snapshot_cutoff_at
            and subscriptions.valid_to >= subscription_months.snapshot_cutoff_at
),

states as (
    select * from versions_at_snapshot
    where version_rank = 1
),

-- contributes at T: started (started_at <= T), no trial running (not trial_end_at > T), not
-- ended (not ended_at <= T), status active/past_due, or canceled but still running (ended_at > T)
classified as (
    select
        states.*,
        case
            when states.started_at is null or states.started_at >= states.snapshot_cutoff_at
                then 'not_started'
            when states.ended_at < states.snapshot_cutoff_at
                then 'ended'
            when states.trial_end_at >= states.snapshot_cutoff_at
                then 'in_trial'
            when states.status in ('active', 'past_due')
                then 'contributing'
            when states.status = 'canceled' and states.ended_at >= states.snapshot_cutoff_at
                then 'contributing'
            else 'status_' || coalesce(states.status, 'null')
        end as contribution_status
    from states
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
