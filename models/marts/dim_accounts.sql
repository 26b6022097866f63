-- grain: one row per account of int_accounts: CRM accounts (soft-deleted ones flagged),
-- 'billing:<customer_id>' accounts, and revenue accounts with no customer row (segment unknown).
-- Revenue facts come from the intermediate layer (int_account_mrr_summary), never from a fact.
with

accounts as (
    select * from {{ ref('int_accounts') }}
),

paying_accounts as (
    select * from {{ ref('int_account_mrr_summary') }}
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
        cast(coalesce(12 * paying_accounts.current_mrr_usd, 0) as decimal(18, 2)) as current_arr_usd
    from accounts
    left join paying_accounts
        on accounts.account_id = paying_accounts.account_id
)

select * from final
