-- fct_mrr_monthly summed by month equals the waterfall's closing MRR and customer count, to the
-- cent, and both cover the same months. Returns the months that differ.
with

mrr as (
    select * from {{ ref('fct_mrr_monthly') }}
),

waterfall as (
    select * from {{ ref('mrr_waterfall_monthly') }}
),

mrr_by_month as (
    select
        month,
        sum(mrr_usd) as total_mrr_usd,
        sum(case when mrr_usd > 0 then 1 else 0 end) as paying_accounts
    from mrr
    group by month
)

select
    coalesce(waterfall.month, mrr_by_month.month) as month,
    waterfall.closing_mrr_usd,
    mrr_by_month.total_mrr_usd,
    waterfall.customers,
    mrr_by_month.paying_accounts
from waterfall
full outer join mrr_by_month
    on waterfall.month = mrr_by_month.month
where waterfall.month is null
    or (mrr_by_month.month is null and waterfall.closing_mrr_usd <> 0)
    or waterfall.closing_mrr_usd <> mrr_by_month.total_mrr_usd
    or waterfall.customers <> mrr_by_month.paying_accounts
