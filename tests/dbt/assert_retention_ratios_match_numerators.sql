-- fct_retention_monthly's ratios are the ratios of its sums, so a semantic layer can re-aggregate
-- them (models/semantic/_metrics.yml): ndr = ending / starting MRR, grr = capped ending / starting
-- MRR, logo_retention = retained / base accounts, each within half a unit of its 6th decimal; and
-- the segments (without 'all') add up to the 'all' row exactly, so summing segments never double
-- counts. Returns the rows that break either.
with

retention as (
    select * from {{ ref('fct_retention_monthly') }}
),

ratio_violations as (
    select
        month,
        segment,
        'a ratio differs from its numerator / denominator' as problem
    from retention
    where abs(ndr - cast(ending_mrr_usd as double) / cast(starting_mrr_usd as double)) > 0.0000005001
        or abs(grr - cast(capped_ending_mrr_usd as double) / cast(starting_mrr_usd as double)) > 0.0000005001
        or abs(logo_retention - cast(retained_accounts as double) / cast(base_accounts as double)) > 0.0000005001
        or retained_accounts > base_accounts
        or capped_ending_mrr_usd > starting_mrr_usd
        or capped_ending_mrr_usd > ending_mrr_usd
),

segments_summed as (
    select
        month,
        sum(base_accounts) as base_accounts,
        sum(retained_accounts) as retained_accounts,
        sum(starting_mrr_usd) as starting_mrr_usd,
        sum(ending_mrr_usd) as ending_mrr_usd,
        sum(capped_ending_mrr_usd) as capped_ending_mrr_usd
    from retention
    where segment <> 'all'
    group by month
),

total_violations as (
    select
        coalesce(total.month, segments_summed.month) as month,
        'all' as segment,
        'the segments do not add up to the all row' as problem
    from (select * from retention where segment = 'all') as total
    full outer join segments_summed
        on total.month = segments_summed.month
    where total.month is null
        or segments_summed.month is null
        or total.base_accounts <> segments_summed.base_accounts
        or total.retained_accounts <> segments_summed.retained_accounts
        or total.starting_mrr_usd <> segments_summed.starting_mrr_usd
        or total.ending_mrr_usd <> segments_summed.ending_mrr_usd
        or total.capped_ending_mrr_usd <> segments_summed.capped_ending_mrr_usd
)

select * from ratio_violations
union all
select * from total_violations
