-- grain: one row per account per day with usage events (usage_date <= as_of_date), over the
-- account's workspaces (int_workspace_accounts). Events of a workspace that matches no account,
-- or that name no workspace, belong to no account and are left out here (rpt_usage_daily counts them).
with

user_daily as (
    select * from {{ ref('int_usage_user_daily') }}
),

workspace_accounts as (
    select * from {{ ref('int_workspace_accounts') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

account_user_daily as (
    select
        workspace_accounts.account_id,
        user_daily.user_id,
        user_daily.usage_date,
        user_daily.event_count,
        user_daily.value_event_count,
        user_daily.value_feature_mask,
        user_daily.first_value_event_at
    from user_daily
    inner join workspace_accounts
        on user_daily.workspace_id = workspace_accounts.workspace_id
    cross join as_of
    where
        workspace_accounts.account_id is not null
        and user_daily.usage_date <= as_of.as_of_date
),

final as (
    select
        account_id,
        usage_date,
        cast(sum(event_count) as bigint) as event_count,
        -- a user active in two workspaces of the account counts once
        count(distinct user_id) as active_users,
        cast(sum(value_event_count) as bigint) as value_event_count,
        cast({{ bit_or_agg('value_feature_mask') }} as bigint) as value_feature_mask,
        min(first_value_event_at) as first_value_event_at
    from account_user_daily
    group by
        account_id,
        usage_date
)

select * from final
