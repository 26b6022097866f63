-- grain: one row per staged usage workspace, with the CRM account it belongs to (metrics.md):
-- the workspace's crm_account_id trait if that CRM account exists and is not deleted; else the
-- live CRM account whose workspace_id names it (several: the lowest account_id, flagged); else null
with

workspaces as (
    select * from {{ ref('stg_usage__workspaces') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

live_crm_accounts as (
    select
        account_id,
        trim(workspace_id) as workspace_id
    from crm_accounts
    where not coalesce(is_deleted, false)
),

-- live CRM accounts that name a workspace, ranked per workspace (lowest account_id first)
crm_links as (
    select
        workspace_id,
        account_id,
        row_number() over (partition by workspace_id order by account_id) as link_rank,
        count(*) over (partition by workspace_id) as link_count
    from live_crm_accounts
    where workspace_id is not null
),

matched as (
    select
        workspaces.workspace_id,
        trait_account.account_id as trait_account_id,
        first_crm_link.account_id as crm_link_account_id,
        coalesce(first_crm_link.link_count, 0) as crm_link_count
    from workspaces
    left join live_crm_accounts as trait_account
        on trim(workspaces.crm_account_id) = trait_account.account_id
    left join crm_links as first_crm_link
        on workspaces.workspace_id = first_crm_link.workspace_id
        and first_crm_link.link_rank = 1
),

resolved as (
    select
        workspace_id,
        coalesce(trait_account_id, crm_link_account_id) as account_id,
        case
            when trait_account_id is not null then 'workspace_crm_account_id'
            when crm_link_account_id is not null then 'crm_workspace_id'
            else 'unmatched'
        end as match_method,
        crm_link_count
    from matched
),

-- live CRM accounts naming this workspace that are not the account it resolved to
losing_links as (
    select
        resolved.workspace_id,
        count(*) as losing_link_count
    from resolved
    inner join crm_links
        on resolved.workspace_id = crm_links.workspace_id
        and resolved.account_id <> crm_links.account_id
    group by resolved.workspace_id
),

final as (
    select
        resolved.workspace_id,
        resolved.account_id,
        resolved.match_method,
        resolved.account_id is not null as is_crm_matched,
        coalesce(losing_links.losing_link_count, 0) > 0 as has_identity_conflict,
        resolved.crm_link_count
    from resolved
    left join losing_links
        on resolved.workspace_id = losing_links.workspace_id
)

select * from final
