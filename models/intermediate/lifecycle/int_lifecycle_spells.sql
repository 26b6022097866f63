-- grain: one row per account per spell of (stage, provider play): the stage spells of
-- int_lifecycle_stage_spells, split where the health band turns red or back. provider_play: land
-- and adopt -> integrate_services, expand -> tending, renew -> harvesting, and any live stage
-- whose health band is red -> saving; none (null) while churned. The band a day carries is the latest complete week's: the
-- week's score (taken at the end of its Sunday) applies to the 7 days after it, so a day's play
-- never depends on data from after that day.
with

stage_spells as (
    select * from {{ ref('int_lifecycle_stage_spells') }}
),

health_weeks as (
    select * from {{ ref('int_account_health_weekly') }}
),

as_of as (
    select * from {{ ref('int_as_of_date') }}
),

red_spells as (
    select
        account_id,
        cast({{ dbt.dateadd('day', 7, 'week') }} as date) as valid_from,
        cast({{ dbt.dateadd('day', 14, 'week') }} as date) as valid_to
    from health_weeks
    where health_band = 'red'
),

boundaries as (
    select
        account_id,
        valid_from as boundary_date
    from stage_spells
    union
    select
        account_id,
        valid_from as boundary_date
    from red_spells
    union
    select
        account_id,
        valid_to as boundary_date
    from red_spells
),

pieces as (
    select
        boundaries.account_id,
        boundaries.boundary_date as valid_from,
        lead(boundaries.boundary_date) over (
            partition by boundaries.account_id
            order by boundaries.boundary_date
        ) as valid_to
    from boundaries
    cross join as_of
    where boundaries.boundary_date <= as_of.as_of_date
),

piece_plays as (
    select
        pieces.account_id,
        pieces.valid_from,
        pieces.valid_to,
        stage_spells.land_number,
        stage_spells.stage,
        stage_spells.phase,
        case
            when stage_spells.stage <> 'churned' and red_spells.account_id is not null then 'saving'
            when stage_spells.stage in ('land', 'adopt') then 'integrate_services'
            when stage_spells.stage = 'expand' then 'tending'
            when stage_spells.stage = 'renew' then 'harvesting'
        end as provider_play
    from pieces
    inner join stage_spells
        on pieces.account_id = stage_spells.account_id
            and {{ spell_covers('stage_spells', 'pieces.valid_from') }}
    left join red_spells
        on pieces.account_id = red_spells.account_id
            and pieces.valid_from >= red_spells.valid_from
            and pieces.valid_from < red_spells.valid_to
),

-- neighbouring pieces of the same stage, land and play form one spell
final as (
    {{ merge_adjacent_spells('piece_plays', ['account_id'], ['land_number', 'stage', 'phase', 'provider_play']) }}
)

select * from final
