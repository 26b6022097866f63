-- grain: one row per billing product (latest version)
with

base as (
    select * from {{ ref('base_billing__products') }}
),

final as (
    select
        product_id,
        product_name,
        product_category,
        is_active,
        loaded_at,
        _batch_file as batch_file
    from base
    where _row_status = 'staged'
)

select * from final
