-- grain: one row per landed row of fivetran_stripe.refund, in the shape of billing.refunds
with

refund as (
    select * from {{ source('fivetran_stripe', 'refund') }}
),

charge as (
    select * from {{ source('fivetran_stripe', 'charge') }}
),

-- a refund names a charge, the charge names the invoice: the latest sync of each charge
charge_invoices as (
    {{ latest_sync('charge') }}
),

final as (
    select
        refund.id,
        charge_invoices.invoice_id,
        refund.amount,
        refund.currency,
        refund.reason,
        refund.status,
        refund.created as created_at,
        refund._fivetran_synced as _loaded_at,
        refund._batch_file,
        refund._row_number
    from refund
    left join charge_invoices
        on refund.charge_id = charge_invoices.id
)

select * from final
