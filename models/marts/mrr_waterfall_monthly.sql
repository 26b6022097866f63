-- grain: one row per month, from the first month any account had MRR through the as_of month:
-- opening MRR, the movements, closing MRR; every figure is a sum of fct_mrr_monthly's rounded
-- account rows, so opening + new + reactivation + expansion + contraction + churn = closing to
-- the cent
with

mrr as (
    select * from {{ ref('fct_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

waterfall_months as (
    select months.month
    from months
    where months.month >= (select min(mrr.month) from mrr)
),

monthly_totals as (
    select
        month,
        sum(previous_mrr_usd) as opening_mrr_usd,
        sum(case when movement_type = 'new' then mrr_change_usd else 0 end) as new_mrr_usd,
        sum(case when movement_type = 'reactivation' then mrr_change_usd else 0 end) as reactivation_mrr_usd,
        sum(case when movement_type = 'expansion' then mrr_change_usd else 0 end) as expansion_mrr_usd,
        sum(case when movement_type = 'contraction' then mrr_change_usd else 0 end) as contraction_mrr_usd,
        sum(case when movement_type = 'churn' then mrr_change_usd else 0 end) as churn_mrr_usd,
        sum(mrr_usd) as closing_mrr_usd,
        sum(case when mrr_usd > 0 then 1 else 0 end) as customers
    from mrr
    group by month
),

final as (
    select
        waterfall_months.month,
        cast(coalesce(monthly_totals.opening_mrr_usd, 0) as decimal(18, 2)) as opening_mrr_usd,
        cast(coalesce(monthly_totals.new_mrr_usd, 0) as decimal(18, 2)) as new_mrr_usd,
        cast(coalesce(monthly_totals.reactivation_mrr_usd, 0) as decimal(18, 2)) as reactivation_mrr_usd,
        cast(coalesce(monthly_totals.expansion_mrr_usd, 0) as decimal(18, 2)) as expansion_mrr_usd,
        cast(coalesce(monthly_totals.contraction_mrr_usd, 0) as decimal(18, 2)) as contraction_mrr_usd,
        cast(coalesce(monthly_totals.churn_mrr_usd, 0) as decimal(18, 2)) as churn_mrr_usd,
        cast(coalesce(monthly_totals.closing_mrr_usd, 0) as decimal(18, 2)) as closing_mrr_usd,
        cast(coalesce(monthly_totals.customers, 0) as bigint) as customers
    from waterfall_months
    left join monthly_totals
        on waterfall_months.month = monthly_totals.month
)

select * from final
