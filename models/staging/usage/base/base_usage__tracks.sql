-- grain: one row per landed row of usage.tracks (every delivery of every message), typed and
-- classified. Events are immutable: the FIRST delivery of a message_id wins (earliest
-- received_at, then _loaded_at); a redelivery with the same payload is a `duplicate`, one with a
-- different payload is quarantined as `duplicate_key_conflict`.
{%- set ts = adapter.quote('timestamp') %}
with

source as (
    select * from {{ source('usage', 'tracks') }}
),

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

-- a workspace_id, when given, must be a staged workspace
with_parent as (
    select
        source.*,
        workspaces.workspace_id as _parent_workspace_id
    from source
    left join workspaces
        on source.workspace_id = workspaces.workspace_id
),

parsed as (
    select
        with_parent.*,
        {{ parse_timestamp(ts) }} as _client_timestamp_at,
        {{ parse_timestamp('received_at') }} as _received_at
    from with_parent
),

-- the client clock is trusted unless it is unparseable or more than a day off the server clock
timed as (
    select
        parsed.*,
        (
            _client_timestamp_at is null
            or _client_timestamp_at > {{ dbt.dateadd('day', 1, '_received_at') }}
            or _client_timestamp_at < {{ dbt.dateadd('day', -1, '_received_at') }}
        ) as _is_event_time_from_server
    from parsed
),

typed as (
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
        properties,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null; an unparseable client `timestamp` is
        -- not a rule (event_at falls back to received_at), but received_at is required
        case
            when message_id is null then 'null_primary_key'
            when received_at is null then 'unparseable_timestamp'
            when {{ is_unparseable('received_at', '_received_at') }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when properties is not null and not {{ is_json_object('properties') }} then 'malformed_json'
            when workspace_id is not null and _parent_workspace_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        message_id as _row_key,
        -- the payload a redelivery repeats: everything but the server and loader clocks
        {{ row_hash(['message_id', 'user_id', 'anonymous_id', 'workspace_id', 'event', ts, 'properties']) }} as _payload_hash,
        {{ json_object_of([
            'message_id', 'user_id', 'anonymous_id', 'workspace_id', 'event', 'timestamp', 'received_at',
            'properties', '_loaded_at',
        ]) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from timed
),

classified as (
    {{ classify_rows(
        'typed',
        partition_by='_row_key',
        winner_order='received_at asc, _loaded_at asc, _batch_file asc, _row_number asc',
        changed_payload='conflict',
    ) }}
),

final as (
    select
        message_id,
        user_id,
        anonymous_id,
        workspace_id,
        event_name,
        event_at,
        client_timestamp_at,
        received_at,
        is_event_time_from_server,
        cast(event_at as date) as event_date,
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
