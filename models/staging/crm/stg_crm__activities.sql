-- grain: one row per CRM activity (latest version)
with

base as (
    select * from {{ ref('base_crm__activities') }}
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
    from base
    where _row_status = 'staged'
)

select * from final
