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
        ending.mrr_usd as ending_mrr_usd,
        case
            when ending.mrr_usd < starting.mrr_usd then ending.mrr_usd
            else starting.mrr_usd
        end as retained_mrr_usd,
        case when ending.mrr_usd > 0 then 1 else 0 end as is_retained_logo
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

aggregated as (
    select
        month,
        segment,
        count(*) as base_accounts,
        sum(starting_mrr_usd) as starting_mrr_usd,
        sum(ending_mrr_usd) as ending_mrr_usd,
        sum(retained_mrr_usd) as retained_mrr_usd,
        sum(is_retained_logo) as retained_accounts
    from segmented
    group by
        month,
        segment
),

final as (
    select
        month,
        segment,
        cast(base_accounts as bigint) as base_accounts,
        cast(starting_mrr_usd as decimal(18, 2)) as starting_mrr_usd,
        cast(ending_mrr_usd as decimal(18, 2)) as ending_mrr_usd,
        cast(ending_mrr_usd / starting_mrr_usd as decimal(18, 6)) as ndr,
        cast(retained_mrr_usd / starting_mrr_usd as decimal(18, 6)) as grr,
        cast(cast(retained_accounts as decimal(18, 6)) / base_accounts as decimal(18, 6)) as logo_retention
    from aggregated
)

select * from final
