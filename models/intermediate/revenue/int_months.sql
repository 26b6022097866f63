-- grain: one row per calendar month, from the month of the earliest subscription start in the
-- billing history (every version, not the current period) through the month of as_of_date
with

subscriptions as (
    select * from {{ ref('stg_billing__subscriptions') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(subscriptions.started_at)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(as_of.as_of_date)') }} as date) as last_month
    from as_of
    cross join subscriptions
),

spine as (
    {{ date_spine('month', '(select first_month from bounds)', '(select last_month from bounds)') }}
),

-- the month's snapshot instant T is its last instant; the as_of month's is the end of
-- as_of_date. snapshot_cutoff_at is the exclusive bound just after T: state at T is the version
-- with valid_from < cutoff <= valid_to, and "x <= T" reads "x < cutoff".
final as (
    select
        spine.period_start_date as month,
        cast({{ dbt.last_day('spine.period_start_date', 'month') }} as date) as month_end_date,
        case
            when spine.period_start_date = bounds.last_month then as_of.as_of_date
            else cast({{ dbt.last_day('spine.period_start_date', 'month') }} as date)
        end as snapshot_date,
        case
            when spine.period_start_date = bounds.last_month
                then cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)
            else cast({{ dbt.dateadd('month', 1, 'spine.period_start_date') }} as timestamp)
        end as snapshot_cutoff_at,
        spine.period_start_date = bounds.last_month as is_as_of_month
    from spine
    cross join bounds
    cross join as_of
)

select * from final
