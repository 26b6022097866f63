-- int_account_usage_spells counts a user or feature from one of its usage days on, so a spell whose
-- active_users_28d or value_features_28d is higher than the spell before it (or the account's
-- first spell) starts on a day the account has usage in int_account_usage_daily. A spell that
-- rises on a day without usage was kept from an earlier build after that day's usage went away
-- (a restate reads only the days refreshed since, and a day with no usage left has no row to
-- refresh): run `lifecycle build --full-refresh`. Returns the offending spells.
with

spells as (
    select * from {{ ref('int_account_usage_spells') }}
),

usage_daily as (
    select * from {{ ref('int_account_usage_daily') }}
),

with_previous as (
    select
        account_id,
        valid_from,
        active_users_28d,
        value_features_28d,
        lag(active_users_28d) over (partition by account_id order by valid_from) as previous_active_users,
        lag(value_features_28d) over (partition by account_id order by valid_from) as previous_value_features
    from spells
),

rising as (
    select
        account_id,
        valid_from,
        active_users_28d,
        value_features_28d
    from with_previous
    where
        previous_active_users is null
        or active_users_28d > previous_active_users
        or value_features_28d > previous_value_features
)

select
    rising.account_id,
    rising.valid_from,
    rising.active_users_28d,
    rising.value_features_28d
from rising
left join usage_daily
    on rising.account_id = usage_daily.account_id
        and rising.valid_from = usage_daily.usage_date
where usage_daily.usage_date is null
