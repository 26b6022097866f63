-- grain: one row per landed row of usage.users (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'users') }}
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

typed as (
    select
        user_id,
        workspace_id,
        email,
        role,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deactivated_at') }} as deactivated_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when user_id is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            when {{ is_unparseable('deactivated_at', parse_timestamp('deactivated_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
            when workspace_id is not null and _parent_workspace_id is null then 'orphan_foreign_key'
        end as _quarantine_rule,
        user_id as _row_key,
        {{ row_hash(['user_id', 'workspace_id', 'email', 'role', 'created_at', 'deactivated_at']) }} as _payload_hash,
        {{ json_object_of(['user_id', 'workspace_id', 'email', 'role', 'created_at', 'deactivated_at', '_loaded_at']) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from with_parent
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        user_id,
        workspace_id,
        email,
        role,
        created_at,
        deactivated_at,
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
