-- grain: one row per landed row of fivetran_stripe.product, in the shape of billing.products
with

product as (
    select * from {{ source('fivetran_stripe', 'product') }}
),

final as (
    select
        id,
        name,
        -- Stripe has no product category: a metadata key carries it (var stripe_product_category_key),
        -- else the var stripe_default_product_category (`plan`)
        coalesce(
            case
                when {{ is_json_object('metadata') }}
                    then {{ json_extract_string('metadata', '$.' ~ var('stripe_product_category_key', 'category')) }}
            end,
            '{{ var("stripe_default_product_category", "plan") }}'
        ) as category,
        coalesce(active, 'true') as active,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from product
)

select * from final
