-- grain: one row per staged billing customer, with the account it belongs to (metrics.md,
-- "Accounts and identity"): its crm_account_id metadata if that CRM account exists and is not
-- deleted; else the live CRM account whose billing_customer_id names it (several: the lowest
-- account_id, flagged); else its own account 'billing:' || customer_id.
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

live_crm_accounts as (
    select
        account_id,
        trim(billing_customer_id) as billing_customer_id
    from crm_accounts
    where not coalesce(is_deleted, false)
),

-- live CRM accounts that name a billing customer, ranked per customer (lowest account_id first)
crm_links as (
    select
        billing_customer_id,
        account_id,
        row_number() over (partition by billing_customer_id order by account_id) as link_rank,
        count(*) over (partition by billing_customer_id) as link_count
    from live_crm_accounts
    where billing_customer_id is not null
),

matched as (
    select
        customers.customer_id,
        nullif(trim(customers.crm_account_id), '') as metadata_crm_account_id,
        metadata_account.account_id as metadata_account_id,
        first_crm_link.account_id as crm_link_account_id,
        coalesce(first_crm_link.link_count, 0) as crm_link_count
    from customers
    left join live_crm_accounts as metadata_account
        on trim(customers.crm_account_id) = metadata_account.account_id
    left join crm_links as first_crm_link
        on customers.customer_id = first_crm_link.billing_customer_id
        and first_crm_link.link_rank = 1
),

resolved as (
    select
        customer_id,
        case
            when metadata_account_id is not null then metadata_account_id
            when crm_link_account_id is not null then crm_link_account_id
            else 'billing:' || customer_id
        end as account_id,
        case
            when metadata_account_id is not null then 'metadata'
            when crm_link_account_id is not null then 'crm_billing_customer_id'
            else 'unmatched'
        end as match_method,
        -- metadata names an account (deleted or unknown) that lost to a CRM billing_customer_id link
        (
            metadata_account_id is null
            and crm_link_account_id is not null
            and metadata_crm_account_id is not null
        ) as is_metadata_overridden,
        crm_link_count
    from matched
),

-- live CRM accounts naming this customer that are not the account it resolved to (metadata won,
-- or several accounts named it)
losing_links as (
    select
        resolved.customer_id,
        count(*) as losing_link_count
    from resolved
    inner join crm_links
        on resolved.customer_id = crm_links.billing_customer_id
        and resolved.account_id <> crm_links.account_id
    group by resolved.customer_id
),

final as (
    select
        resolved.customer_id,
        resolved.account_id,
        resolved.match_method,
        resolved.match_method <> 'unmatched' as is_crm_matched,
        (
            coalesce(losing_links.losing_link_count, 0) > 0
            or resolved.is_metadata_overridden
        ) as has_identity_conflict,
        resolved.crm_link_count
    from resolved
    left join losing_links
        on resolved.customer_id = losing_links.customer_id
)

select * from final
