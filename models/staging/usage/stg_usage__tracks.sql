-- grain: one row per product event (message_id), its first delivery; exact redeliveries are
-- collapsed into it and counted.
-- A view that only filters and renames: the base model already holds every typed column and the
-- redelivery count (_duplicate_count), so a table would store the largest table a second time, and
-- a scan of it (int_usage_user_daily, the reconciliation, data tests) reads the base table once.
{{ config(materialized='view') }}
with

base as (
    select * from {{ ref('base_usage__tracks') }}
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
        base._duplicate_count as redelivery_count,
        base.loaded_at,
        base._batch_file as batch_file
    from base
    where base._row_status = 'staged'
)

select * from final
