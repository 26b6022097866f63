-- grain: one row per landed row of usage.workspaces (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'workspaces') }}
),

-- every landed row with its load time, parsed once
landed as (
    select
        source.*,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from source
),

-- the first contract rule the row breaks (null: none), its key and its payload
checked as (
    select
        landed.*,
        case
            {{ contract_rules('usage', 'workspaces') }}
        end as _quarantine_rule,
        {{ contract_row_key('usage', 'workspaces') }} as _row_key,
        {{ row_hash(contract_column_names('usage', 'workspaces', exclude=['_loaded_at'])) }} as _payload_hash,
        {{ json_object_of(contract_column_names('usage', 'workspaces')) }} as _raw_values
    from landed
),

classified as (
    {{ classify_rows('checked', partition_by='_row_key') }}
),

final as (
    select
        workspace_id,
        name as workspace_name,
        crm_account_id,
        {{ parse_timestamp('created_at') }} as created_at,
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
