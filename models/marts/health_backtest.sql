-- grain: one row per health band, plus `all`: over the scored account-weeks of
-- int_health_backtest_weeks (paying, with 90 days of future), how many churned within 90 days,
-- the churn rate, and on the `all` row the AUC of the score for that churn (the probability that
-- a churning account-week scored lower than a retained one, ties count half: Mann-Whitney),
-- computed from counts per distinct score, so it is exact and portable
with

backtest_weeks as (
    select * from {{ ref('int_health_backtest_weeks') }}
),

by_band as (
    select
        health_band as band,
        count(*) as account_weeks,
        sum(case when churned_90d then 1 else 0 end) as churned_90d
    from backtest_weeks
    group by health_band
),

by_score as (
    select
        health_score,
        sum(case when churned_90d then 1 else 0 end) as churned,
        sum(case when churned_90d then 0 else 1 end) as retained
    from backtest_weeks
    group by health_score
),

-- for each score: the retained account-weeks that scored higher
ranked_scores as (
    select
        by_score.*,
        coalesce(sum(by_score.retained) over (
            order by by_score.health_score desc
            rows between unbounded preceding and 1 preceding
        ), 0) as retained_scoring_higher
    from by_score
),

auc as (
    select
        case
            when sum(churned) > 0 and sum(retained) > 0
                then cast(
                        sum(churned * (retained_scoring_higher + 0.5 * retained))
                        / (cast(sum(churned) as double) * sum(retained)) as decimal(6, 4)
                    )
        end as auc
    from ranked_scores
),

bands as (
    select
        band,
        account_weeks,
        churned_90d,
        cast(null as decimal(6, 4)) as auc,
        case band when 'green' then 1 when 'yellow' then 2 when 'red' then 3 end as band_order
    from by_band
    union all
    select
        'all' as band,
        -- a history too short for 90 days of future has no scored weeks: 0, not null
        coalesce(sum(by_band.account_weeks), 0) as account_weeks,
        coalesce(sum(by_band.churned_90d), 0) as churned_90d,
        max(auc.auc) as auc,
        4 as band_order
    from by_band
    cross join auc
),

final as (
    select
        band,
        account_weeks,
        churned_90d,
        cast(cast(churned_90d as double) / nullif(account_weeks, 0) as decimal(6, 4)) as churn_rate_90d,
        auc,
        band_order
    from bands
)

select * from final
