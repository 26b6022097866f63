-- grain: one row per product workspace (latest version)
with

base as (
    select * from {{ ref('base_usage__workspaces') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        workspace_id,
        workspace_name,
        crm_account_id,
        created_at,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
