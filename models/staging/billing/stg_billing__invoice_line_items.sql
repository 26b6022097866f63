-- grain: one row per invoice line item (latest version), amounts in minor units and USD (unrounded)
with

base as (
    select * from {{ ref('base_billing__invoice_line_items') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        invoice_line_item_id,
        invoice_id,
        subscription_id,
        subscription_item_id,
        price_id,
        line_type,
        description,
        quantity,
        amount_minor,
        discount_amount_minor,
        amount_usd,
        discount_amount_usd,
        is_proration,
        period_start_at,
        period_end_at,
        currency,
        minor_unit_exponent,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
