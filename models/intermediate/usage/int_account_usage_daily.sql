-- grain: one row per account per day with usage events (usage_date <= as_of_date), over the
-- account's workspaces (int_workspace_accounts). Events of a workspace that matches no account,
-- or that name no workspace, belong to no account and are left out here (rpt_usage_daily counts them).
-- Incremental (DuckDB; a table on Spark): a run first deletes the days whose stored rows no longer
-- match int_usage_user_daily and the workspace links (the pre-hook reopen_account_usage_days: a
-- late event, a reclassified one, a relinked workspace, an edited seed, a moved as_of_date), then
-- appends the days it does not hold: those and the new ones. `_refreshed_at` says which build
-- computed a row; int_account_usage_spells restates from the earliest day refreshed after it.
{{
    config(
        materialized=incremental_rows_materialized(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ reopen_account_usage_days() }}",
    )
}}
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

{% if is_incremental() -%}
-- the days the table holds (after the pre-hook deleted the days that changed)
built_days as (
    select distinct usage_date
    from {{ this }}
),

user_daily_to_aggregate as (
    select user_daily.*
    from user_daily
    left join built_days
        on user_daily.usage_date = built_days.usage_date
    where built_days.usage_date is null
),
{%- else -%}
user_daily_to_aggregate as (
    select * from user_daily
),
{%- endif %}

account_user_daily as (
    select
        workspace_accounts.account_id,
        user_daily_to_aggregate.user_id,
        user_daily_to_aggregate.usage_date,
        user_daily_to_aggregate.event_count,
        user_daily_to_aggregate.value_event_count,
        user_daily_to_aggregate.value_feature_mask,
        user_daily_to_aggregate.first_value_event_at
    from user_daily_to_aggregate
    inner join workspace_accounts
        on user_daily_to_aggregate.workspace_id = workspace_accounts.workspace_id
    cross join as_of
    where
        workspace_accounts.account_id is not null
        and user_daily_to_aggregate.usage_date <= as_of.as_of_date
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
        min(first_value_event_at) as first_value_event_at,
        {{ refreshed_at() }} as _refreshed_at
    from account_user_daily
    group by
        account_id,
        usage_date
)

select * from final
