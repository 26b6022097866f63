-- grain: one row per landed row of usage.tracks (every delivery of every message), typed and
-- classified. Events are immutable: the FIRST delivery of a message_id wins (earliest
-- received_at, then _loaded_at); a redelivery with the same payload is a `duplicate`, one with a
-- different payload is quarantined as `duplicate_key_conflict`.
with

source as (
    select * from {{ source('usage', 'tracks') }}
),

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

-- every landed row with its three clocks parsed once: load, server and client
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        {{ parse_timestamp('received_at') }} as _received_at,
        {{ parse_timestamp(adapter.quote('timestamp')) }} as _client_timestamp_at
    from source
),

-- the client clock is trusted unless it is unparseable or more than a day off the server clock
timed as (
    select
        landed.*,
        (
            _client_timestamp_at is null
            or _client_timestamp_at > {{ dbt.dateadd('day', 1, '_received_at') }}
            or _client_timestamp_at < {{ dbt.dateadd('day', -1, '_received_at') }}
        ) as _is_event_time_from_server
    from landed
),

-- each foreign key's staged parent (null: an orphan, or no workspace given)
with_parents as (
    {{ join_parents('timed', {'workspace_id': 'workspaces'}) }}
),

-- the first contract rule the row breaks (null: none), its key and the payload a redelivery
-- repeats (everything but the server and loader clocks). An unparseable client `timestamp` is
-- not a rule (event_at falls back to received_at).
checked as (
    select
        with_parents.*,
        case
            {{ contract_rules('usage', 'tracks') }}
            -- received_at is required: without the server clock an event cannot be placed in time
            when received_at is null then 'unparseable_timestamp'
            when properties is not null and not {{ is_json_object('properties') }} then 'malformed_json'
            when workspace_id is not null and _parent_workspace_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        {{ contract_row_key('usage', 'tracks') }} as _row_key,
        {{ row_hash(contract_column_names('usage', 'tracks', exclude=['received_at', '_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('usage', 'tracks')) }} as _raw_values
    from with_parents
),

classified as (
    {{ classify_rows(
        'checked',
        partition_by='_row_key',
        winner_order='_received_at asc, loaded_at asc, _batch_file asc, _row_number asc',
        changed_payload='conflict',
    ) }}
),

final as (
    select
        message_id,
        user_id,
        anonymous_id,
        workspace_id,
        event as event_name,
        case when _is_event_time_from_server then _received_at else _client_timestamp_at end as event_at,
        _client_timestamp_at as client_timestamp_at,
        _received_at as received_at,
        _is_event_time_from_server as is_event_time_from_server,
        cast(
            case when _is_event_time_from_server then _received_at else _client_timestamp_at end as date
        ) as event_date,
        properties,
        loaded_at,
        _row_key,
        _row_status,
        _final_quarantine_rule as _quarantine_rule,
        _raw_values,
        _batch_file,
        _row_number
    from classified
)

select * from final
