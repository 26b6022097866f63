-- grain: one row per landed row of usage.workspaces (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('usage', 'workspaces') }}
),

-- the contract's rules: key, types, load time. Each row is classified as staged, duplicate,
-- superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'usage', 'workspaces') }}
),

final as (
    select
        workspace_id,
        name as workspace_name,
        crm_account_id,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
