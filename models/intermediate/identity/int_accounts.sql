-- grain: one row per account: every CRM account (soft-deleted ones kept, flagged), one
-- 'billing:<customer_id>' account per billing customer that maps to no CRM account, and one row
-- per account that has MRR but neither a CRM nor a staged customer row (its customer row was
-- quarantined): revenue is never dropped, and every mart finds every account here
with

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

crm_users as (
    select * from {{ ref('stg_crm__users') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

paying_accounts as (
    select * from {{ ref('int_account_mrr_summary') }}
),

segments as (
    select * from {{ ref('segments') }}
),

-- a CRM account without a name borrows the name of a billing customer mapped to it
matched_customer_names as (
    select
        customer_accounts.account_id,
        min(customers.customer_name) as customer_name
    from customer_accounts
    inner join customers
        on customer_accounts.customer_id = customers.customer_id
    where customer_accounts.is_crm_matched
    group by customer_accounts.account_id
),

crm_account_rows as (
    select
        crm_accounts.account_id,
        coalesce(crm_accounts.account_name, matched_customer_names.customer_name) as account_name,
        crm_accounts.industry,
        crm_accounts.billing_country,
        crm_accounts.employee_count,
        crm_accounts.owner_user_id,
        crm_accounts.csm_user_id,
        'crm' as account_origin,
        true as is_crm_matched,
        coalesce(crm_accounts.is_deleted, false) as is_deleted,
        crm_accounts.created_at
    from crm_accounts
    left join matched_customer_names
        on crm_accounts.account_id = matched_customer_names.account_id
),

-- billing customers mapped to no CRM account: each is its own 'billing:<customer_id>' account
billing_customer_accounts as (
    select
        customer_accounts.account_id,
        customers.customer_name as account_name,
        'billing_customer' as account_origin,
        coalesce(customers.is_deleted, false) as is_deleted,
        customers.created_at
    from customer_accounts
    inner join customers
        on customer_accounts.customer_id = customers.customer_id
    where customer_accounts.match_method = 'unmatched'
),

-- accounts with MRR that neither a CRM nor a customer row names (int_account_mrr_monthly keeps
-- the revenue of an unmapped customer under 'billing:<customer_id>'): only the id is known
revenue_only_accounts as (
    select
        paying_accounts.account_id,
        cast(null as {{ dbt.type_string() }}) as account_name,
        'revenue_only' as account_origin,
        false as is_deleted,
        cast(null as {{ dbt.type_timestamp() }}) as created_at
    from paying_accounts
    left join crm_accounts
        on paying_accounts.account_id = crm_accounts.account_id
    left join billing_customer_accounts
        on paying_accounts.account_id = billing_customer_accounts.account_id
    where crm_accounts.account_id is null
        and billing_customer_accounts.account_id is null
),

non_crm_accounts as (
    select * from billing_customer_accounts
    union all
    select * from revenue_only_accounts
),

-- an account without a CRM row has no CRM attributes
non_crm_account_rows as (
    select
        account_id,
        account_name,
        cast(null as {{ dbt.type_string() }}) as industry,
        cast(null as {{ dbt.type_string() }}) as billing_country,
        cast(null as bigint) as employee_count,
        cast(null as {{ dbt.type_string() }}) as owner_user_id,
        cast(null as {{ dbt.type_string() }}) as csm_user_id,
        account_origin,
        false as is_crm_matched,
        is_deleted,
        created_at
    from non_crm_accounts
),

unioned as (
    select * from crm_account_rows
    union all
    select * from non_crm_account_rows
),

-- segment by employee count: min_employees <= n < max_employees_exclusive (null upper bound = open)
segmented as (
    select
        unioned.*,
        coalesce(segments.segment, 'unknown') as segment
    from unioned
    left join segments
        on unioned.employee_count >= segments.min_employees
            and (
                segments.max_employees_exclusive is null
                or unioned.employee_count < segments.max_employees_exclusive
            )
),

final as (
    select
        segmented.account_id,
        segmented.account_name,
        segmented.industry,
        segmented.billing_country,
        segmented.employee_count,
        segmented.segment,
        segmented.owner_user_id,
        segmented.csm_user_id,
        owners.full_name as owner_name,
        csms.full_name as csm_name,
        segmented.account_origin,
        segmented.is_crm_matched,
        segmented.is_deleted,
        segmented.created_at
    from segmented
    left join crm_users as owners
        on segmented.owner_user_id = owners.user_id
    left join crm_users as csms
        on segmented.csm_user_id = csms.user_id
)

select * from final
