-- grain: one row per landed row of usage.users (every batch, every version), typed and classified
with

source as (
    select * from {{ source('usage', 'users') }}
),

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

-- this table's own rules, checked after the contract's key, type and load-time rules
checked as (
    select
        source.*,
        case
            -- workspace_id is nullable: only a given one must be a staged workspace
            when source.workspace_id is not null and workspaces.workspace_id is null then 'orphan_foreign_key'
        end as _table_rule
    from source
    left join workspaces
        on source.workspace_id = workspaces.workspace_id
),

classified as (
    {{ classify_contract_rows('checked', 'usage', 'users', table_rule='_table_rule') }}
),

final as (
    select
        user_id,
        workspace_id,
        email,
        role,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('deactivated_at') }} as deactivated_at,
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
