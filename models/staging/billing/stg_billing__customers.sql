-- grain: one row per billing customer (latest version; soft-deleted customers kept, flagged)
with

base as (
    select * from {{ ref('base_billing__customers') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        customer_id,
        email,
        customer_name,
        currency,
        crm_account_id,
        created_at,
        is_delinquent,
        is_deleted,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
