-- grain: one row per landed row of usage.tracks (every delivery of every message), typed and
-- classified. Events are immutable: the FIRST delivery of a message_id wins (earliest
-- received_at, then _loaded_at); a redelivery with the same payload is a `duplicate`, one with a
-- different payload is quarantined as `duplicate_key_conflict`.
-- Incremental (the largest table): a run classifies the rows of the batch files it has not seen,
-- together with every earlier row of the message ids they carry (a later delivery can win over an
-- earlier one), and the rows whose workspace check would now come out differently (a workspace
-- that landed after its events); it replaces exactly those keys (delete+insert by _row_key).
-- A key's classification depends only on its own rows and its workspace, so this equals a full
-- refresh (tests/test_usage_incremental.py). Spark rebuilds the table (incremental_rows_materialized).
-- The CTEs over the raw rows are read more than once and inlined (inline_cte): never a stored copy;
-- an incremental run reads the raw rows it classifies once and stores that small set (stored_cte).
{{
    config(
        materialized=incremental_rows_materialized(),
        incremental_strategy='delete+insert',
        unique_key='_row_key',
        on_schema_change='fail',
    )
}}
with

{% if is_incremental() -%}
-- the batch files this table has classified
classified_files as (
    select distinct _batch_file
    from {{ this }}
),

-- the rows of the batch files it has not: only their key and file (a scan of two columns)
new_keys as (
    select
        raw_tracks.message_id,
        raw_tracks._batch_file
    from {{ landed('usage', 'tracks') }} as raw_tracks
    left join classified_files
        on raw_tracks._batch_file = classified_files._batch_file
    where classified_files._batch_file is null
),

new_files as (
    select distinct _batch_file
    from new_keys
),

-- rows whose workspace check changed: quarantined as orphans whose workspace is staged now, or
-- kept with a workspace that no longer is (the parent in stg_usage__workspaces, from the contract)
rechecked_keys as (
    {{ changed_parent_keys(this, 'usage', 'tracks') }}
),

touched_keys as (
    select message_id as _row_key from new_keys where message_id is not null
    union
    select _row_key from rechecked_keys
),

-- the rows to classify: those of the new files and every row of a touched key, read in one scan
-- of the raw table and stored (a small set, read twice by the classification below)
source as {{ stored_cte() }} (
    select raw_tracks.*
    from {{ landed('usage', 'tracks') }} as raw_tracks
    left join new_files
        on raw_tracks._batch_file = new_files._batch_file
    left join touched_keys
        on raw_tracks.message_id = touched_keys._row_key
    where
        new_files._batch_file is not null
        or touched_keys._row_key is not null
),
{%- else -%}
source as {{ inline_cte() }} (
    select * from {{ landed('usage', 'tracks') }}
),
{%- endif %}

-- the server and client clocks, parsed once
clocked as {{ inline_cte() }} (
    select
        source.*,
        {{ parse_timestamp('received_at') }} as _received_at,
        {{ parse_timestamp(adapter.quote('timestamp')) }} as _client_timestamp_at
    from source
),

-- the client clock is trusted unless it is unparseable or more than a day off the server clock
timed as {{ inline_cte() }} (
    select
        clocked.*,
        (
            _client_timestamp_at is null
            or _client_timestamp_at > {{ dbt.dateadd('day', 1, '_received_at') }}
            or _client_timestamp_at < {{ dbt.dateadd('day', -1, '_received_at') }}
        ) as _is_event_time_from_server
    from clocked
),

-- the contract's rules: key, types, load time, then the workspace in its staged rows
-- (stg_usage__workspaces), with received_at required (missing_value: without the server clock an
-- event cannot be placed in time); then this table's own. The first delivery wins, and the payload a
-- redelivery repeats is every landed column but the two clocks.
-- An unparseable client `timestamp` is not a rule (event_at falls back to received_at).
classified as (
    {% call classify_contract_rows(
        'timed',
        'usage',
        'tracks',
        payload_exclude=['received_at'],
        winner_order='_received_at asc, loaded_at asc, _batch_file asc, _row_number asc',
        changed_payload='conflict',
        missing_when=['received_at is null'],
    ) -%}
        when properties is not null and not {{ is_json_object('properties') }} then 'malformed_json'
    {%- endcall %}
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
        {{ classified_row_columns() }}
    from classified
)

select * from final
