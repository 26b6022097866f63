-- grain: one row per CRM account (latest version; soft-deleted accounts kept, flagged)
with

base as (
    select * from {{ ref('base_crm__accounts') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        account_id,
        account_name,
        industry,
        billing_country,
        employee_count,
        owner_user_id,
        csm_user_id,
        billing_customer_id,
        workspace_id,
        created_at,
        updated_at,
        is_deleted,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
