-- grain: one row per staged invoice: its status and total, and how many days before as_of_date
-- the latest invoice was created (billing freshness). Validated by
-- expectations/audit.rpt_invoice_checks.json.
with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

latest_invoice as (
    select cast(max(created_at) as date) as latest_invoice_date
    from invoices
),

freshness as (
    select
        {{ dbt.datediff('latest_invoice.latest_invoice_date', 'as_of.as_of_date', 'day') }} as days_since_last_invoice
    from latest_invoice
    cross join as_of
),

final as (
    select
        invoices.invoice_id,
        invoices.status,
        invoices.total_usd,
        cast(invoices.total_usd as double) as total_usd_value,
        freshness.days_since_last_invoice
    from invoices
    cross join freshness
)

select * from final
