-- grain: one row per staged usage workspace, with the CRM account it belongs to (docs/metrics.md,
-- "Accounts and identity"): the workspace's crm_account_id trait if that CRM account exists and
-- is not deleted; else the live CRM account whose workspace_id names it (several: the lowest
-- account_id, flagged); else null. The precedence is int_crm_links_resolved's, shared with
-- billing customers.
with

resolved_links as (
    select * from {{ ref('int_crm_links_resolved') }}
),

final as (
    select
        entity_id as workspace_id,
        crm_account_id as account_id,
        case resolved_by
            when 'metadata' then 'workspace_crm_account_id'
            when 'crm_link' then 'crm_workspace_id'
            else 'unmatched'
        end as match_method,
        crm_account_id is not null as is_crm_matched,
        losing_link_count > 0 as has_identity_conflict,
        crm_link_count
    from resolved_links
    where link_type = 'workspace'
)

select * from final
