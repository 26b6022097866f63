-- grain: one row per scored account-week with 90 days of future before as_of_date, among paying
-- customers (MRR > 0 at the snapshot): the score then, and whether the account churned (entered
-- the churned stage) within the 90 days after the snapshot. What health_backtest aggregates,
-- and what scripts/health_ceiling.py compares with the simulator's truth.
with

health_weeks as (
    select * from {{ ref('int_account_health_weekly') }}
),

stage_spells as (
    select * from {{ ref('int_lifecycle_stage_spells') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

observable_weeks as (
    select
        health_weeks.account_id,
        health_weeks.week,
        health_weeks.snapshot_date,
        cast({{ dbt.dateadd('day', 90, 'health_weeks.snapshot_date') }} as date) as horizon_date,
        health_weeks.health_score,
        health_weeks.health_band
    from health_weeks
    cross join as_of
    where health_weeks.mrr_usd > 0
        and {{ dbt.dateadd('day', 90, 'health_weeks.snapshot_date') }} <= as_of.as_of_date
),

churns as (
    select
        observable_weeks.account_id,
        observable_weeks.week
    from observable_weeks
    inner join stage_spells
        on observable_weeks.account_id = stage_spells.account_id
            and stage_spells.stage = 'churned'
            and stage_spells.valid_from > observable_weeks.snapshot_date
            and stage_spells.valid_from <= observable_weeks.horizon_date
    group by
        observable_weeks.account_id,
        observable_weeks.week
),

final as (
    select
        observable_weeks.account_id,
        observable_weeks.week,
        observable_weeks.snapshot_date,
        observable_weeks.health_score,
        observable_weeks.health_band,
        churns.account_id is not null as churned_90d
    from observable_weeks
    left join churns
        on observable_weeks.account_id = churns.account_id
            and observable_weeks.week = churns.week
)

select * from final
