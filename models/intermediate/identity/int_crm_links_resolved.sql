-- grain: one row per staged billing customer and per staged usage workspace (link_type
-- 'billing_customer' / 'workspace'): the CRM account it resolves to by one precedence
-- (docs/metrics.md, Accounts and identity): (1) the account its own metadata names
-- (customers.crm_account_id, the workspace's crm_account_id trait) when that CRM account is
-- staged and not deleted; else (2) the live CRM account whose billing_customer_id / workspace_id
-- names it (several: the lowest account_id); else none. int_customer_accounts and
-- int_workspace_accounts give the result their own names.
with

customers as (
    select * from {{ ref('stg_billing__customers') }}
),

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

-- everything a CRM account can name, with the CRM account its own metadata names
entities as (
    select
        'billing_customer' as link_type,
        customer_id as entity_id,
        nullif(trim(crm_account_id), '') as metadata_crm_account_id
    from customers
    union all
    select
        'workspace' as link_type,
        workspace_id as entity_id,
        nullif(trim(crm_account_id), '') as metadata_crm_account_id
    from workspaces
),

-- soft-deleted CRM accounts are never matched, by metadata or by link
live_crm_accounts as (
    select
        account_id,
        trim(billing_customer_id) as billing_customer_id,
        trim(workspace_id) as workspace_id
    from crm_accounts
    where not coalesce(is_deleted, false)
),

-- one row per live CRM account per id it names
crm_links as (
    select
        'billing_customer' as link_type,
        billing_customer_id as linked_id,
        account_id
    from live_crm_accounts
    where billing_customer_id is not null
    union all
    select
        'workspace' as link_type,
        workspace_id as linked_id,
        account_id
    from live_crm_accounts
    where workspace_id is not null
),

-- ranked per named id, lowest account_id first
ranked_crm_links as (
    select
        link_type,
        linked_id,
        account_id,
        row_number() over (partition by link_type, linked_id order by account_id) as link_rank,
        count(*) over (partition by link_type, linked_id) as link_count
    from crm_links
),

matched as (
    select
        entities.link_type,
        entities.entity_id,
        entities.metadata_crm_account_id,
        metadata_account.account_id as metadata_account_id,
        first_crm_link.account_id as crm_link_account_id,
        coalesce(first_crm_link.link_count, 0) as crm_link_count
    from entities
    left join live_crm_accounts as metadata_account
        on entities.metadata_crm_account_id = metadata_account.account_id
    left join ranked_crm_links as first_crm_link
        on entities.link_type = first_crm_link.link_type
            and entities.entity_id = first_crm_link.linked_id
            and first_crm_link.link_rank = 1
),

resolved as (
    select
        link_type,
        entity_id,
        coalesce(metadata_account_id, crm_link_account_id) as crm_account_id,
        case
            when metadata_account_id is not null then 'metadata'
            when crm_link_account_id is not null then 'crm_link'
            else 'unmatched'
        end as resolved_by,
        -- the metadata names an account (deleted or unknown) that lost to a CRM link
        (
            metadata_account_id is null
            and crm_link_account_id is not null
            and metadata_crm_account_id is not null
        ) as is_metadata_overridden,
        crm_link_count
    from matched
),

-- live CRM accounts naming the entity that are not the account it resolved to (its metadata
-- won, or several accounts named it)
losing_links as (
    select
        resolved.link_type,
        resolved.entity_id,
        count(*) as losing_link_count
    from resolved
    inner join ranked_crm_links
        on resolved.link_type = ranked_crm_links.link_type
            and resolved.entity_id = ranked_crm_links.linked_id
            and resolved.crm_account_id <> ranked_crm_links.account_id
    group by
        resolved.link_type,
        resolved.entity_id
),

final as (
    select
        resolved.link_type,
        resolved.entity_id,
        resolved.crm_account_id,
        resolved.resolved_by,
        resolved.is_metadata_overridden,
        resolved.crm_link_count,
        coalesce(losing_links.losing_link_count, 0) as losing_link_count
    from resolved
    left join losing_links
        on resolved.link_type = losing_links.link_type
            and resolved.entity_id = losing_links.entity_id
)

select * from final
