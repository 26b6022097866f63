-- Realised revenue loses nothing and invents nothing: for every paid invoice (paid by the end of
-- as_of_date), the revenue types of int_invoice_revenue sum to the invoice's total minus tax, and
-- their refunds to the net-of-tax share of the invoice's succeeded refunds (refund x (total -
-- tax) / total). Returns the invoices that disagree by more than a cent.
with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

refunds as (
    select * from {{ ref('stg_billing__refunds') }}
),

invoice_revenue as (
    select * from {{ ref('int_invoice_revenue') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

paid as (
    select
        invoices.invoice_id,
        invoices.total_usd,
        invoices.total_usd - invoices.tax_usd as expected_net_usd
    from invoices
    cross join as_of
    where invoices.status = 'paid'
        and invoices.paid_at < cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)
),

expected_refunds as (
    select
        refunds.invoice_id,
        sum(refunds.amount_usd) as expected_refunded_usd
    from refunds
    cross join as_of
    where refunds.status = 'succeeded'
        and refunds.created_at < cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp)
    group by refunds.invoice_id
),

paid_with_refunds as (
    select
        paid.invoice_id,
        paid.expected_net_usd,
        coalesce(
            expected_refunds.expected_refunded_usd
            * case when paid.total_usd <> 0 then paid.expected_net_usd / paid.total_usd else 1 end,
            0
        ) as expected_refunded_usd
    from paid
    left join expected_refunds
        on paid.invoice_id = expected_refunds.invoice_id
),

actual as (
    select
        invoice_id,
        sum(net_usd) as net_usd,
        sum(refunded_usd) as refunded_usd
    from invoice_revenue
    group by invoice_id
)

select
    paid.invoice_id,
    paid.expected_net_usd,
    actual.net_usd,
    paid.expected_refunded_usd,
    actual.refunded_usd
from paid_with_refunds as paid
left join actual
    on paid.invoice_id = actual.invoice_id
where actual.invoice_id is null
    or abs(actual.net_usd - paid.expected_net_usd) > 0.01
    or abs(actual.refunded_usd - paid.expected_refunded_usd) > 0.01
