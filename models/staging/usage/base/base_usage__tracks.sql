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

-- the server and client clocks, parsed once
clocked as (
    select
        source.*,
        {{ parse_timestamp('received_at') }} as _received_at,
        {{ parse_timestamp(adapter.quote('timestamp')) }} as _client_timestamp_at
    from source
),

-- the client clock is trusted unless it is unparseable or more than a day off the server clock
timed as (
    select
        clocked.*,
        (
            _client_timestamp_at is null
            or _client_timestamp_at > {{ dbt.dateadd('day', 1, '_received_at') }}
            or _client_timestamp_at < {{ dbt.dateadd('day', -1, '_received_at') }}
        ) as _is_event_time_from_server
    from clocked
),

-- this table's own rules, checked after the contract's key, type and load-time rules; an
-- unparseable client `timestamp` is not one (event_at falls back to received_at)
checked as (
    select
        timed.*,
        case when timed._is_event_time_from_server then timed._received_at else timed._client_timestamp_at end
            as _event_at,
        case
            -- received_at is required: without the server clock an event cannot be placed in time
            when timed.received_at is null then 'unparseable_timestamp'
            when timed.properties is not null and not {{ is_json_object('timed.properties') }} then 'malformed_json'
            when timed.workspace_id is not null and workspaces.workspace_id is null then 'orphan_foreign_key'
        end as _table_rule
    from timed
    left join workspaces
        on timed.workspace_id = workspaces.workspace_id
),

-- the payload a redelivery repeats is every landed column but the server and loader clocks
classified as (
    {{ classify_contract_rows(
        'checked',
        'usage',
        'tracks',
        table_rule='_table_rule',
        payload_exclude=['received_at'],
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
        _event_at as event_at,
        _client_timestamp_at as client_timestamp_at,
        _received_at as received_at,
        _is_event_time_from_server as is_event_time_from_server,
        cast(_event_at as date) as event_date,
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
