-- grain: one row per landed segment.groups call that is a version of a workspace's traits, in the
-- shape of usage.workspaces: every call but one that links a user and carries no trait (that one
-- is only the user's link: segment__users); a call from no user without traits stays a version,
-- for staging's rules to judge
with

groups as (
    select * from {{ source('segment', 'groups') }}
),

final as (
    select
        group_id as workspace_id,
        name,
        -- the group trait named by LIFECYCLE_SEGMENT_CRM_ACCOUNT_TRAIT
        {{ adapter.quote(var('segment_crm_account_trait')) }} as crm_account_id,
        created_at,
        loaded_at as _loaded_at,
        _batch_file,
        _row_number
    from groups
    where
        user_id is null
        or name is not null
        or created_at is not null
        or {{ adapter.quote(var('segment_crm_account_trait')) }} is not null
)

select * from final
