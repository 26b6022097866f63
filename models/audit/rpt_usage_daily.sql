-- grain: one row per day with staged usage events (event_date): events, active users, the day's
-- volume against the median of the previous 28 days with events, and how many days the latest
-- event lies before as_of_date (usage freshness; the latest event time comes from int_as_of_date,
-- capped there at the server clock received_at, so a client clock ahead of time does not look fresh).
-- Aggregated from int_usage_user_daily (one row per workspace, user and day), the usage models'
-- single read of stg_usage__tracks, the largest table. Validated by
-- expectations/audit.rpt_usage_daily.json.
with

user_daily as (
    select * from {{ ref('int_usage_user_daily') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- a user active in several workspaces that day counts once
daily as (
    select
        usage_date as event_date,
        cast(sum(event_count) as bigint) as events,
        count(distinct user_id) as active_users
    from user_daily
    group by usage_date
),

with_trailing as (
    select
        daily.*,
        {{ median_of('daily.events') }} over (
            order by daily.event_date
            rows between 28 preceding and 1 preceding
        ) as trailing_median_events
    from daily
),

final as (
    select
        with_trailing.event_date,
        with_trailing.events,
        with_trailing.active_users,
        with_trailing.trailing_median_events,
        with_trailing.events / nullif(with_trailing.trailing_median_events, 0) as events_vs_trailing_median,
        {{ dbt.datediff('cast(as_of.latest_usage_event_at as date)', 'as_of.as_of_date', 'day') }} as days_behind_as_of
    from with_trailing
    cross join as_of
)

select * from final
