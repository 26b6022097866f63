-- grain: one row per account per worklist date per play that fires (account_id, worklist_date,
-- play): the CSM worklist's triggers (docs/metrics.md, CSM worklist) at every weekly health
-- snapshot (week ends, and as_of_date for the as_of week) of a live account, each with its ramp
-- (0-1: how pressing within the play), its time factor and the facts the mart's reasons quote.
-- Every fact is as known at the snapshot: the health week, the billing and land state covering
-- the snapshot day, and champion departures before the snapshot's cutoff.
with

health_weeks as (
    select * from {{ ref('int_account_health_weekly') }}
),

crm_weeks as (
    select * from {{ ref('int_account_crm_health_weekly') }}
),

billing_spells as (
    select * from {{ ref('int_account_billing_spells') }}
),

lands as (
    select * from {{ ref('int_lifecycle_lands') }}
),

-- the thresholds (seeds/thresholds.csv), once
parameters as (
    select
        cast({{ threshold('worklist_urgency_floor') }} as double) as urgency_floor,
        cast({{ threshold('worklist_saving_drop_weeks') }} as integer) as saving_drop_weeks,
        cast({{ threshold('worklist_saving_drop_boost') }} as double) as saving_drop_boost,
        cast({{ threshold('worklist_champion_left_days') }} as integer) as champion_left_days,
        cast({{ threshold('worklist_single_threaded_max_contacts') }} as integer) as single_threaded_max_contacts,
        cast({{ threshold('worklist_renewal_days') }} as integer) as renewal_days,
        cast({{ threshold('worklist_onboarding_days') }} as integer) as onboarding_days,
        -- exact (decimal): the trigger compares it with active users / seats at the boundary
        {{ threshold('worklist_expansion_seat_ratio') }} as expansion_seat_ratio,
        cast({{ threshold('health_yellow_min') }} as double) as health_yellow_min
),

-- the live account-weeks (int_account_health_weekly has no churned week) with the CRM facts
account_weeks as (
    select
        health_weeks.account_id,
        health_weeks.week,
        health_weeks.snapshot_date as worklist_date,
        crm_weeks.snapshot_cutoff_at,
        crm_weeks.has_crm_account,
        crm_weeks.last_champion_left_at,
        health_weeks.health_score,
        health_weeks.health_band,
        health_weeks.drivers,
        health_weeks.mrr_usd,
        health_weeks.licensed_seats,
        health_weeks.active_users_28d,
        health_weeks.champion_present,
        health_weeks.engaged_contacts
    from health_weeks
    inner join crm_weeks
        on health_weeks.account_id = crm_weeks.account_id
            and health_weeks.week = crm_weeks.week
),

-- green at one of the previous saving_drop_weeks weekly snapshots (bounded self-join)
green_before as (
    select
        account_weeks.account_id,
        account_weeks.week
    from account_weeks
    cross join parameters
    inner join health_weeks as earlier_weeks
        on account_weeks.account_id = earlier_weeks.account_id
            and earlier_weeks.week < account_weeks.week
            and earlier_weeks.week >= {{ dbt.dateadd('day', '-7 * parameters.saving_drop_weeks', 'account_weeks.week') }}
    where earlier_weeks.health_band = 'green'
    group by
        account_weeks.account_id,
        account_weeks.week
),

-- the latest champion departure known at the snapshot (int_account_crm_health_weekly: live
-- champion contacts, before the cutoff) when it is within champion_left_days of it: cutoff - N
-- days <= left_company_at < cutoff, i.e. on the snapshot day or one of the N - 1 days before it.
-- The latest departure is the one to quote: an earlier one in the window is older still.
recent_departures as (
    select
        account_weeks.account_id,
        account_weeks.week,
        account_weeks.last_champion_left_at as champion_left_at
    from account_weeks
    cross join parameters
    where account_weeks.last_champion_left_at
        >= {{ dbt.dateadd('day', '-1 * parameters.champion_left_days', 'account_weeks.snapshot_cutoff_at') }}
),

-- every fact of the account at the snapshot: billing spell and land covering the day
account_facts as (
    select
        account_weeks.*,
        green_before.account_id is not null as fell_from_green,
        cast(recent_departures.champion_left_at as date) as champion_left_date,
        {{ dbt.datediff('cast(recent_departures.champion_left_at as date)', 'account_weeks.worklist_date', 'day') }}
            as days_since_champion_left,
        billing_spells.renewal_date,
        {{ dbt.datediff('account_weeks.worklist_date', 'billing_spells.renewal_date', 'day') }} as days_to_renewal,
        lands.land_date,
        {{ dbt.datediff('lands.land_date', 'account_weeks.worklist_date', 'day') }} as days_since_land,
        case when lands.first_value_date <= account_weeks.worklist_date then lands.first_value_date end
            as first_value_date,
        case
            when account_weeks.licensed_seats > 0
                then cast(account_weeks.active_users_28d as double) / account_weeks.licensed_seats
        end as seat_use_ratio
    from account_weeks
    left join recent_departures
        on account_weeks.account_id = recent_departures.account_id
            and account_weeks.week = recent_departures.week
    left join green_before
        on account_weeks.account_id = green_before.account_id
            and account_weeks.week = green_before.week
    left join billing_spells
        on account_weeks.account_id = billing_spells.account_id
            and {{ spell_covers('billing_spells', 'account_weeks.worklist_date') }}
    left join lands
        on account_weeks.account_id = lands.account_id
            and lands.land_date <= account_weeks.worklist_date
            and (lands.churned_date is null or lands.churned_date > account_weeks.worklist_date)
),

