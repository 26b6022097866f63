-- grain: one row per account that had MRR > 0 in at least one month through the as_of month: its
-- first paid month and its MRR at the as_of month's snapshot (end of as_of_date), read from the
-- rounded account rows, so dim_accounts and the waterfall's last month agree to the cent
with

account_mrr as (
    select * from {{ ref('int_account_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

first_paid_months as (
    select
        account_id,
        min(month) as first_paid_month
    from account_mrr
    where mrr_usd > 0
    group by account_id
),

as_of_month_mrr as (
    select
        account_mrr.account_id,
        account_mrr.mrr_usd
    from account_mrr
    inner join months
        on account_mrr.month = months.month
            and months.is_as_of_month
),

final as (
    select
        first_paid_months.account_id,
        first_paid_months.first_paid_month,
        cast(coalesce(as_of_month_mrr.mrr_usd, 0) as decimal(18, 2)) as current_mrr_usd
    from first_paid_months
    left join as_of_month_mrr
        on first_paid_months.account_id = as_of_month_mrr.account_id
)

select * from final
