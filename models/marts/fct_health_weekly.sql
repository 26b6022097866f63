-- grain: one row per account per week (Monday) in which the account is not churned at the week's
-- snapshot (the end of Sunday, or of as_of_date in the as_of week): score, band, the six
-- components and the drivers in words (docs/metrics.md, Health score)
with

health_weeks as (
    select * from {{ ref('int_account_health_weekly') }}
),

final as (
    select
        account_id,
        week,
        snapshot_date,
        health_score,
        health_band,
        usage_score,
        breadth_score,
        support_score,
        sentiment_score,
        relationship_score,
        billing_score,
        primary_driver,
        secondary_driver,
        drivers,
        stage,
        mrr_usd,
        active_users_28d,
        active_days_28d,
        licensed_seats,
        value_features_28d,
        open_high_cases,
        recent_csat,
        latest_nps_score,
        champion_present,
        engaged_contacts,
        days_since_csm_touch,
        is_past_due
    from health_weeks
)

select * from final
