-- grain: one row per product user (latest version)
with

base as (
    select * from {{ ref('base_usage__users') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
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
        _batch_file as batch_file
    from staged
)

select * from final
