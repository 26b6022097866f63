-- grain: one row per account per spell of its trailing usage window: from the account's first
-- usage day through as_of_date, the number of distinct identified users (active_users_28d) and of
-- distinct value features (value_features_28d) with an event in the trailing
-- `active_user_window_days` days ending at D (days D - 27 .. D by default). valid_from inclusive,
-- valid_to exclusive (null: still true at as_of_date); adjacent spells with equal values merged.
-- A sweep, O(user-days): a member (user or feature) counts for day D iff D is in [d, d + window)
-- for one of its active days d. A member's overlapping windows are merged into islands; each
-- island adds 1 at its start and removes it at its end; the running sum per account is the count.
-- Restated, not rebuilt (DuckDB, when the table exists; can_restate_from_previous): a day's counts
-- depend only on the window of days before it, so the spells before the earliest day that can
-- differ are kept from the previous version (the table this build replaces) and the sweep runs over the last window
-- of days before that day onward: one window plus the new days, not the whole history. That day is the
-- earliest of: the first usage day refreshed since (int_account_usage_daily._refreshed_at), the
-- day after the previous version's last change (windows that closed since as_of_date moved on)
-- and the day after as_of_date (moved back). --full-refresh, a first build and Spark sweep all.
{%- set restating = can_restate_from_previous() %}
with

user_daily as (
    select * from {{ ref('int_usage_user_daily') }}
),

account_daily as (
    select * from {{ ref('int_account_usage_daily') }}
),

workspace_accounts as (
    select * from {{ ref('int_workspace_accounts') }}
),

