-- grain: one row per landed row of fivetran_stripe.invoice, in the shape of billing.invoices
with

invoice as (
    select * from {{ source('fivetran_stripe', 'invoice') }}
),

final as (
    select
        id,
        customer_id,
        subscription_id,
        number,
        status,
        billing_reason,
        currency,
        subtotal,
        -- Stripe lists the discounts' amounts; none listed is no discount
        cast(coalesce({{ json_array_sum('total_discount_amounts', 'amount') }}, 0) as {{ dbt.type_string() }})
            as discount_total,
        coalesce(tax, '0') as tax,
        total,
        amount_paid,
        amount_due,
        period_start,
        period_end,
        created as created_at,
        due_date,
        status_transitions_paid_at as paid_at,
        coalesce(attempt_count, '0') as attempt_count,
        _fivetran_synced as _loaded_at,
        _batch_file,
        _row_number
    from invoice
)

select * from final
