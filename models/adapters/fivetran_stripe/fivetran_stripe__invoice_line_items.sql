-- grain: one row per landed row of fivetran_stripe.invoice_line_item, in the shape of
-- billing.invoice_line_items
with

invoice_line_item as (
    select * from {{ source('fivetran_stripe', 'invoice_line_item') }}
),

final as (
    select
        id,
        invoice_id,
        subscription_id,
        subscription_item_id,
        coalesce(price_id, plan_id) as price_id,
        type,
        description,
        quantity,
        amount,
        -- Stripe lists the discounts' amounts on the line; none listed is no discount
        cast(coalesce({{ json_array_sum('discount_amounts', 'amount') }}, 0) as {{ dbt.type_string() }})
            as discount_amount,
        coalesce(proration, 'false') as proration,
        period_start,
        period_end,
        currency,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from invoice_line_item
)

select * from final
