-- grain: one row per landed row of usage.workspaces (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'workspaces') }}
),

classified as (
    {{ classify_contract_rows('source', 'usage', 'workspaces') }}
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
