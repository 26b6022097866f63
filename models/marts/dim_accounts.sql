-- grain: one row per account: every account of int_accounts (CRM accounts, soft-deleted ones
-- flagged, and 'billing:<customer_id>' accounts), plus any account that has MRR but no row there
with

accounts as (
    select * from {{ ref('int_accounts') }}
),

mrr as (
    select * from {{ ref('fct_mrr_monthly') }}
),

months as (
    select * from {{ ref('int_months') }}
),

first_paid_months as (
    select
        account_id,
        min(month) as first_paid_month
    from mrr
    group by account_id
),

-- current MRR: the account's MRR at the as_of month's snapshot (end of as_of_date)
current_mrr as (
    select
        mrr.account_id,
        mrr.mrr_usd,
        mrr.arr_usd
    from mrr
    inner join months
        on mrr.month = months.month
        and months.is_as_of_month
),

-- accounts with revenue that int_accounts does not know (never dropped, shown as unknown)
unknown_accounts as (
    select
        first_paid_months.account_id,
        cast(null as {{ dbt.type_string() }}) as account_name,
        'unknown' as segment,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as billing_country,
        cast(null as {{ dbt.type_string() }}) as owner_name,
        cast(null as {{ dbt.type_string() }}) as csm_name,
        false as is_crm_matched,
        false as is_deleted
    from first_paid_months
    left join accounts
        on first_paid_months.account_id = accounts.account_id
    where accounts.account_id is null
),

all_accounts as (
    select
        account_id,
        account_name,
        coalesce(segment, 'unknown') as segment,
        industry,
        billing_country,
        owner_name,
        csm_name,
        is_crm_matched,
        is_deleted
    from accounts
    union all
    select
        account_id,
        account_name,
        segment,
        industry,
        billing_country,
        owner_name,
        csm_name,
        is_crm_matched,
        is_deleted
    from unknown_accounts
),

final as (
    select
        all_accounts.account_id,
        all_accounts.account_name,
        all_accounts.segment,
        all_accounts.industry,
        all_accounts.billing_country,
        all_accounts.owner_name,
        all_accounts.csm_name,
        all_accounts.is_crm_matched,
        all_accounts.is_deleted,
        first_paid_months.first_paid_month,
        cast(coalesce(current_mrr.mrr_usd, 0) as decimal(18, 2)) as current_mrr_usd,
        cast(coalesce(current_mrr.arr_usd, 0) as decimal(18, 2)) as current_arr_usd
    from all_accounts
    left join first_paid_months
        on all_accounts.account_id = first_paid_months.account_id
    left join current_mrr
        on all_accounts.account_id = current_mrr.account_id
)

select * from final
