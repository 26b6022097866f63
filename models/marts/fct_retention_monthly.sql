-- grain: one row per month per segment (plus segment 'all'), for every month M whose month M-12
-- is in the MRR history and has at least one account with MRR > 0 in the segment: trailing
-- 12-month point-to-point NDR, GRR and logo retention (docs/metrics.md, Retention)
with

mrr as (
    select * from {{ ref('fct_mrr_monthly') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

-- the base of month M: accounts with MRR > 0 at M-12, with their MRR at M (fct_mrr_monthly is
-- dense through the as_of month, so a base account has a row at M, 0 if churned, its current
-- MRR if it churned and came back)
base_pairs as (
    select
        ending.month,
        ending.account_id,
        starting.mrr_usd as starting_mrr_usd,
        ending.mrr_usd as ending_mrr_usd
    from mrr as ending
    inner join mrr as starting
        on ending.account_id = starting.account_id
            and starting.month = cast({{ dbt.dateadd('month', -12, 'ending.month') }} as date)
    where starting.mrr_usd > 0
),

-- current segment (int_accounts: a fact never reads a dimension); every base pair appears once under its segment and once under 'all'
segmented as (
    select
        base_pairs.*,
        coalesce(accounts.segment, 'unknown') as segment
    from base_pairs
    left join accounts
        on base_pairs.account_id = accounts.account_id
    union all
    select
        base_pairs.*,
        'all' as segment
    from base_pairs
),

final as (
    select
        month,
        segment,
        {{ retention_measures('starting_mrr_usd', 'ending_mrr_usd') }}
    from segmented
    group by
        month,
        segment
)

select * from final
