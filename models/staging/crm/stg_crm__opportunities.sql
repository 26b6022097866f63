-- grain: one row per CRM opportunity (latest version; soft-deleted opportunities kept, flagged)
with

base as (
    select * from {{ ref('base_crm__opportunities') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        opportunity_id,
        account_id,
        owner_user_id,
        opportunity_type,
        stage,
        amount,
        currency,
        amount_usd,
        created_at,
        close_date,
        updated_at,
        is_deleted,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
