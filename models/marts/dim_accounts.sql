-- grain: one row per account of int_accounts: CRM accounts (soft-deleted ones flagged),
-- 'billing:<customer_id>' accounts, and revenue accounts with no customer row (segment unknown).
-- Revenue, lifecycle and health facts come from the intermediate layer (int_account_mrr_summary,
-- int_lifecycle_spells, int_account_health_weekly), never from a fact. current_stage is the stage
-- at the end of as_of_date (null for an account that never had a subscription); the health band
-- is the latest week's, null while churned.
with

accounts as (
    select * from {{ ref('int_accounts') }}
),

paying_accounts as (
    select * from {{ ref('int_account_mrr_summary') }}
),

lifecycle_spells as (
    select * from {{ ref('int_lifecycle_spells') }}
),

health_weeks as (
    select * from {{ ref('int_account_health_weekly') }}
),

current_spells as (
    select * from lifecycle_spells
    where valid_to is null
),

latest_health as (
    select
        account_id,
        health_score,
        health_band,
        row_number() over (partition by account_id order by week desc) as recency
    from health_weeks
),

final as (
    select
        accounts.account_id,
        accounts.account_name,
        accounts.segment,
        accounts.industry,
        accounts.billing_country,
        accounts.owner_name,
        accounts.csm_name,
        accounts.is_crm_matched,
        accounts.is_deleted,
        paying_accounts.first_paid_month,
        cast(coalesce(paying_accounts.current_mrr_usd, 0) as decimal(18, 2)) as current_mrr_usd,
        cast(coalesce(12 * paying_accounts.current_mrr_usd, 0) as decimal(18, 2)) as current_arr_usd,
        current_spells.stage as current_stage,
        current_spells.phase as current_phase,
        current_spells.provider_play as current_provider_play,
        case when current_spells.stage <> 'churned' then latest_health.health_score end as current_health_score,
        case when current_spells.stage <> 'churned' then latest_health.health_band end as current_health_band
    from accounts
    left join paying_accounts
        on accounts.account_id = paying_accounts.account_id
    left join current_spells
        on accounts.account_id = current_spells.account_id
    left join latest_health
        on accounts.account_id = latest_health.account_id
            and latest_health.recency = 1
)

select * from final
