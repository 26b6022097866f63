-- grain: one row per account per week (the rows of int_account_weeks): the CRM side of the
-- health score (docs/metrics.md, Health score), each fact as known at the week's snapshot, i.e.
-- from instants before snapshot_cutoff_at only (a case solved, an NPS answer or a contact leaving
-- later never changes an earlier week), and the support, sentiment and relationship components
-- (0-100) with a phrase a CSM understands.
--
-- How: no account-week x events join. Every fact is a step function of the cutoff, so each
-- record becomes change points (an instant and a delta, or a candidate "latest" instant); an
-- instant x counts at week w when x < w's cutoff, i.e. from the week containing x on (clamped to
-- the account's first week; instants at or after the as_of cutoff never count). Per account the
-- points are summed per week and carried forward with running sums / maxima over its weeks:
-- O(account-weeks + records).
--
-- Windows of N days ending at the snapshot ("within N days") hold an instant x when
-- cutoff - N days <= x < cutoff, i.e. x's date is snapshot_date or one of the N - 1 days before.
with

account_weeks as (
    select * from {{ ref('int_account_weeks') }}
),

crm_accounts as (
    select * from {{ ref('stg_crm__accounts') }}
),

cases as (
    select * from {{ ref('stg_crm__cases') }}
),

nps_responses as (
    select * from {{ ref('stg_crm__nps_responses') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

activities as (
    select * from {{ ref('stg_crm__activities') }}
),

-- the thresholds (seeds/thresholds.csv), once
parameters as (
    select
        cast({{ threshold('csat_window_days') }} as integer) as csat_window_days,
        cast({{ threshold('nps_window_days') }} as integer) as nps_window_days,
        cast({{ threshold('engaged_contact_window_days') }} as integer) as engaged_contact_window_days,
        cast({{ threshold('champion_left_recent_days') }} as integer) as champion_left_recent_days,
        cast({{ threshold('csm_touch_full_days') }} as integer) as csm_touch_full_days,
        cast({{ threshold('csm_touch_zero_days') }} as integer) as csm_touch_zero_days,
        cast({{ threshold('open_case_penalty') }} as double) as open_case_penalty,
        cast({{ threshold('engaged_contacts_target') }} as double) as engaged_contacts_target
),

-- the first week of each account and the as_of cutoff (its last week's)
account_bounds as (
    select
        account_id,
        min(week) as first_week,
        max(snapshot_cutoff_at) as as_of_cutoff_at
    from account_weeks
    group by account_id
),

-- contacts that exist (soft-deleted contacts are CRM clean-ups: never counted)
live_contacts as (
    select
        contact_id,
        account_id,
        persona,
        created_at,
        -- leaving before being created is read as leaving when created
        case
            when left_company_at is not null then
                case when left_company_at < created_at then created_at else left_company_at end
        end as left_company_at
    from contacts
    where not coalesce(is_deleted, false)
        and created_at is not null
),

-- a contact's touch: an activity with them, their NPS answer or a case they opened
contact_touches as (
    select
        contact_id,
        occurred_at as touched_at
    from activities
    where contact_id is not null
        and occurred_at is not null
    union all
    select
        contact_id,
        responded_at as touched_at
    from nps_responses
    where contact_id is not null
        and responded_at is not null
    union all
    select
        contact_id,
        created_at as touched_at
    from cases
    where contact_id is not null
        and created_at is not null
),

-- a touch at t makes its contact engaged at cutoffs c with t < c <= t + window, while the contact
-- is at the customer (created_at < c <= left_company_at): the interval (engaged_from, engaged_to]
touch_intervals as (
    select
        live_contacts.contact_id,
        live_contacts.account_id,
        case
            when contact_touches.touched_at < live_contacts.created_at then live_contacts.created_at
            else contact_touches.touched_at
        end as engaged_from_at,
        case
            when
                live_contacts.left_company_at is not null
                and live_contacts.left_company_at
                < {{ dbt.dateadd('day', 'parameters.engaged_contact_window_days', 'contact_touches.touched_at') }}
                then live_contacts.left_company_at
            else {{ dbt.dateadd('day', 'parameters.engaged_contact_window_days', 'contact_touches.touched_at') }}
        end as engaged_to_at
    from contact_touches
    inner join live_contacts
        on contact_touches.contact_id = live_contacts.contact_id
    cross join parameters
),

-- merge each contact's overlapping intervals (gaps and islands), so a contact counts once
touch_interval_starts as (
    select
        contact_id,
        account_id,
        engaged_from_at,
        engaged_to_at,
        max(engaged_to_at) over (
            partition by contact_id
            order by engaged_from_at, engaged_to_at
            rows between unbounded preceding and 1 preceding
        ) as previous_engaged_to_at
    from touch_intervals
    where engaged_from_at < engaged_to_at
),

touch_islands as (
    select
        contact_id,
        account_id,
        engaged_from_at,
        engaged_to_at,
        sum(
            case
                when previous_engaged_to_at is null or engaged_from_at > previous_engaged_to_at then 1
                else 0
            end
        ) over (
            partition by contact_id
            order by engaged_from_at, engaged_to_at
            rows between unbounded preceding and current row
        ) as island_number
    from touch_interval_starts
),

engaged_spans as (
    select
        contact_id,
        account_id,
        min(engaged_from_at) as engaged_from_at,
        max(engaged_to_at) as engaged_to_at
    from touch_islands
    group by
        contact_id,
        account_id,
        island_number
),

-- high and urgent cases: open from created_at until solved_at (a solve before the creation is
-- read as a solve at creation)
high_cases as (
    select
        account_id,
        created_at,
        case
            when solved_at is not null then
                case when solved_at < created_at then created_at else solved_at end
        end as solved_at
    from cases
    where priority in ('high', 'urgent')
        and created_at is not null
),

-- rated cases count for recent CSAT while solved_at < c <= solved_at + csat_window_days
rated_cases as (
    select
        cases.account_id,
        cases.solved_at,
        {{ dbt.dateadd('day', 'parameters.csat_window_days', 'cases.solved_at') }} as csat_expires_at,
        cases.csat
    from cases
    cross join parameters
    where cases.solved_at is not null
        and cases.csat is not null
),

-- one response per account and instant (two at the same instant: the highest id)
ranked_nps_responses as (
    select
        account_id,
        responded_at,
        score,
        row_number() over (
            partition by account_id, responded_at
            order by nps_response_id desc
        ) as response_rank
    from nps_responses
    where responded_at is not null
        and score is not null
),

latest_nps_candidates as (
    select
        account_id,
        responded_at,
        score
    from ranked_nps_responses
    where response_rank = 1
),

-- every change point, stacked: one instant and what it adds from then on
change_points as (
    select
        account_id,
        created_at as point_at,
        1 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from high_cases
    union all
    select
        account_id,
        solved_at as point_at,
        -1 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from high_cases
    where solved_at is not null
    union all
    select
        account_id,
        solved_at as point_at,
        0 as open_high_cases_delta,
        1 as rated_cases_delta,
        csat as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from rated_cases
    union all
    select
        account_id,
        csat_expires_at as point_at,
        0 as open_high_cases_delta,
        -1 as rated_cases_delta,
        -csat as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from rated_cases
    union all
    select
        account_id,
        created_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        1 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from live_contacts
    where persona = 'champion'
    union all
    select
        account_id,
        left_company_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        -1 as champions_delta,
        0 as engaged_contacts_delta,
        left_company_at as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from live_contacts
    where persona = 'champion'
        and left_company_at is not null
    union all
    select
        account_id,
        engaged_from_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        1 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from engaged_spans
    union all
    select
        account_id,
        engaged_to_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        -1 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        cast(null as timestamp) as nps_responded_at
    from engaged_spans
    union all
    select
        account_id,
        occurred_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        occurred_at as activity_at,
        cast(null as timestamp) as nps_responded_at
    from activities
    where occurred_at is not null
    union all
    select
        account_id,
        responded_at as point_at,
        0 as open_high_cases_delta,
        0 as rated_cases_delta,
        0 as csat_sum_delta,
        0 as champions_delta,
        0 as engaged_contacts_delta,
        cast(null as timestamp) as champion_left_at,
        cast(null as timestamp) as activity_at,
        responded_at as nps_responded_at
    from latest_nps_candidates
),

-- the week from which a point counts: the week containing it, or the account's first week
-- for earlier points; points at or after the as_of cutoff never count
week_points as (
    select
        change_points.account_id,
        case
            when
                cast({{ dbt.date_trunc('week', 'change_points.point_at') }} as date) < account_bounds.first_week
                then account_bounds.first_week
            else cast({{ dbt.date_trunc('week', 'change_points.point_at') }} as date)
        end as week,
        change_points.open_high_cases_delta,
        change_points.rated_cases_delta,
        change_points.csat_sum_delta,
        change_points.champions_delta,
        change_points.engaged_contacts_delta,
        change_points.champion_left_at,
        change_points.activity_at,
        change_points.nps_responded_at
    from change_points
    inner join account_bounds
        on change_points.account_id = account_bounds.account_id
    where change_points.point_at < account_bounds.as_of_cutoff_at
),

week_changes as (
    select
        account_id,
        week,
        sum(open_high_cases_delta) as open_high_cases_delta,
        sum(rated_cases_delta) as rated_cases_delta,
        sum(csat_sum_delta) as csat_sum_delta,
        sum(champions_delta) as champions_delta,
        sum(engaged_contacts_delta) as engaged_contacts_delta,
        max(champion_left_at) as champion_left_at,
        max(activity_at) as activity_at,
        max(nps_responded_at) as nps_responded_at
    from week_points
    group by
        account_id,
        week
),

-- the state at each week's cutoff: running sums and maxima over the account's weeks
week_states as (
    select
        account_weeks.account_id,
        account_weeks.week,
        account_weeks.snapshot_date,
        account_weeks.snapshot_cutoff_at,
        sum(coalesce(week_changes.open_high_cases_delta, 0)) over account_history as open_high_cases,
        sum(coalesce(week_changes.rated_cases_delta, 0)) over account_history as recent_rated_cases,
        sum(coalesce(week_changes.csat_sum_delta, 0)) over account_history as recent_csat_sum,
        sum(coalesce(week_changes.champions_delta, 0)) over account_history as champions,
        sum(coalesce(week_changes.engaged_contacts_delta, 0)) over account_history as engaged_contacts,
        max(week_changes.champion_left_at) over account_history as last_champion_left_at,
        max(week_changes.activity_at) over account_history as last_activity_at,
        max(week_changes.nps_responded_at) over account_history as last_nps_responded_at
    from account_weeks
    left join week_changes
        on
            account_weeks.account_id = week_changes.account_id
            and account_weeks.week = week_changes.week
    window account_history as (
        partition by account_weeks.account_id
        order by account_weeks.week
        rows between unbounded preceding and current row
    )
),

-- facts in days and the latest NPS answer, when it is within the window
week_facts as (
    select
        week_states.account_id,
        week_states.week,
        week_states.snapshot_date,
        week_states.snapshot_cutoff_at,
        crm_accounts.account_id is not null as has_crm_account,
        week_states.open_high_cases,
        case
            when week_states.recent_rated_cases > 0
                then cast(week_states.recent_csat_sum as double) / week_states.recent_rated_cases
        end as recent_csat,
        case
            when {{ dbt.datediff('cast(week_states.last_nps_responded_at as date)', 'week_states.snapshot_date', 'day') }}
                < parameters.nps_window_days
                then latest_nps_candidates.score
        end as latest_nps_score,
        case
            when {{ dbt.datediff('cast(week_states.last_nps_responded_at as date)', 'week_states.snapshot_date', 'day') }}
                < parameters.nps_window_days
                then week_states.last_nps_responded_at
        end as latest_nps_at,
        week_states.champions > 0 as champion_present,
        case when week_states.champions = 0 then week_states.last_champion_left_at end as last_champion_left_at,
        case
            when week_states.champions = 0
                then {{ dbt.datediff('cast(week_states.last_champion_left_at as date)', 'week_states.snapshot_date', 'day') }}
        end as days_since_champion_left,
        week_states.engaged_contacts,
        {{ dbt.datediff('cast(week_states.last_activity_at as date)', 'week_states.snapshot_date', 'day') }}
            as days_since_csm_touch,
        parameters.open_case_penalty,
        parameters.engaged_contacts_target,
        parameters.champion_left_recent_days,
        parameters.csm_touch_full_days,
        parameters.csm_touch_zero_days
    from week_states
    cross join parameters
    left join latest_nps_candidates
        on
            week_states.account_id = latest_nps_candidates.account_id
            and week_states.last_nps_responded_at = latest_nps_candidates.responded_at
    left join crm_accounts
        on
            week_states.account_id = crm_accounts.account_id
            and not coalesce(crm_accounts.is_deleted, false)
),

-- the parts of each component, 0-100 (unrounded)
week_parts as (
    select
        week_facts.*,
        case
            when 100 - open_case_penalty * open_high_cases < 0 then 0
            else 100 - open_case_penalty * open_high_cases
        end as open_cases_part,
        (recent_csat - 1) / 4 * 100 as csat_part,
        case
            when latest_nps_score >= 9 then 'promoter'
            when latest_nps_score >= 7 then 'passive'
            when latest_nps_score is not null then 'detractor'
        end as nps_category,
        case
            when champion_present then 100
            when days_since_champion_left < champion_left_recent_days then 0
            else 50
        end as champion_part,
        case
            when 100 * engaged_contacts / engaged_contacts_target > 100 then 100
            else 100 * engaged_contacts / engaged_contacts_target
        end as multithreading_part,
        case
            when days_since_csm_touch is null or days_since_csm_touch >= csm_touch_zero_days then 0
            when days_since_csm_touch <= csm_touch_full_days then 100
            else 100.0 * (csm_touch_zero_days - days_since_csm_touch) / (csm_touch_zero_days - csm_touch_full_days)
        end as csm_touch_part
    from week_facts
),

final as (
    select
        account_id,
        week,
        snapshot_date,
        snapshot_cutoff_at,
        has_crm_account,
        -- support
        cast(open_high_cases as integer) as open_high_cases,
        cast(round(recent_csat, 2) as decimal(4, 2)) as recent_csat,
        case
            when has_crm_account then
                cast(round(
                    case
                        when recent_csat is null then open_cases_part
                        else (open_cases_part + csat_part) / 2
                    end, 1
                ) as decimal(4, 1))
        end as support_score,
        case
            when not has_crm_account then null
            when open_high_cases > 0 and (recent_csat is null or open_cases_part <= csat_part)
                then cast(open_high_cases as {{ dbt.type_string() }})
                    || case when open_high_cases = 1 then ' open high/urgent case' else ' open high/urgent cases' end
            when recent_csat is not null
                then 'recent CSAT ' || cast(cast(round(recent_csat, 1) as decimal(3, 1)) as {{ dbt.type_string() }}) || ' of 5'
            else 'no open high/urgent cases'
        end as support_reason,
        -- sentiment
        latest_nps_score,
        latest_nps_at,
        cast(
            case nps_category when 'promoter' then 100 when 'passive' then 50 when 'detractor' then 0 end
            as decimal(4, 1)
        ) as sentiment_score,
        case
            when nps_category is not null
                then 'latest NPS ' || cast(latest_nps_score as {{ dbt.type_string() }}) || ' (' || nps_category || ')'
        end as sentiment_reason,
        -- relationship
        champion_present,
        last_champion_left_at,
        cast(engaged_contacts as integer) as engaged_contacts,
        cast(days_since_csm_touch as integer) as days_since_csm_touch,
        case when has_crm_account then cast(round(champion_part, 1) as decimal(4, 1)) end as champion_part_score,
        case when has_crm_account then cast(round(multithreading_part, 1) as decimal(4, 1)) end as multithreading_part_score,
        case when has_crm_account then cast(round(csm_touch_part, 1) as decimal(4, 1)) end as csm_touch_part_score,
        case
            when has_crm_account
                then cast(round((champion_part + multithreading_part + csm_touch_part) / 3, 1) as decimal(4, 1))
        end as relationship_score,
        -- the weakest part names the reason (ties: champion, then multi-threading, then touch)
        case
            when not has_crm_account then null
            when champion_part <= multithreading_part and champion_part <= csm_touch_part
                then
                    case
                        when champion_present then 'champion in place'
                        when days_since_champion_left = 0 then 'champion left today'
                        when days_since_champion_left = 1 then 'champion left 1 day ago'
                        when last_champion_left_at is not null
                            then 'champion left ' || cast(days_since_champion_left as {{ dbt.type_string() }}) || ' days ago'
                        else 'no champion'
                    end
            when multithreading_part <= csm_touch_part
                then
                    case
                        when engaged_contacts = 0 then 'no engaged contacts'
                        when engaged_contacts = 1 then 'single-threaded: 1 engaged contact'
                        else cast(engaged_contacts as {{ dbt.type_string() }}) || ' engaged contacts'
                    end
            when days_since_csm_touch is null then 'no CSM touch yet'
            when days_since_csm_touch > csm_touch_full_days
                then 'no CSM touch in ' || cast(days_since_csm_touch as {{ dbt.type_string() }}) || ' days'
            when days_since_csm_touch = 0 then 'last CSM touch today'
            when days_since_csm_touch = 1 then 'last CSM touch 1 day ago'
            else 'last CSM touch ' || cast(days_since_csm_touch as {{ dbt.type_string() }}) || ' days ago'
        end as relationship_reason
    from week_parts
)

select * from final
