-- grain: one row per account per play per worklist date (account_id, play, worklist_date): the
-- CSM worklist (docs/metrics.md, CSM worklist) at every weekly health snapshot of a live account,
-- ranked within its owner and date by priority_score = arr_at_stake_usd x urgency, urgency =
-- the play's weight (seeds/worklist_plays.csv) x its time factor (int_worklist_triggers). BI
-- reads the rows of the latest worklist_date (is_current); `lifecycle worklist` prints them.
with

triggers as (
    select * from {{ ref('int_worklist_triggers') }}
),

accounts as (
    select * from {{ ref('int_accounts') }}
),

plays as (
    select * from {{ ref('worklist_plays') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

-- the money and the urgency of each triggered play
scored as (
    select
        triggers.*,
        cast(12 * triggers.mrr_usd as decimal(18, 2)) as arr_at_stake_usd,
        cast(round(plays.weight * triggers.time_factor, 4) as decimal(8, 4)) as urgency
    from triggers
    inner join plays
        on triggers.play = plays.play
),

-- the owner: the account's CSM, else its account executive, else nobody
owned as (
    select
        scored.*,
        accounts.account_name,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.csm_name, accounts.owner_name) as owner_name,
        case
            when accounts.csm_name is not null then 'csm'
            when accounts.owner_name is not null then 'account_executive'
            else 'unassigned'
        end as owner_role,
        cast(round(scored.arr_at_stake_usd * scored.urgency, 2) as decimal(18, 2)) as priority_score
    from scored
    left join accounts
        on scored.account_id = accounts.account_id
),

-- the reasons in words: the play's facts, the health with its drivers, the renewal, the ARR
-- (saving leads with the health, which is its trigger; renewal_prep names its renewal already)
worded as (
    select
        owned.*,
        'health ' || owned.health_band || ' ('
        || cast(owned.health_score as {{ dbt.type_string() }}) || ')'
        || coalesce(': ' || owned.drivers, '') as health_phrase,
        case
            when owned.renewal_date is not null and owned.play <> 'renewal_prep'
                then '; renewal on ' || cast(owned.renewal_date as {{ dbt.type_string() }})
                    || case
                        when owned.days_to_renewal = 1 then ', in 1 day'
                        else ', in ' || cast(owned.days_to_renewal as {{ dbt.type_string() }}) || ' days'
                    end
            else ''
        end as renewal_phrase
    from owned
),

ranked as (
    select
        worded.*,
        row_number() over (
            -- one list per person and date (the unassigned rows, owner_name null, form one list)
            partition by worded.worklist_date, worded.owner_name
            order by
                worded.priority_score desc,
                worded.urgency desc,
                worded.arr_at_stake_usd desc,
                worded.account_id,
                worded.play
        ) as priority_rank
    from worded
),

final as (
    select
        ranked.worklist_date,
        ranked.worklist_date = as_of.as_of_date as is_current,
        ranked.account_id,
        ranked.account_name,
        ranked.segment,
        ranked.play,
        ranked.priority_score,
        ranked.priority_rank,
        ranked.arr_at_stake_usd,
        ranked.urgency,
        ranked.time_factor,
        ranked.owner_name,
        ranked.owner_role,
        case
            when ranked.play = 'saving'
                then ranked.health_phrase || coalesce('; ' || ranked.trigger_reason, '')
            -- a trigger the health drivers already say (e.g. single-threaded) is not said twice
            when instr(coalesce(ranked.drivers, ''), ranked.trigger_reason) > 0 then ranked.health_phrase
            else ranked.trigger_reason || '; ' || ranked.health_phrase
        end
        || ranked.renewal_phrase
        || '; ARR $' || {{ format_thousands('ranked.arr_at_stake_usd') }} as reasons,
        ranked.health_score,
        ranked.health_band,
        ranked.renewal_date,
        ranked.days_to_renewal
    from ranked
    cross join as_of
)

select * from final
