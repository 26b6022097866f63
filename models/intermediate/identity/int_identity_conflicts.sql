-- grain: one row per disagreement between a billing customer's two identity links (advisory: the
-- customer stays staged and mapped; audit.quarantine lists these rows with is_rejected = false):
--   crm_link_lost      a live CRM account whose billing_customer_id names the customer is not the
--                      account the customer resolved to (its metadata won, or several CRM accounts
--                      named it and the lowest account_id won): one row per losing CRM account
--   metadata_overridden the customer's crm_account_id metadata names an account that is deleted or
--                      unknown, and a live CRM account's billing_customer_id was used instead
with

customer_accounts as (
    select * from {{ ref('int_customer_accounts') }}
),

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

resolved_customers as (
    select
        customer_accounts.customer_id,
        customer_accounts.account_id as resolved_account_id,
        customer_accounts.match_method,
        customers.crm_account_id as metadata_crm_account_id,
        customers.batch_file
    from customer_accounts
    inner join customers
        on customer_accounts.customer_id = customers.customer_id
),

-- one row per live CRM account that names the customer but is not the account it resolved to
crm_link_lost as (
    select
        resolved_customers.customer_id,
        'crm_link_lost' as conflict_kind,
        crm_accounts.account_id as crm_account_id
    from resolved_customers
    inner join crm_accounts
        on resolved_customers.customer_id = trim(crm_accounts.billing_customer_id)
            and resolved_customers.resolved_account_id <> crm_accounts.account_id
    where not coalesce(crm_accounts.is_deleted, false)
),

-- the metadata named an account, but the customer resolved through a CRM link instead
metadata_overridden as (
    select
        resolved_customers.customer_id,
        'metadata_overridden' as conflict_kind,
        crm_accounts.account_id as crm_account_id
    from resolved_customers
    inner join crm_accounts
        on resolved_customers.resolved_account_id = crm_accounts.account_id
    where resolved_customers.match_method = 'crm_billing_customer_id'
        and nullif(trim(resolved_customers.metadata_crm_account_id), '') is not null
),

conflicts as (
    select * from crm_link_lost
    union all
    select * from metadata_overridden
),

-- both links of each conflict, as staged
described as (
    select
        conflicts.customer_id,
        conflicts.conflict_kind,
        resolved_customers.metadata_crm_account_id,
        resolved_customers.resolved_account_id,
        resolved_customers.match_method,
        conflicts.crm_account_id,
        crm_accounts.billing_customer_id as crm_billing_customer_id,
        resolved_customers.batch_file
    from conflicts
    inner join resolved_customers
        on conflicts.customer_id = resolved_customers.customer_id
    inner join crm_accounts
        on conflicts.crm_account_id = crm_accounts.account_id
),

final as (
    select
        cast('billing' as {{ dbt.type_string() }}) as source_name,
        cast('customers' as {{ dbt.type_string() }}) as table_name,
        customer_id as row_key,
        cast('identity_conflict' as {{ dbt.type_string() }}) as rule,
        batch_file,
        cast(null as bigint) as row_number,
        {{ json_object_of([
            'customer_id', 'conflict_kind', 'metadata_crm_account_id', 'resolved_account_id',
            'match_method', 'crm_account_id', 'crm_billing_customer_id',
        ]) }} as raw_values
    from described
)

select * from final
