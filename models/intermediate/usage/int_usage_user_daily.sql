-- grain: one row per workspace per user per day with staged usage events (usage_date = the
-- event's UTC event_date); user_id null is the one row of the workspace-day's anonymous events.
-- The only model that reads stg_usage__tracks (the largest table) besides the audit of staging:
-- every later usage model reads this one. Incremental: a run recomputes whole days and replaces
-- them (delete+insert by usage_date on DuckDB, insert_overwrite of the usage_date partitions on
-- Spark): the days with a staged event loaded after the table's latest last_loaded_at, and the
-- days whose staged events no longer add up to the table's (count, value events or their bits:
-- an event that changed status without a load of its own day, e.g. a later delivery that won
-- over an earlier one, or an edit of seeds/value_events.csv). --full-refresh (or the first
-- build) recomputes every day.
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
-- what the table already holds: its load watermark and its totals per day
stored_days as (
    select
        usage_date,
        sum(event_count) as event_count,
        sum(value_event_count) as value_event_count,
        {{ bit_or_agg('value_feature_mask') }} as value_feature_mask
    from {{ this }}
    group by usage_date
),

watermark as (
    select max(last_loaded_at) as last_loaded_at
    from {{ this }}
),

-- the same totals from staging now (a scan of four columns, no per-user aggregation)
staged_days as (
    select
        tracks.event_date as usage_date,
        count(*) as event_count,
        count(value_events.feature_bit) as value_event_count,
        coalesce({{ bit_or_agg('value_events.feature_bit') }}, 0) as value_feature_mask,
        max(tracks.loaded_at) as last_loaded_at
    from tracks
    left join value_events
        on tracks.event_name = value_events.event_name
    group by tracks.event_date
),

-- the days to recompute: new loads, or totals that moved without a load of that day (a later
-- delivery that wins over an earlier one moves an event between days; a seed edit changes
-- which events are value events and their bits)
changed_days as (
    select staged_days.usage_date
    from staged_days
    cross join watermark
    left join stored_days
        on staged_days.usage_date = stored_days.usage_date
    where
        watermark.last_loaded_at is null
        or staged_days.last_loaded_at > watermark.last_loaded_at
        or stored_days.usage_date is null
        or stored_days.event_count <> staged_days.event_count
        or stored_days.value_event_count <> staged_days.value_event_count
        or stored_days.value_feature_mask <> staged_days.value_feature_mask
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
