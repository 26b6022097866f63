-- grain: one row per staged billing customer, with the account it belongs to (docs/metrics.md,
-- "Accounts and identity"): its crm_account_id metadata if that CRM account exists and is not
-- deleted; else the live CRM account whose billing_customer_id names it (several: the lowest
-- account_id, flagged); else its own account 'billing:' || customer_id. The precedence is
-- int_crm_links_resolved's, shared with usage workspaces.
with

resolved_links as (
    select * from {{ ref('int_crm_links_resolved') }}
),

final as (
    select
        entity_id as customer_id,
        coalesce(crm_account_id, 'billing:' || entity_id) as account_id,
        case resolved_by
            when 'metadata' then 'metadata'
            when 'crm_link' then 'crm_billing_customer_id'
            else 'unmatched'
        end as match_method,
        resolved_by <> 'unmatched' as is_crm_matched,
        -- a losing CRM link, or metadata naming a deleted/unknown account that lost to a link
        (losing_link_count > 0 or is_metadata_overridden) as has_identity_conflict,
        crm_link_count
    from resolved_links
    where link_type = 'billing_customer'
)

select * from final
