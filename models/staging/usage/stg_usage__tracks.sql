-- grain: one row per product event (message_id), its first delivery; exact redeliveries are
-- collapsed into it and counted.
-- A view: the base model already holds every typed column, so a table would store the largest
-- table a second time; its one reader, int_usage_user_daily, reads it once per run.
{{ config(materialized='view') }}
with

base as (
    select * from {{ ref('base_usage__tracks') }}
),

redeliveries as (
    select
        _row_key,
        count(*) as redelivery_count
    from base
    where _row_status = 'duplicate'
    group by _row_key
),

final as (
    select
        base.message_id,
        base.user_id,
        base.anonymous_id,
        base.workspace_id,
        base.event_name,
        base.event_at,
        base.client_timestamp_at,
        base.received_at,
        base.is_event_time_from_server,
        base.event_date,
        base.properties,
        coalesce(redeliveries.redelivery_count, 0) as redelivery_count,
        base.loaded_at,
        base._batch_file as batch_file
    from base
    left join redeliveries
        on base._row_key = redeliveries._row_key
    where base._row_status = 'staged'
)

select * from final