value_events as (
    select * from {{ ref('int_value_events') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

settings as (
    select cast({{ threshold('active_user_window_days') }} as integer) as window_days
),

account_first_days as (
    select
        account_id,
        min(usage_date) as first_usage_date
    from account_daily
    group by account_id
),

{% if restating -%}
previous as (
    select * from {{ this }}
),

-- the first day to recount (the spells before it stay), and the first usage day its windows read
restate as (
    select
        restate_day.from_date,
        cast({{ dbt.dateadd('day', '1 - settings.window_days', 'restate_day.from_date') }} as date) as read_from_date
    from (
        select
            least(
                coalesce(
                    (
                        select min(account_daily.usage_date)
                        from account_daily
                        where account_daily._refreshed_at > (select max(previous._refreshed_at) from previous)
                    ),
                    cast('9999-12-31' as date)
                ),
                coalesce(
                    (select cast({{ dbt.dateadd('day', 1, 'max(previous.valid_from)') }} as date) from previous),
                    cast('1900-01-01' as date)
                ),
                (select cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date) from as_of)
            ) as from_date
    ) as restate_day
    cross join settings
),

-- the previous version's change points before that day, of accounts whose usage began before it
kept_points as (
    select
        previous.account_id,
        previous.valid_from as change_date,
        previous.active_users_28d,
        previous.value_features_28d
    from previous
    inner join account_first_days
        on previous.account_id = account_first_days.account_id
    cross join restate
    where
        previous.valid_from < restate.from_date
        and account_first_days.first_usage_date < restate.from_date
),

-- the usage days the sweep reads: those of the last window before the first recounted day onward
user_daily_read as (
    select user_daily.*
    from user_daily
    cross join restate
    where user_daily.usage_date >= restate.read_from_date
),

account_daily_read as (
    select account_daily.*
    from account_daily
    cross join restate
    where account_daily.usage_date >= restate.read_from_date
),
{%- else -%}
user_daily_read as (
    select * from user_daily
),

account_daily_read as (
    select * from account_daily
),
{%- endif %}

-- the days each identified user of an account was active (across the account's workspaces)
user_days as (
    select distinct
        workspace_accounts.account_id,
        user_daily.user_id as member_id,
        user_daily.usage_date
    from user_daily_read as user_daily
    inner join workspace_accounts
        on user_daily.workspace_id = workspace_accounts.workspace_id
    cross join as_of
    where
        workspace_accounts.account_id is not null
        and user_daily.user_id is not null
        and user_daily.usage_date <= as_of.as_of_date
),

-- the days each value feature was used in an account (a bit of the day's mask)
feature_days as (
    select distinct
        account_daily.account_id,
        value_events.feature as member_id,
        account_daily.usage_date
    from account_daily_read as account_daily
    inner join value_events
        on {{ bitwise_and('account_daily.value_feature_mask', 'value_events.feature_bit') }} <> 0
),

member_days as (
    select
        'user' as measure,
        account_id,
        member_id,
        usage_date
    from user_days
    union all
    select
        'feature' as measure,
        account_id,
        member_id,
        usage_date
    from feature_days
),

-- a member's day starts a new island when its previous active day's window has closed
island_starts as (
    select
        member_days.measure,
        member_days.account_id,
        member_days.member_id,
        member_days.usage_date,
        case
            when
                lag(member_days.usage_date) over (
                    partition by member_days.measure, member_days.account_id, member_days.member_id
                    order by member_days.usage_date
                ) is null
                then 1
            when
                {{ dbt.datediff(
                    'lag(member_days.usage_date) over (partition by member_days.measure, member_days.account_id, member_days.member_id order by member_days.usage_date)',
                    'member_days.usage_date',
                    'day',
                ) }} >= settings.window_days
                then 1
            else 0
        end as is_island_start
    from member_days
    cross join settings
),

numbered as (
    select
        measure,
        account_id,
        member_id,
        usage_date,
        sum(is_island_start) over (
            partition by measure, account_id, member_id
            order by usage_date
            rows between unbounded preceding and current row
        ) as island_number
    from island_starts
),

-- a member counts from its island's first day until the window of its last day closes
islands as (
    select
        measure,
        account_id,
        member_id,
        min(usage_date) as active_from_date,
        max(usage_date) as last_usage_date
    from numbered
    group by
        measure,
        account_id,
        member_id,
        island_number
),

deltas as (
    select
        account_id,
        active_from_date as change_date,
        case when measure = 'user' then 1 else 0 end as user_delta,
        case when measure = 'feature' then 1 else 0 end as feature_delta
    from islands
    union all
    select
        islands.account_id,
        cast({{ dbt.dateadd('day', 'settings.window_days', 'islands.last_usage_date') }} as date) as change_date,
        case when islands.measure = 'user' then -1 else 0 end as user_delta,
        case when islands.measure = 'feature' then -1 else 0 end as feature_delta
    from islands
    cross join settings
    union all
    -- the account's first usage day opens its first spell (zero when only anonymous events)
    select
        account_id,
        first_usage_date as change_date,
        0 as user_delta,
        0 as feature_delta
    from account_first_days
    {%- if restating %}
    union all
    -- the first recounted day starts a change point of every kept account (merged below when
    -- its counts equal the kept spell's)
    select distinct
        kept_points.account_id,
        restate.from_date as change_date,
        0 as user_delta,
        0 as feature_delta
    from kept_points
    cross join restate
    {%- endif %}
),

change_points as (
    select
        deltas.account_id,
        deltas.change_date,
        sum(deltas.user_delta) as user_delta,
        sum(deltas.feature_delta) as feature_delta
    from deltas
    cross join as_of
    where deltas.change_date <= as_of.as_of_date
    group by
        deltas.account_id,
        deltas.change_date
),

levels as (
    select
        account_id,
        change_date,
        sum(user_delta) over (
            partition by account_id
            order by change_date
            rows between unbounded preceding and current row
        ) as active_users_28d,
        sum(feature_delta) over (
            partition by account_id
            order by change_date
            rows between unbounded preceding and current row
        ) as value_features_28d
    from change_points
),

{% if restating -%}
-- the kept change points, then the recounted ones from the first recounted day (the counts of
-- earlier days in the sweep saw only part of their window)
points as (
    select * from kept_points
    union all
    select
        levels.account_id,
        levels.change_date,
        levels.active_users_28d,
        levels.value_features_28d
    from levels
    cross join restate
    where levels.change_date >= restate.from_date
),
{%- else -%}
points as (
    select * from levels
),
{%- endif %}

with_previous as (
    select
        account_id,
        change_date,
        active_users_28d,
        value_features_28d,
        lag(active_users_28d) over (partition by account_id order by change_date) as previous_active_users,
        lag(value_features_28d) over (partition by account_id order by change_date) as previous_value_features
    from points
),

-- compact: a change point where neither count changes (one user leaves as another arrives)
-- extends the spell before it
compacted as (
    select
        account_id,
        change_date,
        active_users_28d,
        value_features_28d
    from with_previous
    where
        previous_active_users is null
        or previous_active_users <> active_users_28d
        or previous_value_features <> value_features_28d
),

final as (
    select
        account_id,
        change_date as valid_from,
        lead(change_date) over (partition by account_id order by change_date) as valid_to,
        cast(active_users_28d as integer) as active_users_28d,
        cast(value_features_28d as integer) as value_features_28d,
        {{ refreshed_at() }} as _refreshed_at
    from compacted
)

select * from final
