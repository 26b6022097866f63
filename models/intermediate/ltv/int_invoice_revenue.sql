-- grain: one row per paid invoice (paid by the end of as_of_date) and revenue type: what the
-- customer paid net of tax, split by what the lines paid for, and the succeeded refunds against it
-- (docs/metrics.md, LTV). revenue_type: 'recurring' (subscription lines), 'services' (one-off lines
-- of a services product), 'other' (any other one-off line). net_usd is (amount - discount) of the
-- lines, which sums to the invoice's total - tax (tested); an invoice without staged lines (a $0
-- trial invoice) counts its whole total - tax under 'recurring' when it belongs to a subscription,
-- else 'other'. A refund returns the tax with it, so its net-of-tax share counts against revenue
-- (refund x (total - tax) / total: a full refund of a paid invoice leaves 0), spread over the
-- invoice's revenue types in proportion to their net amounts (a services-only invoice's refund is
-- all services). Open, void and uncollectible
-- invoices are not revenue, and refunds against them are not counted.
with

invoices as (
    select * from {{ ref('stg_billing__invoices') }}
),

lines as (
    select * from {{ ref('stg_billing__invoice_line_items') }}
),

prices as (
    select * from {{ ref('stg_billing__prices') }}
),

products as (
    select * from {{ ref('stg_billing__products') }}
),

refunds as (
    select * from {{ ref('stg_billing__refunds') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

cutoff as (
    select cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as timestamp) as cutoff_at
    from as_of
),

paid_invoices as (
    select
        invoices.invoice_id,
        invoices.customer_id,
        invoices.subscription_id,
        cast(invoices.paid_at as date) as paid_date,
        invoices.total_usd,
        invoices.total_usd - invoices.tax_usd as invoice_net_usd
    from invoices
    cross join cutoff
    where invoices.status = 'paid'
        and invoices.paid_at < cutoff.cutoff_at
),

typed_lines as (
    select
        lines.invoice_id,
        case
            when lines.line_type = 'subscription' then 'recurring'
            when products.product_category = 'services' then 'services'
            else 'other'
        end as revenue_type,
        lines.amount_usd - lines.discount_amount_usd as line_net_usd
    from lines
    left join prices
        on lines.price_id = prices.price_id
    left join products
        on prices.product_id = products.product_id
),

line_parts as (
    select
        invoice_id,
        revenue_type,
        sum(line_net_usd) as net_usd
    from typed_lines
    group by invoice_id, revenue_type
),

invoices_with_lines as (
    select distinct invoice_id
    from typed_lines
),

parts as (
    select
        paid_invoices.invoice_id,
        line_parts.revenue_type,
        line_parts.net_usd
    from paid_invoices
    inner join line_parts
        on paid_invoices.invoice_id = line_parts.invoice_id
    union all
    select
        paid_invoices.invoice_id,
        case when paid_invoices.subscription_id is not null then 'recurring' else 'other' end as revenue_type,
        paid_invoices.invoice_net_usd as net_usd
    from paid_invoices
    left join invoices_with_lines
        on paid_invoices.invoice_id = invoices_with_lines.invoice_id
    where invoices_with_lines.invoice_id is null
),

invoice_refunds as (
    select
        refunds.invoice_id,
        sum(refunds.amount_usd) as refunded_usd
    from refunds
    cross join cutoff
    where refunds.status = 'succeeded'
        and refunds.created_at < cutoff.cutoff_at
    group by refunds.invoice_id
),

-- each part's share of its invoice: by net amount; an invoice whose parts net to zero gives its
-- refund to its parts in equal shares
shared as (
    select
        parts.*,
        sum(parts.net_usd) over (partition by parts.invoice_id) as invoice_parts_usd,
        count(*) over (partition by parts.invoice_id) as invoice_part_count
    from parts
),

final as (
    select
        shared.invoice_id,
        shared.revenue_type,
        customer_accounts.account_id,
        paid_invoices.customer_id,
        paid_invoices.subscription_id,
        paid_invoices.paid_date,
        shared.net_usd,
        coalesce(
            invoice_refunds.refunded_usd
            -- the refund returns the tax with it: its net-of-tax share counts against revenue
            * case
                when paid_invoices.total_usd <> 0 then paid_invoices.invoice_net_usd / paid_invoices.total_usd
                else 1
            end
            * case
                when shared.invoice_parts_usd <> 0 then shared.net_usd / shared.invoice_parts_usd
                else 1.0 / shared.invoice_part_count
            end,
            0
        ) as refunded_usd
    from shared
    inner join paid_invoices
        on shared.invoice_id = paid_invoices.invoice_id
    left join invoice_refunds
        on shared.invoice_id = invoice_refunds.invoice_id
    left join customer_accounts
        on paid_invoices.customer_id = customer_accounts.customer_id
)

select
    *,
    net_usd - refunded_usd as realised_usd
from final
