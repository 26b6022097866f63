-- grain: one row per billing product (latest version)
with

base as (
    select * from {{ ref('base_billing__products') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        product_id,
        product_name,
        product_category,
        is_active,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
