-- grain: one row per CRM contact (latest version; soft-deleted contacts kept, flagged)
with

base as (
    select * from {{ ref('base_crm__contacts') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        contact_id,
        account_id,
        email,
        first_name,
        last_name,
        title,
        persona,
        created_at,
        left_company_at,
        updated_at,
        is_deleted,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
