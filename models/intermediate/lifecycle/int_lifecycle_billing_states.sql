-- grain: one row per spell of int_account_billing_spells (account x valid_from): the account's
-- billing state at the end of each day, annotated for the lifecycle (docs/metrics.md, LAER):
-- live (paying, or a trial running), churned (not live after having been live) and the land the
-- spell belongs to (1 for the first subscription start; +1 at every return from churned)
with

billing_spells as (
    select * from {{ ref('int_account_billing_spells') }}
),

live_flags as (
    select
        billing_spells.*,
        (billing_spells.mrr_usd > 0 or billing_spells.is_trialing) as is_live
    from billing_spells
),

-- churned: MRR 0 and no trial, after the account was live on an earlier day; the days before the
-- first live day (an incomplete first payment, say) are still the first land
churn_flags as (
    select
        live_flags.*,
        not live_flags.is_live
        and coalesce(max(case when live_flags.is_live then 1 else 0 end) over (
            partition by live_flags.account_id
            order by live_flags.valid_from
            rows between unbounded preceding and 1 preceding
        ), 0) = 1 as is_churned
    from live_flags
),

land_starts as (
    select
        churn_flags.*,
        case
            when
                not churn_flags.is_churned
                and coalesce(lag(churn_flags.is_churned) over (
                    partition by churn_flags.account_id
                    order by churn_flags.valid_from
                ), true)
                then 1
            else 0
        end as starts_land
    from churn_flags
),

final as (
    select
        account_id,
        valid_from,
        valid_to,
        mrr_usd,
        licensed_seats,
        is_trialing,
        is_past_due,
        is_in_renewal_window,
        renewal_date,
        is_live,
        is_churned,
        starts_land = 1 as starts_land,
        sum(starts_land) over (
            partition by account_id
            order by valid_from
            rows between unbounded preceding and current row
        ) as land_number
    from land_starts
)

select * from final
