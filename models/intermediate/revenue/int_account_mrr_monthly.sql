-- grain: one row per account per month, from the month of the account's earliest subscription
-- start through the as_of month: MRR in USD rounded to 2 places at this grain (docs/metrics.md,
-- Conventions: every total above is a sum of these rounded rows)
with

item_mrr as (
    select * from {{ ref('int_item_mrr_monthly') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

-- a customer missing from int_customer_accounts (e.g. its customer row was quarantined) keeps
-- its revenue under its own billing account: revenue is never dropped for want of a mapping
item_mrr_accounts as (
    select
        coalesce(customer_accounts.account_id, 'billing:' || item_mrr.customer_id) as account_id,
        item_mrr.*
    from item_mrr
    left join customer_accounts
        on item_mrr.customer_id = customer_accounts.customer_id
),

-- sum unrounded item MRR, then round once: first to 10 places (absorbs the 12th-place rounding
-- of non-terminating item divisions so an exact half cent stays exact), then to the cent
account_months as (
    select
        account_id,
        month,
        round(round(sum(item_mrr_usd), 10), 2) as mrr_usd_rounded,
        count(distinct case when is_contributing then subscription_id end) as contributing_subscriptions,
        sum(case when is_contributing then 1 else 0 end) as contributing_items
    from item_mrr_accounts
    group by
        account_id,
        month
),

final as (
    select
        account_id,
        month,
        cast(mrr_usd_rounded as decimal(18, 2)) as mrr_usd,
        contributing_subscriptions,
        contributing_items
    from account_months
)

select * from final
