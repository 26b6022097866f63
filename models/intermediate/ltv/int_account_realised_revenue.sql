-- grain: one row per account with at least one paid invoice by the end of as_of_date: realised
-- value so far (paid, net of tax, minus succeeded refunds; docs/metrics.md, LTV), USD, rounded to
-- the cent at the account grain, by revenue type, and when it first paid for services
with

invoice_revenue as (
    select * from {{ ref('int_invoice_revenue') }}
),

final as (
    select
        account_id,
        cast(sum(case when revenue_type = 'recurring' then realised_usd else 0 end) as decimal(18, 2))
            as realised_recurring_usd,
        cast(sum(case when revenue_type = 'services' then realised_usd else 0 end) as decimal(18, 2))
            as realised_services_usd,
        cast(sum(case when revenue_type = 'other' then realised_usd else 0 end) as decimal(18, 2))
            as realised_other_usd,
        cast(sum(refunded_usd) as decimal(18, 2)) as refunded_usd,
        count(distinct invoice_id) as paid_invoices,
        min(case when revenue_type = 'services' and net_usd > 0 then paid_date end) as first_services_paid_date
    from invoice_revenue
    group by account_id
)

select
    *,
    cast(realised_recurring_usd + realised_services_usd + realised_other_usd as decimal(18, 2)) as realised_total_usd
from final
