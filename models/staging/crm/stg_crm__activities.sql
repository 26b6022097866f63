-- grain: one row per CRM activity (latest version)
with

base as (
    select * from {{ ref('base_crm__activities') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        activity_id,
        account_id,
        user_id,
        contact_id,
        activity_type,
        occurred_at,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