-- one row per play that fires, with its ramp (0-1) and the play's own facts in words
-- saving: red at the snapshot; falling two bands (green -> red) implies red, so it only boosts
saving as (
    select
        account_facts.account_id,
        account_facts.worklist_date,
        'saving' as play,
        least(
            1.0,
            greatest(0.0, (parameters.health_yellow_min - account_facts.health_score) / parameters.health_yellow_min)
            + case when account_facts.fell_from_green then parameters.saving_drop_boost else 0.0 end
        ) as ramp,
        case
            when account_facts.fell_from_green
                then 'fell from green within '
                    || cast(parameters.saving_drop_weeks as {{ dbt.type_string() }}) || ' weeks'
        end as trigger_reason
    from account_facts
    cross join parameters
    where account_facts.health_band = 'red'
),

-- champion_left: a champion left within champion_left_days, or single-threaded (a CRM account
-- with at most single_threaded_max_contacts engaged contacts)
champion_left as (
    select
        account_facts.account_id,
        account_facts.worklist_date,
        'champion_left' as play,
        case
            when account_facts.days_since_champion_left is not null
                then 1.0 - cast(account_facts.days_since_champion_left as double) / parameters.champion_left_days
            else 0.0
        end as ramp,
        case
            when account_facts.days_since_champion_left is not null
                then
                    case
                        when account_facts.days_since_champion_left = 0 then 'a champion left today'
                        when account_facts.days_since_champion_left = 1 then 'a champion left 1 day ago'
                        else 'a champion left '
                            || cast(account_facts.days_since_champion_left as {{ dbt.type_string() }}) || ' days ago'
                    end
                    || case when account_facts.champion_present then ' (another champion in place)' else '' end
            when account_facts.engaged_contacts = 0 then 'no engaged contacts'
            else 'single-threaded: '
                || cast(account_facts.engaged_contacts as {{ dbt.type_string() }})
                || case when account_facts.engaged_contacts = 1 then ' engaged contact' else ' engaged contacts' end
        end as trigger_reason
    from account_facts
    cross join parameters
    where account_facts.days_since_champion_left is not null
        or (
            account_facts.has_crm_account
            and account_facts.engaged_contacts <= parameters.single_threaded_max_contacts
        )
),

-- renewal_prep: a renewal date at most renewal_days after the snapshot
renewal_prep as (
    select
        account_facts.account_id,
        account_facts.worklist_date,
        'renewal_prep' as play,
        1.0 - cast(account_facts.days_to_renewal as double) / parameters.renewal_days as ramp,
        'renewal on ' || cast(account_facts.renewal_date as {{ dbt.type_string() }})
        || case
            when account_facts.days_to_renewal = 1 then ', in 1 day'
            else ', in ' || cast(account_facts.days_to_renewal as {{ dbt.type_string() }}) || ' days'
        end as trigger_reason
    from account_facts
    cross join parameters
    where account_facts.days_to_renewal >= 0
        and account_facts.days_to_renewal <= parameters.renewal_days
),

-- onboarding: the current land is more than onboarding_days old and has no first value yet
onboarding as (
    select
        account_facts.account_id,
        account_facts.worklist_date,
        'onboarding' as play,
        least(
            1.0,
            cast(account_facts.days_since_land - parameters.onboarding_days as double) / parameters.onboarding_days
        ) as ramp,
        'landed on ' || cast(account_facts.land_date as {{ dbt.type_string() }})
        || ', ' || cast(account_facts.days_since_land as {{ dbt.type_string() }})
        || ' days ago, no first value yet' as trigger_reason
    from account_facts
    cross join parameters
    where account_facts.days_since_land > parameters.onboarding_days
        and account_facts.first_value_date is null
),

-- expansion: green and at least expansion_seat_ratio of the licensed seats in use
expansion as (
    select
        account_facts.account_id,
        account_facts.worklist_date,
        'expansion' as play,
        case
            when parameters.expansion_seat_ratio >= 1.0 then 1.0
            else least(
                    1.0,
                    (account_facts.seat_use_ratio - cast(parameters.expansion_seat_ratio as double))
                    / (1.0 - cast(parameters.expansion_seat_ratio as double))
                )
        end as ramp,
        cast(account_facts.active_users_28d as {{ dbt.type_string() }}) || ' of '
        || cast(account_facts.licensed_seats as {{ dbt.type_string() }}) || ' seats active' as trigger_reason
    from account_facts
    cross join parameters
    where account_facts.health_band = 'green'
        and account_facts.licensed_seats > 0
        and account_facts.active_users_28d >= parameters.expansion_seat_ratio * account_facts.licensed_seats
),

triggers as (
    select * from saving
    union all
    select * from champion_left
    union all
    select * from renewal_prep
    union all
    select * from onboarding
    union all
    select * from expansion
),

final as (
    select
        account_facts.worklist_date,
        account_facts.account_id,
        triggers.play,
        cast(round(triggers.ramp, 4) as decimal(5, 4)) as ramp,
        cast(round(parameters.urgency_floor + (1.0 - parameters.urgency_floor) * triggers.ramp, 4) as decimal(5, 4))
            as time_factor,
        triggers.trigger_reason,
        account_facts.week,
        account_facts.mrr_usd,
        account_facts.health_score,
        account_facts.health_band,
        account_facts.drivers,
        account_facts.fell_from_green,
        account_facts.champion_present,
        account_facts.champion_left_date,
        account_facts.days_since_champion_left,
        account_facts.engaged_contacts,
        account_facts.renewal_date,
        account_facts.days_to_renewal,
        account_facts.land_date,
        account_facts.days_since_land,
        account_facts.first_value_date,
        account_facts.licensed_seats,
        account_facts.active_users_28d
    from triggers
    inner join account_facts
        on triggers.account_id = account_facts.account_id
            and triggers.worklist_date = account_facts.worklist_date
    cross join parameters
)

select * from final
