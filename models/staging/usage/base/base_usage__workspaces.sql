-- grain: one row per landed row of usage.workspaces (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'workspaces') }}
),

typed as (
    select
        workspace_id,
        name as workspace_name,
        crm_account_id,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        -- the first contract rule the row breaks, or null
        case
            when workspace_id is null then 'null_primary_key'
            when {{ is_unparseable('created_at', parse_timestamp('created_at')) }} then 'unparseable_timestamp'
            -- a row without a load time cannot be ordered among versions: missing counts as unparseable
            when {{ parse_timestamp('_loaded_at') }} is null then 'unparseable_timestamp'
        end as _quarantine_rule,
        workspace_id as _row_key,
        {{ row_hash(['workspace_id', 'name', 'crm_account_id', 'created_at']) }} as _payload_hash,
        {{ json_object_of(['workspace_id', 'name', 'crm_account_id', 'created_at', '_loaded_at']) }} as _raw_values,
        {{ parse_timestamp('_loaded_at') }} as _loaded_at,
        _batch_file,
        _row_number
    from source
),

classified as (
    {{ classify_rows('typed', partition_by='_row_key') }}
),

final as (
    select
        workspace_id,
        workspace_name,
        crm_account_id,
        created_at,
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
