-- grain: one row per workspace per user per day with staged usage events (usage_date = the
-- event's UTC event_date); user_id null is the one row of the workspace-day's anonymous events.
-- The only model that reads stg_usage__tracks (the largest table) besides the audit of staging:
-- every later usage model reads this one. Incremental: a run recomputes whole days - those with
-- a staged event loaded after the table's latest last_loaded_at, and those whose staged event
-- count no longer matches the table (an event that changed status, e.g. a first delivery that
-- arrived late and replaced an earlier winner) - and replaces them (delete+insert by usage_date
-- on DuckDB, insert_overwrite of the usage_date partitions on Spark). --full-refresh (or the
-- first build) recomputes every day; needed after an edit of seeds/value_events.csv.
{{
    config(
        materialized='incremental',
        incremental_strategy=incremental_day_strategy(),
        unique_key='usage_date',
        partition_by=incremental_day_partition_by('usage_date'),
        on_schema_change='fail',
    )
}}
with

tracks as (
    select * from {{ ref('stg_usage__tracks') }}
),

value_events as (
    select * from {{ ref('int_value_events') }}
),

{% if is_incremental() %}
-- what the table already holds: its load watermark and its event count per day
stored_days as (
    select
        usage_date,
        sum(event_count) as event_count
    from {{ this }}
    group by usage_date
),

watermark as (
    select max(last_loaded_at) as last_loaded_at
    from {{ this }}
),

staged_days as (
    select
        event_date as usage_date,
        count(*) as event_count,
        max(loaded_at) as last_loaded_at
    from tracks
    group by event_date
),

-- the days to recompute: new loads, or a count that moved (a day can gain or lose events
-- without a new load of its own when a later delivery wins over an earlier one)
changed_days as (
    select staged_days.usage_date
    from staged_days
    cross join watermark
    left join stored_days
        on staged_days.usage_date = stored_days.usage_date
    where
        watermark.last_loaded_at is null
        or staged_days.last_loaded_at > watermark.last_loaded_at
        or stored_days.event_count is null
        or stored_days.event_count <> staged_days.event_count
),

tracks_to_aggregate as (
    select tracks.*
    from tracks
    inner join changed_days
        on tracks.event_date = changed_days.usage_date
),
{% else %}
tracks_to_aggregate as (
    select * from tracks
),
{% endif %}

-- each event with its value-event bit (null when it is not a value event)
classified as (
    select
        tracks_to_aggregate.workspace_id,
        tracks_to_aggregate.user_id,
        tracks_to_aggregate.event_date,
        tracks_to_aggregate.event_at,
        tracks_to_aggregate.received_at,
        tracks_to_aggregate.loaded_at,
        value_events.feature_bit
    from tracks_to_aggregate
    left join value_events
        on tracks_to_aggregate.event_name = value_events.event_name
),

final as (
    select
        workspace_id,
        user_id,
        event_date as usage_date,
        count(*) as event_count,
        count(feature_bit) as value_event_count,
        cast(coalesce(sum(distinct feature_bit), 0) as bigint) as value_feature_mask,
        min(case when feature_bit is not null then event_at end) as first_value_event_at,
        max(event_at) as last_event_at,
        -- an event happened no later than the server received it (int_as_of_date reads this)
        max(least(event_at, received_at)) as latest_business_event_at,
        max(loaded_at) as last_loaded_at
    from classified
    group by
        workspace_id,
        user_id,
        event_date
)

select * from final
