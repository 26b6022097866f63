-- grain: one row per vendor staff user (latest version)
with

base as (
    select * from {{ ref('base_crm__users') }}
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
        full_name,
        email,
        role,
        is_active,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
