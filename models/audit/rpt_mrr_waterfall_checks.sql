-- grain: one row per month of mrr_waterfall_monthly: the month's gross churn and growth rates,
-- and, in the last month, the gap between its closing MRR and Σ dim_accounts.current_mrr_usd
-- (BI shows current MRR from both marts). Validated by
-- expectations/audit.rpt_mrr_waterfall_checks.json.
with

waterfall as (
    select * from {{ ref('mrr_waterfall_monthly') }}
),

accounts as (
    select * from {{ ref('dim_accounts') }}
),

dim_current_mrr as (
    select coalesce(sum(current_mrr_usd), 0) as dim_current_mrr_usd
    from accounts
),

numbered as (
    select
        waterfall.*,
        row_number() over (order by waterfall.month) as month_number,
        count(*) over () as months
    from waterfall
),

final as (
    select
        numbered.month,
        numbered.month_number,
        case
            when numbered.opening_mrr_usd > 0 then -numbered.churn_mrr_usd / numbered.opening_mrr_usd
        end as gross_churn_rate,
        -- the first six months of a business grow from nothing: no growth rate
        case
            when numbered.opening_mrr_usd > 0 and numbered.month_number > 6
                then numbered.closing_mrr_usd / numbered.opening_mrr_usd - 1
        end as mrr_growth_rate,
        case
            when numbered.month_number = numbered.months
                then abs(numbered.closing_mrr_usd - dim_current_mrr.dim_current_mrr_usd)
        end as gap_to_dim_accounts_usd
    from numbered
    cross join dim_current_mrr
)

select * from final
