-- grain: one row per invoice (latest version), amounts in minor units and USD (unrounded)
with

base as (
    select * from {{ ref('base_billing__invoices') }}
),

-- the row that won for each key (see the base model)
staged as (
    select *
    from base
    where _row_status = 'staged'
),

final as (
    select
        invoice_id,
        customer_id,
        subscription_id,
        invoice_number,
        status,
        billing_reason,
        currency,
        minor_unit_exponent,
        subtotal_amount_minor,
        discount_total_amount_minor,
        tax_amount_minor,
        total_amount_minor,
        amount_paid_minor,
        amount_due_minor,
        subtotal_usd,
        discount_total_usd,
        tax_usd,
        total_usd,
        amount_paid_usd,
        amount_due_usd,
        period_start_at,
        period_end_at,
        created_at,
        due_at,
        paid_at,
        attempt_count,
        loaded_at,
        _batch_file as batch_file
    from staged
)

select * from final
