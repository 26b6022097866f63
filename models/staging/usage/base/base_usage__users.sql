-- grain: one row per landed row of usage.users (every batch, every version), typed and classified
with

source as (
    select * from {{ landed('usage', 'users') }}
),

-- the contract's rules: key, types, load time, parents (stg_usage__workspaces). Each row is
-- classified as staged, duplicate, superseded or quarantined
classified as (
    {{ classify_contract_rows('source', 'usage', 'users') }}
),

final as (
    select
        user_id,
        workspace_id,
        email,
        role,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deactivated_at') }} as deactivated_at,
        {{ classified_row_columns() }}
    from classified
)

select * from final
