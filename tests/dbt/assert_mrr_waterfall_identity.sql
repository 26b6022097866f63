-- The MRR waterfall adds up to the cent, every month (metrics.md, MRR movements):
--   opening + new + reactivation + expansion + contraction + churn = closing, and
--   opening = the previous month's closing (0 before the first month).
-- Returns the months that break either rule.
with

waterfall as (
    select * from {{ ref('mrr_waterfall_monthly') }}
),

with_previous_closing as (
    select
        waterfall.*,
        coalesce(
            lag(closing_mrr_usd) over (order by month),
            0
        ) as previous_closing_mrr_usd
    from waterfall
),

checked as (
    select
        month,
        opening_mrr_usd,
        previous_closing_mrr_usd,
        opening_mrr_usd + new_mrr_usd + reactivation_mrr_usd + expansion_mrr_usd
        + contraction_mrr_usd + churn_mrr_usd as computed_closing_mrr_usd,
        closing_mrr_usd
    from with_previous_closing
)

select *
from checked
where computed_closing_mrr_usd <> closing_mrr_usd
    or opening_mrr_usd <> previous_closing_mrr_usd
