-- grain: one row per account per stage spell (valid_from inclusive, valid_to exclusive, null
-- while open at as_of_date), from the first subscription start: the LAER stage at the end of each
-- day (docs/metrics.md, LAER). churned: not live after having been live; land: until the land's
-- first value day; renew: in a renewal window (over adopt and expand); adopt: until the adoption
-- day; expand: from the adoption day until the land ends.
with

billing_states as (
    select * from {{ ref('int_lifecycle_billing_states') }}
),

lands as (
    select * from {{ ref('int_lifecycle_lands') }}
),

-- the stage can only change where a billing spell starts or on a first value or adoption day
boundaries as (
    select
        account_id,
        valid_from as boundary_date
    from billing_states
    union
    select
        account_id,
        first_value_date as boundary_date
    from lands
    where first_value_date is not null
    union
    select
        account_id,
        adopted_date as boundary_date
    from lands
    where adopted_date is not null
),

pieces as (
    select
        account_id,
        boundary_date as valid_from,
        lead(boundary_date) over (partition by account_id order by boundary_date) as valid_to
    from boundaries
),

piece_stages as (
    select
        pieces.account_id,
        pieces.valid_from,
        pieces.valid_to,
        billing_states.land_number,
        case
            when billing_states.is_churned then 'churned'
            when lands.first_value_date is null or pieces.valid_from < lands.first_value_date then 'land'
            when billing_states.is_in_renewal_window then 'renew'
            when lands.adopted_date is null or pieces.valid_from < lands.adopted_date then 'adopt'
            else 'expand'
        end as stage
    from pieces
    inner join billing_states
        on pieces.account_id = billing_states.account_id
            and {{ spell_covers('billing_states', 'pieces.valid_from') }}
    inner join lands
        on billing_states.account_id = lands.account_id
            and billing_states.land_number = lands.land_number
),

-- neighbouring pieces of the same stage and land form one spell
stage_spells as (
    {{ merge_adjacent_spells('piece_stages', ['account_id'], ['land_number', 'stage']) }}
),

final as (
    select
        account_id,
        land_number,
        stage,
        case stage
            when 'land' then 'new'
            when 'adopt' then 'new'
            when 'expand' then 'growing'
            when 'renew' then 'renewal'
            when 'churned' then 'cancelled'
        end as phase,
        valid_from,
        valid_to
    from stage_spells
)

select * from final
