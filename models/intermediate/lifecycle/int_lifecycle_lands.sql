-- grain: one row per land of an account (land_number 1 from the first subscription start, trial
-- included; a return from churned starts the next): when it started, when it reached first value
-- (the first value event, seeds/value_events.csv, on or after the land date and before the land
-- churned) and when it was adopted (the first day from first value on at which the trailing
-- active users reach adoption_seat_ratio x licensed seats, seats > 0). docs/metrics.md, LAER.
with

billing_states as (
    select * from {{ ref('int_lifecycle_billing_states') }}
),

usage_daily as (
    select * from {{ ref('int_account_usage_daily') }}
),

usage_spells as (
    select * from {{ ref('int_account_usage_spells') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

lands as (
    select
        account_id,
        land_number,
        min(case when not is_churned then valid_from end) as land_date,
        min(case when is_churned then valid_from end) as churned_date
    from billing_states
    group by
        account_id,
        land_number
),

-- the end of a land's live days (exclusive): its churn, else the day after as_of
land_bounds as (
    select
        lands.*,
        coalesce(lands.churned_date, cast({{ dbt.dateadd('day', 1, 'as_of.as_of_date') }} as date)) as live_until
    from lands
    cross join as_of
),

first_values as (
    select
        land_bounds.account_id,
        land_bounds.land_number,
        min(usage_daily.usage_date) as first_value_date
    from land_bounds
    inner join usage_daily
        on land_bounds.account_id = usage_daily.account_id
            and usage_daily.value_event_count > 0
            and usage_daily.usage_date >= land_bounds.land_date
            and usage_daily.usage_date < land_bounds.live_until
    group by
        land_bounds.account_id,
        land_bounds.land_number
),

valued_lands as (
    select
        land_bounds.*,
        first_values.first_value_date
    from land_bounds
    inner join first_values
        on land_bounds.account_id = first_values.account_id
            and land_bounds.land_number = first_values.land_number
),

-- the days on which both step functions hold - active users (usage spells) against licensed seats
-- (billing states) - from first value until the land's end; the first such day is the adoption
adoption_candidates as (
    select
        valued_lands.account_id,
        valued_lands.land_number,
        greatest(valued_lands.first_value_date, usage_spells.valid_from, billing_states.valid_from) as candidate_from
    from valued_lands
    inner join billing_states
        on valued_lands.account_id = billing_states.account_id
            and valued_lands.land_number = billing_states.land_number
            and not billing_states.is_churned
            and billing_states.licensed_seats > 0
            and coalesce(billing_states.valid_to, valued_lands.live_until) > valued_lands.first_value_date
    inner join usage_spells
        on valued_lands.account_id = usage_spells.account_id
            and usage_spells.valid_from < coalesce(billing_states.valid_to, valued_lands.live_until)
            and coalesce(usage_spells.valid_to, valued_lands.live_until) > billing_states.valid_from
            and coalesce(usage_spells.valid_to, valued_lands.live_until) > valued_lands.first_value_date
            and usage_spells.valid_from < valued_lands.live_until
            and usage_spells.active_users_28d >= {{ threshold('adoption_seat_ratio') }} * billing_states.licensed_seats
),

adoptions as (
    select
        account_id,
        land_number,
        min(candidate_from) as adopted_date
    from adoption_candidates
    group by
        account_id,
        land_number
),

final as (
    select
        land_bounds.account_id,
        land_bounds.land_number,
        land_bounds.land_date,
        land_bounds.churned_date,
        first_values.first_value_date,
        {{ dbt.datediff('land_bounds.land_date', 'first_values.first_value_date', 'day') }} as time_to_first_value_days,
        adoptions.adopted_date
    from land_bounds
    left join first_values
        on land_bounds.account_id = first_values.account_id
            and land_bounds.land_number = first_values.land_number
    left join adoptions
        on land_bounds.account_id = adoptions.account_id
            and land_bounds.land_number = adoptions.land_number
)

select * from final
